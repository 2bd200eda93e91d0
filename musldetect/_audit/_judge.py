"""Judging: may the binaries read from the input carry the platform tags it declares.

The binaries of each architecture are held to the policies (``_policy``) of the C library
they link: the oldest policy they satisfy is the tag they may carry. Each declared tag is
held to the policy it stands for, and every reason it does not fit is blamed on a file and
a symbol@version or library. Nothing depends on the host: the same input gets the same
answer on any machine.
"""

from __future__ import annotations

import os
import posixpath
import re
from typing import AbstractSet, Dict, Iterator, List, NamedTuple, Optional, Sequence, Set, Tuple

from .. import _rules
from .._grammar import FAMILY_PREFIX, GLIBC, MUSL, PlatformTag, parse_tag
from .._libcfile import family_by_name
from . import _abi, _isa, _policy, _provenance, _waivers
from ._binary import BinaryFacts
from ._judge_platforms import judge_platform, platform_of
from ._read import Input
from ._records import (
    CANNOT_JUDGE,
    HONEST,
    INCONSISTENT,
    OVER,
    UNDECLARED,
    UNDER,
    Audit,
    AuditedFile,
    Blame,
    Cause,
    WaivedBlame,
    version_key,
)
from ._waivers import Waiver

ByArch = Dict[str, List[BinaryFacts]]
Vendored = Dict[str, Dict[str, str]]  # binary -> needed library -> its path inside the input


class _Allowed(NamedTuple):
    """What the binaries allow, per arch: the C library families they may be tagged for,
    the oldest policy of each that fits, and the tags that follow."""

    families: Dict[str, List[str]]
    oldest: Dict[Tuple[str, str], _policy.Policy]  # (arch, family) -> the oldest policy that fits
    honest: List[str]
    reasons: List[str]
    inconsistent: bool


class _Declared(NamedTuple):
    """What the input as a whole shows before any binary is judged: its declared tags
    (full and platform parts), whether its file name and WHEEL agree, and the reasons that
    already make it inconsistent (RECORD, the tags, its name, unread binaries)."""

    full: Set[str]
    platforms: Tuple[str, ...]
    tags_agree: Optional[bool]
    reasons: List[str]
    inconsistent: bool


class _Blamed(NamedTuple):
    """Blame after waivers: what is still blamed, what was set aside (with its waiver), and
    whether a cause still blamed makes the input inconsistent."""

    blame: List[Blame]
    waived: Tuple[WaivedBlame, ...]
    inconsistent: bool


def judge(path: str, found: Input, waivers: Sequence[Waiver] = (), strict: bool = False) -> Audit:
    """The audit of what was read from ``path``, before any resolving in a target; the
    causes ``waivers`` match are set aside (listed, not blamed) unless ``strict``."""
    binaries = found.binaries
    vendored = _vendored_libraries(binaries)
    by_arch = _by_arch(binaries)
    allowed = _allowed(by_arch, vendored)
    seen = _declared(path, found, allowed.reasons, allowed.inconsistent)
    declared, reasons = seen.platforms, seen.reasons
    if platform_of(declared) is not None or (found.images and not binaries):
        return _platform_audit(path, found, seen, waivers, strict)
    blamed = _blame_declared(declared, by_arch, allowed, vendored, waivers, strict)
    inconsistent = _contents_contradict(found, declared, reasons) or seen.inconsistent or blamed.inconsistent
    python_blame, honest_pairs = _abi.judge(sorted(seen.full), binaries)
    python = _set_aside(python_blame, waivers, strict)
    blame = blamed.blame + python.blame
    waived = blamed.waived + python.waived
    under = _under_promises(declared, allowed.oldest) if not blame else []
    verdict = _verdict(inconsistent, bool(blame), bool(declared), under)
    if verdict == UNDER:
        reasons.extend(under)
    if not declared:  # nothing claimed, yet say why no policy fits: the newest policy's causes
        blame.extend(_unfit_blame(by_arch, allowed.families, allowed.oldest, vendored))
    return Audit(
        path,
        found.kind,
        tuple(_audited_file(b, vendored[b.path]) for b in binaries),
        tuple(dict.fromkeys(allowed.honest + honest_pairs)),
        declared,
        seen.tags_agree,
        verdict,
        tuple(blame),
        tuple(reasons),
        _policy.source(),
        waived=waived,
        unused_waivers=_unused(waivers, waived, strict),
        provenance=_provenance.provenance(),
        images=found.images,
    )


