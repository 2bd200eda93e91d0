"""Static analysis of any ELF file: which C library it is or uses, and what it requires.

Nothing is executed. The decision goes by identity, in this order: the ELF type (an
object file or a core dump is not a program); a C library or loader by its SONAME or
file name (only these are scanned for a banner and version); a program's PT_INTERP,
followed to the loader (inside ``root`` when given); DT_NEEDED; and for a static
program, marks only a C library's own static code leaves. Programs and libraries also
get ``requires``: the oldest C library release they load with.
"""

from __future__ import annotations

import os
import posixpath
import struct

from . import _rules
from ._elf import ELFFile
from ._elf_header import ET_CORE, ET_DYN, ET_EXEC, ET_REL
from ._elf_notes import NT_GNU_ABI_TAG
from ._grammar import GLIBC, MUSL
from ._libcfile import family_by_name, read_libc_object, read_loader
from ._rootfs import Root, host_realpath
from ._types import ELFError, RawLibc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Optional, Tuple

# What a loader's banner said, by its path and file identity (device, inode, size,
# mtime): a sweep of a system's programs reads its one or two loaders once.
_LOADERS_KEPT = 32
_loaders_read: Dict[Tuple[object, ...], Optional[RawLibc]] = {}
_NOT_PROGRAMS = {
    ET_REL: "a relocatable object file (ET_REL, e.g. a .o): it is not linked yet, so it has no C library",
    ET_CORE: "a core dump (ET_CORE), not a program or a shared library",
}


def _glibc_beside_loader(loader: ELFFile, root: Optional[Root]) -> Optional[RawLibc]:
    # Before glibc 2.35 ld.so carries no version banner; libc.so.6 sits in the same directory.
    directory = posixpath.dirname(loader.inside) if loader.inside is not None else os.path.dirname(loader.path)
    try:
        with ELFFile(posixpath.join(directory, "libc.so.6"), root=root) as libc6:
            return read_libc_object(libc6, GLIBC)
    except (OSError, ELFError):
        return None


def _identified_libc(elf: ELFFile, soname: Optional[str], root: Optional[Root]) -> Optional[RawLibc]:
    """The object itself as a C library or loader, when its SONAME or file name says it is
    one and its banner confirms it."""
    family = family_by_name(soname) or family_by_name(elf.path)
    if family is None and elf.inside is None:  # /lib/ld-musl-x86_64.so.1 -> .../libc.so
        family = family_by_name(host_realpath(elf.path))  # (inside a root, links are already followed)
    if family is None:
        return None
    raw = read_libc_object(elf, family)
    if family == GLIBC and (raw is None or raw.version_string is None):
        raw = _glibc_beside_loader(elf, root) or raw
    return raw


def _follow_interpreter(interp: str, root: Optional[Root], arch: str) -> RawLibc:
    """The C library of the loader PT_INTERP names (inside ``root``): read once per loader
    file, or named by its path alone when it cannot be read."""
    named = family_by_name(interp)
    try:
        loader = ELFFile(interp, root=root)
    except (OSError, ELFError) as exc:
        return _unreadable_loader(interp, named, root, exc)
    with loader:
        loader_path = loader.path
        if loader.arch != arch:
            raise ELFError(f"{loader_path}: PT_INTERP loader is built for {loader.arch}, the program for {arch}")
        key = (loader_path, named) + loader.identity
        if key in _loaders_read:
            raw = _loaders_read[key]
        else:
            raw = read_loader(loader, named)
            if named == GLIBC and (raw is None or raw.version_string is None):
                raw = _glibc_beside_loader(loader, root) or raw
            if len(_loaders_read) >= _LOADERS_KEPT:
                _loaders_read.clear()
            _loaders_read[key] = raw
        if raw is None:
            return RawLibc(
                None, None, loader_path, False, interp, reason=f"the loader {loader_path} is neither musl's nor glibc's"
            )
        return raw._replace(interpreter=interp)


def _unreadable_loader(interp: str, named: Optional[str], root: Optional[Root], exc: Exception) -> RawLibc:
    """A loader that cannot be read: its name may still say the family, never the version."""
    where = f" under {root.path}" if root is not None else ""
    if named is None:
        return RawLibc(
            None,
            None,
            None,
            False,
            interp,
            reason=f"the loader {interp} cannot be read{where} ({exc}) and its name is not musl's or glibc's",
        )
    return RawLibc(
        named,
        None,
        None,
        False,
        interp,
        reason=f"the loader {interp} cannot be read{where} ({exc}): {named} by the loader's name, version unknown",
    )


