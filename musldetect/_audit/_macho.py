"""Mach-O files, thin and fat (universal): per slice its CPU, minimum OS, the dylibs it
loads, its rpaths and install name, and its undefined and ``_PyInit_*`` symbols.

Read from a buffer (bytes or a read-only map of the file): every count, offset and size
is checked against the file and the load-command area before it is used, so hostile input
gives a ``BinaryFormatError`` naming the field, never a crash or an unbounded loop. Only
the load commands and the symbol table are read; nothing is ever executed or resolved.
"""

from __future__ import annotations

import struct
from typing import List, NamedTuple, Optional, Tuple

from .._types import BinaryFormatError
from ._formats_io import Buffer, cstring, need

MH_MAGIC, MH_MAGIC_64 = 0xFEEDFACE, 0xFEEDFACF
FAT_MAGIC, FAT_MAGIC_64 = 0xCAFEBABE, 0xCAFEBABF
MAGICS = (
    b"\xfe\xed\xfa\xce",
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"\xca\xfe\xba\xbf",
)
MAX_SLICES = 32  # more is no Mach-O: 0xcafebabe also starts a Java class file (then a version >= 45)
MAX_COMMANDS_SIZE = 16 << 20
MAX_SYMBOLS = 1 << 24
MAX_DYLIBS, MAX_RPATHS = 4096, 1024  # per slice; real files have tens: the judge's work is their product

LC_REQ_DYLD = 0x80000000
LC_SYMTAB, LC_LOAD_DYLIB, LC_ID_DYLIB = 0x2, 0xC, 0xD
LC_LOAD_WEAK_DYLIB, LC_RPATH = 0x18 | LC_REQ_DYLD, 0x1C | LC_REQ_DYLD
LC_REEXPORT_DYLIB, LC_LAZY_LOAD_DYLIB, LC_LOAD_UPWARD_DYLIB = 0x1F | LC_REQ_DYLD, 0x20, 0x23 | LC_REQ_DYLD
LC_VERSION_MIN_MACOSX, LC_VERSION_MIN_IPHONEOS = 0x24, 0x25
LC_VERSION_MIN_TVOS, LC_VERSION_MIN_WATCHOS, LC_BUILD_VERSION = 0x2F, 0x30, 0x32
DYLIB_KINDS = {
    LC_LOAD_DYLIB: "load",
    LC_LOAD_WEAK_DYLIB: "weak",
    LC_REEXPORT_DYLIB: "reexport",
    LC_LAZY_LOAD_DYLIB: "lazy",
    LC_LOAD_UPWARD_DYLIB: "upward",
}
VERSION_MIN_PLATFORMS = {
    LC_VERSION_MIN_MACOSX: "macos",
    LC_VERSION_MIN_IPHONEOS: "ios",
    LC_VERSION_MIN_TVOS: "tvos",
    LC_VERSION_MIN_WATCHOS: "watchos",
}
# LC_BUILD_VERSION's platform numbers (<mach-o/loader.h>).
PLATFORMS = {
    1: "macos",
    2: "ios",
    3: "tvos",
    4: "watchos",
    5: "bridgeos",
    6: "maccatalyst",
    7: "iossimulator",
    8: "tvossimulator",
    9: "watchossimulator",
    10: "driverkit",
    11: "visionos",
    12: "visionossimulator",
}

CPU_ARCH_ABI64, CPU_ARCH_ABI64_32 = 0x01000000, 0x02000000
CPU_TYPE_X86, CPU_TYPE_ARM, CPU_TYPE_POWERPC = 7, 12, 18
CPU_SUBTYPE_MASK = 0x00FFFFFF
N_STAB, N_TYPE, N_EXT, N_UNDF, N_SECT = 0xE0, 0x0E, 0x01, 0x0, 0xE


class Dylib(NamedTuple):
    """One library a slice loads: its install name as written (``@rpath/...``) and how."""

    name: str
    kind: str  # "load", "weak", "reexport", "lazy" or "upward"


