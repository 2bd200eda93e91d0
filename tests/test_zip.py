"""The wheel container, read one way or refused (issue 30): each check of ``_audit/_zip``
named by a mutant that only it refuses, the differential harness's rule on generated
mutants of real wheels (tests/zipharness.py; its long run adds pip and uv), real wheels
and wheels built with the tools people use read whole, and RECORD held to the bytes.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import importlib
import importlib.util
import io
import os
import random
import shutil
import struct
import subprocess
import sys
import unicodedata
import zipfile
from typing import Iterator, List

import pytest

import musldetect
from musldetect._audit import _zip
from musldetect._audit._zip import WheelZip
from musldetect._audit._zip_layout import WHOLE
from musldetect._types import ZipRefused

import zipharness as zh
from builders import make_wheel, read_bytes

TIMESTAMP = struct.pack("<HHB", 0x5455, 1, 1)  # an extended-timestamp extra record holding only its flags
NTFS_TIMES = struct.pack("<HHIHHQQQ", 0x000A, 32, 0, 1, 24, 0, 0, 0)  # the NTFS record: three times, 36 bytes
RECENT = b"\x7fELF\x02\x01\x01" + b"\x00" * 57  # an ELF head; not a valid binary (never reaches the ELF reader)


def small_wheel(tmp_path, members=None) -> bytes:
    files = members or {"pkg/__init__.py": b"x = 1\n" * 40, "pkg/data.txt": b"hello\n"}
    return read_bytes(make_wheel(tmp_path, "pkg", ["py3-none-any"], files))


def refusal(tmp_path, data: bytes, name: str = "pkg-1.0-py3-none-any.whl") -> str:
    """The defect musldetect names for ``data``, "" when it reads it whole."""
    path = tmp_path / name
    path.write_bytes(data)
    return zh.read_musldetect(str(path)).why


def entries(tmp_path):
    return zh.entries_of(small_wheel(tmp_path))


# Each structural mutant and the one defect class it must be refused with: removing the
# check that names it makes its row fail (mutation/run.py lists each).
@pytest.mark.parametrize(
    "kind, layout, defect",
    [
        (
            "local crc",
            lambda e: zh.Layout(zh._replace(e, 0, local_fields=(("crc", e[0].crc ^ 1),))),
            "ConflictingChecksums",
        ),
        (
            "local compressed",
            lambda e: zh.Layout(zh._replace(e, 0, local_fields=(("compressed", 3),))),
            "ConflictingCompressedSizes",
        ),
        (
            "local size",
            lambda e: zh.Layout(zh._replace(e, 0, local_fields=(("size", e[0].size + 1),))),
            "ConflictingUncompressedSizes",
        ),
        (
            "local method",
            lambda e: zh.Layout(zh._replace(e, 0, local_fields=(("method", 12),))),
            "ConflictingCompressionMethods",
        ),
        ("local flags", lambda e: zh.Layout(zh._replace(e, 0, local_fields=(("flags", 0x0800),))), "ConflictingFlags"),
        ("local name", lambda e: zh.Layout(zh._replace(e, 0, local_name=e[1].name)), "ConflictingPaths"),
        (  # every other byte of the local header the same: only the name's bytes differ
            "local name of the same length",
            lambda e: zh.Layout(zh._replace(e, 0, local_name=e[0].name[:-1] + b"X")),
            "ConflictingPaths",
        ),
        (  # the local header repeats the central entry's escaped sizes, without the ZIP64 field
            "central zip64, local sizes escaped without zip64",
            lambda e: zh.Layout(
                zh._replace(e, 0, zip64_central=True, local_fields=(("compressed", 0xFFFFFFFF), ("size", 0xFFFFFFFF)))
            ),
            "MissingZip64ExtraField",
        ),
        (
            "descriptor crc",
            lambda e: zh.Layout(zh._replace(e, 0, descriptor="signed", descriptor_fields=(("crc", 7),))),
            "ConflictingChecksums",
        ),
        (
            "descriptor size",
            lambda e: zh.Layout(zh._replace(e, 0, descriptor="bare", descriptor_fields=(("size", 9),))),
            "ConflictingUncompressedSizes",
        ),
        (
            "descriptor compressed",
            lambda e: zh.Layout(zh._replace(e, 0, descriptor="signed", descriptor_fields=(("compressed", 9),))),
            "ConflictingCompressedSizes",
        ),
        (
            "descriptor undeclared",
            lambda e: zh.Layout(zh._replace(e, 0, descriptor="signed", flags=e[0].flags)),
            "",
        ),  # declared by the flag: accepted
        (
            "missing central entry",
            lambda e: zh.Layout(zh._replace(e, 1, in_central=False)),
            "MissingCentralDirectoryEntry",
        ),
        (
            "repeated central entry",
            lambda e: zh.Layout(zh._replace(e, 0, central_copies=2)),
            "DuplicateLocalFileHeader",
        ),
        (
            "repeated entry",
            lambda e: zh.Layout(e + (zh.new_entry(e[0].name.decode(), b"twin"),)),
            "DuplicateLocalFileHeader",
        ),
        ("central offset", lambda e: zh.Layout(e, cd_offset_shift=4), "InvalidEndOfCentralDirectoryOffset"),
        ("entry count", lambda e: zh.Layout(e, count_shift=-1), "ConflictingNumberOfEntries"),
        (
            "zip64 locator",
            lambda e: zh.Layout(e, zip64_end=True, locator_shift=8),
            "InvalidZip64EndOfCentralDirectoryLocatorOffset",
        ),
        ("prefix", lambda e: zh.Layout(e, prefix=b"#!/bin/sh\n"), "UnaccountedBytes"),
        (
            "prefix, offsets after it",
            lambda e: zh.Layout(e, prefix=b"#!/bin/sh\n", offsets_after_prefix=True),
            "InvalidEndOfCentralDirectoryOffset",
        ),
        ("suffix", lambda e: zh.Layout(e, suffix=b"\x00"), "TrailingContents"),
        ("comment with a zip", lambda e: zh.Layout(e, comment=zh.serialise(zh.Layout(e[:1]))), "ZipInZip"),
        ("case", lambda e: zh.Layout(e + (zh.new_entry(e[0].name.decode().upper(), b"A"),)), "NameCollision"),
        (
            "nfd",
            lambda e: zh.Layout(
                e
                + (
                    zh.new_entry("pkg/caf\u00e9.py", b"a"),
                    zh.new_entry(unicodedata.normalize("NFD", "pkg/caf\u00e9.py"), b"b"),
                )
            ),
            "NameCollision",
        ),
        (
            "file and directory",
            lambda e: zh.Layout(e + (zh.new_entry(e[0].name.decode() + "/x", b"x"),)),
            "NameCollision",
        ),
        (
            "file and a directory two levels up",
            lambda e: zh.Layout(e + (zh.new_entry(e[0].name.decode() + "/x/y", b"x"),)),
            "NameCollision",
        ),
        (
            "case beyond ASCII",
            lambda e: zh.Layout(
                e + (zh.new_entry("pkg/\u00e9t\u00e9.py", b"a"), zh.new_entry("pkg/\u00c9T\u00c9.py", b"b"))
            ),
            "NameCollision",
        ),
        ("absolute", lambda e: zh.Layout(e + (zh.new_entry("/abs.py", b"x"),)), "UnsafePath"),
        ("drive", lambda e: zh.Layout(e + (zh.new_entry("C:/x.py", b"x"),)), "UnsafePath"),
        ("control character", lambda e: zh.Layout(e + (zh.new_entry("pkg/a\nb.py", b"x"),)), "UnsafePath"),
        ("empty part", lambda e: zh.Layout(e + (zh.new_entry("pkg//x.py", b"x"),)), "UnsafePath"),
        ("dot-dot", lambda e: zh.Layout(e + (zh.new_entry("../evil.py", b"x"),)), "UnsafePath"),
        ("dot", lambda e: zh.Layout(e + (zh.new_entry("pkg/./evil.py", b"x"),)), "UnsafePath"),
        ("backslash", lambda e: zh.Layout(e + (zh.new_entry("pkg\\evil.py", b"x"),)), "UnsafePath"),
        (
            "cp437 name",
            lambda e: zh.Layout(e + (zh.new_entry("pkg/caf\u00e9.py", b"x")._replace(flags=0),)),
            "CentralDirectoryEntryNotUtf8",
        ),
        (
            "stored with descriptor",
            lambda e: zh.Layout(e + (zh.new_entry("pkg/s.txt", b"s", 0)._replace(descriptor="signed"),)),
            "StoredWithDataDescriptor",
        ),
        ("unknown method", lambda e: zh.Layout(zh._replace(e, 0, method=99)), "UnsupportedCompression"),
        (
            "local crc beside a descriptor",
            lambda e: zh.Layout(zh._replace(e, 0, descriptor="signed", local_fields=(("crc", 5),))),
            "ConflictingChecksums",
        ),
        (
            "missing last central entry",
            lambda e: zh.Layout(zh._replace(e, len(e) - 1, in_central=False)),
            "MissingCentralDirectoryEntry",
        ),
        (
            "descriptor flag without one",
            lambda e: zh.Layout(zh._replace(e, 0, flags=e[0].flags | 8)),
            "MissingDataDescriptor",
        ),
        (
            "bare descriptor that looks signed",
            lambda e: zh.Layout(zh._replace(e, 0, descriptor="bare", crc=0x08074B50)),
            "MissingDataDescriptor",
        ),
        ("directory with data", lambda e: zh.Layout(e + (zh.new_entry("pkg/sub/", b"data"),)), "DirectoryWithData"),
        (  # both defects: the zip bomb is named, as it always was
            "directory declaring a bomb",
            lambda e: zh.Layout(e + (zh.new_entry("pkg/sub/", b"")._replace(size=2 << 20),)),
            "ZipBomb",
        ),
        ("encrypted", lambda e: zh.Layout(zh._replace(e, 0, flags=e[0].flags | 1)), "UnsupportedFeature"),
        ("version needed", lambda e: zh.Layout(zh._replace(e, 0, needed=64)), "UnsupportedFeature"),
        ("symlink", lambda e: zh.Layout(zh._replace(e, 0, mode=0o120777)), "SymlinkEntry"),
        (
            "zip64 field too long",
            lambda e: zh.Layout(zh._replace(e, 0, zip64_central=True, zip64_pad=8)),
            "Zip64ExtendedInformationFieldTooLong",
        ),
        (
            "extra field twice",
            lambda e: zh.Layout(zh._replace(e, 0, central_extra=TIMESTAMP + TIMESTAMP)),
            "MalformedExtraField",
        ),
        (
            "extra field cut short",
            lambda e: zh.Layout(zh._replace(e, 0, central_extra=TIMESTAMP[:-1])),
            "MalformedExtraField",
        ),
        (
            "extra header cut short",
            lambda e: zh.Layout(zh._replace(e, 0, central_extra=b"\x55\x54")),
            "MalformedExtraField",
        ),
        (
            "unicode path field",
            lambda e: zh.Layout(zh._replace(e, 0, central_extra=struct.pack("<HH", 0x7075, 5) + b"\x01abcd")),
            "ConflictingPaths",
        ),
        (
            "local zip64 beside 32-bit sizes",
            lambda e: zh.Layout(zh._replace(e, 0, local_extra=struct.pack("<HHQQ", 1, 16, e[0].size, len(e[0].data)))),
            "ConflictingCompressedSizes",
        ),
        (
            "local zip64 too short",
            lambda e: zh.Layout(zh._replace(e, 0, local_extra=struct.pack("<HHQ", 1, 8, e[0].size))),
            "Zip64ExtendedInformationFieldTooLong",
        ),
        (  # past the first read of a local header (its name and 32 bytes of extra)
            "local zip64 too short after a long extra",
            lambda e: zh.Layout(zh._replace(e, 0, local_extra=NTFS_TIMES + struct.pack("<HHQ", 1, 8, e[0].size))),
            "Zip64ExtendedInformationFieldTooLong",
        ),
        (
            "local size escaped without zip64",
            lambda e: zh.Layout(zh._replace(e, 0, local_fields=(("size", 0xFFFFFFFF),))),
            "MissingZip64ExtraField",
        ),
        (
            "central size escaped without zip64",
            lambda e: zh.Layout(zh._replace(e, 0, size=0xFFFFFFFF, local_fields=(("size", e[0].size),))),
            "MissingZip64ExtraField",
        ),
        (
            "zip64 everywhere",
            lambda e: zh.Layout(
                tuple(x._replace(zip64_local=True, zip64_central=True, descriptor="signed") for x in e), zip64_end=True
            ),
            "",
        ),
    ],
)
def test_each_check_names_its_defect(tmp_path, kind, layout, defect):
    assert refusal(tmp_path, zh.serialise(layout(entries(tmp_path)))) == defect, kind


def _verdict_of_each(names):
    try:
        _zip._check_each("w.whl", names)
    except ZipRefused as exc:
        return exc.defect
    return ""


def test_the_names_checked_at_once_are_those_the_loop_accepts():
    """``check_names`` takes a wheel's names at once (``_plainly_distinct``) and only on a
    doubt one at a time (``_check_each``, which says what is wrong): on random lists of
    parts that make every defect (unsafe parts, control characters, a "\\n", collisions in
    case, a file that is another's directory, a directory's trailing "/"), the first
    accepts exactly the ASCII lists the second accepts, and nothing else."""
    rng = random.Random(356)
    parts = ["a", "b", "A", "/", "c/", "a/", "b/d", ".", "..", "\n", "\\", ":", "\x7f", "\u00e9"]
    accepted = refused = 0
    for _ in range(40_000):
        names = ["".join(rng.choice(parts) for _ in range(rng.randrange(0, 4))) for _ in range(rng.randrange(1, 6))]
        at_once, verdict = _zip._plainly_distinct(names), _verdict_of_each(names)
        if all(name.isascii() for name in names):
            assert at_once == (verdict == ""), (names, verdict)
        else:
            assert not at_once, names
        accepted += at_once
        refused += verdict != ""
    assert min(accepted, refused) > 1_000, (accepted, refused)


def test_two_central_entries_at_one_local_header(tmp_path):
    """Two names for one local header (a reader that follows the directory reads one
    file twice, a streaming reader once): the second starts inside the first."""
    data = bytearray(zh.serialise(zh.Layout(entries(tmp_path))))
    second = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)
    data[second + 42 : second + 46] = b"\x00\x00\x00\x00"
    assert refusal(tmp_path, bytes(data)) == "OverlappingEntries"


def _zip64_wheel(tmp_path) -> bytearray:
    return bytearray(zh.serialise(zh.Layout(entries(tmp_path), zip64_end=True)))


def test_zip64_end_records_are_where_appnote_puts_them(tmp_path):
    """4.3.14-4.3.15: the ZIP64 end record, then its locator, then the end record; the end
    record's values either escaped or equal to the ZIP64 ones, no extensible data."""
    assert refusal(tmp_path, bytes(_zip64_wheel(tmp_path))) == ""
    data = _zip64_wheel(tmp_path)
    locator = data.rindex(b"PK\x06\x07")
    data[locator : locator + 4] = b"PK\x00\x00"
    assert refusal(tmp_path, bytes(data)) == "MissingZip64EndOfCentralDirectoryLocator"
    data = _zip64_wheel(tmp_path)
    end = data.rindex(b"PK\x05\x06")
    data[end + 8 : end + 12] = b"\x01\x00\x01\x00"  # one entry, not escaped, not the ZIP64 count
    assert refusal(tmp_path, bytes(data)) == "ConflictingZip64EndOfCentralDirectory"
    data = _zip64_wheel(tmp_path)
    record = data.rindex(b"PK\x06\x06")
    data[record + 4 : record + 12] = struct.pack("<Q", 52)
    assert refusal(tmp_path, bytes(data)) == "ExtensibleData"


