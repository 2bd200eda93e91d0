"""PE files (PE32 and PE32+): the machine, the DLLs imported and delay-loaded with their
symbols (by name; ordinals kept as numbers) and the exported names.

Read from a buffer like the Mach-O reader: every directory's address is mapped through
the section table and checked against the file before it is read, and every table has a
count bound, so hostile input gives a ``BinaryFormatError`` naming the field.
"""

from __future__ import annotations

import struct
from typing import List, NamedTuple, Tuple

from .._types import BinaryFormatError
from ._formats_io import Buffer, cstring, need

PE32, PE32_PLUS = 0x10B, 0x20B
MAX_SECTIONS = 96  # the PE format's own limit
MAX_DLLS = 4096
MAX_IMPORTS = 1 << 16  # per DLL
MAX_EXPORTS = 1 << 20
MAX_ENTRIES = 1 << 21  # import thunks and names read in all, over every table
DIRECTORY_EXPORT, DIRECTORY_IMPORT, DIRECTORY_DELAY_IMPORT = 0, 1, 13
IMAGE_FILE_DLL = 0x2000
# IMAGE_FILE_MACHINE_* -> the name wheel tags use for it (win32, win_amd64, win_arm64)
MACHINES = {
    0x14C: "x86",
    0x8664: "amd64",
    0xAA64: "arm64",
    0x1C4: "arm",
    0xA641: "arm64ec",
    0xA64E: "arm64x",
    0x200: "ia64",
}


class PEImport(NamedTuple):
    """One imported DLL and what it gives: symbols by name, and by ordinal number."""

    dll: str
    symbols: Tuple[str, ...]
    ordinals: Tuple[int, ...]


class PEFile(NamedTuple):
    machine: int
    arch: str  # "x86", "amd64", "arm64", ... (unknown_machine_<n> otherwise)
    pe32_plus: bool
    is_dll: bool
    imports: Tuple[PEImport, ...]
    delay_imports: Tuple[PEImport, ...]
    exports: Tuple[str, ...]  # exported names ("PyInit__speedups")


def is_pe(head: bytes) -> bool:
    return head[:2] == b"MZ"


class _Section(NamedTuple):
    address: int
    virtual_size: int
    raw_offset: int
    raw_size: int


class _Image:
    """The file with its section table: maps an address (RVA) to a file offset."""

    def __init__(
        self, data: Buffer, path: str, sections: List[_Section], headers_size: int, image_base: int, wide: bool
    ) -> None:
        self.data, self.path, self.sections = data, path, sections
        self.headers_size, self.image_base, self.wide = headers_size, image_base, wide
        self.budget = MAX_ENTRIES

    def error(self, message: str) -> BinaryFormatError:
        return BinaryFormatError(f"{self.path}: {message}")

    def offset(self, rva: int, size: int, what: str) -> int:
        """The file offset of ``size`` bytes at ``rva``, all inside one section's raw data."""
        for section in self.sections:
            span = max(section.virtual_size, section.raw_size)
            if section.address <= rva < section.address + span:
                at = rva - section.address
                if at + size > section.raw_size:
                    raise self.error(f"{what} at address {rva:#x} leaves its section's file data")
                need(self.data, section.raw_offset + at, size, self.path, what)
                return section.raw_offset + at
        if rva + size <= self.headers_size:
            need(self.data, rva, size, self.path, what)
            return rva
        raise self.error(f"{what} at address {rva:#x} is in no section")

    def name(self, rva: int, what: str) -> str:
        self.spend(what)
        return cstring(self.data, self.offset(rva, 1, what), len(self.data), self.path, what, must_end=True)

    def spend(self, what: str) -> None:
        """One more name or table entry read: a hostile file may point many tables at the
        same bytes, so the work is bounded in total, not per table."""
        self.budget -= 1
        if self.budget < 0:
            raise self.error(f"{what}: more than {MAX_ENTRIES} import and export entries in all")

    def unpack(self, fmt: str, rva: int, what: str) -> Tuple[int, ...]:
        return struct.unpack_from(fmt, self.data, self.offset(rva, struct.calcsize(fmt), what))


def read_pe(data: Buffer, path: str) -> PEFile:
    """The machine, imports and exports of the PE image held in ``data``."""
    need(data, 0, 64, path, "the DOS header")
    if bytes(data[:2]) != b"MZ":
        raise BinaryFormatError(f"{path}: no MZ magic")
    pe_at = struct.unpack_from("<I", data, 0x3C)[0]
    need(data, pe_at, 24, path, "the PE signature and file header")
    if bytes(data[pe_at : pe_at + 4]) != b"PE\0\0":
        raise BinaryFormatError(f"{path}: no PE signature at {pe_at}")
    machine, nsections, _time, _symbols, _nsymbols, optional_size, characteristics = struct.unpack_from(
        "<HHIIIHH", data, pe_at + 4
    )
    optional_at = pe_at + 24
    need(data, optional_at, optional_size, path, "the optional header")
    if optional_size < 2:
        raise BinaryFormatError(f"{path}: an optional header of {optional_size} bytes")
    magic = struct.unpack_from("<H", data, optional_at)[0]
    if magic not in (PE32, PE32_PLUS):
        raise BinaryFormatError(f"{path}: optional header magic {magic:#x} is neither PE32 nor PE32+")
    wide = magic == PE32_PLUS
    image = _image(data, path, optional_at, optional_size, nsections, wide)
    directories = _directories(data, path, optional_at, optional_size, wide)
    imports = _imports(image, directories[DIRECTORY_IMPORT], delayed=False)
    delayed = _imports(image, directories[DIRECTORY_DELAY_IMPORT], delayed=True)
    exports = _exports(image, directories[DIRECTORY_EXPORT])
    return PEFile(
        machine,
        MACHINES.get(machine, f"unknown_machine_{machine:#x}"),
        wide,
        bool(characteristics & IMAGE_FILE_DLL),
        imports,
        delayed,
        exports,
    )


