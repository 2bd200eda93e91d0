"""The C twin of the wheel container's common case (csrc/md_zip.c, ``_native.zip_walk``)
held to the Python reader (``_zip_layout.central_entries`` and ``Accounting``, with
``_zip.accepted_name``'s checks): the same members in the same order, or, where it declines,
the Python reader's own answer. An audit takes the twin whenever the extension is there, so
a container it accepted that the Python reader refuses would be a wheel the pure package
refuses and the accelerated one judges."""

from __future__ import annotations

import glob
import os
import random
import struct
from typing import Any, List, Tuple, Union

import pytest

from musldetect._audit._zip import WheelZip, ZipMember
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