def _decompressor_here(method: int) -> bool:
    """Whether this Python has the module a method needs (a musl build may lack bz2 and lzma;
    zstd comes with 3.14)."""
    module = {zipfile.ZIP_BZIP2: "bz2", zipfile.ZIP_LZMA: "lzma", 93: "compression.zstd"}.get(method)
    try:
        return module is None or importlib.import_module(module) is not None
    except ImportError:
        return False


def test_lzma_dictionary_is_bounded(tmp_path):
    """An LZMA member's dictionary is allocated whole by the decoder: 4 GiB is refused."""
    pytest.importorskip("lzma", reason="this Python is built without lzma: such members are 'cannot judge' here")
    path = tmp_path / "m-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_LZMA) as archive:
        archive.writestr("m/blob.bin", b"x" * 1000)
    data = bytearray(read_bytes(path))
    at = data.index(b"m/blob.bin") + len("m/blob.bin")  # the local header's name; the LZMA header follows
    data[at + 5 : at + 9] = b"\xff\xff\xff\xff"  # version (2), properties length (2), lc/lp/pb (1), dictionary
    assert refusal(tmp_path, bytes(data), "m-1.0-py3-none-any.whl") == "BadCompressedData"


def test_one_disk_only(tmp_path):
    data = bytearray(zh.serialise(zh.Layout(entries(tmp_path))))
    end = data.rindex(b"PK\x05\x06")
    data[end + 4 : end + 6] = b"\x01\x00"
    assert refusal(tmp_path, bytes(data)) == "MultiDisk"


