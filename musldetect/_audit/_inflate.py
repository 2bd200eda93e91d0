"""Raw deflate for the gate's reading of every member: the standard library's zlib, or a
faster inflater from PyPI when it is installed (the ``fast`` extra).

benchmarks/gate_bench.py measured isal's and zlib-ng's inflaters at 1.68x and 1.66x the
standard library's on the median real wheel (docs/index-scale.md), and both ship wheels for
manylinux and musllinux. Whichever inflates, the CRC-32 is checked on its output with the
standard library's zlib, so a fault in the optional library cannot pass unnoticed.
``MUSLDETECT_INFLATER=zlib`` (or ``isal``, ``zlib-ng``) names one; a named one that is not
installed is an error, never a silent fallback.
"""

from __future__ import annotations

import os
import zlib
from importlib import import_module
from typing import Callable, Dict, List, NamedTuple, Optional, Protocol, Tuple, Type

from .._types import ConfigurationError

# The optional inflaters, preferred first, by the module that offers zlib's interface.
_OPTIONAL: Dict[str, str] = {"isal": "isal.isal_zlib", "zlib-ng": "zlib_ng.zlib_ng"}
NAMES = ("isal", "zlib-ng", "zlib")


class Bounded(Protocol):
    """What every decompressor of the standard library offers: output bounded per call,
    the end of the stream, and the bytes given after it."""

    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...


class Decompressor(Bounded, Protocol):
    """What zlib's, isal's and zlib-ng's decompressobj() give: the input not yet used."""

    @property
    def unconsumed_tail(self) -> bytes: ...


class Inflater(NamedTuple):
    name: str
    decompressobj: Callable[[int], Decompressor]  # wbits -> a decompressor
    error: Type[Exception]  # what it raises on bad data (isal's is not zlib.error)


_FOUND: List[Tuple[Inflater, ...]] = []  # available(), looked up once: a failed import is not cached by Python


def available() -> Tuple[Inflater, ...]:
    """Every inflater importable here, preferred first; zlib always last."""
    if not _FOUND:
        _FOUND.append(_importable())
    return _FOUND[0]


def _importable() -> Tuple[Inflater, ...]:
    found = []
    for name, module in _OPTIONAL.items():
        try:
            engine = import_module(module)
            found.append(Inflater(name, engine.decompressobj, engine.error))
        except ImportError:
            continue
    return tuple(found) + (Inflater("zlib", zlib.decompressobj, zlib.error),)


def choose(named: Optional[str] = None) -> Inflater:
    """``named`` (or MUSLDETECT_INFLATER), else the fastest installed."""
    wanted = (named or os.environ.get("MUSLDETECT_INFLATER", "")).strip().lower()
    found = available()
    if not wanted:
        return found[0]
    if wanted not in NAMES:
        raise ConfigurationError(f"MUSLDETECT_INFLATER={wanted!r} is not one of {', '.join(NAMES)}")
    for inflater in found:
        if inflater.name == wanted:
            return inflater
    raise ConfigurationError(f"the {wanted} inflater is not installed (pip install 'musldetect[fast]')")


_CHOSEN: Dict[str, Inflater] = {}  # by the variable's value: read per member, decided once


def chosen() -> Inflater:
    """``choose()`` for the variable's current value, remembered: asked once a wheel (and
    once a member that streams), so a variable naming no inflater is refused for every
    wheel, stored members only or not."""
    wanted = os.environ.get("MUSLDETECT_INFLATER", "")
    found = _CHOSEN.get(wanted)
    if found is None:
        found = _CHOSEN[wanted] = choose(wanted or None)
    return found


def inflate(inflater: Inflater, raw: bytes, size: int, crc: int) -> bytes:
    """A member's ``raw`` deflate data inflated to exactly ``size`` bytes whose CRC-32 is
    ``crc``, the stream ending with the data; ValueError otherwise. Never more than
    ``size`` + 1 bytes are produced, whatever the stream would expand to."""
    engine = inflater.decompressobj(-15)
    data: bytes = engine.decompress(raw, size + 1)
    if len(data) != size:
        raise ValueError(f"inflates to {'more' if len(data) > size else 'less'} than the {size} bytes declared")
    if not engine.eof or engine.unused_data:
        # Readers that stop at the declared size, and those that read the stream to its end, would differ.
        raise ValueError("the deflate stream does not end where the declared data does")
    if zlib.crc32(data) != crc:
        raise ValueError(f"CRC-32 {zlib.crc32(data):08x} differs from the {crc:08x} declared")
    return data
