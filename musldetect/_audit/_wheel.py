"""audit(): may a wheel carry the platform tags it declares, and which file and symbol decide.

A wheel is read member by member from its zip (an ELF member is spooled to an unnamed
temporary file so the reader can seek; nothing else is extracted), a directory is walked
without following links, and every ELF program or library is read with ``_binary``. The
binaries of each architecture are held to the policies (``_policy``) of the C library
they link: the oldest policy they satisfy is the tag they may carry. Nothing depends on
the host: the same wheel gets the same answer on any machine.
"""

from __future__ import annotations

import os
import posixpath
import re
import tempfile
import zipfile
import zlib
from contextlib import nullcontext
from typing import Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

from .. import _rules
from .._elf import ELFFile
from .._libcfile import GLIBC, MUSL, family_by_name
from .._loader._resolve import Resolution, resolve_in
from .._rootfs import (
    Host,
    Overlay,
    Root,
    host_is_directory,
    host_regular_files,
    open_regular_file,
    read_host_file,
    spool_file,
)
from .._types import WheelError
from . import _policy
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

_TAG = re.compile(r"^(manylinux|musllinux)_([0-9]+)_([0-9]+)_([a-z0-9_]+)$")
_LEGACY = re.compile(r"^(manylinux1|manylinux2010|manylinux2014)_([a-z0-9_]+)$")
_FAMILY_OF_TAG = {"manylinux": GLIBC, "musllinux": MUSL}
HONEST, UNDER, OVER = "honest", "under-promises", "over-promises"
INCONSISTENT, UNDECLARED = "inconsistent", "undeclared"


class AuditedFile(NamedTuple):
    """One ELF file of the input, as the audit read it."""

    path: str  # inside the wheel or directory
    arch: str
    family: Optional[str]  # "glibc", "musl", or None (links no C library)
    static: bool
    needed: Tuple[str, ...]
    highest: Dict[str, Tuple[str, ...]]  # library -> highest version needed per prefix (GLIBC_2.34, GLIBCXX_3.4.21)
    weak: Tuple[str, ...]  # weak needs, which never raise a bound: "GLIBC_2.34 (libc.so.6)", "gettid"
    vendored: Tuple[str, ...]  # needed libraries found inside the input through its RUNPATH/RPATH
    requires: Optional[Tuple[int, ...]]  # the oldest glibc or musl release its strong needs allow
    reason: str


class Blame(NamedTuple):
    """Why one declared tag is not allowed: the file and the symbol@version or library."""

    tag: str
    file: str
    cause: str
    reason: str


class Audit(NamedTuple):
    """What ``musldetect.audit()`` found.

    honest_tags: per arch and C library family the binaries allow, the most widely
    compatible tag they may carry (with its legacy alias); ``linux_<arch>`` when no
    policy fits. declared_tags: the platform tags of the file name and the WHEEL file.
    verdict: "honest", "under-promises" (honest, and an older tag would do too),
    "over-promises", "inconsistent" or "undeclared" (a directory or file declares nothing).
    """

    path: str
    kind: str  # "wheel", "directory" or "file"
    files: Tuple[AuditedFile, ...]
    honest_tags: Tuple[str, ...]
    declared_tags: Tuple[str, ...]
    tags_agree: Optional[bool]  # the file name's tags equal the WHEEL file's (None: one is missing)
    verdict: str
    blame: Tuple[Blame, ...]
    reasons: Tuple[str, ...]
    policy_source: str
    target: Optional[str] = None  # where the binaries were resolved: "this system", "root:<dir>", or None
    resolutions: Tuple[Tuple[str, Resolution], ...] = ()  # (entry binary, how it resolves in the target)
    loads: Optional[bool] = None  # every entry binary loads in the target (None: not asked)

    def highest_needs(self) -> Tuple[str, ...]:
        """The highest version each prefix is needed at over all files (GLIBC_2.34,
        GLIBCXX_3.4.21, ...), sorted."""
        highest: Dict[str, str] = {}
        for audited in self.files:
            for versions in audited.highest.values():
                for version in versions:
                    prefix = version.partition("_")[0]
                    if prefix not in highest or _version_key(version) > _version_key(highest[prefix]):
                        highest[prefix] = version
        return tuple(sorted(highest.values()))

    def as_dict(self) -> Dict[str, object]:
        data = self._asdict()
        data["files"] = [f._asdict() for f in self.files]
        data["blame"] = [b._asdict() for b in self.blame]
        data["resolutions"] = [{"file": file, **found.as_dict()} for file, found in self.resolutions]
        return data


