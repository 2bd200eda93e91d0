"""The C twin of the wheel container's common case (csrc/md_zip.c, ``_native.zip_walk``)
held to the Python reader (``_zip_layout.central_entries`` and ``Accounting``, with
``_zip.accepted_name``'s checks): the same members in the same order, or, where it declines,
the Python reader's own answer. An audit takes the twin whenever the extension is there, so
a container it accepted that the Python reader refuses would be a wheel the pure package
refuses and the accelerated one judges."""

from __future__ import annotations

import glob
import hashlib
import os
import random
import struct
import zipfile
import zlib
from typing import Any, Iterator, List, Set, Tuple, Union

import pytest

from musldetect._audit import _inflate
from musldetect._audit._zip import WheelZip, ZipMember
from musldetect._audit._zip_layout import CHUNK, WHOLE
from musldetect._rootfs import open_regular_file
from musldetect._types import WheelError, ZipRefused

import zipharness as zh
from builders import make_wheel, read_bytes
from fixtures import REQUIRED_BACKENDS, CountedTwin

try:
    from musldetect import _native
except ImportError as exc:
    if "native" in REQUIRED_BACKENDS:
        pytest.fail(f"the native extension is required (MUSLDETECT_REQUIRE_BACKENDS) but missing: {exc}")
    pytest.skip(f"no native extension: {exc}", allow_module_level=True)

Read = Union[List[ZipMember], Tuple[str, str]]


def _read(monkeypatch: Any, backend: str, path: str) -> Read:
    """The members ``WheelZip`` accepts with ``backend`` (python: the Python reader alone),
    or its refusal: the defect and the words."""
    monkeypatch.setenv("MUSLDETECT_BACKEND", backend)
    fd = open_regular_file(path)
    try:
        return WheelZip(path, fd).members
    except ZipRefused as exc:
        return (exc.defect, str(exc))
    except WheelError as exc:  # not a container at all
        return ("not a wheel", str(exc))
    finally:
        os.close(fd)


def _both(monkeypatch: Any, path: str) -> Tuple[Read, Read]:
    return _read(monkeypatch, "auto", path), _read(monkeypatch, "python", path)


def _counted(monkeypatch: Any) -> CountedTwin:
    twin = CountedTwin(_native.zip_walk)
    monkeypatch.setattr(_native, "zip_walk", twin)
    return twin


def _real_wheels() -> List[str]:
    found = []
    for variable in ("MUSLDETECT_WHEELS", "MUSLDETECT_ABI3_WHEELS", "MUSLDETECT_FORMAT_WHEELS"):
        folder = os.environ.get(variable, "")
        found += sorted(glob.glob(os.path.join(folder, "*.whl"))) if folder else []
    return found


def _small_wheel(tmp_path: Any, name: str = "pkg") -> str:
    members = {f"{name}/__init__.py": b"x = 1\n" * 40, f"{name}/data.txt": b"hello\n", f"{name}/empty.py": b""}
    return make_wheel(tmp_path, name, ["py3-none-any"], members)


def test_an_audit_reads_its_container_with_the_native_twin(monkeypatch, tmp_path):
    """The twin is what an audit reads a wheel's container with (MUSLDETECT_BACKEND unset),
    not only what the tests compare (tests/test_elf_twins.py checks the choice itself)."""
    import musldetect

    twin = _counted(monkeypatch)
    wheel = _small_wheel(tmp_path)
    monkeypatch.delenv("MUSLDETECT_BACKEND", raising=False)
    musldetect.audit(wheel)
    assert twin.answered == 1


def test_native_zip_walk_reads_every_real_wheel_as_python(monkeypatch, tmp_path):
    """The real wheels CI fetched (and a made one, so the test compares in every stage):
    the same members, and every one read by the twin."""
    wheels = _real_wheels() + [_small_wheel(tmp_path)]
    twin = _counted(monkeypatch)
    for wheel in wheels:
        native, python = _both(monkeypatch, wheel)
        assert native == python, wheel
        assert isinstance(python, list), (wheel, python)
    assert twin.answered == len(wheels), (twin.answered, len(wheels))


