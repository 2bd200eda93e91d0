"""The C core's twin of the version rules, the extension's guards, and the dispatcher."""

from __future__ import annotations

import os

import pytest

import elfwriter as w
import musldetect
from musldetect import _rules
from oracle import corpus_manifest, run_json, run_python, upstream_version
from fixtures import REQUIRED_BACKENDS


@pytest.fixture
def native():
    try:
        from musldetect import _native
    except ImportError as exc:
        if "native" in REQUIRED_BACKENDS:
            pytest.fail(f"native backend required but unavailable: {exc}")
        pytest.skip(f"native backend unavailable: {exc}")
    return _native


BLOCKS = [
    b"musl libc (x86_64)\n\x00LINUX_2.6.39\x00127.0.0.1\x00=1.2.3\x00",
    b"musl libc (i386)\n\x00\x801.2.4_git20230717\x00",
    b"musl libc (x)\x001.2.3\x001.2.4\x00",
    b"musl libc (x)\x00v1.2.3\x00",
    b"no banner\x001.2.3\x00",
    b"musl libc (",
    b"musl libc (x)\x001.2.3",
    b"\x00" * 40 + b"musl libc (arm)" + b"\x00" * 17 + b"1.2.5-git-12-gabcdef\x00" + b"\x01" * 33,
    b"musl libc (x)\x00" + b"9.9.9\x00" * 3 + b"1." + b"2" * 5 + b".3\x00",
    b"musl libc (x)\x00x.1.2~5.6.7\x00",
    b"musl libc (x)\x0012345.1.2\x00 1.2.3\x00",
    b"(" * 70 + b"musl libc (" + b"." * 70 + b"\x001.2.3\x00" + b"9" * 64 + b".1.1\x00",
]


@pytest.mark.parametrize("block", BLOCKS)
def test_c_rules_match_python_rules(native, block):
    is_musl, version, _reason = native.musl_version_in(block)
    expected = _rules.musl_version_from_segments([block])
    assert (is_musl, version) == expected[:2]


# Byte strings made of what the rules care about, so version-like runs are frequent.
ALPHABET = b"0123456789.\x00 (-_~+xLINUX=musl libc ("


def test_c_rules_match_python_rules_on_generated_blocks(native):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from([b"musl libc (", b"1.2.3", b"LINUX_2.6.39", b"127.0.0.1", b"_git2023", b"\x00"])
    block = st.lists(st.one_of(pieces, st.binary(max_size=8), st.sampled_from([bytes([c]) for c in ALPHABET])),
                     max_size=80).map(b"".join)

    @settings(max_examples=2000, deadline=None)
    @given(block)
    def same_answer(data):
        is_musl, version, _reason = native.musl_version_in(data)
        assert (is_musl, version) == _rules.musl_version_from_segments([data])[:2]

    same_answer()


def test_c_rules_on_every_real_build(native):
    from musldetect._elf import ELFFile
    import glob

    checked = 0
    for row in corpus_manifest():
        if row["pkg"] != "musl":
            continue
        path = (glob.glob(os.path.join(row["dir"], "*lib", "*-linux-musl*", "libc.so")) +
                glob.glob(os.path.join(row["dir"], "usr", "lib", "*-linux-musl*", "libc.so")))[0]
        with ELFFile(path) as elf:
            answers = [native.musl_version_in(data) for data in elf.readonly_segment_data()]
        banner = [a for a in answers if a[0]]
        assert banner and banner[0][1] == upstream_version(row["version"]), path
        checked += 1
    assert checked >= 6


def test_stale_extension_refuses_to_load(native):
    proc = run_python("import musldetect; musldetect.__version__ = '0.0.0-other'; import musldetect._native")
    assert proc.returncode != 0
    assert "ImportError: musldetect._native was built for musldetect" in proc.stderr
    assert native.__build_version__ == musldetect.__version__


def test_auto_picks_the_fastest_available_backend():
    from musldetect import _dispatch

    available = [s.name for s in _dispatch.backend_statuses() if s.available]
    assert run_json("import json, musldetect; print(json.dumps(musldetect.backend()))") == available[0]
    for name in REQUIRED_BACKENDS:
        assert name in available


@pytest.mark.parametrize("name", ["native", "cffi", "python"])
def test_naming_a_backend_is_strict(name):
    from musldetect import _dispatch

    status = {s.name: s for s in _dispatch.backend_statuses()}[name]
    proc = run_python("import musldetect; print(musldetect.libc().backend)", env={"MUSLDETECT_BACKEND": name})
    if status.available:
        assert proc.returncode == 0 and proc.stdout.strip() == name
    else:
        assert proc.returncode != 0 and ("ImportError" in proc.stderr or "ModuleNotFoundError" in proc.stderr)
        assert status.error.split(":")[-1].strip() in proc.stderr  # the same cause, named


def test_import_loads_no_backend_dependency():
    code = ("import sys, json, musldetect; print(json.dumps(sorted(m for m in "
            "('subprocess', 'ctypes', 'packaging', 'cffi', 'musldetect._native') if m in sys.modules)))")
    assert run_json(code) == []


def test_a_backend_that_raises_on_import_is_unavailable_not_fatal(monkeypatch):
    """A backend module whose import fails with something other than ImportError (say dlopen's
    OSError) is reported unavailable with the cause; auto moves on to the next."""
    import sys
    import types

    from musldetect import _dispatch

    class Exploding(types.ModuleType):
        def __getattr__(self, name):
            raise OSError("dlopen(NULL) failed")

    monkeypatch.setitem(sys.modules, "musldetect._backend_cffi", Exploding("musldetect._backend_cffi"))
    status = {s.name: s for s in _dispatch.backend_statuses()}["cffi"]
    assert not status.available and "failed to load: OSError: dlopen(NULL) failed" in status.error


def test_c_release_table_is_the_python_table(native):
    """The symbol floor exists in C and in Python: the two must be the same, row by row."""
    from musldetect import _rules

    table, time64_symbol = native.release_symbols()
    assert [(release, tuple(names)) for release, names in table] == \
        [(release, tuple(names)) for release, names in _rules.MUSL_RELEASE_SYMBOLS]
    assert time64_symbol == _rules.MUSL_TIME64_SYMBOL


def test_c_core_calls_a_static_pie_program_static(tmp_path):
    """A static-pie program has a PT_DYNAMIC but no loader: static. The C core is built
    into a standalone program (csrc/md_selftest.c) the way csrc/check.sh builds it."""
    import shutil
    import subprocess

    from oracle import skip_or_fail

    if not shutil.which("gcc"):
        skip_or_fail("gcc is missing")
    csrc = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "csrc")
    if not os.path.isdir(csrc):
        pytest.skip("csrc/ is not beside the tests (an installed wheel's tests)")
    results = {}
    for flags in (["-static-pie"], ["-static"], []):
        program = str(tmp_path / ("selftest" + "".join(flags)))
        subprocess.run(["gcc", "-O1", *flags, "-o", program, os.path.join(csrc, "md_core.c"),
                        os.path.join(csrc, "md_selftest.c"), "-ldl"], check=True, stderr=subprocess.PIPE)
        out = subprocess.run([program], stdout=subprocess.PIPE, text=True, check=True).stdout
        results[" ".join(flags) or "dynamic"] = dict(f.split("=", 1) for f in out.split("\n")[0].split(" ")[:6])
    assert results["-static-pie"]["static"] == "1" and results["-static"]["static"] == "1"
    assert results["dynamic"]["static"] == "0" and results["dynamic"]["interp"]
