"""The dynamic section: PT_DYNAMIC's entries and the dynamic string table.

Strings are read one at a time by 4 KiB pages: the names a decision needs (DT_SONAME,
DT_NEEDED, a few version names) sit in a few pages of a table that may be megabytes.
"""

from __future__ import annotations

import struct
import sys

from ._elf_header import PT_DYNAMIC

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

    from ._elf_header import Reader

    # The C twin of an audit's reading of the dynamic section (musldetect._native.dynamic_pass):
    # (pieces, starts, size, bits, big-endian, wide DT_HASH, PT_LOADs as (vaddr, offset,
    # filesz), the first PT_DYNAMIC as (offset, filesz, memsz), export prefixes, the prefixes
    # of the imports named apart) -> (DT_SONAME, DT_NEEDED, DT_RPATH, DT_RUNPATH, version needs
    # as (library, name, weak, index), (strong imports, weak imports, (name, index) of the
    # imports named apart), exports, (version index, first strong import) pairs), or None
    # where the Python reader must decide.
    DynamicFound = Tuple[
        Optional[str],
        List[str],
        List[str],
        List[str],
        List[Tuple[str, str, bool, int]],
        Tuple[Tuple[str, ...], Tuple[str, ...], List[Tuple[str, int]]],
        List[str],
        List[Tuple[int, int]],
    ]
    DynamicPass = Callable[
        [
            Sequence[Union[bytes, bytearray]],
            List[int],
            int,
            int,
            bool,
            bool,
            List[Tuple[int, int, int]],
            Tuple[int, int, int],
            Tuple[bytes, ...],
            Tuple[bytes, ...],
        ],
        Optional[DynamicFound],
    ]
    # The C twin of what an audit reads of a held ELF file before and with its dynamic
    # section (musldetect._native.elf_facts): (pieces, starts, size, export prefixes, the
    # prefixes of the imports named apart, the machines of 8-byte DT_HASH words) -> ((bits,
    # big-endian, e_type, e_machine, e_flags, PT_INTERP's bytes, PT_GNU_STACK's flags or -1,
    # GNU properties as (pr_type, value)), the dynamic pass's answer), or None where the
    # Python reader must decide.
    HeadFound = Tuple[int, int, int, int, int, Optional[bytes], int, List[Tuple[int, int]]]
    ElfFactsPass = Callable[
        [Sequence[Union[bytes, bytearray]], List[int], int, Tuple[bytes, ...], Tuple[bytes, ...], Tuple[int, ...]],
        Optional[Tuple[HeadFound, DynamicFound]],
    ]

DT_NULL, DT_NEEDED, DT_HASH, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT, DT_SONAME = 0, 1, 4, 5, 6, 10, 11, 14
DT_RPATH, DT_RUNPATH = 15, 29
DT_GNU_HASH, DT_FLAGS_1, DT_VERNEED, DT_VERNEEDNUM = 0x6FFFFEF5, 0x6FFFFFFB, 0x6FFFFFFE, 0x6FFFFFFF
DT_VERSYM, DT_VERDEF, DT_VERDEFNUM = 0x6FFFFFF0, 0x6FFFFFFC, 0x6FFFFFFD
DF_1_PIE = 0x08000000
_STRING_PAGE = 4096
_MAX_STRING = 16 * _STRING_PAGE  # the longest string read
# os.fsdecode's codec, named once: a binary's names are decoded by the dozen
_FS_ENCODING, _FS_ERRORS = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()


def parse_dynamic(data: bytes, bits: int, byteorder: str) -> List[Tuple[int, int]]:
    """(d_tag, d_val) entries of a PT_DYNAMIC segment, up to DT_NULL."""
    fmt = byteorder + ("iI" if bits == 32 else "qQ")
    entries: List[Tuple[int, int]] = []
    for tag, value in struct.iter_unpack(fmt, data[: len(data) - len(data) % struct.calcsize(fmt)]):
        if tag == DT_NULL:
            break
        entries.append((tag, value))
    return entries


def dynamic_table(entries: List[Tuple[int, int]]) -> Dict[int, List[int]]:
    """PT_DYNAMIC's entries by tag, each tag's values in order (DT_NEEDED repeats)."""
    values: Dict[int, List[int]] = {}
    for tag, value in entries:
        values.setdefault(tag, []).append(value)
    return values


