"""The macOS and iOS judge: may these Mach-O files carry a ``macosx_*`` or ``ios_*`` tag.

Per file, every arch the tag promises must be a slice (``universal2`` = x86_64 + arm64,
``intel`` = x86_64 + i386, ...); per slice, the minimum OS must be no higher than the
lowest system that installs the tag on that arch. arm64 Macs start at 11.0, so an arm64
slice needing 11.0 is no fault under ``macosx_10_9_universal2``; from 11 on a tag names
only the major release, so a slice needing 11.3 is honest only as ``macosx_12_0`` (the
rules of packaging's ``mac_platforms``, held to it by the tests). Every dylib outside the
system must be in the wheel and reached from its loader: through ``@loader_path``, or
``@rpath`` and an ``LC_RPATH`` inside the wheel; an absolute path elsewhere, or an
``LC_RPATH`` into a build machine, makes the wheel inconsistent.
"""

from __future__ import annotations

import posixpath
import re
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .._types import WheelError
from ._images import MACHO, Fault, ImageFacts, ImageSlice, Judgement

Version = Tuple[int, ...]

# A tag's binary format -> the arches it promises (packaging's _mac_binary_formats, inverted).
MAC_FORMATS: Dict[str, Tuple[str, ...]] = {
    "arm64": ("arm64",),
    "x86_64": ("x86_64",),
    "i386": ("i386",),
    "ppc": ("ppc",),
    "ppc64": ("ppc64",),
    "universal2": ("arm64", "x86_64"),
    "intel": ("i386", "x86_64"),
    "fat": ("i386", "ppc"),
    "fat32": ("i386", "ppc"),
    "fat3": ("i386", "ppc", "x86_64"),
    "fat64": ("ppc64", "x86_64"),
    "universal": ("i386", "ppc", "ppc64", "x86_64"),
}
ARM64_FIRST = (11, 0, 0)  # the first macOS for arm64
# iOS (PEP 730): ios_<major>_<minor>_<arch>_<sdk>; the SDK decides the slice's platform.
IOS_SDKS = {"iphoneos": "ios", "iphonesimulator": "iossimulator"}
SYSTEM_PREFIXES = ("/usr/lib/", "/System/")
MAX_INHERITED = 4096  # rpath directories of its loaders one file may be searched through
_MAC_TAG = re.compile(r"^macosx_([0-9]+)_([0-9]+)_([a-z0-9_]+)$")
_IOS_TAG = re.compile(r"^ios_([0-9]+)_([0-9]+)_([a-z0-9_]+?)_(iphoneos|iphonesimulator)$")


def version_text(version: Version) -> str:
    """10.13 for (10, 13, 0), 10.13.1 for (10, 13, 1)."""
    return ".".join(map(str, version[:2] if tuple(version[2:]) in ((), (0,)) else version))


def parse_apple_tag(tag: str) -> Optional[Tuple[str, Version, Tuple[str, ...]]]:
    """(platform, version, arches promised) of a macOS or iOS tag; None for anything else."""
    match = _MAC_TAG.match(tag)
    if match and match.group(3) in MAC_FORMATS:
        return "macos", (int(match.group(1)), int(match.group(2))), MAC_FORMATS[match.group(3)]
    match = _IOS_TAG.match(tag)
    if match:
        return IOS_SDKS[match.group(4)], (int(match.group(1)), int(match.group(2))), (match.group(3),)
    return None


def lowest_installing(platform: str, arch: str, version: Version) -> Version:
    """The oldest OS on ``arch`` that installs a tag of ``version``: arm64 Macs start at 11."""
    lowest = tuple(version) + (0,) * (3 - len(version))
    if platform == "macos" and arch == "arm64":
        return max(lowest, ARM64_FIRST)
    return lowest


def tag_version_for(platform: str, arch: str, minimum: Version) -> Optional[Version]:
    """The lowest tag version whose every installing system runs a slice that needs
    ``minimum``; None when any tag will do (an arm64 slice that needs no more than 11.0)."""
    major, minor, patch = (tuple(minimum) + (0, 0))[:3]
    if platform == "macos" and arch == "arm64" and (major, minor, patch) <= ARM64_FIRST:
        return None
    if platform == "macos" and major >= 11:
        return (major, 0) if (minor, patch) == (0, 0) else (major + 1, 0)
    return (major, minor) if patch == 0 else (major, minor + 1)


