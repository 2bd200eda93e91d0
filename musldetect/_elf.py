"""A small, bounded ELF reader: the file and its headers, behind one small façade.

``ELFFile`` opens a file (on the host, or inside an image's ``Root``), reads its header
and program headers and answers by offset. Its layers are classes by concept: the file's
bounded reads (``_BoundedFile``), the header and segments (``_Headers``), and the façade
over the rest, each concept of which lives in a module of its own:
``_elf_header`` (header, program headers, arch), ``_elf_dynamic`` (PT_DYNAMIC and its
strings), ``_elf_symbols`` (the dynamic symbols and hash tables), ``_elf_versions``
(symbol versions) and ``_elf_notes`` (notes). It reads only what it is asked for (the
first 8 KiB, which hold the header and program headers; a small read brings the 8 KiB
around it, so the many small reads of the tables and their entries cost one; one dynamic
string page at a time; the segments a decision needs), so a 2 GiB file costs what a
2 KiB one does. It never
executes anything, refuses special files instead of blocking on them, and turns every
malformed field into an ELFError naming the field and the file. A truncated file is
opened; only reading what is missing fails.
"""

from __future__ import annotations

import os
import struct
from _weakref import proxy

from ._elf_dynamic import DynamicSection
from ._elf_header import (
    EM_386,
    MAX_SEGMENTS,
    PN_XNUM,
    PT_DYNAMIC,
    PT_INTERP,
    PT_LOAD,
    SectionTable,
    Segment,
    elf_arch,
    header_size,
    parse_header,
    parse_program_headers,
    program_header_size,
    readonly_loads,
)
from ._rootfs import open_regular_file, read_at
from ._types import ELFError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

    from ._elf_symbols import DynamicSymbols, UndefinedSymbol
    from ._elf_versions import VersionNeed
    from ._rootfs import FileSystem, Root

MAX_READ = 64 * 1024 * 1024  # the most one read may ask for
WINDOW = 8192  # what a small read brings along (so one read serves the small reads near it)


class HeldPieces:
    """A held file's pieces and the file offset of each, ascending (a plain record: typing
    is not imported on the hot path, which reads ELF files too). A piece may be a bytearray
    longer than the file (the C member reader's reused memory): the file's size bounds it."""

    __slots__ = ("pieces", "starts")

    def __init__(self, pieces: Sequence[bytes | bytearray], starts: List[int]) -> None:
        self.pieces, self.starts = pieces, starts


class HeldFile:
    """A file's bytes already in memory, in the pieces they arrived in (a wheel member
    as it inflated): read by offset without joining them, so holding it costs no copy.
    With ``starts`` (where each piece lies) and ``size``, only some of the file's bytes
    are held: a read that reaches a byte not held comes back short, as at the end."""

    def __init__(
        self,
        pieces: List[bytes],
        starts: Optional[List[int]] = None,
        size: Optional[int] = None,
        marks: Optional[Dict[bytes, bool]] = None,
    ) -> None:
        from bisect import bisect_right  # only an audit holds files: not on the hot path's imports

        # Whether each of these marks lies inside the read-only PT_LOAD data of the whole
        # file, found by whoever read all of it (a sparse hold searched them as they passed).
        self.marks = marks

        self._after = bisect_right
        if starts is None:
            pieces = [piece for piece in pieces if piece]
            starts = []
            at = 0
            for piece in pieces:
                starts.append(at)
                at += len(piece)
            size = at
        self._pieces = pieces
        self._starts = starts
        self.size = size if size is not None else (starts[-1] + len(pieces[-1]) if pieces else 0)
        # Whether every byte is held, the pieces back to back: a reader that reads only the
        # bytes it needs then reads what one reading windows around them would.
        self.complete = _back_to_back(pieces, starts) == self.size

    def pread(self, size: int, offset: int) -> bytes:
        """Up to ``size`` bytes at ``offset``, as os.pread gives them; held bytes only."""
        index = max(self._after(self._starts, offset) - 1, 0)
        found = []
        while size > 0 and index < len(self._pieces):
            start = offset - self._starts[index]
            part = self._pieces[index][start : start + size] if start >= 0 else b""
            if not part:
                break  # the next byte is not held (or is past the end)
            found.append(part)
            size -= len(part)
            offset += len(part)
            index += 1
        return found[0] if len(found) == 1 else b"".join(found)

    def layout(self) -> HeldPieces:
        """The pieces and where each starts, for a reader in C that reads them in place."""
        return HeldPieces(self._pieces, self._starts)

    def first_bytes(self) -> bytes:
        """The piece the file starts with, as held (no copy), when it holds at least the
        window a reader opens with: its small reads near the start are then slices of it,
        where windows read from it would each be a copy. Empty otherwise (a first piece
        may be a few bytes: the reader reads its first window across the pieces)."""
        if self._pieces and self._starts[0] == 0 and len(self._pieces[0]) >= WINDOW:
            return self._pieces[0]
        return b""

    def whole(self) -> bytes:
        """Every byte in one buffer (the Mach-O and PE readers take one)."""
        return self._pieces[0] if len(self._pieces) == 1 else b"".join(self._pieces)


