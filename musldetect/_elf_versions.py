"""Symbol versions: what an object needs of each library it links (DT_VERNEED), e.g.
("libc.so.6", ["GLIBC_2.2.5", "GLIBC_2.34"]), whether each need is weak (the loader
goes on without it), and which version each imported symbol is bound to (DT_VERSYM)."""

from __future__ import annotations

import struct
from array import array
from itertools import repeat
from operator import and_

from ._elf_dynamic import DT_VERDEF, DT_VERDEFNUM, DT_VERNEED, DT_VERNEEDNUM, DT_VERSYM
from ._elf_header import NATIVE_ORDER

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Sequence, Tuple

    from ._elf_dynamic import DynamicSection
    from ._elf_header import Reader

MAX_VERNEED = 4096  # version-need entries walked at most (files and their versions alike)
VER_FLG_BASE, VER_FLG_WEAK = 0x1, 0x2
VERSYM_HIDDEN = 0x8000


class VersionNeed:
    """One Elf_Vernaux: ``name`` (GLIBC_2.34) needed of ``library``; ``index`` is the
    version index DT_VERSYM gives the symbols bound to it."""

    __slots__ = ("library", "name", "weak", "index")

    def __init__(self, library: str, name: str, weak: bool, index: int) -> None:
        self.library, self.name, self.weak, self.index = library, name, weak, index

    def __repr__(self) -> str:
        return f"VersionNeed({self.library!r}, {self.name!r}, weak={self.weak}, index={self.index})"


def version_needs(reader: Reader, dynamic: DynamicSection) -> List[Tuple[str, List[str]]]:
    """(file, [version names]) of every Elf_Verneed entry, in the file's order."""
    needs: List[Tuple[str, List[str]]] = []
    for library, entries in _walk(reader, dynamic):
        needs.append((library, [entry.name for entry in entries]))
    return needs


def version_need_entries(reader: Reader, dynamic: DynamicSection) -> List[VersionNeed]:
    """Every Elf_Vernaux with its library, weak flag and version index, in the file's order."""
    return [entry for _library, entries in _walk(reader, dynamic) for entry in entries]


def symbol_version_indexes(reader: Reader, dynamic: DynamicSection, count: int) -> Sequence[int]:
    """DT_VERSYM's entry for each of the first ``count`` dynamic symbols (hidden bit
    cleared); empty without DT_VERSYM."""
    values = dynamic.values()
    if DT_VERSYM not in values or count <= 0:
        return ()
    at = reader.vaddr_to_offset(values[DT_VERSYM][0], 2 * count, "DT_VERSYM")
    raw = reader.read_at(at, 2 * count, "DT_VERSYM table")
    indexes = array("H", raw)
    if reader.byteorder != NATIVE_ORDER:
        indexes.byteswap()
    high_bytes = raw[1::2] if reader.byteorder == "<" else raw[0::2]
    if high_bytes.translate(None, _BELOW_HIDDEN):  # only a defined symbol's version is hidden: rarely any
        return array("H", map(and_, indexes, repeat(VERSYM_HIDDEN - 1)))
    return indexes


_BELOW_HIDDEN = bytes(range(VERSYM_HIDDEN >> 8))  # a high byte without the hidden bit


def _table(reader: Reader, dynamic: DynamicSection, tag: int, count_tag: int, size: int, name: str) -> Tuple[int, int]:
    """(file offset, entry count) of a version table, (0, 0) without one."""
    values = dynamic.values()
    if tag not in values or count_tag not in values:
        return 0, 0
    count = values[count_tag][0]
    if count > MAX_VERNEED:
        raise reader.error(f"{name}NUM {count} is more than {MAX_VERNEED} entries")
    return reader.vaddr_to_offset(values[tag][0], size, name), count


def _walk(reader: Reader, dynamic: DynamicSection) -> List[Tuple[str, List[VersionNeed]]]:
    at, count = _table(reader, dynamic, DT_VERNEED, DT_VERNEEDNUM, 16, "DT_VERNEED")
    order = reader.byteorder
    needs: List[Tuple[str, List[VersionNeed]]] = []
    walked = 0
    for _ in range(count):
        _version, aux_count, file_name, aux_offset, next_offset = struct.unpack(
            order + "HHIII", reader.read_at(at, 16, "Elf_Verneed")
        )
        library = dynamic.string(file_name, "Elf_Verneed file")
        entries = []
        aux_at = at + aux_offset
        for _ in range(aux_count):
            walked += 1
            if walked > MAX_VERNEED:
                raise reader.error(f"more than {MAX_VERNEED} Elf_Vernaux entries")
            _hash, flags, other, name, aux_next = struct.unpack(
                order + "IHHII", reader.read_at(aux_at, 16, "Elf_Vernaux")
            )
            entries.append(
                VersionNeed(library, dynamic.string(name, "Elf_Vernaux name"), bool(flags & VER_FLG_WEAK), other)
            )
            if aux_next == 0:
                break
            aux_at += aux_next
        needs.append((library, entries))
        if next_offset == 0:
            break
        at += next_offset
    return needs


def version_definitions(reader: Reader, dynamic: DynamicSection) -> List[str]:
    """The version names a library defines (DT_VERDEF), without its base entry (the
    library's own name): what the loader checks a version need against."""
    at, count = _table(reader, dynamic, DT_VERDEF, DT_VERDEFNUM, 20, "DT_VERDEF")
    order = reader.byteorder
    names: List[str] = []
    for _ in range(count):
        _version, flags, _index, aux_count, _hash, aux_offset, next_offset = struct.unpack(
            order + "HHHHIII", reader.read_at(at, 20, "Elf_Verdef")
        )
        if aux_count and not flags & VER_FLG_BASE:
            name, _next = struct.unpack(order + "II", reader.read_at(at + aux_offset, 8, "Elf_Verdaux"))
            names.append(dynamic.string(name, "Elf_Verdaux name"))
        if next_offset == 0:
            break
        at += next_offset
    return names