def test_central_entry_pointing_at_no_local_header(tmp_path):
    data = bytearray(zh.serialise(zh.Layout(entries(tmp_path))))
    data[0:4] = b"PK\x03\x05"
    assert refusal(tmp_path, bytes(data)) == "MissingLocalFileHeader"


@pytest.mark.parametrize("backend", ["auto", "python"])
def test_bytes_are_checked_as_they_inflate(tmp_path, monkeypatch, backend):
    """A member whose headers agree but whose bytes do not: the CRC, the size, the
    compressed length each stop the stream (only a reader that checks sees it), whichever
    reads it: the C member reader where the extension is (auto, with zlib), the Python one."""
    monkeypatch.setenv("MUSLDETECT_BACKEND", backend)
    monkeypatch.setenv("MUSLDETECT_INFLATER", "zlib")
    base = entries(tmp_path)
    bad_crc = zh._replace(base, 0, crc=base[0].crc ^ 1)
    assert refusal(tmp_path, zh.serialise(zh.Layout(bad_crc))) == "BadCrc32"
    longer = tmp_path / "pkg-1.0-py3-none-any.whl"
    longer.write_bytes(zh.serialise(zh.Layout(zh._replace(base, 0, size=base[0].size - 1))))
    with pytest.raises(musldetect.ZipRefused, match="inflates past its declared"):  # stopped, not read to its end
        musldetect.audit(longer)
    shorter = zh._replace(base, 0, size=base[0].size + 1)
    assert refusal(tmp_path, zh.serialise(zh.Layout(shorter))) == "BadUncompressedSize"
    padded = zh._replace(base, 0, data=base[0].data + b"\x00")
    assert refusal(tmp_path, zh.serialise(zh.Layout(padded))) == "BadCompressedSize"


