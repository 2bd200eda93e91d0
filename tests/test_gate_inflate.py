"""The inflaters the gate may read members with (zlib, and isal or zlib-ng when installed)
give exactly what Python's zipfile reads, on real wheels, and refuse a member whose size or
CRC-32 is not the one declared."""

from __future__ import annotations

import glob
import os
import struct
import zipfile
import zlib

import pytest

from musldetect._audit import _inflate
from musldetect._types import ConfigurationError

from builders import compile_c, make_wheel, read_bytes

HELLO = '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n'


def raw_members(path: str) -> list:
    """(info, raw deflate bytes) of each deflated member."""
    found = []
    with zipfile.ZipFile(path) as archive, open(path, "rb") as fh:
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_DEFLATED:
                continue
            fh.seek(info.header_offset + 26)
            name_length, extra_length = struct.unpack("<HH", fh.read(4))
            fh.seek(info.header_offset + 30 + name_length + extra_length)
            found.append((info, fh.read(info.compress_size)))
    return found


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> list:
    directory = tmp_path_factory.mktemp("inflate")
    program = read_bytes(compile_c(directory, "gcc", HELLO, "hello"))
    built = make_wheel(directory, "hello", ["py3-none-linux_x86_64"], {"hello/hello": program, "hello/a.py": b"x=1\n"})
    real = sorted(glob.glob(os.path.join(os.environ.get("MUSLDETECT_WHEELS", "/nonexistent"), "*.whl")))
    return [built] + real[:8]


@pytest.mark.parametrize("name", [inflater.name for inflater in _inflate.available()])
def test_every_inflater_reads_what_zipfile_reads(wheels, name):
    inflater = _inflate.choose(name)
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for info, raw in raw_members(wheel):
                assert _inflate.inflate(inflater, raw, info.file_size, info.CRC) == archive.read(info)


@pytest.mark.parametrize("name", [inflater.name for inflater in _inflate.available()])
def test_a_member_that_lies_is_refused(wheels, name):
    inflater = _inflate.choose(name)
    info, raw = max(raw_members(wheels[0]), key=lambda member: member[0].file_size)
    with pytest.raises(ValueError, match="CRC-32"):
        _inflate.inflate(inflater, raw, info.file_size, info.CRC ^ 1)
    with pytest.raises(ValueError, match="more than"):
        _inflate.inflate(inflater, raw, info.file_size - 1, info.CRC)
    with pytest.raises(ValueError, match="less than"):
        _inflate.inflate(inflater, raw[: len(raw) // 2], info.file_size, info.CRC)


@pytest.mark.parametrize("name", [inflater.name for inflater in _inflate.available()])
def test_a_stream_is_inflated_no_further_than_declared(name):
    """A 64 MiB stream of zeros declared as 10 bytes: refused after at most 11 bytes."""
    pytest.importorskip("_tracemalloc", reason="this interpreter (PyPy) has no tracemalloc to measure the peak with")
    import tracemalloc

    inflater = _inflate.choose(name)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = b"".join(packer.compress(bytes(1 << 20)) for _ in range(64)) + packer.flush()
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="more than"):
            _inflate.inflate(inflater, raw, 10, 0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


@pytest.mark.parametrize("name", [inflater.name for inflater in _inflate.available()])
def test_a_stream_must_end_with_its_data(name):
    """Every byte there and the CRC right, but no final block, or bytes after it: two
    readers could disagree, so the gate refuses."""
    inflater = _inflate.choose(name)
    data = b"the member's bytes\n" * 1000
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    unfinished = packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)
    finished = unfinished + packer.flush()
    assert _inflate.inflate(inflater, finished, len(data), zlib.crc32(data)) == data
    for raw in (unfinished, finished + b"junk"):
        with pytest.raises(ValueError, match="does not end"):
            _inflate.inflate(inflater, raw, len(data), zlib.crc32(data))


def test_choosing_an_inflater(monkeypatch):
    assert _inflate.available()[-1].name == "zlib"
    assert _inflate.choose("zlib").name == "zlib"
    monkeypatch.setenv("MUSLDETECT_INFLATER", "zlib")
    assert _inflate.choose().name == "zlib"
    monkeypatch.setenv("MUSLDETECT_INFLATER", "gzip")
    with pytest.raises(ConfigurationError, match="not one of isal, zlib-ng, zlib"):
        _inflate.choose()