def static_family(elf: ELFFile) -> RawLibc:
    """A static program's C library, by its notes and marks (a static program records no version)."""
    notes = elf.notes()
    if any(name == _rules.GO_NOTE_NAME for name, _, _ in notes):
        return RawLibc(None, None, elf.path, True, reason="a static Go program: it has no C library")
    # glibc's start files carry the GNU ABI tag note; musl's carry no notes.
    for name, note_type, desc in notes:
        if name == b"GNU" and note_type == NT_GNU_ABI_TAG and len(desc) >= 16:
            _os_code, *kernel = struct.unpack(elf.byteorder + "IIII", desc[:16])
            return RawLibc(
                GLIBC,
                None,
                elf.path,
                True,
                reason="statically linked with glibc (GNU ABI tag, kernel "
                f"{'.'.join(map(str, kernel))}): the version is not recorded in it",
            )
    found = elf.readonly_mark(_rules.MUSL_STATIC_MARK)  # known already when an audit streamed the file
    if found is None:
        found = _musl_mark_in_readonly_data(elf)
    if found:
        return RawLibc(
            MUSL,
            None,
            elf.path,
            True,
            reason="statically linked with musl: a static program records no musl version",
        )
    return RawLibc(None, None, elf.path, True, reason="static, no C library found")


def _musl_mark_in_readonly_data(elf: ELFFile) -> bool:
    """Every read-only byte, 1 MiB at a time: linear in the file's size and never more than
    one chunk in memory, so a 200 MiB static Rust program is read like a small one."""
    for segment in elf.readonly_loads():
        for chunk in elf.segment_chunks(segment, segment.filesz):
            if _rules.MUSL_STATIC_MARK in chunk:
                return True
    return False


def _requirement(elf: ELFFile, family: Optional[str]) -> Tuple[Optional[Tuple[int, ...]], str]:
    """What a program or library needs of its C library, and a note when it cannot tell."""
    try:
        # Weak needs never stop the loader: a weak version need (VER_FLG_WEAK) on glibc,
        # a weak undefined symbol on musl.
        if family == GLIBC:
            return _rules.glibc_requirement(e.name for e in elf.version_need_entries() if not e.weak), ""
        if family == MUSL:
            return _rules.musl_requirement(name for name, weak, _ in elf.undefined_symbols() if not weak), ""
    except ELFError as exc:
        return None, f"cannot read what it requires: {exc}"
    return None, ""


def _linked_family(needed: List[str], elf: ELFFile) -> Tuple[Optional[str], str]:
    for name in needed:
        family = family_by_name(name)
        if family is not None:
            return family, name
    if any(name.startswith("GLIBC_") for _file, names in elf.version_needs() for name in names):
        return GLIBC, "GLIBC_ version needs"
    return None, ""


_NO_DYNAMIC_ENTRIES = (
    "its PT_DYNAMIC holds no entries: a separate debug-info file or a stripped copy, not a loadable object"
)


def describe(elf: ELFFile, root: Optional[Root]) -> RawLibc:
    """The raw facts of one ELF file, decided by identity (see the module docstring)."""
    _check_loadable_type(elf)
    interp = elf.interpreter
    try:
        soname, needed = elf.dynamic_names()
    except ELFError:
        if not elf.truncated or interp is None:
            raise
        soname, needed = None, []
    raw = _identified_libc(elf, soname, root)
    if raw is not None:
        return raw._replace(interpreter=interp)
    if interp is not None:
        raw = _follow_interpreter(interp, root, elf.arch)
    elif elf.is_dynamic and not elf.dynamic_values():
        raw = RawLibc(None, None, None, False, reason=_NO_DYNAMIC_ENTRIES)
    elif not needed and elf.type == ET_DYN and elf.is_dynamic and not elf.is_pie_program:
        raw = RawLibc(None, None, None, False, reason="a shared library that links no C library (no DT_NEEDED)")
    elif not needed:
        raw = static_family(elf)
    else:
        family, through = _linked_family(needed, elf)
        if family is None:
            return RawLibc(None, None, None, False, reason="no PT_INTERP and no C library among DT_NEEDED")
        raw = RawLibc(
            family,
            None,
            None,
            False,
            reason=f"a shared library linked against {family} ({through}): it records what it "
            f"requires, not the {family} it will run on",
        )
    return _with_requirement(elf, raw)


def _check_loadable_type(elf: ELFFile) -> None:
    """Only programs (ET_EXEC, ET_DYN) and shared libraries (ET_DYN) link a C library."""
    if elf.type in _NOT_PROGRAMS:
        raise elf.error(_NOT_PROGRAMS[elf.type])
    if elf.type not in (ET_EXEC, ET_DYN):
        raise elf.error(f"e_type {elf.type} is neither a program (ET_EXEC/ET_DYN) nor a shared library")


def _with_requirement(elf: ELFFile, raw: RawLibc) -> RawLibc:
    """``raw`` with the oldest release its needs allow, unknown for a truncated file (said
    in the reason) and for a static program (which records none)."""
    if elf.truncated:
        requires, note = None, f"the file is truncated, so what it requires is unknown ({elf.truncated})"
    elif raw.static:
        requires, note = None, ""
    else:
        requires, note = _requirement(elf, raw.family)
    reasons = [text for text in (raw.reason, note) if text]
    return raw._replace(requires=requires, reason="; ".join(reasons))


def inspect_file(path: str, root: Optional[Root]) -> Tuple[RawLibc, str, int]:
    """The raw facts of the ELF file at ``path`` (inside ``root`` when given), with its arch
    and word size: what ``musldetect.inspect()`` builds its answer from."""
    with ELFFile(path, root=root) as elf:
        return describe(elf, root), elf.arch, elf.bits
