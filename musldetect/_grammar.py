"""How Linux platform tags are spelled: one home for the grammar every part of the package reads.

The family prefixes (PEP 600 ``manylinux``, PEP 656 ``musllinux``) and the C library each
stands for, the legacy manylinux aliases with the glibc release and arches each was
defined for, each family's arch list and manylinux's glibc floor per arch. Tags are
formatted and parsed here, so a new spelling is one edit of this module: the tag lists
(``_tags``), platform specs (``_platform``), the audit's policies and judge and the CLI
all follow. Imported on the hot path (``_tags``): no ``typing`` or ``re`` at import.
"""

from __future__ import annotations

from ._types import _Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, FrozenSet, Optional, Tuple

GLIBC, MUSL = "glibc", "musl"
# The prefix of each C library's tags, and back.
FAMILY_PREFIX: Dict[str, str] = {GLIBC: "manylinux", MUSL: "musllinux"}
FAMILY_OF_PREFIX: Dict[str, str] = {prefix: family for family, prefix in FAMILY_PREFIX.items()}
# Every arch manylinux defines (auditwheel's policies; tests/test_targets.py holds it to them).
MANYLINUX_ARCHS: FrozenSet[str] = frozenset(
    {"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x", "loongarch64", "riscv64"}
)
# PEP 656 names no arch list; these are the arches auditwheel's musllinux policies define.
MUSLLINUX_ARCHS: FrozenSet[str] = frozenset(
    {"x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64", "loongarch64"}
)
FAMILY_ARCHS: Dict[str, FrozenSet[str]] = {GLIBC: MANYLINUX_ARCHS, MUSL: MUSLLINUX_ARCHS}
# The legacy manylinux aliases: the glibc release each stands for, and the only arches its
# policy covered (a spec names them only there; packaging's tag list adds them on any arch).
_LEGACY: Dict[str, Tuple[Tuple[int, int], FrozenSet[str]]] = {
    "manylinux1": ((2, 5), frozenset({"x86_64", "i686"})),
    "manylinux2010": ((2, 12), frozenset({"x86_64", "i686"})),
    "manylinux2014": ((2, 17), frozenset({"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"})),
}
LEGACY_VERSIONS: Dict[str, Tuple[int, int]] = {alias: version for alias, (version, _) in _LEGACY.items()}
LEGACY_ARCHS: Dict[str, FrozenSet[str]] = {alias: archs for alias, (_, archs) in _LEGACY.items()}
_LEGACY_OF_VERSION = {version: alias for alias, version in LEGACY_VERSIONS.items()}
_ARCH_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_DIGITS = frozenset("0123456789")


class PlatformTag(_Record):
    """What a Linux platform tag names, by its spelling alone (no arch list or floor checked)."""

    family: Optional[str]  # "glibc", "musl", or None for linux_<arch>
    version: Optional[Tuple[int, int]]  # the C library release; None for linux_<arch>
    arch: str
    alias: Optional[str] = None  # the legacy alias it was spelled with ("manylinux2014")


def manylinux_floor(arch: str) -> Tuple[int, int]:
    """The oldest glibc a manylinux tag names on this arch (packaging's bound)."""
    return (2, 5) if arch in ("x86_64", "i686") else (2, 17)


def format_tag(family: str, version: Tuple[int, ...], arch: str) -> str:
    """``manylinux_2_17_x86_64``: the tag of a C library release (major, minor) on an arch."""
    return f"{FAMILY_PREFIX[family]}_{version[0]}_{version[1]}_{arch}"


def legacy_alias(version: Tuple[int, int]) -> Optional[str]:
    """The legacy manylinux alias of a glibc release, if it has one ("manylinux2014")."""
    return _LEGACY_OF_VERSION.get(version)


def parse_tag(tag: str) -> Optional[PlatformTag]:
    """What a platform tag names: ``manylinux_X_Y_ARCH``, ``musllinux_X_Y_ARCH``, a legacy
    alias and an arch, or ``linux_ARCH``; None for any other spelling. X and Y are ASCII
    digits, ARCH lower-case ASCII letters, digits and ``_`` (any text after ``linux_``)."""
    prefix, separator, rest = tag.partition("_")
    family = FAMILY_OF_PREFIX.get(prefix)
    if family is not None:
        pieces = rest.split("_", 2)
        if (
            len(pieces) == 3
            and all(_spelled(piece, _DIGITS) for piece in pieces[:2])
            and _spelled(pieces[2], _ARCH_CHARACTERS)
        ):
            return PlatformTag(family, (int(pieces[0]), int(pieces[1])), pieces[2])
        return None
    if prefix in LEGACY_VERSIONS:
        return PlatformTag(GLIBC, LEGACY_VERSIONS[prefix], rest, prefix) if _spelled(rest, _ARCH_CHARACTERS) else None
    if prefix == "linux" and separator:
        return PlatformTag(None, None, rest)
    return None


def _spelled(text: str, characters: FrozenSet[str]) -> bool:
    return bool(text) and characters.issuperset(text)  # each character tested at C speed
