"""The C library as it is mapped into this process: the in-memory algorithm the cffi and
ctypes backends share, over the few primitives each provides (``Access``).

The libc object is found with ``dladdr`` on ``dl_iterate_phdr`` and its program headers
are read through its in-memory ELF header, so no callback into Python is needed
(callbacks want writable+executable memory, which hardened systems refuse). Nothing needs
/proc. The version rules are the shared Python ones (``_rules``), imported with the
dynamic-section reader only when the C library is not glibc: a glibc process asks
``gnu_get_libc_version`` and pays for neither at start-up.
"""

from __future__ import annotations

import struct
import sys

from . import _elf_header
from ._elf_header import PT_DYNAMIC, PT_INTERP, PT_LOAD, Segment
from ._types import RawLibc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional, Protocol, Tuple

    class Access(Protocol):
        """What a backend gives the algorithm: reads of mapped memory and four C calls."""

        def read(self, address: int, size: int) -> bytes: ...

        def view(self, address: int, size: int) -> memoryview: ...

        def getauxval(self, kind: int) -> int: ...

        def dladdr(self, address: int) -> Tuple[Optional[str], int]: ...  # (file name, base)

        def address_of(self, name: str) -> int: ...  # 0 when this process has no such symbol

        def gnu_get_libc_version(self) -> str: ...


AT_PHDR, AT_PHNUM = 3, 5
PT_PHDR = 6
BITS = struct.calcsize("P") * 8
_ORDER = "<" if sys.byteorder == "little" else ">"
_PHDR_SIZE = _elf_header.program_header_size(BITS)


def _program_headers(access: Access, phdr_address: int, count: int) -> List[Segment]:
    return _elf_header.parse_program_headers(access.read(phdr_address, count * _PHDR_SIZE), BITS, _ORDER)


def _object_headers(access: Access, base: int) -> Tuple[int, List[Segment]]:
    """(load bias, program headers) of the object whose ELF header is mapped at ``base``."""
    data = access.read(base, _elf_header.header_size(BITS))
    if data[:4] != b"\x7fELF":
        raise OSError(f"dladdr base {base:#x} holds no ELF header")
    header = _elf_header.parse_header(data, BITS, _ORDER)
    if header.phentsize != _PHDR_SIZE or not 0 < header.phnum < _elf_header.MAX_SEGMENTS:
        raise OSError(
            f"unexpected program header table at {base:#x} (e_phentsize {header.phentsize}, e_phnum {header.phnum})"
        )
    headers = _program_headers(access, base + header.phoff, header.phnum)
    first_load = min((h for h in headers if h.type == PT_LOAD), key=lambda h: h.vaddr)
    return base - (first_load.vaddr - first_load.offset), headers


def _main_program(access: Access) -> Tuple[Optional[str], int]:
    """The main program's PT_INTERP and where its program headers are mapped, from the
    auxiliary vector (0 when the vector says nothing)."""
    phdr, count = access.getauxval(AT_PHDR), access.getauxval(AT_PHNUM)
    if not phdr or not count:
        return None, 0
    headers = _program_headers(access, phdr, count)
    bias = next((phdr - h.vaddr for h in headers if h.type == PT_PHDR), None)
    interp = None
    for h in headers:
        if h.type == PT_INTERP and bias is not None and _inside_a_load(headers, h.vaddr, h.filesz):
            text = access.read(bias + h.vaddr, h.filesz)
            interp = text.split(b"\x00", 1)[0].decode(sys.getfilesystemencoding(), "surrogateescape")
    return interp, phdr


def _inside_a_load(headers: List[Segment], vaddr: int, size: int) -> bool:
    """True when [vaddr, vaddr + size) is file data of one PT_LOAD, so it is mapped."""
    return any(h.type == PT_LOAD and h.vaddr <= vaddr and vaddr + size <= h.vaddr + h.filesz for h in headers)


def _inside(address: int, ranges: List[Tuple[int, int]]) -> bool:
    return any(start <= address < start + size for start, size in ranges)


def _dynamic_strings(
    access: Access, bias: int, headers: List[Segment], ranges: List[Tuple[int, int]]
) -> Optional[bytes]:
    from ._elf_dynamic import DT_STRSZ, DT_STRTAB, dynamic_table, parse_dynamic

    for h in headers:
        if h.type != PT_DYNAMIC or not _inside_a_load(headers, h.vaddr, h.filesz):
            continue
        values = dynamic_table(parse_dynamic(access.read(bias + h.vaddr, h.filesz), BITS, _ORDER))
        if DT_STRTAB not in values or DT_STRSZ not in values:
            return None
        # glibc relocates these entries in memory, musl leaves them as link-time addresses.
        strtab = values[DT_STRTAB][0]
        address = strtab if strtab >= bias else bias + strtab
        size = values[DT_STRSZ][0]
        if _inside(address, ranges) and _inside(address + size - 1, ranges):
            return access.read(address, size)
    return None


def detect_libc(access: Access) -> RawLibc:
    """Uncached: the C library object that defines dl_iterate_phdr in this process."""
    interp, main_phdr = _main_program(access)
    path, base = access.dladdr(access.address_of("dl_iterate_phdr"))
    if not base:
        raise OSError("dladdr failed for dl_iterate_phdr")
    bias, headers = _object_headers(access, base)
    ranges = [(bias + h.vaddr, h.memsz) for h in headers if h.type == PT_LOAD]
    # No loader means static (static-pie included), unless the kernel's program is the C
    # library itself: a process started as "ld-musl-x86_64.so.1 python3 ...".
    started_through_loader = bool(main_phdr) and interp is None and _inside(main_phdr, ranges)
    static = bool(main_phdr) and interp is None and not started_through_loader
    if started_through_loader and sys.executable:
        from ._libcfile import program_interpreter

        interp = program_interpreter(sys.executable)
    gnu = access.address_of("gnu_get_libc_version")  # musl has none
    if gnu and _inside(gnu, ranges):
        return RawLibc("glibc", access.gnu_get_libc_version(), path, static, interp)
    from . import _rules

    segments = (access.view(bias + h.vaddr, h.filesz) for h in _elf_header.readonly_loads(headers))
    is_musl, version, reason = _rules.musl_version_from_segments(segments)
    if not is_musl:
        return RawLibc(None, None, path, static, interp, reason=f"the C library ({path}) is neither musl nor glibc")
    floor, time64 = None, None
    dynstr = _dynamic_strings(access, bias, headers, ranges)
    if dynstr is not None:
        floor, time64 = _rules.musl_lower_bound(dynstr)
    return RawLibc("musl", version, path, static, interp, floor, time64, reason)
