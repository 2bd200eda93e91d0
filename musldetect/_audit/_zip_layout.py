"""Where every byte of a wheel's ZIP container lies: the half of ``_zip``'s one reading that
a central-directory reader and a streaming reader must agree on before any member inflates.

The end record ends the file, the ZIP64 end record and its locator lie right before it
(APPNOTE 4.3.14-4.3.15) and the central directory right before those (``find_layout``);
the directory's entries fill it exactly (``central_entries``); the members' records run
back to back from byte 0 up to the directory, each local header saying what its central
entry says, then its data and, only where flagged, a data descriptor (``Accounting``,
which also refuses a declared size no member may have: a zip bomb, a directory with data).
Any other layout raises ``ZipRefused`` with uv's class name for the defect.
"""

from __future__ import annotations

import os
from typing import Iterator, List, NamedTuple, Optional, Tuple

from .._rootfs import read_at
from .._types import WheelError, ZipRefused
from . import _zip_records as rec

MAX_MEMBERS = 200_000  # members a wheel may list
MAX_MEMBER_SIZE = 4 << 30  # uncompressed bytes one member may declare
MAX_RATIO = 1000  # declared size / compressed size above which a member is a zip bomb
MAX_DIRECTORY = 64 << 20  # bytes of central directory read into memory
CHUNK = 1 << 20  # the most uncompressed bytes made at a time while a member streams
# A member up to this size each way (deflated or stored) is read in one step, whichever
# reader reads it (the C one into reused memory, WheelZip.reused; the Python one, whole):
# one bound, so both refuse a damaged member in the same words. A binary member that size
# is held whole for its facts anyway (a larger one sparsely, _read.SPARSE_FROM). 14 MiB
# takes the 7-13 MB extensions of cryptography, numpy, grpcio and tokenizers whole: read
# so, with its facts from all of it in one C call, cryptography's 10 MB one costs ~3 % less
# than streamed and held sparsely; the 21-34 MB libraries and programs above it stream,
# which is the faster way for them (each piece hashed while it is fresh).
WHOLE = 14 << 20
# Compressed bytes read, and fed to the inflater, at a time while a larger member streams:
# zlib then makes each piece in one call with no input left over to copy, and a 25 MB
# executable inflates about 15 % faster than fed 1 MiB at a time (benchmarks/gate_bench.py).
READ = 256 << 10
_TAIL = rec.END.size + 0xFFFF  # the end record and the longest comment
_EXTRA_GUESS = 32  # a local extra field this long or shorter comes with the header's one read
_EMBEDDED = (rec.LOCAL_SIG, rec.CENTRAL_SIG, rec.END_SIG, rec.ZIP64_END_SIG, rec.ZIP64_LOCATOR_SIG)


class ZipMember(NamedTuple):
    """One accepted member: its name, where its data lies and what it must inflate to."""

    name: str
    data_offset: int
    method: int
    crc: int
    compressed: int
    size: int

    @property
    def is_directory(self) -> bool:
        return self.name.endswith("/")


class Layout(NamedTuple):
    """Where the central directory lies, and how many entries the end records count."""

    directory_offset: int
    directory_size: int
    entries: int


class WheelBytes:
    """The wheel's bytes at an offset, read from ``fd`` (which the caller owns): a read that
    runs past the end refuses the wheel as truncated."""

    def __init__(self, wheel: str, fd: int) -> None:
        self.wheel = wheel
        self.fd = fd
        self.size = os.fstat(fd).st_size

    def pread(self, length: int, offset: int) -> bytes:
        data = read_at(self.fd, length, offset)
        while 0 < len(data) < length:  # a short read before the end (some network file systems): read on
            more = read_at(self.fd, length - len(data), offset + len(data))
            if not more:
                break
            data += more
        if len(data) != length:
            raise truncated(self.wheel, length, offset)
        return data


def truncated(wheel: str, length: int, offset: int) -> ZipRefused:
    """The refusal of a read past the end, in the words both member readers give it."""
    return ZipRefused(wheel, "Truncated", f"{length} bytes at {offset} run past the end of the file")


# -- the end records ----------------------------------------------------------------------


