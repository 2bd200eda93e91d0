"""The C twins of the ELF reader held to the Python reader: the dynamic symbol pass
(csrc/md_elfsym.c, ``_native.symbol_pass``) to ``_elf_symbols.python_symbol_pass`` (the
same names, flags, indexes and exports, or the same refusal, on every real binary at hand,
on altered copies of them and on tables made to sit on the edges of the rules: the budget,
names without an end, either byte order); the dynamic pass (csrc/md_elfdyn.c,
``_native.dynamic_pass``) to the Python reader's facts of a binary held in memory; and the
header pass fused with it (csrc/md_elfhead.c, ``_native.elf_facts``) to those facts whole. An
audit takes the twins whenever the extension is there, so an answer they gave differently
would be a verdict the pure package does not give."""

from __future__ import annotations

import glob
import os
import random
import struct
import sys
from typing import Any, Callable, List, NamedTuple, Optional, Sequence, Tuple, Union

import pytest

from musldetect import _dispatch
from musldetect._audit._binary import BinaryFacts, binary_facts, held_binary_facts
from musldetect._audit._read import _SparseFile
from musldetect._elf import ELFFile, HeldFile
from musldetect._elf_dynamic import DT_GNU_HASH, DT_HASH, DT_STRTAB, DT_SYMTAB, DT_VERNEED, DT_VERSYM
from musldetect._elf_header import PT_DYNAMIC, PT_GNU_STACK, PT_INTERP, PT_NOTE
from musldetect._elf_symbols import Undefined, python_symbol_pass, symbol_columns
from musldetect._types import ELFError, ZipRefused

from fixtures import REQUIRED_BACKENDS, CountedTwin

try:
    from musldetect import _native
except ImportError as exc:
    if "native" in REQUIRED_BACKENDS:
        pytest.fail(f"the native extension is required (MUSLDETECT_REQUIRE_BACKENDS) but missing: {exc}")
    pytest.skip(f"no native extension: {exc}", allow_module_level=True)

PREFIX_SETS: List[Optional[Tuple[bytes, ...]]] = [
    None,
    (b"Py", b"_Py", b"init", b"_cffi_pypyinit_"),
    (b"",),
    (b"_Z", b"x"),
]
GLOBAL_FUNCTION, WEAK_OBJECT, LOCAL_FUNCTION = (1 << 4) | 2, (2 << 4) | 1, 2


Answer = Union[Tuple[str, str], Tuple[List[str], List[int], List[int], List[str]]]


def _answer(call: Callable[[], Tuple[Undefined, List[str]]]) -> Answer:
    """What a pass answers, or its refusal (the words compared too)."""
    try:
        undefined, exports = call()
    except ELFError as exc:
        return ("refused", str(exc))
    return (list(undefined.names), [int(flag) for flag in undefined.weak], list(undefined.indexes), exports)


def _refused(answer: Answer) -> bool:
    return answer[0] == "refused"


def _both(elf: ELFFile, prefixes: Optional[Tuple[bytes, ...]], twin: CountedTwin) -> Tuple[Answer, Answer]:
    native = _answer(lambda: symbol_columns(elf, elf.dynamic, prefixes, twin))
    python = _answer(lambda: symbol_columns(elf, elf.dynamic, prefixes, None))
    return native, python


def _dynamic_files() -> List[str]:
    found = []
    for pattern in ("/usr/lib/x86_64-linux-gnu/*.so*", "/usr/lib/*/*.so*", "/usr/bin/*", sys.executable):
        for path in sorted(glob.glob(pattern)):
            real = os.path.realpath(path)
            if real not in found and os.path.isfile(real) and not os.path.islink(path):
                with open(real, "rb") as fh:
                    if fh.read(4) == b"\x7fELF":
                        found.append(real)
    return found[::7][:150] or [os.path.realpath(sys.executable)]


def _wheel_binaries(limit: int) -> List[Tuple[str, bytes]]:
    """ELF members of the real wheels CI fetched (MUSLDETECT_WHEELS), when given."""
    import zipfile

    directory = os.environ.get("MUSLDETECT_WHEELS", "")
    found: List[Tuple[str, bytes]] = []
    for wheel in sorted(glob.glob(os.path.join(directory, "*.whl")))[:40] if directory else []:
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                if info.file_size < (8 << 20) and not info.is_dir():
                    data = archive.read(info)
                    if data[:4] == b"\x7fELF":
                        found.append((f"{os.path.basename(wheel)}!{info.filename}", data))
                        if len(found) >= limit:
                            return found
    return found


@pytest.mark.parametrize("twin", ["symbol_pass", "dynamic_pass", "elf_facts", "zip_walk"])
def test_native_twin_is_what_an_audit_takes_unless_python_is_asked(monkeypatch, twin):
    """Each C twin (the ELF reader's two, the container's) is taken when the backend asked
    for allows it: auto and native do, any other backend keeps the Python readers."""
    chosen = getattr(_dispatch, f"native_{twin}")
    monkeypatch.delenv("MUSLDETECT_BACKEND", raising=False)
    assert chosen() is getattr(_native, twin)
    monkeypatch.setenv("MUSLDETECT_BACKEND", "python")
    assert chosen() is None
    monkeypatch.setenv("MUSLDETECT_BACKEND", "native")
    assert chosen() is getattr(_native, twin)


