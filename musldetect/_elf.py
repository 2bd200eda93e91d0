"""A small, bounded ELF reader: header, program headers, PT_INTERP, PT_LOAD, PT_DYNAMIC,
version needs and imported symbols.

It reads only what it is asked for, by offset (pread of the header, the program header
table, one dynamic string at a time, the segments a decision needs), so a 2 GiB file
costs what a 2 KiB one does. It never executes anything, refuses special files instead
of blocking on them, and turns every malformed field into an ELFError naming the field
and the file. A truncated file is opened; only reading what is missing fails.
"""

from __future__ import annotations

import os
import struct

from ._rootfs import open_regular_file
from ._types import ELFError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Iterator, List, Optional, Tuple

    from ._rootfs import Root

MAX_READ = 64 * 1024 * 1024  # the most one read may ask for
MAX_SEGMENTS = 4096

PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE = 1, 2, 3, 4
PF_X, PF_W, PF_R = 1, 2, 4
ET_REL, ET_EXEC, ET_DYN, ET_CORE = 1, 2, 3, 4
DT_NULL, DT_NEEDED, DT_HASH, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT, DT_SONAME = 0, 1, 4, 5, 6, 10, 11, 14
DT_GNU_HASH, DT_FLAGS_1, DT_VERNEED, DT_VERNEEDNUM = 0x6FFFFEF5, 0x6FFFFFFB, 0x6FFFFFFE, 0x6FFFFFFF
DF_1_PIE = 0x08000000
SHN_UNDEF = 0
_STRING_PAGE = 4096
MAX_VERNEED = 4096  # version-need entries walked at most (files and their versions alike)
NT_GNU_ABI_TAG = 1
PN_XNUM = 0xFFFF

EM_386, EM_MIPS, EM_PPC, EM_PPC64, EM_S390, EM_ARM = 3, 8, 20, 21, 22, 40
EM_X86_64, EM_AARCH64, EM_RISCV, EM_LOONGARCH = 62, 183, 243, 258
EF_ARM_ABIMASK, EF_ARM_ABI_VER5, EF_ARM_ABI_FLOAT_HARD = 0xFF000000, 0x05000000, 0x400

# (class, data) -> (header layout after e_ident, program header layout, field order)
_LAYOUTS = {
    (1, "<"): ("<HHIIIIIHHHHHH", "<IIIIIIII"),
    (1, ">"): (">HHIIIIIHHHHHH", ">IIIIIIII"),
    (2, "<"): ("<HHIQQQIHHHHHH", "<IIQQQQQQ"),
    (2, ">"): (">HHIQQQIHHHHHH", ">IIQQQQQQ"),
}


class Segment:
    """One program header. A plain slotted class, not a NamedTuple: importing ``typing``
    would cost more at start-up than the detection it serves."""

    __slots__ = ("type", "flags", "offset", "vaddr", "filesz", "memsz", "align")

    def __init__(self, type: int, flags: int, offset: int, vaddr: int, filesz: int, memsz: int,
                 align: int = 0) -> None:
        self.type, self.flags, self.offset, self.vaddr = type, flags, offset, vaddr
        self.filesz, self.memsz, self.align = filesz, memsz, align

    def __repr__(self) -> str:
        return (f"Segment(type={self.type}, flags={self.flags}, offset={self.offset}, vaddr={self.vaddr:#x}, "
                f"filesz={self.filesz}, memsz={self.memsz})")

    @property
    def writable(self) -> bool:
        return bool(self.flags & PF_W)

    @property
    def executable(self) -> bool:
        return bool(self.flags & PF_X)


