"""Proof by recording that image reads stay inside their root, shared by the tests and the
atheris target (fuzz/fuzz_rootfs.py).

``Recorder`` watches every way a file can be reached while it is active: audit hooks for
``open`` (builtins and ``os.open``), ``os.listdir`` and ``os.scandir``; wrappers around
``os.open``, ``os.stat``, ``os.lstat``, ``os.readlink``, ``os.listdir`` and ``os.scandir``
(``os.path`` calls the first ones). For each access it works out the host object touched:
the descriptor an ``os.open`` returned (its ``/proc/self/fd`` link), or ``dir_fd``'s
directory joined with the name. Anything outside the root is an escape. An interval timer
turns a hang into an exception.

``build_tree`` makes an image from a list of operations (directories, ELF programs and
loaders, sysconfig data, junk, symlinks of every kind, FIFOs, sockets, device nodes, huge
sparse files, non-UTF-8 names) without ever following a link while it builds.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
import threading
from types import FrameType
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

import musldetect

import elfwriter as w

# What target()/inspect() may raise for a hostile image: documented in docs/internals.md.
DOCUMENTED = (OSError, musldetect.ELFError)
HANG_SECONDS = 10.0

NAMES = (
    "usr",
    "lib",
    "bin",
    "local",
    "python3",
    "python3.11",
    "python3.12",
    "sh",
    "x",
    "_sysconfigdata__linux_x86_64-linux-gnu.py",
    "ld-musl-x86_64.so.1",
    "libc.so.6",
    "libc.so",
    "ld-linux-x86-64.so.2",
    os.fsdecode(b"\xff\xfe"),
    "..",
    ".",
)
# Paths the readers look at, so that generated trees reach every read.
INTERESTING = (
    ("usr", "bin", "python3"),
    ("usr", "local", "bin", "python3"),
    ("bin", "sh"),
    ("lib", "ld-musl-x86_64.so.1"),
    ("lib64", "ld-linux-x86-64.so.2"),
    ("usr", "lib", "python3.11", "_sysconfigdata__linux_x86_64-linux-gnu.py"),
    ("usr", "local", "lib", "python3.12", "_sysconfigdata__linux_x86_64-linux-gnu.py"),
    ("usr", "lib"),
    ("usr", "local", "lib"),
    ("lib",),
    ("usr", "lib", "python3.11"),
)
# What a generated tree is laid over (its own ops come first and win): an image whose
# Python the readers reach, so the hostile parts are met at every step.
BASES = (
    (),
    (
        ("program", ("usr", "bin", "python3"), "/lib/ld-musl-x86_64.so.1"),
        ("musl_loader", ("lib", "ld-musl-x86_64.so.1"), ""),
    ),
    (
        ("program", ("usr", "local", "bin", "python3"), "/lib/ld-musl-x86_64.so.1"),
        ("musl_loader", ("lib", "ld-musl-x86_64.so.1"), ""),
        ("sysconfig", ("usr", "local", "lib", "python3.12", "_sysconfigdata__linux_x86_64-linux-gnu.py"), ""),
    ),
    (
        ("program", ("usr", "bin", "python3"), "/lib/ld-musl-x86_64.so.1"),
        ("musl_loader", ("lib", "ld-musl-x86_64.so.1"), ""),
        ("sysconfig", ("usr", "lib", "python3.11", "_sysconfigdata__linux_x86_64-linux-gnu.py"), ""),
    ),
)
FILE_KINDS = ("program", "musl_loader", "sysconfig", "sysconfig_junk", "junk", "empty", "sparse")
NODE_KINDS = ("fifo", "socket", "chardev")

SYSCONFIG = (
    b"build_time_vars = {'VERSION': '3.11', 'SOABI': 'cpython-311-x86_64-linux-gnu', "
    b"'EXT_SUFFIX': '.cpython-311-x86_64-linux-gnu.so', 'Py_DEBUG': 0, 'py_version_nodot': '311'}\n"
)


class Escape(AssertionError):
    """An access outside the root."""


class Hang(Exception):
    """The call ran longer than HANG_SECONDS."""


def _fd_target(fd: int) -> str:
    return os.readlink(f"/proc/self/fd/{fd}")


def _importing() -> bool:
    frame: Optional[FrameType] = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib."):
            return True
        frame = frame.f_back
    return False


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


class Recorder:
    """Records accesses while active; ``escapes`` lists those outside ``root``."""

    _installed = False
    _active: Optional[Recorder] = None
    _busy = threading.local()

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.escapes: List[str] = []
        self.accesses = 0

    # -- installation (once per process: audit hooks cannot be removed) -----------------
    @classmethod
    def install(cls) -> None:
        if cls._installed:
            return
        cls._installed = True
        sys.addaudithook(cls._audit)
        for name in ("open", "stat", "lstat", "readlink", "listdir", "scandir"):
            original = getattr(os, name)
            wrapper = cls._wrap(name, original)
            setattr(os, name, wrapper)
            # What os says each function supports (shutil.copystat asks) holds for the wrapper too.
            for supports in (os.supports_dir_fd, os.supports_fd, os.supports_follow_symlinks):
                if original in supports:
                    supports.add(wrapper)

    @classmethod
    def _wrap(cls, name: str, original: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            result = original(*args, **kwargs)
            recorder = cls._active
            if recorder is not None and not getattr(cls._busy, "on", False):
                cls._busy.on = True
                try:
                    recorder._check_call(name, args, kwargs, result)
                finally:
                    cls._busy.on = False
            return result

        wrapper.__wrapped__ = original  # type: ignore[attr-defined]
        return wrapper

    @classmethod
    def _audit(cls, event: str, args: Tuple) -> None:
        recorder = cls._active
        if recorder is None or getattr(cls._busy, "on", False):
            return
        if event not in ("open", "os.listdir", "os.scandir"):
            return
        cls._busy.on = True
        try:
            recorder._check_audit(event, args)
        finally:
            cls._busy.on = False

    # -- checks ---------------------------------------------------------------------------
    def _host_path(self, path, dir_fd: Optional[int], follow: bool) -> Optional[str]:
        """The host object a call reaches: links followed as the call follows them (a path
        that reads as inside the root can lead out of it through a link)."""
        if isinstance(path, int):
            return _fd_target(path)
        path = os.fsdecode(path)
        if dir_fd is not None and not os.path.isabs(path):
            joined = os.path.join(_fd_target(dir_fd), path)
        elif os.path.isabs(path):
            joined = path
        else:
            return None  # relative to the working directory: judged by the wrappers' results
        if follow:
            return os.path.realpath(joined)
        return os.path.join(os.path.realpath(os.path.dirname(joined)), os.path.basename(joined))

    def _judge(self, what: str, host: Optional[str]) -> None:
        self.accesses += 1
        if host is None or _inside(host, self.root):
            return
        if _importing():  # the import system loading a module lazily: not an image read
            return
        self.escapes.append(f"{what}: {host}")

    def _check_call(self, name: str, args: Sequence, kwargs: dict, result) -> None:
        dir_fd = kwargs.get("dir_fd")
        path = args[0] if args else kwargs.get("path", ".")
        if name == "open":
            self._judge("os.open", _fd_target(result))
        elif name == "stat":
            self._judge("os.stat", self._host_path(path, dir_fd, kwargs.get("follow_symlinks", True)))
        elif name in ("lstat", "readlink"):
            self._judge(f"os.{name}", self._host_path(path, dir_fd, False))
        else:  # listdir, scandir
            self._judge(f"os.{name}", self._host_path(path, None, True))

    def _check_audit(self, event: str, args: Tuple) -> None:
        path = args[0] if args else None
        if path is None:
            return
        if isinstance(path, int) or os.path.isabs(os.fsdecode(path)):
            self._judge(event, self._host_path(path, None, True))

    # -- use ------------------------------------------------------------------------------
    def __enter__(self) -> Recorder:
        Recorder.install()
        Recorder._active = self
        signal.signal(signal.SIGALRM, _raise_hang)
        signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        Recorder._active = None


def _raise_hang(signum, frame):
    raise Hang(f"no answer within {HANG_SECONDS} s")


# -- trees -------------------------------------------------------------------------------

Op = Tuple[str, Tuple[str, ...], str]  # (kind, path components, argument)


def _safe_parent(root: str, parts: Tuple[str, ...]) -> Optional[str]:
    """Make the parent directories of ``parts`` under ``root`` without following any link;
    None when a component is not a plain directory (the op is then skipped)."""
    current = root
    for part in parts[:-1]:
        if part in ("..", "."):
            return None
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            os.mkdir(current)
            continue
        if not stat.S_ISDIR(st.st_mode):
            return None
    return current


def file_content(kind: str, arg: str) -> Optional[bytes]:
    if kind == "program":
        return w.executable(arg.encode("utf-8", "surrogateescape") + b"\x00")
    if kind == "musl_loader":
        return w.musl_loader(b"1.2.4")
    if kind == "sysconfig":
        return SYSCONFIG
    if kind == "sysconfig_junk":
        return b"build_time_vars = " + b"[" * 200 + arg.encode("utf-8", "surrogateescape")
    if kind == "junk":
        return b"\x7fELF" + arg.encode("utf-8", "surrogateescape")
    if kind == "empty":
        return b""
    return None


def build_tree(root: str, ops: Iterable[Op]) -> None:
    """Carry out ``ops`` under ``root``; an op whose place is taken or unreachable is skipped."""
    os.makedirs(root, exist_ok=True)
    for kind, parts, arg in ops:
        if not parts or parts[-1] in ("..", "."):
            continue
        parent = _safe_parent(root, parts)
        if parent is None:
            continue
        path = os.path.join(parent, parts[-1])
        if os.path.lexists(path):
            continue
        try:
            if kind == "dir":
                os.mkdir(path)
            elif kind == "symlink":
                os.symlink(arg, path)
            elif kind == "fifo":
                os.mkfifo(path)
            elif kind == "socket":
                os.mknod(path, stat.S_IFSOCK | 0o600)
            elif kind == "chardev":
                if os.geteuid() == 0:
                    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero's numbers
                else:
                    os.mkfifo(path)  # unprivileged: the nearest thing that blocks
            elif kind == "sparse":
                with open(path, "wb") as fh:
                    fh.truncate(16 << 30)
            else:
                content = file_content(kind, arg)
                with open(path, "wb") as fh:
                    fh.write(content or b"")
        except OSError as exc:
            if exc.errno in (36,):  # a name too long for the file system: skipped
                continue
            raise


def link_targets(outside: str) -> List[str]:
    """Symlink targets worth trying: the host's own files, paths out of the root, a canary
    directory beside the root that holds a readable Python install."""
    return [
        "/usr/lib",
        "/usr",
        "/etc/passwd",
        "/proc/self/root",
        "/",
        "/dev/zero",
        "/proc/self/fd/0",
        outside,
        outside + "/usr/bin/python3",
        outside + "/usr/lib",
        "../" * 8 + os.path.basename(outside),
        "../../../../../../../../usr/lib",
        "..",
        ".",
        "usr",
        "/usr/bin/python3",
        "/lib/ld-musl-x86_64.so.1",
        "python3.11",
        "../lib",
        "loop",
        "loop/x",
    ]


def make_canary(outside: str) -> None:
    """A Python install outside the root, so that an escape would find something to read."""
    build_tree(
        outside,
        [
            ("dir", ("usr",), ""),
            ("dir", ("usr", "bin"), ""),
            ("program", ("usr", "bin", "python3"), "/lib/ld-musl-x86_64.so.1"),
            ("musl_loader", ("lib", "ld-musl-x86_64.so.1"), ""),
            ("sysconfig", ("usr", "lib", "python3.11", "_sysconfigdata__linux_x86_64-linux-gnu.py"), ""),
        ],
    )


def exercise(root: str) -> List[str]:
    """Every image read of the public API on ``root``, recorded; returns what was answered
    or raised (for a test's eyes), raising Escape or Hang, or an undocumented exception."""
    outcomes = []
    calls = [
        ("target", lambda: musldetect.target(root=root)),
        ("target python", lambda: musldetect.target(root=root, python="/usr/bin/python3")),
        ("inspect python", lambda: musldetect.inspect("/usr/bin/python3", root=root)),
        ("inspect sh", lambda: musldetect.inspect("bin/sh", root=root)),
    ]
    with Recorder(root) as recorder:
        for name, call in calls:
            try:
                result = call()
                if isinstance(result, musldetect.Target) and result.python is not None:
                    _ = result.sys_tags
                outcomes.append(f"{name}: ok")
            except DOCUMENTED as exc:
                outcomes.append(f"{name}: {type(exc).__name__}")
    if recorder.escapes:
        raise Escape(f"read outside {root}: " + "; ".join(recorder.escapes[:5]))
    return outcomes
