"""A tiny Mach-O and PE writer for tests and the fuzzer: the layouts real wheels do not
cover (32-bit and big-endian Mach-O, 64-bit fat headers, iOS platforms, delay-loaded and
ordinal PE imports), each read back by lief in tests/test_formats.py so the writer is
held to an independent reader too.
"""

from __future__ import annotations

import struct
from typing import List, Optional, Sequence, Tuple

CPU_X86_64, CPU_ARM64, CPU_I386, CPU_PPC = 0x01000007, 0x0100000C, 7, 18
LC_LOAD_DYLIB, LC_ID_DYLIB, LC_LOAD_WEAK_DYLIB, LC_RPATH = 0xC, 0xD, 0x80000018, 0x8000001C
LC_REEXPORT_DYLIB, LC_SYMTAB, LC_BUILD_VERSION, LC_VERSION_MIN_MACOSX = 0x8000001F, 0x2, 0x32, 0x24
MH_BUNDLE, MH_DYLIB = 8, 6


def _pad(data: bytes, align: int) -> bytes:
    return data + b"\0" * (-len(data) % align)


def macho(
    cpu: int = CPU_ARM64,
    *,
    bits: int = 64,
    order: str = "<",
    filetype: int = MH_BUNDLE,
    dylibs: Sequence[Tuple[int, str]] = ((LC_LOAD_DYLIB, "/usr/lib/libSystem.B.dylib"),),
    rpaths: Sequence[str] = (),
    install_name: Optional[str] = None,
    minimum: Optional[Tuple[int, int, int]] = (11, 0, 0),
    platform: int = 1,
    version_min: bool = False,
    undefined: Sequence[str] = ("_PyList_New",),
    defined: Sequence[str] = ("_PyInit_demo",),
) -> bytes:
    """A thin Mach-O file: its header, load commands and an nlist symbol table."""
    commands: List[bytes] = []
    for cmd, name in ([(LC_ID_DYLIB, install_name)] if install_name else []) + list(dylibs):
        body = _pad(name.encode() + b"\0", 8)
        commands.append(struct.pack(order + "IIIIII", cmd, 24 + len(body), 24, 2, 0x10000, 0x10000) + body)
    for path in rpaths:
        body = _pad(path.encode() + b"\0", 8)
        commands.append(struct.pack(order + "III", LC_RPATH, 12 + len(body), 12) + body)
    if minimum is not None:
        packed = (minimum[0] << 16) | (minimum[1] << 8) | minimum[2]
        if version_min:
            commands.append(struct.pack(order + "IIII", LC_VERSION_MIN_MACOSX, 16, packed, packed))
        else:
            commands.append(struct.pack(order + "IIIIII", LC_BUILD_VERSION, 24, platform, packed, packed, 0))
    header_size = 32 if bits == 64 else 28
    sizeofcmds = sum(map(len, commands)) + 24
    strings = b"\0" + b"".join(name.encode() + b"\0" for name in list(undefined) + list(defined))
    symoff = header_size + sizeofcmds
    entry = struct.Struct(order + ("IBBHQ" if bits == 64 else "IBBHI"))
    table, at = b"", 1
    for name in undefined:
        table += entry.pack(at, 0x01, 0, 0x100, 0)  # N_UNDF | N_EXT, library ordinal 1
        at += len(name) + 1
    for name in defined:
        table += entry.pack(at, 0x0F, 1, 0, 0x1000)  # N_SECT | N_EXT
        at += len(name) + 1
    stroff = symoff + len(table)
    commands.append(
        struct.pack(order + "IIIIII", LC_SYMTAB, 24, symoff, len(undefined) + len(defined), stroff, len(strings))
    )
    magic = 0xFEEDFACF if bits == 64 else 0xFEEDFACE
    header = struct.pack(order + "IiIIIII", magic, cpu, 0, filetype, len(commands), sizeofcmds, 0)
    if bits == 64:
        header += b"\0" * 4
    return header + b"".join(commands) + table + strings


def fat(slices: Sequence[Tuple[int, bytes]], *, wide: bool = False, align: int = 12) -> bytes:
    """A fat (universal) file of (cpu type, thin image) slices, each aligned to 2**align."""
    entry = 32 if wide else 20
    offset = _align_up(8 + entry * len(slices), 1 << align)
    table, body = b"", b""
    for cpu, image in slices:
        start = offset + len(body)
        if wide:
            table += struct.pack(">iIQQII", cpu, 0, start, len(image), align, 0)
        else:
            table += struct.pack(">iIIII", cpu, 0, start, len(image), align)
        body += _pad(image, 1 << align)
    head = struct.pack(">II", 0xCAFEBABF if wide else 0xCAFEBABE, len(slices)) + table
    return head + b"\0" * (offset - len(head)) + body


def _align_up(value: int, align: int) -> int:
    return value + (-value % align)


