"""Differential harness for the wheel container: mutate real wheels, read each mutant with
every reader, and hold musldetect to the rule a gate must keep.

Readers: musldetect (``WheelZip`` plus the RECORD check, as the audit reads), Python's
zipfile (what pip and pypa's installer read with), a streaming local-header reader
written here (what a streaming installer such as uv sees), pypa's ``installer`` in
process, and, in the long run or on a sample, pip and uv in a process each.

The rule: wherever musldetect accepts a wheel, every other reader accepts it too and
reads the same member names and bytes; whatever any reader refuses (uv above all),
musldetect refuses. ``python tests/zipharness.py [--long] [--count N] [--seed S]``
prints the counts per defect class (uv#15136's classes, name collisions).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import io
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
import zlib
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from musldetect import WheelError, ZipRefused
from musldetect._audit import _record
from musldetect._audit._zip import WheelZip

Files = Tuple[Tuple[str, str], ...]  # sorted (name, sha256) of the files a reader reads


class Outcome(NamedTuple):
    files: Optional[Files]  # None: refused
    why: str  # the defect class or error


# -- a ZIP writer for the test: one entry model, serialised with every variant ---------------


class Entry(NamedTuple):
    name: bytes
    method: int
    flags: int
    crc: int
    size: int
    data: bytes  # the compressed bytes as stored
    descriptor: str = ""  # "", "signed" or "bare"
    zip64_local: bool = False
    zip64_central: bool = False
    local_name: Optional[bytes] = None  # a local header that names it otherwise
    local_fields: Tuple[Tuple[str, int], ...] = ()  # local-only overrides: crc, compressed, size, method, flags
    descriptor_fields: Tuple[Tuple[str, int], ...] = ()
    in_central: bool = True
    central_copies: int = 1
    central_extra: bytes = b""  # raw extra records after any ZIP64 one
    local_extra: bytes = b""
    zip64_pad: int = 0  # bytes more in each ZIP64 extra field than its header escapes
    mode: int = 0o100644
    needed: int = 20


class Layout(NamedTuple):
    entries: Tuple[Entry, ...]
    zip64_end: bool = False
    comment: bytes = b""
    prefix: bytes = b""
    suffix: bytes = b""
    cd_offset_shift: int = 0
    offsets_after_prefix: bool = False  # offsets count from the end of the prefix, as a self-extractor's do
    count_shift: int = 0
    locator_shift: int = 0


def entries_of(wheel: bytes) -> Tuple[Entry, ...]:
    """The entries of a wheel zipfile reads, with their compressed bytes as stored."""
    found = []
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        for info in archive.infolist():
            start = info.header_offset
            name_length, extra_length = struct.unpack_from("<HH", wheel, start + 26)
            data_at = start + 30 + name_length + extra_length
            data = wheel[data_at : data_at + info.compress_size]
            found.append(
                Entry(
                    info.filename.encode("utf-8"),
                    info.compress_type,
                    info.flag_bits & 0x0800,
                    info.CRC,
                    info.file_size,
                    data,
                )
            )
    return tuple(found)


def compress(data: bytes, method: int) -> bytes:
    if method == zipfile.ZIP_DEFLATED:
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush()
    if method == zipfile.ZIP_BZIP2:
        import bz2  # here, not at the top: a Python built without it still runs the harness

        return bz2.compress(data)
    return data


def new_entry(name: str, data: bytes, method: int = zipfile.ZIP_DEFLATED) -> Entry:
    raw = name.encode("utf-8")
    return Entry(raw, method, 0 if raw.isascii() else 0x0800, zlib.crc32(data), len(data), compress(data, method))


def serialise(layout: Layout) -> bytes:
    out = bytearray(layout.prefix)
    central = bytearray()
    for entry in layout.entries:
        offset = len(out) - (len(layout.prefix) if layout.offsets_after_prefix else 0)
        out += _local(entry)
        out += entry.data
        out += _descriptor(entry)
        if entry.in_central:
            central += _central(entry, offset) * entry.central_copies
    cd_offset = len(out) + layout.cd_offset_shift - (len(layout.prefix) if layout.offsets_after_prefix else 0)
    count = sum(e.central_copies for e in layout.entries if e.in_central) + layout.count_shift
    out += central
    if layout.zip64_end:
        zip64_at = len(out)
        out += struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(central), cd_offset)
        out += struct.pack("<4sIQI", b"PK\x06\x07", 0, zip64_at + layout.locator_shift, 1)
        count16, size32, offset32 = 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF
    else:
        count16, size32, offset32 = count & 0xFFFF, len(central), cd_offset & 0xFFFFFFFF
    out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count16, count16, size32, offset32, len(layout.comment))
    out += layout.comment + layout.suffix
    return bytes(out)


def _flags(entry: Entry) -> int:
    return entry.flags | (0x0008 if entry.descriptor else 0)


def _local(entry: Entry) -> bytes:
    fields = {
        "crc": entry.crc,
        "compressed": len(entry.data),
        "size": entry.size,
        "method": entry.method,
        "flags": _flags(entry),
    }
    if entry.descriptor:
        fields.update(crc=0, compressed=0, size=0)
    fields.update(entry.local_fields)
    extra = b""
    if entry.zip64_local:
        extra = (
            struct.pack("<HHQQ", 1, 16 + entry.zip64_pad, fields["size"], fields["compressed"])
            + b"\x00" * entry.zip64_pad
        )
        fields.update(compressed=0xFFFFFFFF, size=0xFFFFFFFF)
    extra += entry.local_extra
    name = entry.local_name if entry.local_name is not None else entry.name
    return (
        struct.pack(
            "<4sHHHHHIIIHH",
            b"PK\x03\x04",
            45 if entry.zip64_local else entry.needed,
            fields["flags"],
            fields["method"],
            0,
            0x21,
            fields["crc"],
            fields["compressed"],
            fields["size"],
            len(name),
            len(extra),
        )
        + name
        + extra
    )


def _descriptor(entry: Entry) -> bytes:
    if not entry.descriptor:
        return b""
    values = {"crc": entry.crc, "compressed": len(entry.data), "size": entry.size}
    values.update(entry.descriptor_fields)
    body = struct.pack("<IQQ" if entry.zip64_local else "<III", values["crc"], values["compressed"], values["size"])
    return (b"PK\x07\x08" if entry.descriptor == "signed" else b"") + body


def _central(entry: Entry, offset: int) -> bytes:
    compressed, size, where, extra = len(entry.data), entry.size, offset, b""
    if entry.zip64_central:
        extra = struct.pack("<HHQQQ", 1, 24 + entry.zip64_pad, size, compressed, offset) + b"\x00" * entry.zip64_pad
        compressed = size = where = 0xFFFFFFFF
    extra += entry.central_extra
    return (
        struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            0x031E,
            45 if entry.zip64_central else entry.needed,
            _flags(entry),
            entry.method,
            0,
            0x21,
            entry.crc,
            compressed,
            size,
            len(entry.name),
            len(extra),
            0,
            0,
            0,
            entry.mode << 16,
            where,
        )
        + entry.name
        + extra
    )


# -- the readers ----------------------------------------------------------------------------


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def read_musldetect(path: str) -> Outcome:
    """The container as the audit accepts it, and its RECORD held to the bytes: a gate
    passes a wheel only when both hold."""
    fd = os.open(path, os.O_RDONLY)
    try:
        archive = WheelZip(path, fd)
        files, seen = [], {}
        for member in archive.members:
            if member.is_directory:
                continue
            hasher = hashlib.sha256()
            for piece in archive.stream(member):
                hasher.update(piece)
            seen[member.name] = _record.FileSeen("sha256", _record.encoded(hasher.digest()), member.size)
            files.append((member.name, hasher.hexdigest()[:16]))
        at = _record.record_name([member.name for member in archive.members])
        record_member = archive.member(at) if at else None
        record = (
            _record.parse_record(at, archive.read(record_member, 1 << 26).decode("utf-8", "replace"))
            if at and record_member
            else None
        )
        seen.pop(at or "", None)
        problems = _record.record_problems(record, seen)
        if problems:
            return Outcome(None, "RecordMismatch")
        return Outcome(tuple(sorted(files)), "")
    except ZipRefused as exc:
        return Outcome(None, exc.defect)
    except WheelError:
        return Outcome(None, "NotAZip")
    finally:
        os.close(fd)


def read_zipfile(path: str) -> Outcome:
    try:
        with zipfile.ZipFile(path) as archive:
            return Outcome(
                tuple(
                    sorted(
                        (info.filename, _digest(archive.read(info)))
                        for info in archive.infolist()
                        if not info.filename.endswith("/")
                    )
                ),
                "",
            )
    except Exception as exc:  # any failure is a refusal, whatever zipfile raises
        return Outcome(None, type(exc).__name__)


def read_streaming(path: str) -> Outcome:
    """Local headers from byte 0 in order, as a streaming installer meets them; the sizes
    from the local header, or for a data descriptor, where the deflate stream ends."""
    with open(path, "rb") as fh:
        data = fh.read()
    files, at = [], 0
    try:
        while data[at : at + 4] == b"PK\x03\x04":
            flags, method, crc, compressed, size, name_length, extra_length = struct.unpack_from(
                "<2xHH4xIIIHH", data, at + 4
            )
            name = data[at + 30 : at + 30 + name_length].decode("utf-8")
            extra = data[at + 30 + name_length : at + 30 + name_length + extra_length]
            zip64 = extra[:2] == b"\x01\x00"
            if zip64:
                size, compressed = struct.unpack_from("<QQ", extra, 4)
            at += 30 + name_length + extra_length
            if flags & 0x0008:
                if method != zipfile.ZIP_DEFLATED:
                    return Outcome(None, "StreamingCannotFindEnd")
                inflate = zlib.decompressobj(-15)
                content = inflate.decompress(data[at:])
                compressed = len(data) - at - len(inflate.unused_data)
                at += compressed
                if data[at : at + 4] == b"PK\x07\x08":
                    at += 4
                crc, compressed_said, size = struct.unpack_from("<IQQ" if zip64 else "<III", data, at)
                at += 20 if zip64 else 12
            else:
                content = _inflate(data[at : at + compressed], method)
                at += compressed
            if zlib.crc32(content) != crc or len(content) != size:
                return Outcome(None, "StreamingBadCrc")
            if not name.endswith("/"):
                files.append((name, _digest(content)))
    except Exception as exc:
        return Outcome(None, type(exc).__name__)
    if data[at : at + 4] != b"PK\x01\x02" and data[at : at + 4] != b"PK\x05\x06":
        return Outcome(None, "StreamingNoDirectory")
    return Outcome(tuple(sorted(files)), "")


def _inflate(raw: bytes, method: int) -> bytes:
    if method == zipfile.ZIP_STORED:
        return raw
    if method == zipfile.ZIP_DEFLATED:
        return zlib.decompress(raw, -15)
    if method == zipfile.ZIP_BZIP2:
        import bz2

        return bz2.decompress(raw)
    raise ValueError(f"method {method}")


def _installed(root: str) -> Files:
    found = []
    for directory, _dirs, names in os.walk(root):
        for name in names:
            full = os.path.join(directory, name)
            relative = os.path.relpath(full, root).replace(os.sep, "/")
            with open(full, "rb") as fh:
                found.append((relative, _digest(fh.read())))
    return tuple(sorted(found))


def installed_view(files: Files) -> Files:
    """The files an installer puts in the package root: not .dist-info (installers
    rewrite it) nor .data (they move it), nor directories of their own (bin)."""
    return tuple(
        item
        for item in files
        if not item[0].split("/", 1)[0].endswith((".dist-info", ".data"))
        and not item[0].startswith(("bin/", "__pycache__/"))
        and "/__pycache__/" not in item[0]
        and item[0] != ".lock"
    )  # uv's lock on a --target directory


_SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None  # installs are many small writes


def read_installer(path: str) -> Outcome:
    from installer import install
    from installer.destinations import SchemeDictionaryDestination
    from installer.sources import WheelFile

    target = tempfile.mkdtemp(prefix="zipharness-installer-", dir=_SCRATCH)
    try:
        scheme = {
            key: os.path.join(target, "lib" if key in ("purelib", "platlib") else key)
            for key in ("purelib", "platlib", "headers", "scripts", "data")
        }
        with WheelFile.open(Path(path)) as source:
            source.validate_record()
            install(source, SchemeDictionaryDestination(scheme, sys.executable, "posix"), {})
        return Outcome(installed_view(_installed(os.path.join(target, "lib"))), "")
    except Exception as exc:
        return Outcome(None, type(exc).__name__)
    finally:
        shutil.rmtree(target, ignore_errors=True)


def _read_by_process(path: str, command: Callable[[str, str], List[str]]) -> Outcome:
    """An installer process on a copy named for any Python and platform (the real tags
    would make it refuse to install on this host before it reads the container)."""
    target = tempfile.mkdtemp(prefix="zipharness-process-", dir=_SCRATCH)
    distribution, version = os.path.basename(path).split("-")[:2]
    anywhere = os.path.join(target, f"{distribution}-{version}-py3-none-any.whl")
    shutil.copy(path, anywhere)
    try:
        proc = subprocess.run(
            command(os.path.join(target, "into"), anywhere),
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "UV_NO_CACHE": "1", "PIP_NO_INPUT": "1"},
        )
        if proc.returncode != 0:
            return Outcome(
                None,
                "exit " + str(proc.returncode) + ": " + proc.stderr.strip().splitlines()[-1][:120]
                if proc.stderr.strip()
                else "exit " + str(proc.returncode),
            )
        return Outcome(installed_view(_installed(os.path.join(target, "into"))), "")
    finally:
        shutil.rmtree(target, ignore_errors=True)


def read_pip(path: str) -> Outcome:
    return _read_by_process(
        path,
        lambda target, wheel: [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--no-compile",
            "--disable-pip-version-check",
            "--target",
            target,
            wheel,
        ],
    )


def uv_binary() -> Optional[str]:
    """uv's program: where its own package says it is (a --target install keeps it in
    site-packages/bin, as the musl interpreter's does), else beside this Python or on PATH."""
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        pass
    beside = os.path.join(os.path.dirname(sys.executable), "uv")
    return beside if os.access(beside, os.X_OK) else shutil.which("uv")


