"""The ZIP record layouts a wheel is made of (APPNOTE 6.3.x, section 4.3), parsed strictly.

Each parser reads one record from bytes already in memory and says what it holds, or
raises ``ZipRefused`` with the defect: the layout checks (which record may follow which)
live in ``_zip``. Fields are little-endian; a ZIP64 "extended information" extra field
(0x0001) holds only the 8-byte values whose 32-bit field is 0xFFFFFFFF, in a fixed order
(APPNOTE 4.5.3), and a reader that guessed otherwise would read other sizes.
"""

from __future__ import annotations

import struct
from typing import Dict, NamedTuple, Optional, Tuple

from .._types import ZipRefused

LOCAL_SIG = b"PK\x03\x04"
CENTRAL_SIG = b"PK\x01\x02"
END_SIG = b"PK\x05\x06"
ZIP64_END_SIG = b"PK\x06\x06"
ZIP64_LOCATOR_SIG = b"PK\x06\x07"
DESCRIPTOR_SIG = b"PK\x07\x08"

LOCAL = struct.Struct("<4sHHHHHIIIHH")  # 4.3.7: 30 bytes
CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")  # 4.3.12: 46 bytes
END = struct.Struct("<4sHHHHIIH")  # 4.3.16: 22 bytes
ZIP64_END = struct.Struct("<4sQHHIIQQQQ")  # 4.3.14: 56 bytes without extensible data
ZIP64_LOCATOR = struct.Struct("<4sIQI")  # 4.3.15: 20 bytes
EXTRA_HEADER = struct.Struct("<HH")
# Where a central header (4.3.12) and a local header (4.3.7) hold the same run of fields,
# from the flags to the name length: equal bytes there mean equal values.
CENTRAL_FIXED_AT, LOCAL_FIXED_AT, FIXED_LENGTH = 8, 6, 22

ZIP64_EXTRA = 0x0001
UNICODE_PATH_EXTRA = 0x7075  # Info-ZIP: some readers take the name from here, others never
MAX16, MAX32 = 0xFFFF, 0xFFFFFFFF
STORED, DEFLATED, BZIP2, LZMA, ZSTANDARD = 0, 8, 12, 14, 93  # 4.4.5: the compression methods wheels use

FLAG_ENCRYPTED = 0x0001
FLAG_DESCRIPTOR = 0x0008
FLAG_PATCHED = 0x0020
FLAG_STRONG_ENCRYPTION = 0x0040
FLAG_UTF8 = 0x0800
FLAG_MASKED_HEADERS = 0x2000
FLAGS_REFUSED = FLAG_ENCRYPTED | FLAG_PATCHED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS


class EndRecord(NamedTuple):
    """The end of central directory record (4.3.16), or the ZIP64 one's values."""

    disk: int
    directory_disk: int
    entries_on_disk: int
    entries: int
    directory_size: int
    directory_offset: int
    comment_length: int


class Zip64Locator(NamedTuple):
    disk: int
    end_offset: int
    disks: int


class CentralEntry(NamedTuple):
    """One central directory header (4.3.12), its ZIP64 values already applied."""

    raw_name: bytes
    needed: int  # the version needed to extract, as version * 10
    flags: int
    method: int
    crc: int
    compressed: int
    size: int
    disk: int
    local_offset: int
    external_attributes: int
    zip64: bool  # carries a ZIP64 extra field
    length: int  # bytes of the header, name, extra and comment
    fixed: bytes  # its flags, method, time, date, CRC, sizes and name length as written: a local header repeats them


class LocalHeader(NamedTuple):
    """One local file header (4.3.7), its ZIP64 values already applied."""

    raw_name: bytes
    flags: int
    method: int
    crc: int
    compressed: int
    size: int
    zip64: bool
    length: int  # bytes of the header, name and extra: the data starts here


class Descriptor(NamedTuple):
    crc: int
    compressed: int
    size: int