MACHINE_AMD64, MACHINE_I386, MACHINE_ARM64 = 0x8664, 0x14C, 0xAA64


def pe(
    machine: int = MACHINE_AMD64,
    *,
    imports: Sequence[Tuple[str, Sequence[object]]] = (
        ("python3.dll", ("PyList_New",)),
        ("KERNEL32.dll", ("GetLastError",)),
    ),
    delay_imports: Sequence[Tuple[str, Sequence[object]]] = (),
    exports: Sequence[str] = ("PyInit_demo",),
) -> bytes:
    """A PE32 (i386) or PE32+ image with one section holding its import, delay-import and
    export tables; an import given as an int is by ordinal."""
    wide = machine != MACHINE_I386
    rva_base, raw_base = 0x1000, 0x400
    section = bytearray()

    def place(data: bytes, align: int = 8) -> int:
        section.extend(b"\0" * (-len(section) % align))
        at = len(section)
        section.extend(data)
        return rva_base + at

    thunk = struct.Struct("<Q" if wide else "<I")
    ordinal_flag = 1 << (63 if wide else 31)

    def lookup(names: Sequence[object]) -> int:
        entries = []
        for name in names:
            by_name = not isinstance(name, int)
            entries.append(place(b"\0\0" + str(name).encode() + b"\0", 2) if by_name else ordinal_flag | int(str(name)))
        return place(b"".join(thunk.pack(e) for e in entries) + thunk.pack(0))

    descriptors = b""
    for dll, names in imports:
        name_rva, table = place(dll.encode() + b"\0"), lookup(names)
        descriptors += struct.pack("<5I", table, 0, 0, name_rva, table)
    import_rva = place(descriptors + b"\0" * 20) if imports else 0
    delayed = b""
    for dll, names in delay_imports:
        name_rva, table = place(dll.encode() + b"\0"), lookup(names)
        delayed += struct.pack("<8I", 1, name_rva, 0, table, table, 0, 0, 0)
    delay_rva = place(delayed + b"\0" * 32) if delay_imports else 0
    export_rva = 0
    if exports:
        name_rvas = [place(name.encode() + b"\0") for name in sorted(exports)]
        names_table = place(struct.pack(f"<{len(name_rvas)}I", *name_rvas))
        ordinals = place(struct.pack(f"<{len(name_rvas)}H", *range(len(name_rvas))))
        functions = place(struct.pack(f"<{len(name_rvas)}I", *([rva_base] * len(name_rvas))))
        dll_name = place(b"demo.pyd\0")
        export_rva = place(
            struct.pack(
                "<IIHHIIIIIII",
                0,
                0,
                0,
                0,
                dll_name,
                1,
                len(name_rvas),
                len(name_rvas),
                functions,
                names_table,
                ordinals,
            )
        )
    raw = _pad(bytes(section), 0x200)
    directories = [(0, 0)] * 16
    directories[0] = (export_rva, 40 if export_rva else 0)
    directories[1] = (import_rva, 20 * (len(imports) + 1) if import_rva else 0)
    directories[13] = (delay_rva, 32 * (len(delay_imports) + 1) if delay_rva else 0)
    dirs = b"".join(struct.pack("<II", *d) for d in directories)
    if wide:
        optional = struct.pack("<HBBIIIII", 0x20B, 14, 0, len(raw), 0, 0, 0, rva_base) + struct.pack(
            "<QIIHHHHHHIIIIHHQQQQII",
            0x180000000,
            0x1000,
            0x200,
            6,
            0,
            0,
            0,
            6,
            0,
            0,
            rva_base + len(raw) + 0x1000,
            raw_base,
            0,
            2,
            0x160,
            0x100000,
            0x1000,
            0x100000,
            0x1000,
            0,
            16,
        )
    else:
        optional = struct.pack("<HBBIIIIII", 0x10B, 14, 0, len(raw), 0, 0, 0, rva_base, rva_base) + struct.pack(
            "<IIIHHHHHHIIIIHHIIIIII",
            0x10000000,
            0x1000,
            0x200,
            6,
            0,
            0,
            0,
            6,
            0,
            0,
            rva_base + len(raw) + 0x1000,
            raw_base,
            0,
            2,
            0x140,
            0x100000,
            0x1000,
            0x100000,
            0x1000,
            0,
            16,
        )
    optional += dirs
    coff = struct.pack("<HHIIIHH", machine, 1, 0, 0, 0, len(optional), 0x2022)
    section_header = struct.pack(
        "<8sIIIIIIHHI", b".rdata", max(len(section), 1), rva_base, len(raw), raw_base, 0, 0, 0, 0, 0x40000040
    )
    dos = b"MZ" + b"\0" * 0x3A + struct.pack("<I", 0x40)
    headers = _pad(dos + b"PE\0\0" + coff + optional + section_header, 0x200)
    assert len(headers) <= raw_base
    return headers + b"\0" * (raw_base - len(headers)) + raw
