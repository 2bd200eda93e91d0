"""The one way files are opened: a host file, or any file of a directory read as if it were /.

An unpacked image (a layer pulled from a registry, a customer's rootfs) is untrusted: its
symlinks may point anywhere and its files may be FIFOs or devices. ``Root`` resolves a path
one component at a time from a directory descriptor of the root (``openat`` and friends,
never a joined host path): absolute link targets start again at the root, ``..`` stops at
it, at most ``MAX_SYMLINKS`` links are followed, and only a regular file (or a directory,
when listing) is ever opened — ``O_NOFOLLOW | O_NONBLOCK``, type checked before and after.
So nothing outside the root is opened, listed or stat'ed, and nothing blocks, whatever the
image holds and even if it changes while it is read. Every read of an image in the package
goes through here (``tests/test_rootfs.py`` checks the code and records a hostile run).
"""

from __future__ import annotations

import os
import posixpath
import stat
import sys

from ._types import ELFError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO, Callable, Iterator, List, Optional, Protocol, Tuple

    class FileSystem(Protocol):
        """What every reader of a file system offers (``Root``, ``Host``, ``Overlay``): the
        loader's search, the ELF reader and the target readers take any of them. Defined
        for the type checker only: ``typing`` stays off the start-up path."""

        path: str  # the host directory read as /
        label: str  # how an answer names it: "this system", "root:<dir>"
        running_system: bool  # the loader's own environment (LD_LIBRARY_PATH) applies

        def inside(self, path: str) -> str: ...
        def host_path(self, inside: str) -> str: ...
        def resolve(self, path: str) -> str: ...
        def open_file(self, path: str) -> Tuple[int, str]: ...
        def read_file(self, path: str, limit: int) -> bytes: ...
        def listdir(self, path: str) -> List[str]: ...
        def kind(self, path: str, *, follow: bool = True) -> str: ...
        def identity(self, path: str) -> Optional[Tuple[int, int, int, int]]: ...

    _FileSystem = FileSystem
else:
    _FileSystem = object  # at run time the classes share it by shape; the checker holds each to it

MAX_SYMLINKS = 40

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# Flags Windows' os module lacks read as 0 there, so the module imports on any OS: an audit
# of a host file needs only O_NONBLOCK (no FIFOs on Windows) and O_BINARY (no newline
# translation); the confined image reads (Root) are for Linux images and need dir_fd.
_NOFOLLOW, _NONBLOCK = getattr(os, "O_NOFOLLOW", 0), getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
# O_PATH where the os module has it (PyPy lacks it): a directory is then opened for reading.
_DIR_FLAGS = getattr(os, "O_PATH", os.O_RDONLY) | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
_FILE_FLAGS = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC
_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFDIR: "a directory",
}


def _error(kind: type, name: str, message: str, where: str) -> OSError:
    import errno  # only when failing: errno stays off the start-up path

    error: OSError = kind(getattr(errno, name), message, where)
    return error


class _NotRegular(ELFError):
    """A FIFO, device or socket where a file was expected: refused without reading it."""


def _not_regular(mode: int, where: str) -> Exception:
    if stat.S_ISDIR(mode):
        return _error(IsADirectoryError, "EISDIR", "Is a directory", where)
    kind = _KINDS.get(stat.S_IFMT(mode), "of an unknown type")
    return _NotRegular(f"{where}: {kind}, not a regular file")