def read_uv(path: str) -> Outcome:
    uv = uv_binary()
    assert uv is not None
    return _read_by_process(
        path,
        lambda target, wheel: [
            uv,
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--offline",
            "--no-cache",
            "--no-compile",
            "--python",
            sys.executable,
            "--target",
            target,
            wheel,
        ],
    )


# -- mutations --------------------------------------------------------------------------------


class Mutant(NamedTuple):
    kind: str
    data: bytes


def _replace(entries: Sequence[Entry], index: int, **changes: Any) -> Tuple[Entry, ...]:
    changed = list(entries)
    changed[index] = changed[index]._replace(**changes)
    return tuple(changed)


def structured_mutants(base: Tuple[Entry, ...], rng: random.Random) -> Iterator[Mutant]:
    """One of each structural change, at a random entry: the shapes uv#15136 lists and
    the name collisions a file system makes."""
    pick = rng.randrange(len(base))
    entry = base[pick]
    other = rng.choice([e for e in base if e.name != entry.name] or [entry])
    zip64 = rng.random() < 0.3
    plain = Layout(base)
    yield Mutant("unchanged", serialise(plain))
    yield Mutant(
        "descriptor-signed", serialise(Layout(tuple(e._replace(descriptor="signed", zip64_local=zip64) for e in base)))
    )
    yield Mutant("descriptor-bare", serialise(Layout(_replace(base, pick, descriptor="bare"))))
    yield Mutant("zip64-local", serialise(Layout(_replace(base, pick, zip64_local=True))))
    yield Mutant("zip64-central", serialise(Layout(_replace(base, pick, zip64_central=True))))
    yield Mutant("zip64-end", serialise(Layout(base, zip64_end=True)))
    yield Mutant("zip64-locator-offset", serialise(Layout(base, zip64_end=True, locator_shift=rng.choice((-1, 4, 8)))))
    for field in ("crc", "compressed", "size", "method", "flags"):
        value = {
            "crc": entry.crc ^ 1,
            "compressed": len(entry.data) + 1,
            "size": entry.size + 1,
            "method": zipfile.ZIP_STORED if entry.method else zipfile.ZIP_DEFLATED,
            "flags": entry.flags ^ 0x0800,
        }[field]
        yield Mutant(f"local-{field}", serialise(Layout(_replace(base, pick, local_fields=((field, value),)))))
    for field in ("crc", "compressed", "size"):
        shifted = {"crc": entry.crc ^ 0x10, "compressed": len(entry.data) ^ 1, "size": entry.size + 7}[field]
        yield Mutant(
            f"descriptor-{field}",
            serialise(
                Layout(
                    _replace(
                        base, pick, descriptor=rng.choice(("signed", "bare")), descriptor_fields=((field, shifted),)
                    )
                )
            ),
        )
    yield Mutant("local-name", serialise(Layout(_replace(base, pick, local_name=other.name))))
    yield Mutant("missing-central-entry", serialise(Layout(_replace(base, pick, in_central=False))))
    yield Mutant("repeated-central-entry", serialise(Layout(_replace(base, pick, central_copies=2))))
    hidden = new_entry(entry.name.decode("utf-8", "replace"), b"\x7fELF evil twin")
    yield Mutant("repeated-entry", serialise(Layout(base + (hidden,))))
    yield Mutant(
        "hidden-local-entry",
        serialise(Layout(base[:pick] + (hidden._replace(name=b"hidden/evil.so", in_central=False),) + base[pick:])),
    )
    yield Mutant("central-offset", serialise(Layout(base, cd_offset_shift=rng.choice((-1, 1, 4)))))
    yield Mutant("entry-count", serialise(Layout(base, count_shift=rng.choice((-1, 1)))))
    noise = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    yield Mutant("prepended", serialise(Layout(base, prefix=noise)))
    yield Mutant("prepended-shifted", serialise(Layout(base, prefix=b"#!/bin/sh\n" * 3, offsets_after_prefix=True)))
    yield Mutant("appended", serialise(plain) + rng.choice((b"\x00", b"junk", serialise(Layout((hidden,))))))
    yield Mutant("comment", serialise(Layout(base, comment=b"built by hand")))
    yield Mutant("comment-zip", serialise(Layout(base, comment=serialise(Layout((hidden,))))))
    name = entry.name.decode("utf-8", "replace")
    yield Mutant(
        "name-case",
        serialise(Layout(base + (new_entry(name.upper() if name != name.upper() else name.lower(), b"twin"),))),
    )
    yield Mutant(
        "name-nfd",
        serialise(
            Layout(
                base
                + (
                    new_entry("pkg/caf\u00e9.py", b"a"),
                    new_entry(unicodedata.normalize("NFD", "pkg/caf\u00e9.py"), b"b"),
                )
            )
        ),
    )
    yield Mutant("name-file-and-directory", serialise(Layout(base + (new_entry(name + "/inner", b"x"),))))
    for unsafe in ("../escape.py", "/abs.py", "pkg\\win.py", "pkg/./dot.py", "pkg//twice.py"):
        yield Mutant("name-unsafe", serialise(Layout(base + (new_entry(unsafe, b"x"),))))
    yield Mutant("name-cp437", serialise(Layout(base + (new_entry("pkg/caf\u00e9.py", b"x")._replace(flags=0),))))
    yield Mutant("method-unknown", serialise(Layout(_replace(base, pick, method=99))))


