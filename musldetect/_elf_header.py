"""The ELF header and program headers: layouts, parsing and the platform-tag arch.

Pure parsing of bytes already in hand, shared by the file reader (``_elf.ELFFile``) and
the backends that read the headers of a mapped object in memory (``_backend_cffi``).
"""

from __future__ import annotations

import struct
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional, Protocol

    from ._types import ELFError

    class Reader(Protocol):
        """What the concept modules (dynamic, symbols, versions, notes) need of a file."""

        path: str
        bits: int
        byteorder: str
        machine: int
        segments: List[Segment]

        def read_at(self, offset: int, size: int, what: str) -> bytes: ...

        def segment_bytes(self, segment: Segment, what: str) -> bytes: ...

        def vaddr_to_offset(self, vaddr: int, size: int, what: str) -> int: ...

        def error(self, message: str) -> ELFError: ...


MAX_SEGMENTS = 4096
NATIVE_ORDER = "<" if sys.byteorder == "little" else ">"  # the byte order an array() reads in

PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE = 1, 2, 3, 4
PT_GNU_STACK = 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4
ET_REL, ET_EXEC, ET_DYN, ET_CORE = 1, 2, 3, 4
PN_XNUM = 0xFFFF

EM_386, EM_MIPS, EM_PPC, EM_PPC64, EM_S390, EM_ARM = 3, 8, 20, 21, 22, 40
EM_X86_64, EM_AARCH64, EM_RISCV, EM_LOONGARCH = 62, 183, 243, 258
EM_ALPHA = 0x9026  # no official number: the one binutils and Linux use
EF_ARM_ABIMASK, EF_ARM_ABI_VER5, EF_ARM_ABI_FLOAT_HARD = 0xFF000000, 0x05000000, 0x400

# (class, data) -> (header layout after e_ident, program header layout)
_LAYOUTS = {
    (1, "<"): ("<HHIIIIIHHHHHH", "<IIIIIIII"),
    (1, ">"): (">HHIIIIIHHHHHH", ">IIIIIIII"),
    (2, "<"): ("<HHIQQQIHHHHHH", "<IIQQQQQQ"),
    (2, ">"): (">HHIQQQIHHHHHH", ">IIQQQQQQ"),
}


class Segment:
    """One program header. A plain slotted class, not a NamedTuple: importing ``typing``
    would cost more at start-up than the detection it serves."""

    __slots__ = ("type", "flags", "offset", "vaddr", "filesz", "memsz", "align")

    def __init__(self, type: int, flags: int, offset: int, vaddr: int, filesz: int, memsz: int, align: int = 0) -> None:
        self.type, self.flags, self.offset, self.vaddr = type, flags, offset, vaddr
        self.filesz, self.memsz, self.align = filesz, memsz, align

    def __repr__(self) -> str:
        return (
            f"Segment(type={self.type}, flags={self.flags}, offset={self.offset}, vaddr={self.vaddr:#x}, "
            f"filesz={self.filesz}, memsz={self.memsz})"
        )

    @property
    def writable(self) -> bool:
        return bool(self.flags & PF_W)

    @property
    def executable(self) -> bool:
        return bool(self.flags & PF_X)


class SectionTable:
    """Where the section header table lies, as the ELF header says (not yet checked).
    Slotted like ``Segment``, for the same reason."""

    __slots__ = ("offset", "entry_size", "count")

    def __init__(self, offset: int, entry_size: int, count: int) -> None:
        self.offset, self.entry_size, self.count = offset, entry_size, count  # e_shoff, e_shentsize, e_shnum


class Header:
    """The ELF header's fields after e_ident."""

    __slots__ = (
        "type",
        "machine",
        "version",
        "entry",
        "phoff",
        "shoff",
        "flags",
        "ehsize",
        "phentsize",
        "phnum",
        "shentsize",
        "shnum",
        "shstrndx",
    )

    def __init__(
        self,
        type: int,
        machine: int,
        version: int,
        entry: int,
        phoff: int,
        shoff: int,
        flags: int,
        ehsize: int,
        phentsize: int,
        phnum: int,
        shentsize: int,
        shnum: int,
        shstrndx: int,
    ) -> None:
        self.type, self.machine, self.version, self.entry = type, machine, version, entry
        self.phoff, self.shoff, self.flags, self.ehsize = phoff, shoff, flags, ehsize
        self.phentsize, self.phnum = phentsize, phnum
        self.shentsize, self.shnum, self.shstrndx = shentsize, shnum, shstrndx