def test_native_symbol_pass_answers_as_python_on_the_host_binaries():
    twin = CountedTwin(_native.symbol_pass)
    for path in _dynamic_files():
        with ELFFile(path) as elf:
            if not elf.is_dynamic:
                continue
            for prefixes in PREFIX_SETS:
                native, python = _both(elf, prefixes, twin)
                assert native == python, (path, prefixes)
    assert twin.answered >= 20, twin.answered


def test_native_symbol_pass_answers_as_python_on_the_real_wheels_binaries():
    binaries = _wheel_binaries(400)
    if not binaries:
        pytest.skip("MUSLDETECT_WHEELS names no folder of real wheels")
    twin = CountedTwin(_native.symbol_pass)
    for name, data in binaries:
        with ELFFile(name, held=HeldFile([data])) as elf:
            if elf.is_dynamic:
                for prefixes in PREFIX_SETS[:2]:
                    native, python = _both(elf, prefixes, twin)
                    assert native == python, (name, prefixes)
    assert twin.answered >= len(binaries) // 2, (twin.answered, len(binaries))


def _tables_of(data: bytes) -> List[Tuple[int, int]]:
    """Where .dynsym and .dynstr start in the file (what the alterations aim at)."""
    with ELFFile("altered", held=HeldFile([data])) as elf:
        values = elf.dynamic.values() if elf.is_dynamic else {}
        return [
            (elf.vaddr_to_offset(values[tag][0], 1, "table"), 4096) for tag in (DT_SYMTAB, DT_STRTAB) if tag in values
        ]


def test_native_symbol_pass_answers_as_python_on_altered_copies():
    """Bytes of .dynsym and .dynstr changed (names moved, NULs dropped, bindings and section
    indexes flipped), 3,000 copies seeded: whatever the Python reader answers or refuses,
    the twin answers or refuses alike."""
    rng = random.Random(656)
    sources = [data for _, data in _wheel_binaries(40) if len(data) < (1 << 20)]
    for path in _dynamic_files():
        if os.path.getsize(path) < (1 << 20):
            with open(path, "rb") as fh:
                sources.append(fh.read())
    sources = [data for data in sources if _tables_of(data)][:40]
    assert sources
    twin = CountedTwin(_native.symbol_pass)
    for round_ in range(3000):
        data = bytearray(rng.choice(sources))
        for start, span in _tables_of(bytes(data)):
            for _ in range(rng.randrange(1, 12)):
                at = min(start + rng.randrange(span), len(data) - 1)
                data[at] = rng.choice((0, 0xFF, 0x10, 0x20, rng.randrange(256), data[at] ^ (1 << rng.randrange(8))))
        try:
            elf = ELFFile("altered", held=HeldFile([bytes(data)]))
        except ELFError:
            continue
        with elf:
            try:
                dynamic = elf.is_dynamic
            except ELFError:
                continue
            if dynamic:
                native, python = _both(elf, PREFIX_SETS[round_ % len(PREFIX_SETS)], twin)
                assert native == python, round_
    assert twin.answered >= 1000, twin.answered


def _entries(entries: List[Tuple[int, int, int]], bits: int, byteorder: str) -> bytes:
    """A symbol table of (st_name, st_info, st_shndx) entries, of either class and order."""
    if bits == 64:
        return b"".join(struct.pack(byteorder + "IBBHQQ", n, i, 0, s, 0, 0) for n, i, s in entries)
    return b"".join(struct.pack(byteorder + "IIIBBH", n, 0, 0, i, 0, s) for n, i, s in entries)


def _compare(table: bytes, strtab: bytes, bits: int, byteorder: str, prefixes: Optional[Tuple[bytes, ...]]) -> Answer:
    entry = 24 if bits == 64 else 16
    found = _native.symbol_pass(table, strtab, entry, byteorder == ">", prefixes)
    with ELFFile(sys.executable) as reader:  # names the file in the Python reader's refusal
        python = _answer(lambda: python_symbol_pass(reader, table, strtab, entry, byteorder, prefixes))
    if found is None:
        assert _refused(python), python
        return python
    assert (found[0], found[1], found[2], found[3]) == python
    return python


@pytest.mark.parametrize("bits,byteorder", [(64, "<"), (64, ">"), (32, "<"), (32, ">")])
def test_native_symbol_pass_on_the_edges_of_the_rules(bits, byteorder):
    """Every kind of entry in either class and byte order: the null symbol, names inside,
    at and past the table's end, an empty name, one with no NUL after it, weak and strong
    imports, global, weak and local definitions, and prefixes that do and do not match."""
    strtab = b"\0PyInit_x\0libc_start\0\0Py_Weak\0_Py_tail"  # the last name has no NUL
    tail = strtab.index(b"_Py_tail")
    entries = [
        (0, 0, 0),  # the null symbol
        (1, GLOBAL_FUNCTION, 1),  # PyInit_x, exported
        (10, GLOBAL_FUNCTION, 0),  # libc_start, imported
        (21, GLOBAL_FUNCTION, 0),  # the empty name: binds nothing
        (22, WEAK_OBJECT, 0),  # Py_Weak, a weak import
        (22, WEAK_OBJECT, 0x100),  # Py_Weak, a weak definition (st_shndx's high byte only)
        (tail, GLOBAL_FUNCTION, 0),  # no NUL after it: no name
        (tail, GLOBAL_FUNCTION, 3),
        (len(strtab), GLOBAL_FUNCTION, 0),  # at the end: outside
        (1 << 31, GLOBAL_FUNCTION, 2),  # far outside
        (3, LOCAL_FUNCTION, 1),  # a local definition: never exported
        (12, GLOBAL_FUNCTION, 1),  # bc_start: a name may start inside another
    ]
    table = _entries(entries, bits, byteorder)
    for prefixes in PREFIX_SETS + [(b"Py_Weak\0",), (b"PyInit_x_longer",)]:
        _compare(table, strtab, bits, byteorder, prefixes)
    assert _compare(table, strtab, bits, byteorder, None) == (
        ["libc_start", "Py_Weak"],
        [0, 1],
        [2, 4],
        ["PyInit_x", "Py_Weak", "bc_start"],
    )


