"""Reading the input: a wheel (zip), a directory or one ELF file -> the facts the judge needs.

A wheel is read member by member from its zip (an ELF member is spooled to an unnamed
temporary file so the reader can seek, or under a directory when its binaries are to be
resolved; nothing else is extracted), a directory is walked without following links, and
every ELF program or library is read with ``_binary``. The tags a wheel declares come from
its file name and its WHEEL file, both kept so the judge can compare them.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from typing import List, NamedTuple, Optional, Set

from .._elf import ELFFile
from .._rootfs import host_is_directory, host_regular_files, open_regular_file, read_host_file, spool_file
from .._types import WheelError
from ._binary import BinaryFacts, binary_facts

ELF_MAGIC = b"\x7fELF"
MAX_MEMBERS = 200_000  # members a wheel may list
MAX_MEMBER_SIZE = 4 << 30  # uncompressed bytes one ELF member may declare
MAX_RATIO = 1000  # declared size / compressed size above which a member is a zip bomb
MAX_METADATA = 1 << 20  # the WHEEL file is read up to this much
_COPY_CHUNK = 1 << 20
# Members by these endings are not read: they are never loaded as binaries, and opening
# each of a large pure part costs more than auditing the binaries.
NOT_BINARY = (".py", ".pyi", ".pyc", ".pyx", ".pxd", ".pxi", ".txt", ".md", ".rst", ".json", ".toml", ".cfg",
              ".ini", ".h", ".hpp", ".c", ".cc", ".cpp", ".html", ".js", ".css", ".csv", ".typed", ".pem",
              ".xml", ".yaml", ".yml", ".png", ".jpg", ".svg", ".gif", ".ico", "/RECORD", "/METADATA", "/WHEEL")


class Input(NamedTuple):
    """What the judge reads: the kind of input, its binaries' facts, and the full tags
    (python-abi-platform) its file name and its WHEEL file declare (None: no such place)."""

    kind: str  # "wheel", "directory" or "file"
    binaries: List[BinaryFacts]
    name_tags: Optional[Set[str]]
    wheel_tags: Optional[Set[str]]


class ReadInput(NamedTuple):
    """The input's facts, and the host directory its binaries' paths are relative to
    (a wheel's spool directory; empty when the members were not spooled under one)."""

    found: Input
    files_at: str


def read_input(path: str, spool: Optional[str]) -> ReadInput:
    """The facts of a wheel, a directory or one ELF file; a wheel's ELF members are
    spooled under ``spool`` (keeping their paths) when it is given."""
    if host_is_directory(path):
        return ReadInput(_read_directory(path), path)
    fd = open_regular_file(path)  # refuses FIFOs and devices without blocking
    try:
        head = os.pread(fd, 4, 0)
        if head == ELF_MAGIC:
            with ELFFile(path, descriptor=fd) as elf:
                found = Input("file", [binary_facts(elf, os.path.basename(path))], None, None)
            return ReadInput(found, os.path.dirname(os.path.abspath(path)))
        if head.startswith(b"PK") or path.endswith(".whl"):
            return ReadInput(_read_wheel(path, fd, spool), spool or "")
        raise WheelError(f"{path}: neither a wheel (zip), a directory nor an ELF file")
    finally:
        os.close(fd)


def _read_wheel(path: str, fd: int, spool: Optional[str] = None) -> Input:
    try:
        archive = zipfile.ZipFile(os.fdopen(os.dup(fd), "rb"))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise WheelError(f"{path}: not a readable wheel (zip): {exc}") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise WheelError(f"{path}: {len(infos)} members, more than {MAX_MEMBERS}")
        seen: Set[str] = set()
        for info in infos:
            _check_member_name(path, info.filename, seen)
        binaries = []
        wheel_tags = None
        for info in infos:
            name = info.filename
            if name.endswith("/"):
                continue
            if _is_wheel_file(name):
                text = _read_member(path, archive, info, MAX_METADATA).decode("utf-8", "replace")
                wheel_tags = _wheel_file_tags(text)
                continue
            if name.endswith(NOT_BINARY) or info.file_size < 52:
                continue
            facts = _read_member_binary(path, archive, info, spool)
            if facts is not None:
                binaries.append(facts)
    return Input("wheel", binaries, _file_name_tags(os.path.basename(path)), wheel_tags)


def _check_member_name(path: str, name: str, seen: Set[str]) -> None:
    if name in seen:
        raise WheelError(f"{path}: member {name!r} is listed twice")
    seen.add(name)
    parts = name.replace("\\", "/").split("/")
    if name.startswith("/") or "\\" in name or ".." in parts or "\x00" in name or (parts[0].endswith(":")):
        raise WheelError(f"{path}: member {name!r} is not a relative path inside the wheel")


def _is_wheel_file(name: str) -> bool:
    head, _, tail = name.partition("/")
    return head.endswith(".dist-info") and tail == "WHEEL"


def _bomb_check(path: str, info: zipfile.ZipInfo) -> None:
    if info.file_size > MAX_MEMBER_SIZE:
        raise WheelError(f"{path}: member {info.filename!r} declares {info.file_size} bytes, more than "
                         f"{MAX_MEMBER_SIZE >> 30} GiB")
    if info.file_size > _COPY_CHUNK and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise WheelError(f"{path}: member {info.filename!r} would expand {info.compress_size} bytes to "
                         f"{info.file_size} (more than {MAX_RATIO}:1): a zip bomb?")


def _read_member(path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    _bomb_check(path, info)
    try:
        with archive.open(info) as member:
            return member.read(limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise WheelError(f"{path}: member {info.filename!r} cannot be read: {exc}") from exc


def _read_member_binary(path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                        directory: Optional[str] = None) -> Optional[BinaryFacts]:
    """The facts of one member when it is ELF, read from a spooled copy (an unnamed
    temporary file, or the member's own path under ``directory`` when the binaries are to
    be resolved); None otherwise."""
    _bomb_check(path, info)
    shown = f"{path}!{info.filename}"
    try:
        with archive.open(info) as member:
            head = member.read(4)
            if head != ELF_MAGIC:
                return None
            with spool_file(directory, info.filename) as spool:
                spool.write(head)
                copied = len(head)
                while True:
                    chunk = member.read(_COPY_CHUNK)
                    if not chunk:
                        break
                    copied += len(chunk)
                    if copied > info.file_size:
                        raise WheelError(f"{path}: member {info.filename!r} is longer than it declares")
                    spool.write(chunk)
                spool.flush()
                with ELFFile(shown, descriptor=spool.fileno()) as elf:
                    return binary_facts(elf, info.filename)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise WheelError(f"{path}: member {info.filename!r} cannot be read: {exc}") from exc


def _read_directory(top: str) -> Input:
    binaries = []
    wheel_files = []
    for relative, full in host_regular_files(top):
        if _is_wheel_file(relative):
            wheel_files.append(full)
            continue
        if relative.endswith(NOT_BINARY):
            continue
        fd = open_regular_file(full)
        try:
            if os.pread(fd, 4, 0) != ELF_MAGIC:
                continue
            with ELFFile(full, descriptor=fd) as elf:
                binaries.append(binary_facts(elf, relative))
        finally:
            os.close(fd)
    wheel_tags = None
    if len(wheel_files) == 1:  # an unpacked wheel; a site-packages holds many, and declares nothing whole
        wheel_tags = _wheel_file_tags(read_host_file(wheel_files[0], MAX_METADATA).decode("utf-8", "replace"))
    return Input("directory", binaries, None, wheel_tags)


def _file_name_tags(name: str) -> Optional[Set[str]]:
    """The tags a wheel's file name declares (compressed sets expanded), None if it is not
    a wheel name."""
    if not name.endswith(".whl"):
        return None
    parts = name[:-4].split("-")
    if len(parts) not in (5, 6):
        return None
    pythons, abis, platforms = (part.split(".") for part in parts[-3:])
    return {f"{p}-{a}-{t}" for p in pythons for a in abis for t in platforms}


def _wheel_file_tags(text: str) -> Set[str]:
    """The WHEEL file's ``Tag:`` lines, each expanded (some build tools write them in the
    file name's compressed form, ``cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64``)."""
    tags: Set[str] = set()
    for line in text.splitlines():
        if line.startswith("Tag:"):
            parts = line.split(":", 1)[1].strip().split("-")
            if len(parts) == 3:
                pythons, abis, platforms = (part.split(".") for part in parts)
                tags.update(f"{p}-{a}-{t}" for p in pythons for a in abis for t in platforms)
    return tags