def header_size(bits: int) -> int:
    """The ELF header's size, e_ident included (52 or 64 bytes)."""
    return 16 + struct.calcsize(_LAYOUTS[(1 if bits == 32 else 2, "<")][0])


def parse_header(data: bytes, bits: int, byteorder: str) -> Header:
    """The fields of an ELF header given from its first byte, for a file or a mapped object."""
    return Header(*struct.unpack_from(_LAYOUTS[(1 if bits == 32 else 2, byteorder)][0], data, 16))


def program_header_size(bits: int) -> int:
    return struct.calcsize(_LAYOUTS[(1 if bits == 32 else 2, "<")][1])


def parse_program_headers(table: bytes, bits: int, byteorder: str) -> List[Segment]:
    """Program headers from their raw table, for a file or a mapped object alike."""
    fmt = _LAYOUTS[(1 if bits == 32 else 2, byteorder)][1]
    rows = struct.iter_unpack(fmt, table[: len(table) - len(table) % struct.calcsize(fmt)])
    if bits == 32:
        return [
            Segment(p_type, flags, offset, vaddr, filesz, memsz, align)
            for p_type, offset, vaddr, _paddr, filesz, memsz, flags, align in rows
        ]
    return [
        Segment(p_type, flags, offset, vaddr, filesz, memsz, align)
        for p_type, flags, offset, vaddr, _paddr, filesz, memsz, align in rows
    ]


# glibc's DEFAULT_STACK_PERMS: an object without PT_GNU_STACK asks for an executable stack
# on these (every glibc arch but aarch64, nios2, arc and tile); riscv64 and loongarch64
# are not judged here.
EXECUTABLE_DEFAULT_STACK = frozenset(
    {"x86_64", "i686", "armv7l", "armv5tel", "ppc64le", "ppc64", "s390x", "mips", "mipsel", "mips64", "mips64el"}
)
NON_EXECUTABLE_DEFAULT_STACK = frozenset({"aarch64", "aarch64_be"})


def asks_executable_stack(segments: List[Segment], arch: str) -> Optional[bool]:
    """Whether glibc's loader must make the stack executable for an object with these
    program headers: PT_GNU_STACK's execute flag, else the arch's default (None: unknown)."""
    return stack_is_executable(gnu_stack_flags(segments), arch)


def gnu_stack_flags(segments: List[Segment]) -> Optional[int]:
    """The first PT_GNU_STACK's p_flags (None: no such header)."""
    return next((segment.flags for segment in segments if segment.type == PT_GNU_STACK), None)


def stack_is_executable(stack_flags: Optional[int], arch: str) -> Optional[bool]:
    """``asks_executable_stack`` from PT_GNU_STACK's flags (None: no such header), however read."""
    if stack_flags is not None:
        return bool(stack_flags & PF_X)
    if arch in EXECUTABLE_DEFAULT_STACK:
        return True
    return False if arch in NON_EXECUTABLE_DEFAULT_STACK else None


def readonly_loads(segments: List[Segment]) -> List[Segment]:
    """Loaded, non-writable segments in search order: data-only ones first, the highest
    address first (read-only data follows the headers and symbol tables), then executable."""
    loads = [s for s in segments if s.type == PT_LOAD and not s.writable and s.filesz]
    return sorted(loads, key=lambda s: (s.executable, -s.vaddr))


def elf_arch(machine: int, bits: int, byteorder: str, flags: int) -> str:
    little = byteorder == "<"
    if machine == EM_X86_64:
        return "x86_64" if bits == 64 else "x32"
    if machine == EM_386:
        return "i686"
    if machine == EM_AARCH64:
        return "aarch64" if little else "aarch64_be"
    if machine == EM_ARM:
        hard = (flags & EF_ARM_ABIMASK) == EF_ARM_ABI_VER5 and flags & EF_ARM_ABI_FLOAT_HARD
        return ("armv7l" if hard else "armv5tel") if little else "armeb"
    if machine == EM_PPC64:
        return "ppc64le" if little else "ppc64"
    if machine == EM_PPC:
        return "ppcle" if little else "ppc"
    if machine == EM_S390:
        return "s390x" if bits == 64 else "s390"
    if machine == EM_RISCV:
        return f"riscv{bits}"
    if machine == EM_LOONGARCH:
        return f"loongarch{bits}"
    if machine == EM_MIPS:
        return ("mips64" if bits == 64 else "mips") + ("el" if little else "")
    return f"unknown_machine_{machine}"
