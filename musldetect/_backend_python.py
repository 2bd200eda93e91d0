"""The pure-Python backend: reads the running process's C library from its files.

It works everywhere Python does, including static interpreters where no extension can
be loaded. It finds the loader from the process image (``/proc/self/exe``), not from
``sys.executable``, so embedded interpreters and programs started through an explicit
loader are described as they run.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from typing import Optional, Tuple

from . import _rules
from ._elf import ELFFile
from ._inspect import read_libc_file
from ._types import ELFError, RawLibc

NAME = "python"
PROC_ROOT = "/proc"  # tests point this elsewhere to simulate an unreadable /proc


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
    try:
        with open(os.path.join(PROC_ROOT, "self", "maps"), "rb") as maps:
            for line in maps:
                path = line.rstrip(b"\n").partition(b"/")[2]
                if path and path.endswith(tuple(s.encode() for s in suffixes)):
                    return "/" + os.fsdecode(path)
    except OSError:
        pass
    return None


def _process_image() -> Tuple[Optional[str], Optional[str], bool, str]:
    """Describe the running program: where it is, its loader, and whether it is static."""
    tried = []
    for candidate in (os.path.join(PROC_ROOT, "self", "exe"), sys.executable):
        if not candidate:
            tried.append("sys.executable is empty")
            continue
        try:
            with ELFFile(candidate) as elf:
                interp = elf.interpreter
                is_loader = False
                if interp is None and elf.is_dynamic:
                    # Started as "ld-musl-x86_64.so.1 python3 ...": the image is the loader.
                    is_loader = _rules.musl_version_from_segments(elf.readonly_segment_data())[0]
                path = os.readlink(candidate) if candidate.startswith(PROC_ROOT) else candidate
                return path, interp, is_loader, ""
        except (OSError, ELFError) as exc:
            tried.append(f"{candidate}: {exc}")
    return None, None, False, "; ".join(tried)


def _built_for_musl() -> bool:
    for value in (sysconfig.get_config_var("HOST_GNU_TYPE"), getattr(sys.implementation, "_multiarch", None)):
        if isinstance(value, str) and value.endswith("-musl"):
            return True
    return False


def detect_libc() -> RawLibc:
    """Uncached: which C library this process runs on, read from files only."""
    image, interp, image_is_loader, image_reason = _process_image()
    static = image is not None and interp is None and not image_is_loader
    glibc = _glibc_from_confstr()
    if glibc is not None:
        path = _mapped_file("/libc.so.6") or _mapped_file("/libc-" + glibc + ".so")
        return RawLibc("glibc", glibc, path, static, interp, reason="" if path else "libc.so.6 not found in /proc/self/maps")
    if image is None:
        return RawLibc(None, None, None, False, reason="cannot read the process image: " + image_reason)
    if static:
        if _built_for_musl():
            return RawLibc("musl", None, image, True, None,
                           reason="statically linked musl interpreter: the version is not recorded in it")
        return RawLibc(None, None, image, True, None, reason="statically linked and not built for musl or glibc")
    loader = image if image_is_loader else interp
    assert loader is not None
    try:
        with ELFFile(loader) as elf:
            raw = read_libc_file(elf)
    except (OSError, ELFError) as exc:
        return RawLibc(None, None, loader, False, interp, reason=f"cannot read the loader: {exc}")
    if raw is None or raw.family != "musl":
        return RawLibc(None, None, loader, False, interp,
                       reason=f"the loader {loader} is not musl's and confstr reports no glibc")
    return raw._replace(interpreter=interp)