def judge_apple(images: Sequence[ImageFacts], declared: Iterable[str]) -> Judgement:
    """The judgement of the Mach-O files against the declared macOS/iOS tags."""
    machos = [image for image in images if image.format == MACHO]
    faults: List[Fault] = []
    reasons: List[str] = []
    for image in images:
        if image.format != MACHO:
            faults.append(
                Fault(
                    "",
                    image.path,
                    image.format,
                    f"a {image.format} file in an Apple wheel",
                    True,
                    "foreign-binary-format",
                )
            )
    for tag in declared:
        claim = parse_apple_tag(tag)
        if claim is None:
            faults.append(
                Fault(tag, "", tag, "not a macOS or iOS platform tag this judge knows", True, "unknown-platform-tag")
            )
            continue
        for image in machos:
            faults.extend(_slice_faults(tag, claim, image))
    libraries = _library_faults(machos)
    faults.extend(libraries)
    unknown = sorted({f"{image.path} ({s.arch})" for image in machos for s in image.slices if s.minimum is None})
    if unknown:
        reasons.append(f"no minimum OS version recorded in {', '.join(unknown)}: its floor cannot be judged")
    if not machos:
        reasons.append("no Mach-O binaries in a wheel with an Apple platform tag")
    honest = _honest_tags(machos, declared) if not libraries else ()
    return Judgement(honest, tuple(faults), tuple(reasons), _under(declared, honest), judged=not unknown)


def _slice_faults(tag: str, claim: Tuple[str, Version, Tuple[str, ...]], image: ImageFacts) -> List[Fault]:
    platform, version, arches = claim
    faults: List[Fault] = []
    by_arch = {s.arch: s for s in image.slices}
    for arch in arches:
        found = by_arch.get(arch)
        if found is None:
            faults.append(
                Fault(
                    tag,
                    image.path,
                    arch,
                    f"the tag promises {arch}; the file has {', '.join(image.arches())}",
                    True,
                    "arch-mismatch",
                )
            )
            continue
        if found.platform is not None and found.platform != platform:
            faults.append(
                Fault(
                    tag,
                    image.path,
                    found.platform,
                    f"the {arch} slice is built for {found.platform}, the tag is for {platform}",
                    True,
                    "os-mismatch",
                )
            )
        if found.minimum is not None and found.minimum > lowest_installing(platform, arch, version):
            faults.append(_minimum_fault(tag, claim, image.path, arch, found.minimum))
    return faults


def _minimum_fault(
    tag: str, claim: Tuple[str, Version, Tuple[str, ...]], path: str, arch: str, minimum: Version
) -> Fault:
    """A slice whose minimum OS is above the oldest system the tag lets install it, and the
    tag that would be honest."""
    platform, version, _arches = claim
    shown = version_text(minimum)
    honest = "_".join(map(str, tag_version_for(platform, arch, minimum) or version))
    lowest = ".".join(map(str, lowest_installing(platform, arch, version)[:2]))
    return Fault(
        tag,
        path,
        f"{arch} needs {platform} {shown}",
        f"the {arch} slice needs {platform} {shown}; the tag lets {platform} {lowest} install it "
        f"(honest from {honest})",
        False,
        "minimum-os-too-new",
    )


def _honest_tags(machos: Sequence[ImageFacts], declared: Iterable[str]) -> Tuple[str, ...]:
    """Per binary format the files allow, the lowest tag of the declared platform."""
    claims = [c for c in map(parse_apple_tag, declared) if c is not None]
    platforms = sorted({c[0] for c in claims}) or ["macos"]
    tags: List[str] = []
    for platform in platforms:
        if platform == "macos":
            formats: Sequence[Tuple[str, Tuple[str, ...]]] = sorted(MAC_FORMATS.items())
        else:
            formats = sorted({(arch, (arch,)) for c in claims if c[0] == platform for arch in c[2]})
        for name, arches in formats:
            version = _lowest_version(machos, platform, arches)
            if version is None:
                continue
            if platform == "macos":
                tags.append(f"macosx_{version[0]}_{version[1]}_{name}")
            else:
                sdk = next(sdk for sdk, plat in IOS_SDKS.items() if plat == platform)
                tags.append(f"ios_{version[0]}_{version[1]}_{name}_{sdk}")
    return tuple(tags)


def _lowest_version(machos: Sequence[ImageFacts], platform: str, arches: Tuple[str, ...]) -> Optional[Version]:
    """The lowest tag version under which every file's slices of ``arches`` run, None when a
    file lacks one of them, is for another platform or records no minimum."""
    floors: List[Version] = []
    for image in machos:
        by_arch = {s.arch: s for s in image.slices}
        for arch in arches:
            found = by_arch.get(arch)
            if found is None or found.minimum is None or found.platform not in (None, platform):
                return None
            floor = tag_version_for(platform, arch, found.minimum)
            if floor is not None:
                floors.append(floor)
    if not machos:
        return None
    if platform == "macos" and arches == ("arm64",):
        floors.append((11, 0))
    return max(floors) if floors else (10, 9)