# -- reading the input ------------------------------------------------------------------


class _Input(NamedTuple):
    kind: str
    binaries: List[BinaryFacts]
    name_tags: Optional[Set[str]]  # full tags the file name declares
    wheel_tags: Optional[Set[str]]  # full tags the WHEEL file declares


MOUNT = "/.musldetect-audit"  # where the input's binaries appear to the resolver


def audit_path(path: str, in_target: bool = False, target_root: Optional[str] = None,
               runs_in: Optional[Interpreter] = None) -> Audit:
    """The audit of ``path``; with ``in_target`` each entry binary (one no other binary of
    the input needs) is also resolved in the running system or, with ``target_root``, in
    that image, the input's own files first through their rpaths; with ``runs_in``, for
    that interpreter, whose process has one C library and one arch."""
    with tempfile.TemporaryDirectory(prefix="musldetect-audit-") if in_target else nullcontext() as spool:
        if host_is_directory(path):
            found, files_at = _read_directory(path), path
        else:
            fd = open_regular_file(path)  # refuses FIFOs and devices without blocking
            try:
                head = os.pread(fd, 4, 0)
                if head == ELF_MAGIC:
                    with ELFFile(path, descriptor=fd) as elf:
                        found = _Input("file", [binary_facts(elf, os.path.basename(path))], None, None)
                    files_at = os.path.dirname(os.path.abspath(path))
                elif head.startswith(b"PK") or path.endswith(".whl"):
                    found, files_at = _read_wheel(path, fd, spool), spool or ""
                else:
                    raise WheelError(f"{path}: neither a wheel (zip), a directory nor an ELF file")
            finally:
                os.close(fd)
        skipped = [binary for binary in found.binaries if not binary.loadable]
        if skipped:
            found = found._replace(binaries=[binary for binary in found.binaries if binary.loadable])
        result = _judge(path, found)
        if skipped:
            result = result._replace(reasons=result.reasons + tuple(f"skipped {b.path}: {b.reason}" for b in skipped))
        if not in_target:
            return result
        return _resolved(result, found.binaries, files_at, target_root, runs_in)


class Interpreter(NamedTuple):
    """The process an extension would be loaded into: it loads only with the same C library and arch."""

    described: str  # "this interpreter (/usr/bin/python3: glibc 2.36, x86_64)"
    family: Optional[str]
    arch: Optional[str]


def _resolved(result: Audit, binaries: Sequence[BinaryFacts], files_at: str, target_root: Optional[str],
              runs_in: Optional[Interpreter] = None) -> Audit:
    base = Root(target_root) if target_root is not None else Host()
    overlay = Overlay(base, MOUNT, files_at)
    needed = {name for binary in binaries for name in binary.needed}
    entries = [b for b in binaries if posixpath.basename(b.path) not in needed and (b.soname or "") not in needed]
    found = []
    for binary in entries:
        resolution = _unmounted(resolve_in(f"{MOUNT}/{binary.path}", overlay, target_root is None))
        clash = _interpreter_clash(binary, runs_in)
        if clash:
            resolution = resolution._replace(loads=False, reason=clash if resolution.loads else
                                             f"{clash}; {resolution.reason}")
        found.append((binary.path, resolution))
    target = runs_in.described if runs_in is not None else (
        "this system" if target_root is None else f"root:{target_root}")
    return result._replace(target=target, resolutions=tuple(found), loads=all(r.loads for _, r in found))


