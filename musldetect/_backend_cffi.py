"""The cffi backend: the native backend's in-memory algorithm, in ABI mode.

It needs no compiler at install time (an Alpine image without build tools, a pure
wheel), only cffi: its declarations were parsed ahead of time (out-of-line ABI mode,
``_cffi_decls``), so importing it loads ``_cffi_backend`` but not cffi's C parser. The
libc object is found with ``dladdr`` on ``dl_iterate_phdr`` and its program headers are
read through its in-memory ELF header, so no ``ffi.callback`` is needed (callbacks want
writable+executable memory, which hardened systems refuse). The version rules are the
shared Python ones.
"""

from __future__ import annotations

import struct
import sys

from . import _elf_header, _rules
from ._cffi_decls import ffi  # declarations parsed at build time (csrc/cffi_decls.py)
from ._elf_dynamic import DT_STRSZ, DT_STRTAB, dynamic_table, parse_dynamic
from ._elf_header import PT_DYNAMIC, PT_INTERP, PT_LOAD, Segment
from ._libcfile import program_interpreter
from ._types import RawLibc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, List, Optional, Tuple

NAME = "cffi"
AT_PHDR, AT_PHNUM = 3, 5
PT_PHDR = 6
_BITS = struct.calcsize("P") * 8
_ORDER = "<" if sys.byteorder == "little" else ">"
_PHDR_SIZE = _elf_header.program_header_size(_BITS)

# The process's own symbols; cffi builds their attributes at run time, so no checker knows them.
_process: Any = ffi.dlopen(None)


def self_check() -> str:
    if not sys.platform.startswith("linux"):
        return "not Linux"
    try:
        _process.dladdr, _process.getauxval, _process.dl_iterate_phdr  # noqa: B018
    except (AttributeError, ffi.error) as exc:  # out-of-line ABI mode raises ffi.error
        return str(exc)
    return ""


def _c_string(pointer: Any, encoding: str) -> str:
    text = ffi.string(pointer)
    assert isinstance(text, bytes)  # a char *, never a wchar_t *
    return text.decode(encoding, "surrogateescape")


def _read(address: int, size: int) -> bytes:
    data: bytes = ffi.buffer(ffi.cast("char *", address), size)[:]
    return data


def _view(address: int, size: int) -> memoryview:
    """Mapped memory without a copy: copying musl's 200 KB of read-only data costs
    ~100 µs there, as musl's malloc maps and unmaps every block that large."""
    return memoryview(ffi.buffer(ffi.cast("char *", address), size))


def _program_headers(phdr_address: int, count: int) -> List[Segment]:
    return _elf_header.parse_program_headers(_read(phdr_address, count * _PHDR_SIZE), _BITS, _ORDER)


def _object_headers(base: int) -> Tuple[int, List[Segment]]:
    """(load bias, program headers) of the object whose ELF header is mapped at ``base``."""
    data = _read(base, _elf_header.header_size(_BITS))
    if data[:4] != b"\x7fELF":
        raise OSError(f"dladdr base {base:#x} holds no ELF header")
    header = _elf_header.parse_header(data, _BITS, _ORDER)
    if header.phentsize != _PHDR_SIZE or not 0 < header.phnum < _elf_header.MAX_SEGMENTS:
        raise OSError(f"unexpected program header table at {base:#x} "
                      f"(e_phentsize {header.phentsize}, e_phnum {header.phnum})")
    headers = _program_headers(base + header.phoff, header.phnum)
    first_load = min((h for h in headers if h.type == PT_LOAD), key=lambda h: h.vaddr)
    return base - (first_load.vaddr - first_load.offset), headers


