"""Reading the input: a wheel (zip), a directory or one binary -> the facts the judge needs.

A wheel's container is read once by ``_zip``, which refuses any that two installers could
read differently; every member streams through once (its CRC and its RECORD hash checked,
its magic read: binaries are found by content); a binary member is read from the pieces
it inflated in, kept in memory (up to ``MAX_HELD``); a larger ELF one (from
``SPARSE_FROM``) from the pieces that hold what its facts read (a sparse hold: the member
is read again for any other byte), or spooled to an unnamed temporary file when those would not do, or under a
directory when its binaries are to be resolved; nothing else is extracted. A directory
is walked without following links, every file's magic read. Every ELF program or library
is read with ``_binary``, every Mach-O or PE file with ``_images``. The tags a wheel
declares come from its file name and its WHEEL file, both kept so the judge can compare them.
"""

from __future__ import annotations

import os
import re
from typing import BinaryIO, Callable, Dict, List, NamedTuple, Optional, Set, Tuple

from .. import _rules
from .._elf import WINDOW, ELFFile, HeldFile, HeldPieces
from .._elf_header import ET_DYN, PT_DYNAMIC, PT_INTERP, PT_LOAD, PT_NOTE
from .._rootfs import (
    host_is_directory,
    host_regular_files,
    open_regular_file,
    read_at,
    read_head,
    read_host_file,
    spool_file,
)
from .._types import ELFError, WheelError, ZipRefused
from . import _record
from ._binary import BinaryFacts, binary_facts, held_binary_facts
from ._images import ImageFacts, image_facts, image_facts_of_descriptor, looks_like_image
from ._magic import ELF, HEAD, MAGIC_FIRST_BYTES, binary_kind
from ._records import Cause
from ._zip import WheelZip, ZipMember

ELF_MAGIC = b"\x7fELF"
MAX_METADATA = 1 << 20  # the WHEEL file is read up to this much
# A binary member up to this size is read from memory, as it inflated (no copy; a worker
# holds at most one, so a worker's peak stays under 40 MB); a larger one, or one to be
# resolved, is spooled to a file, which costs ~0.26 ms a MB to write.
MAX_HELD = 16 << 20
# An ELF member from this size on keeps only the pieces its facts read (``_SparseHold``),
# when its first bytes promise those suffice: every MiB held is a MiB of fresh pages (the
# allocator cannot reuse what is still held), about 0.3 ms each. Below it, a member is read
# whole into reused memory (``_zip_layout.WHOLE``, never larger than this).
SPARSE_FROM = 14 << 20


class Input(NamedTuple):
    """What the judge reads: the kind of input, its binaries' facts, and the full tags
    (python-abi-platform) its file name and its WHEEL file declare (None: no such place)."""

    kind: str  # "wheel", "directory" or "file"
    binaries: List[BinaryFacts]
    name_tags: Optional[Set[str]]
    wheel_tags: Optional[Set[str]]
    causes: Tuple[Cause, ...] = ()  # what makes the input inconsistent before any binary is judged (RECORD)
    other_binaries: Tuple[Tuple[str, str], ...] = ()  # (path, format) of binaries neither reader took
    images: Tuple[ImageFacts, ...] = ()  # Mach-O and PE files


class ReadProgress(NamedTuple):
    """How far the reading of one wheel is: members and compressed bytes read, of the totals
    its central directory lists (given to an ``audit(progress=...)`` callback before the
    first member and after each one)."""

    path: str
    members_read: int
    members: int
    bytes_read: int
    bytes: int


Progress = Callable[[ReadProgress], None]


class ReadInput(NamedTuple):
    """The input's facts, and the host directory its binaries' paths are relative to
    (a wheel's spool directory; empty when the members were not spooled under one)."""

    found: Input
    files_at: str