def test_native_zip_walk_on_mutants_reads_as_python(monkeypatch, tmp_path):
    """The differential harness's mutants of small wheels (every structural change it
    makes, and byte flips near each signature): whatever the Python reader accepts or
    refuses, with which defect and words, the twin's reading does alike."""
    rng = random.Random(600)
    bases = zh.base_wheels(zh.wheel_folder())[:6] if _real_wheels() else []
    bases.append(_small_wheel(tmp_path))
    twin = _counted(monkeypatch)
    refused = made = 0
    path = str(tmp_path / "mutant-1.0-py3-none-any.whl")
    for base in bases:
        data = read_bytes(base)
        mutants = list(zh.structured_mutants(zh.entries_of(data), rng)) + list(zh.byte_mutants(data, rng, 150))
        for mutant in mutants:
            with open(path, "wb") as fh:
                fh.write(mutant.data)
            native, python = _both(monkeypatch, path)
            assert native == python, mutant.kind
            refused += not isinstance(python, list)
            made += 1
    # Each way is taken often: the twin's answer, its declining, and a refusal.
    assert min(twin.answered, twin.declined, refused) >= made // 10, (made, twin.answered, twin.declined, refused)


def _rewritten_directory(wheel: bytes, order: List[int]) -> bytes:
    """The wheel with its central directory's entries listed in ``order`` (the end record
    still right: same entries, same size)."""
    end = wheel.rindex(b"PK\x05\x06")
    size, offset = struct.unpack_from("<II", wheel, end + 12)
    directory, at, entries = wheel[offset : offset + size], 0, []
    while at < len(directory):
        name, extra, comment = struct.unpack_from("<HHH", directory, at + 28)
        length = 46 + name + extra + comment
        entries.append(directory[at : at + length])
        at += length
    return wheel[:offset] + b"".join(entries[i] for i in order) + wheel[offset + size :]


def test_native_zip_walk_leaves_to_python_what_only_its_reader_takes(monkeypatch, tmp_path):
    """Containers the Python reader accepts off the twin's path: a directory not in file
    order, a name flagged UTF-8 that is not ASCII, local extra fields: accepted alike."""
    base = read_bytes(_small_wheel(tmp_path))
    count = len(zh.entries_of(base))
    entries = zh.entries_of(base)
    made = {
        "reversed": _rewritten_directory(base, list(range(count))[::-1]),
        "utf-8": zh.serialise(zh.Layout(entries + (zh.new_entry("pkg/caf\u00e9.py", b"x = 2\n"),))),
        "local-extra": zh.serialise(zh.Layout(zh._replace(entries, 0, local_extra=struct.pack("<HHB", 0x5455, 1, 1)))),
    }
    twin = _counted(monkeypatch)
    for kind, data in made.items():
        path = str(tmp_path / f"{kind}-1.0-py3-none-any.whl")
        with open(path, "wb") as fh:
            fh.write(data)
        native, python = _both(monkeypatch, path)
        assert native == python and isinstance(python, list), (kind, python)
    assert twin.declined == len(made) and twin.answered == 0, (twin.answered, twin.declined)


def _directory_holding_more(data: bytearray, junk: bool) -> bytes:
    """The end record counting one entry less than its directory holds, or the directory
    holding bytes after its last entry (its size counting them)."""
    end = data.rindex(b"PK\x05\x06")
    on_disk, total, size = struct.unpack_from("<HHI", data, end + 8)
    if not junk:
        struct.pack_into("<HH", data, end + 8, on_disk - 1, total - 1)
        return bytes(data)
    struct.pack_into("<I", data, end + 12, size + 10)
    return bytes(data[:end] + bytes(10) + data[end:])


@pytest.mark.parametrize("junk", [False, True])
def test_native_zip_walk_leaves_a_directory_holding_more_to_python(monkeypatch, tmp_path, junk):
    """A central directory holding more than the end record's entries: the Python reader
    refuses the container (ConflictingNumberOfEntries), so the twin must not read it."""
    data = _directory_holding_more(bytearray(read_bytes(_small_wheel(tmp_path))), junk)
    path = str(tmp_path / "counted-1.0-py3-none-any.whl")
    with open(path, "wb") as fh:
        fh.write(data)
    twin = _counted(monkeypatch)
    native, python = _both(monkeypatch, path)
    assert native == python and python[0] == "ConflictingNumberOfEntries", python
    assert twin.declined == 1


