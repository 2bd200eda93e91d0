"""musldetect on macOS and Windows, as far as this Linux machine can show it: a child
interpreter told it runs there (``sys.platform``, and for Windows an ``os`` module without
the names Windows lacks: pread, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY, O_CLOEXEC, uname),
with no extension module and, where a mount namespace is allowed, no /proc. It must import
without opening anything of the system, answer libc() with "not Linux" and a reason, say
that the Linux-only calls are Linux-only, and audit a wheel of that platform.

The dispatch is driven here; the facts are not: a real macOS or Windows run (the
extension's build, mmap and file flags of those kernels) is not covered by this machine.
MUSLDETECT_PURE_PYTHON names an interpreter with the pure wheel installed (CI's pure
stage); without it the child is this interpreter with the extension blocked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile

import formatwriter as fw
import pytest

CHILD = r"""
import json, os, sys
platform, wheel = sys.argv[1], sys.argv[2]
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str):
        opened.append(args[0])
sys.addaudithook(hook)
import tempfile, zipfile, mmap  # the standard library's own, before os is trimmed
sys.platform = platform
if platform == "win32":
    for name in ("pread", "O_NOFOLLOW", "O_NONBLOCK", "O_DIRECTORY", "O_CLOEXEC", "O_PATH", "uname"):
        if hasattr(os, name):
            delattr(os, name)
sys.modules["musldetect._native"] = None
import musldetect
at_import = [p for p in opened]
info = musldetect.libc()
after_libc = [p for p in opened]
linux_only = {}
for name in ("platform_tags", "sys_tags"):
    try:
        getattr(musldetect, name)()
        linux_only[name] = ""
    except NotImplementedError as exc:
        linux_only[name] = str(exc)
result = musldetect.audit(wheel)
print(json.dumps({"at_import": at_import, "after_libc": after_libc, "libc": info.as_dict(),
                  "linux_only": linux_only, "verdict": result.verdict, "blame": [list(b) for b in result.blame],
                  "honest": list(result.honest_tags), "images": len(result.images),
                  "proc": os.path.exists("/proc/self/exe"), "module": musldetect.__file__,
                  "stdlib": [os.path.dirname(tempfile.__file__)]}))
"""

SYSTEM_READS = ("/proc", "/etc", "/lib", "/usr/lib", "/sys")


def platform_wheel(directory: str, platform: str) -> str:
    """A wheel of that platform with one generated extension that only imports what the
    platform and Python provide: honest under its tag."""
    if platform == "darwin":
        name, member = "demo-1.0-cp39-abi3-macosx_11_0_arm64.whl", ("demo/_demo.abi3.so", fw.macho())
    else:
        name, member = "demo-1.0-cp39-abi3-win_amd64.whl", ("demo/_demo.pyd", fw.pe())
    path = os.path.join(directory, name)
    tag = name[:-4].split("-", 2)[2]
    files = {
        member[0]: member[1],
        "demo-1.0.dist-info/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n".encode(),
    }
    record = "".join(f"{name},sha256={_digest(data)},{len(data)}\n" for name, data in files.items())
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("demo-1.0.dist-info/RECORD", record + "demo-1.0.dist-info/RECORD,,\n")
    return path


def _digest(data: bytes) -> str:
    """RECORD's spelling of a SHA-256: urlsafe base64 without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def run_child(platform: str, wheel: str, hide_proc: bool) -> dict:
    python = os.environ.get("MUSLDETECT_PURE_PYTHON") or sys.executable
    command = [python, "-c", CHILD, platform, wheel]
    if hide_proc:
        if os.geteuid() != 0 or not shutil.which("unshare"):
            pytest.skip("needs root and unshare(1) for a mount namespace without /proc")
        quoted = " ".join("'" + part.replace("'", "'\\''") + "'" for part in command)
        command = [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            f"mount -t tmpfs none /proc && exec {quoted}",
        ]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd="/")
    if proc.returncode != 0 and "Operation not permitted" in proc.stderr:
        pytest.skip(f"no mount namespace here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("hide_proc", [False, True], ids=["proc", "no-proc"])
@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_musldetect_on_another_os(platform, hide_proc, tmp_path):
    found = run_child(platform, platform_wheel(str(tmp_path), platform), hide_proc)
    assert found["proc"] is not hide_proc  # the namespace really hid /proc, or not
    if os.environ.get("MUSLDETECT_PURE_PYTHON"):
        assert not found["module"].startswith(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for path in found["after_libc"]:
        if path.startswith(tuple(found["stdlib"])):
            continue  # the interpreter importing its own standard library (Debian's PyPy keeps it in /usr/lib)
        assert not path.startswith(SYSTEM_READS), path  # nothing of the system read at import or by libc()
    info = found["libc"]
    assert info["family"] is None and info["backend"] == "none"
    assert f"not Linux ({platform})" in info["reason"]
    for name, message in found["linux_only"].items():
        assert f"musldetect.{name}() describes a Linux interpreter and this is {platform}" in message
    assert (found["verdict"], found["images"]) == ("honest", 1), found["blame"]
    assert found["honest"] == (["macosx_11_0_arm64"] if platform == "darwin" else ["win_amd64"])


def test_a_linux_child_still_reads_its_c_library(tmp_path):
    """The same child on Linux (the control): libc() detects, so the checks above are what
    the platform changes, not what the harness breaks."""
    found = run_child("linux", platform_wheel(str(tmp_path), "win32"), False)
    assert found["libc"]["family"] in ("glibc", "musl") and found["linux_only"] == {"platform_tags": "", "sys_tags": ""}
