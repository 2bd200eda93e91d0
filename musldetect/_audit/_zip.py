"""One reading of a wheel's ZIP container, the one every installer would agree on, or none.

A central-directory reader (pip, pypa's installer: Python's zipfile) installs what the
central directory lists; a streaming reader (uv) installs what the local headers say, in
file order. A release gate must judge the bytes both would install, so ``WheelZip``
accepts a container only when they cannot differ: every byte of the file is accounted
for (entries back to back from byte 0, each local header equal to its central entry,
only data descriptors between entries, the central directory, the ZIP64 end record and
locator exactly where APPNOTE 4.3.14-4.3.15 put them, one end record at the very end:
``_zip_layout``), names are unique on any file system and stay inside the install root,
and every member's bytes inflate to exactly the declared size and CRC (here). Anything
else raises ``ZipRefused`` with uv's class name for the defect (astral-sh/uv#15136) where
it has one.

Members stream in bounded pieces (``stream``), never whole into memory.
"""

from __future__ import annotations

import importlib
import re
import stat
import unicodedata
import zlib
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, NamedTuple, Optional, Protocol, Set, Tuple, Type

from .._dispatch import native_zip_reader, native_zip_walk
from .._types import ZipRefused
from . import _inflate
from . import _zip_records as rec
from ._zip_layout import CHUNK, READ, WHOLE, Accounting, Layout, WheelBytes, central_entries, find_layout, truncated
from ._zip_layout import ZipMember as ZipMember  # re-exported: what the audit's reader is handed
from ._zip_records import BZIP2, DEFLATED, LZMA, STORED, ZSTANDARD

if TYPE_CHECKING:
    from .._dispatch import NativeZipReader

MAX_LZMA_DICTIONARY = 256 << 20  # xz's largest preset uses 64 MiB
MAX_VERSION_NEEDED = 63  # APPNOTE 6.3: zipfile refuses a newer "version needed to extract"
METHOD_NAMES = {STORED: "stored", DEFLATED: "deflate", BZIP2: "bzip2", LZMA: "lzma", ZSTANDARD: "zstd"}

_REUSED_STEP = 1 << 20  # the C reader's reused memory grows in steps of this much
# The reused memory is kept for the next wheel: memory a process used before costs nothing
# to touch, where fresh memory costs its page faults (ujson's 3.5 MB libstdc++ read into
# fresh memory: 11.0 ms on the median, 9.6 ms into memory read into before; the median
# audit 1.052x -> 1.024x the stdlib floor). A process keeps one pair between audits, at
# most what a member up to WHOLE needs (two buffers of at most 15 MiB).
_KEPT: List[_ReusedMemory] = []

# A private switch for the benchmark only: False skips the structural checks (local headers
# against the central directory, byte accounting, names) to measure what they cost.
STRUCTURE_CHECKS = True


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def complete(self) -> bool: ...


class _Walked(NamedTuple):
    names: List[str]  # in the central directory's order
    members: List[ZipMember]  # in file order


class _MemberRead(NamedTuple):
    """What ``_native.read_member`` read of one member: the checks are ``WheelZip``'s."""

    produced: int  # bytes made, at most the declared size + 1
    crc: int
    complete: bool  # the stream ended exactly with the compressed data
    truncated: bool  # the file ended before the compressed data did
    problem: Optional[str]  # zlib's words for a failure


