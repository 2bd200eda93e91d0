"""The C twin of the dynamic symbol pass (csrc/md_elfsym.c, ``_native.symbol_pass``) held to
the Python reader (``_elf_symbols.python_symbol_pass``): the same names, flags, indexes and
exports, or the same refusal, on every real binary at hand, on altered copies of them and
on tables made to sit on the edges of the rules (the budget, names without an end, either
byte order). An audit takes the twin whenever the extension is there, so an answer it
gave differently would be a verdict the pure package does not give."""

from __future__ import annotations

import glob
import os
import random
import struct
import sys
from typing import Any, Callable, List, Optional, Tuple, Union

import pytest

from musldetect import _dispatch
from musldetect._elf import ELFFile, HeldFile
from musldetect._elf_dynamic import DT_STRTAB, DT_SYMTAB
from musldetect._elf_symbols import Undefined, python_symbol_pass, symbol_columns
from musldetect._types import ELFError

from fixtures import REQUIRED_BACKENDS

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


class _Counted:
    """The twin, counting the tables it answered (a test that compares must have compared)."""

    def __init__(self) -> None:
        self.answered = self.declined = 0

    def __call__(self, *args: Any) -> Any:
        found = _native.symbol_pass(*args)
        if found is None:
            self.declined += 1
        else:
            self.answered += 1
        return found


def _both(elf: ELFFile, prefixes: Optional[Tuple[bytes, ...]], twin: _Counted) -> Tuple[Answer, Answer]:
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


def test_native_symbol_pass_is_what_an_audit_takes_unless_python_is_asked(monkeypatch):
    monkeypatch.delenv("MUSLDETECT_BACKEND", raising=False)
    assert _dispatch.native_symbol_pass() is _native.symbol_pass
    monkeypatch.setenv("MUSLDETECT_BACKEND", "python")
    assert _dispatch.native_symbol_pass() is None
    monkeypatch.setenv("MUSLDETECT_BACKEND", "native")
    assert _dispatch.native_symbol_pass() is _native.symbol_pass


def test_native_symbol_pass_answers_as_python_on_the_host_binaries():
    twin = _Counted()
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
    twin = _Counted()
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
    twin = _Counted()
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
    tested twin that nothing calls: every dynamic binary of the audited file goes through it."""
    import musldetect

    monkeypatch.delenv("MUSLDETECT_BACKEND", raising=False)
    twin = _Counted()
    monkeypatch.setitem(_dispatch._SYMBOL_PASSES, "auto", twin)
    musldetect.audit(os.path.realpath(sys.executable))
    assert twin.answered == 1
