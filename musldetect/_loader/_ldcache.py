"""glibc's /etc/ld.so.cache, read the way its loader reads it: names to paths.

Two formats ship: the current one ("glibc-ld.so.cache1.1": 24-byte entries, string offsets
from its own header, written alone since glibc 2.32) and the old one ("ld.so-1.7.0":
12-byte entries, string offsets from the end of the entries), which older systems write
in front of the current one. A cache that is malformed anywhere is ignored, as the loader
ignores it, with a note saying why. (ld.so.conf is ldconfig's input, not the loader's: it
is never read.)
"""

from __future__ import annotations

import struct
from typing import Dict, List, NamedTuple, Tuple

OLD_MAGIC = b"ld.so-1.7.0"
NEW_MAGIC = b"glibc-ld.so.cache1.1"
FLAG_TYPE_MASK, FLAG_ELF_LIBC6 = 0x00FF, 0x0003
MAX_CACHE = 64 * 1024 * 1024
CURRENT_FORMAT = "ld.so.cache (current format)"  # the usual note, which resolve() does not repeat
MAX_ENTRIES = 1 << 20


class CacheEntry(NamedTuple):
    flags: int  # FLAG_ELF_LIBC6 plus the arch/ABI bits (0x0300 x86-64, 0x0a00 aarch64, ...)
    path: str
    hwcap: int  # nonzero: a glibc-hwcaps or legacy hwcap subdirectory entry


class LdCache(NamedTuple):
    entries: Dict[str, List[CacheEntry]]  # name -> entries in the file's order
    note: str  # why the cache is ignored, or which format it was


def parse(data: bytes, byteorder: str = "<") -> LdCache:
    """The entries of a cache file's bytes; a malformed cache gives no entries and a note."""
    try:
        if data.startswith(NEW_MAGIC):
            return LdCache(_parse_new(data, 0, byteorder), CURRENT_FORMAT)
        if data.startswith(OLD_MAGIC):
            count = _u32(data, 12, byteorder)
            end = 16 + 12 * count
            if count > MAX_ENTRIES or end > len(data):
                raise ValueError(f"{count} entries do not fit in {len(data)} bytes")
            new_at = (end + 7) & ~7
            if data[new_at : new_at + len(NEW_MAGIC)] == NEW_MAGIC:
                return LdCache(_parse_new(data, new_at, byteorder), "ld.so.cache (old and current format)")
            return LdCache(_parse_old(data, count, end, byteorder), "ld.so.cache (old format)")
        raise ValueError("no ld.so.cache magic")
    except (ValueError, struct.error, UnicodeDecodeError) as exc:
        return LdCache({}, f"ld.so.cache ignored, as the loader ignores a malformed one: {exc}")


def _u32(data: bytes, at: int, byteorder: str) -> int:
    return int(struct.unpack_from(byteorder + "I", data, at)[0])


def _string(data: bytes, base: int, offset: int) -> str:
    at = base + offset
    if not 0 <= at < len(data):
        raise ValueError(f"string offset {offset} is outside the file")
    end = data.find(b"\x00", at, at + 4096)
    if end < 0:
        raise ValueError(f"string at {offset} has no NUL within 4096 bytes")
    return data[at:end].decode("utf-8", "surrogateescape")


def _parse_new(data: bytes, base: int, byteorder: str) -> Dict[str, List[CacheEntry]]:
    count = _u32(data, base + 20, byteorder)
    first = base + 48
    if count > MAX_ENTRIES or first + 24 * count > len(data):
        raise ValueError(f"{count} entries do not fit in {len(data)} bytes")
    entries: Dict[str, List[CacheEntry]] = {}
    for flags, key, value, _os, hwcap in struct.iter_unpack(byteorder + "iIIIQ", data[first : first + 24 * count]):
        entries.setdefault(_string(data, base, key), []).append(CacheEntry(flags, _string(data, base, value), hwcap))
    return entries


def _parse_old(data: bytes, count: int, strings: int, byteorder: str) -> Dict[str, List[CacheEntry]]:
    entries: Dict[str, List[CacheEntry]] = {}
    for flags, key, value in struct.iter_unpack(byteorder + "iII", data[16 : 16 + 12 * count]):
        entries.setdefault(_string(data, strings, key), []).append(CacheEntry(flags, _string(data, strings, value), 0))
    return entries


def lookup(cache: LdCache, name: str) -> List[str]:
    """The paths the cache gives for ``name``, in its order: ELF libc6 entries of the
    baseline (no hwcap subdirectory); the loader then checks each file's class and machine."""
    found: List[str] = []
    for entry in cache.entries.get(name, ()):
        if entry.flags & FLAG_TYPE_MASK == FLAG_ELF_LIBC6 and entry.hwcap == 0 and entry.path not in found:
            found.append(entry.path)
    return found


def write(entries: List[Tuple[str, str, int]], *, old: bool = False) -> bytes:
    """A cache file holding ``entries`` (name, path, flags), in the current or the old
    format: for tests and for building images, never used to read."""
    strings = bytearray()
    offsets: List[Tuple[int, int]] = []
    for name, path, _flags in entries:
        offsets.append((len(strings), len(strings) + len(name) + 1))
        strings += name.encode() + b"\x00" + path.encode() + b"\x00"
    if old:
        table = b"".join(
            struct.pack("<iII", flags, key, value) for (_n, _p, flags), (key, value) in zip(entries, offsets)
        )
        return OLD_MAGIC + b"\x00" + struct.pack("<I", len(entries)) + table + bytes(strings)
    base = 48 + 24 * len(entries)
    table = b"".join(
        struct.pack("<iIIIQ", flags, base + key, base + value, 0, 0)
        for (_n, _p, flags), (key, value) in zip(entries, offsets)
    )
    header = NEW_MAGIC + struct.pack("<IIB3xI12x", len(entries), len(strings), 0, 0)
    return header + table + bytes(strings)
