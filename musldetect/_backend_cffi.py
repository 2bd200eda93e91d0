"""The cffi backend: the mapped C library read in ABI mode (``_mapped``'s algorithm).

It needs no compiler at install time (an Alpine image without build tools, a pure
wheel), only cffi: its declarations were parsed ahead of time (out-of-line ABI mode,
``_cffi_decls``), so importing it loads ``_cffi_backend`` but not cffi's C parser.
"""

from __future__ import annotations

import sys

from . import _mapped
from ._cffi_decls import ffi  # declarations parsed at build time (csrc/cffi_decls.py)
from ._types import RawLibc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional, Tuple

NAME = "cffi"

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


class _Access:
    """``_mapped.Access`` through cffi."""

    @staticmethod
    def read(address: int, size: int) -> bytes:
        data: bytes = ffi.buffer(ffi.cast("char *", address), size)[:]
        return data

    @staticmethod
    def view(address: int, size: int) -> memoryview:
        # Mapped memory without a copy: copying musl's 200 KB of read-only data costs
        # ~100 µs there, as musl's malloc maps and unmaps every block that large.
        return memoryview(ffi.buffer(ffi.cast("char *", address), size))

    @staticmethod
    def getauxval(kind: int) -> int:
        return int(_process.getauxval(kind))

    @staticmethod
    def dladdr(address: int) -> Tuple[Optional[str], int]:
        info: Any = ffi.new("Dl_info *")
        if not _process.dladdr(ffi.cast("void *", address), info) or info.dli_fbase == ffi.NULL:
            return None, 0
        return _c_string(info.dli_fname, sys.getfilesystemencoding()) or None, int(
            ffi.cast("uintptr_t", info.dli_fbase)
        )

    @staticmethod
    def address_of(name: str) -> int:
        try:
            return int(ffi.cast("uintptr_t", getattr(_process, name)))
        except (AttributeError, ffi.error):
            return 0

    @staticmethod
    def gnu_get_libc_version() -> str:
        return _c_string(_process.gnu_get_libc_version(), "ascii")


def detect_libc() -> RawLibc:
    """Uncached: the C library object that defines dl_iterate_phdr in this process."""
    return _mapped.detect_libc(_Access())
