"""Bounds-checked reads shared by the Mach-O and PE readers.

Both read from a buffer: bytes in tests and the fuzzer, a read-only map of a spooled
member in an audit. Every read goes through ``need`` first, so no offset or size taken
from the file is used before it is known to lie inside it.
"""

from __future__ import annotations

import mmap
from typing import Union

from .._types import BinaryFormatError

Buffer = Union[bytes, bytearray, mmap.mmap]  # each has find(sub, start, end): names are found without copies
MAX_NAME = 4096  # bytes a library or symbol name may have


def need(data: Buffer, offset: int, size: int, path: str, what: str) -> None:
    """Raise unless ``size`` bytes at ``offset`` lie inside ``data``."""
    if offset < 0 or size < 0 or offset + size > len(data):
        raise BinaryFormatError(f"{path}: {what} ({size} bytes at {offset}) leaves the {len(data)}-byte file")


def cstring(data: Buffer, offset: int, end: int, path: str, what: str, must_end: bool = False) -> str:
    """The NUL-terminated name at ``offset``, before ``end`` and at most MAX_NAME bytes; one
    that runs to ``end`` unterminated is taken whole unless ``must_end`` (PE names must end)."""
    limit = min(end, offset + MAX_NAME + 1, len(data))
    stop = data.find(b"\0", offset, limit)
    if stop < 0:
        if limit < end or must_end:
            raise BinaryFormatError(f"{path}: {what} at {offset} has no end within {MAX_NAME} bytes")
        stop = limit  # Mach-O allows a name to run to the end of its command
    return bytes(data[offset:stop]).decode("utf-8", "surrogateescape")
