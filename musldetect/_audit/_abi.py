"""The python and ABI parts of a wheel tag, judged from the extension modules' symbols
and file names (the platform part is ``_wheel``'s).

- abi3 / abi3t (PEP 384, PEP 803): a ``cpXY-abi3`` wheel promises every CPython from X.Y
  on; each undefined ``Py*``/``_Py*`` symbol of its binaries must be in the stable ABI of
  X.Y or older (``_stable_abi``). A ``Py``-named symbol a binary defines and exports
  (``PyInit_*`` aside) is a fault too: the loader binds every reference to the first
  definition in the process, which is the interpreter's once some CPython defines that
  name, so the extension would call a function it was not built with (abi3audit flags
  the same names). abi3t also cannot be checked further from a binary: it makes
  ``PyObject`` opaque at compile time, and inline field access leaves no symbol.
- The file names: an extension module (a binary exporting ``PyInit_*``) is imported
  only by interpreters whose ``importlib.machinery.EXTENSION_SUFFIXES`` list its suffix.
- A wheel whose ABI tag is ``none`` carries no extension module, and an extension that
  links libpython belongs to an embedding program, not to a wheel.
"""

from __future__ import annotations

import posixpath
import re
from typing import Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

from . import _stable_abi
from ._binary import BinaryFacts
from ._records import Blame

Version = Tuple[int, int]
ABI3_FIRST: Version = (3, 2)
ABI3T_FIRST: Version = (3, 15)  # PEP 803: the free-threaded stable ABI starts with CPython 3.15
ARCH_SUFFIX_START = (3, 15)  # .abi3-<triplet>.so / .abi3t[-<triplet>].so are imported from 3.15 on

_SUFFIX = re.compile(
    r"\.(?:cpython-(?P<cp>[0-9]+)(?P<flags>[a-z]*)-(?P<cptriplet>[^.]+)"
    r"|(?P<abi3>abi3t?)(?:-(?P<abi3triplet>[^.]+))?"
    r"|(?P<pypy>pypy[0-9]+-pp[0-9]+)-(?P<pptriplet>[^.]+))\.so$"
)
_CPYTHON_ABI = re.compile(r"^cp(?P<version>[0-9]+)(?P<flags>[a-z]*)$")
_PYTHON_TAG = re.compile(r"^(?P<impl>cp|pp|py)(?P<version>[0-9]+)$")
# The first word of the multiarch triplet CPython's configure gives each arch.
_TRIPLET_ARCH = {
    "x86_64": ("x86_64",),
    "i686": ("i386", "i686"),
    "aarch64": ("aarch64",),
    "armv7l": ("arm", "armv7l"),
    "ppc64le": ("powerpc64le",),
    "s390x": ("s390x",),
    "riscv64": ("riscv64",),
    "loongarch64": ("loongarch64",),
}


class Suffix(NamedTuple):
    kind: str  # "cpython", "abi3", "abi3t", "pypy" or "plain"
    version: Optional[Version]  # cpython-312 -> (3, 12)
    flags: str  # "d", "t", "td"...
    triplet: Optional[str]
    pypy: Optional[str]  # "pypy310-pp73"


def _version(digits: str) -> Version:
    return int(digits[0]), int(digits[1:] or 0)


def parse_suffix(name: str) -> Optional[Suffix]:
    """The extension suffix of a file name, None when it does not end in ``.so``."""
    if not name.endswith(".so"):
        return None
    match = _SUFFIX.search(posixpath.basename(name))
    if match is None:
        return Suffix("plain", None, "", None, None)
    if match.group("cp"):
        return Suffix("cpython", _version(match.group("cp")), match.group("flags"), match.group("cptriplet"), None)
    if match.group("abi3"):
        return Suffix(match.group("abi3"), None, "", match.group("abi3triplet"), None)
    return Suffix("pypy", None, "", match.group("pptriplet"), match.group("pypy"))


