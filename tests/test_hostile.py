"""Hostile input and concurrency: inspect() never crashes, hangs or lies; caches hold under threads."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import musldetect

import elfwriter as w

ALLOWED = (musldetect.ELFError, FileNotFoundError, PermissionError, IsADirectoryError)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def outcome(path: str):
    """inspect() either answers or raises an allowed error with a one-line message naming the file."""
    try:
        return musldetect.inspect(path)
    except ALLOWED as exc:
        message = str(exc)
        assert "\n" not in message
        if isinstance(exc, musldetect.ELFError):
            assert path in message
        return exc


@SETTINGS
@given(data=st.binary(max_size=512))
def test_random_bytes(tmp_path, data):
    path = str(tmp_path / "random")
    with open(path, "wb") as fh:
        fh.write(b"\x7fELF" + data)
    outcome(path)


SEED = w.musl_loader(b"1.2.3")


@SETTINGS
@given(flips=st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_mutated_loader_never_gives_a_wrong_version(tmp_path, flips):
    data = bytearray(SEED)
    for index, value in flips:
        data[index] = value
    path = str(tmp_path / "mutated")
    with open(path, "wb") as fh:
        fh.write(data)
    result = outcome(path)
    if isinstance(result, musldetect.LibcInfo) and result.version is not None:
        # a version can only come from an intact NUL-terminated candidate next to an intact banner
        assert result.version_string.encode() + b"\x00" in data and b"musl libc (" in data


FIELDS = ["phoff", "phentsize", "phnum", "shoff", "shentsize", "shnum", "type", "machine"]


@SETTINGS
@given(
    field=st.sampled_from(FIELDS),
    value=st.integers(0, 0xFFFF),
    bits=st.sampled_from([32, 64]),
    order=st.sampled_from(["<", ">"]),
)
def test_header_fields(tmp_path, field, value, bits, order):
    data = w.build(
        [w.Seg(w.PT_INTERP, b"/lib/ld.so\x00"), w.Seg(w.PT_LOAD, b"x" * 64)],
        bits=bits,
        byteorder=order,
        header={field: value},
    )
    path = str(tmp_path / "hdr")
    with open(path, "wb") as fh:
        fh.write(data)
    outcome(path)


@SETTINGS
@given(
    offset=st.integers(0, 2**64 - 1),
    filesz=st.integers(0, 2**64 - 1),
    memsz=st.integers(0, 2**64 - 1),
    p_type=st.sampled_from([1, 2, 3, 4]),
)
def test_segment_ranges_wrapping_and_past_the_end(tmp_path, offset, filesz, memsz, p_type):
    data = w.build([w.Seg(p_type, b"abc\x00", overrides={"offset": offset, "filesz": filesz, "memsz": memsz})])
    path = str(tmp_path / "seg")
    with open(path, "wb") as fh:
        fh.write(data)
    outcome(path)


def test_truncated_at_every_byte(tmp_path):
    """Cut before PT_INTERP ends: an error. Cut after: what PT_INTERP proves, and why no more."""
    interp = b"/lib/ld-musl-x86_64.so.1\x00"
    data = w.executable(interp)
    interp_end = data.index(interp) + len(interp)
    path = str(tmp_path / "trunc")
    for size in range(len(data)):
        with open(path, "wb") as fh:
            fh.write(data[:size])
        result = musldetect.inspect(path, root=str(tmp_path)) if size >= interp_end else outcome(path)
        if size < interp_end:
            assert isinstance(result, musldetect.ELFError), (size, result)
        else:
            assert (result.family, result.version, result.arch) == ("musl", None, "x86_64"), (size, result)
            assert "truncated" in result.reason and "cannot be read" in result.reason, result.reason


def test_pt_interp_pointing_at_itself(tmp_path):
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "self").write_bytes(w.executable(b"/bin/self\x00"))
    result = outcome(str(root / "bin" / "self"))
    assert isinstance(result, musldetect.LibcInfo) and result.family is None or isinstance(result, Exception)
    result = musldetect.inspect(str(root / "bin" / "self"), root=str(root))
    assert result.family is None and "neither" in result.reason


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_refused_without_reading(device):
    with pytest.raises(musldetect.ELFError, match="not a regular file"):
        musldetect.inspect(device)


def test_huge_sparse_file(tmp_path):
    path = tmp_path / "sparse"
    with open(path, "wb") as fh:
        fh.write(w.build([w.Seg(w.PT_LOAD, b"x", overrides={"offset": 2**33, "filesz": 2**30, "memsz": 2**30})]))
        fh.truncate(2**34)
    result = outcome(str(path))  # a valid static file: answered after a bounded read
    assert isinstance(result, musldetect.LibcInfo), result
    assert (result.family, result.static) == (None, True) and result.reason == "static, no C library found"


def test_threads_share_one_detection():
    from musldetect import _api

    calls = []
    backend = _api._chosen_backend()
    real = backend.detect_libc

    def counting():
        calls.append(1)
        return real()

    musldetect.cache_clear()
    _api._backend_module = backend
    backend.detect_libc = counting
    try:
        barrier = threading.Barrier(16)
        answers, errors = [], []

        def worker():
            try:
                barrier.wait()
                for _ in range(50):
                    answers.append((musldetect.libc(), musldetect.platform_tags()))
            except Exception as exc:  # pragma: no cover - a failure is reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        backend.detect_libc = real
    assert not errors and len(calls) == 1
    assert len({a for a in answers}) == 1


def test_threads_with_cache_clear_and_inspect():
    expected = (musldetect.libc(), musldetect.platform_tags())
    errors = []
    target = os.path.realpath(sys.executable)
    expected_inspect = musldetect.inspect(target)

    def worker(n):
        try:
            for i in range(100):
                if (i + n) % 10 == 0:
                    musldetect.cache_clear()
                assert (musldetect.libc(), musldetect.platform_tags()) == expected
                assert musldetect.inspect(target) == expected_inspect
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_fork_child_answers(backend_module):
    cached = musldetect.libc()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: cached and uncached answers must match the parent's
        ok = musldetect.libc() == cached
        raw = backend_module.detect_libc()
        ok = ok and (raw.family, raw.version_string) == (cached.family, cached.version_string)
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    os.close(read)
    assert answer == b"1"


def test_proc_unreadable_and_no_executable_gives_none_with_reason(monkeypatch, tmp_path):
    import sys

    from musldetect import _backend_python

    if _backend_python._glibc_from_confstr() is not None:
        pytest.skip("glibc answers through confstr without /proc")
    monkeypatch.setattr(_backend_python, "PROC_ROOT", str(tmp_path / "noproc"))
    monkeypatch.setattr(sys, "executable", "")
    raw = _backend_python.detect_libc()
    assert raw.family is None and "cannot read the process image" in raw.reason


@pytest.mark.parametrize("executable", ["", "/etc/passwd"])
def test_in_process_backends_do_not_need_sys_executable(backend_module, monkeypatch, executable):
    import sys

    from oracle import expected_process_libc

    family, version = expected_process_libc()
    monkeypatch.setattr(sys, "executable", executable)
    raw = backend_module.detect_libc()
    assert (raw.family, raw.version_string) == (family, version)


def test_python_backend_without_proc_uses_sys_executable(monkeypatch, tmp_path):
    from musldetect import _backend_python

    from oracle import expected_process_libc

    family, version = expected_process_libc()
    monkeypatch.setattr(_backend_python, "PROC_ROOT", str(tmp_path / "noproc"))
    raw = _backend_python.detect_libc()
    if family == "glibc":  # confstr answers; the loader path comes from maps, which is gone too
        assert (raw.family, raw.version_string) == (family, version) and raw.path is None
    else:  # sys.executable's PT_INTERP names the loader
        assert (raw.family, raw.version_string) == (family, version)


MAPS_PROBE = """
import sys
from musldetect import _dispatch
module = _dispatch.load_backend(sys.argv[1])
def mapped():
    with open("/proc/self/maps") as maps:
        return {line.split(None, 5)[5].strip() for line in maps if len(line.split(None, 5)) == 6}
