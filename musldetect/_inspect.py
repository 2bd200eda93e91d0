"""Static analysis of any ELF file: which C library it was built for, and which version.

Nothing is executed. An executable is followed through its PT_INTERP to the loader
(resolved inside ``root`` when given, symlinks included); a C library or loader is read
directly; a static executable or a shared library is judged by what it contains.
"""

from __future__ import annotations

import itertools
import os
import re
import struct
from typing import Optional

from . import _rules
from ._api import build_info
from ._elf import NT_GNU_ABI_TAG, ELFFile
from ._types import ELFError, LibcInfo, RawLibc

MAX_SYMLINKS = 40
_LIBC_SONAME = re.compile(r"(libc\.so(\.6)?|libc\.musl-[a-z0-9_]+\.so\.1|ld-.*\.so.*|ld64\.so\.[12])$")
_MUSL_NEEDED = re.compile(r"libc\.so|libc\.musl-[a-z0-9_]+\.so\.1")
# Strings only musl's static library carries (its strerror text for errno 0 / unknown).
_MUSL_STATIC_MARK = b"No error information\x00"
_GLIBC_STATIC_MARK = b"GLIBC_TUNABLES"


def resolve_in_root(path: str, root: str) -> str:
    """Resolve ``path`` as if ``root`` were ``/``: absolute symlinks stay inside root."""
    root = os.path.abspath(root)
    parts = [p for p in path.split("/") if p not in ("", ".")]
    resolved: list = []
    followed = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = os.path.join(root, *resolved, part)
        if os.path.islink(candidate):
            followed += 1
            if followed > MAX_SYMLINKS:
                raise ELFError(f"{path}: too many symbolic links under {root} (a loop?)")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            parts = [p for p in target.split("/") if p not in ("", ".")] + parts
            continue
        resolved.append(part)
    return os.path.join(root, *resolved)


def read_libc_file(elf: ELFFile) -> Optional[RawLibc]:
    """If ``elf`` is musl's or glibc's C library (or glibc's ld.so), describe it."""
    # Read lazily: the musl search usually stops at the first (read-only data) segment.
    source = elf.readonly_segment_data()
    seen: list = []

    def remembered():  # type: ignore[no-untyped-def]
        for data in source:
            seen.append(data)
            yield data

    is_musl, version, reason = _rules.musl_version_from_segments(remembered())
    if is_musl:
        floor, time64 = None, None
        dynstr, _ = elf.dynamic_strings()
        if dynstr is not None:
            floor, time64 = _rules.musl_lower_bound(dynstr)
        return RawLibc("musl", version, elf.path, False, None, floor, time64, reason)
    is_glibc, version, reason = _rules.glibc_version_from_segments(itertools.chain(seen, remembered()))
    if is_glibc:
        return RawLibc("glibc", version, elf.path, False, None, reason=reason)
    return None


def _glibc_beside_loader(loader: ELFFile) -> Optional[RawLibc]:
    # Before glibc 2.35 ld.so carries no version banner; libc.so.6 sits in the same directory.
    sibling = os.path.join(os.path.dirname(os.path.realpath(loader.path)), "libc.so.6")
    try:
        with ELFFile(sibling) as libc6:
            return read_libc_file(libc6)
    except (OSError, ELFError):
        return None


def _follow_interpreter(interp: str, root: Optional[str], arch: str) -> RawLibc:
    loader_path = resolve_in_root(interp, root) if root is not None else interp
    with ELFFile(loader_path) as loader:
        if loader.arch != arch:
            raise ELFError(f"{loader_path}: PT_INTERP loader is built for {loader.arch}, the program for {arch}")
        raw = read_libc_file(loader)
        if raw is None or (raw.family == "glibc" and raw.version_string is None):
            beside = _glibc_beside_loader(loader)
            if beside is not None:
                raw = beside
        if raw is None:
            return RawLibc(None, None, loader_path, False, interp,
                           reason=f"the loader {loader_path} is neither musl's nor glibc's")
        return raw._replace(interpreter=interp)


def _static_family(elf: ELFFile) -> RawLibc:
    # glibc's start files carry the GNU ABI tag note; musl's carry no notes.
    for name, note_type, desc in elf.notes():
        if name == b"GNU" and note_type == NT_GNU_ABI_TAG and len(desc) >= 16:
            os_code, *kernel = struct.unpack(elf.byteorder + "IIII", desc[:16])
            return RawLibc("glibc", None, elf.path, True,
                           reason="statically linked with glibc (GNU ABI tag, kernel "
                                  f"{'.'.join(map(str, kernel))}): the version is not recorded in it")
    for data in elf.readonly_segment_data():
        if _MUSL_STATIC_MARK in data:
            return RawLibc("musl", None, elf.path, True,
                           reason="statically linked with musl: a static program records no musl version")
        if _GLIBC_STATIC_MARK in data:
            return RawLibc("glibc", None, elf.path, True,
                           reason="statically linked with glibc: the version is not recorded in it")
    return RawLibc(None, None, elf.path, True, reason="statically linked; no musl or glibc marks found")


def describe(elf: ELFFile, root: Optional[str]) -> RawLibc:
    soname, needed = elf.dynamic_names()
    interp = elf.interpreter
    if interp is None or (soname and _LIBC_SONAME.match(soname)):  # glibc's libc.so.6 has a PT_INTERP
        raw = read_libc_file(elf)
        if raw is not None:
            return raw._replace(interpreter=interp)
    if interp is not None:
        return _follow_interpreter(interp, root, elf.arch)
    if not elf.is_dynamic:
        return _static_family(elf)
    if "libc.so.6" in needed:
        return RawLibc("glibc", None, None, False,
                       reason="a shared library linked against glibc (libc.so.6); it records no version")
    musl_needed = [n for n in needed if _MUSL_NEEDED.fullmatch(n)]
    if musl_needed:
        return RawLibc("musl", None, None, False,
                       reason=f"a shared library linked against musl ({musl_needed[0]}); it records no version")
    return RawLibc(None, None, None, False, reason="no PT_INTERP and no C library among DT_NEEDED")


def inspect(path: "os.PathLike[str] | str", *, root: "os.PathLike[str] | str | None" = None) -> LibcInfo:
    """Which C library an ELF file uses, read from the file alone (it is never run).

    Raises ELFError for malformed input and FileNotFoundError/PermissionError/
    IsADirectoryError for the file itself.
    """
    path = os.fspath(path)
    root_dir = os.fspath(root) if root is not None else None
    if root_dir is not None and not os.path.isdir(root_dir):
        raise NotADirectoryError(20, "root is not a directory", root_dir)
    with ELFFile(path) as elf:
        raw = describe(elf, root_dir)
        return build_info(raw, "inspect", elf.arch, elf.bits)