def _under(declared: Iterable[str], honest: Sequence[str]) -> Tuple[str, ...]:
    """Where an honest tag of the same binary format names an older system than declared,
    or one the files allow covers more arches than any declared tag (an arch left out)."""
    claims = [(tag, claim) for tag, claim in ((t, parse_apple_tag(t)) for t in declared) if claim is not None]
    notes = []
    for better in honest:
        other = parse_apple_tag(better)
        if other is None:
            continue
        for tag, claim in claims:
            if other[0] == claim[0] and other[2] == claim[2] and other[1] < claim[1]:
                notes.append(f"{better} would do: it reaches older systems than {tag}")
        if claims and all(set(other[2]) - set(claim[2]) for _, claim in claims):
            wider = ", ".join(sorted(set(other[2]) - set().union(*(c[2] for _, c in claims))))
            notes.append(f"{better} would do too: the files also run on {wider}")
    return tuple(notes)


def _library_faults(machos: Sequence[ImageFacts]) -> List[Fault]:
    """Dylibs outside the system that the wheel does not carry where its loader looks,
    and rpaths or install names that point into a build machine."""
    paths = {image.path for image in machos}
    inherited = _rpaths_from_loaders(machos, paths)
    faults: List[Fault] = []
    for image in machos:
        seen: Set[Tuple[str, str]] = set()
        for piece in image.slices:
            for rpath in piece.rpaths:
                if rpath.startswith("/") and not rpath.startswith(SYSTEM_PREFIXES) and ("rpath", rpath) not in seen:
                    seen.add(("rpath", rpath))
                    faults.append(
                        Fault(
                            "",
                            image.path,
                            rpath,
                            "an LC_RPATH into the build machine, outside the wheel and the system",
                            True,
                            "build-machine-rpath",
                        )
                    )
            for name in piece.libraries:
                problem = _unreached(image.path, piece, name, paths, inherited.get(image.path, []))
                if problem and ("lib", name) not in seen:
                    seen.add(("lib", name))
                    faults.append(Fault("", image.path, name, problem, True, "library-not-allowed"))
    return faults


def _rpaths_from_loaders(machos: Sequence[ImageFacts], paths: Set[str]) -> Dict[str, List[str]]:
    """For each file, the rpaths (made absolute inside the wheel) of the files that load
    it: dyld searches the whole chain of loaders' LC_RPATHs for an @rpath name."""
    inherited: Dict[str, Set[str]] = {}
    for image in machos:
        for piece in image.slices:
            own = sorted({d for d in (_inside(image.path, r) for r in piece.rpaths) if d is not None})
            for name in set(piece.libraries + piece.optional_libraries):
                for target in _candidates(image.path, name, own):
                    if target in paths:
                        found = inherited.setdefault(target, set())
                        found.update(own)
                        if len(found) > MAX_INHERITED:
                            raise WheelError(
                                f"{target}: more than {MAX_INHERITED} rpath directories of its loaders reach it"
                            )
    return {target: sorted(found) for target, found in inherited.items()}


def _inside(loader: str, rpath: str) -> Optional[str]:
    """An LC_RPATH as a directory inside the wheel (relative to its root), or None."""
    if rpath.startswith("@loader_path"):
        directory = posixpath.normpath(
            posixpath.join(posixpath.dirname(loader), rpath[len("@loader_path") :].lstrip("/"))
        )
        return None if directory.startswith("..") else directory
    return None


def _candidates(loader: str, name: str, rpath_dirs: Sequence[str]) -> List[str]:
    if name.startswith("@loader_path/"):
        return [posixpath.normpath(posixpath.join(posixpath.dirname(loader), name[len("@loader_path/") :]))]
    if name.startswith("@rpath/"):
        return [posixpath.normpath(posixpath.join(d, name[len("@rpath/") :])) for d in rpath_dirs]
    return []


def _unreached(path: str, piece: ImageSlice, name: str, paths: Set[str], inherited: Sequence[str]) -> str:
    """Why ``name`` would not load from the installed wheel; empty when it does."""
    if name.startswith(SYSTEM_PREFIXES):
        return ""
    if name.startswith("@executable_path/"):
        return "reached through @executable_path, the interpreter's directory, not the wheel"
    if name.startswith("/"):
        return "an absolute path outside the system: a library of the build machine the wheel does not vendor"
    own = [d for d in (_inside(path, r) for r in piece.rpaths) if d is not None]
    if any(candidate in paths for candidate in _candidates(path, name, own + list(inherited))):
        return ""
    system = [r for r in piece.rpaths if r.startswith(SYSTEM_PREFIXES)]
    if name.startswith("@rpath/") and system:
        return ""  # the system's own rpath (/usr/lib/swift): what it holds is the system's to provide
    if name.startswith("@rpath/"):
        return "not in the wheel under any of its LC_RPATHs inside the wheel"
    if name.startswith("@loader_path/"):
        return "not in the wheel where @loader_path points"
    return "a bare name dyld looks up outside the wheel"
