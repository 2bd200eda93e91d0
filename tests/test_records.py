"""The result records (immutable tuples with named fields) and the start-up import set."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import sysconfig

import pytest

import musldetect
from fixtures import REQUIRED_BACKENDS
from musldetect import _tags
from musldetect._types import RawLibc

INFO = musldetect.LibcInfo("musl", (1, 2, 3), "1.2.3", "/lib/ld-musl-x86_64.so.1", False, "x86_64", "native")


def test_fields_defaults_and_order():
    assert INFO._fields[:3] == ("family", "version", "version_string")
    assert (INFO.reason, INFO.interpreter, INFO.time64) == ("", None, None)
    assert INFO.family == INFO[0] == "musl" and INFO.backend == "native"
    assert RawLibc("glibc", "2.36", None, False).min_version is None


def test_immutable_comparable_hashable_picklable():
    with pytest.raises(AttributeError):
        INFO.family = "glibc"  # type: ignore[misc]
    same = musldetect.LibcInfo(*INFO)
    assert same == INFO and hash(same) == hash(INFO) and same is not INFO
    assert pickle.loads(pickle.dumps(INFO)) == INFO
    assert INFO._replace(version=(1, 2, 4)).version == (1, 2, 4) and INFO.version == (1, 2, 3)


def test_repr_and_dicts():
    assert repr(INFO).startswith("LibcInfo(family='musl', version=(1, 2, 3), ")
    assert INFO.as_dict()["version"] == [1, 2, 3] and set(INFO.as_dict()) == set(INFO._fields)


@pytest.mark.parametrize("args,kwargs,message", [
    (("musl",), {}, "missing the field 'version'"),
    (tuple(range(12)), {}, "takes 11 fields"),
    (tuple(INFO), {"colour": 1}, "no field 'colour'"),
])
def test_bad_construction(args, kwargs, message):
    with pytest.raises(TypeError, match=message):
        musldetect.LibcInfo(*args, **kwargs)


def test_platform_without_sysconfig_matches_sysconfig():
    assert _tags.sysconfig_platform() == sysconfig.get_platform()


def test_describing_the_process_imports_nothing_heavy():
    """With the native backend, libc() and platform_tags() import no typing, re, threading,
    sysconfig, struct, ctypes, cffi or subprocess: they would cost more than the detection."""
    try:
        from musldetect import _native  # noqa: F401
    except ImportError as exc:
        if "native" in REQUIRED_BACKENDS:
            pytest.fail(f"the native backend is required (MUSLDETECT_REQUIRE_BACKENDS) but missing: {exc}")
        pytest.skip(f"the lean path is the native backend's, which is not built: {exc}")
    package_parent = os.path.dirname(os.path.dirname(musldetect.__file__))
    code = ("import sys; sys.path.insert(0, %r); before = set(sys.modules)\n"
            "import musldetect; musldetect.platform_tags(); assert musldetect.backend() == 'native'\n"
            "print(' '.join(sorted(set(sys.modules) - before)))" % package_parent)
    proc = subprocess.run([sys.executable, "-S", "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=60, env=dict(os.environ, MUSLDETECT_BACKEND="auto"))
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.split())
    heavy = {"typing", "re", "threading", "sysconfig", "struct", "ctypes", "cffi", "subprocess", "collections",
             "dataclasses", "importlib"}
    assert not loaded & heavy, sorted(loaded & heavy)
    baseline = subprocess.run([sys.executable, "-c", "import sys; print(' '.join(sys.modules))"],
                              stdout=subprocess.PIPE, text=True, timeout=60).stdout.split()
    extra = {m for m in loaded - set(baseline) if not m.startswith("musldetect")}
    assert extra <= {"__future__", "_thread"}, sorted(extra)