def test_a_large_member_is_checked_as_it_streams(tmp_path):
    """A member larger than one read (``WHOLE``) is streamed in pieces: it is stopped as soon
    as it inflates past its declared size, and its end is checked as a small member's is."""
    text = b"".join(b"line %d of a module large enough to stream\n" % number for number in range(420_000))
    assert len(text) - (2 << 20) > WHOLE and len(zh.compress(text, zipfile.ZIP_DEFLATED)) > 100_000
    base = (zh.new_entry("pkg/big.py", text), *entries(tmp_path))
    longer = tmp_path / "pkg-1.0-py3-none-any.whl"
    longer.write_bytes(zh.serialise(zh.Layout(zh._replace(base, 0, size=len(text) - (2 << 20)))))
    with pytest.raises(musldetect.ZipRefused, match="inflates past its declared"):  # stopped, not read to its end
        musldetect.audit(longer)
    assert refusal(tmp_path, zh.serialise(zh.Layout(zh._replace(base, 0, size=len(text) + 1)))) == "BadUncompressedSize"
    assert refusal(tmp_path, zh.serialise(zh.Layout(zh._replace(base, 0, crc=base[0].crc ^ 1)))) == "BadCrc32"
    padded = zh._replace(base, 0, data=base[0].data + b"\x00")
    assert refusal(tmp_path, zh.serialise(zh.Layout(padded))) == "BadCompressedSize"