class MachOSlice(NamedTuple):
    """One architecture's image: a thin file has one, a fat file one per arch."""

    arch: str  # "arm64", "x86_64", "i386", "arm64e", ...
    cpu_type: int
    cpu_subtype: int
    bits: int
    filetype: int  # MH_EXECUTE 2, MH_DYLIB 6, MH_BUNDLE 8 (Python extensions), ...
    platform: Optional[str]  # "macos", "ios", "iossimulator", ...; None when no command says
    minimum: Optional[Tuple[int, int, int]]  # the lowest OS version it runs on
    dylibs: Tuple[Dylib, ...]
    rpaths: Tuple[str, ...]
    install_name: Optional[str]  # LC_ID_DYLIB
    undefined: Tuple[str, ...]  # external undefined symbols (N_UNDF | N_EXT), as named ("_PyList_New")
    py_init: Tuple[str, ...]  # defined external _PyInit_* symbols


class MachOFile(NamedTuple):
    fat: bool
    slices: Tuple[MachOSlice, ...]


def is_macho(head: bytes) -> bool:
    return head[:4] in MAGICS


def arch_name(cpu_type: int, cpu_subtype: int) -> str:
    """The name Apple's tools (and wheel tags) give a CPU type."""
    sub = cpu_subtype & CPU_SUBTYPE_MASK
    if cpu_type == CPU_TYPE_X86 | CPU_ARCH_ABI64:
        return "x86_64h" if sub == 8 else "x86_64"
    if cpu_type == CPU_TYPE_X86:
        return "i386"
    if cpu_type == CPU_TYPE_ARM | CPU_ARCH_ABI64:
        return "arm64e" if sub == 2 else "arm64"
    if cpu_type == CPU_TYPE_ARM | CPU_ARCH_ABI64_32:
        return "arm64_32"
    if cpu_type == CPU_TYPE_ARM:
        return {9: "armv7", 11: "armv7s", 12: "armv7k"}.get(sub, "arm")
    if cpu_type == CPU_TYPE_POWERPC:
        return "ppc"
    if cpu_type == CPU_TYPE_POWERPC | CPU_ARCH_ABI64:
        return "ppc64"
    return f"unknown_cpu_{cpu_type}"


def read_macho(data: Buffer, path: str) -> MachOFile:
    """The slices of a thin or fat Mach-O file held in ``data``."""
    need(data, 0, 8, path, "the Mach-O magic")
    magic = struct.unpack_from(">I", data, 0)[0]
    if magic in (FAT_MAGIC, FAT_MAGIC_64):
        return MachOFile(
            True,
            tuple(
                _read_slice(data, offset, size, path) for offset, size in _fat_slices(data, path, magic == FAT_MAGIC_64)
            ),
        )
    return MachOFile(False, (_read_slice(data, 0, len(data), path),))


def _fat_slices(data: Buffer, path: str, wide: bool) -> List[Tuple[int, int]]:
    count = struct.unpack_from(">I", data, 4)[0]
    if not 0 < count <= MAX_SLICES:
        raise BinaryFormatError(f"{path}: a fat header with {count} slices (1 to {MAX_SLICES} allowed)")
    entry = 32 if wide else 20
    need(data, 8, count * entry, path, "the fat arch table")
    slices: List[Tuple[int, int]] = []
    for index in range(count):
        at = 8 + index * entry
        if wide:
            offset, size = struct.unpack_from(">QQ", data, at + 8)
        else:
            offset, size = struct.unpack_from(">II", data, at + 8)
        need(data, offset, size, path, f"fat slice {index}")
        if offset < 8 + count * entry or any(offset < o + s and o < offset + size for o, s in slices):
            raise BinaryFormatError(f"{path}: fat slice {index} at {offset} overlaps the header or another slice")
        slices.append((offset, size))
    return slices


class _Header(NamedTuple):
    order: str
    bits: int
    cpu_type: int
    cpu_subtype: int
    filetype: int
    ncmds: int
    sizeofcmds: int


