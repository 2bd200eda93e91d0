"""The dynamic symbol table and the hash tables that say how long it is."""

from __future__ import annotations

import struct
import sys
from array import array
from typing import NamedTuple, NoReturn

from ._elf_dynamic import DT_GNU_HASH, DT_HASH, DT_SYMENT, DT_SYMTAB
from ._elf_header import EM_ALPHA, EM_S390

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Optional, Sequence, Set, Tuple

    from ._elf_dynamic import DynamicSection
    from ._elf_header import Reader

SHN_UNDEF = 0
STB_GLOBAL, STB_WEAK = 1, 2
STT_NOTYPE, STT_OBJECT, STT_FUNC = 0, 1, 2
MAX_HASH_WORDS = 16 * 1024 * 1024  # buckets or bloom words a hash table may claim


def symbol_count(reader: Reader, values: Dict[int, List[int]]) -> int:
    """How many .dynsym entries there are: DT_HASH's nchain, else a walk of DT_GNU_HASH."""
    order = reader.byteorder
    if DT_HASH in values:
        # nbucket, nchain: 4-byte words, but 8-byte ones on 64-bit s390 and Alpha, whose
        # binutils and glibc give DT_HASH 8-byte entries (readelf shows .hash's EntSize 8).
        wide = reader.bits == 64 and reader.machine in (EM_S390, EM_ALPHA)
        at = reader.vaddr_to_offset(values[DT_HASH][0], 16 if wide else 8, "DT_HASH")
        header = reader.read_at(at, 16 if wide else 8, "DT_HASH header")
        return int(struct.unpack(order + ("QQ" if wide else "II"), header)[1])
    if DT_GNU_HASH not in values:
        return 0
    at = reader.vaddr_to_offset(values[DT_GNU_HASH][0], 16, "DT_GNU_HASH")
    nbuckets, symoffset, bloom_size, _shift = struct.unpack(order + "IIII", reader.read_at(at, 16, "DT_GNU_HASH"))
    if nbuckets > MAX_HASH_WORDS or bloom_size > MAX_HASH_WORDS // 2:
        raise reader.error(f"DT_GNU_HASH: {nbuckets} buckets / {bloom_size} bloom words is out of range")
    at += 16 + bloom_size * (reader.bits // 8)
    buckets = struct.unpack(f"{order}{nbuckets}I", reader.read_at(at, 4 * nbuckets, "DT_GNU_HASH buckets"))
    last = int(max(buckets, default=0))
    if last < symoffset:
        return int(symoffset)
    chain_at = at + 4 * nbuckets + 4 * (last - symoffset)
    while True:  # the last chain ends with the entry whose low bit is set
        (value,) = struct.unpack(order + "I", reader.read_at(chain_at, 4, "DT_GNU_HASH chain"))
        last += 1
        chain_at += 4
        if value & 1:
            return last


def imported_symbols(reader: Reader, dynamic: DynamicSection) -> List[str]:
    """Names of the undefined (imported) dynamic symbols."""
    return [name for name, _weak, _index in undefined_symbols(reader, dynamic)]


def undefined_symbols(reader: Reader, dynamic: DynamicSection) -> List[Tuple[str, bool, int]]:
    """(name, weak, index in .dynsym) of each undefined dynamic symbol: a weak one that no
    library defines is left null by the loader, never an error."""
    return dynamic_symbols(reader, dynamic)[0]


def dynamic_symbols(
    reader: Reader, dynamic: DynamicSection, exported_prefixes: Optional[Tuple[bytes, ...]] = None
) -> Tuple[List[Tuple[str, bool, int]], List[str]]:
    """One pass over .dynsym: (undefined symbols as ``undefined_symbols`` gives them, names
    this object defines and exports: global or weak binding, which the loader may bind
    other objects' references to; the linker turns a hidden definition local). With
    ``exported_prefixes`` only the exports that start with one are named: a large library
    exports thousands, and a caller after a few names need not decode them all."""
    values = dynamic.values()
    strtab = dynamic.strings()
    if strtab is None or DT_SYMTAB not in values:
        return [], []
    entry = 16 if reader.bits == 32 else 24
    if values.get(DT_SYMENT, [entry])[0] != entry:
        raise reader.error(f"DT_SYMENT {values[DT_SYMENT][0]} is not {entry} for ELF{reader.bits}")
    count = symbol_count(reader, values)
    offset = reader.vaddr_to_offset(values[DT_SYMTAB][0], count * entry, "DT_SYMTAB")
    table = reader.read_at(offset, count * entry, "dynamic symbol table")
    columns = _Columns.of(table, entry, reader.byteorder)
    strings = _Strings(reader, strtab)
    return _undefined_symbols(columns, strings), _exports_named(columns, strings, exported_prefixes)


def symbol_types(reader: Reader, dynamic: DynamicSection, indexes: Sequence[int]) -> Dict[int, int]:
    """The type (st_info's low half: STT_FUNC, STT_OBJECT, ...) of each given .dynsym entry,
    read one byte each: what few decisions need it ask for a few symbols."""
    values = dynamic.values()
    entry = 16 if reader.bits == 32 else 24
    info_at = _COLUMNS[entry][1]
    found = {}
    for index in indexes:
        at = reader.vaddr_to_offset(values[DT_SYMTAB][0] + index * entry, entry, "DT_SYMTAB entry")
        found[index] = reader.read_at(at + info_at, 1, "st_info")[0] & 0xF
    return found


class _Strings:
    """The dynamic string table as symbol names are read from it. Each name is found by
    searching for its NUL; a hostile table could make every search run to its end (many
    names pointing into one long NUL-free stretch), so the bytes searched are counted, and
    past four times the table (a linker's shared name tails stay far below) the file is
    refused rather than read for minutes."""

    def __init__(self, reader: Reader, table: bytes) -> None:
        self.reader = reader
        self.table = table
        self.budget = 4 * len(table) + (1 << 20)

    def end_of(self, at: int) -> int:
        """Where the name at ``at`` ends (-1: no NUL after it)."""
        end = self.table.find(b"\x00", at)
        self.budget -= (end if end >= 0 else len(self.table)) - at
        if self.budget < 0:
            self.refuse()
        return end

    def refuse(self) -> NoReturn:
        raise self.reader.error(
            f"dynamic symbol names overlap far beyond any linker's ({len(self.table)}-byte string table)"
        )

    def name(self, at: int) -> Optional[str]:
        """The symbol name at ``at``, decoded as UTF-8 whatever this host's file system
        encoding (the same answer on any machine), undecodable bytes kept as surrogates, as
        os.fsdecode keeps them; None for the empty name or an offset outside the table."""
        end = self.end_of(at) if 0 < at < len(self.table) else -1
        return self.table[at:end].decode("utf-8", "surrogateescape") if 0 < at < end else None


# The columns of the symbol table, read whole by striding instead of entry by entry
# (a library exports thousands of symbols; a Python loop over them all dominated an
# audit's reading of its binaries): st_name is word 0 of either class; st_shndx is
# half-word 7 of an Elf32_Sym (16 bytes) and 3 of an Elf64_Sym (24); st_info is byte 12
# and 4. A zero st_shndx (SHN_UNDEF) reads as zero in either byte order.
_COLUMNS = {16: (7, 12), 24: (3, 4)}
_WORD = next(code for code in "IL" if array(code).itemsize == 4)  # C's int: 4 bytes wherever Python runs


class _Columns(NamedTuple):
    names: array[int]  # st_name
    sections: array[int]  # st_shndx
    infos: bytes  # st_info

    @classmethod
    def of(cls, table: bytes, entry: int, order: str) -> _Columns:
        shndx_word, info_at = _COLUMNS[entry]
        words = array(_WORD, table)
        if (order == "<") != (sys.byteorder == "little"):
            words.byteswap()  # a zero st_shndx reads as zero in either order: only names need it
        return cls(words[:: entry // 4], array("H", table)[shndx_word :: entry // 2], table[info_at::entry])


def _undefined_symbols(columns: _Columns, strings: _Strings) -> List[Tuple[str, bool, int]]:
    # strings.name() inlined: this runs once per import of every binary of a wheel.
    names, infos, table = columns.names, columns.infos, strings.table
    size, budget = len(table), strings.budget
    found = []
    for index in [index for index, section in enumerate(columns.sections) if section == SHN_UNDEF]:
        at = names[index]
        if not 0 < at < size:  # the empty name, or one outside the table: no symbol to bind
            continue
        end = table.find(b"\x00", at)
        budget -= (end if end >= 0 else size) - at
        if budget < 0:
            strings.refuse()
        if end > at:
            found.append((table[at:end].decode("utf-8", "surrogateescape"), infos[index] >> 4 == STB_WEAK, index))
    strings.budget = budget
    return found


def _exports_named(columns: _Columns, strings: _Strings, prefixes: Optional[Tuple[bytes, ...]]) -> List[str]:
    """The defined global or weak symbols (a hidden definition never reaches .dynsym as
    global), those whose names start with one of ``prefixes`` when given."""
    names, sections, infos = columns
    strtab = strings.table
    chosen: Sequence[int] = range(len(names))
    if prefixes is not None:
        starts = _prefix_starts(strtab, prefixes, len(names))
        if starts is None:  # more matches than symbols: asking each name is the cheaper way
            chosen = [index for index, at in enumerate(names) if strtab.startswith(prefixes, at)]
        else:
            chosen = [index for index, at in enumerate(names) if at in starts]
    exported = []
    for index in chosen:
        if sections[index] != SHN_UNDEF and infos[index] >> 4 in (STB_GLOBAL, STB_WEAK):
            name = strings.name(names[index])
            if name is not None:
                exported.append(name)
    return exported


def _prefix_starts(strtab: bytes, prefixes: Tuple[bytes, ...], most: int) -> Optional[Set[int]]:
    """Where a prefix starts in the string table (a prefix holds no NUL, so it matches
    within one name or not at all), found by a few C-speed searches instead of a look at
    every symbol; None past ``most`` matches, so a table made of prefixes costs no more
    than its symbols do."""
    starts: Set[int] = set()
    for prefix in prefixes:
        at = strtab.find(prefix)
        while at >= 0:
            if len(starts) >= most:
                return None
            starts.add(at)
            at = strtab.find(prefix, at + 1)
    return starts
