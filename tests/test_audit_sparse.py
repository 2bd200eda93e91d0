"""A large ELF member is held sparsely (``_read._SparseHold``): only the pieces its facts
read, the rest read again from the wheel when asked for. The facts must be the whole
file's, for the real large binaries of the pinned wheels (MUSLDETECT_WHEELS) and for a
gcc-built program whose string table lies in the dropped middle; a wheel that changes
between the two readings is refused."""

from __future__ import annotations

import glob
import os
import shutil
import struct
import subprocess
import zipfile
import zlib
from typing import List, NamedTuple, Tuple

import pytest

from musldetect import _rules
from musldetect._audit import _read, _zip
from musldetect._audit._binary import binary_facts
from musldetect._audit._zip import WheelZip
from musldetect._elf import ELFFile, HeldFile
from musldetect._types import ZipRefused

from builders import compile_c, make_wheel
from oracle import skip_or_fail


class Copied(NamedTuple):
    """A member streamed into a ``_BinaryCopy`` as ``_take_member`` does, and its facts."""

    copy: _read._BinaryCopy
    facts: object


def _copied(archive: WheelZip, member) -> Copied:
    """Stream ``member`` through a ``_BinaryCopy`` (its first piece holds the magic), then
    read its facts; the copy is closed by the caller."""
    pieces = archive.stream(member)
    copy = _read._BinaryCopy([b"", next(pieces)], member, None)
    for piece in pieces:
        copy.add(piece)
    return Copied(copy, copy.facts("ELF", f"{archive.wheel}!{member.name}", member.name, archive))


def _whole_facts(data: bytes, name: str):
    with ELFFile(name, held=HeldFile([data])) as elf:
        return binary_facts(elf, name)


def _big_elf_members(path: str) -> List[str]:
    with zipfile.ZipFile(path) as archive:
        return [
            info.filename
            for info in archive.infolist()
            if info.file_size > _read.SPARSE_FROM and archive.open(info).read(4) == b"\x7fELF"
        ]


def _real_wheels() -> List[str]:
    """MUSLDETECT_WHEELS, else the cache tests/audit/fetch-wheels.sh fills (the mutation
    stage runs after the audit stage filled it, and sets no MUSLDETECT_WHEELS)."""
    cache = os.environ.get("MUSLDETECT_CACHE") or os.path.expanduser("~/.cache/musldetect")
    directory = os.environ.get("MUSLDETECT_WHEELS") or os.path.join(cache, "wheels")
    found = sorted(glob.glob(os.path.join(directory, "*.whl")))
    if not any(os.path.basename(path).startswith("numpy-2.1.3-") for path in found):
        pytest.skip(f"needs the pinned PyPI wheels in {directory} (MUSLDETECT_WHEELS; tests/audit/fetch-wheels.sh)")
    return found