def read_input(path: str, spool: Optional[str], progress: Optional[Progress] = None) -> ReadInput:
    """The facts of a wheel, a directory or one ELF file; a wheel's ELF members are
    spooled under ``spool`` (keeping their paths) when it is given. ``progress`` hears how
    far a wheel's reading is, member by member."""
    if host_is_directory(path):
        return ReadInput(_read_directory(path), path)
    fd = open_regular_file(path)  # refuses FIFOs and devices without blocking
    try:
        head = read_head(fd, 8)
        if head[:4] == ELF_MAGIC:
            with ELFFile(path, descriptor=fd) as elf:
                found = Input("file", [binary_facts(elf, os.path.basename(path))], None, None)
            return ReadInput(found, os.path.dirname(os.path.abspath(path)))
        if looks_like_image(head):
            image = image_facts_of_descriptor(fd, path, os.path.basename(path))
            if image is None:
                raise WheelError(f"{path}: an MZ file that is not PE")
            return ReadInput(Input("file", [], None, None, images=(image,)), os.path.dirname(os.path.abspath(path)))
        if head.startswith(b"PK") or path.endswith(".whl"):
            return ReadInput(_read_wheel(path, fd, spool, progress), spool or "")
        raise WheelError(f"{path}: neither a wheel (zip), a directory nor an ELF file")
    finally:
        os.close(fd)


def _read_wheel(path: str, fd: int, spool: Optional[str] = None, progress: Optional[Progress] = None) -> Input:
    """The wheel's binaries, tags and RECORD check, from the bytes its one accepted
    reading holds (``_zip``); a container two installers could read differently raises
    ``ZipRefused``. Every member is read whole: its CRC and RECORD hash are checked and
    its first bytes say whether it is a binary, whatever its name."""
    archive = WheelZip(path, fd)
    try:
        return _read_members(archive, path, spool, progress)
    finally:
        archive.done()


def _read_members(archive: WheelZip, path: str, spool: Optional[str], progress: Optional[Progress]) -> Input:
    """``_read_wheel``'s reading, member by member, RECORD first."""
    record_at = _record.record_name([member.name for member in archive.members])
    record = _read_record(archive, record_at)
    seen: Dict[str, _record.FileSeen] = {}
    binaries: List[BinaryFacts] = []
    images: List[ImageFacts] = []
    others: List[Tuple[str, str]] = []
    wheel_tags = None
    told = _Told(path, archive.members, progress) if progress is not None else None
    for member in archive.members:
        if told is not None:
            told.before(member)
        if member.is_directory or member.name == record_at:
            continue
        is_wheel_file = member.name.endswith("/WHEEL") and _is_wheel_file(member.name)
        keep = MAX_METADATA if is_wheel_file else 0
        if spool is None and archive.reads_reused(member):  # most members, with the C reader
            taken = _take_reused_member(archive, member, record, keep)
        elif spool is None and archive.fits_one_read(member):  # most members, without it
            taken = _take_small_member(archive, member, record, keep)
        else:
            taken = _take_member(archive, member, record, spool, keep)
        seen[member.name] = taken.seen
        if isinstance(taken.facts, BinaryFacts):
            binaries.append(taken.facts)
        elif taken.facts is not None:
            images.append(taken.facts)
        elif taken.kind is not None:
            others.append((member.name, taken.kind))
        if is_wheel_file:
            wheel_tags = _wheel_file_tags(taken.head.decode("utf-8", "replace"))
    if told is not None:
        told.before(None)
    causes = tuple(
        Cause("record-mismatch", record_at or "RECORD", "RECORD", problem, True)
        for problem in _record.record_problems(record, seen)
    )
    return Input(
        "wheel", binaries, _file_name_tags(os.path.basename(path)), wheel_tags, causes, tuple(others), tuple(images)
    )


def _read_record(archive: WheelZip, record_at: Optional[str]) -> Optional[_record.Record]:
    """RECORD, read first: every other member is hashed as it names."""
    member = archive.member(record_at) if record_at is not None else None
    if record_at is None or member is None:
        return None
    return _record.parse_record(record_at, archive.read(member, _record.MAX_RECORD).decode("utf-8", "replace"))