before = mapped()
module.detect_libc()
import musldetect
musldetect.libc(); musldetect.platform_tags()
after = mapped()  # before the probe's own imports below map anything (PyPy's sysconfig does)
import os, sysconfig
stdlib_extensions = os.path.realpath(sysconfig.get_config_var("DESTSHARED") or "/nonexistent")
new = [p for p in after - before if ".so" in p]
# Python's own extension modules (the stdlib's mmap, say) are imports, not libraries.
print(sorted(p for p in new if not os.path.realpath(p).startswith(stdlib_extensions + os.sep)))
"""


def test_detection_maps_no_new_library(backend_module):
    """Nothing but the backend's own module and Python's stdlib extension modules are mapped:
    no libc.so.6 dlopen, no shim."""
    import os
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", MAPS_PROBE, backend_module.NAME],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, MUSLDETECT_BACKEND=backend_module.NAME),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


NO_PROC = (
    "import json, os, sys, musldetect; {prelude}"
    "print(json.dumps([os.path.exists('/proc/self/maps'), musldetect.libc().as_dict(), "
    "[s.partial for s in musldetect.backends() if s.name == 'python']]))"
)
# auto on a machine without the extension and without cffi (their imports blocked): python
# comes before ctypes, unless /proc is gone, where only ctypes sees the process.
WITHOUT_NATIVE_OR_CFFI = "sys.modules['musldetect._native'] = sys.modules['_cffi_backend'] = None; "


@pytest.mark.parametrize("proc_mounted", [False, True], ids=["no-proc", "proc"])
@pytest.mark.parametrize("backend", ["ctypes", "python", "auto"])
def test_without_proc_mounted(backend, proc_mounted):
    """A private mount namespace with an empty /proc (as in some sandboxes and early boot):
    the ctypes backend reads the mapped library as ever; the pure one says what it could
    not establish or answers from sys.executable's loader, never from a guess; auto, left
    with those two, takes ctypes there and python where /proc is mounted."""
    import json
    import shutil
    import subprocess
    import sys

    from oracle import expected_process_libc, skip_or_fail

    if os.geteuid() != 0 or not shutil.which("unshare"):
        skip_or_fail("needs root and unshare(1) for a mount namespace without /proc")
    code = NO_PROC.format(prelude=WITHOUT_NATIVE_OR_CFFI if backend == "auto" else "")
    script = f'{"" if proc_mounted else "mount -t tmpfs none /proc && "}exec {sys.executable} -c "{code}"'
    proc = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, MUSLDETECT_BACKEND=backend),
    )
    if proc.returncode != 0 and "Operation not permitted" in proc.stderr:
        skip_or_fail(f"no mount namespace here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    proc_seen, info, python_partial = json.loads(proc.stdout)
    assert proc_seen is proc_mounted  # /proc really was gone, or there
    # backends() says why the python backend's answer would be partial, only without /proc
    assert python_partial == [""] if proc_mounted else "/self/exe is unreadable" in python_partial[0]
    if backend == "auto":
        assert info["backend"] == ("python" if proc_mounted else "ctypes"), info
        backend = info["backend"]
    family, version = expected_process_libc()
    if proc_mounted:
        assert (info["family"], info["version_string"]) == (family, version), info
        return
    if backend == "ctypes":
        assert (info["family"], info["version_string"], info["reason"]) == (family, version, ""), info
    else:  # what it read stands, and the reason says which part it could not establish
        assert info["family"] in (family, None) and info["reason"], info