def test_native_symbol_pass_declines_where_the_budget_ends_and_not_before():
    """The bytes searched for names are charged as the Python reader charges them: names
    that cost exactly the budget are read by both, one name more is refused by both (the
    twin declines, and the Python reader refuses the file). A 24-byte name divides the
    budget of its 26-byte table (4 x 26 + 1 MiB) exactly."""
    strtab = b"\0" + b"x" * 24 + b"\0"
    budget = 4 * len(strtab) + (1 << 20)
    assert budget % 24 == 0
    for count, refused in ((budget // 24, False), (budget // 24 + 1, True)):
        table = _entries([(1, GLOBAL_FUNCTION, 0)] * count, 64, "<")
        assert _refused(_compare(table, strtab, 64, "<", None)) == refused, count


def test_native_symbol_pass_charges_an_export_whose_prefix_reaches_the_end():
    """An export whose name is a prefix running to the table's last byte (no NUL after it)
    names nothing, but its search is charged all the same: 1,053 of them overrun the budget
    of a 1,001-byte table, in both readers."""
    strtab = b"\0" + b"P" * 1000
    table = _entries([(1, GLOBAL_FUNCTION, 1)] * 1053, 64, "<")
    assert _refused(_compare(table, strtab, 64, "<", (b"P" * 1000,)))
    assert not _refused(_compare(table[: 24 * 1000], strtab, 64, "<", (b"P" * 1000,)))


def test_native_symbol_pass_on_random_tables_answers_as_python():
    """2,000 seeded random tables over short random string tables (few NULs, names that
    overlap, every binding and section index)."""
    rng = random.Random(600)
    for _ in range(2000):
        strtab = bytes(rng.choice(b"\0\0Pyx_i\xff\xc3\xa9") for _ in range(rng.randrange(0, 40)))
        entries = [
            (rng.randrange(len(strtab) + 3), rng.randrange(256), rng.choice((0, 0, 1, 0x100, 0xFFF1)))
            for _ in range(rng.randrange(0, 30))
        ]
        bits, byteorder = rng.choice(((64, "<"), (32, ">"), (32, "<"), (64, ">")))
        _compare(_entries(entries, bits, byteorder), strtab, bits, byteorder, rng.choice(PREFIX_SETS))


def test_native_symbol_pass_refuses_what_no_reader_passes_it():
    with pytest.raises(ValueError, match="entry size"):
        _native.symbol_pass(b"", b"", 8, False, None)
    with pytest.raises(TypeError):
        _native.symbol_pass(b"", b"", 24, False, [b"Py"])


def test_an_audit_reads_its_binaries_symbols_with_the_native_twin(monkeypatch):
    """The twin is what an audit's binaries are read with (MUSLDETECT_BACKEND unset), not a
    tested twin that nothing calls: a binary read from its file (not held in memory, so not
    by the dynamic pass) goes through it."""
    import musldetect

    monkeypatch.delenv("MUSLDETECT_BACKEND", raising=False)
    twin = CountedTwin(_native.symbol_pass)
    monkeypatch.setattr(_native, "symbol_pass", twin)
    musldetect.audit(os.path.realpath(sys.executable))
    assert twin.answered == 1


# -- the dynamic pass (csrc/md_elfdyn.c, ``_native.dynamic_pass``) -----------------------


Facts = Union[BinaryFacts, Tuple[str, str]]


def _facts(monkeypatch: Any, backend: str, name: str, held: HeldFile) -> Facts:
    """A binary's facts as the audit reads them with ``backend`` (python: the Python reader
    alone), or its refusal in the reader's words."""
    monkeypatch.setenv("MUSLDETECT_BACKEND", backend)
    try:
        with ELFFile(name, held=held) as elf:
            return binary_facts(elf, name)
    except ELFError as exc:
        return ("refused", str(exc))


def _held_ways(data: bytes, rng: random.Random) -> List[HeldFile]:
    """The ways an audit holds a member: whole; in the pieces it inflated in; and sparsely,
    every byte not held read again on demand (as ``_read._SparseFile`` reads it)."""
    cuts = sorted(rng.sample(range(1, len(data)), min(4, len(data) - 1)))
    bounds = [0] + cuts + [len(data)]
    pieces = [data[start:end] for start, end in zip(bounds, bounds[1:])]
    kept = [index for index in range(len(pieces)) if index == 0 or rng.random() < 0.5]
    sparse = _SparseFile(
        [pieces[i] for i in kept],
        [bounds[i] for i in kept],
        len(data),
        lambda size, at: data[at : at + size],
    )
    return [HeldFile([data]), HeldFile(pieces), sparse]


def _held_files() -> List[Tuple[str, bytes]]:
    found = list(_wheel_binaries(400))
    for path in _dynamic_files():
        if os.path.getsize(path) < (16 << 20):
            with open(path, "rb") as fh:
                found.append((path, fh.read()))
    return found


def test_native_dynamic_pass_gives_the_python_readers_facts_on_real_binaries(monkeypatch):
    """Every host and real wheel binary, held whole, in pieces and sparsely: the facts the
    audit reads with the dynamic pass are the Python reader's, field for field."""
    rng = random.Random(600)
    twin = CountedTwin(_native.dynamic_pass)
    monkeypatch.setattr(_native, "dynamic_pass", twin)
    files = _held_files()
    for name, data in files:
        python = _facts(monkeypatch, "python", name, HeldFile([data]))
        for way, held in enumerate(_held_ways(data, rng)):
            declined = twin.declined
            assert _facts(monkeypatch, "auto", name, held) == python, name
            # Every byte of a file held whole or in pieces is there: the pass reads it all
            # (what runs across pieces joined), only a sparse hold's holes are Python's.
            assert way == 2 or twin.declined == declined, (name, way)
    assert twin.answered >= 2 * len(files) // 3, (twin.answered, len(files))


def _dynamic_regions(data: bytes) -> List[Tuple[int, int]]:
    """Where the dynamic pass reads (what the alterations aim at): PT_DYNAMIC, the program
    headers, and the tables its entries name (strings, symbols, hash, versions)."""
    with ELFFile("altered", held=HeldFile([data])) as elf:
        if not elf.is_dynamic:
            return []
        dynamic = next(elf.segments_of_type(PT_DYNAMIC))
        header_size = 64 if elf.bits == 64 else 52  # the program headers follow it in these files
        regions = [(dynamic.offset, dynamic.filesz), (header_size, len(elf.segments) * (56 if elf.bits == 64 else 32))]
        values = elf.dynamic.values()
        for tag in (DT_SYMTAB, DT_STRTAB, DT_HASH, DT_GNU_HASH, DT_VERNEED, DT_VERSYM):
            if tag in values:
                try:
                    regions.append((elf.vaddr_to_offset(values[tag][0], 1, "table"), 512))
                except ELFError:
                    continue
        return regions


class _Altered(NamedTuple):
    """How many altered copies each reader answered or refused, and how often the twin declined."""

    answered: int
    declined: int
    refused: int


def _altered_rounds(
    monkeypatch: Any,
    seed: int,
    twin_name: str,
    regions_of: Callable[[bytes], List[Tuple[int, int]]],
    facts_of: Callable[[Any, str, str, HeldFile], Facts],
    held_way: int,
) -> _Altered:
    """3,000 copies of real binaries with one to five bytes changed inside ``regions_of``,
    each read by Python and by the audit's way (``facts_of`` with the twin named, held whole
    or the ``held_way`` of ``_held_ways``): the same facts or the same refusal, each time."""
    rng = random.Random(seed)
    sources = [data for _, data in _held_files() if len(data) < (1 << 20)]
    sources = [data for data in sources if _dynamic_regions(data)][:60]
    assert sources
    twin = CountedTwin(getattr(_native, twin_name))
    monkeypatch.setattr(_native, twin_name, twin)
    refused = 0
    for round_ in range(3000):
        data = bytearray(rng.choice(sources))
        regions = regions_of(bytes(data))
        for _ in range(rng.randrange(1, 6)):
            start, span = rng.choice(regions)
            at = min(start + rng.randrange(max(span, 1)), len(data) - 1)
            data[at] = rng.choice((0, 0xFF, 0x01, 0x80, rng.randrange(256), data[at] ^ (1 << rng.randrange(8))))
        altered = bytes(data)
        python = facts_of(monkeypatch, "python", "altered", HeldFile([altered]))
        refused += not isinstance(python, BinaryFacts)
        held = HeldFile([altered]) if round_ % 2 else _held_ways(altered, rng)[held_way]
        assert facts_of(monkeypatch, "auto", "altered", held) == python, round_
    return _Altered(twin.answered, twin.declined, refused)


def test_native_dynamic_pass_gives_the_python_readers_facts_on_altered_copies(monkeypatch):
    """Copies with bytes changed where the pass reads (entries, string and symbol tables,
    hash tables, version needs and indexes), held whole or sparsely: whatever the Python
    reader answers or refuses, the audit's reading answers or refuses alike."""
    found = _altered_rounds(monkeypatch, 656, "dynamic_pass", _dynamic_regions, _facts, 2)
    assert found.answered >= 1000 and found.refused >= 100, found


def _tiny_library(strings: bytes, soname_at: int, memsz_short: int = 0, more: Sequence[Tuple[int, int]] = ()) -> bytes:
    """A little-endian ELF64 library: one PT_LOAD over the whole file, PT_DYNAMIC with
    DT_STRTAB, DT_STRSZ, DT_SONAME at ``soname_at`` and the entries ``more`` (its p_memsz
    ``memsz_short`` bytes under its p_filesz), then the string table: the rules' edges, set exactly."""
    dynamic_at, entries = 64 + 2 * 56, [(5, 0), (10, len(strings)), (14, soname_at), *more, (0, 0)]
    strings_at = dynamic_at + 16 * len(entries)
    entries[0] = (5, strings_at)  # DT_STRTAB: addresses are file offsets (vaddr 0)
    size = strings_at + len(strings)
    header = (
        b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 64, 0, 0, 64, 56, 2, 64, 0, 0)
    )
    load = struct.pack("<IIQQQQQQ", 1, 4, 0, 0, 0, size, size, 0x1000)
    filesz = 16 * len(entries)
    dynamic = struct.pack("<IIQQQQQQ", 2, 6, dynamic_at, dynamic_at, dynamic_at, filesz, filesz - memsz_short, 8)
    table = b"".join(struct.pack("<qQ", tag, value) for tag, value in entries)
    return header + load + dynamic + table + strings


def _both_readings(monkeypatch: Any, data: bytes) -> Tuple[Facts, Facts]:
    """The facts read with the dynamic pass (which must answer where Python does) and by Python."""
    twin = CountedTwin(_native.dynamic_pass)
    monkeypatch.setattr(_native, "dynamic_pass", twin)
    python = _facts(monkeypatch, "python", "tiny", HeldFile([data]))
    native = _facts(monkeypatch, "auto", "tiny", HeldFile([data]))
    assert twin.answered == isinstance(python, BinaryFacts), (twin.answered, python)
    return native, python


def test_native_dynamic_pass_finds_a_name_within_its_pages_bound_only(monkeypatch):
    """A name is looked for up to 64 KiB past the start of its 4 KiB page, not of the name:
    a NUL past that bound is no end (the Python reader refuses), one before it is."""
    start = 4096 + 4000  # 96 bytes short of its page's end: the bound is 61,536 bytes on
    for end, ends in ((start + 61535, True), (start + 61536, False), (start + 62000, False)):
        strings = bytearray(b"\0" + b"a" * (end + 100))
        strings[end] = 0
        native, python = _both_readings(monkeypatch, _tiny_library(bytes(strings), start))
        assert native == python
        assert isinstance(python, BinaryFacts) == ends, (end, python)


def test_native_dynamic_pass_declines_a_dynamic_segment_larger_on_file_than_in_memory(monkeypatch):
    native, python = _both_readings(monkeypatch, _tiny_library(b"\0libtiny.so\0", 1, memsz_short=1))
    assert native == python and not isinstance(python, BinaryFacts), python
    native, python = _both_readings(monkeypatch, _tiny_library(b"\0libtiny.so\0", 1))
    assert native == python and isinstance(python, BinaryFacts) and python.soname == "libtiny.so", python


def test_native_dynamic_pass_takes_the_first_of_a_repeated_entry(monkeypatch):
    """A tag given twice (here DT_SONAME, then DT_STRSZ cut to end before the second name):
    both readers take its first value, the pass as the Python reader does."""
    strings = b"\0libfirst.so\0libsecond.so\0"
    repeated = [(14, strings.index(b"libsecond.so")), (10, 5)]
    native, python = _both_readings(monkeypatch, _tiny_library(strings, 1, more=repeated))
    assert native == python and isinstance(python, BinaryFacts) and python.soname == "libfirst.so", python


def test_native_dynamic_pass_declines_to_read_bytes_a_hold_lacks():
    """Given pieces with a hole where a table lies (the audit hands it files held whole
    only, so this is the pass's own guard), the pass declines rather than read past a
    piece: the string table here starts inside the hole, then past the last piece."""
    from musldetect._audit._binary import _read_natively

    names = b"\0libtiny.so\0"
    data = bytearray(_tiny_library(b"PADDING!" + names, 1))
    table_at = len(data) - len(names)
    dynamic_at = 64 + 2 * 56  # DT_STRTAB, then DT_STRSZ: moved past the padding
    struct.pack_into("<qQqQ", data, dynamic_at, 5, table_at, 10, len(names))
    data = bytes(data)
    with ELFFile("tiny", held=HeldFile([data])) as whole:
        found = _read_natively(whole, whole.held, _native.dynamic_pass)
        assert found is not None and found.soname == "libtiny.so"  # the pass answers for it whole
    for pieces, starts in (
        ([data[: table_at - 4], data[table_at + 4 :]], [0, table_at + 4]),  # the table starts in a hole
        ([data[: table_at - 4]], [0]),  # the table starts past the last piece
    ):
        held = HeldFile(pieces, starts, len(data))
        with ELFFile("tiny", held=held) as elf:
            assert _read_natively(elf, held, _native.dynamic_pass) is None


def _library_that_needs_another() -> Tuple[str, bytes]:
    """A host library of 40 kB to 1 MiB that names another (its facts read every table),
    else this Python's executable."""
    for path in _dynamic_files():
        if 40_000 < os.path.getsize(path) < (1 << 20):
            try:
                with ELFFile(path) as elf:
                    if elf.is_dynamic and elf.dynamic_names()[1]:
                        break
            except ELFError:
                continue
    else:
        path = os.path.realpath(sys.executable)
    with open(path, "rb") as fh:
        return path, fh.read()


def test_a_sparse_hold_is_read_as_the_python_reader_reads_it(monkeypatch):
    """A sparse hold keeps the bytes the facts need, but the Python reader's windows around
    its small reads reach bytes it does not hold and stream the member again; here that
    second reading finds the wheel changed. Wherever the hole, the audit's reading must
    refuse as the Python reader does, not answer from the held bytes alone."""

    def changed(size: int, at: int) -> bytes:
        raise ZipRefused("w.whl", "ChangedWhileRead", f"read again at {at}+{size}: not what was read", "m.so")

    library, data = _library_that_needs_another()
    outcomes = set()
    for hole in range(4096, len(data), 61):
        pieces, starts = [data[:hole], data[hole + 1 :]], [0, hole + 1]
        found = []
        for backend in ("python", "auto"):
            monkeypatch.setenv("MUSLDETECT_BACKEND", backend)
            try:
                with ELFFile("held", held=_SparseFile(pieces, starts, len(data), changed)) as elf:
                    found.append(binary_facts(elf, "held"))
            except ZipRefused as exc:
                found.append(exc.defect)
        assert found[0] == found[1], (library, hole)
        outcomes.add(type(found[0]).__name__)
    assert outcomes == {"BinaryFacts", "str"}, outcomes  # holes the reader reads around, and holes it never meets


def test_native_dynamic_pass_refuses_arguments_no_reader_passes_it():
    with pytest.raises(TypeError, match="one length"):
        _native.dynamic_pass([b"x"], [], 1, 64, False, False, [], (0, 0, 0), (), ())
    # Pieces it does not read in place (out of order, or neither bytes nor a bytearray) are the Python reader's.
    assert _native.dynamic_pass([b"ab", b"cd"], [0, 1], 4, 64, False, False, [], (0, 0, 0), (), ()) is None
    assert _native.dynamic_pass([memoryview(b"ab")], [0], 2, 64, False, False, [], (0, 0, 0), (), ()) is None


def _past_the_file(data: bytes, strings: bytes, more: int) -> bytes:
    """``_tiny_library``'s file with its PT_LOAD and DT_STRSZ saying ``more`` bytes than it holds."""
    lying = bytearray(data)
    filesz, memsz = struct.unpack_from("<QQ", lying, 64 + 32)
    struct.pack_into("<QQ", lying, 64 + 32, filesz + more, memsz + more)
    struct.pack_into("<Q", lying, 64 + 2 * 56 + 16 + 8, len(strings) + more)  # DT_STRSZ's value
    return bytes(lying)


def test_native_dynamic_pass_reads_reused_memory_only_up_to_the_file(monkeypatch):
    """A member read into the C reader's reused memory (a bytearray longer than the file,
    what an earlier member left after it): the pass reads the file's bytes only. A name
    whose NUL lies past the end of the file, or a string table its headers say runs past
    it, is refused by both readers, whatever the memory holds after the file."""
    from musldetect._audit._read import _ReusedFile

    cases = [(b"\0libtiny.so", False), (b"\0libtiny.so\0", True)]
    for strings, ends in cases + [(b"\0libtiny.so\0", None)]:
        data = _tiny_library(strings, 1)
        if ends is None:  # the string table's bytes past the file are the stale ones
            data, ends = _past_the_file(data, strings, 40), False
        memory = bytearray(data + b"\0stale bytes of the member before\0" + bytes(40))
        twin = CountedTwin(_native.dynamic_pass)
        monkeypatch.setattr(_native, "dynamic_pass", twin)
        native = _facts(monkeypatch, "auto", "tiny", _ReusedFile(memory, len(data)))
        python = _facts(monkeypatch, "python", "tiny", HeldFile([data]))
        assert native == python, (strings, native, python)
        assert isinstance(python, BinaryFacts) == ends and twin.answered == ends, (strings, python)


def test_an_audit_reads_its_held_binaries_with_one_c_call(monkeypatch, tmp_path):
    """A wheel's binaries, held in memory as they inflate, are read by ``elf_facts``
    (MUSLDETECT_BACKEND unset), not only by the tests that compare it: a library that names
    another in one call; one that names no C library by the Python reader, whose
    dynamic pass is the C one."""
    import musldetect

    from builders import make_wheel

    monkeypatch.delenv("MUSLDETECT_BACKEND", raising=False)
    needs_another = _library_that_needs_another()[1]
    loader = next(path for path in _dynamic_files() if os.path.basename(path).startswith("ld-linux"))
    with open(loader, "rb") as fh:
        names_none = fh.read()
    for data, one_call in ((needs_another, True), (names_none, False)):
        wheel = make_wheel(tmp_path, "held", ["py3-none-any"], {"held/lib.so": data})
        passes, calls = CountedTwin(_native.dynamic_pass), CountedTwin(_native.elf_facts)
        monkeypatch.setattr(_native, "dynamic_pass", passes)
        monkeypatch.setattr(_native, "elf_facts", calls)
        musldetect.audit(wheel)
        assert (calls.answered, passes.answered) == (1, 0 if one_call else 1)


# -- the header pass fused with the dynamic pass (csrc/md_elfhead.c, ``_native.elf_facts``) --


def _held_facts(monkeypatch: Any, backend: str, name: str, held: HeldFile) -> Facts:
    """A held binary's facts as the audit takes them with ``backend``, or the refusal's words."""
    monkeypatch.setenv("MUSLDETECT_BACKEND", backend)
    try:
        return held_binary_facts(held, name, name)
    except ELFError as exc:
        return ("refused", str(exc))


def test_native_elf_facts_give_the_python_readers_facts_on_real_binaries(monkeypatch):
    """Every host and real wheel binary, held whole, in pieces and sparsely: the facts the
    audit takes from one C call are the Python reader's, field for field; the call answers
    for every loadable, dynamically linked one held whole or in pieces."""
    rng = random.Random(700)
    twin = CountedTwin(_native.elf_facts)
    monkeypatch.setattr(_native, "elf_facts", twin)
    files = _held_files()
    for name, data in files:
        python = _held_facts(monkeypatch, "python", name, HeldFile([data]))
        ordinary = isinstance(python, BinaryFacts) and python.loadable and not python.static
        for way, held in enumerate(_held_ways(data, rng)):
            answered = twin.answered
            assert _held_facts(monkeypatch, "auto", name, held) == python, name
            assert way == 2 or not ordinary or twin.answered == answered + 1, (name, way)
    assert twin.answered >= 2 * len(files) // 2, (twin.answered, len(files))


def _head_regions(data: bytes) -> List[Tuple[int, int]]:
    """Where the header pass reads: the ELF header, the program headers, PT_INTERP, the
    notes and the section table; with the dynamic pass's regions."""
    with ELFFile("altered", held=HeldFile([data])) as elf:
        table = elf.section_table
        regions = [(0, 64), (table.offset, min(table.count * table.entry_size, 4096))]
        regions += [(s.offset, s.filesz) for s in elf.segments if s.type in (PT_INTERP, PT_NOTE, PT_GNU_STACK)]
    return [region for region in regions if 0 <= region[0] < len(data)] + _dynamic_regions(data)


def test_native_elf_facts_give_the_python_readers_facts_on_altered_copies(monkeypatch):
    """Copies with bytes changed where either pass reads (the header, program headers,
    interpreter, notes, section table, dynamic tables), held whole or in pieces: whatever
    the Python reader answers or refuses, the audit's reading answers or refuses alike."""
    found = _altered_rounds(monkeypatch, 757, "elf_facts", _head_regions, _held_facts, 1)
    assert found.answered >= 1000 and found.declined >= 100 and found.refused >= 100, found


def _note(name: bytes, note_type: int, desc: bytes, align: int = 4) -> bytes:
    """One ELF note starting at a multiple of ``align``, its name and descriptor padded to it."""
    return (
        struct.pack("<III", len(name), len(desc), note_type)
        + name
        + bytes(-(12 + len(name)) % align)
        + desc
        + bytes(-len(desc) % align)
    )


def _properties(*pairs: Tuple[int, int]) -> bytes:
    """GNU properties of 4 bytes each, padded to 8 (ELF64)."""
    return b"".join(struct.pack("<IIII", kind, 4, value, 0) for kind, value in pairs)


def _library_with(extras: Sequence[Tuple[Any, ...]], sections: bytes = b"") -> bytes:
    """A little-endian ELF64 library that needs libc.so.6: one PT_LOAD over the whole file,
    PT_DYNAMIC (DT_STRTAB, DT_STRSZ, DT_NEEDED), then the program headers ``extras`` as
    (type, flags, data[, p_align]), each one's data after the strings, 8-byte aligned
    (p_align 4 unless given: the notes' padding); ``sections``,
    when given, is the section table, put last."""
    phnum = 2 + len(extras)
    dynamic_at = 64 + phnum * 56
    strings = b"\0libc.so.6\0"
    strings_at = dynamic_at + 16 * 4
    table = b"".join(
        struct.pack("<qQ", tag, value) for tag, value in [(5, strings_at), (10, len(strings)), (1, 1), (0, 0)]
    )
    body, at, headers = table + strings, strings_at + len(strings), []
    for kind, flags, data, *align in extras:
        body += bytes(-at % 8)
        at += -at % 8
        headers.append(struct.pack("<IIQQQQQQ", kind, flags, at, at, at, len(data), len(data), (align or [4])[0]))
        body += data
        at += len(data)
    body += bytes(-at % 8)
    at += -at % 8
    shoff, shnum = (at, len(sections) // 64) if sections else (0, 0)
    size = at + len(sections)
    header = (
        b"\x7fELF\x02\x01\x01"
        + bytes(9)
        + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 64, shoff, 0, 64, 56, phnum, 64, shnum, 0)
    )
    load = struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, size, size, 0x1000)
    dynamic = struct.pack("<IIQQQQQQ", 2, 6, dynamic_at, dynamic_at, dynamic_at, 64, 64, 8)
    return header + load + dynamic + b"".join(headers) + body + sections