def _interpreter_clash(binary: BinaryFacts, runs_in: Optional[Interpreter]) -> str:
    """Why the binary cannot be loaded into that interpreter's process at all; empty if it can."""
    if runs_in is None:
        return ""
    if runs_in.arch and binary.arch != runs_in.arch:
        return f"it is {binary.arch}; the interpreter's process is {runs_in.arch}, so it cannot be loaded into it"
    if runs_in.family and binary.family and not binary.static and binary.family != runs_in.family:
        return f"it links {binary.family}; the interpreter runs on {runs_in.family}, so it cannot be loaded into it"
    return ""


def _unmounted(found: Resolution) -> Resolution:
    """The resolution with the input's files named as in the input, not under MOUNT."""

    def text(value: Optional[str]) -> str:
        return (value or "").replace(MOUNT + "/", "").replace(MOUNT, ".")

    return found._replace(
        path=text(found.path), reason=text(found.reason), notes=tuple(map(text, found.notes)),
        libraries=tuple(lib._replace(path=text(lib.path) if lib.path else None, needed_by=text(lib.needed_by))
                        for lib in found.libraries),
        missing=tuple(gone._replace(needed_by=text(gone.needed_by), searched=tuple(map(text, gone.searched)))
                      for gone in found.missing),
        missing_versions=tuple(need._replace(needed_by=text(need.needed_by)) for need in found.missing_versions),
        mismatched=tuple(skip._replace(candidate=text(skip.candidate), needed_by=text(skip.needed_by))
                         for skip in found.mismatched))


def _read_wheel(path: str, fd: int, spool: Optional[str] = None) -> _Input:
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
    return _Input("wheel", binaries, _file_name_tags(os.path.basename(path)), wheel_tags)


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


def _read_directory(top: str) -> _Input:
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
    return _Input("directory", binaries, None, wheel_tags)


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


# -- judging ----------------------------------------------------------------------------


def _origin_directories(binary: BinaryFacts) -> List[str]:
    """The directories inside the input that the binary's $ORIGIN search entries name."""
    origin = posixpath.dirname(binary.path)
    found = []
    for entry in binary.search_paths:
        if "$ORIGIN" in entry or "${ORIGIN}" in entry:
            found.append(posixpath.normpath(entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)))
    return found


def _vendored_libraries(binaries: Sequence[BinaryFacts]) -> Dict[str, Dict[str, str]]:
    """For each binary, the needed libraries the loader finds inside the input: through its
    own $ORIGIN RUNPATH/RPATH, or (without a RUNPATH of its own) through the DT_RPATH of
    the binaries that load it, which both loaders inherit; auditwheel repair vendors
    libraries into ``<package>.libs`` with an RPATH on the extensions only."""
    elf_paths = {b.path for b in binaries}
    inherited = sorted({d for b in binaries if not b.has_runpath for d in _origin_directories(b)})
    vendored = {}
    for binary in binaries:
        own = _origin_directories(binary)
        directories = own if binary.has_runpath else own + inherited
        found = {}
        for needed in binary.needed:
            for directory in directories:
                candidate = posixpath.normpath(posixpath.join(directory, needed))
                if candidate in elf_paths:
                    found[needed] = candidate
                    break
        vendored[binary.path] = found
    return vendored


def _is_own_c_library(name: str, family: str) -> bool:
    return family_by_name(name) == family


