"""libc() for the running process, through every backend, against independent oracles."""

from __future__ import annotations

import os
import shutil
import struct
import sys

import pytest

import musldetect
from musldetect import _result

from oracle import expected_process_libc, loader_banner_version, mapped_libc_of_this_process, running_on_musl


def test_backend_reports_the_mapped_libc(backend_module):
    family, version = expected_process_libc()
    info = _result.build_info(backend_module.detect_libc(), backend_module.NAME, None, struct.calcsize("P") * 8)
    assert info.family == family, info
    assert info.version_string == version, info
    assert info.version == tuple(int(p) for p in version.split(".")), info
    assert not info.static
    assert os.path.realpath(info.path) == os.path.realpath(mapped_libc_of_this_process())
    assert info.reason == ""


def test_backends_agree_on_everything_but_their_name():
    from musldetect import _dispatch

    answers = {name: module.detect_libc() for name, module in _dispatch.backend_modules().items()}
    assert "python" in answers
    first_name, first = next(iter(answers.items()))
    for name, raw in answers.items():
        # Every field, the symbol floor and time64 included; the path may be spelled
        # differently (the loader's link or its target), so it is compared resolved.
        for field in raw._fields:
            ours, theirs = getattr(raw, field), getattr(first, field)
            if field == "path":
                ours, theirs = os.path.realpath(ours), os.path.realpath(theirs)
            assert ours == theirs, (field, name, ours, first_name, theirs)


def test_libc_is_cached_and_cache_clear_detects_again():
    first = musldetect.libc()
    assert musldetect.libc() is first
    assert musldetect.libc(cached=False) is not first
    assert musldetect.libc(cached=False) == first
    musldetect.cache_clear()
    assert musldetect.libc() is not first
    assert musldetect.libc() == first


def test_public_versions_match_family():
    family, version = expected_process_libc()
    major, minor = (int(p) for p in version.split(".")[:2])
    if family == "musl":
        assert musldetect.musl_version() == (major, minor)
        assert musldetect.glibc_version() is None
    else:
        assert musldetect.glibc_version() == (major, minor)
        assert musldetect.musl_version() is None


def test_arch_and_time64_of_this_process():
    from packaging.tags import platform_tags

    info = musldetect.libc()
    assert f"linux_{info.arch}" in list(platform_tags())
    if struct.calcsize("P") == 8:
        assert info.time64 is True
    elif info.family == "musl":  # 32-bit musl: time64 from the 1.2 ABI, by symbol or version
        assert info.time64 is (info.version >= (1, 2))
    else:  # 32-bit glibc: a per-program choice (_TIME_BITS), not a library fact
        assert info.time64 is None


def test_interpreter_is_the_process_images_pt_interp():
    from musldetect._elf import ELFFile

    with ELFFile("/proc/self/exe") as exe:
        expected = exe.interpreter
    info = musldetect.libc()
    if expected is None:  # started through an explicit loader: the image is the loader
        assert running_on_musl()
    else:
        assert info.interpreter == expected


@pytest.mark.skipif(running_on_musl(), reason="a glibc host fact")
def test_glibc_host_with_musl_installed_says_glibc():
    if not os.path.exists("/lib/ld-musl-x86_64.so.1") and not os.path.exists("/lib/ld-musl-aarch64.so.1"):
        from oracle import skip_or_fail

        skip_or_fail("the Debian musl package is not installed")
    assert musldetect.libc().family == "glibc"
    assert musldetect.musl_version() is None


def test_backend_in_use_is_reported():
    assert musldetect.backend() in musldetect.BACKENDS
    assert musldetect.libc().backend == musldetect.backend()