def _image(data: Buffer, path: str, optional_at: int, optional_size: int, nsections: int, wide: bool) -> _Image:
    if nsections > MAX_SECTIONS:
        raise BinaryFormatError(f"{path}: {nsections} sections, more than {MAX_SECTIONS}")
    need(data, optional_at, 64, path, "the optional header's fixed part")
    image_base = struct.unpack_from("<Q" if wide else "<I", data, optional_at + (24 if wide else 28))[0]
    headers_size = struct.unpack_from("<I", data, optional_at + 60)[0]
    table = optional_at + optional_size
    need(data, table, 40 * nsections, path, "the section table")
    sections = []
    for index in range(nsections):
        virtual_size, address, raw_size, raw_offset = struct.unpack_from("<IIII", data, table + 40 * index + 8)
        sections.append(_Section(address, virtual_size, raw_offset, raw_size))
    return _Image(data, path, sections, headers_size, image_base, wide)


def _directories(data: Buffer, path: str, optional_at: int, optional_size: int, wide: bool) -> List[Tuple[int, int]]:
    """The 16 data directories (address, size); those the header leaves out are empty."""
    count_at = optional_at + (108 if wide else 92)
    found = [(0, 0)] * 16
    if count_at + 4 > optional_at + optional_size:
        return found
    count = min(struct.unpack_from("<I", data, count_at)[0], 16)
    first = count_at + 4
    for index in range(count):
        if first + 8 * (index + 1) > optional_at + optional_size:
            raise BinaryFormatError(f"{path}: data directory {index} leaves the optional header")
        found[index] = struct.unpack_from("<II", data, first + 8 * index)
    return found


def _imports(image: _Image, directory: Tuple[int, int], delayed: bool) -> Tuple[PEImport, ...]:
    rva, _size = directory
    if rva == 0:
        return ()
    entry = 32 if delayed else 20
    found: List[PEImport] = []
    for index in range(MAX_DLLS + 1):
        if index == MAX_DLLS:
            raise image.error(f"more than {MAX_DLLS} imported DLLs")
        what = f"{'delay-' if delayed else ''}import descriptor {index}"
        fields = image.unpack("<8I" if delayed else "<5I", rva + entry * index, what)
        if not any(fields):
            break
        if delayed:
            attributes, name_rva, _handle, address_table, name_table = fields[:5]
            base = 0 if attributes & 1 else image.image_base  # old descriptors hold addresses, not RVAs
            name_rva, lookup = name_rva - base, (name_table or address_table) - base
        else:
            original, _time, _chain, name_rva, first = fields
            lookup = original or first
        dll = image.name(name_rva, f"{what}'s DLL name")
        found.append(_thunks(image, dll, lookup, what))
    return tuple(found)


def _thunks(image: _Image, dll: str, rva: int, what: str) -> PEImport:
    """One DLL's lookup table: names through hint/name entries, or ordinals (the top bit)."""
    size = 8 if image.wide else 4
    ordinal_flag = 1 << (size * 8 - 1)
    names: List[str] = []
    ordinals: List[int] = []
    for index in range(MAX_IMPORTS + 1):
        if index == MAX_IMPORTS:
            raise image.error(f"{what}: more than {MAX_IMPORTS} imports from {dll}")
        image.spend(what)
        value = image.unpack("<Q" if image.wide else "<I", rva + size * index, f"{what}'s import {index}")[0]
        if value == 0:
            break
        if value & ordinal_flag:
            ordinals.append(value & 0xFFFF)
        else:
            names.append(image.name((value & 0x7FFFFFFF) + 2, f"{what}'s import {index} name"))
    return PEImport(dll, tuple(names), tuple(ordinals))


def _exports(image: _Image, directory: Tuple[int, int]) -> Tuple[str, ...]:
    rva, _size = directory
    if rva == 0:
        return ()
    fields = image.unpack("<10I", rva, "the export directory")
    count, names_rva = fields[6], fields[8]  # NumberOfNames, AddressOfNames
    if count > MAX_EXPORTS:
        raise image.error(f"{count} exported names, more than {MAX_EXPORTS}")
    if count == 0:
        return ()
    at = image.offset(names_rva, 4 * count, "the export name table")
    return tuple(
        image.name(name_rva, f"exported name {index}")
        for index, name_rva in enumerate(struct.unpack_from(f"<{count}I", image.data, at))
    )
