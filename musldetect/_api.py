"""The public functions: one cached detection shared by libc(), the tags and the CLI.

This module and everything it imports on the native path stay clear of ``typing``,
``threading``, ``re`` and ``sysconfig``: their import costs more than the detection,
and musldetect is called at interpreter start-up.
"""

from __future__ import annotations

import _thread
import os
import sys

from . import _dispatch, _tags
from ._override import forget_file_override, override_from_env
from ._result import build_info
from ._types import BackendStatus, ELFError, LibcInfo, RawLibc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Callable, Dict, Optional, Sequence, Tuple

    from ._audit import Audit, Interpreter, ReadProgress, Waiver
    from ._resolution import Resolution
    from ._target import Target

_BITS = 64 if sys.maxsize > 2**32 else 32
_lock = _thread.allocate_lock()
_backend_module: Optional[ModuleType] = None
_info: Optional[LibcInfo] = None
_tags_cache: Optional[Tuple[str, ...]] = None
_sys_tags_cache: Optional[Tuple[str, ...]] = None


def _reset_lock_in_child() -> None:
    # A thread of the parent may have held the lock at fork time; the child starts fresh.
    global _lock
    _lock = _thread.allocate_lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_lock_in_child)


def _chosen_backend() -> ModuleType:
    global _backend_module
    module = _backend_module
    if module is None:
        module = _backend_module = _dispatch.choose_backend()
    return module


def _detect() -> LibcInfo:
    raw = override_from_env()
    if raw is not None:
        return build_info(raw, "override", _tags.process_arch(), _BITS)
    if not sys.platform.startswith("linux"):
        # No backend is loaded: each reads Linux's loader, /proc or the mapped libc.
        return LibcInfo(
            None,
            None,
            None,
            None,
            False,
            None,
            "none",
            f"not Linux ({sys.platform}): there is no "
            "Linux C library to describe; audit(), inspect() and target(platform=) work on any OS",
        )
    return _detect_with(_chosen_backend())


def _linux_only(name: str) -> NotImplementedError:
    return NotImplementedError(
        f"musldetect.{name}() describes a Linux interpreter and this is {sys.platform}: "
        "packaging.tags.sys_tags() gives this platform's tags"
    )


def _detect_with(module: ModuleType) -> LibcInfo:
    try:
        raw = module.detect_libc()
    except Exception as exc:  # a backend fault must not take the caller down
        raw = RawLibc(None, None, None, False, reason=f"{module.NAME} backend failed: {type(exc).__name__}: {exc}")
    return build_info(raw, module.NAME, _tags.process_arch(), _BITS)


def libc(*, cached: bool = True) -> LibcInfo:
    """The C library of the running process.

    Never raises for a process it cannot describe (``family`` is None and ``reason``
    says why); raises ConfigurationError for a malformed MUSLDETECT_* variable and
    ImportError when MUSLDETECT_BACKEND names a backend that cannot load.
    """
    global _info
    if not cached:
        return _detect()
    info = _info
    if info is not None:
        return info
    with _lock:
        if _info is None:
            _info = _detect()
        return _info


def platform_tags() -> Tuple[str, ...]:
    """The platform tags this interpreter accepts, in packaging 26.3's order (Linux only:
    NotImplementedError elsewhere, naming the alternative)."""
    global _tags_cache
    tags = _tags_cache
    if tags is not None:
        return tags
    if not sys.platform.startswith("linux"):
        raise _linux_only("platform_tags")
    info = libc()
    with _lock:
        if _tags_cache is None:
            _tags_cache = _tags.platform_tags_for(info)
        return _tags_cache


def inspect(path: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None) -> LibcInfo:
    """Which C library an ELF file uses, and what it requires, read from the file alone (it
    is never run).

    With ``root`` (an unpacked image, a chroot, a sysroot) ``path`` and every symlink on
    the way, in the path and in PT_INTERP, resolve inside root: nothing outside it is
    opened. Raises ELFError for malformed input and FileNotFoundError/PermissionError/
    IsADirectoryError for the file itself. (The ELF reader is imported on first use: the
    running process is described without it.)
    """
    from ._inspect import inspect_file
    from ._rootfs import Root

    raw, arch, bits = inspect_file(
        _path_argument(path, "path"), Root(_path_argument(root, "root")) if root is not None else None
    )
    return build_info(raw, "inspect", arch, bits)