def _interpreter_imports(suffix: Suffix, abi: str, python: str) -> Optional[str]:
    """Why the interpreters ``python-abi`` stands for would not all import ``suffix``
    (None: they all do)."""
    if suffix.kind == "plain":
        return None  # ".so" is in every interpreter's EXTENSION_SUFFIXES
    cp = _CPYTHON_ABI.match(abi)
    tag_version = _python_version(python)
    if abi in ("abi3", "abi3t"):
        if suffix.kind not in ("abi3", "abi3t"):
            return (
                f"only one interpreter imports {suffix_text(suffix)}, {python}-{abi} promises every CPython "
                f"from {_dotted(tag_version)} on"
            )
        if abi == "abi3t" and suffix.kind == "abi3":
            return "free-threaded CPython does not import .abi3 suffixes; an abi3t wheel promises it"
        if (suffix.kind == "abi3t" or suffix.triplet) and (tag_version is None or tag_version < ARCH_SUFFIX_START):
            return f"CPython imports {suffix_text(suffix)} from 3.15 on, {python}-{abi} promises {_dotted(tag_version)}"
        return None
    if cp is not None:
        version, flags = _version(cp.group("version")), cp.group("flags")
        if suffix.kind == "cpython":
            if suffix.version != version or sorted(suffix.flags) != sorted(flags):
                return f"{suffix_text(suffix)} is for another interpreter than {abi}"
            return None
        if (
            suffix.kind == "abi3"
            and "t" not in flags
            and version >= (3, 2)
            and (not suffix.triplet or version >= ARCH_SUFFIX_START)
        ):
            return None
        if suffix.kind == "abi3t" and version >= ARCH_SUFFIX_START:
            return None
        return f"CPython {_dotted(version)}{flags} does not import {suffix_text(suffix)}"
    if abi.startswith("pypy"):
        if suffix.kind == "pypy" and suffix.pypy == abi.replace("_", "-"):
            return None
        return f"PyPy's {abi} imports its own suffix (.{abi.replace('_', '-')}-<triplet>.so) or .so"
    return None


def suffix_text(suffix: Suffix) -> str:
    if suffix.kind == "cpython":
        assert suffix.version is not None
        return f".cpython-{suffix.version[0]}{suffix.version[1]}{suffix.flags}-{suffix.triplet}.so"
    if suffix.kind == "pypy":
        return f".{suffix.pypy}-{suffix.triplet}.so"
    return f".{suffix.kind}" + (f"-{suffix.triplet}" if suffix.triplet else "") + ".so"


def _python_version(python: str) -> Optional[Version]:
    match = _PYTHON_TAG.match(python)
    if match is None or len(match.group("version")) < 2:
        return None
    return _version(match.group("version"))


def _dotted(version: Optional[Version]) -> str:
    return "?" if version is None else f"{version[0]}.{version[1]}"


def stable_abi_causes(tag: str, baseline: Version, binary: BinaryFacts) -> List[Blame]:
    """Why one binary breaks the stable ABI of ``baseline``: symbols too new or outside it,
    and Py-named symbols it exports."""
    causes = []
    for name in binary.python_imports:
        entry = _stable_abi.lookup(name)
        if entry is None:
            causes.append(
                Blame(
                    tag,
                    binary.path,
                    f"{name} (not in the stable ABI)",
                    f"{name} is not in CPython's stable ABI: the extension works with the "
                    "interpreter it was built for only",
                    "not-in-stable-abi",
                )
            )
        elif entry.added > baseline:
            causes.append(
                Blame(
                    tag,
                    binary.path,
                    f"{name} (stable ABI from {_dotted(entry.added)})",
                    f"{name} joined the stable ABI in CPython {_dotted(entry.added)}, after {_dotted(baseline)}",
                    "stable-abi-too-new",
                )
            )
    for name in binary.python_exports:
        if not name.startswith("PyInit_"):
            causes.append(
                Blame(
                    tag,
                    binary.path,
                    f"{name} (exported)",
                    f"the binary exports the CPython-named {name}: where an interpreter defines it, "
                    "the loader binds the extension's own calls to the interpreter's",
                    "exports-python-symbol",
                )
            )
    return causes


