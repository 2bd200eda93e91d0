"""The native backend: musldetect._native reads the mapped C library in a few microseconds."""

from __future__ import annotations

from . import _native
from ._types import RawLibc

NAME = "native"


def detect_libc() -> RawLibc:
    """Uncached: the C library that defines dl_iterate_phdr in this process."""
    return RawLibc(*_native.detect())  # the C glue returns RawLibc's fields in its order