def _both_held(monkeypatch: Any, data: bytes) -> Tuple[Facts, Facts, CountedTwin]:
    twin = CountedTwin(_native.elf_facts)
    monkeypatch.setattr(_native, "elf_facts", twin)
    python = _held_facts(monkeypatch, "python", "made", HeldFile([data]))
    return _held_facts(monkeypatch, "auto", "made", HeldFile([data])), python, twin


GNU_PROPERTY_X86_ISA_1_NEEDED, GNU_PROPERTY_X86_FEATURE_1_AND = 0xC0008002, 0xC0000002


@pytest.mark.parametrize(
    "extras,answered,expect",
    [
        ([(PT_INTERP, 4, b"/lib/ld-musl-x86_64.so.1\0")], True, lambda f: f.family == "musl" and f.interp),
        ([(PT_INTERP, 4, b"/lib/ld-musl-x86_64.so.1")], False, None),  # no NUL: refused
        ([(PT_INTERP, 4, b"\0")], False, None),  # empty: refused
        ([(PT_GNU_STACK, 7, b"")], True, lambda f: f.stack == "rwx" and f.executable_stack),
        ([(PT_GNU_STACK, 6, b""), (PT_GNU_STACK, 7, b"")], True, lambda f: f.stack == "rw" and not f.executable_stack),
        ([], True, lambda f: f.stack == "none" and f.executable_stack),  # x86_64's default
        (  # a later property of a type overrides it; a property of another size is skipped
            [
                (
                    PT_NOTE,
                    4,
                    _note(
                        b"GNU\0",
                        5,
                        _properties((GNU_PROPERTY_X86_ISA_1_NEEDED, 2), (7, 1))
                        + struct.pack("<II", 9, 8)
                        + bytes(8)
                        + _properties((GNU_PROPERTY_X86_ISA_1_NEEDED, 4)),
                    ),
                )
            ],
            True,
            lambda f: f.properties == ((7, 1), (GNU_PROPERTY_X86_ISA_1_NEEDED, 4)),
        ),
        (  # only the first property note counts, and only one named GNU (NULs stripped)
            [
                (PT_NOTE, 4, _note(b"GNUX\0", 5, _properties((1, 1))) + _note(b"GNU\0\0\0", 5, _properties((2, 2)))),
                (PT_NOTE, 4, _note(b"GNU\0", 5, _properties((3, 3)))),
            ],
            True,
            lambda f: f.properties == ((2, 2),),
        ),
        (
            [(PT_NOTE, 4, _note(b"GNU\0", 5, _properties(*[(kind, kind) for kind in range(65)])))],
            False,
            lambda f: len(f.properties) == 65,
        ),  # more types than the pass keeps: the Python reader's
        (  # notes of 8-byte alignment: a name of 8 bytes is padded to 8 past the note's 12-byte head
            [(PT_NOTE, 4, _note(b"Golang\0\0", 4, b"abcd", 8) + _note(b"GNU\0", 5, _properties((1, 1)), 8), 8)],
            True,
            lambda f: f.properties == ((1, 1),),
        ),
        ([(PT_NOTE, 4, _note(b"GNU\0", 5, struct.pack("<II", 1, 12) + bytes(8)))], False, None),  # runs past its note
        (
            [(PT_NOTE, 4, _note(b"GNU\0", 5, _properties((1, 1))) + struct.pack("<III", 4, 64, 1) + b"GNU\0")],
            False,
            None,
        ),  # a broken note after the property note: refused all the same
    ],
)
def test_native_elf_facts_on_the_edges_of_the_header_rules(monkeypatch, extras, answered, expect):
    native, python, twin = _both_held(monkeypatch, _library_with(extras))
    assert native == python
    assert twin.answered == answered, (twin.answered, python)
    assert expect(python) if expect else not isinstance(python, BinaryFacts), python