class Header:
    """The ELF header's fields after e_ident."""

    __slots__ = ("type", "machine", "version", "entry", "phoff", "shoff", "flags", "ehsize", "phentsize", "phnum",
                 "shentsize", "shnum", "shstrndx")

    def __init__(self, type: int, machine: int, version: int, entry: int, phoff: int, shoff: int, flags: int,
                 ehsize: int, phentsize: int, phnum: int, shentsize: int, shnum: int, shstrndx: int) -> None:
        self.type, self.machine, self.version, self.entry = type, machine, version, entry
        self.phoff, self.shoff, self.flags, self.ehsize = phoff, shoff, flags, ehsize
        self.phentsize, self.phnum = phentsize, phnum
        self.shentsize, self.shnum, self.shstrndx = shentsize, shnum, shstrndx


def header_size(bits: int) -> int:
    """The ELF header's size, e_ident included (52 or 64 bytes)."""
    return 16 + struct.calcsize(_LAYOUTS[(1 if bits == 32 else 2, "<")][0])


def parse_header(data: bytes, bits: int, byteorder: str) -> Header:
    """The fields of an ELF header given from its first byte, for a file or a mapped object."""
    return Header(*struct.unpack_from(_LAYOUTS[(1 if bits == 32 else 2, byteorder)][0], data, 16))


def dynamic_table(entries: List[Tuple[int, int]]) -> Dict[int, List[int]]:
    """PT_DYNAMIC's entries by tag, each tag's values in order (DT_NEEDED repeats)."""
    values: Dict[int, List[int]] = {}
    for tag, value in entries:
        values.setdefault(tag, []).append(value)
    return values


def program_header_size(bits: int) -> int:
    return struct.calcsize(_LAYOUTS[(1 if bits == 32 else 2, "<")][1])


def parse_program_headers(table: bytes, bits: int, byteorder: str) -> List[Segment]:
    """Program headers from their raw table, for a file or a mapped object alike."""
    fmt = _LAYOUTS[(1 if bits == 32 else 2, byteorder)][1]
    segments = []
    for raw in struct.iter_unpack(fmt, table[: len(table) - len(table) % struct.calcsize(fmt)]):
        if bits == 32:
            p_type, offset, vaddr, _paddr, filesz, memsz, flags, align = raw
        else:
            p_type, flags, offset, vaddr, _paddr, filesz, memsz, align = raw
        segments.append(Segment(p_type, flags, offset, vaddr, filesz, memsz, align))
    return segments


def parse_dynamic(data: bytes, bits: int, byteorder: str) -> List[Tuple[int, int]]:
    """(d_tag, d_val) entries of a PT_DYNAMIC segment, up to DT_NULL."""
    fmt = byteorder + ("iI" if bits == 32 else "qQ")
    entries: List[Tuple[int, int]] = []
    for tag, value in struct.iter_unpack(fmt, data[: len(data) - len(data) % struct.calcsize(fmt)]):
        if tag == DT_NULL:
            break
        entries.append((tag, value))
    return entries


def readonly_loads(segments: List[Segment]) -> List[Segment]:
    """Loaded, non-writable segments in search order: data-only ones first, the highest
    address first (read-only data follows the headers and symbol tables), then executable."""
    loads = [s for s in segments if s.type == PT_LOAD and not s.writable and s.filesz]
    return sorted(loads, key=lambda s: (s.executable, -s.vaddr))