def _by_arch(binaries: Sequence[BinaryFacts]) -> ByArch:
    """The binaries grouped by arch: each arch is held to its own policies."""
    by_arch: ByArch = {}
    for binary in binaries:
        by_arch.setdefault(binary.arch, []).append(binary)
    return by_arch


def _contents_contradict(found: Input, declared: Sequence[str], reasons: List[str]) -> bool:
    """Notes on the files beside what the tags say: True when the wheel contradicts itself
    (Mach-O or PE files beside ELF binaries); a platform wheel without ELF binaries is noted."""
    if found.kind == "wheel" and not found.binaries and any(tag != "any" for tag in declared):
        reasons.append("no ELF binaries in a wheel with a platform tag")
    if found.images:
        reasons.append(f"{found.images[0].format} files ({found.images[0].path}) beside ELF binaries")
        return True
    return False


def _declared(path: str, found: Input, reasons: List[str], inconsistent: bool) -> _Declared:
    """The declared tags and what the input shows as a whole (its container's causes, the
    two places its tags are written, its file name, binaries no reader takes)."""
    for cause in found.causes:
        inconsistent = inconsistent or cause.inconsistent
        reasons.append(f"{cause.cause}: {cause.reason}")
    for other, kind in found.other_binaries:
        reasons.append(f"{other}: its magic says {kind}, but no reader takes it; not judged")
    name_tags, wheel_tags = found.name_tags, found.wheel_tags
    tags_agree = None if name_tags is None or wheel_tags is None else name_tags == wheel_tags
    if tags_agree is False:
        inconsistent = True
        reasons.append(
            f"the file name declares {', '.join(sorted(name_tags or ()))} but WHEEL says "
            f"{', '.join(sorted(wheel_tags or ()))}"
        )
    name_problem = _wheel_name_problem(os.path.basename(path)) if found.kind == "wheel" else ""
    if name_problem:
        inconsistent = True
        reasons.append(name_problem)
    full = name_tags if name_tags is not None else (wheel_tags or set())
    platforms = tuple(sorted({tag.rsplit("-", 1)[-1] for tag in full}))
    return _Declared(full, platforms, tags_agree, reasons, inconsistent)


def _blame_declared(
    declared: Sequence[str],
    by_arch: ByArch,
    allowed: _Allowed,
    vendored: Vendored,
    waivers: Sequence[Waiver],
    strict: bool,
) -> _Blamed:
    """Each declared platform tag held to its policy; the causes waivers match set aside."""
    causes = [
        (Blame(tag, cause.file, cause.cause, cause.reason, cause.rule), cause.inconsistent)
        for tag in declared
        for cause in _check_declared(tag, by_arch, allowed, vendored)
    ]
    return _set_aside([blame for blame, _ in causes], waivers, strict, {b for b, bad in causes if bad})


def _set_aside(
    blame: Sequence[Blame], waivers: Sequence[Waiver], strict: bool, inconsistent: AbstractSet[Blame] = frozenset()
) -> _Blamed:
    """``blame`` split by the waivers (none when ``strict``); ``inconsistent`` names the
    causes that make the input inconsistent, which only count while they are blamed."""
    applied = _waivers.apply(blame, waivers, strict)
    waived = tuple(WaivedBlame(*w.cause, waiver=w.waiver) for w in applied.waived)
    return _Blamed(list(applied.kept), waived, any(b in inconsistent for b in applied.kept))