def _policy_causes(policy: _policy.Policy, arch: str, binaries: Sequence[BinaryFacts],
                   vendored: Dict[str, Dict[str, str]]) -> List[Tuple[str, str, str, bool]]:
    """Why ``policy`` does not fit these binaries of one arch: (file, cause, reason, is a
    library problem); empty when it fits."""
    causes: List[Tuple[str, str, str, bool]] = []
    if not policy.covers(arch):
        return [("", arch, f"{policy.name} does not cover {arch}", False)]
    for binary in binaries:
        if binary.static or binary.family is None and not binary.needed:
            continue
        for symbol in binary.old_python_symbols():
            causes.append((binary.path, symbol, "a symbol only Python 2 narrow-unicode or fpectl builds provide",
                           False))
        own = vendored[binary.path]
        for needed in binary.needed:
            if needed in own or needed in policy.libraries or _is_own_c_library(needed, policy.family):
                continue
            causes.append((binary.path, needed, f"needs {needed}, which {policy.name} does not allow and the "
                                                "input does not vendor on its RUNPATH", True))
        for library, version in binary.version_needs:
            if library in own or library.startswith(("ld-linux", "ld64.so.")):
                continue
            if not policy.allows_version(arch, version):
                prefix = version.partition("_")[0]
                bound = binary.symbol_of_version.get(version)
                ceiling = policy.ceiling(arch, prefix)
                causes.append((binary.path, f"{bound}@{version}" if bound else version,
                               f"{version} of {library} is newer than {policy.name} allows on {arch}"
                               + (f" (up to {ceiling})" if ceiling else ""), False))
        if policy.family == MUSL and binary.requires is not None and binary.requires[:2] > policy.version:
            symbol = _musl_symbol_that_requires(binary)
            causes.append((binary.path, symbol, f"{symbol} is new in musl {'.'.join(map(str, binary.requires))}, "
                                                f"after {policy.name}", False))
        imports = set(binary.imports)
        for needed in binary.needed:
            forbidden = policy.blacklist.get(needed, frozenset()) & imports if needed not in own else set()
            for symbol in sorted(forbidden):
                causes.append((binary.path, symbol, f"{policy.name} forbids using {symbol} of {needed}", False))
    return causes


def _musl_symbol_that_requires(binary: BinaryFacts) -> str:
    imports = set(binary.imports)
    for release, names in _rules.MUSL_RELEASE_SYMBOLS:
        if binary.requires and release == binary.requires:
            hit = sorted(imports.intersection(names))
            if hit:
                return hit[0]
    return next((name for name in sorted(imports) if name.startswith("__") and "time64" in name), "?")


