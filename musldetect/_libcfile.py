"""Is an ELF object a C library (or its loader), and which one: decided by its names, then read.

An object counts as a C library by its identity — its DT_SONAME or file name, or being
the PT_INTERP a program names — never by text it happens to contain (an extension
module may quote musl's banner). Only an object so identified is scanned for a banner
and version. Shared by the pure-Python backend and ``inspect()``; imports only the ELF
reader and the rules.
"""

from __future__ import annotations

from . import _rules
from ._elf import ELFFile
from ._grammar import GLIBC, MUSL
from ._types import ELFError, RawLibc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Iterator, List, Optional


def family_by_name(name: Optional[str]) -> Optional[str]:
    """The C library family a file name (or SONAME, or PT_INTERP) belongs to, if any.

    musl: ``libc.so`` (its SONAME-less library), ``libc.musl-<arch>.so.1`` (Alpine's
    SONAME) and the loader ``ld-musl-<arch>.so.1``. glibc: ``libc.so.6`` and the loaders
    ``ld-linux*.so.N``, ``ld64.so.N`` (s390x, ppc64) and ``ld.so.1`` (ppc, s390, mips).
    ``libc.so`` is also bionic's name, so the banner must still confirm it.
    """
    if not name:
        return None
    base = name.rsplit("/", 1)[-1]
    if base == "libc.so" or (base.endswith(".so.1") and base.startswith(("ld-musl-", "libc.musl-"))):
        return MUSL
    if base in ("libc.so.6", "ld.so.1") or (base.startswith(("ld-linux", "ld64.so.")) and ".so." in base):
        return GLIBC
    return None


def read_libc_object(
    elf: ELFFile, family: str, segments: Optional[Iterable[bytes | memoryview]] = None
) -> Optional[RawLibc]:
    """Read the banner and version of a C library object of ``family``; None when the
    family's banner is not in it (so it is not that C library after all)."""
    data = elf.readonly_segment_data() if segments is None else segments
    if family == MUSL:
        is_musl, version, reason = _rules.musl_version_from_segments(data)
        if not is_musl:
            return None
        floor, time64 = None, None
        dynstr, _ = elf.dynamic_strings()
        if dynstr is not None:
            floor, time64 = _rules.musl_lower_bound(dynstr)
        return RawLibc(MUSL, version, elf.path, False, None, floor, time64, reason)
    is_glibc, version, reason = _rules.glibc_version_from_segments(data)
    if not is_glibc:
        return None
    return RawLibc(GLIBC, version, elf.path, False, None, reason=reason)


def read_loader(elf: ELFFile, named_family: Optional[str]) -> Optional[RawLibc]:
    """A program's loader: a C library by that role, so both banners may be looked for
    when its name says nothing (the musl one first, as musl's loader is its libc)."""
    families: List[str] = [named_family] if named_family else [MUSL, GLIBC]
    segments = _Replay(elf.readonly_segment_data())
    for family in families:
        raw = read_libc_object(elf, family, segments.again())
        if raw is not None:
            return raw
    return None


def program_interpreter(path: str) -> Optional[str]:
    """The PT_INTERP of the program file at ``path``, or None. For a process started as
    "ld-musl-x86_64.so.1 python3 ...": the kernel's program is then the loader, and the
    interpreter reported is the one the program itself names, as dl_iterate_phdr's first
    object (the program) tells the native backend."""
    try:
        with ELFFile(path) as program:
            return program.interpreter
    except (OSError, ELFError):
        return None


class _Replay:
    """Segments read lazily once and replayed for a second search without a second read."""

    def __init__(self, source: Iterator[bytes | memoryview]) -> None:
        self._source = source
        self._seen: List[bytes | memoryview] = []

    def again(self) -> Iterator[bytes | memoryview]:
        def replay() -> Iterator[bytes | memoryview]:
            for data in self._seen:
                yield data
            for data in self._source:
                self._seen.append(data)
                yield data

        return replay()
