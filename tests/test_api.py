"""The public records and MUSLDETECT_LIBC: fields, immutability, overrides in fresh interpreters."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sysconfig

import pytest

import musldetect
from musldetect import _tags
from musldetect._types import RawLibc

from oracle import run_json

INFO = musldetect.LibcInfo("musl", (1, 2, 3), "1.2.3", "/lib/ld-musl-x86_64.so.1", False, "x86_64", "native")


def test_fields_defaults_and_order():
    assert INFO._fields[:3] == ("family", "version", "version_string")
    assert (INFO.reason, INFO.interpreter, INFO.time64) == ("", None, None)
    assert INFO.family == INFO[0] == "musl" and INFO.backend == "native"
    assert RawLibc("glibc", "2.36", None, False).min_version is None


def test_immutable_comparable_hashable_picklable():
    with pytest.raises(AttributeError):
        INFO.family = "glibc"
    same = musldetect.LibcInfo(*INFO)
    assert same == INFO and hash(same) == hash(INFO) and same is not INFO
    assert pickle.loads(pickle.dumps(INFO)) == INFO
    assert INFO._replace(version=(1, 2, 4)).version == (1, 2, 4) and INFO.version == (1, 2, 3)


def test_repr_and_dicts():
    assert repr(INFO).startswith("LibcInfo(family='musl', version=(1, 2, 3), ")
    assert INFO.as_dict()["version"] == [1, 2, 3] and set(INFO.as_dict()) == set(INFO._fields)


@pytest.mark.parametrize(
    "args,kwargs,message",
    [
        (("musl",), {}, "missing the field 'version'"),
        (tuple(range(12)), {}, "takes 11 fields"),
        (tuple(INFO), {"colour": 1}, "no field 'colour'"),
    ],
)
def test_bad_construction(args, kwargs, message):
    with pytest.raises(TypeError, match=message):
        musldetect.LibcInfo(*args, **kwargs)


def test_platform_without_sysconfig_matches_sysconfig():
    assert _tags.sysconfig_platform() == sysconfig.get_platform()


REPORT = (
    "import json, musldetect; i = musldetect.libc(); "
    "print(json.dumps([i.family, i.version, i.backend, list(musldetect.platform_tags())]))"
)


def test_musl_override_gives_musllinux_tags():
    family, version, backend, tags = run_json(REPORT, env={"MUSLDETECT_LIBC": "musl-1.1"})
    assert (family, version, backend) == ("musl", [1, 1], "override")
    assert [t for t in tags if t.startswith("musllinux")][-2:] == [
        f"musllinux_1_1_{tags[0][6:]}",
        f"musllinux_1_0_{tags[0][6:]}",
    ]
    assert not [t for t in tags if t.startswith("manylinux")]


def test_glibc_override_gives_manylinux_tags_down_to_the_oldest():
    family, version, backend, tags = run_json(REPORT, env={"MUSLDETECT_LIBC": "glibc-2.28"})
    assert (family, version, backend) == ("glibc", [2, 28], "override")
    arch = tags[0][len("linux_") :]
    many = [t for t in tags if t.startswith("manylinux")]
    # From 2.28 down to manylinux_2_5 (x86) or manylinux_2_17, with the legacy aliases.
    oldest = (2, 5) if arch in ("x86_64", "i686") else (2, 17)
    expected = []
    for minor in range(28, oldest[1] - 1, -1):
        expected.append(f"manylinux_2_{minor}_{arch}")
        legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}.get(minor)
        expected += [f"{legacy}_{arch}"] if legacy else []
    assert many == expected


def test_none_override_leaves_only_the_linux_tag():
    family, version, backend, tags = run_json(REPORT, env={"MUSLDETECT_LIBC": "none"})
    assert (family, version, backend) == (None, None, "override")
    assert len(tags) == 1 and tags[0].startswith("linux_")


@pytest.mark.parametrize("value", ["musl", "musl-1", "glibc-2.x", "uclibc-1.0", "musl-1.2.3.4"])
def test_malformed_override_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("MUSLDETECT_LIBC", value)
    with pytest.raises(musldetect.ConfigurationError, match="MUSLDETECT_LIBC"):
        musldetect.libc()


def _venv_with_override(tmp_path, python, value):
    """A virtual environment of ``python`` whose prefix holds a musldetect-libc file, with
    the musldetect under test (its Python files) importable."""
    import shutil

    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True)
    package = os.path.dirname(musldetect.__file__)
    code = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    shutil.copytree(package, os.path.join(site, "musldetect"), ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    (venv / "musldetect-libc").write_text(f"# set by the application that bundles this interpreter\n{value}\n")
    return venv / "bin" / "python"


REPORT_ONE = (
    "import json, musldetect; i = musldetect.libc(); print(json.dumps([i.family, i.version, i.backend, i.reason]))"
)


def test_an_override_file_beside_the_embedded_interpreter(tmp_path):
    """The musl interpreter with a musldetect-libc file in its prefix: the file decides, the
    environment variable wins over it, and a bad file is an error naming it."""
    from oracle import find_musl_python, skip_or_fail

    python = find_musl_python()
    if python is None:
        skip_or_fail("the musl-linked test interpreter is missing (tests/musl/build-python.sh)")
    venv_python = _venv_with_override(tmp_path, python, "glibc-2.28")
    env = {k: v for k, v in os.environ.items() if k != "MUSLDETECT_LIBC"}
    proc = subprocess.run([str(venv_python), "-c", REPORT_ONE], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    family, version, backend, reason = json.loads(proc.stdout)
    assert (family, version, backend) == ("glibc", [2, 28], "override")
    assert str(tmp_path / "venv" / "musldetect-libc") in reason
    proc = subprocess.run(
        [str(venv_python), "-c", REPORT_ONE],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(env, MUSLDETECT_LIBC="musl-1.1"),
    )
    assert json.loads(proc.stdout)[:3] == ["musl", [1, 1], "override"]
    (tmp_path / "venv" / "musldetect-libc").write_text("musl\n")
    proc = subprocess.run([str(venv_python), "-c", REPORT_ONE], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode != 0 and "musldetect-libc" in proc.stderr and "not understood" in proc.stderr