def open_regular_file(path: str) -> int:
    """Open a host file for reading, never blocking on a FIFO or device (refused)."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(st.st_mode, path)
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | _CLOEXEC)
    return _checked(fd, st, path)


def _seek_and_read(fd: int, size: int, offset: int) -> bytes:
    """os.pread for Windows, which has none: seeking is the same there, as no descriptor is shared."""
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, size)


# Up to ``size`` bytes of an open file at ``offset``: os.pread itself where the OS has it
# (chosen once, as this runs for every local header and every read of a member).
read_at: Callable[[int, int, int], bytes] = getattr(os, "pread", _seek_and_read)


def read_head(fd: int, size: int) -> bytes:
    """The first ``size`` bytes of an open file."""
    return read_at(fd, size, 0)


def read_host_file(path: str, limit: int) -> bytes:
    """Up to ``limit`` bytes of a regular host file (package data, a WHEEL file)."""
    fd = open_regular_file(path)
    try:
        return os.read(fd, limit)
    finally:
        os.close(fd)


def _anonymous_file() -> BinaryIO:
    """An unnamed file on disk (memory stays bounded, nothing to clean up): Linux's
    O_TMPFILE in $TMPDIR or /tmp, without importing tempfile (and random, shutil) on a
    one-wheel audit's start-up; tempfile's where the system or file system lacks it."""
    unnamed = getattr(os, "O_TMPFILE", 0) if sys.platform.startswith("linux") else 0
    if unnamed:
        try:
            fd = os.open(os.environ.get("TMPDIR") or "/tmp", unnamed | os.O_RDWR | os.O_CLOEXEC, 0o600)
            return os.fdopen(fd, "w+b")
        except OSError:  # EOPNOTSUPP, EISDIR on kernels before 3.11, a missing $TMPDIR
            pass
    import tempfile

    return tempfile.TemporaryFile(prefix="musldetect-audit-")


def spool_file(directory: Optional[str], name: str) -> BinaryIO:
    """Where a wheel member is copied to be read: an unnamed temporary file, or, when its
    binaries are to be resolved, ``name`` (a checked relative member name) under the
    private temporary ``directory`` the audit made."""
    if directory is None:
        return _anonymous_file()
    target = os.path.join(directory, *name.split("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    return open(target, "w+b")


def host_is_directory(path: str) -> bool:
    """Whether a path a user names is a directory (a link to one counts, as on a command line)."""
    return stat.S_ISDIR(os.stat(path).st_mode)


def host_regular_files(top: str) -> Iterator[Tuple[str, str]]:
    """(path relative to ``top`` with "/", host path) of every regular file below ``top``,
    sorted, links neither followed nor listed: an unpacked wheel or a site-packages tree."""
    for directory, dirs, names in os.walk(top):
        dirs.sort()
        for name in sorted(names):
            full = os.path.join(directory, name)
            if stat.S_ISREG(os.lstat(full).st_mode):
                yield os.path.relpath(full, top).replace(os.sep, "/"), full


def _checked(fd: int, before: os.stat_result, where: str) -> int:
    """``fd`` when it is still the regular file ``before`` described (not swapped since)."""
    try:
        after = os.fstat(fd)
        if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
            raise _NotRegular(f"{where}: replaced while it was opened")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _split(path: str) -> List[str]:
    return [part for part in path.split("/") if part not in ("", ".")]


class Root(_FileSystem):
    """A directory read as if it were ``/``."""

    running_system = False  # the loader's environment (LD_LIBRARY_PATH) is not this image's

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self.label = f"root:{path}"  # as the caller named it, for an answer to show
        if not stat.S_ISDIR(os.stat(self.path).st_mode):
            raise _error(NotADirectoryError, "ENOTDIR", "root is not a directory", path)

    def __repr__(self) -> str:
        return f"Root({self.path!r})"

    def inside(self, path: str) -> str:
        """``path`` as a path inside the root: a relative one is relative to the root, an
        absolute one under the root's own host path is taken as it is, any other absolute
        one is read as if the root were ``/``."""
        if os.path.isabs(path):
            absolute = os.path.normpath(path)
            if absolute == self.path or absolute.startswith(self.path.rstrip(os.sep) + os.sep):
                relative = os.path.relpath(absolute, self.path)
                return "/" if relative == "." else "/" + relative
            return absolute
        return "/" + path

    def host_path(self, inside: str) -> str:
        """Where a resolved path inside the root lies on the host (for messages and names;
        never opened as such)."""
        return self._shown(_split(inside))

    def _walk(self, path: str, follow_last: bool = True) -> Tuple[int, str, List[str]]:
        return _walk(self, path, follow_last)

    def _shown(self, components: List[str]) -> str:
        return os.path.join(self.path, *components)

    def _lstat_last(self, path: str, follow_last: bool = True) -> Tuple[int, str, List[str], os.stat_result]:
        parent, name, resolved = self._walk(path, follow_last)
        try:
            st = os.stat(name, dir_fd=parent, follow_symlinks=False)
        except FileNotFoundError:
            os.close(parent)
            raise _error(
                FileNotFoundError, "ENOENT", "No such file or directory (inside the root)", self._shown(resolved)
            ) from None
        except BaseException:
            os.close(parent)
            raise
        return parent, name, resolved, st

    def resolve(self, path: str) -> str:
        """The path inside the root that ``path`` leads to, every link followed inside it."""
        parent, _, resolved = self._walk(path)
        os.close(parent)
        return "/" + "/".join(resolved)

    def open_file(self, path: str) -> Tuple[int, str]:
        """A descriptor of the regular file ``path`` leads to, and its resolved path inside
        the root. FIFOs, devices and sockets are refused without being opened."""
        parent, name, resolved, st = self._lstat_last(path)
        try:
            if not stat.S_ISREG(st.st_mode):
                raise _not_regular(st.st_mode, self._shown(resolved))
            fd = os.open(name, _FILE_FLAGS, dir_fd=parent)
        finally:
            os.close(parent)
        return _checked(fd, st, self._shown(resolved)), "/" + "/".join(resolved)

    def read_file(self, path: str, limit: int) -> bytes:
        """At most ``limit`` bytes of the regular file ``path`` leads to."""
        return _read_limited(self.open_file(path)[0], limit)

    def listdir(self, path: str) -> List[str]:
        """The names in the directory ``path`` leads to, sorted."""
        parent, name, resolved, st = self._lstat_last(path)
        try:
            if not stat.S_ISDIR(st.st_mode):
                raise _error(NotADirectoryError, "ENOTDIR", "Not a directory (inside the root)", self._shown(resolved))
            fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC, dir_fd=parent)
        finally:
            os.close(parent)
        try:
            return sorted(os.listdir(fd))
        finally:
            os.close(fd)

    def kind(self, path: str, *, follow: bool = True) -> str:
        """ "file", "dir", "link" (only with ``follow=False``), "other" or "missing"."""
        try:
            parent, _, _, st = self._lstat_last(path, follow)
        except (FileNotFoundError, NotADirectoryError):
            return "missing"
        os.close(parent)
        return _kind_of(st.st_mode)

    def identity(self, path: str) -> Optional[Tuple[int, int, int, int]]:
        """(device, inode, size, mtime) of the regular file ``path`` leads to; None when it
        leads to nothing or to something else. What a cache of a file's facts is keyed by."""
        try:
            parent, _, _, st = self._lstat_last(path, True)
        except (FileNotFoundError, NotADirectoryError):
            return None
        os.close(parent)
        return _identity(st)