def test_harness_quick(tmp_path):
    """The rule on generated mutants of the small real wheels: 400 in every test run, 2,000
    in .ci/run's audit stage (MUSLDETECT_ZIP_MUTANTS), the long run with pip and uv
    ``python tests/zipharness.py --long --count 20000``."""
    bases = zh.base_wheels(zh.wheel_folder()) if _cached_wheels() else [_built_base(tmp_path)]
    report = zh.run(bases, int(os.environ.get("MUSLDETECT_ZIP_MUTANTS", "400")), 30, str(tmp_path), installer_every=5)
    print(
        f"\nzip harness: {report.mutants} mutants, {report.disagreements} with readers disagreeing, "
        f"{sum(report.refused.values())} refused: {dict(report.refused.most_common())}"
    )
    assert not report.violations, "\n".join(report.violations[:10])
    for defect in (
        "ConflictingChecksums",
        "ConflictingCompressedSizes",
        "ConflictingUncompressedSizes",
        "MissingCentralDirectoryEntry",
        "DuplicateLocalFileHeader",
        "InvalidEndOfCentralDirectoryOffset",
        "InvalidZip64EndOfCentralDirectoryLocatorOffset",
        "TrailingContents",
        "NameCollision",
    ):
        assert report.refused[defect], f"no mutant was refused as {defect}: the harness no longer makes one"