def test_the_real_large_binaries_are_read_whole_or_from_their_ends():
    """Every ELF member over SPARSE_FROM of the pinned wheels: its facts, as an audit reads
    them, are the whole file's. A dynamic program or a library is answered from the pieces
    the sparse hold kept (at most MAX_HELD bytes, nothing read twice: where the regions
    lie is what HEAD_KEEP, TAIL_KEEP and the spans were measured on); so is a static
    program, whose read-only data its facts scan for musl's mark: the mark was searched as
    the member streamed, so none of it is held or read twice."""
    seen = {"sparse": 0, "static": 0, "taken for a library": 0}
    for path in _real_wheels():
        names = _big_elf_members(path)
        if not names:
            continue
        read = {facts.path: facts for facts in _read.read_input(path, None).found.binaries}
        fd = os.open(path, os.O_RDONLY)
        try:
            archive = WheelZip(path, fd)
            for name in names:
                with zipfile.ZipFile(path) as plain:
                    whole = _whole_facts(plain.read(name), name)
                assert read[name] == whole, (path, name)
                copied = _copied(archive, archive.member(name))
                try:
                    assert copied.facts == whole, (path, name)
                    sparse = copied.copy.sparse
                    assert sparse is not None and copied.copy.spool is None, (path, name)
                    assert sparse.spool is None, f"{path}!{name}: read again, a region lies outside the spans"
                    assert sparse.held <= _read.MAX_HELD
                    assert sparse.marks is not None or not whole.static, (path, name)
                    seen["static" if whole.static else "sparse"] += 1
                    seen["taken for a library"] += sparse.marks is None and whole.interp is None
                finally:
                    copied.copy.close()
        finally:
            os.close(fd)
    if not seen["sparse"] or not seen["static"]:
        skip_or_fail(f"the wheels hold too few large binaries of each kind: {seen}")
    # The OpenBLASes, ruff and uv (the extensions up to WHOLE, 14 MiB, are read whole); uv and ruff static.
    assert seen["sparse"] >= 7 and seen["static"] >= 2, seen
    # Libraries taken for what they are before they stream (their read-only data never
    # searched for a static program's marks): by a needed name in their first bytes, or by
    # a PT_DYNAMIC past their data, where auditwheel's patchelf moves it. 4 of the 5
    # OpenBLASes here (one is missed by both: a wrong guess costs time, not the answer).
    assert seen["taken for a library"] >= 4, seen


# A program whose .dynstr (thousands of long exported names) fills the file's middle: with
# the keep sizes lowered, its names are read from what the sparse hold dropped.
_NAMES = 8000
_NAME = "exported_name_{:05d}_" + "x" * 380


@pytest.fixture(scope="module")
def wide_program(tmp_path_factory) -> bytes:
    """Built once for the module: the tests only read it."""
    source = "".join(f"int {_NAME.format(i)} = {i};\n" for i in range(_NAMES)) + "int main(void) { return 0; }\n"
    program = compile_c(tmp_path_factory.mktemp("wide"), "gcc", source, "wide", "-rdynamic", "-Wl,-s")
    with open(program, "rb") as fh:
        return fh.read()


def test_a_binary_read_whole_is_one_the_sparse_hold_would_not_take():
    """A member up to ``WHOLE`` is read in one step and its facts from all of it, so a
    binary the sparse hold would take (from ``SPARSE_FROM``) must stream: never both."""
    assert _zip.WHOLE <= _read.SPARSE_FROM


@pytest.fixture
def small_keeps(monkeypatch):
    """A few MiB count as large, and the ends kept are small: the middle is dropped; a
    member over 1 MiB streams, as one over ``WHOLE`` does."""
    monkeypatch.setattr(_zip, "WHOLE", 1 << 20)
    monkeypatch.setattr(_read, "MAX_HELD", 2 << 20)
    monkeypatch.setattr(_read, "SPARSE_FROM", 2 << 20)
    monkeypatch.setattr(_read, "HEAD_KEEP", 64 << 10)
    monkeypatch.setattr(_read, "TAIL_KEEP", 64 << 10)


def _wide_wheel(tmp_path, data: bytes, stored: bool = False) -> str:
    assert len(data) > _read.MAX_HELD + (1 << 20), len(data)
    path = make_wheel(tmp_path, "wide", ["cp312-cp312-linux_x86_64"], {"wide/wide": data})
    if stored:
        again = str(tmp_path / "stored.whl")
        with zipfile.ZipFile(path) as old, zipfile.ZipFile(again, "w", zipfile.ZIP_STORED) as new:
            for info in old.infolist():
                new.writestr(info.filename, old.read(info))
        shutil.move(again, path)
    return path