def test_native_zip_walk_refuses_arguments_no_reader_passes_it():
    assert _native.zip_walk(0, 0, b"", -1, 0) is None
    assert _native.zip_walk(0, 0, b"x" * 45, 1, 0) is None  # no room for one entry
    with pytest.raises(TypeError):
        _native.zip_walk(0, 0, "text", 0, 0)


# -- one member read whole: the C reader into reused memory (_native.read_member) --------

MemberReading = Union[List[Tuple[str, ...]], Tuple[str, str]]


def _member_readings(monkeypatch: Any, backend: str, path: str) -> MemberReading:
    """Every member as ``WheelZip`` reads it with ``backend`` and zlib (the C reader, where
    it takes the member, or the Python one): its name and the sha256 of its bytes, or its
    refusal, defect and words; or the container's refusal."""
    monkeypatch.setenv("MUSLDETECT_BACKEND", backend)
    monkeypatch.setenv("MUSLDETECT_INFLATER", "zlib")
    fd = open_regular_file(path)
    try:
        archive = WheelZip(path, fd)
        found: List[Tuple[str, ...]] = []
        for member in archive.members:
            try:
                if archive.reads_reused(member):
                    data = bytes(memoryview(archive.reused(member))[: member.size])
                else:
                    data = b"".join(archive.stream(member))
                found.append((member.name, hashlib.sha256(data).hexdigest()))
            except ZipRefused as exc:
                found.append((member.name, exc.defect, str(exc)))
        return found
    except ZipRefused as exc:
        return (exc.defect, str(exc))
    finally:
        os.close(fd)


@pytest.fixture
def member_reader() -> None:
    """The C reader, which an extension built without zlib lacks (a skip, unless the
    native backend is required, as everywhere in CI)."""
    if not hasattr(_native, "read_member"):
        message = "the extension was built without zlib: it has no read_member"
        if "native" in REQUIRED_BACKENDS:
            pytest.fail(message)
        pytest.skip(message)


def _counted_reads(monkeypatch: Any) -> CountedTwin:
    twin = CountedTwin(_native.read_member)
    monkeypatch.setattr(_native, "read_member", twin)
    return twin


def test_an_audit_reads_its_members_with_the_native_reader_when_zlib_inflates(monkeypatch, tmp_path, member_reader):
    """With zlib the inflater (the default without the ``fast`` extra) an audit reads its
    members with the C reader; with the Python backend, or a faster inflater, it does not."""
    import musldetect

    wheel = _small_wheel(tmp_path)
    twin = _counted_reads(monkeypatch)
    monkeypatch.delenv("MUSLDETECT_BACKEND", raising=False)
    monkeypatch.setenv("MUSLDETECT_INFLATER", "zlib")
    musldetect.audit(wheel)
    assert twin.answered == 5, twin.answered  # three files, METADATA and WHEEL (RECORD streams)
    monkeypatch.setenv("MUSLDETECT_BACKEND", "python")
    musldetect.audit(wheel)
    monkeypatch.delenv("MUSLDETECT_BACKEND")
    # A faster inflater chosen (isal's name on zlib's functions: CI installs none of them).
    monkeypatch.setattr(_inflate, "chosen", lambda: _inflate.Inflater("isal", zlib.decompressobj, zlib.error))
    musldetect.audit(wheel)
    assert twin.answered == 5, twin.answered


def test_native_member_reader_reads_every_real_wheel_as_python(monkeypatch, tmp_path, member_reader):
    """Every member of the real wheels (and of a made one): the same bytes by both readers,
    every one that fits read by the C reader."""
    wheels = _real_wheels() + [_small_wheel(tmp_path)]
    twin = _counted_reads(monkeypatch)
    fitting = 0
    for wheel in wheels:
        native, python = _member_readings(monkeypatch, "auto", wheel), _member_readings(monkeypatch, "python", wheel)
        assert native == python, wheel
        assert isinstance(python, list) and all(len(found) == 2 for found in python), (wheel, python)
        with zipfile.ZipFile(wheel) as plain:
            fitting += sum(info.file_size <= WHOLE and info.compress_size <= WHOLE for info in plain.infolist())
    assert twin.answered == fitting, (twin.answered, fitting)