class DynamicSection:
    """One file's PT_DYNAMIC, read on first use, and its string table, read by pages."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self._values: Optional[Dict[int, List[int]]] = None
        self._table: Optional[Tuple[int, int]] = None
        self._table_found = False
        self._string_pages: Dict[int, bytes] = {}
        self._whole: Optional[bytes] = None  # the whole table, once a caller read it

    def entries(self) -> List[Tuple[int, int]]:
        reader = self._reader
        for segment in reader.segments:
            if segment.type == PT_DYNAMIC:
                return parse_dynamic(reader.segment_bytes(segment, "PT_DYNAMIC"), reader.bits, reader.byteorder)
        return []

    def values(self) -> Dict[int, List[int]]:
        """The entries by tag (read once)."""
        if self._values is None:
            self._values = dynamic_table(self.entries())
        return self._values

    @property
    def is_pie_program(self) -> bool:
        return any(flags & DF_1_PIE for flags in self.values().get(DT_FLAGS_1, []))

    def string_table(self) -> Optional[Tuple[int, int]]:
        """(file offset, size) of the dynamic string table, or None without one."""
        if not self._table_found:
            self._table, self._table_found = self._find_string_table(), True
        return self._table

    def _find_string_table(self) -> Optional[Tuple[int, int]]:
        values = self.values()
        if DT_STRTAB not in values or DT_STRSZ not in values:
            return None
        size = values[DT_STRSZ][0]
        return self._reader.vaddr_to_offset(values[DT_STRTAB][0], size, "DT_STRTAB/DT_STRSZ"), size

    def strings(self) -> Optional[bytes]:
        """The whole string table (bounded by the reader's largest read), or None."""
        table = self.string_table()
        if table is None:
            return None
        if self._whole is None:
            self._whole = self._reader.read_at(table[0], table[1], "dynamic string table")
        return self._whole

    def string(self, index: int, what: str = "dynamic string") -> str:
        """One NUL-terminated string of the table, at most 64 KiB long."""
        table = self.string_table()
        reader = self._reader
        if table is None:
            raise reader.error(f"{what}: there is no DT_STRTAB/DT_STRSZ")
        offset, size = table
        if index >= size:
            raise reader.error(f"{what}: string offset {index} is outside DT_STRTAB ({size} bytes)")
        page = index - index % _STRING_PAGE
        if self._whole is not None:  # the same bound as the pages below: the same answer either way
            end = self._whole.find(b"\x00", index, page + _MAX_STRING)
            if end >= 0:
                return self._whole[index:end].decode(_FS_ENCODING, _FS_ERRORS)
        pieces: List[bytes] = []
        start = index - page
        while page < size and len(pieces) < _MAX_STRING // _STRING_PAGE:
            data = self._string_pages.get(page)
            if data is None:
                data = self._string_pages[page] = reader.read_at(offset + page, min(_STRING_PAGE, size - page), what)
            end = data.find(b"\x00", start)
            if end >= 0:
                pieces.append(data[start:end])
                return b"".join(pieces).decode(_FS_ENCODING, _FS_ERRORS)
            pieces.append(data[start:])
            page += _STRING_PAGE
            start = 0
        raise reader.error(f"{what}: the string at offset {index} has no NUL within DT_STRTAB or 64 KiB")

    def search_paths(self) -> Tuple[List[str], List[str]]:
        """(DT_RPATH, DT_RUNPATH) directories, each split at colons, unexpanded ($ORIGIN stays)."""
        values = self.values()
        found: Tuple[List[str], List[str]] = ([], [])
        for tag, into in ((DT_RPATH, found[0]), (DT_RUNPATH, found[1])):
            for index in values.get(tag, []):
                into.extend(part for part in self.string(index, "DT_RPATH/DT_RUNPATH").split(":") if part)
        return found

    def names(self) -> Tuple[Optional[str], List[str]]:
        """(DT_SONAME, [DT_NEEDED, ...]), each string read on its own."""
        values = self.values()
        sonames = values.get(DT_SONAME, [])
        soname = self.string(sonames[0], "DT_SONAME") if sonames else None
        return soname, [self.string(i, "DT_NEEDED") for i in values.get(DT_NEEDED, [])]
