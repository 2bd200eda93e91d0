"""The public API starts no process, checked with an audit hook in a fresh interpreter."""

from __future__ import annotations

import shutil


HOOKED = '''
import sys
FORBIDDEN = ("subprocess.Popen", "os.posix_spawn", "os.spawn", "os.exec", "os.system", "os.fork", "os.forkpty",
             "ctypes.dlopen")
seen = []
def hook(event, args):
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
'''


def test_no_process_is_started():
    target = shutil.which("sh")
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", HOOKED, target], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok ")


def test_the_hook_catches_a_process():
    code = HOOKED.replace("import musldetect", "import musldetect, subprocess; subprocess.run(['true'])")
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", code, shutil.which("sh")], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode != 0 and "subprocess.Popen" in proc.stderr