def test_installers_on_a_sample(tmp_path):
    """pip and uv (one process each per mutant) on a few mutants of each kind: whatever
    uv refuses musldetect refuses, and what musldetect accepts they install alike."""
    if zh.uv_binary() is None:
        from oracle import skip_or_fail

        skip_or_fail("uv is missing (pip install uv)")
    rng = random.Random(5)
    base = entries(tmp_path)
    kinds = (
        "unchanged",
        "descriptor-signed",
        "local-crc",
        "missing-central-entry",
        "repeated-entry",
        "hidden-local-entry",
        "prepended-shifted",
        "appended",
        "name-case",
        "zip64-end",
    )
    mutants = {m.kind: m for m in zh.structured_mutants(base, rng) if m.kind in kinds}
    for kind, mutant in mutants.items():
        path = tmp_path / "pkg-1.0-py3-none-any.whl"
        path.write_bytes(mutant.data)
        verdict = zh.judge(str(path), kind, ("uv", "pip") if kind in ("unchanged", "hidden-local-entry") else ("uv",))
        assert not verdict.violation, f"{kind}: {verdict.violation}"
        assert (verdict.refused_by_musldetect == "") == (kind in ("unchanged", "descriptor-signed", "zip64-end")), kind


def _cached_wheels() -> list:
    return sorted(glob.glob(os.path.join(zh.wheel_folder(), "*.whl")))


def _built_base(tmp_path) -> str:
    return make_wheel(
        tmp_path, "base", ["py3-none-any"], {"base/__init__.py": b"x = 1\n" * 100, "base/_speed.so": RECENT}
    )


def test_every_cached_real_wheel_reads_whole():
    wheels = _cached_wheels()
    if not wheels:
        pytest.skip("no cached real wheels (bash tests/audit/fetch-wheels.sh)")
    refused = []
    for wheel in wheels:
        outcome = zh.read_musldetect(wheel)
        if outcome.files is None:
            refused.append(f"{os.path.basename(wheel)}: {outcome.why}")
        else:
            assert outcome.files == zh.read_zipfile(wheel).files == zh.read_streaming(wheel).files, wheel
    assert not refused, refused


PROJECT = {
    "setuptools": (
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "demo_st"\nversion = "1.0"\n',
        "demo_st",
    ),
    "hatchling": (
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        '[project]\nname = "demo_hatch"\nversion = "1.0"\n',
        "demo_hatch",
    ),
    "flit_core": (
        '[build-system]\nrequires = ["flit_core"]\nbuild-backend = "flit_core.buildapi"\n'
        '[project]\nname = "demo_flit"\nversion = "1.0"\ndescription = "d"\n',
        "demo_flit",
    ),
}


def _can_build_c() -> bool:
    """gcc and this interpreter's C headers (Debian's PyPy ships without them)."""
    import sysconfig

    return bool(shutil.which("gcc")) and os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))