class _Told:
    """What a progress callback hears: the counts before each member and once at the end
    (without a callback the reading makes none of this, and pays one test per member)."""

    def __init__(self, path: str, members: List[ZipMember], progress: Progress) -> None:
        self.progress = progress
        self.state = ReadProgress(path, 0, len(members), 0, sum(member.compressed for member in members))

    def before(self, member: Optional[ZipMember]) -> None:
        """Before ``member`` is read, the ones before it are; None: every member is."""
        state = self.state
        if member is None:
            state = state._replace(members_read=state.members, bytes_read=state.bytes)
        self.progress(state)
        if member is not None:
            self.state = state._replace(
                members_read=state.members_read + 1, bytes_read=state.bytes_read + member.compressed
            )


def _is_wheel_file(name: str) -> bool:
    head, _, tail = name.partition("/")
    return head.endswith(".dist-info") and tail == "WHEEL"


class _Taken(NamedTuple):
    seen: _record.FileSeen  # its hash and size, for RECORD
    kind: Optional[str]  # the binary format its magic announces
    facts: BinaryFacts | ImageFacts | None  # an ELF, Mach-O or PE file's facts
    head: bytes  # its first bytes, as many as asked


def _take_member(
    archive: WheelZip, member: ZipMember, record: Optional[_record.Record], spool_dir: Optional[str], keep: int
) -> _Taken:
    """One member streamed once: hashed as RECORD says, its magic read, a binary member
    held in memory or copied to a spool (``_BinaryCopy``) and read only after every check passed."""
    hasher = _record.hasher_for(record, member.name)
    head = bytearray()
    limit = max(HEAD, keep)
    kind: Optional[str] = None
    decided = False
    produced = 0
    copy: Optional[_BinaryCopy] = None
    try:  # no ExitStack: this runs once per member, and most members are never copied
        for piece in archive.stream(member):
            hasher.update(piece)
            if copy is not None:
                copy.add(piece)
                continue
            earlier = len(head)
            head += piece[: limit - earlier]
            produced += len(piece)
            if not decided and (len(head) >= HEAD or produced == member.size):
                decided, kind = True, binary_kind(bytes(head[:HEAD]))
                if kind is not None:
                    copy = _BinaryCopy([bytes(head[:earlier]), piece], member, spool_dir)
        seen = _record.seen(hasher, member.size)
        facts = copy.facts(kind, f"{archive.wheel}!{member.name}", member.name, archive) if copy is not None else None
    finally:
        if copy is not None:
            copy.close()
    return _Taken(seen, kind, facts, bytes(head[:keep]))


class _BinaryCopy:
    """Where a binary member's bytes go while it streams: kept as the pieces they inflated
    in; or, from ``SPARSE_FROM``, only the pieces its facts read (``_SparseHold``) when its
    first bytes promise those suffice; or, when larger than ``MAX_HELD``, copied to a spool (an unnamed
    temporary file, or its own path under ``spool_dir`` when the binaries are to be resolved)."""

    def __init__(self, first: List[bytes], member: ZipMember, spool_dir: Optional[str]) -> None:
        self.held: Optional[List[bytes]] = first
        self.spool: Optional[BinaryIO] = None
        self.sparse: Optional[_SparseHold] = None
        if spool_dir is None and member.size > SPARSE_FROM:
            plan = _spans_to_hold(b"".join([piece for piece in first if piece]), member.size)  # one: no copy
            if plan is not None:
                self.sparse, self.held = _SparseHold(member, plan, first), None
                return
        if spool_dir is not None or member.size > MAX_HELD:
            self.spool = spool_file(spool_dir, member.name)
            self.spool.writelines(first)
            self.held = None

    def add(self, piece: bytes) -> None:
        if self.held is not None:
            self.held.append(piece)
        elif self.sparse is not None:
            self.sparse.add(piece)
        else:
            assert self.spool is not None
            self.spool.write(piece)

    def facts(self, kind: Optional[str], shown: str, path: str, archive: WheelZip) -> BinaryFacts | ImageFacts | None:
        if self.held is not None:
            return _binary_held(HeldFile(self.held), kind, shown, path)
        if self.sparse is not None:
            return _binary_held(self.sparse.file(archive), kind, shown, path)
        assert self.spool is not None
        self.spool.flush()
        return _binary_of(self.spool.fileno(), kind, shown, path)

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
        if self.sparse is not None:
            self.sparse.close()