def lowest_stable_version(binaries: Iterable[BinaryFacts], floor: Version) -> Optional[Version]:
    """The oldest CPython whose stable ABI has every Py symbol these binaries import (at
    least ``floor``), None when one is outside the stable ABI or a Py name is exported."""
    lowest = floor
    for binary in binaries:
        if any(not name.startswith("PyInit_") for name in binary.python_exports):
            return None
        for name in binary.python_imports:
            entry = _stable_abi.lookup(name)
            if entry is None:
                return None
            lowest = max(lowest, entry.added)
    return lowest


def judge(declared: Sequence[str], binaries: Sequence[BinaryFacts]) -> Tuple[List[Blame], List[str]]:
    """Causes against the python and ABI parts of the declared full tags, and the honest
    abi3 pair (``cp310-abi3``) when the wheel declares abi3 or abi3t."""
    causes: List[Blame] = []
    honest: List[str] = []
    extensions = [b for b in binaries if b.is_extension]
    pairs = sorted({tag.rsplit("-", 1)[0] for tag in declared if tag.count("-") == 2})
    seen: Set[str] = set()
    for pair in pairs:
        python, abi = pair.split("-")
        causes.extend(_pair_causes(pair, python, abi, binaries, extensions))
        if abi in ("abi3", "abi3t") and abi not in seen:
            seen.add(abi)
            lowest = lowest_stable_version(binaries, ABI3T_FIRST if abi == "abi3t" else ABI3_FIRST)
            if lowest is not None:
                honest.append(f"cp{lowest[0]}{lowest[1]}-{abi}")
    for binary in extensions:
        for needed in binary.needed:
            if needed.startswith("libpython"):
                causes.append(
                    Blame(
                        "",
                        binary.path,
                        needed,
                        "an extension module that links libpython: only a "
                        "program embedding Python does that; the interpreter provides the symbols",
                        "links-libpython",
                    )
                )
    return causes, honest


def _pair_causes(
    pair: str, python: str, abi: str, binaries: Sequence[BinaryFacts], extensions: Sequence[BinaryFacts]
) -> List[Blame]:
    causes: List[Blame] = []
    if abi == "none":
        return [
            Blame(
                pair,
                b.path,
                "extension module",
                f"{posixpath.basename(b.path)} exports "
                f"{_init_name(b)}: an extension module in a wheel whose ABI tag is none",
                "extension-in-abi-none-wheel",
            )
            for b in extensions
        ]
    if abi in ("abi3", "abi3t"):
        baseline = _python_version(python)
        if baseline is None or not python.startswith("cp"):
            wanted = f"{abi} needs a CPython tag with a minor version (cp39), not {python}"
            return [Blame(pair, "", pair, wanted, "abi-tag-malformed")]
        if abi == "abi3t" and baseline < ABI3T_FIRST:
            causes.append(Blame(pair, "", pair, "abi3t (PEP 803) exists from CPython 3.15 on", "abi-tag-malformed"))
        for binary in binaries:
            causes.extend(stable_abi_causes(pair, baseline, binary))
    for binary in extensions:
        suffix = parse_suffix(binary.path)
        why = _interpreter_imports(suffix, abi, python) if suffix is not None else None
        if why is None and suffix is not None and suffix.triplet and not _triplet_fits(suffix.triplet, binary.arch):
            why = f"its suffix names {suffix.triplet}, the binary is {binary.arch}"
        if why is not None and suffix is not None:
            causes.append(Blame(pair, binary.path, suffix_text(suffix), why, "extension-suffix"))
    return causes


def _init_name(binary: BinaryFacts) -> str:
    return next(name for name in binary.python_exports if name.startswith("PyInit_"))


def _triplet_fits(triplet: str, arch: str) -> bool:
    words = _TRIPLET_ARCH.get(arch)
    return words is None or triplet.split("-", 1)[0] in words
