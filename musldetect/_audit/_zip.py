"""One reading of a wheel's ZIP container, the one every installer would agree on, or none.

A central-directory reader (pip, pypa's installer: Python's zipfile) installs what the
central directory lists; a streaming reader (uv) installs what the local headers say, in
file order. A release gate must judge the bytes both would install, so ``WheelZip``
accepts a container only when they cannot differ: every byte of the file is accounted
for (entries back to back from byte 0, each local header equal to its central entry,
only data descriptors between entries, the central directory, the ZIP64 end record and
locator exactly where APPNOTE 4.3.14-4.3.15 put them, one end record at the very end),
names are unique on any file system and stay inside the install root, and every
member's bytes inflate to exactly the declared size and CRC. Anything else raises
``ZipRefused`` with uv's class name for the defect (astral-sh/uv#15136) where it has one.

Members stream in bounded pieces (``stream``), never whole into memory.
"""

from __future__ import annotations

import importlib
import os
import stat
import unicodedata
import zlib
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Protocol, Set, Tuple, Type

from .._rootfs import read_at
from .._types import WheelError, ZipRefused
from . import _inflate
from . import _zip_records as rec

MAX_MEMBERS = 200_000  # members a wheel may list
MAX_MEMBER_SIZE = 4 << 30  # uncompressed bytes one member may declare
MAX_RATIO = 1000  # declared size / compressed size above which a member is a zip bomb
MAX_LZMA_DICTIONARY = 256 << 20  # xz's largest preset uses 64 MiB
MAX_DIRECTORY = 64 << 20  # bytes of central directory read into memory
MAX_VERSION_NEEDED = 63  # APPNOTE 6.3: zipfile refuses a newer "version needed to extract"
CHUNK = 1 << 20  # compressed bytes read, and uncompressed bytes made, at a time
STORED, DEFLATED, BZIP2, LZMA, ZSTANDARD = 0, 8, 12, 14, 93
METHOD_NAMES = {STORED: "stored", DEFLATED: "deflate", BZIP2: "bzip2", LZMA: "lzma", ZSTANDARD: "zstd"}
_TAIL = rec.END.size + 0xFFFF  # the end record and the longest comment
_EMBEDDED = (rec.LOCAL_SIG, rec.CENTRAL_SIG, rec.END_SIG, rec.ZIP64_END_SIG, rec.ZIP64_LOCATOR_SIG)

# A private switch for the benchmark only: False skips the structural checks (local headers
# against the central directory, byte accounting, names) to measure what they cost.
STRUCTURE_CHECKS = True


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


class _Layout(NamedTuple):
    directory_offset: int
    directory_size: int
    entries: int


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def complete(self) -> bool: ...