@pytest.mark.parametrize("backend", sorted(PROJECT))
def test_wheels_built_by_real_tools_read_whole(tmp_path, backend):
    pyproject, package = PROJECT[backend]
    if importlib.util.find_spec(backend) is None:  # not imported here: setuptools patches distutils on import
        pytest.skip(f"{backend} is not installed (the test extras install it)")
    source = tmp_path / "src"
    (source / package).mkdir(parents=True)
    (source / "pyproject.toml").write_text(pyproject)
    (source / package / "__init__.py").write_text('"""demo"""\n__version__ = "1.0"\n')
    (source / package / "data.bin").write_bytes(bytes(range(256)) * 64)
    if backend == "setuptools" and _can_build_c():
        (source / "setup.py").write_text(
            "from setuptools import Extension, setup\n"
            f"setup(ext_modules=[Extension('{package}._c', ['{package}/_c.c'])])\n"
        )
        (source / package / "_c.c").write_text(
            '#include <Python.h>\nstatic struct PyModuleDef m = {PyModuleDef_HEAD_INIT, "_c"};\n'
            "PyMODINIT_FUNC PyInit__c(void) { return PyModule_Create(&m); }\n"
        )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(tmp_path / "out"),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = glob.glob(str(tmp_path / "out" / "*.whl"))
    outcome = zh.read_musldetect(wheel)
    assert outcome.files is not None, f"{backend} wheel refused: {outcome.why}"
    result = musldetect.audit(wheel)
    assert result.verdict != "inconsistent", result.reasons
    if backend == "setuptools" and _can_build_c():
        assert [f.path for f in result.files] == [n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".so")]


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, 93])
def test_every_method_an_installer_reads(tmp_path, method):
    """stored, deflate, bzip2 and lzma read here; zstd (93) where this Python reads it
    (3.14, PEP 784), else "cannot judge" said so."""
    path = tmp_path / "m-1.0-py3-none-any.whl"
    payload = bytes(random.Random(method).randrange(256) for _ in range(5000)) * 30
    try:
        with zipfile.ZipFile(path, "w", method) as archive:
            archive.writestr("m/blob.bin", payload)
    except (NotImplementedError, RuntimeError, ValueError):  # this Python cannot write (so read) the method
        assert not _decompressor_here(method)
        data = zh.serialise(zh.Layout((zh.new_entry("m/blob.bin", payload, 0)._replace(method=method),)))
        assert refusal(tmp_path, data, "m-1.0-py3-none-any.whl") == "CompressionUnavailable"
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        archive = WheelZip(str(path), fd)
        (member,) = archive.members
        assert archive.read(member, 1 << 30) == payload
    finally:
        os.close(fd)


def test_refusal_names_wheel_member_and_defect_and_cannot_judge(tmp_path):
    base = entries(tmp_path)
    path = tmp_path / "pkg-1.0-py3-none-any.whl"
    path.write_bytes(zh.serialise(zh.Layout(zh._replace(base, 0, local_fields=(("crc", 1),)))))
    with pytest.raises(musldetect.ZipRefused) as refused:
        musldetect.audit(path)
    assert refused.value.defect == "ConflictingChecksums" and refused.value.member == base[0].name.decode()
    assert str(path) in str(refused.value) and base[0].name.decode() in str(refused.value)
    junk = tmp_path / "junk-1.0-py3-none-any.whl"
    junk.write_bytes(b"not a zip")

    def run(wheel):
        return subprocess.run([sys.executable, "-m", "musldetect", "audit", str(wheel)], capture_output=True, text=True)

    proc = run(path)  # the code of an input that cannot be judged, whatever its number
    assert proc.returncode == run(junk).returncode not in (0, 1) and "ConflictingChecksums" in proc.stderr


def test_binaries_are_found_by_content_not_name(tmp_path):
    """An ELF named like text is still read, and so is a Mach-O named like text."""
    wheel = make_wheel(
        tmp_path,
        "hid",
        ["cp312-cp312-manylinux_2_17_x86_64"],
        {"hid/notes.txt": read_bytes(sys.executable), "hid/lib.dylib.txt": b"\xcf\xfa\xed\xfe" + b"\x00" * 60},
    )
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(wheel).extractall(unpacked)
    for result in (musldetect.audit(wheel), musldetect.audit(unpacked)):
        assert [f.path for f in result.files] == ["hid/notes.txt"]
        assert [image.path for image in result.images] == ["hid/lib.dylib.txt"]
        assert any("Mach-O files (hid/lib.dylib.txt) beside ELF binaries" in reason for reason in result.reasons)


def test_record_is_held_to_the_bytes(tmp_path):
    good = make_wheel(tmp_path, "rec", ["py3-none-any"], {"rec/__init__.py": b"x = 1\n"})
    assert musldetect.audit(good).verdict == "undeclared" or musldetect.audit(good).verdict != "inconsistent"
    data = read_bytes(good)
    cases = {
        "no RECORD": lambda e: tuple(x for x in e if not x.name.endswith(b"RECORD")),
        "a file RECORD leaves out": lambda e: e + (zh.new_entry("rec/extra.py", b"y = 2\n"),),
        "RECORD with another hash": lambda e: tuple(
            zh.new_entry(
                x.name.decode(),
                zipfile.ZipFile(io.BytesIO(data)).read(x.name.decode()).replace(b"sha256=", b"sha256=A", 1),
            )
            if x.name.endswith(b"RECORD")
            else x
            for x in e
        ),
    }
    for case, change in cases.items():
        path = tmp_path / "rec-1.0-py3-none-any.whl"
        path.write_bytes(zh.serialise(zh.Layout(change(zh.entries_of(data)))))
        result = musldetect.audit(path)
        assert result.verdict == "inconsistent" and any("RECORD" in r for r in result.reasons), (case, result.reasons)