class _Span(NamedTuple):
    """Bytes ``start`` up to ``end`` of a file."""

    start: int
    end: int


# Where the regions a large ELF file's facts read lie (measured on the 38 real wheels'
# binaries over 16 MiB): the header, program headers, .dynsym, .dynstr and versions within
# the first 0.8 MiB; the section table at the end; what auditwheel's patchelf appended
# (.dynamic, .dynstr, versions) within the last 1.6 MiB; PT_DYNAMIC elsewhere (ruff's, 5.5
# and 7.3 MiB before the end) is held by its program header. Each span keeps the ~1 MiB
# pieces it touches (the head, the tail and four regions: at most ~11 MiB, under
# ``MAX_HELD``); holding less costs fewer fresh pages (each held MiB is one the allocator
# cannot reuse), and a region outside them is still read right, only slower.
HEAD_KEEP = 2 << 20
TAIL_KEEP = 3 << 20
# A DT_NEEDED name ("libc.so.6", "libgfortran-040039e1.so.5.0.0") in .dynstr, which the
# linker puts in the first bytes: the suffix is searched (a literal first: at memchr speed),
# then the byte before it must belong to a name (machine code holds ".so\0" too).
_NEEDED_SUFFIX = re.compile(rb"\.so(?:\.[0-9]+)*\x00")
_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-")
_NEEDED_WINDOW = 1 << 20


class _HoldPlan(NamedTuple):
    """What a sparse hold keeps of a large ELF member, and where it looks for the static
    marks as the member streams (None: nowhere, the facts of a library that needs another
    never scan its read-only data)."""

    spans: List[_Span]
    readonly: Optional[List[_Span]]


def _spans_to_hold(head: bytes, size: int) -> Optional[_HoldPlan]:
    """The spans of a large ELF member to hold, from its first bytes: its head and tail,
    and the regions its program headers and section table name; and, unless its first
    bytes show a dynamic program or a library that needs another, the read-only PT_LOAD
    data its facts may scan for a static program's marks (searched as it streams, so a
    static program is not read twice). None when the first bytes hold no ELF header and
    program headers."""
    if head[:4] != ELF_MAGIC:
        return None
    try:
        with ELFFile("", held=HeldFile([head], [0], size)) as elf:
            needs_another = elf.is_dynamic and (elf.interpreter is not None or _looks_like_a_library(elf, head))
            table = elf.section_table
            named = [s for s in elf.segments if s.type in (PT_DYNAMIC, PT_NOTE, PT_INTERP)]
            readonly = [
                _Span(s.offset, s.offset + min(s.filesz, max(size - s.offset, 0))) for s in elf.readonly_loads()
            ]
    except ELFError:
        return None  # what it holds beyond these bytes decides: spooled
    regions = [(segment.offset, segment.offset + segment.filesz) for segment in named]
    regions.append((table.offset, table.offset + table.count * table.entry_size))
    # The reader's small reads bring a window around them: a region is held with that
    # much on each side, so a window near its edge never asks for bytes the hold dropped.
    spans = [_Span(0, HEAD_KEEP), _Span(size - TAIL_KEEP, size)] + [
        _Span(max(start - WINDOW, 0), end + WINDOW) for start, end in regions
    ]
    return _HoldPlan(spans, None if needs_another else readonly)