def test_the_reused_memory_is_kept_for_the_next_wheel(monkeypatch, tmp_path, member_reader):
    """The C reader's memory outlives its wheel for the next one (no fresh pages to fault
    in), one pair at a time, grown as a wheel needs; a wheel read while another is open
    gets its own pair; and what the next wheel reads is its own bytes, whatever the kept
    memory held."""
    import musldetect
    from musldetect._audit import _zip

    monkeypatch.delenv("MUSLDETECT_BACKEND", raising=False)
    monkeypatch.setenv("MUSLDETECT_INFLATER", "zlib")
    monkeypatch.setattr(_zip, "_KEPT", [])
    made = CountedTwin(_native.scratch)
    monkeypatch.setattr(_native, "scratch", made)
    small = _small_wheel(tmp_path)
    large = make_wheel(tmp_path, "large", ["py3-none-any"], {"large/big.bin": os.urandom(5 << 20)})
    first = musldetect.audit(small)
    assert made.answered == 2 and len(_zip._KEPT) == 1  # the pair is made, then kept
    assert musldetect.audit(small) == first and made.answered == 2  # and taken again
    musldetect.audit(large)
    assert made.answered == 4 and len(_zip._KEPT) == 1  # both grown for 5 MiB, and kept
    assert musldetect.audit(small) == first and made.answered == 4
    fds = [open_regular_file(path) for path in (small, small)]
    try:
        open_at_once = [WheelZip(small, fd) for fd in fds]
        assert _zip._KEPT == [] and open_at_once[0]._memory is not open_at_once[1]._memory
        for archive in open_at_once:
            archive.done()
        assert len(_zip._KEPT) == 1  # one pair kept, the other freed
    finally:
        for fd in fds:
            os.close(fd)


def _damaged_members(rng: random.Random) -> Iterator[Tuple[str, Tuple[zh.Entry, ...]]]:
    """A wheel's members, deflated (a small one and one of several MiB, past a streamed
    piece) and stored, each damaged in turn where only inflating it shows: its CRC, its
    declared size either way, its data cut short, run on, emptied, its first block of a type
    deflate lacks (3), or a byte flipped."""
    large = b"".join(b"%d:%x\n" % (i, rng.getrandbits(24)) for i in range(300_000))
    entries = (
        zh.new_entry("pkg/small.py", b"x = 1\n" * 300),
        zh.new_entry("pkg/large.txt", large),
        zh.new_entry("pkg/stored.bin", bytes(range(256)) * 8, zipfile.ZIP_STORED),
    )
    assert len(large) > CHUNK and len(entries[1].data) > CHUNK // 4
    yield "intact", entries
    for index, entry in enumerate(entries):
        yield f"{index}-crc", zh._replace(entries, index, crc=entry.crc ^ 1)
        yield f"{index}-size-less", zh._replace(entries, index, size=entry.size - 1)
        yield f"{index}-size-more", zh._replace(entries, index, size=entry.size + 1)
        yield f"{index}-cut", zh._replace(entries, index, data=entry.data[:-1])
        yield f"{index}-run-on", zh._replace(entries, index, data=entry.data + b"\0")
        yield f"{index}-empty", zh._replace(entries, index, data=b"")
        yield f"{index}-bad-block", zh._replace(entries, index, data=bytes([entry.data[0] | 6]) + entry.data[1:])
        for at in sorted(rng.sample(range(len(entry.data)), 6)):
            flipped = bytearray(entry.data)
            flipped[at] ^= 1 << rng.randrange(8)
            yield f"{index}-flip-{at}", zh._replace(entries, index, data=bytes(flipped))