class ELFFile:
    """One ELF file, opened for bounded reads. Use as a context manager."""

    def __init__(self, path: str, *, root: Optional[Root] = None, map_segments: bool = False) -> None:
        """``map_segments`` maps the read-only segments instead of reading them. Only for
        the running process's own loader, which the process maps anyway: reading its
        200 KB of read-only data costs ~100 µs on musl, whose malloc maps and unmaps
        every block that large, and mapping halves the python backend's cold call there.
        A file truncated while mapped faults on access, so files from outside
        (``inspect()``) are always read.

        With ``root`` the file is ``path`` inside that directory, opened through it:
        ``path`` becomes its host path, ``inside`` its resolved path inside the root."""
        self._map_segments = map_segments
        self.inside: Optional[str] = None
        if root is None:
            self.path = path
            self._fd = open_regular_file(path)
        else:
            self._fd, self.inside = root.open_file(path)
            self.path = root.host_path(self.inside)
        try:
            st = os.fstat(self._fd)
            self.size = st.st_size
            # Which file this is, as of now: a cache of what was read from it is only
            # valid while all four stay the same.
            self.identity = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            self._parse_header()
        except BaseException:
            os.close(self._fd)
            raise

    def __enter__(self) -> ELFFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def error(self, message: str) -> ELFError:
        return ELFError(f"{self.path}: {message}")

    def read_at(self, offset: int, size: int, what: str) -> bytes:
        """Exactly ``size`` bytes at ``offset``, or an ELFError naming ``what``."""
        if size < 0 or offset < 0:
            raise self.error(f"{what}: size {size} at offset {offset} is out of range")
        if offset + size > self.size:
            raise self.error(
                f"{what}: offset {offset} + size {size} is past the end of the file ({self.size} bytes)"
            )
        if size > MAX_READ:
            raise self.error(f"{what}: size {size} at offset {offset} is more than one read may take "
                             f"({MAX_READ >> 20} MiB)")
        data = os.pread(self._fd, size, offset)
        if len(data) != size:
            raise self.error(f"{what}: short read ({len(data)} of {size} bytes); file changed?")
        return data

    def _parse_header(self) -> None:
        ident = os.pread(self._fd, 16, 0)
        if not b"\x7fELF".startswith(ident[:4]) or (len(ident) >= 4 and ident[:4] != b"\x7fELF"):
            raise self.error("not an ELF file (bad magic)")
        if len(ident) < 16 or self.size < 16:
            raise self.error(f"too short for an ELF header ({self.size} bytes)")
        elf_class, data = ident[4], ident[5]
        if elf_class not in (1, 2):
            raise self.error(f"EI_CLASS {elf_class} is neither ELFCLASS32 nor ELFCLASS64")
        if data not in (1, 2):
            raise self.error(f"EI_DATA {data} is neither little nor big endian")
        self.bits = 32 if elf_class == 1 else 64
        self.byteorder = "<" if data == 1 else ">"
        size = header_size(self.bits)
        header = parse_header(ident + self.read_at(16, size - 16, "ELF header"), self.bits, self.byteorder)
        self.type, self.machine, self.flags = header.type, header.machine, header.flags
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
        # A truncated file (packaging keeps 1 KiB heads of programs as test data) still
        # proves what its first bytes hold; reading a missing segment is the error.
        self.truncated = ""
        for index, seg in enumerate(self.segments):
            if seg.type in (PT_LOAD, PT_DYNAMIC, PT_INTERP) and seg.offset + seg.filesz > self.size:
                self.truncated = (f"program header {index} (type {seg.type}): offset {seg.offset} + p_filesz "
                                  f"{seg.filesz} is past the end of the file ({self.size} bytes); truncated?")
                break
        self._dynamic: Optional[Dict[int, List[int]]] = None
        self._string_pages: Dict[int, bytes] = {}

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

    def segment_chunks(self, segment: Segment, budget: int, chunk: int = 1 << 20,
                       overlap: int = 64) -> Iterator[bytes]:
        """A segment's file data in chunks that overlap by ``overlap`` bytes (so a short
        mark split between two chunks is still seen), stopping after ``budget`` bytes."""
        end = segment.offset + min(segment.filesz, budget, max(self.size - segment.offset, 0))
        at = segment.offset
        while at < end:
            size = min(chunk, end - at)
            yield self.read_at(at, size, "PT_LOAD segment")
            if at + size >= end:
                break
            at += size - overlap

    def readonly_loads(self) -> List[Segment]:
        return readonly_loads(self.segments)

    def readonly_segment_data(self) -> Iterator[bytes | memoryview]:
        for segment in readonly_loads(self.segments):
            if self._map_segments:
                yield self._mapped_segment(segment, "PT_LOAD segment")
            else:
                yield self.segment_bytes(segment, "PT_LOAD segment")

    def _mapped_segment(self, segment: Segment, what: str) -> bytes | memoryview:
        if segment.filesz > segment.memsz or segment.filesz > MAX_READ:
            return self.segment_bytes(segment, what)  # raises the same error as a read would
        import mmap

        start = segment.offset - segment.offset % mmap.ALLOCATIONGRANULARITY
        mapping = mmap.mmap(self._fd, segment.offset + segment.filesz - start, mmap.MAP_SHARED, mmap.PROT_READ,
                            offset=start)
        return memoryview(mapping)[segment.offset - start :]

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

    def notes(self) -> List[Tuple[bytes, int, bytes]]:
        """(name, type, descriptor) of every note in the PT_NOTE segments."""
        found = []
        for segment in self.segments_of_type(PT_NOTE):
            data = self.segment_bytes(segment, "PT_NOTE")
            align = 8 if segment.align == 8 else 4
            at = 0
            while at + 12 <= len(data):
                namesz, descsz, note_type = struct.unpack_from(self.byteorder + "III", data, at)
                name_at = at + 12
                desc_at = name_at + namesz + (-(name_at + namesz) % align)
                end = desc_at + descsz + (-(desc_at + descsz) % align)
                if desc_at + descsz > len(data):
                    raise self.error(f"PT_NOTE: a note's n_namesz {namesz} / n_descsz {descsz} run past its segment")
                name = data[name_at : name_at + namesz].rstrip(b"\x00")
                found.append((name, note_type, data[desc_at : desc_at + descsz]))
                at = end
        return found

    @property
    def is_pie_program(self) -> bool:
        """An ET_DYN that is a position-independent program (DF_1_PIE), not a library."""
        return any(flags & DF_1_PIE for flags in self.dynamic_values().get(DT_FLAGS_1, []))

    @property
    def is_dynamic(self) -> bool:
        return any(True for _ in self.segments_of_type(PT_DYNAMIC))

    def vaddr_to_offset(self, vaddr: int, size: int, what: str) -> int:
        """The file offset of ``size`` bytes at virtual address ``vaddr``."""
        for segment in self.segments_of_type(PT_LOAD):
            if segment.vaddr <= vaddr and vaddr + size <= segment.vaddr + segment.filesz:
                return segment.offset + (vaddr - segment.vaddr)
        raise self.error(f"{what}: address {vaddr:#x} (+{size}) is not inside any PT_LOAD segment's file data")

    def dynamic_entries(self) -> List[Tuple[int, int]]:
        for segment in self.segments_of_type(PT_DYNAMIC):
            return parse_dynamic(self.segment_bytes(segment, "PT_DYNAMIC"), self.bits, self.byteorder)
        return []

    def dynamic_values(self) -> Dict[int, List[int]]:
        """PT_DYNAMIC's entries by tag (read once)."""
        if self._dynamic is None:
            self._dynamic = dynamic_table(self.dynamic_entries())
        return self._dynamic

    def _string_table(self) -> Optional[Tuple[int, int]]:
        """(file offset, size) of the dynamic string table, or None without one."""
        values = self.dynamic_values()
        if DT_STRTAB not in values or DT_STRSZ not in values:
            return None
        size = values[DT_STRSZ][0]
        return self.vaddr_to_offset(values[DT_STRTAB][0], size, "DT_STRTAB/DT_STRSZ"), size

    def dynamic_strings(self) -> Tuple[Optional[bytes], Dict[int, List[int]]]:
        """The whole dynamic string table (bounded by MAX_READ) and the entries by tag."""
        table = self._string_table()
        if table is None:
            return None, self.dynamic_values()
        return self.read_at(table[0], table[1], "dynamic string table"), self.dynamic_values()

    def dynamic_string(self, index: int, what: str = "dynamic string") -> str:
        """One NUL-terminated string of the dynamic string table, read by 4 KiB pages
        (the names a decision needs sit in a few of them; the table may be megabytes)."""
        table = self._string_table()
        if table is None:
            raise self.error(f"{what}: there is no DT_STRTAB/DT_STRSZ")
        offset, size = table
        if index >= size:
            raise self.error(f"{what}: string offset {index} is outside DT_STRTAB ({size} bytes)")
        pieces: List[bytes] = []
        page = index - index % _STRING_PAGE
        start = index - page
        while page < size and len(pieces) < 16:
            data = self._string_pages.get(page)
            if data is None:
                data = self._string_pages[page] = self.read_at(offset + page, min(_STRING_PAGE, size - page), what)
            end = data.find(b"\x00", start)
            if end >= 0:
                pieces.append(data[start:end])
                return os.fsdecode(b"".join(pieces))
            pieces.append(data[start:])
            page += _STRING_PAGE
            start = 0
        raise self.error(f"{what}: the string at offset {index} has no NUL within DT_STRTAB or 64 KiB")

    def dynamic_names(self) -> Tuple[Optional[str], List[str]]:
        """(DT_SONAME, [DT_NEEDED, ...]), each string read on its own."""
        values = self.dynamic_values()
        sonames = values.get(DT_SONAME, [])
        soname = self.dynamic_string(sonames[0], "DT_SONAME") if sonames else None
        return soname, [self.dynamic_string(i, "DT_NEEDED") for i in values.get(DT_NEEDED, [])]

    def version_needs(self) -> List[Tuple[str, List[str]]]:
        """(file, [version names]) of every DT_VERNEED entry: what the object needs of
        each library it links, e.g. ("libc.so.6", ["GLIBC_2.2.5", "GLIBC_2.34"])."""
        values = self.dynamic_values()
        if DT_VERNEED not in values or DT_VERNEEDNUM not in values:
            return []
        count = values[DT_VERNEEDNUM][0]
        if count > MAX_VERNEED:
            raise self.error(f"DT_VERNEEDNUM {count} is more than {MAX_VERNEED} entries")
        order = self.byteorder
        at = self.vaddr_to_offset(values[DT_VERNEED][0], 16, "DT_VERNEED")
        needs: List[Tuple[str, List[str]]] = []
        walked = 0
        for _ in range(count):
            _version, aux_count, file_name, aux_offset, next_offset = struct.unpack(
                order + "HHIII", self.read_at(at, 16, "Elf_Verneed"))
            names = []
            aux_at = at + aux_offset
            for _ in range(aux_count):
                walked += 1
                if walked > MAX_VERNEED:
                    raise self.error(f"more than {MAX_VERNEED} Elf_Vernaux entries")
                _hash, _flags, _other, name, aux_next = struct.unpack(
                    order + "IHHII", self.read_at(aux_at, 16, "Elf_Vernaux"))
                names.append(self.dynamic_string(name, "Elf_Vernaux name"))
                if aux_next == 0:
                    break
                aux_at += aux_next
            needs.append((self.dynamic_string(file_name, "Elf_Verneed file"), names))
            if next_offset == 0:
                break
            at += next_offset
        return needs

    def _symbol_count(self, values: Dict[int, List[int]]) -> int:
        """How many .dynsym entries there are: DT_HASH's nchain, else a walk of DT_GNU_HASH."""
        order = self.byteorder
        if DT_HASH in values:
            at = self.vaddr_to_offset(values[DT_HASH][0], 8, "DT_HASH")
            return int(struct.unpack(order + "II", self.read_at(at, 8, "DT_HASH header"))[1])
        if DT_GNU_HASH not in values:
            return 0
        at = self.vaddr_to_offset(values[DT_GNU_HASH][0], 16, "DT_GNU_HASH")
        nbuckets, symoffset, bloom_size, _shift = struct.unpack(order + "IIII", self.read_at(at, 16, "DT_GNU_HASH"))
        if nbuckets > MAX_READ // 4 or bloom_size > MAX_READ // 8:
            raise self.error(f"DT_GNU_HASH: {nbuckets} buckets / {bloom_size} bloom words is out of range")
        at += 16 + bloom_size * (self.bits // 8)
        buckets = struct.unpack(f"{order}{nbuckets}I", self.read_at(at, 4 * nbuckets, "DT_GNU_HASH buckets"))
        last = int(max(buckets, default=0))
        if last < symoffset:
            return int(symoffset)
        chain_at = at + 4 * nbuckets + 4 * (last - symoffset)
        while True:  # the last chain ends with the entry whose low bit is set
            (value,) = struct.unpack(order + "I", self.read_at(chain_at, 4, "DT_GNU_HASH chain"))
            last += 1
            chain_at += 4
            if value & 1:
                return last

    def imported_symbols(self) -> List[str]:
        """Names of the undefined (imported) dynamic symbols."""
        values = self.dynamic_values()
        strtab, _ = self.dynamic_strings()
        if strtab is None or DT_SYMTAB not in values:
            return []
        entry = 16 if self.bits == 32 else 24
        if values.get(DT_SYMENT, [entry])[0] != entry:
            raise self.error(f"DT_SYMENT {values[DT_SYMENT][0]} is not {entry} for ELF{self.bits}")
        count = self._symbol_count(values)
        offset = self.vaddr_to_offset(values[DT_SYMTAB][0], count * entry, "DT_SYMTAB")
        table = self.read_at(offset, count * entry, "dynamic symbol table")
        # st_name and st_shndx: Elf32_Sym is name, value, size, info, other, shndx; Elf64_Sym
        # is name, info, other, shndx, value, size.
        fmt = self.byteorder + ("I8xxxH" if self.bits == 32 else "IxxH16x")
        names = []
        for name, shndx in struct.iter_unpack(fmt, table):
            end = strtab.find(b"\x00", name)
            if shndx == SHN_UNDEF and 0 < name < end:
                names.append(os.fsdecode(strtab[name:end]))
        return names

    # -- architecture -------------------------------------------------------------

    @property
    def arch(self) -> str:
        """The platform-tag architecture this object is built for."""
        return elf_arch(self.machine, self.bits, self.byteorder, self.flags)


def elf_arch(machine: int, bits: int, byteorder: str, flags: int) -> str:
    little = byteorder == "<"
    if machine == EM_X86_64:
        return "x86_64" if bits == 64 else "x32"
    if machine == EM_386:
        return "i686"
    if machine == EM_AARCH64:
        return "aarch64" if little else "aarch64_be"
    if machine == EM_ARM:
        hard = (flags & EF_ARM_ABIMASK) == EF_ARM_ABI_VER5 and flags & EF_ARM_ABI_FLOAT_HARD
        return ("armv7l" if hard else "armv5tel") if little else "armeb"
    if machine == EM_PPC64:
        return "ppc64le" if little else "ppc64"
    if machine == EM_PPC:
        return "ppcle" if little else "ppc"
    if machine == EM_S390:
        return "s390x" if bits == 64 else "s390"
    if machine == EM_RISCV:
        return f"riscv{bits}"
    if machine == EM_LOONGARCH:
        return f"loongarch{bits}"
    if machine == EM_MIPS:
        return ("mips64" if bits == 64 else "mips") + ("el" if little else "")
    return f"unknown_machine_{machine}"


def is_linux_armhf(path: str, root: Optional[Root] = None) -> bool:
    """True for a 32-bit little-endian ARM hard-float EABI5 executable."""
    return _header_matches(path, root, lambda f: f.bits == 32 and f.byteorder == "<" and f.arch == "armv7l")


def is_linux_i686(path: str, root: Optional[Root] = None) -> bool:
    return _header_matches(path, root, lambda f: f.bits == 32 and f.byteorder == "<" and f.machine == EM_386)


def _header_matches(path: str, root: Optional[Root], test) -> bool:  # type: ignore[no-untyped-def]
    try:
        with ELFFile(path, root=root) as elf:
            return bool(test(elf))
    except (OSError, ELFError):
        return False