def test_started_through_its_loader_is_not_static(backend_module):
    """`ld.so python3 ...`: the main program is then the loader (no PT_INTERP, but
    dynamic), and the process is as dynamic as ever: same answer, not static."""
    import json
    import subprocess

    from musldetect._elf import ELFFile

    with ELFFile(os.path.realpath(sys.executable)) as exe:
        loader = exe.interpreter
    if loader is None:
        pytest.skip("this interpreter has no PT_INTERP (static, or itself started through a loader)")
    code = (
        "import json, musldetect; i = musldetect.libc(); "
        "print(json.dumps([i.family, i.version_string, i.static, i.backend]))"
    )
    proc = subprocess.run(
        [loader, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, MUSLDETECT_BACKEND=backend_module.NAME),
    )
    assert proc.returncode == 0, proc.stderr
    if running_on_musl():  # the loader named here may be another release than this process's
        family, version = "musl", loader_banner_version(os.path.realpath(loader))
    else:
        family, version = expected_process_libc()
    assert json.loads(proc.stdout) == [family, version, False, backend_module.NAME]


def test_c_core_calls_a_static_pie_program_static(tmp_path):
    """A static-pie program has a PT_DYNAMIC but no loader: static. The C core is built
    into a standalone program (csrc/md_selftest.c) the way csrc/check.sh builds it."""
    import subprocess

    from oracle import skip_or_fail

    if not shutil.which("gcc"):
        skip_or_fail("gcc is missing")
    csrc = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "csrc")
    if not os.path.isdir(csrc):
        pytest.skip("csrc/ is not beside the tests (an installed wheel's tests)")
    sys.path.insert(0, csrc)
    try:
        import gen_rules
    finally:
        sys.path.remove(csrc)
    generated = os.path.dirname(gen_rules.write_header(str(tmp_path / "generated")))
    results = {}
    for flags in (["-static-pie"], ["-static"], []):
        program = str(tmp_path / ("selftest" + "".join(flags)))
        subprocess.run(
            [
                "gcc",
                "-O1",
                *flags,
                "-I",
                generated,
                "-o",
                program,
                os.path.join(csrc, "md_core.c"),
                os.path.join(csrc, "md_elfsym.c"),
                os.path.join(csrc, "md_elfdyn.c"),
                os.path.join(csrc, "md_elfhead.c"),
                os.path.join(csrc, "md_zip.c"),
                os.path.join(csrc, "md_selftest.c"),
                "-ldl",
            ],
            check=True,
            stderr=subprocess.PIPE,
        )
        out = subprocess.run([program], stdout=subprocess.PIPE, text=True, check=True).stdout
        results[" ".join(flags) or "dynamic"] = dict(f.split("=", 1) for f in out.split("\n")[0].split(" ")[:6])
    assert results["-static-pie"]["static"] == "1" and results["-static"]["static"] == "1"
    assert results["dynamic"]["static"] == "0" and results["dynamic"]["interp"]


# -- no process is ever started ------------------------------------------------------

HOOKED = """
import sys
FORBIDDEN = ("subprocess.Popen", "os.posix_spawn", "os.spawn", "os.exec", "os.system", "os.fork", "os.forkpty",
             "ctypes.dlopen")
seen = []
def hook(event, args):
    if event == "ctypes.dlopen" and args[0] is None:
        return  # dlopen(NULL): the process's own symbols, no library loaded (the ctypes backend)
    if event.startswith(FORBIDDEN):
        seen.append(event)
        raise RuntimeError("musldetect started a process or loaded a library: " + event)
sys.addaudithook(hook)
import musldetect
for backend in musldetect.BACKENDS:
    try:
        musldetect._dispatch.load_backend(backend)
    except ImportError:
        continue
    import os
    os.environ["MUSLDETECT_BACKEND"] = backend
    musldetect.cache_clear()
    musldetect.libc(); musldetect.platform_tags(); musldetect.libc(cached=False)
musldetect.inspect(sys.argv[1])
try:
    musldetect.inspect("/nonexistent")
except FileNotFoundError:
    pass
assert not seen, seen
print("ok", len(musldetect.platform_tags()))
"""


def test_no_process_is_started():
    import subprocess

    target = os.path.realpath(sys.executable)  # any ELF file will do

    proc = subprocess.run([sys.executable, "-c", HOOKED, target], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok ")


def test_the_hook_catches_a_process():
    code = HOOKED.replace("import musldetect", "import musldetect, subprocess; subprocess.run(['true'])")
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", code, os.path.realpath(sys.executable)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode != 0 and "subprocess.Popen" in proc.stderr
