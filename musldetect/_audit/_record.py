"""A wheel's RECORD (the binary distribution format's manifest): each file's hash and size.

Installers (pip, uv, pypa's installer) write RECORD into the environment and some check
it; a wheel whose RECORD does not describe its files is inconsistent whatever its
binaries allow. The hashes are computed while the members stream through the audit, so
checking them costs one hash per byte already being read.
"""

from __future__ import annotations

import binascii
import csv
import hashlib
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Protocol, Tuple

# The wheel specification: sha256 or stronger; md5 and sha1 are refused.
ALLOWED = ("sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s")
SIGNATURES = ("RECORD.jws", "RECORD.p7s")  # listed without a hash, if at all
MAX_RECORD = 64 << 20  # bytes of RECORD read into memory


class Hasher(Protocol):
    @property
    def name(self) -> str: ...

    def update(self, data: bytes | memoryview, /) -> None: ...

    def digest(self) -> bytes: ...


class RecordRow(NamedTuple):
    algorithm: str
    digest: str  # urlsafe base64 without padding, as written
    size: Optional[int]


class Record(NamedTuple):
    """What RECORD says, and what is wrong with it as text (duplicate rows, bad fields)."""

    path: str  # the RECORD member's own name
    rows: Dict[str, RecordRow]
    problems: List[str]


def record_name(names: List[str]) -> Optional[str]:
    """The RECORD of the wheel's one ``.dist-info`` directory, None without exactly one."""
    found = [name for name in names if name.count("/") == 1 and name.endswith(".dist-info/RECORD")]
    return found[0] if len(found) == 1 else None


def _rows(text: str) -> Iterator[List[str]]:
    """RECORD's rows as csv reads them. In a text without a quote or a NUL no field spans
    lines, and a line with two commas, no longer than csv's field limit, is the three
    fields between them: split so, without csv's cost (numpy's 818 rows, 0.5 ms); any other
    line (csv refuses a field past its limit), or any text with a quote or a NUL, is csv's
    to read."""
    lines = text.splitlines()
    if '"' in text or "\0" in text:
        yield from csv.reader(lines)
        return
    longest = csv.field_size_limit()
    for line in lines:
        if line.count(",") == 2 and len(line) <= longest:
            yield line.split(",")
        else:
            yield from csv.reader([line])


def parse_record(path: str, text: str) -> Record:
    rows: Dict[str, RecordRow] = {}
    problems: List[str] = []
    for fields in _rows(text):
        if len(fields) != 3:
            if fields:
                problems.append(f"RECORD row {fields!r} has {len(fields)} fields, not 3")
            continue
        name, hashed, size = fields
        if name in rows:
            problems.append(f"RECORD lists {name!r} twice")
        algorithm, _, digest = hashed.partition("=")
        sized = size.isdigit()
        rows[name] = RecordRow(algorithm, digest, int(size) if sized else None)
        if sized and digest and algorithm in ALLOWED:  # most rows: nothing more to ask
            continue
        if name == path or name.rsplit("/", 1)[-1] in SIGNATURES:
            continue
        if algorithm not in ALLOWED or not digest:
            problems.append(f"RECORD gives {name!r} no usable hash ({hashed!r})")
        if not sized:
            problems.append(f"RECORD gives {name!r} no size ({size!r})")
    return Record(path, rows, problems)


def hasher_for(record: Optional[Record], name: str) -> Hasher:
    """The hash RECORD names for ``name`` (sha256 when it names none usable)."""
    row = record.rows.get(name) if record is not None else None
    return _HASHERS[row.algorithm if row is not None and row.algorithm in ALLOWED else "sha256"]()


# Each allowed hash's constructor: hashlib.sha256() costs a third of hashlib.new("sha256"),
# and this runs once per member.
_HASHERS: Dict[str, Callable[[], Hasher]] = {name: getattr(hashlib, name) for name in ALLOWED}


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def encoded(digest: bytes) -> str:
    """RECORD's form of a digest: URL-safe base64 without padding (binascii directly, as
    this runs once per member and base64's wrappers cost as much as the encoding)."""
    return binascii.b2a_base64(digest, newline=False).rstrip(b"=").translate(_URL_SAFE).decode("ascii")


class FileSeen(NamedTuple):
    algorithm: str
    digest: str
    size: int


def seen(hasher: Hasher, size: int) -> FileSeen:
    """A member as read: the hash RECORD asked for, of all ``size`` bytes, in RECORD's form."""
    return FileSeen(hasher.name, encoded(hasher.digest()), size)


def record_problems(record: Optional[Record], seen: Dict[str, FileSeen]) -> List[str]:
    """Why RECORD does not describe the files the wheel holds: missing, a file it leaves
    out, lists but the wheel lacks, or gives another hash or size."""
    if record is None:
        return ["the wheel has no RECORD in exactly one .dist-info directory"]
    rows = record.rows
    found_wrong: List[Tuple[str, str]] = []  # (name, problem): sorted by name once, not every name sorted
    for name, found in seen.items():
        row = rows.get(name)
        if row is not None and row.digest:
            if row.algorithm in ALLOWED and (row.digest, row.size) != (found.digest, found.size):
                found_wrong.append(
                    (
                        name,
                        f"RECORD says {name!r} is {row.size} bytes with {row.algorithm} {row.digest}, the wheel "
                        f"holds {found.size} bytes with {found.digest}",
                    )
                )
        elif row is None and name.rsplit("/", 1)[-1] not in SIGNATURES:
            found_wrong.append((name, f"RECORD does not list {name!r}"))
    problems = list(record.problems) + [problem for _, problem in sorted(found_wrong)]
    for name in sorted(set(rows) - set(seen) - {record.path}):
        if not name.endswith("/"):
            problems.append(f"RECORD lists {name!r}, which the wheel does not hold")
    return problems