def byte_mutants(wheel: bytes, rng: random.Random, count: int) -> Iterator[Mutant]:
    """Random flips: one byte, one bit or a little-endian field near a signature."""
    starts = [at for at in range(len(wheel) - 4) if wheel[at : at + 2] == b"PK" and wheel[at + 2] in (1, 3, 5, 6, 7)]
    for _ in range(count):
        data = bytearray(wheel)
        if starts and rng.random() < 0.8:
            at = rng.choice(starts) + rng.randrange(4, 46)
        else:
            at = rng.randrange(len(data))
        if at >= len(data):
            continue
        data[at] = rng.choice((data[at] ^ (1 << rng.randrange(8)), rng.randrange(256), 0, 0xFF))
        yield Mutant("byte-flip", bytes(data))


# -- the rule ---------------------------------------------------------------------------------


ZIP_READERS: Dict[str, Callable[[str], Outcome]] = {"zipfile": read_zipfile, "streaming": read_streaming}


def _has_installer() -> bool:
    try:
        import installer  # noqa: F401
    except ImportError:  # pypa's installer needs Python 3.9+
        return False
    return True


INSTALLERS: Dict[str, Callable[[str], Outcome]] = {"installer": read_installer} if _has_installer() else {}


class Verdict(NamedTuple):
    kind: str
    refused_by_musldetect: str  # the defect, "" when accepted
    disagreement: bool  # the other readers did not all read the same
    violation: str  # "" when the rule holds, else what broke it


