"""A tiny ELF writer for tests: ELF32/ELF64, little or big endian, chosen segments.

Segments are laid out one after another after the program header table; each gets a
file offset and (unless given) a virtual address equal to it. Any header or program
header field can be overridden to build malformed files.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Dict, List, Optional

PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
PF_X, PF_W, PF_R = 1, 2, 4
ET_EXEC, ET_DYN = 2, 3
EM_X86_64, EM_386, EM_ARM, EM_AARCH64, EM_S390, EM_PPC64 = 62, 3, 40, 183, 22, 21


@dataclass
class Seg:
    type: int
    data: bytes = b""
    flags: int = PF_R
    vaddr: Optional[int] = None
    memsz: Optional[int] = None
    overrides: Dict[str, int] = field(default_factory=dict)  # offset, filesz, memsz, vaddr


def build(
    segments: List[Seg],
    *,
    bits: int = 64,
    byteorder: str = "<",
    machine: int = EM_X86_64,
    etype: int = ET_DYN,
    flags: int = 0,
    header: Optional[Dict[str, int]] = None,
    ident: Optional[bytes] = None,
) -> bytes:
    header = dict(header or {})
    e_fmt = byteorder + ("HHIIIIIHHHHHH" if bits == 32 else "HHIQQQIHHHHHH")
    p_fmt = byteorder + ("IIIIIIII" if bits == 32 else "IIQQQQQQ")
    ehsize = 16 + struct.calcsize(e_fmt)
    phentsize = struct.calcsize(p_fmt)
    offset = ehsize + phentsize * len(segments)
    phdrs = b""
    blobs = b""
    for seg in segments:
        memsz = seg.memsz if seg.memsz is not None else len(seg.data)
        values = {
            "offset": offset,
            "filesz": len(seg.data),
            "memsz": memsz,
            "vaddr": seg.vaddr if seg.vaddr is not None else offset,
        }
        values.update(seg.overrides)
        if bits == 32:
            phdrs += struct.pack(
                p_fmt,
                seg.type,
                values["offset"],
                values["vaddr"],
                values["vaddr"],
                values["filesz"],
                values["memsz"],
                seg.flags,
                1,
            )
        else:
            phdrs += struct.pack(
                p_fmt,
                seg.type,
                seg.flags,
                values["offset"],
                values["vaddr"],
                values["vaddr"],
                values["filesz"],
                values["memsz"],
                1,
            )
        blobs += seg.data
        offset += len(seg.data)
    fields = {
        "type": etype,
        "machine": machine,
        "version": 1,
        "entry": 0,
        "phoff": ehsize,
        "shoff": 0,
        "flags": flags,
        "ehsize": ehsize,
        "phentsize": phentsize,
        "phnum": len(segments),
        "shentsize": 0,
        "shnum": 0,
        "shstrndx": 0,
    }
    fields.update(header)
    if ident is None:
        ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 1 if byteorder == "<" else 2, 1]) + bytes(9)
    return ident + struct.pack(e_fmt, *fields.values()) + phdrs + blobs


def dynamic(entries: List[tuple], *, bits: int = 64, byteorder: str = "<") -> bytes:
    fmt = byteorder + ("iI" if bits == 32 else "qQ")
    return b"".join(struct.pack(fmt, tag, value) for tag, value in entries) + struct.pack(fmt, 0, 0)


def musl_loader(
    version: bytes = b"1.2.3",
    *,
    bits: int = 64,
    byteorder: str = "<",
    machine: int = EM_X86_64,
    before: bytes = b"\x00",
    extra: bytes = b"",
    exec_segment: bool = False,
    flags: int = 0,
) -> bytes:
    """A file shaped like musl's libc.so: the loader banner and a version string in rodata."""
    rodata = (
        b"\x00musl libc (x86_64)\nVersion %s\nDynamic Program Loader\n\x00LINUX_2.6.39\x00"
        b"127.0.0.1\x00" + extra + before + version + b"\x00tail\x00"
    )
    return build(
        [Seg(PT_LOAD, rodata, PF_R | (PF_X if exec_segment else 0))],
        bits=bits,
        byteorder=byteorder,
        machine=machine,
        flags=flags,
    )


def executable(
    interp: bytes, *, bits: int = 64, byteorder: str = "<", machine: int = EM_X86_64, flags: int = 0
) -> bytes:
    return build(
        [Seg(PT_INTERP, interp), Seg(PT_LOAD, b"\x00code\x00", PF_R | PF_X)],
        bits=bits,
        byteorder=byteorder,
        machine=machine,
        etype=ET_EXEC,
        flags=flags,
    )
