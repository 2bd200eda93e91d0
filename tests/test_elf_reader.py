"""The ELF reader, concept by concept, held to pyelftools on real files of every byte order
and class: the dynamic section and its strings, the symbol table (whose length comes from
the hash tables), symbol versions, notes."""

from __future__ import annotations

import glob
import os
import sys
import sysconfig

import pytest

from musldetect._audit._binary import PYTHON_PREFIXES, PYTHON_PREFIXES_BYTES, binary_facts
from musldetect._elf import ELFFile, HeldFile

import elforacle
from oracle import corpus_manifest

pytest.importorskip("elftools")


def _sample() -> list:
    """Debian's C libraries and loaders of six arches (LE and BE, 32 and 64 bit), this
    interpreter, a few of its extension modules and its libpython, and every 25th ELF file
    of the host's library directory."""
    files = [os.path.realpath(sys.executable)]
    # Objects that export Python's names: extension modules (PyInit_*) and libpython.
    # (PyPy has neither: the system's CPython, which Debian always has, lends its own.)
    modules = os.path.join(sysconfig.get_config_var("DESTSHARED") or "/nonexistent", "*.so")
    files += (sorted(glob.glob(modules)) or sorted(glob.glob("/usr/lib/python3*/lib-dynload/*.so")))[:4]
    files += glob.glob(os.path.join(sysconfig.get_config_var("LIBDIR") or "/nonexistent", "libpython3*.so*"))[:1]
    for row in corpus_manifest():
        files += sorted(glob.glob(os.path.join(row["dir"], "**", "libc.so*"), recursive=True))[:1]
        files += sorted(glob.glob(os.path.join(row["dir"], "**", "ld-*.so*"), recursive=True))[:1]
    host = elforacle.elf_files("/usr/lib/x86_64-linux-gnu") if os.path.isdir("/usr/lib/x86_64-linux-gnu") else []
    files += host[::25]
    return sorted({os.path.realpath(f) for f in files if os.path.isfile(f)})


def test_reader_agrees_with_pyelftools_on_real_files():
    files = _sample()
    assert len(files) >= 40, files
    checked = python_exporters = 0
    for path in files:
        facts = elforacle.facts(path)
        with ELFFile(path) as elf:
            assert elf.dynamic_names() == (facts.soname, facts.needed), path
            assert elf.version_needs() == facts.version_needs, path
            assert elf.imported_symbols() == facts.imports, path
            assert [name for name, weak, _ in elf.undefined_symbols() if weak] == facts.weak_imports, path
            assert elf.version_definitions() == facts.version_definitions, path
            assert elf.dynamic_symbols()[1] == facts.exports, path
            wanted = [name for name in facts.exports if name.startswith(PYTHON_PREFIXES)]
            assert elf.dynamic_symbols(PYTHON_PREFIXES_BYTES)[1] == wanted, path
            python_exporters += bool(wanted)
            # pyelftools names note types (NT_GNU_ABI_TAG); the reader keeps numbers.
            assert [(name, kind) for name, kind, _desc in elf.notes()] == list(_numbered(facts.notes)), path
        checked += 1
    assert checked == len(files)
    assert python_exporters >= 4, "no extension module or libpython among the files: the prefix pass went untested"


_NOTE_NUMBERS = {
    "NT_GNU_ABI_TAG": 1,
    "NT_GNU_HWCAP": 2,
    "NT_GNU_BUILD_ID": 3,
    "NT_GNU_GOLD_VERSION": 4,
    "NT_GNU_PROPERTY_TYPE_0": 5,
}


def _numbered(notes):
    for name, kind in notes:
        yield name, _NOTE_NUMBERS.get(kind, kind) if isinstance(kind, str) else kind


def _pieces(data: bytes, sizes: list) -> list:
    """``data`` cut into pieces of the given sizes in turn (the last ones repeated)."""
    pieces, at, turn = [], 0, 0
    while at < len(data):
        size = sizes[min(turn, len(sizes) - 1)]
        pieces.append(data[at : at + size])
        at, turn = at + size, turn + 1
    return pieces


