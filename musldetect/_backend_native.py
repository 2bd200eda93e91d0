"""The native backend: musldetect._native reads the mapped C library in a few microseconds."""

from __future__ import annotations

from . import _native
from ._types import RawLibc

NAME = "native"


def detect_libc() -> RawLibc:
    """Uncached: the C library that defines dl_iterate_phdr in this process."""
    family, version, path, interp, static, floor, time64, reason = _native.detect()
    return RawLibc(family, version, path, static, interp, floor, time64, reason)