def test_native_elf_facts_leave_a_debug_info_file_to_the_python_reader(monkeypatch):
    """A section marked SHT_NOBITS at PT_DYNAMIC's address (objcopy --only-keep-debug):
    no loader maps the file, which only the Python reader says; at another address, or
    in a table the header does not describe whole, the file is an ordinary library."""
    empty = bytes(64)
    base = _library_with([])
    dynamic_at = 64 + 2 * 56
    for address, shentsize, loadable in ((dynamic_at, 64, False), (dynamic_at + 8, 64, True), (dynamic_at, 40, True)):
        section = struct.pack("<IIQQQQIIQQ", 0, 8, 3, address, 0, 64, 0, 0, 8, 0)
        data = bytearray(_library_with([], empty + section))
        struct.pack_into("<H", data, 58, shentsize)
        native, python, twin = _both_held(monkeypatch, bytes(data))
        assert native == python and isinstance(python, BinaryFacts) and python.loadable == loadable
        assert twin.answered == loadable
    assert _both_held(monkeypatch, base)[2].answered == 1


def test_native_elf_facts_refuse_arguments_no_reader_passes_it():
    with pytest.raises(TypeError):
        _native.elf_facts([b"x"], [0], 1, (), (), [22])  # the machines: a tuple
    data = _library_with([])
    with pytest.raises(TypeError):
        _native.elf_facts([data], [0], len(data), (), (), ("s390",))
    assert _native.elf_facts([data], [0], len(data), (), (), ()) is not None
    assert _native.elf_facts([memoryview(data)], [0], len(data), (), (), ()) is None  # not read in place