def _main_program() -> Tuple[Optional[str], int]:
    """The main program's PT_INTERP and where its program headers are mapped, from the
    auxiliary vector (0 when the vector says nothing)."""
    phdr, count = _process.getauxval(AT_PHDR), _process.getauxval(AT_PHNUM)
    if not phdr or not count:
        return None, 0
    headers = _program_headers(phdr, count)
    bias = next((phdr - h.vaddr for h in headers if h.type == PT_PHDR), None)
    interp = None
    for h in headers:
        if h.type == PT_INTERP and bias is not None and _inside_a_load(headers, h.vaddr, h.filesz):
            text = _read(bias + h.vaddr, h.filesz)
            interp = text.split(b"\x00", 1)[0].decode(sys.getfilesystemencoding(), "surrogateescape")
    return interp, phdr


def _inside_a_load(headers: List[Segment], vaddr: int, size: int) -> bool:
    """True when [vaddr, vaddr + size) is file data of one PT_LOAD, so it is mapped."""
    return any(h.type == PT_LOAD and h.vaddr <= vaddr and vaddr + size <= h.vaddr + h.filesz for h in headers)


def _inside(address: int, ranges: List[Tuple[int, int]]) -> bool:
    return any(start <= address < start + size for start, size in ranges)


def _dynamic_strings(bias: int, headers: List[Segment], ranges: List[Tuple[int, int]]) -> Optional[bytes]:
    for h in headers:
        if h.type != PT_DYNAMIC or not _inside_a_load(headers, h.vaddr, h.filesz):
            continue
        values = dynamic_table(parse_dynamic(_read(bias + h.vaddr, h.filesz), _BITS, _ORDER))
        if DT_STRTAB not in values or DT_STRSZ not in values:
            return None
        # glibc relocates these entries in memory, musl leaves them as link-time addresses.
        strtab = values[DT_STRTAB][0]
        address = strtab if strtab >= bias else bias + strtab
        size = values[DT_STRSZ][0]
        if _inside(address, ranges) and _inside(address + size - 1, ranges):
            return _read(address, size)
    return None


def detect_libc() -> RawLibc:
    """Uncached: the C library object that defines dl_iterate_phdr in this process."""
    interp, main_phdr = _main_program()
    info: Any = ffi.new("Dl_info *")
    target = int(ffi.cast("uintptr_t", _process.dl_iterate_phdr))
    if not _process.dladdr(ffi.cast("void *", target), info) or info.dli_fbase == ffi.NULL:
        raise OSError("dladdr failed for dl_iterate_phdr")
    path = _c_string(info.dli_fname, sys.getfilesystemencoding()) or None
    bias, headers = _object_headers(int(ffi.cast("uintptr_t", info.dli_fbase)))
    ranges = [(bias + h.vaddr, h.memsz) for h in headers if h.type == PT_LOAD]
    # No loader means static (static-pie included), unless the kernel's program is the C
    # library itself: a process started as "ld-musl-x86_64.so.1 python3 ...".
    started_through_loader = bool(main_phdr) and interp is None and _inside(main_phdr, ranges)
    static = bool(main_phdr) and interp is None and not started_through_loader
    if started_through_loader and sys.executable:
        interp = program_interpreter(sys.executable)
    try:
        gnu = int(ffi.cast("uintptr_t", _process.gnu_get_libc_version))
    except (AttributeError, ffi.error):  # musl has no gnu_get_libc_version
        gnu = 0
    if gnu and _inside(gnu, ranges):
        return RawLibc("glibc", _c_string(_process.gnu_get_libc_version(), "ascii"), path, static, interp)
    segments = (_view(bias + h.vaddr, h.filesz) for h in _elf_header.readonly_loads(headers))
    is_musl, version, reason = _rules.musl_version_from_segments(segments)
    if not is_musl:
        return RawLibc(None, None, path, static, interp, reason=f"the C library ({path}) is neither musl nor glibc")
    floor, time64 = None, None
    dynstr = _dynamic_strings(bias, headers, ranges)
    if dynstr is not None:
        floor, time64 = _rules.musl_lower_bound(dynstr)
    return RawLibc("musl", version, path, static, interp, floor, time64, reason)
