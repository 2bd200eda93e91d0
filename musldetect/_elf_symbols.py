"""The dynamic symbol table and the hash tables that say how long it is."""

from __future__ import annotations

import struct
from array import array
from functools import lru_cache
from itertools import compress, repeat
from operator import itemgetter
from typing import NamedTuple, NoReturn, TypeVar

from ._elf_dynamic import DT_GNU_HASH, DT_HASH, DT_SYMENT, DT_SYMTAB
from ._elf_header import EM_ALPHA, EM_S390, NATIVE_ORDER

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

    from ._elf_dynamic import DynamicSection
    from ._elf_header import Reader

    # The C twin of the pass (musldetect._native.symbol_pass): (table, string table, entry
    # size, big-endian, prefixes) -> (names, weak, indexes, exports), or None where it declines.
    SymbolPass = Callable[
        [bytes, bytes, int, bool, Optional[Tuple[bytes, ...]]],
        Optional[Tuple[List[str], List[int], List[int], List[str]]],
    ]

SHN_UNDEF = 0
STB_GLOBAL, STB_WEAK = 1, 2
STT_NOTYPE, STT_OBJECT, STT_FUNC = 0, 1, 2
MAX_HASH_WORDS = 16 * 1024 * 1024  # buckets or bloom words a hash table may claim


def symbol_count(reader: Reader, values: Dict[int, List[int]]) -> int:
    """How many .dynsym entries there are: DT_HASH's nchain, else a walk of DT_GNU_HASH."""
    order = reader.byteorder
    if DT_HASH in values:
        wide = wide_hash_words(reader)
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
    buckets = array(WORD, reader.read_at(at, 4 * nbuckets, "DT_GNU_HASH buckets"))
    if order != NATIVE_ORDER:
        buckets.byteswap()
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


# The machines whose 64-bit binutils and glibc give DT_HASH 8-byte entries (readelf shows
# .hash's EntSize 8): s390x and Alpha. The C reader takes this tuple (``_native.elf_facts``).
WIDE_HASH_MACHINES = (EM_S390, EM_ALPHA)


def wide_hash_words(reader: Reader) -> bool:
    """Whether DT_HASH's nbucket and nchain are 8-byte words, not 4."""
    return reader.bits == 64 and reader.machine in WIDE_HASH_MACHINES


def imported_symbols(reader: Reader, dynamic: DynamicSection) -> List[str]:
    """Names of the undefined (imported) dynamic symbols."""
    return [name for name, _weak, _index in undefined_symbols(reader, dynamic)]


class UndefinedSymbol(NamedTuple):
    """One undefined dynamic symbol: a weak one that no library defines is left null by
    the loader, never an error."""

    name: str
    weak: bool
    symbol_index: int  # its place in .dynsym


class DynamicSymbols(NamedTuple):
    undefined: List[UndefinedSymbol]
    exported: List[str]  # the names this object defines and exports (those asked for by prefix)


def undefined_symbols(reader: Reader, dynamic: DynamicSection) -> List[UndefinedSymbol]:
    """Each undefined dynamic symbol, in .dynsym order."""
    return dynamic_symbols(reader, dynamic).undefined


def dynamic_symbols(
    reader: Reader, dynamic: DynamicSection, exported_prefixes: Optional[Tuple[bytes, ...]] = None
) -> DynamicSymbols:
    """``symbol_columns`` with the undefined symbols as records."""
    undefined, exported = symbol_columns(reader, dynamic, exported_prefixes)
    return DynamicSymbols(undefined.records(), exported)


class Undefined(NamedTuple):
    """The undefined dynamic symbols, column by column in .dynsym order: a caller that
    filters them (strong ones, Python's names) does so at C speed, not record by record."""

    names: List[str]
    weak: Sequence[int]  # 1: weak binding (a weak symbol that no library defines is left null, never an error)
    indexes: List[int]  # the index in .dynsym

    def records(self) -> List[UndefinedSymbol]:
        return list(map(UndefinedSymbol, self.names, map(bool, self.weak), self.indexes))


def pick(column: Sequence[T], indexes: Sequence[int]) -> List[T]:
    """``[column[i] for i in indexes]`` in one C call (a map over ``column.__getitem__``
    costs three times as much)."""
    if len(indexes) < 2:
        return [column[index] for index in indexes]
    return list(itemgetter(*indexes)(column))