def _back_to_back(pieces: List[bytes], starts: List[int]) -> int:
    """Where the pieces stop following one another from byte 0 (-1: a gap before one)."""
    at = 0
    for start, piece in zip(starts, pieces):
        if start != at:
            return -1
        at += len(piece)
    return at


def _descriptor_reader(fd: int) -> Callable[[int, int], bytes]:
    """pread on ``fd``: a closure over the number, not a method of the file object (a
    bound method kept on its own object is a cycle only the garbage collector frees)."""

    def pread(size: int, offset: int) -> bytes:
        return read_at(fd, size, offset)

    return pread


def _closed_file(size: int, offset: int) -> bytes:
    """What reading a closed file gives: the error os.pread gives on a closed descriptor."""
    raise OSError(9, os.strerror(9))  # EBADF


class _BoundedFile:
    """A regular file opened once (on the host, inside a file system, from a descriptor, or
    held in memory) for bounded reads by offset: which file it is, and its bytes, never
    more than asked."""

    def __init__(
        self, path: str, root: Optional[FileSystem], descriptor: Optional[int], held: Optional[HeldFile] = None
    ) -> None:
        self.inside: Optional[str] = None
        self._pread: Callable[[int, int], bytes] = _closed_file  # a closure, never a bound method: no cycle
        self._head = b""  # the file's first bytes, as read on opening
        self._window = b""  # the file's bytes at _window_at, as read there
        self._window_at = 0
        self.marks: Optional[Dict[bytes, bool]] = None  # known without reading (``readonly_mark``)
        self.held = held  # the bytes in memory, when the file is read from them
        if held is not None:
            self.path = path
            self._fd = -1
            self.marks = held.marks
            self._pread = held.pread
            self._head = held.first_bytes()
            self.size = held.size
            self.identity = (0, 0, held.size, 0)
            return
        if descriptor is not None:
            self.path = path
            self._fd = os.dup(descriptor)
        elif root is None:
            self.path = path
            self._fd = open_regular_file(path)
        else:
            self._fd, self.inside = root.open_file(path)
            self.path = root.host_path(self.inside)
        try:
            st = os.fstat(self._fd)
        except BaseException:
            os.close(self._fd)
            raise
        self._pread = _descriptor_reader(self._fd)
        self.size = st.st_size
        # Which file this is, as of now: a cache of what was read from it is only
        # valid while all four stay the same.
        self.identity = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
            self._pread = _closed_file

    def error(self, message: str) -> ELFError:
        return ELFError(f"{self.path}: {message}")

    def read_at(self, offset: int, size: int, what: str) -> bytes:
        """Exactly ``size`` bytes at ``offset``, or an ELFError naming ``what``."""
        if size < 0 or offset < 0:
            raise self.error(f"{what}: size {size} at offset {offset} is out of range")
        if offset + size > self.size:
            raise self.error(f"{what}: offset {offset} + size {size} is past the end of the file ({self.size} bytes)")
        if size > MAX_READ:
            raise self.error(
                f"{what}: size {size} at offset {offset} is more than one read may take ({MAX_READ >> 20} MiB)"
            )
        if offset + size <= len(self._head):
            return self._head[offset : offset + size]
        at = offset - self._window_at
        if at >= 0 and at + size <= len(self._window):
            return self._window[at : at + size]
        if size <= WINDOW // 2:
            # A small read brings its aligned window along: the header, the program headers,
            # the notes and the dynamic tables with their entries sit close together.
            self._window_at = offset - offset % (WINDOW // 2)
            self._window = self._pread(min(WINDOW, self.size - self._window_at), self._window_at)
            at = offset - self._window_at
            data = self._window[at : at + size]
        else:
            data = self._pread(size, offset)
        if len(data) != size:
            raise self.error(f"{what}: short read ({len(data)} of {size} bytes); file changed?")
        return data

    def _next_data(self, at: int, end: int) -> int:
        """The first offset at or after ``at`` that holds data (``end`` when only a hole
        is left); ``at`` where the file system cannot tell."""
        seek_data = getattr(os, "SEEK_DATA", None)
        if seek_data is None or self._fd < 0:
            return at
        try:
            return min(os.lseek(self._fd, at, seek_data), end)
        except OSError as exc:  # ENXIO: nothing but a hole from here on
            return end if exc.errno == 6 else at

    def _mapped(self, offset: int, size: int) -> memoryview:
        """``size`` bytes at ``offset``, mapped read-only instead of read."""
        import mmap

        start = offset - offset % mmap.ALLOCATIONGRANULARITY
        mapping = mmap.mmap(self._fd, offset + size - start, mmap.MAP_SHARED, mmap.PROT_READ, offset=start)
        return memoryview(mapping)[offset - start :]


class _Headers(_BoundedFile):
    """An ELF file's header and program headers, read on opening, and its segments."""

    def __init__(
        self,
        path: str,
        root: Optional[FileSystem],
        descriptor: Optional[int],
        map_segments: bool,
        held: Optional[HeldFile] = None,
    ) -> None:
        super().__init__(path, root, descriptor, held)
        self._map_segments = map_segments and held is None
        try:
            self._parse_header()
        except BaseException:
            self.close()
            raise

    def _parse_header(self) -> None:
        """The ELF header and the program headers, from the first window read (which often
        holds the dynamic tables too); a file cut short is noted, not refused, here."""
        if not self._head:  # a held file's first piece is already its head
            self._head = self._pread(WINDOW, 0)
        ident = self._head[:16]
        self._check_ident(ident)
        self.bits = 32 if ident[4] == 1 else 64
        self.byteorder = "<" if ident[5] == 1 else ">"
        size = header_size(self.bits)
        header = parse_header(ident + self.read_at(16, size - 16, "ELF header"), self.bits, self.byteorder)
        self.type, self.machine, self.flags = header.type, header.machine, header.flags
        self.section_table = SectionTable(header.shoff, header.shentsize, header.shnum)  # as the header gives them
        phoff, phentsize, phnum = header.phoff, header.phentsize, header.phnum
        shoff, shentsize, shnum = header.shoff, header.shentsize, header.shnum
        if phnum == PN_XNUM:
            phnum = self._extended_phnum(shoff, shentsize, shnum)
        expected = program_header_size(self.bits)
        if phnum and phentsize != expected:
            raise self.error(f"e_phentsize {phentsize} is not {expected} for ELF{self.bits}")
        if phnum > MAX_SEGMENTS:
            raise self.error(f"e_phnum {phnum} is more than {MAX_SEGMENTS} program headers")
        table = self.read_at(phoff, phnum * expected, "program header table (e_phoff/e_phnum)")
        self.segments = parse_program_headers(table, self.bits, self.byteorder)
        self._loads = [segment for segment in self.segments if segment.type == PT_LOAD]  # every address lookup
        self.is_dynamic = any(segment.type == PT_DYNAMIC for segment in self.segments)
        # A truncated file (packaging keeps 1 KiB heads of programs as test data) still
        # proves what its first bytes hold; reading a missing segment is the error.
        self.truncated = ""
        for index, seg in enumerate(self.segments):
            if seg.type in (PT_LOAD, PT_DYNAMIC, PT_INTERP) and seg.offset + seg.filesz > self.size:
                self.truncated = (
                    f"program header {index} (type {seg.type}): offset {seg.offset} + p_filesz "
                    f"{seg.filesz} is past the end of the file ({self.size} bytes); truncated?"
                )
                break

    def _check_ident(self, ident: bytes) -> None:
        """The magic, a class and a byte order this reader knows."""
        if not b"\x7fELF".startswith(ident[:4]) or (len(ident) >= 4 and ident[:4] != b"\x7fELF"):
            raise self.error("not an ELF file (bad magic)")
        if len(ident) < 16 or self.size < 16:
            raise self.error(f"too short for an ELF header ({self.size} bytes)")
        elf_class, data = ident[4], ident[5]
        if elf_class not in (1, 2):
            raise self.error(f"EI_CLASS {elf_class} is neither ELFCLASS32 nor ELFCLASS64")
        if data not in (1, 2):
            raise self.error(f"EI_DATA {data} is neither little nor big endian")

    def _extended_phnum(self, shoff: int, shentsize: int, shnum: int) -> int:
        # With PN_XNUM the real count lives in sh_info of section header 0.
        if shoff == 0:
            raise self.error("e_phnum is PN_XNUM but there is no section header 0 (e_shoff 0)")
        fmt = self.byteorder + ("IIIIIIIIII" if self.bits == 32 else "IIQQQQIIQQ")
        if shentsize != struct.calcsize(fmt):
            raise self.error(f"e_shentsize {shentsize} is wrong for ELF{self.bits}")
        return int(struct.unpack(fmt, self.read_at(shoff, shentsize, "section header 0 (PN_XNUM)"))[7])

    # -- segments ---------------------------------------------------------------

    def segments_of_type(self, p_type: int) -> Iterator[Segment]:
        return (s for s in self.segments if s.type == p_type)

    def segment_bytes(self, segment: Segment, what: str) -> bytes:
        if segment.filesz > segment.memsz:
            raise self.error(f"{what}: p_filesz {segment.filesz} is larger than p_memsz {segment.memsz}")
        return self.read_at(segment.offset, segment.filesz, what)

    def segment_chunks(self, segment: Segment, budget: int, chunk: int = 1 << 20, overlap: int = 64) -> Iterator[bytes]:
        """A segment's file data in chunks that overlap by ``overlap`` bytes (so a short
        mark split between two chunks is still seen), stopping after ``budget`` bytes.
        Holes of a sparse file (zeros that hold no mark) are skipped, not read."""
        end = segment.offset + min(segment.filesz, budget, max(self.size - segment.offset, 0))
        at = segment.offset
        while at < end:
            at = self._next_data(at, end)
            if at >= end:
                break
            size = min(chunk, end - at)
            yield self.read_at(at, size, "PT_LOAD segment")
            if at + size >= end:
                break
            at += size - overlap

    def readonly_loads(self) -> List[Segment]:
        return readonly_loads(self.segments)

    def readonly_mark(self, mark: bytes) -> Optional[bool]:
        """Whether ``mark`` (at most 65 bytes, what ``segment_chunks`` overlap finds whole)
        lies inside the read-only PT_LOAD data, when known without reading it (a held file
        whose reader searched the marks as they passed); None: read it to tell."""
        return self.marks.get(mark) if self.marks is not None else None

    def readonly_segment_data(self) -> Iterator[bytes | memoryview]:
        for segment in readonly_loads(self.segments):
            if self._map_segments:
                yield self._mapped_segment(segment, "PT_LOAD segment")
            else:
                yield self.segment_bytes(segment, "PT_LOAD segment")

    def _mapped_segment(self, segment: Segment, what: str) -> bytes | memoryview:
        if segment.filesz > segment.memsz or segment.filesz > MAX_READ:
            return self.segment_bytes(segment, what)  # raises the same error as a read would
        return self._mapped(segment.offset, segment.filesz)

    @property
    def interpreter(self) -> Optional[str]:
        """The PT_INTERP path, or None when there is none."""
        for segment in self.segments_of_type(PT_INTERP):
            data = self.segment_bytes(segment, "PT_INTERP")
            end = data.find(b"\x00")
            if end < 0:
                raise self.error("PT_INTERP is not NUL-terminated")
            if end == 0:
                raise self.error("PT_INTERP is empty")
            return os.fsdecode(data[:end])
        return None

    def load_spans(self) -> List[Tuple[int, int, int]]:
        """(p_vaddr, p_offset, p_filesz) of each PT_LOAD in the file's order: what
        ``vaddr_to_offset`` maps addresses by, as a reader in C takes it."""
        return [(segment.vaddr, segment.offset, segment.filesz) for segment in self._loads]

    def vaddr_to_offset(self, vaddr: int, size: int, what: str) -> int:
        """The file offset of ``size`` bytes at virtual address ``vaddr``."""
        for segment in self._loads:
            if segment.vaddr <= vaddr and vaddr + size <= segment.vaddr + segment.filesz:
                return segment.offset + (vaddr - segment.vaddr)
        raise self.error(f"{what}: address {vaddr:#x} (+{size}) is not inside any PT_LOAD segment's file data")


class ELFFile(_Headers):
    """One ELF file, opened for bounded reads. Use as a context manager."""

    def __init__(
        self,
        path: str,
        *,
        root: Optional[FileSystem] = None,
        map_segments: bool = False,
        descriptor: Optional[int] = None,
        held: Optional[HeldFile] = None,
    ) -> None:
        """``map_segments`` maps the read-only segments instead of reading them. Only for
        the running process's own loader, which the process maps anyway: reading its
        200 KB of read-only data costs ~100 µs on musl, whose malloc maps and unmaps
        every block that large, and mapping halves the python backend's cold call there.
        A file truncated while mapped faults on access, so files from outside
        (``inspect()``) are always read.

        With ``root`` the file is ``path`` inside that directory, opened through it:
        ``path`` becomes its host path, ``inside`` its resolved path inside the root.

        With ``descriptor`` (a regular file already open, such as a wheel member spooled
        to a temporary file) the reader takes a duplicate of it, and ``path`` only names
        the file in errors; so it does with ``held``, the file's bytes in memory."""
        super().__init__(path, root, descriptor, map_segments, held)
        # A weak reference back: with a strong one each file would be a cycle, freed only
        # when the garbage collector runs (a tenth of an audit's reading of its binaries).
        self.dynamic = DynamicSection(proxy(self))

    def __enter__(self) -> ELFFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the concepts, each in its own module ---------------------------------------
    # Symbols, versions and notes are imported on first use: the running process is
    # described from the header, the segments and the dynamic strings alone.

    @property
    def is_pie_program(self) -> bool:
        """An ET_DYN that is a position-independent program (DF_1_PIE), not a library."""
        return self.dynamic.is_pie_program

    def dynamic_values(self) -> Dict[int, List[int]]:
        """PT_DYNAMIC's entries by tag (read once)."""
        return self.dynamic.values()

    def dynamic_strings(self) -> Tuple[Optional[bytes], Dict[int, List[int]]]:
        """The whole dynamic string table (bounded by MAX_READ) and the entries by tag."""
        return self.dynamic.strings(), self.dynamic.values()

    def dynamic_string(self, index: int, what: str = "dynamic string") -> str:
        return self.dynamic.string(index, what)

    def dynamic_names(self) -> Tuple[Optional[str], List[str]]:
        """(DT_SONAME, [DT_NEEDED, ...])."""
        return self.dynamic.names()

    def version_needs(self) -> List[Tuple[str, List[str]]]:
        """(file, [version names]) of every DT_VERNEED entry."""
        from ._elf_versions import version_needs

        return version_needs(self, self.dynamic)

    def imported_symbols(self) -> List[str]:
        """Names of the undefined (imported) dynamic symbols."""
        from ._elf_symbols import imported_symbols

        return imported_symbols(self, self.dynamic)

    def undefined_symbols(self) -> List[UndefinedSymbol]:
        """The undefined dynamic symbols: name, weak, place in .dynsym."""
        from ._elf_symbols import undefined_symbols

        return undefined_symbols(self, self.dynamic)

    def dynamic_symbols(self, exported_prefixes: Optional[Tuple[bytes, ...]] = None) -> DynamicSymbols:
        """(undefined symbols, exported names: those with one of ``exported_prefixes``, or
        all) from one pass over .dynsym."""
        from ._elf_symbols import dynamic_symbols

        return dynamic_symbols(self, self.dynamic, exported_prefixes)

    def symbol_types(self, indexes: List[int]) -> Dict[int, int]:
        """The STT_* type of the given .dynsym entries."""
        from ._elf_symbols import symbol_types

        return symbol_types(self, self.dynamic, indexes)

    def version_need_entries(self) -> List[VersionNeed]:
        """Every version need with its library, weak flag and version index."""
        from ._elf_versions import version_need_entries

        return version_need_entries(self, self.dynamic)

    def version_definitions(self) -> List[str]:
        """The version names this library defines (DT_VERDEF), its base entry left out."""
        from ._elf_versions import version_definitions

        return version_definitions(self, self.dynamic)

    def symbol_version_indexes(self, count: int) -> Sequence[int]:
        """DT_VERSYM's version index of the first ``count`` dynamic symbols."""
        from ._elf_versions import symbol_version_indexes

        return symbol_version_indexes(self, self.dynamic, count)

    def search_paths(self) -> Tuple[List[str], List[str]]:
        """(DT_RPATH, DT_RUNPATH) directories, unexpanded."""
        return self.dynamic.search_paths()

    def notes(self) -> List[Tuple[bytes, int, bytes]]:
        """(name, type, descriptor) of every note in the PT_NOTE segments."""
        from ._elf_notes import notes

        return notes(self)

    def gnu_properties(self) -> Dict[int, int]:
        """The GNU program properties (NT_GNU_PROPERTY_TYPE_0) with a 4-byte value:
        x86 ISA level and features, AArch64 BTI/PAC; type -> value."""
        from ._elf_notes import gnu_properties

        return gnu_properties(self)

    @property
    def arch(self) -> str:
        """The platform-tag architecture this object is built for."""
        return elf_arch(self.machine, self.bits, self.byteorder, self.flags)


def is_linux_armhf(path: str, root: Optional[Root] = None) -> bool:
    """True for a 32-bit little-endian ARM hard-float EABI5 executable."""
    return _header_matches(path, root, lambda f: f.bits == 32 and f.byteorder == "<" and f.arch == "armv7l")


def is_linux_i686(path: str, root: Optional[Root] = None) -> bool:
    return _header_matches(path, root, lambda f: f.bits == 32 and f.byteorder == "<" and f.machine == EM_386)


def _header_matches(path: str, root: Optional[Root], test: Callable[[ELFFile], bool]) -> bool:
    try:
        with ELFFile(path, root=root) as elf:
            return bool(test(elf))
    except (OSError, ELFError):
        return False