def _s390x_library() -> bytes:
    """A big-endian ELF64 s390x library that needs libc.so.6 and imports malloc and free,
    found through DT_HASH alone, whose words s390x's binutils make 8 bytes wide."""
    strings = b"\0libc.so.6\0malloc\0free\0"
    strings_at, dynamic_at = 320, 176
    symbols_at = strings_at + len(strings) + (-(strings_at + len(strings)) % 8)
    symbols = bytes(24) + b"".join(  # st_name, STB_GLOBAL|STT_FUNC, st_other, SHN_UNDEF, value, size
        struct.pack(">IBBHQQ", strings.index(name), 0x12, 0, 0, 0, 0) for name in (b"malloc", b"free")
    )
    hash_at = symbols_at + len(symbols)
    hash_words = struct.pack(">6Q", 1, 3, 1, 0, 2, 0)  # nbucket, nchain, the bucket, the chains
    size = hash_at + len(hash_words)
    entries = [(1, 1), (5, strings_at), (10, len(strings)), (6, symbols_at), (11, 24), (4, hash_at), (0, 0)]
    table = b"".join(struct.pack(">qQ", tag, value) for tag, value in entries)
    header = (
        b"\x7fELF\x02\x02\x01" + bytes(9) + struct.pack(">HHIQQQIHHHHHH", 3, 22, 1, 0, 64, 0, 0, 64, 56, 2, 64, 0, 0)
    )
    load = struct.pack(">IIQQQQQQ", 1, 5, 0, 0, 0, size, size, 0x1000)
    dynamic = struct.pack(">IIQQQQQQ", 2, 6, dynamic_at, dynamic_at, dynamic_at, len(table), len(table), 8)
    body = table + bytes(strings_at - dynamic_at - len(table)) + strings
    return header + load + dynamic + body + bytes(symbols_at - strings_at - len(strings)) + symbols + hash_words


def test_native_elf_facts_read_s390x_hash_words_8_bytes_wide(monkeypatch):
    """DT_HASH's nchain counts the symbols; on 64-bit s390 its words are 8 bytes wide (the
    machines the Python reader names, given to the call): both readers find both imports."""
    native, python, twin = _both_held(monkeypatch, _s390x_library())
    assert native == python and twin.answered == 1
    assert isinstance(python, BinaryFacts) and python.arch == "s390x" and python.imports == ("malloc", "free")