def find_layout(file: WheelBytes) -> Layout:
    """The end record (the only one, ending the file), the ZIP64 records right before it
    when present, and the central directory right before those."""
    tail_start = max(0, file.size - _TAIL)
    tail = file.pread(file.size - tail_start, tail_start)
    found = [
        at
        for at in _all(tail, rec.END_SIG)
        if at + rec.END.size <= len(tail) and at + rec.END.size + rec.parse_end(tail[at:]).comment_length == len(tail)
    ]
    if not found and rec.END_SIG not in tail:  # not a container at all: a malformed input, not a disagreement
        raise WheelError(f"{file.wheel}: not a readable wheel (zip): no end of central directory record")
    if not found:
        raise ZipRefused(file.wheel, "TrailingContents", "bytes follow the end of central directory record")
    at = found[-1]
    end = rec.parse_end(tail[at:])
    comment = tail[at + rec.END.size :]
    if len(found) > 1 or any(sig in comment for sig in _EMBEDDED):
        raise ZipRefused(file.wheel, "ZipInZip", "the archive comment holds ZIP records")
    end_offset = tail_start + at
    if end.disk or end.directory_disk or end.entries_on_disk != end.entries:
        raise ZipRefused(file.wheel, "MultiDisk", "a multi-disk archive")
    directory_end, end = _zip64(file, end, end_offset)
    if end.directory_size > MAX_DIRECTORY or end.entries > MAX_MEMBERS:
        raise ZipRefused(
            file.wheel,
            "TooLarge",
            f"{end.entries} entries in {end.directory_size} bytes of "
            f"central directory, more than {MAX_MEMBERS} or 64 MiB",
        )
    if end.directory_offset + end.directory_size != directory_end:
        raise ZipRefused(
            file.wheel,
            "InvalidEndOfCentralDirectoryOffset",
            f"the central directory is said to end at {end.directory_offset + end.directory_size}, "
            f"its end records start at {directory_end}",
        )
    return Layout(end.directory_offset, end.directory_size, end.entries)


def _zip64(file: WheelBytes, end: rec.EndRecord, end_offset: int) -> Tuple[int, rec.EndRecord]:
    """Where the central directory must end, and the values that count: the ZIP64 end
    record (4.3.14) followed by its locator (4.3.15) right before the end record."""
    locator_at = end_offset - rec.ZIP64_LOCATOR.size
    if locator_at < 0 or file.pread(4, locator_at) != rec.ZIP64_LOCATOR_SIG:
        if end.entries == rec.MAX16 or rec.MAX32 in (end.directory_size, end.directory_offset):
            raise ZipRefused(
                file.wheel,
                "MissingZip64EndOfCentralDirectoryLocator",
                "the end record escapes a value to ZIP64, and no ZIP64 locator precedes it",
            )
        return end_offset, end
    locator = rec.parse_zip64_locator(file.pread(rec.ZIP64_LOCATOR.size, locator_at))
    zip64_at = locator_at - rec.ZIP64_END.size
    if locator.end_offset != zip64_at or locator.disk or locator.disks != 1:
        raise ZipRefused(
            file.wheel,
            "InvalidZip64EndOfCentralDirectoryLocatorOffset",
            f"the ZIP64 locator points at {locator.end_offset}, the ZIP64 end record must start at {zip64_at}",
        )
    zip64, _length = rec.parse_zip64_end(file.wheel, file.pread(rec.ZIP64_END.size, zip64_at))
    for field, legacy, escape in (
        ("entries", end.entries, rec.MAX16),
        ("directory_size", end.directory_size, rec.MAX32),
        ("directory_offset", end.directory_offset, rec.MAX32),
    ):
        if legacy not in (escape, getattr(zip64, field)):
            raise ZipRefused(
                file.wheel,
                "ConflictingZip64EndOfCentralDirectory",
                f"the end record's {field} ({legacy}) differs from the ZIP64 one's ({getattr(zip64, field)})",
            )
    if zip64.disk or zip64.directory_disk or zip64.entries_on_disk != zip64.entries:
        raise ZipRefused(file.wheel, "MultiDisk", "a multi-disk archive")
    return zip64_at, zip64


# -- the central directory ---------------------------------------------------------------


def central_entries(file: WheelBytes, layout: Layout) -> List[rec.CentralEntry]:
    """The central directory's entries, as many as the end records count, filling it exactly."""
    directory = file.pread(layout.directory_size, layout.directory_offset)
    entries: List[rec.CentralEntry] = []
    at = 0
    for _ in range(layout.entries):
        entry = rec.parse_central(file.wheel, directory, at)
        entries.append(entry)
        at += entry.length
    if at != len(directory):
        raise ZipRefused(
            file.wheel,
            "ConflictingNumberOfEntries",
            f"the end record counts {layout.entries} entries, the central directory holds more",
        )
    return entries