def _judge(path: str, found: _Input) -> Audit:
    binaries = found.binaries
    vendored = _vendored_libraries(binaries)
    reasons: List[str] = []
    inconsistent = False
    by_arch: Dict[str, List[BinaryFacts]] = {}
    for binary in binaries:
        by_arch.setdefault(binary.arch, []).append(binary)
    if len(by_arch) > 1:
        inconsistent = True
        reasons.append(f"binaries of several architectures: {', '.join(sorted(by_arch))}")
    families: Dict[str, List[str]] = {}
    honest: List[str] = []
    oldest: Dict[Tuple[str, str], _policy.Policy] = {}
    for arch, group in sorted(by_arch.items()):
        linked = sorted({b.family for b in group if b.family and not b.static})
        if len(linked) > 1:
            inconsistent = True
            reasons.append(f"{arch}: binaries linked with both glibc and musl")
            families[arch] = []
        else:
            families[arch] = linked or [GLIBC, MUSL]
            if not linked:
                reasons.append(f"{arch}: static or C-library-free binaries only, allowed on glibc and musl alike")
        for family in families[arch]:
            for policy in _policy.policies(family):
                if policy.covers(arch) and not _policy_causes(policy, arch, group, vendored):
                    oldest[(arch, family)] = policy
                    honest.append(policy.tag(arch))
                    honest.extend(f"{alias}_{arch}" for alias in policy.aliases)
                    break
            else:
                reasons.append(f"{arch}: no {_FAMILY_TAG[family]} policy fits its binaries")
        if not any(key[0] == arch for key in oldest):
            honest.append(f"linux_{arch}")

    name_tags, wheel_tags = found.name_tags, found.wheel_tags
    tags_agree = None if name_tags is None or wheel_tags is None else name_tags == wheel_tags
    if tags_agree is False:
        inconsistent = True
        reasons.append(f"the file name declares {', '.join(sorted(name_tags or ()))} but WHEEL says "
                       f"{', '.join(sorted(wheel_tags or ()))}")
    name_problem = _wheel_name_problem(os.path.basename(path)) if found.kind == "wheel" else ""
    if name_problem:
        inconsistent = True
        reasons.append(name_problem)
    declared_full = name_tags if name_tags is not None else (wheel_tags or set())
    declared = tuple(sorted({tag.rsplit("-", 1)[-1] for tag in declared_full}))

    blame: List[Blame] = []
    for tag in declared:
        for file, cause, reason, is_inconsistent in _check_declared(tag, by_arch, families, vendored):
            blame.append(Blame(tag, file, cause, reason))
            inconsistent = inconsistent or is_inconsistent
    under = _under_promises(declared, oldest) if not blame else []
    if found.kind == "wheel" and not found.binaries and any(tag != "any" for tag in declared):
        reasons.append("no ELF binaries in a wheel with a platform tag")
    if inconsistent:
        verdict = INCONSISTENT
    elif blame:
        verdict = OVER
    elif not declared:
        verdict = UNDECLARED
    elif under:
        verdict = UNDER
        reasons.extend(under)
    else:
        verdict = HONEST
    if not declared:  # nothing claimed, yet say why no policy fits: the newest policy's causes
        blame.extend(_unfit_blame(by_arch, families, oldest, vendored))
    files = tuple(_audited_file(b, vendored[b.path]) for b in binaries)
    return Audit(path, found.kind, files, tuple(dict.fromkeys(honest)), declared, tags_agree, verdict,
                 tuple(blame), tuple(reasons), _policy.source())


_FAMILY_TAG = {GLIBC: "manylinux", MUSL: "musllinux"}
# A wheel's file name as installers read it (the binary distribution format; the version as PEP 440 spells it).
_VERSION = (r"v?([0-9]+!)?[0-9]+(\.[0-9]+)*([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?"
            r"([-_.]?(post|rev|r)[-_.]?[0-9]*)?([-_.]?dev[-_.]?[0-9]*)?(\+[a-z0-9]+([._][a-z0-9]+)*)?")
_WHEEL_NAME = re.compile(r"^(?P<name>[A-Za-z0-9._]+)-(?P<version>[^-]+)(-(?P<build>[0-9][^-]*))?"
                         r"-[^-]+-[^-]+-[^-]+\.whl$")


def _wheel_name_problem(name: str) -> str:
    """Why installers would refuse this file name as a wheel's; empty when they take it."""
    match = _WHEEL_NAME.match(name)
    if match is None:
        why = "not NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl"
    elif "__" in match.group("name"):
        why = "a double underscore in the name"
    elif re.fullmatch(_VERSION, match.group("version"), re.IGNORECASE) is None:
        why = f"{match.group('version')!r} is not a PEP 440 version"
    else:
        return ""
    return f"the file name {name!r} is not a valid wheel name ({why}): installers refuse it"


def _unfit_blame(by_arch: Dict[str, List[BinaryFacts]], families: Dict[str, List[str]],
                 oldest: Dict[Tuple[str, str], _policy.Policy], vendored: Dict[str, Dict[str, str]]) -> List[Blame]:
    """For each arch and family no policy fits, what even the newest policy of it refuses."""
    blame = []
    for arch, group in sorted(by_arch.items()):
        for family in families[arch]:
            covering = [policy for policy in _policy.policies(family) if policy.covers(arch)]
            if (arch, family) in oldest or not covering:
                continue
            newest = covering[-1]
            for file, cause, reason, _inconsistent in _policy_causes(newest, arch, group, vendored):
                blame.append(Blame(newest.tag(arch), file, cause, reason))
    return blame