def symbol_columns(
    reader: Reader,
    dynamic: DynamicSection,
    exported_prefixes: Optional[Tuple[bytes, ...]] = None,
    native: Optional[SymbolPass] = None,
) -> Tuple[Undefined, List[str]]:
    """One pass over .dynsym: (the undefined symbols, names this object defines and
    exports: global or weak binding, which the loader may bind other objects' references
    to; the linker turns a hidden definition local). With ``exported_prefixes`` only the
    exports that start with one are named: a large library exports thousands, and a
    caller after a few names need not decode them all. ``native``, the C twin of the pass
    (``_dispatch.native_symbol_pass``), reads the table when given; where it declines (names
    overlapping past the budget), this reader does, and refuses the file."""
    values = dynamic.values()
    strtab = dynamic.strings()
    if strtab is None or DT_SYMTAB not in values:
        return Undefined([], [], []), []
    entry = 16 if reader.bits == 32 else 24
    if values.get(DT_SYMENT, [entry])[0] != entry:
        raise reader.error(f"DT_SYMENT {values[DT_SYMENT][0]} is not {entry} for ELF{reader.bits}")
    count = symbol_count(reader, values)
    offset = reader.vaddr_to_offset(values[DT_SYMTAB][0], count * entry, "DT_SYMTAB")
    table = reader.read_at(offset, count * entry, "dynamic symbol table")
    if native is not None:
        found = native(table, strtab, entry, reader.byteorder == ">", exported_prefixes)
        if found is not None:
            names, weak, indexes, exports = found
            return Undefined(names, weak, indexes), exports
    return python_symbol_pass(reader, table, strtab, entry, reader.byteorder, exported_prefixes)


def python_symbol_pass(
    reader: Reader, table: bytes, strtab: bytes, entry: int, byteorder: str, prefixes: Optional[Tuple[bytes, ...]]
) -> Tuple[Undefined, List[str]]:
    """The pass over a read table in Python (``reader`` names the file in an error): the
    reference the C twin is held to."""
    columns = _Columns.of(table, entry, byteorder)
    strings = _Strings(reader, strtab)
    return _undefined_columns(columns, strings), _exports_named(columns, strings, prefixes)


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
        self.charge((end if end >= 0 else len(self.table)) - at)
        return end

    def charge(self, searched: int) -> None:
        self.budget -= searched
        if self.budget < 0:
            self.refuse()

    def names_at(self, starts: List[int]) -> List[str]:
        """``name`` of every offset in ``starts`` (each inside the table), "" for the empty
        name and for one with no NUL after it, the bytes searched counted the same.

        Each end is looked for no further than NAME_SEARCH bytes, in one comprehension, as
        many at a time as the budget pays for even if none found its NUL; a longer name, or
        one with no NUL, stops it (ValueError): then each of its batch is searched alone.
        Batches follow one another in a loop (a hostile table's hundreds of thousands of
        names must not nest calls)."""
        found: List[str] = []
        done = 0
        while done < len(starts):
            most = self.budget // NAME_SEARCH
            if most < 1:  # a rare binary: over 256 imports and a small table
                found += self._names_searched_alone(starts[done:])
                break
            batch = starts[done : done + most]
            found += self._batch(batch)
            done += len(batch)
        return found

    def _batch(self, starts: List[int]) -> List[str]:
        """``names_at`` for as many names as the budget pays for."""
        table = self.table
        try:
            if len(table) <= 256 * len(starts) and table.isascii():  # decoded whole for less than name by name
                text = table.decode("ascii")
                found = [text[at : text.index("\x00", at, at + NAME_SEARCH)] for at in starts]
                self.charge(sum(map(len, found)))  # one character a byte
                return found
            index = table.index
            raw = [table[at : index(b"\x00", at, at + NAME_SEARCH)] for at in starts]
        except ValueError:
            return self._names_searched_alone(starts)
        self.charge(sum(map(len, raw)))
        return list(map(bytes.decode, raw, repeat("utf-8"), repeat("surrogateescape")))

    def _names_searched_alone(self, starts: List[int]) -> List[str]:
        table, found = self.table, []
        for at in starts:
            end = self.end_of(at)
            found.append(table[at:end].decode("utf-8", "surrogateescape") if end > at else "")
        return found

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


T = TypeVar("T")
NAME_SEARCH = 4096  # how far a batched search looks for a name's end (a longer name is searched alone)


# The columns of the symbol table, read whole by striding instead of entry by entry
# (a library exports thousands of symbols; a Python loop over them all dominated an
# audit's reading of its binaries): st_name is word 0 of either class; st_shndx is bytes
# 14-15 of an Elf32_Sym (16 bytes) and 6-7 of an Elf64_Sym (24); st_info is byte 12 and 4.
_COLUMNS = {16: (14, 12), 24: (6, 4)}
WORD = next(code for code in "IL" if array(code).itemsize == 4)  # C's int: 4 bytes wherever Python runs
_NONZERO = bytes([0]) + bytes([1]) * 255  # byte -> 1 unless 0