def metadata() -> Dict[str, str]:
    """The C library facts as a flat dict of strings, for benchmark harnesses (pyperf's
    ``Runner(metadata=...)``, asv, pytest-benchmark's machine_info, any JSON file).

    Keys: ``libc_family`` (musl, glibc or unknown), ``libc_version`` (1.2.3, 2.36 or
    unknown), ``libc_version_string`` (as the library spells it, 1.2.4_git20230717),
    ``libc_path``, ``libc_arch``, ``libc_static`` and ``libc_time64`` (yes, no or
    unknown), ``platform_tag`` (the most specific tag this interpreter accepts),
    ``musldetect_backend`` and ``musldetect_version``. Every value is a string.
    """
    from . import _version

    info = libc()
    tags = platform_tags() if sys.platform.startswith("linux") else ()
    specific = next((tag for tag in tags if not tag.startswith("linux_")), tags[0] if tags else "")

    def yes_no(value: Optional[bool]) -> str:
        return "unknown" if value is None else ("yes" if value else "no")

    return {
        "libc_family": info.family or "unknown",
        "libc_version": ".".join(map(str, info.version)) if info.version else "unknown",
        "libc_version_string": info.version_string or "unknown",
        "libc_path": info.path or "unknown",
        "libc_arch": info.arch or "unknown",
        "libc_static": yes_no(info.static),
        "libc_time64": yes_no(info.time64),
        "platform_tag": specific or "unknown",
        "musldetect_backend": info.backend,
        "musldetect_version": _version.__version__,
    }


def sys_tags() -> Tuple[str, ...]:
    """Every tag the running interpreter accepts, best first, as packaging 26.3's
    ``[str(t) for t in packaging.tags.sys_tags()]`` (computed once; no packaging import)."""
    global _sys_tags_cache
    tags = _sys_tags_cache
    if tags is not None:
        return tags
    if not sys.platform.startswith("linux"):
        raise _linux_only("sys_tags")
    from ._python import interpreter_tags, running_python

    computed = tuple(interpreter_tags(running_python(), list(platform_tags())))
    with _lock:
        if _sys_tags_cache is None:
            _sys_tags_cache = computed
        return _sys_tags_cache