def _looks_like_a_library(elf: ELFFile, head: bytes) -> bool:
    """Whether an ELF file without PT_INTERP is a shared library that needs another (its
    facts then never scan its read-only bytes) rather than a static-pie program: it names
    one in its first bytes, where a linker puts .dynstr, or its PT_DYNAMIC lies past its
    first writable PT_LOAD, where auditwheel's patchelf appends the .dynamic and .dynstr it
    rewrites (a linker puts .dynamic inside that segment). A wrong guess costs time, not
    the answer: a library taken for a static program has its read-only data searched for
    the mark as it streams (~0.1 ms a MB), a static program taken for a library is read
    again by ``_SparseHold`` when its facts scan."""
    if elf.type != ET_DYN:
        return False
    data = min((s.offset + s.filesz for s in elf.segments_of_type(PT_LOAD) if s.writable), default=None)
    if data is not None and next(elf.segments_of_type(PT_DYNAMIC)).offset >= data:
        return True
    return any(head[found.start() - 1] in _NAME_BYTES for found in _NEEDED_SUFFIX.finditer(head, 1, _NEEDED_WINDOW))


class _SparseHold:
    """A large ELF member's pieces that touch its ``spans``, at most ``MAX_HELD`` bytes of
    them; a read of any other byte streams the member again into a spool (its CRC checked
    again, the held bytes compared), so the facts are the whole file's, or the wheel is
    refused as changed while read. Where the plan says so, the static marks are searched
    for as the pieces pass (``_MarkSearch``)."""

    def __init__(self, member: ZipMember, plan: _HoldPlan, first: List[bytes]) -> None:
        self.member = member
        self.spans = plan.spans
        self.marks = _MarkSearch(plan.readonly) if plan.readonly is not None else None
        self.pieces: List[bytes] = []
        self.starts: List[int] = []
        self.at = self.held = 0
        self.spool: Optional[BinaryIO] = None
        for piece in first:
            self.add(piece)

    def add(self, piece: bytes) -> None:
        start, self.at = self.at, self.at + len(piece)
        if self.marks is not None:
            self.marks.add(piece, start)
        if (
            piece
            and self.held + len(piece) <= MAX_HELD
            and any(s.start < self.at and start < s.end for s in self.spans)
        ):
            self.pieces.append(piece)
            self.starts.append(start)
            self.held += len(piece)

    def file(self, archive: WheelZip) -> HeldFile:
        found = self.marks.found_marks() if self.marks is not None else None
        return _SparseFile(
            self.pieces, self.starts, self.member.size, lambda size, at: self._read(archive, size, at), found
        )

    def _read(self, archive: WheelZip, size: int, offset: int) -> bytes:
        if self.spool is None:
            self.spool = _restreamed(archive, self.member, self.pieces, self.starts)
        return read_at(self.spool.fileno(), size, offset)

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()


class _MarkSearch:
    """Whether musl's static mark lies inside the read-only PT_LOAD data, found as the
    member streams past: what ``_inspect.static_family`` would learn by reading that data
    1 MiB at a time, known without holding it. Each range is searched where it meets the
    piece (at C speed, the mark whole inside it), and the seam with the piece before (the
    mark's length less a byte each side) apart, so no piece is copied and the work is what
    reading each range costs, however many marks lie outside them; the search stops at the
    first mark inside. Ranges are kept apart: a mark across two of them is inside neither."""

    MARK = _rules.MUSL_STATIC_MARK

    def __init__(self, readonly: List[_Span]) -> None:
        self.readonly = sorted(set(readonly))
        self.found = False
        self.seam = b""  # the last len(MARK) - 1 bytes seen

    def add(self, piece: bytes, start: int) -> None:
        if self.found or not piece:
            return
        keep = len(self.MARK) - 1
        if self.seam:
            self._search(self.seam + piece[:keep], start - len(self.seam))
        if not self.found:
            self._search(piece, start)
        self.seam = (self.seam + piece)[-keep:] if len(piece) < keep else piece[-keep:]

    def _search(self, data: bytes, base: int) -> None:
        end, length = base + len(data), len(self.MARK)
        for span in self.readonly:
            low, high = max(span.start, base), min(span.end, end)
            if high - low >= length and data.find(self.MARK, low - base, high - base) >= 0:
                self.found = True
                return

    def found_marks(self) -> Dict[bytes, bool]:
        return {self.MARK: self.found}