class WheelZip:
    """The accepted members of one wheel, read from ``fd`` (which the caller owns)."""

    def __init__(self, wheel: str, fd: int) -> None:
        self.wheel = wheel
        self._fd = fd
        self._size = os.fstat(fd).st_size
        self.members: List[ZipMember] = self._read()
        self._by_name = {member.name: member for member in self.members}

    def member(self, name: str) -> Optional[ZipMember]:
        return self._by_name.get(name)

    def _pread(self, length: int, offset: int) -> bytes:
        data = read_at(self._fd, length, offset)
        if len(data) != length:
            raise ZipRefused(self.wheel, "Truncated", f"{length} bytes at {offset} run past the end of the file")
        return data

    # -- the layout ----------------------------------------------------------------------

    def _read(self) -> List[ZipMember]:
        layout = self._end_records()
        directory = self._pread(layout.directory_size, layout.directory_offset)
        entries: List[rec.CentralEntry] = []
        at = 0
        for _ in range(layout.entries):
            entry = rec.parse_central(self.wheel, directory, at)
            entries.append(entry)
            at += entry.length
        if at != len(directory):
            raise ZipRefused(
                self.wheel,
                "ConflictingNumberOfEntries",
                f"the end record counts {layout.entries} entries, the central directory holds more",
            )
        names = [self._accepted_name(entry) for entry in entries]
        if STRUCTURE_CHECKS:
            check_names(self.wheel, names)
        order = sorted(range(len(entries)), key=lambda index: entries[index].local_offset)
        members: List[ZipMember] = []
        expected = 0
        for position, index in enumerate(order):
            following = (
                entries[order[position + 1]].local_offset if position + 1 < len(order) else layout.directory_offset
            )
            member, expected = self._entry(entries[index], names[index], expected, following)
            members.append(member)
        if STRUCTURE_CHECKS and expected != layout.directory_offset:
            self._refuse_gap(expected, layout.directory_offset)
        return members

    def _end_records(self) -> _Layout:
        """The end record (the only one, ending the file), the ZIP64 records right before it
        when present, and the central directory right before those."""
        tail_start = max(0, self._size - _TAIL)
        tail = self._pread(self._size - tail_start, tail_start)
        found = [
            at
            for at in _all(tail, rec.END_SIG)
            if at + rec.END.size <= len(tail)
            and at + rec.END.size + rec.parse_end(tail[at:]).comment_length == len(tail)
        ]
        if not found and rec.END_SIG not in tail:  # not a container at all: a malformed input, not a disagreement
            raise WheelError(f"{self.wheel}: not a readable wheel (zip): no end of central directory record")
        if not found:
            raise ZipRefused(self.wheel, "TrailingContents", "bytes follow the end of central directory record")
        at = found[-1]
        end = rec.parse_end(tail[at:])
        comment = tail[at + rec.END.size :]
        if len(found) > 1 or any(sig in comment for sig in _EMBEDDED):
            raise ZipRefused(self.wheel, "ZipInZip", "the archive comment holds ZIP records")
        end_offset = tail_start + at
        if end.disk or end.directory_disk or end.entries_on_disk != end.entries:
            raise ZipRefused(self.wheel, "MultiDisk", "a multi-disk archive")
        directory_end, end = self._zip64(end, end_offset)
        if end.directory_size > MAX_DIRECTORY or end.entries > MAX_MEMBERS:
            raise ZipRefused(
                self.wheel,
                "TooLarge",
                f"{end.entries} entries in {end.directory_size} bytes of "
                f"central directory, more than {MAX_MEMBERS} or 64 MiB",
            )
        if end.directory_offset + end.directory_size != directory_end:
            raise ZipRefused(
                self.wheel,
                "InvalidEndOfCentralDirectoryOffset",
                f"the central directory is said to end at {end.directory_offset + end.directory_size}, "
                f"its end records start at {directory_end}",
            )
        return _Layout(end.directory_offset, end.directory_size, end.entries)

    def _zip64(self, end: rec.EndRecord, end_offset: int) -> Tuple[int, rec.EndRecord]:
        """Where the central directory must end, and the values that count: the ZIP64 end
        record (4.3.14) followed by its locator (4.3.15) right before the end record."""
        locator_at = end_offset - rec.ZIP64_LOCATOR.size
        if locator_at < 0 or self._pread(4, locator_at) != rec.ZIP64_LOCATOR_SIG:
            if end.entries == rec.MAX16 or rec.MAX32 in (end.directory_size, end.directory_offset):
                raise ZipRefused(
                    self.wheel,
                    "MissingZip64EndOfCentralDirectoryLocator",
                    "the end record escapes a value to ZIP64, and no ZIP64 locator precedes it",
                )
            return end_offset, end
        locator = rec.parse_zip64_locator(self._pread(rec.ZIP64_LOCATOR.size, locator_at))
        zip64_at = locator_at - rec.ZIP64_END.size
        if locator.end_offset != zip64_at or locator.disk or locator.disks != 1:
            raise ZipRefused(
                self.wheel,
                "InvalidZip64EndOfCentralDirectoryLocatorOffset",
                f"the ZIP64 locator points at {locator.end_offset}, the ZIP64 end record must start at {zip64_at}",
            )
        zip64, _length = rec.parse_zip64_end(self.wheel, self._pread(rec.ZIP64_END.size, zip64_at))
        for field, legacy, escape in (
            ("entries", end.entries, rec.MAX16),
            ("directory_size", end.directory_size, rec.MAX32),
            ("directory_offset", end.directory_offset, rec.MAX32),
        ):
            if legacy not in (escape, getattr(zip64, field)):
                raise ZipRefused(
                    self.wheel,
                    "ConflictingZip64EndOfCentralDirectory",
                    f"the end record's {field} ({legacy}) differs from the ZIP64 one's ({getattr(zip64, field)})",
                )
        if zip64.disk or zip64.directory_disk or zip64.entries_on_disk != zip64.entries:
            raise ZipRefused(self.wheel, "MultiDisk", "a multi-disk archive")
        return zip64_at, zip64

    def _accepted_name(self, entry: rec.CentralEntry) -> str:
        if entry.flags & rec.FLAG_UTF8:
            try:
                name = entry.raw_name.decode("utf-8")
            except UnicodeDecodeError:
                raise ZipRefused(
                    self.wheel,
                    "CentralDirectoryEntryNotUtf8",
                    "a name flagged UTF-8 is not",
                    entry.raw_name.decode("utf-8", "replace"),
                ) from None
        elif entry.raw_name.isascii():
            name = entry.raw_name.decode("ascii")
        else:  # zipfile reads it as code page 437, uv as UTF-8
            raise ZipRefused(
                self.wheel,
                "CentralDirectoryEntryNotUtf8",
                "a non-ASCII name without the UTF-8 flag",
                entry.raw_name.decode("utf-8", "replace"),
            )
        if entry.flags & rec.FLAGS_REFUSED:
            raise ZipRefused(
                self.wheel,
                "UnsupportedFeature",
                f"general purpose flags {entry.flags:#06x}: encrypted or patched data",
                name,
            )
        if entry.needed & 0xFF > MAX_VERSION_NEEDED:
            raise ZipRefused(
                self.wheel,
                "UnsupportedFeature",
                f"needs ZIP version {(entry.needed & 0xFF) / 10}, newer than readers accept",
                name,
            )
        if entry.method not in METHOD_NAMES:
            raise ZipRefused(
                self.wheel,
                "UnsupportedCompression",
                f"compression method {entry.method}, which installers do not read",
                name,
            )
        decoder_factory(self.wheel, name, entry.method)  # "cannot judge" now, before any member is read
        if stat.S_ISLNK(entry.external_attributes >> 16):
            raise ZipRefused(
                self.wheel,
                "SymlinkEntry",
                "a symbolic link: some installers make one, others a file holding its target",
                name,
            )
        return name

    def _entry(self, entry: rec.CentralEntry, name: str, expected: int, following: int) -> Tuple[ZipMember, int]:
        """The member whose local header the central entry points at, and where the next
        record must start."""
        if STRUCTURE_CHECKS and entry.local_offset != expected:
            self._refuse_gap(expected, entry.local_offset, name)
        fixed = self._pread(rec.LOCAL.size, entry.local_offset)
        if fixed[:4] != rec.LOCAL_SIG:
            raise ZipRefused(
                self.wheel,
                "MissingLocalFileHeader",
                f"no local header at {entry.local_offset}, where the central directory points",
                name,
            )
        name_length, extra_length = rec.LOCAL.unpack(fixed)[-2:]
        local = rec.parse_local(
            self.wheel, name, fixed + self._pread(name_length + extra_length, entry.local_offset + rec.LOCAL.size)
        )
        if STRUCTURE_CHECKS:
            self._compare(entry, local, name)
        data_offset = entry.local_offset + local.length
        data_end = data_offset + entry.compressed  # past ``following``: the next record's check refuses
        if entry.flags & rec.FLAG_DESCRIPTOR:
            data_end += self._descriptor(entry, local, name, data_end, following)
        _bomb_check(self.wheel, name, entry.size, entry.compressed)
        if name.endswith("/") and entry.size:
            raise ZipRefused(self.wheel, "DirectoryWithData", f"a directory entry holding {entry.size} bytes", name)
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
        if entry.method == STORED:  # a streaming reader cannot find where stored data ends
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

    # -- the members' bytes --------------------------------------------------------------

    def stream(self, member: ZipMember) -> Iterator[bytes]:
        """The member's bytes in pieces of at most ``CHUNK``; the last step checks the
        compressed length, the size and the CRC, so only a consumer that reads to the end
        has accepted bytes (a failed check raises ``ZipRefused`` there)."""
        decoder = decoder_factory(self.wheel, member.name, member.method)()
        produced, crc, at, end = 0, 0, member.data_offset, member.data_offset + member.compressed
        while True:
            raw = self._pread(min(CHUNK, end - at), at) if at < end else b""
            at += len(raw)
            try:
                for piece in decoder.feed(raw):
                    produced += len(piece)
                    if produced > member.size:
                        raise ZipRefused(
                            self.wheel,
                            "BadUncompressedSize",
                            f"inflates past its declared {member.size} bytes",
                            member.name,
                        )
                    crc = zlib.crc32(piece, crc)
                    yield piece
            except ZipRefused:
                raise
            except decompress_errors() as exc:
                raise ZipRefused(
                    self.wheel, "BadCompressedData", f"its data cannot be inflated: {exc}", member.name
                ) from exc
            if not raw:
                break
        if not decoder.complete():
            raise ZipRefused(
                self.wheel,
                "BadCompressedSize",
                f"its compressed stream does not end exactly after {member.compressed} bytes",
                member.name,
            )
        if produced != member.size:
            raise ZipRefused(
                self.wheel, "BadUncompressedSize", f"inflates to {produced} bytes, not {member.size}", member.name
            )
        if crc != member.crc:
            raise ZipRefused(self.wheel, "BadCrc32", f"CRC {crc:08x}, the headers say {member.crc:08x}", member.name)

    def read(self, member: ZipMember, limit: int) -> bytes:
        """The member's first ``limit`` bytes, after checking all of them."""
        kept = bytearray()
        for piece in self.stream(member):
            if len(kept) < limit:
                kept += piece[: limit - len(kept)]
        return bytes(kept)