def _unused(waivers: Sequence[Waiver], waived: Sequence[WaivedBlame], strict: bool) -> Tuple[Waiver, ...]:
    """The waivers no cause matched (none in a strict run: no waiver was in force)."""
    used = {w.waiver for w in waived}
    return () if strict else tuple(w for w in waivers if w not in used)


def _platform_audit(path: str, found: Input, seen: _Declared, waivers: Sequence[Waiver], strict: bool) -> Audit:
    """The audit of a macOS, iOS, Windows or Android wheel, by that platform's judge;
    ``seen`` carries what the container already showed (RECORD, the tags)."""
    declared = seen.platforms
    judgement = judge_platform(declared, seen.full, found.images, found.binaries)
    faults = [Blame(f.tag, f.file, f.cause, f.reason, f.rule) for f in judgement.faults]
    bad = {blame for blame, fault in zip(faults, judgement.faults) if fault.inconsistent}
    blamed = _set_aside(faults, waivers, strict, bad)
    reasons = seen.reasons + list(judgement.reasons)
    inconsistent = seen.inconsistent or blamed.inconsistent
    if not (inconsistent or blamed.blame) and not judgement.judged:
        verdict = CANNOT_JUDGE
    else:
        verdict = _verdict(inconsistent, bool(blamed.blame), bool(declared), judgement.under)
    if verdict == UNDER:
        reasons.extend(judgement.under)
    files = tuple(_audited_file(b, {}) for b in found.binaries)
    return Audit(
        path,
        found.kind,
        files,
        judgement.honest_tags,
        declared,
        seen.tags_agree,
        verdict,
        tuple(blamed.blame),
        tuple(reasons),
        judgement.source,
        waived=blamed.waived,
        unused_waivers=_unused(waivers, blamed.waived, strict),
        images=found.images,
        provenance=_provenance.provenance(),
    )


def _verdict(inconsistent: bool, blamed: bool, declared: bool, under: Sequence[str]) -> str:
    if inconsistent:
        return INCONSISTENT
    if blamed:
        return OVER
    if not declared:
        return UNDECLARED
    return UNDER if under else HONEST


def _allowed(by_arch: ByArch, vendored: Vendored) -> _Allowed:
    """Per arch, the families the binaries link and the oldest policy of each that fits."""
    reasons: List[str] = []
    inconsistent = len(by_arch) > 1
    if inconsistent:
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
            policy = _oldest_fitting(family, arch, group, vendored)
            if policy is None:
                reasons.append(f"{arch}: no {FAMILY_PREFIX[family]} policy fits its binaries")
                continue
            oldest[(arch, family)] = policy
            honest.append(policy.tag(arch))
            honest.extend(f"{alias}_{arch}" for alias in policy.aliases)
        if not any(key[0] == arch for key in oldest):
            honest.append(f"linux_{arch}")
    return _Allowed(families, oldest, honest, reasons, inconsistent)


def _oldest_fitting(
    family: str, arch: str, group: Sequence[BinaryFacts], vendored: Vendored
) -> Optional[_policy.Policy]:
    for policy in _policy.policies(family):
        if policy.covers(arch) and next(_policy_causes(policy, arch, group, vendored), None) is None:
            return policy
    return None


def _origin_directories(binary: BinaryFacts) -> List[str]:
    """The directories inside the input that the binary's $ORIGIN search entries name."""
    origin = posixpath.dirname(binary.path) or "."  # a file at the root: $ORIGIN/x is x, not /x
    found = []
    for entry in binary.search_paths:
        if "$ORIGIN" in entry or "${ORIGIN}" in entry:
            found.append(posixpath.normpath(entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)))
    return found