def _with_record(tmp_path, rows) -> list:
    """The reasons the audit gives for a two-file wheel (written b.py, then a.py) whose
    RECORD rows for its files ``rows`` rewrites (name -> row text after the name)."""
    built = make_wheel(tmp_path, "rows", ["py3-none-any"], {"rows/b.py": b"b = 1\n", "rows/a.py": b"a = 1\n"})
    archive = zipfile.ZipFile(built)
    record = "rows-1.0.dist-info/RECORD"
    lines = [
        f"{line.split(',', 1)[0]},{rows[line.split(',', 1)[0]]}" if line.split(",", 1)[0] in rows else line
        for line in archive.read(record).decode().splitlines()
    ]
    changed = {name: archive.read(name) for name in archive.namelist()}
    changed[record] = ("\n".join(lines) + "\n").encode()
    path = tmp_path / "rows-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in changed.items():
            out.writestr(name, data)
    return [reason for reason in musldetect.audit(path).reasons if reason.startswith("RECORD: ")]


def test_record_rows_need_a_usable_hash_and_a_size(tmp_path):
    """The wheel specification asks sha256 or stronger and a size of every file but RECORD
    and its signatures: a row with md5, no hash or no size is named, even when the rest of
    RECORD describes the files."""
    md5 = "md5=" + base64.urlsafe_b64encode(hashlib.md5(b"a = 1\n").digest()).rstrip(b"=").decode()
    sha = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b"a = 1\n").digest()).rstrip(b"=").decode()
    assert _with_record(tmp_path, {}) == []
    assert any("no usable hash" in reason for reason in _with_record(tmp_path, {"rows/a.py": f"{md5},6"}))
    assert any("no usable hash" in reason for reason in _with_record(tmp_path, {"rows/a.py": ",6"}))
    assert any("no size" in reason for reason in _with_record(tmp_path, {"rows/a.py": f"{sha},"}))


def test_record_problems_come_in_name_order(tmp_path):
    """Two files RECORD gives other hashes for are named by file name, not in the order
    the archive holds them (b.py is written first): the same wheel reads the same."""
    wrong = "sha256=" + "A" * 43 + ",6"
    reasons = _with_record(tmp_path, {"rows/b.py": wrong, "rows/a.py": wrong})
    assert [("'rows/a.py'" in r, "'rows/b.py'" in r) for r in reasons] == [(True, False), (False, True)], reasons


def test_record_rows_are_what_csv_reads():
    """RECORD's lines are split without csv where no field can span lines (no quote, no NUL)
    and a line has two commas: on 40,000 random texts of the parts that make csv's cases
    (quotes, NULs, every line break splitlines knows, commas, spaces), and on fields at
    csv's size limit, the rows are csv's, and so is its error."""
    import csv

    from musldetect._audit._record import _rows

    rng = random.Random(2026)
    parts = ["a", "b/c.py", "sha256=xyz", "123", "", " ", ",", '"', '""', "\r", "\n", "\x00", "\x0b", "\u2028", "x,y"]

    def rows(reader: Iterator[List[str]]) -> object:
        try:
            return list(reader)
        except csv.Error as exc:
            return ("refused", str(exc))

    for _ in range(40_000):
        text = "".join(rng.choice(parts) for _ in range(rng.randrange(0, 12)))
        assert rows(_rows(text)) == rows(csv.reader(text.splitlines())), repr(text)
    limit = csv.field_size_limit()  # a field past csv's limit is refused, on a line of two commas too
    for text in ("a" * (limit + 1) + ",sha256=x,5", "a" * limit + ",,", "a" * (limit - 9) + ",sha256=x,5"):
        assert rows(_rows(text)) == rows(csv.reader(text.splitlines())), len(text)