def parse_end(data: bytes) -> EndRecord:
    _sig, disk, cd_disk, on_disk, total, size, offset, comment = END.unpack_from(data)
    return EndRecord(disk, cd_disk, on_disk, total, size, offset, comment)


def parse_zip64_locator(data: bytes) -> Zip64Locator:
    _sig, disk, offset, disks = ZIP64_LOCATOR.unpack_from(data)
    return Zip64Locator(disk, offset, disks)


def parse_zip64_end(wheel: str, data: bytes) -> Tuple[EndRecord, int]:
    """The ZIP64 end record's values and the record's declared size (the bytes after its
    first 12); extensible data is refused, as uv does: no reader here reads it."""
    sig, record_size, _made_by, _needed, disk, cd_disk, on_disk, total, size, offset = ZIP64_END.unpack_from(data)
    if sig != ZIP64_END_SIG:
        raise ZipRefused(wheel, "MissingZip64EndOfCentralDirectory", "the ZIP64 locator points at no ZIP64 end record")
    if record_size != ZIP64_END.size - 12:
        raise ZipRefused(wheel, "ExtensibleData", f"the ZIP64 end record declares {record_size} bytes, not 44")
    return EndRecord(disk, cd_disk, on_disk, total, size, offset, 0), record_size


def parse_extras(wheel: str, member: str, data: bytes) -> Dict[int, bytes]:
    """An extra field area as id -> data; it must be whole records, each id once."""
    found: Dict[int, bytes] = {}
    at = 0
    while at < len(data):
        if at + EXTRA_HEADER.size > len(data):
            raise ZipRefused(wheel, "MalformedExtraField", "an extra field header runs past its area", member)
        ident, length = EXTRA_HEADER.unpack_from(data, at)
        at += EXTRA_HEADER.size
        if at + length > len(data):
            raise ZipRefused(wheel, "MalformedExtraField", f"extra field {ident:#06x} runs past its area", member)
        if ident in found:
            raise ZipRefused(wheel, "MalformedExtraField", f"extra field {ident:#06x} appears twice", member)
        found[ident] = data[at : at + length]
        at += length
    if UNICODE_PATH_EXTRA in found:
        raise ZipRefused(
            wheel, "ConflictingPaths", "an Info-ZIP Unicode path field: readers disagree on which name counts", member
        )
    return found


def _zip64_values(wheel: str, member: str, extra: Optional[bytes], wanted: Tuple[int, ...]) -> Tuple[int, ...]:
    """Replace each 32-bit value that is 0xFFFFFFFF (0xFFFF for a disk number) by the next
    8-byte (4-byte) value of the ZIP64 extra field; the field must hold exactly those."""
    escaped = [value == (MAX16 if index == 3 else MAX32) for index, value in enumerate(wanted)]
    if extra is None:
        return wanted
    need = sum(8 if index < 3 else 4 for index, escape in enumerate(escaped) if escape)
    if len(extra) != need:
        raise ZipRefused(
            wheel,
            "Zip64ExtendedInformationFieldTooLong",
            f"the ZIP64 extra field holds {len(extra)} bytes, its header escapes {need}",
            member,
        )
    values = list(wanted)
    at = 0
    for index, escape in enumerate(escaped):
        if escape:
            width = 8 if index < 3 else 4
            values[index] = int.from_bytes(extra[at : at + width], "little")
            at += width
    return tuple(values)