def target(
    *,
    root: str | os.PathLike[str] | None = None,
    platform: str | None = None,
    python: str | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Target:
    """The tags and markers of a place wheels are installed for, without running it.

    ``target()``: this process. ``target(root=DIR)``: an unpacked image, chroot or sysroot
    (``python`` a path inside it; default usr/local/bin/python3, then usr/bin/python3).
    ``target(path=FILE)``: where an ELF file runs, by its C library and arch as
    ``inspect()`` reads them (with ``root``, FILE inside that image); no Python is known.
    ``target(platform=SPEC, python="3.12")``: a named platform, e.g.
    ``musllinux_1_2_aarch64``, ``x86_64-manylinux_2_28``, ``aarch64-unknown-linux-musl``
    (``python`` a version; default this interpreter's). ValueError for an unknown or
    inconsistent spec, listing the accepted forms.
    """
    from . import _python, _target
    from ._rootfs import Host

    for name, value, example in (("platform", platform, "manylinux_2_28_x86_64"), ("python", python, "3.12")):
        if value is not None and not isinstance(value, str):
            why = ": a float cannot tell 3.1 from 3.10" if isinstance(value, float) else ""
            raise TypeError(f"{name}= takes a string such as {example!r}, not {type(value).__name__}{why}")
    if root is not None and platform is not None:
        raise ValueError("target() takes root= or platform=, not both")
    if path is not None:
        if platform is not None or python is not None:
            raise ValueError("target(path=) takes root= only: the file says its C library and arch")
        info = inspect(path, root=root)
        if info.arch is None:
            raise ELFError(f"{os.fspath(path)}: no architecture, so no platform tags")
        return _target.Target(info, info.arch, None, f"file:{os.fspath(path)}")
    if root is not None:
        return _target.root_target(os.fspath(root), python)
    if platform is not None:
        facts = _python.python_from_version(python) if python else _python.running_python()
        return _target.platform_target(platform, facts)
    if python is not None:
        raise ValueError("python= needs root= or platform=: the running process has its own Python")
    info = libc()
    return _target.Target(
        info,
        info.arch or "unknown",
        _python.running_python(),
        "process",
        known_platform_tags=platform_tags(),
        files=Host(),
    )


def audit(
    path: str | os.PathLike[str],
    *,
    target: Target | str | os.PathLike[str] | None = None,
    waivers: Sequence[Waiver] = (),
    strict: bool = False,
    progress: Callable[[ReadProgress], None] | None = None,
) -> Audit:
    """May a wheel carry the platform tags it declares, and which file and symbol decide.

    ``path`` is a wheel (read member by member, never unpacked whole), a directory (an
    unpacked wheel, a site-packages tree) or one ELF file. Read from the files alone: the
    answer is the same on any host. With ``target`` (``musldetect.target()`` for this
    system, ``target(root=DIR)`` or a directory for an unpacked image) each entry binary
    is also resolved there as ``resolve()`` does, the input's own libraries first through
    their rpaths: ``Audit.loads`` and ``Audit.resolutions`` say whether it would load.
    ``waivers`` (``load_waivers()``) set the causes they match aside: listed in
    ``Audit.waived`` with their reasons, not blamed; ``Audit.unused_waivers`` names those
    that matched nothing. ``strict`` ignores them. ``progress``, if given, is called with a
    ``ReadProgress`` (members and compressed bytes read, of the wheel's totals) before a
    wheel's first member is read, after each one, and once all are: a command's progress line.
    Raises WheelError for a wheel that cannot be read safely, ELFError for a malformed
    binary (both name the file and member), OSError for the path itself.
    """
    from ._audit import audit_path

    where = _path_argument(path, "path")
    if target is None:  # the common case needs neither targets nor images (3 ms of imports in a fresh process)
        return audit_path(where, None, None, waivers, strict, progress)
    from . import _target
    from ._rootfs import Root

    if not isinstance(target, _target.Target):
        root = _path_argument(target, "target")
        try:
            files = Root(root)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ValueError(
                f"target={root!r} is not a directory: pass musldetect.target() for this system or "
                "target(root=DIR) for an image (a platform has no files to resolve in)"
            ) from exc
        return audit_path(where, files, None, waivers, strict, progress)
    if target.files is None:
        raise ValueError(
            f"a {target.source} target has no files to resolve in: pass this system's or an image's target"
        )
    if target.source == "process":
        executable = sys.executable or "embedded: no sys.executable"
        runs_in = _interpreter(target, f"this interpreter ({executable}")
        return audit_path(where, target.files, runs_in, waivers, strict, progress)
    runs_in = _interpreter(target, f"the image {target.files.path} (its interpreter")
    return audit_path(where, target.files, runs_in, waivers, strict, progress)


def _interpreter(target: Target, opening: str) -> Interpreter:
    """The process an audit's extensions would be loaded into, described for the answer."""
    from ._audit import Interpreter

    info = target.libc
    facts = f"{info.family} {info.version_string or ''}".strip() if info.family else "no known C library"
    return Interpreter(f"{opening}: {facts}, {target.arch})", info.family, target.arch)


def _path_argument(value: object, name: str) -> str:
    """A path as users pass it (str, bytes, os.PathLike), or TypeError naming the argument."""
    if isinstance(value, (str, bytes, os.PathLike)):
        return os.fsdecode(value)
    raise TypeError(f"{name}= takes a path (str, bytes or os.PathLike), not {type(value).__name__}")


def resolve(path: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None) -> Resolution:
    """Will this binary load here: the dynamic loader's search and version check, done
    statically (nothing is run). Without ``root``, on this system (LD_LIBRARY_PATH
    included); with ``root``, inside that unpacked image, every path resolving inside it
    and nothing outside opened. Raises ELFError for a malformed file, OSError for the path.
    """
    from ._loader import resolve_path

    found = resolve_path(_path_argument(path, "path"), _path_argument(root, "root") if root is not None else None)
    here = _tags.process_arch() if root is None else None
    if here and not found.loads and found.arch != here:  # the search failed for want of the arch, say so first
        found = found._replace(reason=f"it is {found.arch} and this system is {here}: {found.reason}")
    return found


def musl_version() -> Optional[Tuple[int, int]]:
    """(major, minor) of the running musl, or None when the process is not on musl."""
    info = libc()
    if info.family == "musl" and info.version is not None:
        return info.version[0], info.version[1]
    return None


def glibc_version() -> Optional[Tuple[int, int]]:
    """(major, minor) of the running glibc, or None when the process is not on glibc."""
    info = libc()
    if info.family == "glibc" and info.version is not None:
        return info.version[0], info.version[1]
    return None


def backend() -> str:
    """The name of the backend that answers for this process (after MUSLDETECT_BACKEND)."""
    name: str = _chosen_backend().NAME
    return name


def backends() -> Tuple[BackendStatus, ...]:
    """Every backend in auto's order: whether it can serve this process (and why not),
    its own uncached answer, which one ``libc()`` uses and whether MUSLDETECT_BACKEND
    named it. For seeing a slow fallback, never for choosing: ``libc()`` chooses."""
    requested = _dispatch.requested_backend()
    try:
        in_use: Optional[str] = backend()
    except ImportError:  # the named backend cannot load: every status says why
        in_use = None
    report = []
    for status in _dispatch.backend_statuses():
        module = _dispatch.load_backend(status.name) if status.available else None
        answer = _detect_with(module) if module is not None else None
        partial = _dispatch.partial_reason(module) if module is not None else ""
        report.append(
            BackendStatus(
                status.name,
                status.available,
                status.error,
                answer,
                status.name == in_use,
                status.name == requested,
                partial,
            )
        )
    return tuple(report)


def cache_clear() -> None:
    """Forget the cached answers and the chosen backend; the next call detects again."""
    global _info, _tags_cache, _sys_tags_cache, _backend_module
    with _lock:
        _info = None
        _tags_cache = None
        _sys_tags_cache = None
        _backend_module = None
        forget_file_override()