def test_bytes_the_hold_dropped_are_read_again_and_give_the_whole_files_facts(tmp_path, small_keeps, wide_program):
    path = _wide_wheel(tmp_path, wide_program)
    with zipfile.ZipFile(path) as plain:
        whole = _whole_facts(plain.read("wide/wide"), "wide/wide")
    assert whole.interp and not whole.static and len(whole.python_exports) == 0
    fd = os.open(path, os.O_RDONLY)
    try:
        archive = WheelZip(path, fd)
        copied = _copied(archive, archive.member("wide/wide"))
        try:
            sparse = copied.copy.sparse
            assert sparse is not None and sparse.spool is not None, "the middle was never asked for"
            assert sparse.held <= _read.MAX_HELD
            assert copied.facts == whole
        finally:
            copied.copy.close()
    finally:
        os.close(fd)
    [facts] = _read.read_input(path, None).found.binaries
    assert facts == whole


def _streamed_facts(path: str, name: str) -> Copied:
    fd = os.open(path, os.O_RDONLY)
    try:
        archive = WheelZip(path, fd)
        copied = _copied(archive, archive.member(name))
        copied.copy.close()
        return copied
    finally:
        os.close(fd)


# 3 MiB of read-only data, so the file counts as large under ``small_keeps``.
_BULKY = "const unsigned char bulk[3 << 20] = {1};\nint pick(int at) { return bulk[at]; }\n"


def _one_member_wheel(tmp_path, binary: str) -> str:
    with open(binary, "rb") as fh:
        data = fh.read()
    assert len(data) > _read.MAX_HELD
    return make_wheel(tmp_path, "bulky", ["cp312-cp312-linux_x86_64"], {"bulky/" + os.path.basename(binary): data})


def test_a_large_library_that_needs_the_c_library_is_held_sparsely(tmp_path, small_keeps):
    """It names libc.so.6 in its first bytes: its facts read its ends, not its read-only data."""
    library = compile_c(tmp_path, "gcc", _BULKY, "libbulky.so", "-shared", "-fPIC", "-Wl,--no-as-needed", "-lc")
    copied = _streamed_facts(_one_member_wheel(tmp_path, library), "bulky/libbulky.so")
    with open(library, "rb") as fh:
        assert copied.facts == _whole_facts(fh.read(), "bulky/libbulky.so")
    assert copied.copy.sparse is not None and copied.copy.spool is None
    # Taken for the library it is, its read-only data is not searched for a static
    # program's marks as it streams (that costs ~0.1 ms a MB, and its facts never ask).
    assert copied.copy.sparse.marks is None


@pytest.mark.parametrize(
    "compiler,flags,family",
    [("gcc", ["-static-pie"], "glibc"), ("gcc", ["-static-pie"], None), ("musl-gcc", ["-static"], "musl")],
    ids=["glibc-static-pie", "static-pie-without-its-note", "musl-static"],
)
def test_a_large_static_program_is_held_sparsely_its_marks_searched_as_it_streams(
    tmp_path, small_keeps, compiler, flags, family
):
    """No PT_INTERP and no library named: a static program, whose facts may scan every
    read-only byte (musl's, which has no note saying so, and a glibc one whose ABI note
    was stripped: all of it), keeps only its ends and regions; musl's mark is searched for
    as the pieces pass, so its facts are the whole file's and nothing is read twice."""
    if shutil.which(compiler) is None:
        skip_or_fail(f"{compiler} is not installed")
    source = _BULKY + '#include <stdio.h>\nint main(int n, char **v) { printf("%d", pick(n)); return 0; }\n'
    program = compile_c(tmp_path, compiler, source, "static", *flags)
    if family is None:
        subprocess.run(["objcopy", "--remove-section", ".note.ABI-tag", program], check=True)
    copied = _streamed_facts(_one_member_wheel(tmp_path, program), "bulky/static")
    with open(program, "rb") as fh:
        whole = _whole_facts(fh.read(), "bulky/static")
    assert whole.static and whole.interp is None and whole.family == family, whole.reason
    assert copied.facts == whole
    sparse = copied.copy.sparse
    assert sparse is not None and copied.copy.spool is None and sparse.spool is None