def _vendored_libraries(binaries: Sequence[BinaryFacts]) -> Vendored:
    """For each binary, the needed libraries the loader finds inside the input: through its
    own $ORIGIN RUNPATH/RPATH, or (without a RUNPATH of its own) through the DT_RPATH of
    the binaries that load it, which both loaders inherit; auditwheel repair vendors
    libraries into ``<package>.libs`` with an RPATH on the extensions only."""
    elf_paths = {b.path for b in binaries}
    by_directory: Dict[str, Dict[str, str]] = {}  # the binaries by directory and file name
    for path in elf_paths:
        by_directory.setdefault(posixpath.dirname(path) or ".", {})[posixpath.basename(path)] = path
    origins = {b.path: _origin_directories(b) if b.search_paths else [] for b in binaries}
    inherited = sorted({d for b in binaries if not b.has_runpath for d in origins[b.path]})
    vendored = {}
    for binary in binaries:
        own = origins[binary.path]
        directories = own if binary.has_runpath else own + inherited
        found = {}
        for needed in binary.needed:
            for directory in directories:
                if "/" in needed:  # a path, not a file name: joined as the loader would
                    candidate: Optional[str] = posixpath.normpath(posixpath.join(directory, needed))
                    candidate = candidate if candidate in elf_paths else None
                else:  # the directories are normalised already: a look-up, not a path built
                    candidate = by_directory.get(directory, {}).get(needed)
                if candidate is not None:
                    found[needed] = candidate
                    break
        vendored[binary.path] = found
    _reuse_loaded(binaries, vendored)
    return vendored


def _reuse_loaded(binaries: Sequence[BinaryFacts], vendored: Vendored) -> None:
    """Both loaders reuse an object already loaded under a needed name, breadth first from
    the binary loaded first: a library's need that its own search misses is met when that
    name was found earlier in the same load (auditwheel's lddtree reuses it the same way).
    Each binary is taken as the first one loaded; a need met in any such load is met."""
    by_path = {binary.path: binary for binary in binaries}
    for root in binaries:
        loaded = dict(vendored[root.path])  # all of the first binary's needs load before theirs
        queue = list(loaded.values())
        seen = set(queue)
        while queue:
            library = by_path[queue.pop(0)]
            own = vendored[library.path]
            for needed in library.needed:
                path = own.get(needed) or loaded.get(needed)
                if path is None:
                    continue
                own.setdefault(needed, path)
                loaded.setdefault(needed, path)
                if path not in seen:
                    seen.add(path)
                    queue.append(path)


def _policy_causes(
    policy: _policy.Policy, arch: str, binaries: Sequence[BinaryFacts], vendored: Vendored
) -> Iterator[Cause]:
    """Why ``policy`` does not fit these binaries of one arch; none when it fits. Made as
    asked: the search for the oldest fitting policy stops at the first binary with a cause,
    where making them all cost most of the judging (pycurl: 2.1 ms for 23 binaries)."""
    if not policy.covers(arch):
        yield Cause("arch-not-covered", "", arch, f"{policy.name} does not cover {arch}", False)
        return
    for binary in binaries:
        yield from _isa.policy_causes(policy.family, policy.name, arch, binary)
        for symbol in binary.old_python_symbols():
            yield Cause(
                "python2-symbol",
                binary.path,
                symbol,
                "a symbol only Python 2 narrow-unicode or fpectl builds provide",
                False,
            )
        if binary.static or binary.family is None and not binary.needed:
            continue
        own = vendored[binary.path]
        yield from _library_causes(policy, binary, own)
        yield from _version_causes(policy, arch, binary, own)
        yield from _forbidden_causes(policy, binary, own)


def _library_causes(policy: _policy.Policy, binary: BinaryFacts, own: Dict[str, str]) -> List[Cause]:
    """The libraries the policy neither provides nor the input vendors."""
    causes = []
    for needed in binary.needed:
        if needed in own or needed in policy.libraries or family_by_name(needed) == policy.family:
            continue
        causes.append(
            Cause(
                "library-not-allowed",
                binary.path,
                needed,
                f"needs {needed}, which {policy.name} does not allow and the input does not vendor on its RUNPATH",
                True,
            )
        )
    return causes