def _check_declared(tag: str, by_arch: Dict[str, List[BinaryFacts]], families: Dict[str, List[str]],
                    vendored: Dict[str, Dict[str, str]]) -> List[Tuple[str, str, str, bool]]:
    """Why one declared platform tag is not allowed: (file, cause, reason, inconsistent)."""
    if tag == "any":
        first = next((group[0].path for group in by_arch.values()), "")
        return [(first, "ELF binaries", "binaries in a wheel that declares every platform (any)", False)] \
            if by_arch else []
    parsed = _parse_tag(tag)
    if parsed is None:
        return [("", tag, "not a Linux platform tag", True)]
    family, version, arch = parsed
    if by_arch and arch not in by_arch:
        return [("", arch, f"declares {arch}, the binaries are {', '.join(sorted(by_arch))}", True)]
    if family is None or not by_arch:
        return []
    if family not in families[arch]:
        linked = ", ".join(families[arch]) or "several C libraries"
        return [("", family, f"declares {_FAMILY_TAG[family]}, the binaries link {linked}", True)]
    assert version is not None
    policy = _policy.policy_for_tag(family, version, arch)
    if policy is None:
        return [("", tag, f"no {_FAMILY_TAG[family]} policy for {arch} is as old as {tag}", False)]
    return _policy_causes(policy, arch, by_arch[arch], vendored)


def _under_promises(declared: Sequence[str], oldest: Dict[Tuple[str, str], _policy.Policy]) -> List[str]:
    """Notes where the wheel could reach more systems: its oldest declared tag of a family
    is newer than the oldest its binaries allow, or a family they allow is not declared."""
    declared_oldest: Dict[Tuple[str, str], Tuple[int, int]] = {}
    for tag in declared:
        parsed = _parse_tag(tag)
        if parsed is not None and parsed[0] is not None and parsed[1] is not None:
            key = (parsed[2], parsed[0])
            declared_oldest[key] = min(declared_oldest.get(key, parsed[1]), parsed[1])
    notes = []
    declared_archs = {arch for arch, _family in declared_oldest}
    for (arch, family), policy in sorted(oldest.items()):
        version = declared_oldest.get((arch, family))
        if version is not None and policy.version < version:
            notes.append(f"{policy.tag(arch)} would do: it reaches more systems than the {_FAMILY_TAG[family]} "
                         f"tag declared")
        elif version is None and arch in declared_archs:
            notes.append(f"{policy.tag(arch)} would do too: the binaries run on {family} as well")
    return notes


def _parse_tag(tag: str) -> Optional[Tuple[Optional[str], Optional[Tuple[int, int]], str]]:
    match = _TAG.match(tag)
    if match:
        return _FAMILY_OF_TAG[match.group(1)], (int(match.group(2)), int(match.group(3))), match.group(4)
    match = _LEGACY.match(tag)
    if match:
        return GLIBC, _policy.LEGACY_ALIASES[match.group(1)], match.group(2)
    if tag.startswith("linux_"):
        return None, None, tag[len("linux_"):]
    return None


def _audited_file(binary: BinaryFacts, vendored: Dict[str, str]) -> AuditedFile:
    highest: Dict[str, Dict[str, str]] = {}
    for library, version in binary.version_needs:
        prefix = version.partition("_")[0]
        by_prefix = highest.setdefault(library, {})
        current = by_prefix.get(prefix)
        if current is None or _version_key(version) > _version_key(current):
            by_prefix[prefix] = version
    weak = [f"{version} ({library})" for library, version in binary.weak_version_needs]
    weak += list(binary.weak_imports)
    return AuditedFile(binary.path, binary.arch, binary.family, binary.static, binary.needed,
                       {lib: tuple(sorted(v.values())) for lib, v in highest.items()}, tuple(weak),
                       tuple(sorted(vendored)), binary.requires, binary.reason)


def _version_key(version: str) -> Tuple[Tuple[int, ...], str]:
    return _policy.version_numbers(version), version