def _header(data: Buffer, base: int, size: int, path: str) -> _Header:
    if size < 28:
        raise BinaryFormatError(f"{path}: a Mach-O slice of {size} bytes is shorter than its header")
    raw = bytes(data[base : base + 4])
    orders = {
        b"\xce\xfa\xed\xfe": ("<", 32),
        b"\xcf\xfa\xed\xfe": ("<", 64),
        b"\xfe\xed\xfa\xce": (">", 32),
        b"\xfe\xed\xfa\xcf": (">", 64),
    }
    if raw not in orders:
        raise BinaryFormatError(f"{path}: no Mach-O magic at offset {base} ({raw.hex()})")
    order, bits = orders[raw]
    cpu_type, cpu_subtype, filetype, ncmds, sizeofcmds = struct.unpack_from(order + "iIIII", data, base + 4)
    return _Header(order, bits, cpu_type & 0xFFFFFFFF, cpu_subtype, filetype, ncmds, sizeofcmds)


class _Commands(NamedTuple):
    platform: Optional[str]
    minimum: Optional[Tuple[int, int, int]]
    dylibs: Tuple[Dylib, ...]
    rpaths: Tuple[str, ...]
    install_name: Optional[str]
    symtab: Optional[Tuple[int, int, int, int]]  # symoff, nsyms, stroff, strsize


def _read_slice(data: Buffer, base: int, size: int, path: str) -> MachOSlice:
    header = _header(data, base, size, path)
    start = base + (32 if header.bits == 64 else 28)
    if header.sizeofcmds > MAX_COMMANDS_SIZE or start + header.sizeofcmds > base + size:
        raise BinaryFormatError(f"{path}: sizeofcmds {header.sizeofcmds} leaves the slice at {base}")
    if header.ncmds > header.sizeofcmds // 8:
        raise BinaryFormatError(f"{path}: {header.ncmds} load commands cannot fit in {header.sizeofcmds} bytes")
    commands = _load_commands(data, start, header, path)
    undefined: Tuple[str, ...] = ()
    py_init: Tuple[str, ...] = ()
    if commands.symtab is not None:
        undefined, py_init = _symbols(data, base, size, header, commands.symtab, path)
    return MachOSlice(
        arch_name(header.cpu_type, header.cpu_subtype),
        header.cpu_type,
        header.cpu_subtype,
        header.bits,
        header.filetype,
        commands.platform,
        commands.minimum,
        commands.dylibs,
        commands.rpaths,
        commands.install_name,
        undefined,
        py_init,
    )


def _version(packed: int) -> Tuple[int, int, int]:
    """xxxx.yy.zz nibbles, as Mach-O packs an OS version."""
    return packed >> 16, (packed >> 8) & 0xFF, packed & 0xFF


def _load_commands(data: Buffer, start: int, header: _Header, path: str) -> _Commands:
    order, end = header.order, start + header.sizeofcmds
    platform: Optional[str] = None
    minimum: Optional[Tuple[int, int, int]] = None
    dylibs: List[Dylib] = []
    rpaths: List[str] = []
    install_name: Optional[str] = None
    symtab: Optional[Tuple[int, int, int, int]] = None
    at = start
    for index in range(header.ncmds):
        if at + 8 > end:
            raise BinaryFormatError(f"{path}: load command {index} at {at} leaves the load-command area")
        cmd, cmdsize = struct.unpack_from(order + "II", data, at)
        if cmdsize < 8 or at + cmdsize > end:
            raise BinaryFormatError(f"{path}: load command {index} ({cmd:#x}) has size {cmdsize}, out of bounds")
        body = bytes(data[at : at + cmdsize])
        what = f"load command {index} ({cmd:#x})"
        if cmd in DYLIB_KINDS or cmd in (LC_ID_DYLIB, LC_RPATH):
            name = _lc_str(body, order, path, what)
            if cmd == LC_RPATH:
                rpaths.append(name)
            elif cmd == LC_ID_DYLIB:
                install_name = name
            else:
                dylibs.append(Dylib(name, DYLIB_KINDS[cmd]))
        elif cmd == LC_BUILD_VERSION or cmd in VERSION_MIN_PLATFORMS:
            if minimum is not None:
                raise BinaryFormatError(f"{path}: {what} is a second minimum-version command")
            platform, minimum = _version_command(cmd, body, order, f"{path}: {what}")
        elif cmd == LC_SYMTAB:
            if cmdsize < 24 or symtab is not None:
                raise BinaryFormatError(f"{path}: {what}: a short or second LC_SYMTAB")
            symoff, nsyms, stroff, strsize = struct.unpack_from(order + "IIII", body, 8)
            symtab = (symoff, nsyms, stroff, strsize)
        at += cmdsize
    if len(dylibs) > MAX_DYLIBS or len(rpaths) > MAX_RPATHS:
        raise BinaryFormatError(
            f"{path}: {len(dylibs)} dylibs and {len(rpaths)} rpaths, more than {MAX_DYLIBS} and {MAX_RPATHS} allowed"
        )
    return _Commands(platform, minimum, tuple(dylibs), tuple(rpaths), install_name, symtab)