def _walk(root: Root, path: str, follow_last: bool = True) -> Tuple[int, str, List[str]]:
    """The directory holding the last component of ``path`` (every link on the way
    followed inside the root; the last one too unless ``follow_last`` is false) as an
    ``O_PATH`` descriptor the caller closes, the last name ("." for the directory
    itself), and the resolved components from the root."""
    parts = _split(root.inside(path))
    # The root the caller names is trusted, links and all (a symlink to an unpacked image
    # is common): it is opened following them; only what lies inside it is confined.
    stack = [os.open(root.path, _DIR_FLAGS & ~os.O_NOFOLLOW)]
    resolved: List[str] = []
    followed = 0
    try:
        while parts:
            part = parts.pop(0)
            if part == "..":
                if resolved:
                    os.close(stack.pop())
                    resolved.pop()
                continue
            st = _lstat_inside(root, stack[-1], part, resolved, last=not parts)
            if st is not None and stat.S_ISLNK(st.st_mode) and (parts or follow_last):
                followed += 1
                target = _link_target(root, stack[-1], part, resolved, followed)
                if target.startswith("/"):
                    while len(stack) > 1:
                        os.close(stack.pop())
                    resolved = []
                parts = _split(target) + parts
                continue
            if not parts:
                parent = stack.pop()
                return parent, part, resolved + [part]
            stack.append(_open_directory(root, stack[-1], part, st, resolved))
            resolved.append(part)
        return stack.pop(), ".", resolved
    finally:
        for fd in stack:
            os.close(fd)


def _lstat_inside(root: Root, directory: int, part: str, resolved: List[str], last: bool) -> Optional[os.stat_result]:
    """The status of ``part`` itself (a link not followed); None when the last component
    is missing (the caller says what that means), ENOENT for a missing directory on the way."""
    try:
        return os.stat(part, dir_fd=directory, follow_symlinks=False)
    except FileNotFoundError:
        if not last:
            raise _error(
                FileNotFoundError,
                "ENOENT",
                "No such file or directory (inside the root)",
                root._shown(resolved + [part]),
            ) from None
        return None


def _link_target(root: Root, directory: int, part: str, resolved: List[str], followed: int) -> str:
    """What the link ``part``, the ``followed``-th of this walk, points at; past
    ``MAX_SYMLINKS`` the walk is a loop (ELOOP), as the kernel has it."""
    if followed > MAX_SYMLINKS:
        raise _error(
            OSError,
            "ELOOP",
            f"more than {MAX_SYMLINKS} symbolic links inside the root (a loop?)",
            root._shown(resolved + [part]),
        )
    return os.readlink(part, dir_fd=directory)


def _open_directory(root: Root, directory: int, part: str, st: Optional[os.stat_result], resolved: List[str]) -> int:
    """An ``O_PATH`` descriptor of the directory ``part``, which the walk goes through:
    ENOTDIR when it is missing or anything else."""
    if st is None or not stat.S_ISDIR(st.st_mode):
        raise _error(NotADirectoryError, "ENOTDIR", "Not a directory (inside the root)", root._shown(resolved + [part]))
    return os.open(part, _DIR_FLAGS, dir_fd=directory)


