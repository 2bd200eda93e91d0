"""The ctypes backend: the mapped C library read through the standard library alone.

ctypes ships with CPython and PyPy: no compiler, no cffi, no mounted /proc. It reaches
the same mapped objects the C extension does (``_mapped``'s algorithm: ``dladdr`` on
``dl_iterate_phdr``, the object's in-memory headers, its read-only data where it lies)
and asks glibc for ``gnu_get_libc_version``. No callback is created.
"""

from __future__ import annotations

import ctypes
import sys

from . import _mapped
from ._types import RawLibc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, List, Optional, Tuple

NAME = "ctypes"


class _DlInfo(ctypes.Structure):
    _fields_ = [
        ("dli_fname", ctypes.c_char_p),
        ("dli_fbase", ctypes.c_void_p),
        ("dli_sname", ctypes.c_char_p),
        ("dli_saddr", ctypes.c_void_p),
    ]


_process = ctypes.CDLL(None)


def _function(name: str, restype: object, argtypes: List[object]) -> Callable[..., Any]:
    """A C function of the process with its result and argument types set."""
    function = getattr(_process, name)  # ctypes's function objects: untyped in its stubs
    function.restype, function.argtypes = restype, argtypes
    typed: Callable[..., Any] = function
    return typed


def self_check() -> str:
    if not sys.platform.startswith("linux"):
        return "not Linux"
    try:
        _function("dladdr", ctypes.c_int, [ctypes.c_void_p, ctypes.POINTER(_DlInfo)])
        _function("getauxval", ctypes.c_ulong, [ctypes.c_ulong])
        _process.dl_iterate_phdr  # noqa: B018
    except AttributeError as exc:
        return str(exc)
    return ""


class _Access:
    """``_mapped.Access`` through ctypes."""

    @staticmethod
    def read(address: int, size: int) -> bytes:
        return ctypes.string_at(address, size)

    @staticmethod
    def view(address: int, size: int) -> memoryview:
        return memoryview((ctypes.c_char * size).from_address(address)).cast("B")

    @staticmethod
    def getauxval(kind: int) -> int:
        return int(_process.getauxval(kind))

    @staticmethod
    def dladdr(address: int) -> Tuple[Optional[str], int]:
        info = _DlInfo()
        if not _process.dladdr(ctypes.c_void_p(address), ctypes.byref(info)) or not info.dli_fbase:
            return None, 0
        name = (info.dli_fname or b"").decode(sys.getfilesystemencoding(), "surrogateescape")
        return name or None, int(info.dli_fbase)

    @staticmethod
    def address_of(name: str) -> int:
        try:
            return int(ctypes.cast(getattr(_process, name), ctypes.c_void_p).value or 0)
        except AttributeError:
            return 0

    @staticmethod
    def gnu_get_libc_version() -> str:
        function = _function("gnu_get_libc_version", ctypes.c_char_p, [])
        return bytes(function()).decode("ascii")


def detect_libc() -> RawLibc:
    """Uncached: the C library object that defines dl_iterate_phdr in this process."""
    return _mapped.detect_libc(_Access())