def _all(data: bytes, needle: bytes) -> Iterator[int]:
    at = data.find(needle)
    while at >= 0:
        yield at
        at = data.find(needle, at + 1)


def _bomb_check(wheel: str, name: str, size: int, compressed: int) -> None:
    if size > MAX_MEMBER_SIZE:
        raise ZipRefused(wheel, "TooLarge", f"declares {size} bytes, more than {MAX_MEMBER_SIZE >> 30} GiB", name)
    if size > CHUNK and size > MAX_RATIO * max(compressed, 1):
        raise ZipRefused(
            wheel, "ZipBomb", f"would expand {compressed} bytes to {size} (more than {MAX_RATIO}:1): a zip bomb", name
        )


# -- names ------------------------------------------------------------------------------


def check_names(wheel: str, names: List[str]) -> None:
    """Each name stays inside the install root and is one file on every file system: no
    two names equal once case and Unicode normalisation are folded away, and no file is
    also a directory of another name."""
    folded: Dict[str, str] = {}
    parents: Set[str] = set()
    for name in names:
        _check_path(wheel, name)
        key = fold_name(name.rstrip("/"))
        if key in folded:
            defect = "DuplicateLocalFileHeader" if folded[key].rstrip("/") == name.rstrip("/") else "NameCollision"
            raise ZipRefused(wheel, defect, f"the same file as {folded[key]!r} on some file system", name)
        folded[key] = name
        parts = key.split("/")
        parents.update("/".join(parts[:depth]) for depth in range(1, len(parts)))
    for key, name in folded.items():
        if key in parents and not name.endswith("/"):
            raise ZipRefused(wheel, "NameCollision", "a file, and the directory of other members", name)