def _read_limited(fd: int, limit: int) -> bytes:
    """At most ``limit`` bytes of an open file, which is closed then."""
    try:
        chunks = []
        left = limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _identity(st: os.stat_result) -> Optional[Tuple[int, int, int, int]]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None


def _kind_of(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISLNK(mode):
        return "link"
    return "other"


def host_realpath(path: str) -> str:
    """A host path with its links followed (the host's own files only, never an image's)."""
    return os.path.realpath(path)


class Host(_FileSystem):
    """The running system read through the same interface as an image's ``Root``: plain
    host paths, no confinement to ask for (the system is what is being asked about), and
    none of a root's per-component walk."""

    running_system = True

    def __init__(self) -> None:
        self.path = "/"
        self.label = "this system"

    def __repr__(self) -> str:
        return "Host()"

    def inside(self, path: str) -> str:
        return os.path.abspath(path)

    def host_path(self, inside: str) -> str:
        return inside

    def resolve(self, path: str) -> str:
        return os.path.realpath(path)

    def open_file(self, path: str) -> Tuple[int, str]:
        return open_regular_file(path), os.path.abspath(path)

    def read_file(self, path: str, limit: int) -> bytes:
        return _read_limited(open_regular_file(path), limit)

    def listdir(self, path: str) -> List[str]:
        return sorted(os.listdir(path))

    def identity(self, path: str) -> Optional[Tuple[int, int, int, int]]:
        try:
            return _identity(os.stat(path))
        except (FileNotFoundError, NotADirectoryError):
            return None

    def kind(self, path: str, *, follow: bool = True) -> str:
        try:
            st = os.stat(path) if follow else os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return "missing"
        return _kind_of(st.st_mode)


class Overlay(_FileSystem):
    """An image (or the running system) with one more directory mounted at ``mount``: the
    binaries of a wheel, spooled to a private temporary directory, seen by the resolver as
    if they were installed there. Paths under ``mount`` are that directory's (plain files
    the audit wrote: no links to follow); every other path goes to ``base``."""

    def __init__(self, base: FileSystem, mount: str, directory: str) -> None:
        self.base, self.mount, self.directory = base, mount.rstrip("/"), os.path.abspath(directory)
        self.path, self.label, self.running_system = base.path, base.label, base.running_system

    def __repr__(self) -> str:
        return f"Overlay({self.base!r}, {self.mount!r})"

    def _mounted(self, path: str) -> Optional[str]:
        normal = posixpath.normpath("/" + path.lstrip("/")) if path.startswith("/") else None
        if normal is not None and (normal == self.mount or normal.startswith(self.mount + "/")):
            return os.path.join(self.directory, normal[len(self.mount) :].lstrip("/"))
        return None

    def inside(self, path: str) -> str:
        return posixpath.normpath(path) if self._mounted(path) else self.base.inside(path)

    def host_path(self, inside: str) -> str:
        mounted = self._mounted(inside)
        return mounted if mounted is not None else self.base.host_path(inside)

    def resolve(self, path: str) -> str:
        return posixpath.normpath(path) if self._mounted(path) else self.base.resolve(path)

    def open_file(self, path: str) -> Tuple[int, str]:
        mounted = self._mounted(path)
        if mounted is None:
            return self.base.open_file(path)
        return open_regular_file(mounted), posixpath.normpath(path)

    def read_file(self, path: str, limit: int) -> bytes:
        mounted = self._mounted(path)
        return read_host_file(mounted, limit) if mounted is not None else self.base.read_file(path, limit)

    def listdir(self, path: str) -> List[str]:
        mounted = self._mounted(path)
        return sorted(os.listdir(mounted)) if mounted is not None else self.base.listdir(path)

    def identity(self, path: str) -> Optional[Tuple[int, int, int, int]]:
        mounted = self._mounted(path)
        if mounted is None:
            return self.base.identity(path)
        try:
            return _identity(os.lstat(mounted))
        except (FileNotFoundError, NotADirectoryError):
            return None

    def kind(self, path: str, *, follow: bool = True) -> str:
        mounted = self._mounted(path)
        if mounted is None:
            return self.base.kind(path, follow=follow)
        try:
            st = os.lstat(mounted)
        except (FileNotFoundError, NotADirectoryError):
            return "missing"
        return "file" if stat.S_ISREG(st.st_mode) else "dir" if stat.S_ISDIR(st.st_mode) else "other"
