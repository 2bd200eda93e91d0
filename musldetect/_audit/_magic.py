"""Which binary format a file's first bytes announce: binaries are found by content.

A name says nothing an installer or a loader heeds (``ctypes.CDLL`` opens any name), so
the audit reads every member's head. Only the magic is classified here; each format's
reader decides whether the rest holds.
"""

from __future__ import annotations

from typing import Optional

ELF, MACHO, PE = "ELF", "Mach-O", "PE"
HEAD = 4096  # bytes enough to hold every magic below (a PE signature follows the DOS stub)
_MACHO_THIN = (b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe")
_MACHO_FAT = (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")  # big-endian, like their headers
_MAX_FAT_SLICES = 20  # a Java class file shares 0xcafebabe; its next word (the version) is 45 or more
# The first byte of every magic above: a member starting otherwise is no binary, without a call.
MAGIC_FIRST_BYTES = frozenset(magic[:1] for magic in (b"\x7fELF", b"MZ", *_MACHO_THIN, *_MACHO_FAT))


def binary_kind(head: bytes) -> Optional[str]:
    """ELF, Mach-O, PE, or None for anything else."""
    if head[:4] == b"\x7fELF":
        return ELF
    if head[:4] in _MACHO_THIN:
        return MACHO
    if head[:4] in _MACHO_FAT and 0 < int.from_bytes(head[4:8], "big") < _MAX_FAT_SLICES:
        return MACHO
    if head[:2] == b"MZ" and len(head) >= 0x40:
        signature_at = int.from_bytes(head[0x3C:0x40], "little")
        if head[signature_at : signature_at + 4] == b"PE\x00\x00":
            return PE
    return None