def fold_name(name: str) -> str:
    """The key under which a case-insensitive, normalising file system stores ``name``."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _check_path(wheel: str, name: str) -> None:
    """A name's parts: none empty (so not absolute), ".", ".."; no separator but "/"."""
    parts = name[:-1].split("/") if name.endswith("/") else name.split("/")
    if (
        not name
        or "\\" in name
        or ":" in name
        or any(ord(char) < 0x20 or char == "\x7f" for char in name)
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise ZipRefused(wheel, "UnsafePath", "not a plain relative path inside the install root", name)


# -- decompression ----------------------------------------------------------------------


def decoder_factory(wheel: str, name: str, method: int) -> Callable[[], _Decoder]:
    """A maker of decoders for ``method``; ``ZipRefused`` ("cannot judge") when this Python
    cannot decompress it."""
    if method == STORED:
        return _Stored
    if method == DEFLATED:
        return _Deflate
    try:
        if method == BZIP2:
            import bz2

            return lambda: _Incremental(bz2.BZ2Decompressor())
        if method == LZMA:
            import lzma  # noqa: F401  (the import says whether this Python has it)

            return _Lzma
        if method == ZSTANDARD:
            return _zstd_factory()
    except ImportError:
        pass
    raise ZipRefused(
        wheel,
        "CompressionUnavailable",
        f"{METHOD_NAMES.get(method, method)} data, which this Python cannot decompress: "
        "cannot judge it here (Python 3.14 reads zstd)",
        name,
    )


class _Stored:
    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data

    def complete(self) -> bool:
        return True


class _Deflate:
    """Raw deflate, by the fastest inflater installed (``_inflate``: isal or zlib-ng with
    the ``fast`` extra, else zlib); the CRC is still checked with zlib on what it gives."""

    def __init__(self) -> None:
        self._inflate = _inflate.choose().decompressobj(-15)

    def feed(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while True:
            out = self._inflate.decompress(pending, CHUNK)
            if out:
                yield out
            pending = self._inflate.unconsumed_tail
            if self._inflate.eof or (not pending and len(out) < CHUNK):
                return

    def complete(self) -> bool:
        return self._inflate.eof and not self._inflate.unused_data


class _BoundedDecompressor(Protocol):
    @property
    def eof(self) -> bool: ...

    @property
    def needs_input(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...


class _Incremental:
    """bz2, lzma and zstd decompressors share one bounded interface."""

    def __init__(self, inner: _BoundedDecompressor, ends_by_size: bool = False) -> None:
        self._inner = inner
        self._ends_by_size = ends_by_size  # an LZMA stream may lack its end marker
        self._fed = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not data or self._inner.eof:
            if data:  # input after the end of the stream
                raise ValueError(f"{len(data)} bytes after the end of the compressed stream")
            return
        self._fed = True
        out = self._inner.decompress(data, CHUNK)
        while True:
            if out:
                yield out
            if self._inner.eof or self._inner.needs_input:
                return
            out = self._inner.decompress(b"", CHUNK)

    def complete(self) -> bool:
        if self._inner.eof:
            return not self._inner.unused_data
        return self._ends_by_size or not self._fed


class _Lzma:
    """ZIP's LZMA (method 14, APPNOTE 5.8.8): a version, the properties' length, the
    properties (lc/lp/pb and dictionary size), then a raw LZMA1 stream."""

    def __init__(self) -> None:
        self._head = b""
        self._body: Optional[_Incremental] = None

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._body is None:
            self._head += data
            if len(self._head) < 4 or len(self._head) < 4 + int.from_bytes(self._head[2:4], "little"):
                if not data and self._head:
                    raise ValueError("an LZMA header cut short")
                return
            length = int.from_bytes(self._head[2:4], "little")
            if length != 5:
                raise ValueError(f"LZMA properties of {length} bytes, not 5")
            self._body = _Incremental(_raw_lzma1(self._head[4:9]), ends_by_size=True)
            data, self._head = self._head[9:], b""
        yield from self._body.feed(data)

    def complete(self) -> bool:
        return self._body is not None and self._body.complete()


def _raw_lzma1(properties: bytes) -> _BoundedDecompressor:
    import lzma

    packed = properties[0]
    if packed >= 9 * 5 * 5:
        raise ValueError(f"LZMA properties byte {packed} is out of range")
    dictionary = int.from_bytes(properties[1:5], "little")
    if dictionary > MAX_LZMA_DICTIONARY:  # the decoder would allocate it whole
        raise ValueError(f"an LZMA dictionary of {dictionary} bytes, more than {MAX_LZMA_DICTIONARY >> 20} MiB")
    lzma1 = {
        "id": lzma.FILTER_LZMA1,
        "dict_size": dictionary,
        "lc": packed % 9,
        "lp": (packed // 9) % 5,
        "pb": packed // 45,
    }
    return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma1])


def _zstd_factory() -> Callable[[], _Decoder]:
    module = importlib.import_module("compression.zstd")  # Python 3.14+ (PEP 784)
    make: Callable[[], _BoundedDecompressor] = module.ZstdDecompressor
    return lambda: _Incremental(make())


_ERRORS: List[Type[Exception]] = []


def decompress_errors() -> Tuple[Type[Exception], ...]:
    """What a decompressor raises on bad data: zlib.error, OSError (bz2), EOFError,
    ValueError, the optional inflaters' errors, and lzma's and zstd's own classes where
    this Python has them."""
    if not _ERRORS:
        _ERRORS.extend((zlib.error, OSError, EOFError, ValueError))
        _ERRORS.extend(inflater.error for inflater in _inflate.available())
        for module, name in (("lzma", "LZMAError"), ("compression.zstd", "ZstdError")):
            try:
                _ERRORS.append(getattr(importlib.import_module(module), name))
            except ImportError:
                pass
    return tuple(_ERRORS)
