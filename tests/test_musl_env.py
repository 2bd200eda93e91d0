"""Facts only a real musl process can show: run inside the musl-linked test interpreter."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import musldetect

from oracle import loader_banner_version, mapped_libc_of_this_process, running_on_musl, skip_or_fail

if not running_on_musl():
    pytest.skip("needs the musl-linked test interpreter (tests/musl/build-python.sh)", allow_module_level=True)


def test_every_backend_reads_the_running_release(backend_module):
    raw = backend_module.detect_libc()
    running = mapped_libc_of_this_process()
    assert raw.family == "musl"
    assert raw.version_string == loader_banner_version(running)
    assert os.path.realpath(raw.path) == os.path.realpath(running)


def test_tags_list_musllinux_up_to_the_running_minor():
    version = loader_banner_version(mapped_libc_of_this_process())
    major, minor = (int(p) for p in version.split(".")[:2])
    arch = musldetect.libc().arch
    assert musldetect.platform_tags() == (f"linux_{arch}",) + tuple(
        f"musllinux_{major}_{m}_{arch}" for m in range(minor, -1, -1)
    )


def test_confstr_fails_on_musl_as_packaging_expects():
    with pytest.raises((OSError, ValueError)):
        os.confstr("CS_GNU_LIBC_VERSION")


def test_packaging_asks_the_wrong_loader_when_started_through_another():
    """Under `<release>/libc.so python3 ...` packaging runs PT_INTERP's loader, not the mapped one."""
    import packaging._musllinux as pm

    from musldetect._elf import ELFFile

    running = os.path.realpath(mapped_libc_of_this_process())
    with ELFFile(sys.executable) as exe:
        pt_interp = exe.interpreter
    if os.path.realpath(pt_interp) == running or loader_banner_version(pt_interp) == loader_banner_version(running):
        pytest.skip("started through PT_INTERP's loader or the same release: packaging and musldetect agree")
    ran = []
    real_run = subprocess.run

    def recording_run(args, *a, **k):
        ran.append(args[0])
        return real_run(args, *a, **k)

    pm.subprocess.run = recording_run
    try:
        pm._get_musl_version.__wrapped__(sys.executable)
    finally:
        pm.subprocess.run = real_run
    assert ran == [pt_interp]
    assert loader_banner_version(pt_interp) != loader_banner_version(running)
    assert musldetect.libc().version_string == loader_banner_version(running)


def test_gcompat_like_shim_does_not_turn_musl_into_glibc(tmp_path):
    """A preloaded library exporting gnu_get_libc_version() -> "2.8", as Alpine's gcompat does."""
    import shutil

    if not shutil.which("musl-gcc"):
        skip_or_fail("musl-gcc is missing")
    src = tmp_path / "shim.c"
    src.write_text('const char *gnu_get_libc_version(void) { return "2.8"; }\n')
    shim = tmp_path / "libshim.so"
    subprocess.run(["musl-gcc", "-shared", "-fPIC", "-o", str(shim), str(src)], check=True)
    code = (
        "import json, musldetect\nfrom musldetect import _dispatch\nfrom packaging import _manylinux\n"
        "answers = {n: list(m.detect_libc()[:2]) for n, m in _dispatch.backend_modules().items()}\n"
        "answers['packaging glibc'] = list(_manylinux._get_glibc_version())\n"
        "print(json.dumps(answers))"
    )
    env = dict(os.environ, LD_PRELOAD=str(shim))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    import json

    answers = json.loads(proc.stdout)
    # packaging takes the shim's answer for glibc's (so lists manylinux tags on musl)
    assert answers.pop("packaging glibc") == [2, 8]
    from musldetect._elf import ELFFile

    with ELFFile(sys.executable) as exe:  # the child starts through its own PT_INTERP
        expected = ["musl", loader_banner_version(exe.interpreter)]
    assert answers and all(answer == expected for answer in answers.values()), answers
    check = subprocess.run(
        [sys.executable, "-c", "import ctypes; print(ctypes.CDLL(None).gnu_get_libc_version)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, "the shim must really be visible in the process"


def test_static_interpreter_path_of_the_python_backend(tmp_path, monkeypatch):
    """A static musl image (a real one, built here) as /proc/self/exe: musl, static, no
    version, and only the linux_<arch> tag — PEP 656 tags are for dynamic interpreters."""
    import shutil

    from musldetect import _backend_python, _result, _tags

    if not shutil.which("musl-gcc"):
        skip_or_fail("musl-gcc is missing")
    src = tmp_path / "main.c"
    src.write_text("#include <string.h>\n#include <stdio.h>\nint main(int c, char **v) { puts(strerror(c)); }\n")
    image = tmp_path / "static-python"
    subprocess.run(["musl-gcc", "-static", "-o", str(image), str(src)], check=True)
    (tmp_path / "proc" / "self").mkdir(parents=True)
    os.symlink(image, tmp_path / "proc" / "self" / "exe")
    monkeypatch.setattr(_backend_python, "PROC_ROOT", str(tmp_path / "proc"))
    raw = _backend_python.detect_libc()
    assert (raw.family, raw.version_string, raw.static, raw.path) == ("musl", None, True, str(image))
    info = _result.build_info(raw, "python", musldetect.libc().arch, 64)
    assert _tags.platform_tags_for(info) == (f"linux_{info.arch}",)