def _version_command(cmd: int, body: bytes, order: str, where: str) -> Tuple[str, Tuple[int, int, int]]:
    """The platform and minimum OS of LC_BUILD_VERSION or an LC_VERSION_MIN_* command."""
    if len(body) < 16:
        raise BinaryFormatError(f"{where} is {len(body)} bytes, too short for a version")
    if cmd == LC_BUILD_VERSION:
        number, packed = struct.unpack_from(order + "II", body, 8)
        return PLATFORMS.get(number, f"platform_{number}"), _version(packed)
    return VERSION_MIN_PLATFORMS[cmd], _version(struct.unpack_from(order + "I", body, 8)[0])


def _lc_str(body: bytes, order: str, path: str, what: str) -> str:
    if len(body) < 12:
        raise BinaryFormatError(f"{path}: {what} is too short for a name")
    offset = struct.unpack_from(order + "I", body, 8)[0]
    if not 12 <= offset < len(body):
        raise BinaryFormatError(f"{path}: {what}: name offset {offset} outside its {len(body)} bytes")
    return cstring(body, offset, len(body), path, what)


def _symbols(
    data: Buffer, base: int, size: int, header: _Header, symtab: Tuple[int, int, int, int], path: str
) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """The external undefined names and the defined _PyInit_* names of the nlist table."""
    symoff, nsyms, stroff, strsize = symtab
    entry = 16 if header.bits == 64 else 12
    if nsyms > MAX_SYMBOLS:
        raise BinaryFormatError(f"{path}: {nsyms} symbols, more than {MAX_SYMBOLS}")
    if symoff + nsyms * entry > size or stroff + strsize > size:
        raise BinaryFormatError(f"{path}: the symbol or string table leaves the slice at {base}")
    table = bytes(data[base + symoff : base + symoff + nsyms * entry])
    strings = bytes(data[base + stroff : base + stroff + strsize])
    fmt = header.order + ("IBBHQ" if header.bits == 64 else "IBBHI")
    undefined: List[str] = []
    py_init: List[str] = []
    for strx, n_type, _sect, _desc, value in struct.iter_unpack(fmt, table):
        if n_type & N_STAB or not n_type & N_EXT:
            continue
        kind = n_type & N_TYPE
        if kind == N_UNDF and value == 0:
            undefined.append(_symbol_name(strings, strx, path))
        elif kind == N_SECT and strings.startswith(b"_PyInit_", strx):  # only these are decoded
            py_init.append(_symbol_name(strings, strx, path))
    return tuple(undefined), tuple(py_init)


def _symbol_name(strings: bytes, strx: int, path: str) -> str:
    if strx >= len(strings):
        raise BinaryFormatError(f"{path}: a symbol's name index {strx} leaves the string table")
    return cstring(strings, strx, len(strings), path, "a symbol name")
