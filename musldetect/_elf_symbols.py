"""The dynamic symbol table and the hash tables that say how long it is."""

from __future__ import annotations

import struct

from ._elf_dynamic import DT_GNU_HASH, DT_HASH, DT_SYMENT, DT_SYMTAB

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Tuple

    from ._elf_dynamic import DynamicSection
    from ._elf_header import Reader

SHN_UNDEF = 0
STB_GLOBAL, STB_WEAK = 1, 2
MAX_HASH_WORDS = 16 * 1024 * 1024  # buckets or bloom words a hash table may claim


def symbol_count(reader: Reader, values: Dict[int, List[int]]) -> int:
    """How many .dynsym entries there are: DT_HASH's nchain, else a walk of DT_GNU_HASH."""
    order = reader.byteorder
    if DT_HASH in values:
        at = reader.vaddr_to_offset(values[DT_HASH][0], 8, "DT_HASH")
        return int(struct.unpack(order + "II", reader.read_at(at, 8, "DT_HASH header"))[1])
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


def dynamic_symbols(reader: Reader, dynamic: DynamicSection) -> Tuple[List[Tuple[str, bool, int]], List[str]]:
    """One pass over .dynsym: (undefined symbols as ``undefined_symbols`` gives them, names
    this object defines and exports: global or weak binding, which the loader may bind
    other objects' references to; the linker turns a hidden definition local)."""
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
    # st_name, st_info and st_shndx: Elf32_Sym is name, value, size, info, other, shndx;
    # Elf64_Sym is name, info, other, shndx, value, size.
    fmt = reader.byteorder + ("I8xBxH" if reader.bits == 32 else "IBxH16x")
    undefined = []
    exported = []
    # Names decoded as UTF-8 whatever this host's file system encoding (the same answer on
    # any machine), undecodable bytes kept as surrogates, as os.fsdecode keeps them.
    for index, (name, info, shndx) in enumerate(struct.iter_unpack(fmt, table)):
        end = strtab.find(b"\x00", name)
        if not 0 < name < end:
            continue
        binding = info >> 4
        if shndx == SHN_UNDEF:
            undefined.append((strtab[name:end].decode("utf-8", "surrogateescape"), binding == STB_WEAK, index))
        elif binding in (STB_GLOBAL, STB_WEAK):  # a hidden definition never reaches .dynsym as global
            exported.append(strtab[name:end].decode("utf-8", "surrogateescape"))
    return undefined, exported