@pytest.mark.parametrize("sizes", [[1 << 20], [7, 4096, 1 << 16], [1, 1, 8191, 333]])
def test_a_file_held_in_pieces_reads_as_the_file_does(sizes):
    """An audit reads a wheel's binary from the pieces it inflated in: every read, across
    piece boundaries or not, gives the file's own bytes, and the facts are the same."""
    files = _sample()[:12]
    for path in files:
        with open(path, "rb") as fh:
            data = fh.read()
        held = HeldFile(_pieces(data, sizes))
        assert held.size == len(data)
        fd = os.open(path, os.O_RDONLY)
        try:
            for offset, size in [(0, 64), (len(data) - 100, 100), (len(data) // 2 - 5, 4099), (len(data) - 3, 50)]:
                assert held.pread(size, max(offset, 0)) == os.pread(fd, size, max(offset, 0)), (path, offset, size)
        finally:
            os.close(fd)
        with ELFFile(path) as from_file, ELFFile(path, held=held) as from_memory:
            assert binary_facts(from_memory, path) == binary_facts(from_file, path), path


def test_a_file_held_with_gaps_reads_only_the_bytes_it_holds():
    """A sparse hold (a large wheel member's ends): a read gives the held bytes from its
    offset up to the first byte not held, as a read at the end of a file comes back short;
    what the caller does then (read the member again) is the audit's."""
    data = bytes(range(256)) * 64  # 16 KiB
    spans = [(0, 1000), (1000, 3000), (6000, 9000), (15000, 16384)]
    held = HeldFile([data[a:b] for a, b in spans], [a for a, _ in spans], len(data))
    assert held.size == len(data)
    for offset, size in [(0, 3000), (10, 5000), (2999, 10), (3000, 10), (5999, 2), (6000, 3000), (8990, 100), (0, 0)]:
        expected = b""
        for at in range(offset, offset + size):
            if not any(a <= at < b for a, b in spans):
                break
            expected += data[at : at + 1]
        assert held.pread(size, offset) == expected, (offset, size)
    assert held.pread(100, 16300) == data[16300:]


def _symbols(entries: list) -> bytes:
    """An Elf64_Sym table (little-endian): (st_name, st_info, st_shndx) per entry."""
    import struct

    return b"".join(struct.pack("<IBBHQQ", name, info, 0, shndx, 0, 0) for name, info, shndx in entries)


def test_a_string_table_made_of_prefixes_costs_what_its_symbols_do():
    """The exports a caller wants are found by searching the string table for their
    prefixes; a hostile table that is nothing but prefixes (megabytes of "Py") must not
    make that search, or the set of places it finds, grow past the number of symbols."""
    from musldetect._elf_symbols import _Columns, _exports_named, _prefix_starts, _Strings

    strtab = b"\0" + b"Py_Good\0" + b"other\0" + b"Py" * 50_000 + b"\0"
    global_function = (1 << 4) | 2
    table = _symbols([(1, global_function, 1), (9, global_function, 1), (15, global_function, 1)])
    assert _prefix_starts(strtab, (b"Py",), 3) is None  # gave up after three places, not 50,000
    columns = _Columns.of(table, 24, "<")
    with ELFFile(sys.executable) as reader:
        strings = _Strings(reader, strtab)
        assert _exports_named(columns, strings, (b"Py",)) == ["Py_Good", "Py" * 50_000]
        assert _exports_named(columns, strings, None) == ["Py_Good", "other", "Py" * 50_000]


def test_names_pointing_into_one_long_string_are_refused_not_searched_for_minutes():
    """Every undefined symbol named a step further into a NUL-free megabyte: each search
    for a name's end would run to the table's end. The bytes searched are counted and the
    file refused once they pass four times the table, a bound no linker's output nears."""
    from musldetect._elf_symbols import _Columns, _Strings, _undefined_symbols
    from musldetect._types import ELFError

    strtab = b"\0" + b"x" * (1 << 20)
    table = _symbols([(at, 1 << 4, 0) for at in range(1, 20_001)])  # 20,000 names, 20 GB of searching
    with ELFFile(sys.executable) as reader, pytest.raises(ELFError, match="names overlap far beyond"):
        _undefined_symbols(_Columns.of(table, 24, "<"), _Strings(reader, strtab))


@pytest.mark.parametrize("exports", [40, 2_000])
def test_exports_by_prefix_asked_name_by_name_or_searched_in_the_table(exports):
    """A few exports are each asked for a prefix; a library's thousands are found by
    searching the string table for the prefixes: the same names either way, in .dynsym
    order, an undefined or local symbol never among them."""
    from musldetect._elf_symbols import FEW_EXPORTS, _Columns, _exports_named, _Strings

    assert (exports > FEW_EXPORTS) == (exports == 2_000)  # both ways are taken
    names = [f"{'Py' if index % 7 == 3 else 'lib'}_{index}" for index in range(exports)]
    names += ["Py_Imported", "Py_Local"]
    strtab = b"\0" + b"".join(name.encode() + b"\0" for name in names)
    offsets = [1 + sum(len(name) + 1 for name in names[:index]) for index in range(len(names))]
    global_function, local_function = (1 << 4) | 2, 2
    entries = [(at, global_function, 1) for at in offsets[:exports]]
    entries += [(offsets[-2], global_function, 0), (offsets[-1], local_function, 1)]
    columns = _Columns.of(_symbols(entries), 24, "<")
    with ELFFile(sys.executable) as reader:
        found = _exports_named(columns, _Strings(reader, strtab), (b"Py", b"init"))
    assert found == [name for name in names[:exports] if name.startswith("Py")]


class _CountedTable(bytes):
    """A string table that counts the searches for a name's end made in it."""

    searches = 0

    def index(self, sub, start=None, end=None):
        _CountedTable.searches += 1
        return super().index(sub, start, end)


def test_names_found_together_are_searched_no_further_than_the_budget_pays_for():
    """Names are found many at a time, each end looked for at most NAME_SEARCH bytes away;
    a batch holds no more names than the budget pays for, so thousands of symbols all
    naming one long (terminated) name are refused after the first few hundred searches,
    not after searching for every one of them."""
    from musldetect._elf_symbols import NAME_SEARCH, _Columns, _Strings, _undefined_symbols
    from musldetect._types import ELFError

    name = b"\xff" + b"x" * (NAME_SEARCH - 100)  # not ASCII: searched in the bytes themselves
    strtab = _CountedTable(b"\0" + name + b"\0")
    table = _symbols([(1, 1 << 4, 0)] * 5_000)
    _CountedTable.searches = 0
    with ELFFile(sys.executable) as reader, pytest.raises(ELFError, match="names overlap far beyond"):
        _undefined_symbols(_Columns.of(table, 24, "<"), _Strings(reader, strtab))
    affordable = (4 * len(strtab) + (1 << 20)) // len(name)
    assert _CountedTable.searches <= affordable + 10, (_CountedTable.searches, affordable)


def test_hundreds_of_thousands_of_short_names_are_read_batch_after_batch():
    """300,000 undefined symbols all naming one short name: the budget pays for them, a
    few hundred at a time, so the batches follow one another (nested, they passed Python's
    recursion limit and the file was not read at all)."""
    from musldetect._elf_symbols import _Columns, _Strings, _undefined_columns

    strtab = b"\0a\0"
    table = _symbols([(1, 1 << 4, 0)] * 300_000)
    with ELFFile(sys.executable) as reader:
        names = _undefined_columns(_Columns.of(table, 24, "<"), _Strings(reader, strtab)).names
    assert names == ["a"] * 300_000