def parse_central(wheel: str, data: bytes, at: int) -> CentralEntry:
    """The central directory header at ``at`` of ``data`` (the whole directory)."""
    if at + CENTRAL.size > len(data) or data[at : at + 4] != CENTRAL_SIG:
        raise ZipRefused(
            wheel,
            "ConflictingNumberOfEntries",
            f"no central directory header at directory byte {at}, where one is declared",
        )
    (
        _sig,
        _made_by,
        needed,
        flags,
        method,
        _time,
        _date,
        crc,
        compressed,
        size,
        name_length,
        extra_length,
        comment_length,
        disk,
        _internal,
        external,
        offset,
    ) = CENTRAL.unpack_from(data, at)
    end = at + CENTRAL.size + name_length + extra_length + comment_length
    if end > len(data):
        raise ZipRefused(wheel, "MalformedCentralDirectory", "a central directory header runs past the directory")
    name = data[at + CENTRAL.size : at + CENTRAL.size + name_length]
    fixed = data[at + CENTRAL_FIXED_AT : at + CENTRAL_FIXED_AT + FIXED_LENGTH]
    zip64 = None
    if extra_length:  # most entries have none: no extra field to parse, no name decoded
        shown = name.decode("utf-8", "replace")
        extras = parse_extras(wheel, shown, data[at + CENTRAL.size + name_length : end - comment_length])
        zip64 = extras.get(ZIP64_EXTRA)
        if zip64 is not None:
            size, compressed, offset, disk = _zip64_values(wheel, shown, zip64, (size, compressed, offset, disk))
    if zip64 is None and MAX32 in (compressed, size, offset):
        raise ZipRefused(
            wheel,
            "MissingZip64ExtraField",
            "a size or offset of 0xFFFFFFFF without a ZIP64 field",
            name.decode("utf-8", "replace"),
        )
    return CentralEntry(
        name, needed, flags, method, crc, compressed, size, disk, offset, external, zip64 is not None, end - at, fixed
    )


def parse_local(wheel: str, member: str, data: bytes) -> LocalHeader:
    """The local header at the start of ``data``, which holds at least its name and extra.
    A local ZIP64 field must hold both sizes (APPNOTE 4.5.3), whatever the header escapes."""
    (_sig, _needed, flags, method, _time, _date, crc, compressed, size, name_length, extra_length) = LOCAL.unpack_from(
        data
    )
    name = data[LOCAL.size : LOCAL.size + name_length]
    extras = parse_extras(wheel, member, data[LOCAL.size + name_length : LOCAL.size + name_length + extra_length])
    zip64 = extras.get(ZIP64_EXTRA)
    if zip64 is not None:
        if len(zip64) < 16:
            raise ZipRefused(
                wheel,
                "Zip64ExtendedInformationFieldTooLong",
                f"the local ZIP64 extra field holds {len(zip64)} bytes, not both sizes",
                member,
            )
        if compressed != MAX32 or size != MAX32:
            raise ZipRefused(
                wheel,
                "ConflictingCompressedSizes",
                "a local ZIP64 field beside 32-bit sizes: readers take one or the other",
                member,
            )
        size, compressed = (int.from_bytes(zip64[0:8], "little"), int.from_bytes(zip64[8:16], "little"))
    elif MAX32 in (compressed, size):
        raise ZipRefused(wheel, "MissingZip64ExtraField", "a local size of 0xFFFFFFFF without a ZIP64 field", member)
    return LocalHeader(
        name, flags, method, crc, compressed, size, zip64 is not None, LOCAL.size + name_length + extra_length
    )


def descriptor_forms(zip64: bool) -> Tuple[int, ...]:
    """The lengths a data descriptor may have (4.3.9): with or without its signature, and
    8-byte sizes when the entry is ZIP64."""
    width = 8 if zip64 else 4
    return (4 + 4 + 2 * width, 4 + 2 * width)


def parse_descriptor(data: bytes, zip64: bool) -> Descriptor:
    """The descriptor in ``data`` (its whole length, one of ``descriptor_forms``)."""
    width = 8 if zip64 else 4
    at = 4 if len(data) == 4 + 4 + 2 * width else 0
    crc = int.from_bytes(data[at : at + 4], "little")
    compressed = int.from_bytes(data[at + 4 : at + 4 + width], "little")
    size = int.from_bytes(data[at + 4 + width : at + 4 + 2 * width], "little")
    return Descriptor(crc, compressed, size)