def _forbidden_causes(policy: _policy.Policy, binary: BinaryFacts, own: Dict[str, str]) -> List[Cause]:
    """The exports of the libraries the policy provides that it forbids using."""
    causes = []
    for needed in binary.needed:
        blacklisted = policy.blacklist.get(needed) if needed not in own else None
        if not blacklisted:  # most libraries have no blacklist: no set of the imports is made
            continue
        for symbol in sorted(blacklisted.intersection(binary.imports)):
            causes.append(
                Cause(
                    "forbidden-symbol", binary.path, symbol, f"{policy.name} forbids using {symbol} of {needed}", False
                )
            )
    return causes


def _version_causes(policy: _policy.Policy, arch: str, binary: BinaryFacts, own: Dict[str, str]) -> List[Cause]:
    """The symbol versions (glibc) or symbols (musl) newer than the policy's release."""
    causes = []
    for library, version in binary.version_needs:
        if library in own or library.startswith(("ld-linux", "ld64.so.")):
            continue
        if not policy.allows_version(arch, version):
            prefix = version.partition("_")[0]
            bound = binary.symbol_of_version.get(version)
            ceiling = policy.ceiling(arch, prefix)
            causes.append(
                Cause(
                    "symbol-version-too-new",
                    binary.path,
                    f"{bound}@{version}" if bound else version,
                    f"{version} of {library} is newer than {policy.name} allows on {arch}"
                    + (f" (up to {ceiling})" if ceiling else ""),
                    False,
                )
            )
    if policy.family == MUSL and binary.requires is not None and binary.requires[:2] > policy.version:
        symbol = _musl_symbol_that_requires(binary)
        causes.append(
            Cause(
                "musl-symbol-too-new",
                binary.path,
                symbol,
                f"{symbol} is new in musl {'.'.join(map(str, binary.requires))}, after {policy.name}",
                False,
            )
        )
    return causes


def _musl_symbol_that_requires(binary: BinaryFacts) -> str:
    imports = set(binary.imports)
    for release, names in _rules.MUSL_RELEASE_SYMBOLS:
        if binary.requires and release == binary.requires:
            hit = sorted(imports.intersection(names))
            if hit:
                return hit[0]
    return next((name for name in sorted(imports) if name.startswith("__") and "time64" in name), "?")


# A wheel's file name as installers read it (the binary distribution format; the version as PEP 440 spells it).
_VERSION = (
    r"v?([0-9]+!)?[0-9]+(\.[0-9]+)*([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?"
    r"([-_.]?(post|rev|r)[-_.]?[0-9]*)?([-_.]?dev[-_.]?[0-9]*)?(\+[a-z0-9]+([._][a-z0-9]+)*)?"
)
_WHEEL_NAME = re.compile(
    r"^(?P<name>[A-Za-z0-9._]+)-(?P<version>[^-]+)(-(?P<build>[0-9][^-]*))?"
    r"-[^-]+-[^-]+-[^-]+\.whl$"
)


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


def _unfit_blame(
    by_arch: ByArch, families: Dict[str, List[str]], oldest: Dict[Tuple[str, str], _policy.Policy], vendored: Vendored
) -> List[Blame]:
    """For each arch and family no policy fits, what even the newest policy of it refuses."""
    blame = []
    for arch, group in sorted(by_arch.items()):
        for family in families[arch]:
            covering = [policy for policy in _policy.policies(family) if policy.covers(arch)]
            if (arch, family) in oldest or not covering:
                continue
            newest = covering[-1]
            for cause in _policy_causes(newest, arch, group, vendored):
                blame.append(Blame(newest.tag(arch), cause.file, cause.cause, cause.reason, cause.rule))
    return blame