def test_native_member_reader_refuses_a_damaged_member_as_python(monkeypatch, tmp_path, member_reader):
    """Each damage (``_damaged_members``): both readers read the same bytes or refuse the
    member with the same defect and words, and every defect inflating can show is met."""
    twin = _counted_reads(monkeypatch)
    defects: Set[str] = set()
    path = str(tmp_path / "damaged-1.0-py3-none-any.whl")
    for kind, entries in _damaged_members(random.Random(656)):
        with open(path, "wb") as fh:
            fh.write(zh.serialise(zh.Layout(entries)))
        native, python = _member_readings(monkeypatch, "auto", path), _member_readings(monkeypatch, "python", path)
        assert native == python, kind
        readings = python if isinstance(python, list) else [python]
        defects.update(found[-2] for found in readings if len(found) != 2)
    assert {"BadCrc32", "BadUncompressedSize", "BadCompressedSize", "BadCompressedData"} <= defects, defects
    assert twin.answered > 100, twin.answered


def test_native_member_reader_says_a_wheel_cut_while_read_is_truncated(monkeypatch, tmp_path, member_reader):
    """A wheel cut short after its container was read (the container checks refuse one cut
    before): each reader says the member it can no longer read is truncated, in the same
    words, and reads the members before the cut alike."""
    wheel = _small_wheel(tmp_path)
    data = read_bytes(wheel)
    readings = []
    for backend in ("auto", "python"):
        with open(wheel, "wb") as fh:
            fh.write(data)
        monkeypatch.setenv("MUSLDETECT_BACKEND", backend)
        fd = open_regular_file(wheel)
        try:
            archive = WheelZip(wheel, fd)
            os.truncate(wheel, archive.members[1].data_offset + 2)
            found = []
            for member in archive.members:
                try:
                    read = archive.reused(member) if archive.reads_reused(member) else archive.whole(member)
                    found.append(hashlib.sha256(memoryview(read)[: member.size]).hexdigest())
                except ZipRefused as exc:
                    found.append(f"{exc.defect}: {exc}")
            readings.append(found)
        finally:
            os.close(fd)
    assert readings[0] == readings[1]
    assert readings[1][1].startswith("Truncated") and len(readings[1][0]) == 64, readings[1]


def test_native_member_reader_says_what_the_file_lacks(tmp_path, member_reader):
    """Read directly: data past the end of the file is said to be truncated (the container
    checks never let a wheel get there, unless it changes while read); a closed descriptor
    is the OSError pread gives; buffers too small, or another method, are refused."""
    path = tmp_path / "short"
    path.write_bytes(b"0123456789")
    out, scratch = _native.scratch(64), _native.scratch(64)
    fd = os.open(str(path), os.O_RDONLY)
    try:
        assert _native.read_member(fd, 4, 6, 6, 0, out, scratch) == (6, zlib.crc32(b"456789"), True, False, None)
        assert _native.read_member(fd, 4, 7, 7, 0, out, scratch)[3] is True
        with pytest.raises(zlib.error) as inflated:
            zlib.decompressobj(-15).decompress(b"0123456789")
        assert _native.read_member(fd, 0, 10, 20, 8, out, scratch)[2:] == (False, False, str(inflated.value))
        with pytest.raises(ValueError):
            _native.read_member(fd, 0, 10, 64, 0, out, scratch)  # no room for size + 1
        with pytest.raises(ValueError):
            _native.read_member(fd, 0, 10, 10, 12, out, scratch)  # bzip2 is the Python reader's
    finally:
        os.close(fd)
    with pytest.raises(OSError):
        _native.read_member(fd, 0, 1, 1, 0, out, scratch)


def test_native_crc32_is_zlibs_at_every_length(member_reader):
    """Folded 64 bytes at a time where the CPU can, zlib's for the rest: every length up to
    a few blocks, from 16 starts in the data, continuing a CRC, and some long ones. (Where
    the bytes lie in memory cannot be varied from here: bytes objects start aligned; the
    fold loads unaligned, _mm_loadu, so that does not matter.)"""
    rng = random.Random(32)
    data = bytes(rng.getrandbits(8) for _ in range(1 << 20))
    for start in range(16):
        for length in range(0, 400):
            piece = data[start : start + length]
            assert _native.crc32(piece, 0) == zlib.crc32(piece), (start, length)
    for _ in range(50):
        start, length = rng.randrange(1000), rng.randrange(1 << 19)
        piece, before = data[start : start + length], rng.getrandbits(32)
        assert _native.crc32(piece, before) == zlib.crc32(piece, before), (start, length)
    assert _native.crc32(data, 0) == zlib.crc32(data)