def judge(path: str, kind: str, processes: Sequence[str] = (), installers: bool = True) -> Verdict:
    """One mutant read by every reader; the in-process installer runs where ``installers``
    or where musldetect accepts (the only case where its reading can break the rule)."""
    ours = read_musldetect(path)
    readings = {name: read(path) for name, read in ZIP_READERS.items()}
    installs = {name: read(path) for name, read in INSTALLERS.items()} if installers or ours.files else {}
    for name in processes:
        installs[name] = {"pip": read_pip, "uv": read_uv}[name](path)
    zip_views = {r.files for r in readings.values()}
    install_views = {r.files for r in installs.values()} | {
        installed_view(r.files) if r.files is not None else None for r in readings.values()
    }
    disagreement = len(zip_views) > 1 or len(install_views) > 1
    if ours.files is None:
        return Verdict(kind, ours.why, disagreement, "")
    for name, outcome in readings.items():
        if outcome.files != ours.files:
            return Verdict(kind, "", disagreement, f"{name} reads otherwise ({outcome.why or 'other files'})")
    for name, outcome in installs.items():
        if outcome.files != installed_view(ours.files):
            return Verdict(kind, "", disagreement, f"{name} installs otherwise ({outcome.why or 'other files'})")
    return Verdict(kind, "", disagreement, "")