def _check_declared(tag: str, by_arch: ByArch, allowed: _Allowed, vendored: Vendored) -> List[Cause]:
    """Why one declared platform tag is not allowed."""
    families = allowed.families
    if tag == "any":
        return _binaries_in_pure_wheel(by_arch)
    parsed = parse_tag(tag)
    if parsed is None:
        return [Cause("not-a-linux-tag", "", tag, "not a Linux platform tag", True)]
    family, version, arch = parsed.family, parsed.version, parsed.arch
    if by_arch and arch not in by_arch:
        return [
            Cause("arch-mismatch", "", arch, f"declares {arch}, the binaries are {', '.join(sorted(by_arch))}", True)
        ]
    if family is None or not by_arch:
        return []
    if family not in families[arch]:
        linked = ", ".join(families[arch]) or "several C libraries"
        return [
            Cause("libc-mismatch", "", family, f"declares {FAMILY_PREFIX[family]}, the binaries link {linked}", True)
        ]
    assert version is not None
    policy = _policy.policy_for_tag(family, version, arch)
    if policy is None:
        return [
            Cause(
                "no-policy-for-tag", "", tag, f"no {FAMILY_PREFIX[family]} policy for {arch} is as old as {tag}", False
            )
        ]
    if policy is allowed.oldest.get((arch, family)):  # found to fit these binaries: no cause to find
        return []
    return list(_policy_causes(policy, arch, by_arch[arch], vendored))


def _binaries_in_pure_wheel(by_arch: ByArch) -> List[Cause]:
    """A wheel for every platform (any) may hold no binary: blame the first."""
    if not by_arch:
        return []
    first = next(group[0].path for group in by_arch.values())
    return [
        Cause(
            "binaries-in-pure-wheel",
            first,
            "ELF binaries",
            "binaries in a wheel that declares every platform (any)",
            False,
        )
    ]


def _under_promises(declared: Sequence[str], oldest: Dict[Tuple[str, str], _policy.Policy]) -> List[str]:
    """Notes where the wheel could reach more systems: its oldest declared tag of a family
    is newer than the oldest its binaries allow, or a family they allow is not declared."""
    declared_oldest: Dict[Tuple[str, str], Tuple[int, int]] = {}
    for tag in declared:
        parsed: Optional[PlatformTag] = parse_tag(tag)
        if parsed is not None and parsed.family is not None and parsed.version is not None:
            key = (parsed.arch, parsed.family)
            declared_oldest[key] = min(declared_oldest.get(key, parsed.version), parsed.version)
    notes = []
    declared_archs = {arch for arch, _family in declared_oldest}
    for (arch, family), policy in sorted(oldest.items()):
        version = declared_oldest.get((arch, family))
        if version is not None and policy.version < version:
            notes.append(
                f"{policy.tag(arch)} would do: it reaches more systems than the {FAMILY_PREFIX[family]} tag declared"
            )
        elif version is None and arch in declared_archs:
            notes.append(f"{policy.tag(arch)} would do too: the binaries run on {family} as well")
    return notes


def _audited_file(binary: BinaryFacts, vendored: Dict[str, str]) -> AuditedFile:
    highest: Dict[str, Dict[str, str]] = {}
    for library, version in binary.version_needs:
        prefix = version.partition("_")[0]
        by_prefix = highest.setdefault(library, {})
        current = by_prefix.get(prefix)
        if current is None or version_key(version) > version_key(current):
            by_prefix[prefix] = version
    weak = [f"{version} ({library})" for library, version in binary.weak_version_needs]
    weak += list(binary.weak_imports)
    stable = _abi.lowest_stable_version([binary], _abi.ABI3_FIRST) if binary.python_imports else None
    return AuditedFile(
        binary.path,
        binary.arch,
        binary.family,
        binary.static,
        binary.needed,
        {lib: tuple(sorted(v.values())) for lib, v in highest.items()},
        tuple(weak),
        tuple(sorted(vendored)),
        binary.requires,
        binary.reason,
        binary.is_extension,
        None if not binary.python_imports else f"{stable[0]}.{stable[1]}" if stable else "",
        _isa.x86_isa_level(binary),
        _isa.features(binary),
        binary.stack,
    )
