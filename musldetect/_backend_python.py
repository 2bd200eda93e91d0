"""The pure-Python backend: reads the running process's C library from its files.

It works everywhere Python does, including static interpreters where no extension can
be loaded. It finds the loader from the process image (``/proc/self/exe``), not from
``sys.executable``, so embedded interpreters and programs started through an explicit
loader are described as they run. On glibc confstr names the version, so the loader
readers (``_libcfile``, ``_rules``) are imported only on musl.
"""

from __future__ import annotations

import os
import sys

from ._elf import ELFFile
from ._types import ELFError, RawLibc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Tuple

NAME = "python"
PROC_ROOT = "/proc"  # tests point this elsewhere to simulate an unreadable /proc


def partial() -> str:
    """Without /proc this backend sees only the files sys.executable names, not the process
    (the dispatcher's auto then prefers ctypes, which reads the mapped library)."""
    try:
        os.readlink(os.path.join(PROC_ROOT, "self", "exe"))
    except OSError as exc:
        return f"{PROC_ROOT}/self/exe is unreadable: {exc.strerror}"
    return ""


def _glibc_from_confstr() -> Optional[str]:
    # musl raises OSError(EINVAL) here, some builds ValueError: both mean "not glibc".
    try:
        answer = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, ValueError, OSError):
        return None
    if answer and answer.startswith("glibc "):
        return answer.split(" ", 1)[1]
    return None


def _mapped_file(*suffixes: str) -> Optional[str]:
    """The first file mapped into this process whose path ends with one of ``suffixes``."""
    wanted = tuple(os.fsencode(suffix) for suffix in suffixes)
    try:
        with open(os.path.join(PROC_ROOT, "self", "maps"), "rb") as maps:
            for line in maps:
                path = line.rstrip(b"\n").partition(b"/")[2]
                if path and path.endswith(wanted):
                    return "/" + os.fsdecode(path)
    except OSError:
        pass
    return None


def _process_image() -> Tuple[Optional[str], Optional[str], Optional[RawLibc], bool, str]:
    """The running program: its path, its PT_INTERP, the C library it is itself when it
    was started as "ld-musl-x86_64.so.1 python3 ..." (then it has no PT_INTERP), and
    whether it was found through /proc (so it and its loader are the mapped files)."""
    tried = []
    for candidate in (os.path.join(PROC_ROOT, "self", "exe"), sys.executable):
        if not candidate:
            tried.append("sys.executable is empty")
            continue
        try:
            live = candidate.startswith(PROC_ROOT)
            with ELFFile(candidate, map_segments=live) as elf:
                interp = elf.interpreter
                itself = None
                if interp is None and elf.is_dynamic:  # the loader itself, or a library run as a program
                    from ._libcfile import program_interpreter, read_loader

                    itself = read_loader(elf, None)
                    if itself is not None and sys.executable:  # started through the loader
                        interp = program_interpreter(sys.executable)
                return (os.readlink(candidate) if live else candidate), interp, itself, live, ""
        except (OSError, ELFError) as exc:
            tried.append(f"{candidate}: {exc}")
    return None, None, None, False, "; ".join(tried)


def _built_for_musl() -> bool:
    import sysconfig  # only static interpreters get here

    for value in (sysconfig.get_config_var("HOST_GNU_TYPE"), getattr(sys.implementation, "_multiarch", None)):
        if isinstance(value, str) and value.endswith("-musl"):
            return True
    return False


def detect_libc() -> RawLibc:
    """Uncached: which C library this process runs on, read from files only."""
    image, interp, image_libc, live, image_reason = _process_image()
    static = image is not None and interp is None and image_libc is None
    glibc = _glibc_from_confstr()
    if glibc is not None:
        path = _mapped_file("/libc.so.6", "/libc-" + glibc + ".so")
        reason = "" if path else "libc.so.6 not found in /proc/self/maps"
        return RawLibc("glibc", glibc, path, static, interp, reason=reason)
    if image is None:
        return RawLibc(None, None, None, False, reason="cannot read the process image: " + image_reason)
    if static:
        return _static_image(image)
    loader = image if image_libc is not None else interp
    assert loader is not None
    raw = image_libc if image_libc is not None else _musl_loader(loader, live)
    if isinstance(raw, str):
        return RawLibc(None, None, loader, False, interp, reason=raw)
    if raw is None or raw.family != "musl":
        return RawLibc(
            None, None, loader, False, interp, reason=f"the loader {loader} is not musl's and confstr reports no glibc"
        )
    if not live:  # no /proc: the file named, not the object mapped, is what was read
        note = (
            f"{PROC_ROOT}/self/exe is unreadable: the loader was read from {image}'s PT_INTERP, which is "
            "the process's own only if this process was started from that file"
        )
        raw = raw._replace(reason="; ".join(part for part in (raw.reason, note) if part))
    return raw._replace(interpreter=interp)


def _static_image(image: str) -> RawLibc:
    """A statically linked interpreter: musl's when built for it, the version not recorded."""
    if _built_for_musl():
        reason = "statically linked musl interpreter: the version is not recorded in it"
        return RawLibc("musl", None, image, True, None, reason=reason)
    return RawLibc(None, None, image, True, None, reason="statically linked and not built for musl or glibc")


def _musl_loader(loader: str, live: bool) -> RawLibc | None | str:
    """What the loader's file says as musl's C library, or why it cannot be read."""
    from ._grammar import MUSL
    from ._libcfile import read_libc_object  # the version rules: not needed on glibc

    try:
        with ELFFile(loader, map_segments=live) as elf:
            return read_libc_object(elf, MUSL)
    except (OSError, ELFError) as exc:
        return f"cannot read the loader: {exc}"