# -- every byte up to the central directory ---------------------------------------------


class Accounting:
    """The members' records back to back from byte 0 to the central directory, walked in
    file order: each local header where its central entry points and equal to it, a data
    descriptor only where flagged, no byte that only one kind of reader would read."""

    def __init__(self, file: WheelBytes, checks: bool) -> None:
        self.wheel = file.wheel
        self._pread = file.pread
        self._size = file.size
        self._checks = checks  # False only in benchmarks/zip_bench.py, to measure what they cost

    def members(self, entries: List[rec.CentralEntry], names: List[str], directory_offset: int) -> List[ZipMember]:
        """The members in file order, each with its accepted name (``names[i]`` is ``entries[i]``'s)."""
        order = sorted(range(len(entries)), key=[entry.local_offset for entry in entries].__getitem__)
        members: List[ZipMember] = []
        expected = 0
        for position, index in enumerate(order):
            following = entries[order[position + 1]].local_offset if position + 1 < len(order) else directory_offset
            member, expected = self._entry(entries[index], names[index], expected, following)
            members.append(member)
        if self._checks and expected != directory_offset:
            self._refuse_gap(expected, directory_offset)
        return members

    def _entry(self, entry: rec.CentralEntry, name: str, expected: int, following: int) -> Tuple[ZipMember, int]:
        """The member whose local header the central entry points at, and where the next
        record must start."""
        if self._checks and entry.local_offset != expected:
            self._refuse_gap(expected, entry.local_offset, name)
        # One read for the header and the name it should repeat, and a second only for
        # what lies past that (its extra field): most members cost one read, not two.
        first = min(rec.LOCAL.size + len(entry.raw_name) + _EXTRA_GUESS, self._size - entry.local_offset)
        header = self._pread(max(first, rec.LOCAL.size), entry.local_offset)  # a cut header: "Truncated"
        if header[:4] != rec.LOCAL_SIG:
            raise ZipRefused(
                self.wheel,
                "MissingLocalFileHeader",
                f"no local header at {entry.local_offset}, where the central directory points",
                name,
            )
        if self._checks and _repeats(entry, header):
            data_offset = entry.local_offset + rec.LOCAL.size + len(entry.raw_name)
            if entry.size > CHUNK or name.endswith("/"):
                _size_check(self.wheel, name, entry.size, entry.compressed)
            return ZipMember(name, data_offset, entry.method, entry.crc, entry.compressed, entry.size), (
                data_offset + entry.compressed
            )
        name_length, extra_length = rec.LOCAL.unpack_from(header)[-2:]
        length = rec.LOCAL.size + name_length + extra_length
        if length > len(header):
            header += self._pread(length - len(header), entry.local_offset + len(header))
        local = rec.parse_local(self.wheel, name, header[:length])
        if self._checks:
            self._compare(entry, local, name)
        data_offset = entry.local_offset + local.length
        data_end = data_offset + entry.compressed  # past ``following``: the next record's check refuses
        if entry.flags & rec.FLAG_DESCRIPTOR:
            data_end += self._descriptor(entry, local, name, data_end, following)
        _size_check(self.wheel, name, entry.size, entry.compressed)
        return ZipMember(name, data_offset, entry.method, entry.crc, entry.compressed, entry.size), data_end

    def _compare(self, entry: rec.CentralEntry, local: rec.LocalHeader, name: str) -> None:
        """A local header says what its central entry says (a streaming reader believes it)."""
        if local.raw_name != entry.raw_name:
            raise ZipRefused(
                self.wheel,
                "ConflictingPaths",
                f"the local header names it {local.raw_name.decode('utf-8', 'replace')!r}",
                name,
            )
        if local.method != entry.method:
            raise ZipRefused(
                self.wheel,
                "ConflictingCompressionMethods",
                f"method {local.method} in the local header, {entry.method} in the directory",
                name,
            )
        if local.flags != entry.flags:
            raise ZipRefused(
                self.wheel,
                "ConflictingFlags",
                f"flags {local.flags:#06x} in the local header, {entry.flags:#06x} in the directory",
                name,
            )
        deferred = bool(entry.flags & rec.FLAG_DESCRIPTOR)  # the local values may be zero: the descriptor says
        for defect, here, there in (
            ("ConflictingChecksums", local.crc, entry.crc),
            ("ConflictingCompressedSizes", local.compressed, entry.compressed),
            ("ConflictingUncompressedSizes", local.size, entry.size),
        ):
            if here != there and not (deferred and here == 0):
                raise ZipRefused(self.wheel, defect, f"{here} in the local header, {there} in the directory", name)

    def _descriptor(self, entry: rec.CentralEntry, local: rec.LocalHeader, name: str, at: int, following: int) -> int:
        """The length of the data descriptor at ``at``, which must fill the room up to the
        next record exactly and repeat the central entry's values."""
        if entry.method == rec.STORED:  # a streaming reader cannot find where stored data ends
            raise ZipRefused(
                self.wheel,
                "StoredWithDataDescriptor",
                "stored data followed by a data descriptor: only the directory says where it ends",
                name,
            )
        room = following - at
        if room not in rec.descriptor_forms(local.zip64):
            raise ZipRefused(
                self.wheel,
                "MissingDataDescriptor",
                f"{room} bytes between its data and the next record, not a data descriptor",
                name,
            )
        data = self._pread(room, at)
        signed = room == rec.descriptor_forms(local.zip64)[0]
        if (data[:4] == rec.DESCRIPTOR_SIG) != signed:
            raise ZipRefused(
                self.wheel, "MissingDataDescriptor", "a data descriptor whose signature and length disagree", name
            )
        found = rec.parse_descriptor(data, local.zip64)
        for defect, here, there in (
            ("ConflictingChecksums", found.crc, entry.crc),
            ("ConflictingCompressedSizes", found.compressed, entry.compressed),
            ("ConflictingUncompressedSizes", found.size, entry.size),
        ):
            if here != there:
                raise ZipRefused(self.wheel, defect, f"{here} in the data descriptor, {there} in the directory", name)
        return room

    def _refuse_gap(self, expected: int, found: int, name: Optional[str] = None) -> None:
        if found < expected:
            raise ZipRefused(
                self.wheel,
                "OverlappingEntries",
                f"a record starts at {found}, inside the one before (which ends at {expected})",
                name,
            )
        head = self._pread(min(4, found - expected), expected)
        defect = (
            "MissingCentralDirectoryEntry"
            if head == rec.LOCAL_SIG
            else "UnexpectedDataDescriptor"
            if head == rec.DESCRIPTOR_SIG
            else "UnaccountedBytes"
        )
        where = "before the first entry" if expected == 0 else f"at {expected}"
        raise ZipRefused(
            self.wheel, defect, f"{found - expected} bytes {where} that no central entry accounts for", name
        )