def wheel_folder() -> str:
    """The cached pinned real wheels (tests/audit/fetch-wheels.sh): MUSLDETECT_WHEELS, else
    the cache's folder."""
    cache = os.environ.get("MUSLDETECT_CACHE", os.path.expanduser("~/.cache/musldetect"))
    return os.environ.get("MUSLDETECT_WHEELS") or os.path.join(cache, "wheels")


def base_wheels(folder: str, limit_bytes: int = 250_000) -> List[str]:
    """The small real wheels of ``folder`` (mutants of each are read many times)."""
    found = sorted(glob.glob(os.path.join(folder, "*.whl")), key=os.path.getsize)
    return [path for path in found if os.path.getsize(path) <= limit_bytes] or found[:1]


class Report(NamedTuple):
    mutants: int
    refused: Counter  # defect class -> count
    disagreements: int
    violations: List[str]


def run(
    bases: Sequence[str],
    count: int,
    seed: int,
    work: str,
    processes: Sequence[str] = (),
    process_every: int = 1,
    installer_every: int = 1,
) -> Report:
    rng = random.Random(seed)
    refused: Counter = Counter()
    violations: List[str] = []
    mutants = disagreements = 0
    while mutants < count:
        base_path = rng.choice(list(bases))
        with open(base_path, "rb") as fh:
            wheel = fh.read()
        entries = entries_of(wheel)
        batch = list(structured_mutants(entries, rng)) + list(byte_mutants(wheel, rng, 20))
        for mutant in batch:
            if mutants >= count:
                break
            path = os.path.join(work, os.path.basename(base_path))
            with open(path, "wb") as fh:
                fh.write(mutant.data)
            verdict = judge(
                path, mutant.kind, processes if mutants % process_every == 0 else (), mutants % installer_every == 0
            )
            mutants += 1
            disagreements += verdict.disagreement
            if verdict.refused_by_musldetect:
                refused[verdict.refused_by_musldetect] += 1
            if verdict.violation:
                kept = os.path.join(work, f"violation-{len(violations)}-{mutant.kind}.whl")
                shutil.copy(path, kept)
                violations.append(f"{mutant.kind} of {os.path.basename(base_path)}: {verdict.violation} ({kept})")
    return Report(mutants, refused, disagreements, violations)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=30)
    parser.add_argument("--long", action="store_true", help="pip and uv too, every --every-th mutant")
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("wheels", nargs="*")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="zipharness-")
    processes = ("uv", "pip") if args.long else ()
    report = run(args.wheels or base_wheels(wheel_folder()), args.count, args.seed, work, processes, args.every)
    print(
        f"mutants {report.mutants}, disagreements among the other readers {report.disagreements}, "
        f"refused by musldetect {sum(report.refused.values())}, violations {len(report.violations)}"
    )
    for defect, number in report.refused.most_common():
        print(f"  {defect:48} {number}")
    for line in report.violations[:20]:
        print("VIOLATION", line)
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