class _Columns(NamedTuple):
    names: array[int]  # st_name
    defined: bytes  # 1 where st_shndx is not SHN_UNDEF (0 in either byte order), else 0
    infos: bytes  # st_info

    @classmethod
    def of(cls, table: bytes, entry: int, order: str) -> _Columns:
        shndx_at, info_at = _COLUMNS[entry]
        words = array(WORD, table)
        if order != NATIVE_ORDER:
            words.byteswap()
        count = len(table) // entry
        # st_shndx's two bytes, or-ed together at C speed: zero where both are
        either = int.from_bytes(table[shndx_at::entry], "little") | int.from_bytes(
            table[shndx_at + 1 :: entry], "little"
        )
        return cls(words[:: entry // 4], either.to_bytes(count, "little").translate(_NONZERO), table[info_at::entry])

    def exportable(self) -> bytes:
        """1 where a symbol is defined with a binding the loader binds others' references to."""
        binding = int.from_bytes(self.infos.translate(_EXPORTED_BINDING), "little")
        return (int.from_bytes(self.defined, "little") & binding).to_bytes(len(self.infos), "little")


def _where(flags: bytes, flag: int) -> List[int]:
    """The indexes of the bytes of ``flags`` (each 0 or 1) equal to ``flag``, found a run
    at a time: a linker writes the undefined symbols, and the exported ones, together."""
    value, other = bytes([flag]), bytes([1 - flag])
    found: List[int] = []
    at = flags.find(value)
    while at >= 0:
        end = flags.find(other, at)
        end = len(flags) if end < 0 else end
        found.extend(range(at, end))
        at = flags.find(value, end)
    return found


def _undefined_symbols(columns: _Columns, strings: _Strings) -> List[UndefinedSymbol]:
    return _undefined_columns(columns, strings).records()


def _undefined_columns(columns: _Columns, strings: _Strings) -> Undefined:
    """The undefined symbols with a name inside the table (the empty name and one outside
    it bind nothing), column by column: this runs for every import of every binary of a
    wheel, so each step is one C-speed pass where it can be."""
    table, names = strings.table, columns.names
    undefined = _where(columns.defined, 0)
    if undefined and undefined[0] == 0 and names[0] == 0:
        del undefined[0]  # the null symbol that opens every .dynsym
    starts = pick(names, undefined)
    if starts and (min(starts) < 1 or max(starts) >= len(table)):
        inside = list(map(range(1, len(table)).__contains__, starts))
        undefined, starts = list(compress(undefined, inside)), list(compress(starts, inside))
    found = strings.names_at(starts)
    if "" in found:  # the empty name, or one with no NUL after it: no symbol to bind
        undefined, found = list(compress(undefined, found)), list(compress(found, found))
    return Undefined(found, pick(columns.infos.translate(_WEAK_BINDING), undefined), undefined)


# st_info -> 1 where its binding (the high half) is STB_WEAK
_WEAK_BINDING = bytes(int(info >> 4 == STB_WEAK) for info in range(256))
# st_info -> 1 where its binding is one the loader binds other objects' references to
_EXPORTED_BINDING = bytes(int(info >> 4 in (STB_GLOBAL, STB_WEAK)) for info in range(256))


def _exports_named(columns: _Columns, strings: _Strings, prefixes: Optional[Tuple[bytes, ...]]) -> List[str]:
    """The defined global or weak symbols (a hidden definition never reaches .dynsym as
    global), those whose names start with one of ``prefixes`` when given: an extension
    module exports a few, each asked (after a look at its first byte); a library
    thousands, found by searching the table for the prefixes instead."""
    names, strtab = columns.names, strings.table
    exportable = columns.exportable()
    count = exportable.count(1)
    if prefixes is None or count <= FEW_EXPORTS or 2 * count <= len(names):
        named_at = pick(names, _where(exportable, 1))
        if named_at and (min(named_at) < 1 or max(named_at) >= len(strtab)):  # no name there
            named_at = [at for at in named_at if 0 < at < len(strtab)]
        if prefixes is not None and named_at:
            named_at = list(compress(named_at, bytes(pick(strtab, named_at)).translate(_first_bytes(prefixes))))
            named_at = list(compress(named_at, map(strtab.startswith, repeat(prefixes), named_at)))
    else:
        starts = _prefix_starts(strtab, prefixes, len(names))
        if not starts and starts is not None:  # no name starts so: most libraries
            return []
        if starts is None:  # more matches than symbols: asking each name is the cheaper way
            chosen = list(compress(range(len(names)), map(strtab.startswith, repeat(prefixes), names)))
        else:
            chosen = list(compress(range(len(names)), map(starts.__contains__, names)))
        named_at = pick(names, list(compress(chosen, pick(exportable, chosen))))
        named_at = [at for at in named_at if 0 < at < len(strtab)]  # a prefix found at 0 names nothing
    return [name for name in strings.names_at(named_at) if name]


FEW_EXPORTS = 512  # up to this many exports, each is asked for a prefix rather than the table searched


@lru_cache(maxsize=8)
def _first_bytes(prefixes: Tuple[bytes, ...]) -> bytes:
    """A translation of a name's first byte to 1 where some prefix may start it."""
    if not all(prefixes):
        return bytes([1]) * 256  # the empty prefix starts every name
    table = bytearray(256)
    for prefix in prefixes:
        table[prefix[0]] = 1
    return bytes(table)


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