class _SparseFile(HeldFile):
    """A sparse hold read as a file: bytes not held come from ``missing`` (size, offset)."""

    def __init__(
        self,
        pieces: List[bytes],
        starts: List[int],
        size: int,
        missing: Callable[[int, int], bytes],
        marks: Optional[Dict[bytes, bool]] = None,
    ) -> None:
        super().__init__(pieces, starts, size, marks)
        self._missing = missing

    def pread(self, size: int, offset: int) -> bytes:
        data = super().pread(size, offset)
        if len(data) < size and offset + len(data) < self.size:
            return self._missing(size, offset)
        return data


def _restreamed(archive: WheelZip, member: ZipMember, pieces: List[bytes], starts: List[int]) -> BinaryIO:
    """The member streamed again into a spool: its CRC checked again (against the headers',
    which the first reading matched) and every byte still held the same, or the wheel is
    refused as changed while read."""
    spool = spool_file(None, member.name)
    try:
        try:
            spool.writelines(archive.stream(member))
        except ZipRefused as exc:
            raise _changed(archive, member, f"the second reading was refused ({exc.defect})") from exc
        spool.flush()
        for piece, start in zip(pieces, starts):
            if read_at(spool.fileno(), len(piece), start) != piece:
                raise _changed(archive, member, f"{len(piece)} bytes at {start} differ")
    except BaseException:
        spool.close()
        raise
    return spool


def _changed(archive: WheelZip, member: ZipMember, why: str) -> ZipRefused:
    return ZipRefused(
        archive.wheel,
        "ChangedWhileRead",
        f"read again for its binary's facts, it is not what was read: {why}",
        member.name,
    )


def _take_small_member(archive: WheelZip, member: ZipMember, record: Optional[_record.Record], keep: int) -> _Taken:
    """``_take_member`` for a member read in one step (most are): no pieces to gather."""
    data = archive.whole(member)
    return _take_whole(archive, member, record, keep, data, lambda: HeldFile([data]))


def _take_reused_member(archive: WheelZip, member: ZipMember, record: Optional[_record.Record], keep: int) -> _Taken:
    """``_take_small_member`` for a member read into the C reader's reused memory
    (``WheelZip.reused``): a binary's facts are read from there, before the next member
    overwrites it, so holding a binary costs no allocation."""
    memory = archive.reused(member)
    data = memoryview(memory)[: member.size]
    try:
        return _take_whole(archive, member, record, keep, data, lambda: _ReusedFile(memory, member.size))
    finally:
        data.release()


def _take_whole(
    archive: WheelZip,
    member: ZipMember,
    record: Optional[_record.Record],
    keep: int,
    data: bytes | memoryview,
    held: Callable[[], HeldFile],
) -> _Taken:
    """A member's bytes, read whole and checked: hashed as RECORD says, its magic read, a
    binary's facts taken from ``held()``."""
    hasher = _record.hasher_for(record, member.name)
    hasher.update(data)
    seen = _record.seen(hasher, member.size)
    kind = binary_kind(bytes(data[:HEAD])) if bytes(data[:1]) in MAGIC_FIRST_BYTES else None
    facts = _binary_held(held(), kind, f"{archive.wheel}!{member.name}", member.name) if kind else None
    return _Taken(seen, kind, facts, bytes(data[:keep]))


class _ReusedFile(HeldFile):
    """A member in the C reader's reused memory (its first ``size`` bytes) read as a held
    file: every read a copy, as slicing bytes gives, so nothing read from it changes when
    the next member fills the memory; the C dynamic pass reads it in place."""

    def __init__(self, memory: bytearray, size: int) -> None:
        super().__init__([], [], size)
        self.complete = True  # every byte is held
        self._memory = memory
        self._view = memoryview(memory)[:size]

    def layout(self) -> HeldPieces:
        return HeldPieces([self._memory], [0])  # the pass reads the file's ``size`` bytes of it

    def pread(self, size: int, offset: int) -> bytes:
        return bytes(self._view[offset : offset + size])

    def first_bytes(self) -> bytes:
        return b""  # the reader reads its first window (a copy) instead

    def whole(self) -> bytes:
        return bytes(self._view)


