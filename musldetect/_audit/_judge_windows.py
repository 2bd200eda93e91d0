"""The Windows judge: may these PE files carry a ``win32``, ``win_amd64`` or ``win_arm64`` tag.

Every PE file's machine must be the tag's. Every DLL it imports or delay-loads must be
part of Windows, part of the Python install the wheel's python and ABI tags name, or
vendored in the wheel: beside the file that loads it, or in a top-level ``<pkg>.libs``
(delvewheel's layout). Which DLLs Windows and Python provide is data
(``_windows_dlls.json``, written by tools/write_windows_dlls.py from delvewheel's lists).
A wheel whose python tag names one CPython (``cp312-none``) gets that CPython's runtime
DLLs, as ``cp312-cp312`` does. An extension of an ``abi3`` wheel must import the stable
ABI's ``python3.dll``: importing a versioned ``python3XY.dll`` ties it to one CPython, so
the abi3 tag over-promises (the stable-ABI symbols themselves are the ABI judge's).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from typing import Collection, Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

from ._images import PE, Fault, ImageFacts, Judgement

WINDOWS_TAGS = {"win32": "x86", "win_amd64": "amd64", "win_arm64": "arm64"}
TAG_OF_MACHINE = {machine: tag for tag, machine in WINDOWS_TAGS.items()}
VERSIONED_PYTHON_DLL = re.compile(r"python3[0-9]+t?(_d)?\.dll", re.IGNORECASE)
_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_windows_dlls.json")


class WindowsDlls(NamedTuple):
    source: str
    system: Dict[str, FrozenSet[str]]  # machine -> lower-case names on every Windows 7 SP1+
    never_vendored: Tuple[re.Pattern[str], ...]  # interpreters' own DLLs, API sets
    runtime: Tuple[Tuple[re.Pattern[str], FrozenSet[str]], ...]  # "<abi>-<platform>" -> the install's DLLs
    runtime_abi3: Tuple[Tuple[re.Pattern[str], FrozenSet[str]], ...]  # "<python>-<platform>" (abi3)


_loaded: List[WindowsDlls] = []


def windows_dlls() -> WindowsDlls:
    """The lists, read once."""
    if not _loaded:
        with open(_DATA, encoding="utf-8") as fh:
            raw = json.load(fh)
        _loaded.append(
            WindowsDlls(
                raw["source"],
                {machine: frozenset(names) for machine, names in raw["system"].items()},
                tuple(re.compile(p) for p in raw["never_vendored"]),
                tuple((re.compile(p), frozenset(n)) for p, n in sorted(raw["python_runtime"].items())),
                tuple((re.compile(p), frozenset(n)) for p, n in sorted(raw["python_runtime_abi3"].items())),
            )
        )
    return _loaded[0]


def python_runtime(declared_full: Collection[str]) -> FrozenSet[str]:
    """The DLLs every Python install the full tags (py-abi-platform) name ships; with no
    tags (a lone file, a directory), those of any CPython 3 install."""
    data = windows_dlls()
    if not declared_full:
        return frozenset().union(*(names for pattern, names in data.runtime_abi3))
    common: Optional[FrozenSet[str]] = None
    for full in declared_full:
        python, abi, platform = full.split("-")
        if abi in ("abi3", "abi3t"):
            key, table = f"{python}-{platform}", data.runtime_abi3
        else:
            key, table = f"{abi if abi != 'none' else python}-{platform}", data.runtime
        found = next((names for pattern, names in table if pattern.fullmatch(key)), frozenset())
        common = found if common is None else common & found
    return common or frozenset()


def judge_windows(images: Sequence[ImageFacts], declared: Iterable[str], declared_full: Collection[str]) -> Judgement:
    pes = [image for image in images if image.format == PE]
    faults: List[Fault] = []
    for image in images:
        if image.format != PE:
            faults.append(
                Fault(
                    "",
                    image.path,
                    image.format,
                    f"a {image.format} file in a Windows wheel",
                    True,
                    "foreign-binary-format",
                )
            )
    machines = {piece.arch for image in pes for piece in image.slices}
    for tag in declared:
        machine = WINDOWS_TAGS.get(tag)
        if machine is None:
            faults.append(Fault(tag, "", tag, "not a Windows platform tag", True, "unknown-platform-tag"))
            continue
        for image in pes:
            arch = image.slices[0].arch
            if arch != machine:
                fault = Fault(
                    tag, image.path, arch, f"the tag is for {machine}, the file for {arch}", True, "arch-mismatch"
                )
                faults.append(fault)
    faults.extend(_dll_faults(pes, python_runtime(declared_full)))
    faults.extend(_abi3_faults(pes, declared_full))
    reasons = [] if pes else ["no PE binaries in a wheel with a Windows platform tag"]
    honest: Tuple[str, ...] = ()
    if len(machines) == 1 and not any(f.inconsistent for f in faults):
        honest = tuple(TAG_OF_MACHINE[m] for m in machines if m in TAG_OF_MACHINE)
    return Judgement(honest, tuple(faults), tuple(reasons), ())


def _dll_faults(pes: Sequence[ImageFacts], runtime: FrozenSet[str]) -> List[Fault]:
    data = windows_dlls()
    by_directory: Dict[str, Set[str]] = {}
    for image in pes:
        directory, name = posixpath.split(image.path)
        by_directory.setdefault(directory, set()).add(name.lower())
    libs = set().union(*(names for directory, names in by_directory.items() if _is_libs_directory(directory)))
    faults: List[Fault] = []
    for image in pes:
        piece = image.slices[0]
        system = data.system.get(piece.arch, frozenset())
        beside = by_directory.get(posixpath.dirname(image.path), set())
        for dll in piece.libraries + piece.optional_libraries:
            name = dll.lower()
            if (
                name in system
                or name in runtime
                or name in beside
                or name in libs
                or any(p.fullmatch(name) for p in data.never_vendored)
            ):
                continue
            how = "delay-loads" if dll in piece.optional_libraries else "imports"
            faults.append(
                Fault(
                    "",
                    image.path,
                    dll,
                    f"{how} {dll}, which is neither part of Windows nor of the "
                    f"Python install ({data.source}) and is not vendored beside it "
                    f"or in a <pkg>.libs directory",
                    True,
                    "library-not-allowed",
                )
            )
    return faults


def _abi3_faults(pes: Sequence[ImageFacts], declared_full: Iterable[str]) -> List[Fault]:
    """An extension (it exports PyInit_*) of an abi3 wheel that imports python3XY.dll."""
    faults: List[Fault] = []
    for full in sorted(declared_full):
        python, abi, platform = full.split("-")
        if abi != "abi3":
            continue
        for image in pes:
            piece = image.slices[0]
            for dll in piece.libraries + piece.optional_libraries:
                if piece.exports and VERSIONED_PYTHON_DLL.fullmatch(dll):
                    faults.append(
                        Fault(
                            platform,
                            image.path,
                            dll,
                            f"{full}: an abi3 extension must import python3.dll; {dll} ties it to one CPython release",
                            False,
                            "versioned-python-dll",
                        )
                    )
    return faults


def _is_libs_directory(directory: str) -> bool:
    """delvewheel's ``<pkg>.libs`` at the top of the wheel (site-packages)."""
    return "/" not in directory and directory.endswith(".libs")