def _all(data: bytes, needle: bytes) -> Iterator[int]:
    at = data.find(needle)
    while at >= 0:
        yield at
        at = data.find(needle, at + 1)


def _repeats(entry: rec.CentralEntry, header: bytes) -> bool:
    """The common case in one comparison: a local header with no extra field that repeats
    its central entry's bytes, name included, where no data descriptor or ZIP64 field
    could make the values differ. Anything else is parsed and compared field by field."""
    return (
        not entry.zip64
        and not entry.flags & rec.FLAG_DESCRIPTOR
        and header[rec.LOCAL_FIXED_AT : rec.LOCAL_FIXED_AT + rec.FIXED_LENGTH] == entry.fixed
        and header[rec.LOCAL_FIXED_AT + rec.FIXED_LENGTH : rec.LOCAL.size] == b"\0\0"
        and header[rec.LOCAL.size : rec.LOCAL.size + len(entry.raw_name)] == entry.raw_name
    )


def _size_check(wheel: str, name: str, size: int, compressed: int) -> None:
    """A declared size no member may have: past the limit, a zip bomb, then a directory
    with data (in that order: each input kept the defect it was always refused for)."""
    if size > MAX_MEMBER_SIZE:
        raise ZipRefused(wheel, "TooLarge", f"declares {size} bytes, more than {MAX_MEMBER_SIZE >> 30} GiB", name)
    if size > CHUNK and size > MAX_RATIO * max(compressed, 1):
        raise ZipRefused(
            wheel, "ZipBomb", f"would expand {compressed} bytes to {size} (more than {MAX_RATIO}:1): a zip bomb", name
        )
    if name.endswith("/") and size:
        raise ZipRefused(wheel, "DirectoryWithData", f"a directory entry holding {size} bytes", name)