def _searched(pieces: List[bytes], readonly: List[Tuple[int, int]]) -> bool:
    search = _read._MarkSearch([_read._Span(start, end) for start, end in readonly])
    at = 0
    for piece in pieces:
        search.add(piece, at)
        at += len(piece)
    return search.found_marks()[_rules.MUSL_STATIC_MARK]


def test_the_mark_is_found_across_a_seam_and_only_inside_read_only_data():
    """The mark split between two pieces (at every cut), in pieces shorter than it, at the
    very edges of a read-only range, and just outside one, as the chunked scan of the
    whole file reads it: inside a range whole, or not at all."""
    mark = _rules.MUSL_STATIC_MARK
    data = b"x" * 100 + mark + b"y" * 100
    everything = [(0, len(data))]
    for cut in range(1, len(data)):
        assert _searched([data[:cut], data[cut:]], everything), cut
    assert _searched([data[at : at + 7] for at in range(0, len(data), 7)], everything)
    assert _searched([data], [(100, 100 + len(mark))])
    assert not _searched([data], [(101, 300)]) and not _searched([data], [(0, 100 + len(mark) - 1)])
    assert not _searched([data], [(0, 100), (100 + len(mark), len(data))])
    assert not _searched([data.replace(mark, mark[:-1] + b"!")], everything)


