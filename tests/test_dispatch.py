"""Which backend answers: MUSLDETECT_BACKEND, auto's order, strictness, what loading imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import musldetect

from fixtures import REQUIRED_BACKENDS
from oracle import run_json, run_python


def test_stale_extension_refuses_to_load(native):
    proc = run_python("import musldetect._version as v; v.__version__ = '0.0.0-other'; import musldetect._native")
    assert proc.returncode != 0
    assert "ImportError: musldetect._native was built for musldetect" in proc.stderr
    assert native.__build_version__ == musldetect.__version__


def test_auto_picks_the_fastest_available_backend():
    from musldetect import _dispatch

    available = [s.name for s in _dispatch.backend_statuses() if s.available]
    assert run_json("import json, musldetect; print(json.dumps(musldetect.backend()))") == available[0]
    for name in REQUIRED_BACKENDS:
        assert name in available


def test_backends_reports_each_backend_and_the_one_in_use():
    """The public report the command's ``backends`` prints: each backend's own answer,
    read in a process that names it (so not by the same call), and which one is in use."""
    statuses = musldetect.backends()
    assert [s.name for s in statuses] == list(musldetect.BACKENDS)
    assert [s.name for s in statuses if s.in_use] == [musldetect.backend()]
    requested = os.environ.get("MUSLDETECT_BACKEND", "auto").strip().lower() or "auto"
    assert [s.name for s in statuses if s.named] == ([] if requested == "auto" else [requested])
    for status in statuses:
        assert status.available == (status.libc is not None) == (status.error == "")
        if status.available:
            own = run_json(
                "import json, musldetect; print(json.dumps(musldetect.libc().as_dict()))",
                env={"MUSLDETECT_BACKEND": status.name},
            )
            assert status.libc.as_dict() == json.loads(json.dumps(own)), status.name
    named = run_json(
        "import json, musldetect; print(json.dumps([[s.name, s.in_use, s.named] for s in musldetect.backends()]))",
        env={"MUSLDETECT_BACKEND": "python"},
    )
    assert [entry for entry in named if entry[1] or entry[2]] == [["python", True, True]]


@pytest.mark.parametrize("name", ["native", "cffi", "ctypes", "python"])
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
    code = (
        "import sys, json, musldetect; print(json.dumps(sorted(m for m in "
        "('subprocess', 'ctypes', 'packaging', 'cffi', 'musldetect._native') if m in sys.modules)))"
    )
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


def test_unknown_backend_lists_the_valid_ones():
    proc = run_python("import musldetect; musldetect.libc()", env={"MUSLDETECT_BACKEND": "turbo"})
    assert proc.returncode != 0
    assert "MUSLDETECT_BACKEND='turbo'" in proc.stderr
    assert "auto, native, cffi, python, ctypes" in proc.stderr


def test_naming_the_python_backend_is_honoured():
    assert (
        run_json(
            "import json, musldetect; print(json.dumps(musldetect.libc().backend))",
            env={"MUSLDETECT_BACKEND": "python"},
        )
        == "python"
    )


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
    code = (
        f"import sys; sys.path.insert(0, {package_parent!r}); before = set(sys.modules)\n"
        "import musldetect; musldetect.platform_tags(); assert musldetect.backend() == 'native'\n"
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, MUSLDETECT_BACKEND="auto"),
    )
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.split())
    heavy = {
        "typing",
        "re",
        "threading",
        "sysconfig",
        "struct",
        "ctypes",
        "cffi",
        "subprocess",
        "collections",
        "dataclasses",
        "importlib",
    }
    assert not loaded & heavy, sorted(loaded & heavy)
    baseline = subprocess.run(
        [sys.executable, "-c", "import sys; print(' '.join(sys.modules))"],
        stdout=subprocess.PIPE,
        text=True,
        timeout=60,
    ).stdout.split()
    extra = {m for m in loaded - set(baseline) if not m.startswith("musldetect")}
    assert extra <= {"__future__", "_thread", "_operator"}, sorted(extra)  # _operator is built in


def test_cffi_declarations_are_the_generated_ones(tmp_path):
    """musldetect/_cffi_decls.py is csrc/cffi_decls.py's output: regenerate it and compare."""
    import importlib.util

    pytest.importorskip("cffi", reason="cffi is not installed")
    script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "csrc", "cffi_decls.py")
    if not os.path.exists(script):
        pytest.skip("csrc/ is not beside the tests (an installed wheel's tests)")
    spec = importlib.util.spec_from_file_location("cffi_decls_script", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(str(tmp_path / "fresh.py"))
    committed = os.path.join(os.path.dirname(musldetect.__file__), "_cffi_decls.py")
    with open(committed) as ours, open(tmp_path / "fresh.py") as fresh:
        assert ours.read() == fresh.read(), "run: python csrc/cffi_decls.py"


def test_cffi_backend_import_leaves_the_c_parser_alone():
    code = (
        "import json, sys; from musldetect import _dispatch; _dispatch.load_backend('cffi'); "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('pycparser', 'cffi'))))"
    )
    proc = run_python(code)
    if proc.returncode != 0 and "cffi" in proc.stderr and "not available" in proc.stderr:
        pytest.skip("the cffi backend is unavailable here")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def _imported(code: str, env=None) -> set:
    """The modules a fresh interpreter imports for ``code``: -X importtime's report on
    CPython, the growth of sys.modules elsewhere (PyPy has no -X importtime)."""
    full_env = dict(os.environ, **(env or {}))
    if sys.implementation.name == "cpython":
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, timeout=60, env=full_env
        )
        assert proc.returncode == 0, proc.stderr
        return {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    wrapped = f"import sys; before = set(sys.modules)\n{code}\nprint(' '.join(set(sys.modules) - before))"
    proc = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True, timeout=60, env=full_env)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