class _ReusedMemory:
    """The two bytearrays ``_native.read_member`` fills, grown as members need and kept
    for the wheel, then for the next one (``_KEPT``): what a member inflates to, and its
    compressed data on the way."""

    def __init__(self, native: NativeZipReader) -> None:
        self._native = native  # its functions looked up at each use: kept memory outlives a wheel
        self.out, self.passing = bytearray(), bytearray()
        self._pinned = (memoryview(self.out), memoryview(self.passing))

    def read(self, fd: int, member: ZipMember) -> _MemberRead:
        """``member`` read into ``out``: its first ``member.size`` bytes, once checked."""
        room = max(member.size + 1, member.compressed)
        if len(self.out) < room:
            self.out = self._grown(room)
            self._pinned = (memoryview(self.out), self._pinned[1])
        if member.method == DEFLATED and len(self.passing) < member.compressed:
            self.passing = self._grown(member.compressed)
            self._pinned = (self._pinned[0], memoryview(self.passing))
        found = self._native.read_member(
            fd, member.data_offset, member.compressed, member.size, member.method, self.out, self.passing
        )
        return _MemberRead._make(found)

    def _grown(self, size: int) -> bytearray:
        """Fresh memory for ``size`` bytes: never resized in place, so bytes a reader
        still holds a view of are never moved (``_pinned``, a view of each, makes a resize
        from anywhere else an error: the C reader writes into them without the GIL)."""
        return self._native.scratch(-(-size // _REUSED_STEP) * _REUSED_STEP)


def _reused_memory(native: NativeZipReader) -> _ReusedMemory:
    """The memory an earlier wheel left (``WheelZip.done``), else new: one pair per reader
    at a time (list.pop is one step, so two threads never share one)."""
    try:
        return _KEPT.pop()
    except IndexError:
        return _ReusedMemory(native)


class WheelZip:
    """The accepted members of one wheel, read from ``fd`` (which the caller owns)."""

    def __init__(self, wheel: str, fd: int) -> None:
        self.wheel = wheel
        self._file = WheelBytes(wheel, fd)
        self.members: List[ZipMember] = self._read()
        self._by_name = {member.name: member for member in self.members}
        inflater = _inflate.chosen()  # asked once a wheel
        self._raw_deflate = inflater.decompressobj  # for the members read whole
        native = native_zip_reader()
        self._crc32: Callable[[bytes, int], int] = native.crc32 if native is not None else zlib.crc32
        # A faster inflater than zlib beats zlib in C: the members then go through it.
        self._memory = _reused_memory(native) if native is not None and inflater.name == "zlib" else None

    def done(self) -> None:
        """The wheel is read: its reused memory is left for the next wheel (``_KEPT``);
        nothing read from it may be used after."""
        memory, self._memory = self._memory, None
        if memory is not None:
            _KEPT[:1] = [memory]  # one step, so threads ending together leave one pair kept

    def member(self, name: str) -> Optional[ZipMember]:
        return self._by_name.get(name)

    def _read(self) -> List[ZipMember]:
        """The central directory where the end records put it, each entry's name and data
        readable alike by every installer, then every byte before the directory accounted
        for; the common case by the C twin when it is there and answers (it declines every
        container whose entries or bytes the Python reader would refuse, so the names'
        checks may follow its accounting)."""
        layout = find_layout(self._file)
        walked = self._walked(layout) if STRUCTURE_CHECKS else None
        entries: List[rec.CentralEntry] = []
        if walked is not None:
            names = walked.names
        else:
            entries = central_entries(self._file, layout)
            names = [accepted_name(self.wheel, entry) for entry in entries]
        if STRUCTURE_CHECKS:
            check_names(self.wheel, names)
        if walked is not None:
            return walked.members
        return Accounting(self._file, STRUCTURE_CHECKS).members(entries, names, layout.directory_offset)

    def _walked(self, layout: Layout) -> Optional[_Walked]:
        """The names and members by the C twin (``_native.zip_walk``), None where it is not
        here or declines."""
        native = native_zip_walk()
        if native is None:
            return None
        directory = self._file.pread(layout.directory_size, layout.directory_offset)
        found = native(self._file.fd, self._file.size, directory, layout.entries, layout.directory_offset)
        if found is None:
            return None
        names, rows = found
        return _Walked(names, list(map(ZipMember._make, rows)))

    def stream(self, member: ZipMember) -> Iterator[bytes]:
        """The member's bytes: whole when it ``fits_one_read``, else in pieces of at most
        ``CHUNK``; the last step checks the compressed length, the size and the CRC, so
        only a consumer that reads to the end has accepted bytes (a failed check raises
        ``ZipRefused`` there)."""
        if self.fits_one_read(member):
            yield self.whole(member)  # most members: one read, one inflate, the same checks
            return
        decoder = decoder_factory(self.wheel, member.name, member.method, self._raw_deflate)()
        pread = self._file.pread
        produced, crc, at, end = 0, 0, member.data_offset, member.data_offset + member.compressed
        while True:
            raw = pread(min(READ, end - at), at) if at < end else b""
            at += len(raw)
            try:
                for piece in decoder.feed(raw):
                    produced += len(piece)
                    if produced > member.size:
                        raise self._past(member)
                    crc = self._crc32(piece, crc)
                    yield piece
            except (ZipRefused, GeneratorExit):  # a consumer that stops early needs no decompressor's errors
                raise
            except decompress_errors() as exc:
                raise self._not_inflated(member, str(exc)) from exc
            if not raw:
                break
        self._check_ending(member, decoder, produced, crc)

    @staticmethod
    def fits_one_read(member: ZipMember) -> bool:
        """Whether ``whole`` (or ``reused``) takes this member: deflated or stored, at most
        ``WHOLE`` bytes each way."""
        return member.compressed <= WHOLE and member.size <= WHOLE and member.method in (DEFLATED, STORED)

    def whole(self, member: ZipMember) -> bytes:
        """A member that ``fits_one_read``, read and checked as ``stream`` does."""
        data = raw = self._file.pread(member.compressed, member.data_offset)
        complete = True
        if member.method == DEFLATED:
            inflater = self._raw_deflate(-15)
            try:
                data = inflater.decompress(raw, member.size + 1)
            except decompress_errors() as exc:
                raise self._not_inflated(member, str(exc)) from exc
            if len(data) > member.size:
                raise self._past(member)
            complete = inflater.eof and not inflater.unused_data
        crc = self._crc32(data, 0)
        if not (complete and len(data) == member.size and crc == member.crc):
            self._check_end(member, complete, len(data), crc)  # says which of the three failed
        return data

    def reads_reused(self, member: ZipMember) -> bool:
        """Whether ``reused`` takes this member: the C reader is here (``_native.read_member``,
        with zlib the inflater), and the member ``fits_one_read``."""
        return self._memory is not None and self.fits_one_read(member)

    def reused(self, member: ZipMember) -> bytearray:
        """A member that ``reads_reused``, read and checked as ``whole`` reads it (the C
        twin, ``_native.read_member``), into memory the next call reuses: its first
        ``member.size`` bytes are the member, until then."""
        assert self._memory is not None
        found = self._memory.read(self._file.fd, member)
        if found.truncated:
            raise truncated(self.wheel, member.compressed, member.data_offset)
        if found.problem is not None:
            raise self._not_inflated(member, found.problem)
        if member.method == DEFLATED and found.produced > member.size:
            raise self._past(member)
        if not (found.complete and found.produced == member.size and found.crc == member.crc):
            self._check_end(member, found.complete, found.produced, found.crc)
        return self._memory.out

    def _not_inflated(self, member: ZipMember, words: str) -> ZipRefused:
        return ZipRefused(self.wheel, "BadCompressedData", f"its data cannot be inflated: {words}", member.name)

    def _past(self, member: ZipMember) -> ZipRefused:
        return ZipRefused(
            self.wheel, "BadUncompressedSize", f"inflates past its declared {member.size} bytes", member.name
        )

    def _check_ending(self, member: ZipMember, decoder: _Decoder, produced: int, crc: int) -> None:
        self._check_end(member, decoder.complete(), produced, crc)

    def _check_end(self, member: ZipMember, complete: bool, produced: int, crc: int) -> None:
        """The member's data ended where the headers say, as the bytes they declare."""
        if not complete:
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


# -- names and features ------------------------------------------------------------------


def accepted_name(wheel: str, entry: rec.CentralEntry) -> str:
    """The entry's name, once every reader decodes it alike and can read its data."""
    name = _decoded_name(wheel, entry)
    _check_readable(wheel, entry, name)
    return name


def _decoded_name(wheel: str, entry: rec.CentralEntry) -> str:
    """The name flagged UTF-8, or plain ASCII: what every reader decodes the same way."""
    if entry.flags & rec.FLAG_UTF8:
        try:
            return entry.raw_name.decode("utf-8")
        except UnicodeDecodeError:
            raise ZipRefused(
                wheel,
                "CentralDirectoryEntryNotUtf8",
                "a name flagged UTF-8 is not",
                entry.raw_name.decode("utf-8", "replace"),
            ) from None
    if entry.raw_name.isascii():
        return entry.raw_name.decode("ascii")
    raise ZipRefused(  # zipfile reads it as code page 437, uv as UTF-8
        wheel,
        "CentralDirectoryEntryNotUtf8",
        "a non-ASCII name without the UTF-8 flag",
        entry.raw_name.decode("utf-8", "replace"),
    )


def _check_readable(wheel: str, entry: rec.CentralEntry, name: str) -> None:
    """Data every installer reads: not encrypted or patched, a ZIP version and a method
    they know, which this Python decompresses ("cannot judge" now, before any member is
    read), and a file, not a symbolic link."""
    if entry.flags & rec.FLAGS_REFUSED:
        raise ZipRefused(
            wheel,
            "UnsupportedFeature",
            f"general purpose flags {entry.flags:#06x}: encrypted or patched data",
            name,
        )
    if entry.needed & 0xFF > MAX_VERSION_NEEDED:
        raise ZipRefused(
            wheel,
            "UnsupportedFeature",
            f"needs ZIP version {(entry.needed & 0xFF) / 10}, newer than readers accept",
            name,
        )
    if entry.method not in METHOD_NAMES:
        raise ZipRefused(
            wheel,
            "UnsupportedCompression",
            f"compression method {entry.method}, which installers do not read",
            name,
        )
    if entry.method not in (STORED, DEFLATED):  # the two every Python reads: no decoder asked for
        decoder_factory(wheel, name, entry.method)
    if stat.S_ISLNK(entry.external_attributes >> 16):
        raise ZipRefused(
            wheel,
            "SymlinkEntry",
            "a symbolic link: some installers make one, others a file holding its target",
            name,
        )


def check_names(wheel: str, names: List[str]) -> None:
    """Each name stays inside the install root and is one file on every file system: no
    two names equal once case and Unicode normalisation are folded away, and no file is
    also a directory of another name."""
    if not _plainly_distinct(names):
        _check_each(wheel, names)


def _check_each(wheel: str, names: List[str]) -> None:
    """``check_names`` a name at a time, raising for the first that breaks a rule."""
    folded: Dict[str, str] = {}
    parents: Set[str] = set()
    for name in names:
        _check_path(wheel, name)
        key = fold_name(name.rstrip("/"))
        if key in folded:
            defect = "DuplicateLocalFileHeader" if folded[key].rstrip("/") == name.rstrip("/") else "NameCollision"
            raise ZipRefused(wheel, defect, f"the same file as {folded[key]!r} on some file system", name)
        folded[key] = name
        _add_parents(parents, key)
    for key, name in folded.items():
        if key in parents and not name.endswith("/"):
            raise ZipRefused(wheel, "NameCollision", "a file, and the directory of other members", name)


def _plainly_distinct(names: List[str]) -> bool:
    """``check_names``'s rules for the common case, over the whole list at once rather than
    a loop per name (numpy's 819 names: 1.4 ms in the loop): every name ASCII and a plain
    relative path, distinct once case is folded, and no file the directory of another.
    False sends the names through the loop, which finds what is wrong and says so (or
    accepts what only it can judge: a name that is not ASCII)."""
    text = "\n".join([name[:-1] if name[-1:] == "/" else name for name in names])  # a directory's "/" off
    if not text.isascii() or _UNSAFE_CHARACTER.search(text) is not None:
        return False
    bracketed = "/" + text.replace("\n", "/\n/") + "/"  # each name between slashes: its parts are "/"-delimited
    if "//" in bracketed or "/./" in bracketed or "/../" in bracketed:  # an empty part, ".", ".."
        return False
    keys = text.lower().split("\n")  # fold_name's ASCII case
    if len(keys) != len(names) or len(set(keys)) != len(keys):  # a name holding a "\n", or two alike
        return False
    parents: Set[str] = set()
    for directory in {key.rpartition("/")[0] for key in keys}:
        _add_parents(parents, directory + "/")
    return parents.isdisjoint(key for key, name in zip(keys, names) if name[-1:] != "/")


def _add_parents(parents: Set[str], key: str) -> None:
    """Every directory above ``key``; the walk up stops at one already known, whose own
    parents were added with it (most members share their directory with the one before)."""
    cut = key.rfind("/")
    while cut > 0 and key[:cut] not in parents:
        parents.add(key[:cut])
        cut = key.rfind("/", 0, cut)


def fold_name(name: str) -> str:
    """The key under which a case-insensitive, normalising file system stores ``name``."""
    if name.isascii():  # NFC leaves ASCII as it is, and casefold() is lower() there
        return name.lower()
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


# One search in C rather than a test per character or per part: a backslash, a drive
# colon, a control character, or a part that is empty (so an absolute name), "." or "..".
_UNSAFE_PATH = re.compile(r"[\\:\x00-\x1f\x7f]|(?:^|/)(?:|\.|\.\.)(?:/|$)")
# Its characters, over names joined by "\n": that one is left out (a name holding one
# splits into two, which ``_plainly_distinct`` counts).
_UNSAFE_CHARACTER = re.compile(r"[\\:\x00-\x09\x0b-\x1f\x7f]")


def _check_path(wheel: str, name: str) -> None:
    """A name's parts: none empty (so not absolute), ".", ".."; no separator but "/"; a
    directory's one trailing "/" is not an empty part."""
    if _UNSAFE_PATH.search(name[:-1] if name.endswith("/") else name) is not None:
        raise ZipRefused(wheel, "UnsafePath", "not a plain relative path inside the install root", name)


# -- decompression ----------------------------------------------------------------------


def decoder_factory(
    wheel: str, name: str, method: int, deflate: Optional[Callable[[int], _inflate.Decompressor]] = None
) -> Callable[[], _Decoder]:
    """A maker of decoders for ``method`` (deflate by ``deflate``, the inflater a wheel's
    reading chose, else the one chosen now); ``ZipRefused`` ("cannot judge") when this
    Python cannot decompress it."""
    if method == STORED:
        return _Stored
    if method == DEFLATED:
        make = deflate or _inflate.chosen().decompressobj
        return lambda: _Deflate(make(-15))
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

    def __init__(self, inflater: _inflate.Decompressor) -> None:
        self._inflate = inflater

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


class _BoundedDecompressor(_inflate.Bounded, Protocol):
    """bz2's, lzma's and zstd's: whether they need input before giving more."""

    @property
    def needs_input(self) -> bool: ...


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