def test_marks_outside_thousands_of_tiny_ranges_are_not_looked_at_one_by_one():
    """A hostile member: 4,096 read-only ranges of 8 bytes and megabytes of marks outside
    them. Each range is searched where it meets a piece, so the marks outside cost nothing
    each (checked one by one against every range, 2 MiB took about 16 s); one mark that
    exactly fills a range is found."""
    mark = _rules.MUSL_STATIC_MARK
    ranges = [(at, at + 8) for at in range(0, 4096 * 16, 16)]
    marks = mark * ((2 << 20) // len(mark))
    pieces = [marks[at : at + (1 << 20)] for at in range(0, len(marks), 1 << 20)]
    assert not _searched([bytes(4096 * 16)] + pieces, ranges)
    inside = 4096 * 16 + len(marks)
    assert _searched([bytes(4096 * 16)] + pieces + [mark], ranges + [(inside, inside + len(mark))])


def test_the_hold_stops_at_max_held_and_reads_the_rest_again(tmp_path, small_keeps, monkeypatch, wide_program):
    """Spans that cover the whole file (a head larger than it) still hold at most
    MAX_HELD bytes: the pieces past it are dropped, read again when asked for."""
    monkeypatch.setattr(_read, "HEAD_KEEP", 1 << 30)
    path = _wide_wheel(tmp_path, wide_program)
    copied = _streamed_facts(path, "wide/wide")
    sparse = copied.copy.sparse
    assert sparse is not None and sparse.held <= _read.MAX_HELD and sparse.spool is not None
    with zipfile.ZipFile(path) as plain:
        assert copied.facts == _whole_facts(plain.read("wide/wide"), "wide/wide")


def _rewritten(path: str, member: str, change) -> None:
    """``change`` (the member's data, its offset in the file) -> the new data; written in place."""
    fd = os.open(path, os.O_RDWR)
    try:
        found = WheelZip(path, fd).member(member)
        assert found is not None
        data = os.pread(fd, found.compressed, found.data_offset)
        new = change(data)
        assert len(new) == len(data) and new != data
        os.pwrite(fd, new, found.data_offset)
    finally:
        os.close(fd)


def _read_twice(path: str, member: str, between) -> None:
    """The first reading of ``member``, then ``between`` (the wheel rewritten in place), then its facts."""
    fd = os.open(path, os.O_RDONLY)
    try:
        archive = WheelZip(path, fd)
        found = archive.member(member)
        assert found is not None
        pieces = archive.stream(found)
        copy = _read._BinaryCopy([b"", next(pieces)], found, None)
        try:
            for piece in pieces:
                copy.add(piece)
            between(copy)
            copy.facts("ELF", f"{path}!{member}", member, archive)
        finally:
            copy.close()
    finally:
        os.close(fd)


def _dropped_offset(copy) -> int:
    """An offset of the member that the sparse hold did not keep."""
    sparse = copy.sparse
    assert sparse is not None
    held = [(start, start + len(piece)) for start, piece in zip(sparse.starts, sparse.pieces)]
    return next(end for _, end in held if not any(s <= end < e for s, e in held))


@pytest.mark.parametrize("stored", [False, True], ids=["deflated", "stored"])
def test_a_member_changed_between_the_two_readings_is_refused(tmp_path, small_keeps, stored, wide_program):
    """A byte the sparse hold dropped is changed in place (deflated: in its compressed
    data, which then inflates to something else or not at all; stored: the byte itself,
    which only the second reading's CRC sees)."""
    path = _wide_wheel(tmp_path, wide_program, stored=stored)

    def flip(copy) -> None:
        at = _dropped_offset(copy) if stored else None

        def change(data: bytes) -> bytes:
            where = len(data) // 2 if at is None else at
            return data[:where] + bytes([data[where] ^ 0xFF]) + data[where + 1 :]

        _rewritten(path, "wide/wide", change)

    with pytest.raises(ZipRefused) as refused:
        _read_twice(path, "wide/wide", flip)
    assert refused.value.defect == "ChangedWhileRead", refused.value


def _forged(original: bytes, changed: bytes, at: int) -> bytes:
    """``changed`` with its 4 bytes at ``at`` flipped so its CRC-32 equals ``original``'s
    (CRC-32 is affine: the bits to flip solve a 32x32 system over GF(2))."""
    size = len(original)
    zero = zlib.crc32(bytes(size))
    wanted = zlib.crc32(original) ^ zlib.crc32(changed)  # what the flips must change
    columns = []
    for bit in range(32):
        flip = bytearray(size)
        flip[at + bit // 8] = 1 << (bit % 8)
        columns.append(zlib.crc32(bytes(flip)) ^ zero)
    bits = _solve(columns, wanted)
    patch = struct.pack("<I", bits)
    window = bytes(a ^ b for a, b in zip(changed[at : at + 4], patch))
    forged = changed[:at] + window + changed[at + 4 :]
    assert zlib.crc32(forged) == zlib.crc32(original)
    return forged


def _solve(columns: List[int], wanted: int) -> int:
    """The set of columns (a bit mask) whose XOR is ``wanted``."""
    rows = [(column, 1 << index) for index, column in enumerate(columns)]
    basis: List[tuple] = []
    for value, mask in rows:
        for pivot_value, pivot_mask in basis:
            if value ^ pivot_value < value:
                value, mask = value ^ pivot_value, mask ^ pivot_mask
        if value:
            basis.append((value, mask))
            basis.sort(reverse=True)
    chosen = 0
    for pivot_value, pivot_mask in basis:
        if wanted ^ pivot_value < wanted:
            wanted, chosen = wanted ^ pivot_value, chosen ^ pivot_mask
    assert wanted == 0, "the columns do not span the CRC"
    return chosen


def test_a_member_changed_under_the_same_crc_is_refused(tmp_path, small_keeps, wide_program):
    """The second reading's CRC only proves so much: a byte the sparse hold kept is changed
    and four it dropped are set so the CRC stays the same (a stored member, rewritten in
    place); the kept bytes, compared, refuse it."""
    path = _wide_wheel(tmp_path, wide_program, stored=True)

    def forge(copy) -> None:
        dropped = _dropped_offset(copy)

        def change(data: bytes) -> bytes:
            kept = 4096  # in the first piece, which the hold keeps
            changed = data[:kept] + bytes([data[kept] ^ 1]) + data[kept + 1 :]
            return _forged(data, changed, dropped)

        _rewritten(path, "wide/wide", change)

    with pytest.raises(ZipRefused) as refused:
        _read_twice(path, "wide/wide", forge)
    assert refused.value.defect == "ChangedWhileRead", refused.value
    assert "differ" in str(refused.value)