# What an interpreter's start-up should not pay for (issue 20): none of these may be imported
# by describing the process unless ``python -c pass`` already has it.
HEAVY_FOR_STARTUP = {
    "ast",
    "typing",
    "re",
    "enum",
    "contextlib",
    "collections",
    "platform",
    "sysconfig",
    "dataclasses",
    "functools",
}


@pytest.mark.parametrize("call", ["platform_tags", "sys_tags"])
def test_each_backend_imports_only_what_it_needs(backend_module, call):
    """Describing the process with one backend imports that backend's needs and nothing else:
    none of HEAVY_FOR_STARTUP, no cffi package or pycparser, no subprocess, on glibc and on
    musl alike (the bytes are scanned without ``re``)."""
    name = backend_module.NAME
    startup = _imported("pass")
    used = _imported(f"import musldetect; musldetect.{call}()", {"MUSLDETECT_BACKEND": name}) - startup
    # PEP 600's hook is looked up, usually absent; _operator is built into the interpreter.
    allowed = {"__future__", "_thread", "_operator", "_manylinux"}
    if name in ("cffi", "ctypes", "python"):
        allowed |= {"struct", "_struct", "mmap"}
    if name == "cffi":
        allowed.add("_cffi_backend")
    if name == "ctypes":  # the standard library's own: ctypes and what defining a Structure imports
        structure = "import ctypes\nclass S(ctypes.Structure):\n    _fields_ = [('a', ctypes.c_int)]"
        allowed |= _imported(structure) - startup  # CPython 3.14's ctypes imports sysconfig itself
    heavy = used & HEAVY_FOR_STARTUP - (allowed if name == "ctypes" else set())
    assert not heavy, sorted(heavy)
    # Codec modules are loaded lazily by some interpreters (PyPy) on a first decode.
    extra = {module for module in used if not module.startswith(("musldetect", "encodings."))} - allowed
    assert not extra, sorted(extra)
    assert f"musldetect._backend_{name}" in used
    others = {f"musldetect._backend_{other}" for other in musldetect.BACKENDS if other != name}
    assert not used & others, sorted(used & others)


def test_a_cross_build_variable_is_what_brings_sysconfig_in():
    """The check above sees a heavy import when one happens: _PYTHON_HOST_PLATFORM (a
    cross-build's platform, which only sysconfig knows how to apply) makes sys_tags() ask it."""
    startup = _imported("pass")
    used = _imported("import musldetect; musldetect.sys_tags()", {"_PYTHON_HOST_PLATFORM": "linux-x86_64"})
    assert "sysconfig" in used - startup