def _binary_held(held: HeldFile, kind: Optional[str], shown: str, path: str) -> BinaryFacts | ImageFacts | None:
    """``_binary_of`` for a member held in memory."""
    if kind == ELF:
        return held_binary_facts(held, shown, path)
    return image_facts(held.whole(), shown, path)


def _binary_of(fd: int, kind: Optional[str], shown: str, path: str) -> BinaryFacts | ImageFacts | None:
    """An ELF file's facts, or a Mach-O or PE file's (None: its magic promised one the
    reader does not take, such as an MZ file without a PE header)."""
    if kind == ELF:
        with ELFFile(shown, descriptor=fd) as elf:
            return binary_facts(elf, path)
    return image_facts_of_descriptor(fd, shown, path)


def _read_directory(top: str) -> Input:
    """Every regular file's magic is read (binaries by content, as in a wheel)."""
    binaries: List[BinaryFacts] = []
    images: List[ImageFacts] = []
    others: List[Tuple[str, str]] = []
    wheel_files = []
    for relative, full in host_regular_files(top):
        if _is_wheel_file(relative):
            wheel_files.append(full)
            continue
        fd = open_regular_file(full)
        try:
            kind = binary_kind(read_head(fd, HEAD))
            facts = _binary_of(fd, kind, full, relative) if kind is not None else None
            if isinstance(facts, BinaryFacts):
                binaries.append(facts)
            elif facts is not None:
                images.append(facts)
            elif kind is not None:
                others.append((relative, kind))
        finally:
            os.close(fd)
    wheel_tags = None
    if len(wheel_files) == 1:  # an unpacked wheel; a site-packages holds many, and declares nothing whole
        wheel_tags = _wheel_file_tags(read_host_file(wheel_files[0], MAX_METADATA).decode("utf-8", "replace"))
    return Input("directory", binaries, None, wheel_tags, (), tuple(others), tuple(images))


def _file_name_tags(name: str) -> Optional[Set[str]]:
    """The tags a wheel's file name declares (compressed sets expanded), None if it is not
    a wheel name."""
    if not name.endswith(".whl"):
        return None
    parts = name[:-4].split("-")
    if len(parts) not in (5, 6):
        return None
    pythons, abis, platforms = (part.split(".") for part in parts[-3:])
    return {f"{p}-{a}-{t}" for p in pythons for a in abis for t in platforms}


def _wheel_file_tags(text: str) -> Set[str]:
    """The WHEEL file's ``Tag`` headers, each expanded (some build tools write them in the
    file name's compressed form, ``cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64``)."""
    tags: Set[str] = set()
    for name, value in _headers(text):
        if name.lower() == "tag":
            parts = value.strip().split("-")
            if len(parts) == 3:
                pythons, abis, platforms = (part.split(".") for part in parts)
                tags.update(f"{p}-{a}-{t}" for p in pythons for a in abis for t in platforms)
    return tags


class _Header(NamedTuple):
    name: str
    value: str


def _headers(text: str) -> List[_Header]:
    """WHEEL's headers as email.parser reads them for pip, installer and auditwheel: names
    of any case; a line that starts with a space or tab continues the header before it (the
    email generator folds a header over 78 characters: ziglang's Tag); the first blank line
    ends them. Without importing email, which an audit's start-up does not need."""
    headers: List[_Header] = []
    for line in text.splitlines():
        if not line.strip():
            break
        if line[0] in " \t":
            if headers:
                headers[-1] = headers[-1]._replace(value=headers[-1].value + "\n" + line)
            continue
        name, colon, value = line.partition(":")
        if colon:
            headers.append(_Header(name.strip(), value))
    return headers
