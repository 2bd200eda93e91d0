"""Platform specs: a name for a place wheels are installed, understood whole or refused.

A spec that is only partly understood must not be read as something else (a resolver
would then pick wheels that do not load there), so every part is checked: the family's
arch list, the ABI variant, the C library version and its floor on that arch. Forms:

- packaging's tags: ``manylinux_2_28_x86_64``, ``manylinux2014_aarch64`` (and the other
  legacy aliases, on the arches they were defined for), ``musllinux_1_2_aarch64``,
  ``linux_<arch>`` (any arch; outside manylinux/musllinux it gets a note);
- uv's ``--python-platform`` names: ``<arch>-manylinux_2_28``, ``<arch>-musllinux_1_2``
  and its named triples, with the C library version uv takes each for;
- Rust target triples with a glibc suffix as cargo-zigbuild writes them:
  ``aarch64-unknown-linux-gnu.2.17``, ``armv7-unknown-linux-gnueabihf.2.17``.
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional, Tuple

from ._grammar import (
    FAMILY_ARCHS,
    FAMILY_PREFIX,
    GLIBC,
    LEGACY_ARCHS,
    LEGACY_VERSIONS,
    MANYLINUX_ARCHS,
    MUSLLINUX_ARCHS,
    manylinux_floor,
)

# Rust's arch names (the first part of a target triple) for the tag arches they build for.
# Not here on purpose: arm (ARMv6), i586 (no SSE2), thumbv7neon, powerpc (32-bit).
RUST_ARCHS: Dict[str, str] = {
    "x86_64": "x86_64",
    "i686": "i686",
    "aarch64": "aarch64",
    "armv7": "armv7l",
    "powerpc64le": "ppc64le",
    "powerpc64": "ppc64",
    "s390x": "s390x",
    "riscv64gc": "riscv64",
    "riscv64": "riscv64",
    "loongarch64": "loongarch64",
}
# uv's --python-platform names for Linux and the C library each stands for in uv.
UV_NAMES: Dict[str, Tuple[str, Tuple[int, int], str]] = {
    "linux": ("glibc", (2, 28), "x86_64"),
    "x86_64-unknown-linux-gnu": ("glibc", (2, 28), "x86_64"),
    "aarch64-unknown-linux-gnu": ("glibc", (2, 28), "aarch64"),
    "s390x-unknown-linux-gnu": ("glibc", (2, 28), "s390x"),
    "powerpc64le-unknown-linux-gnu": ("glibc", (2, 28), "ppc64le"),
    "loongarch64-unknown-linux-gnu": ("glibc", (2, 36), "loongarch64"),
    "riscv64-unknown-linux-gnu": ("glibc", (2, 39), "riscv64"),
    "x86_64-unknown-linux-musl": ("musl", (1, 2), "x86_64"),
    "aarch64-unknown-linux-musl": ("musl", (1, 2), "aarch64"),
}
# A few examples, one per form, for an error message (the command's --help and docs/targets.md list them all).
ACCEPTED_FORMS = (
    "manylinux_2_28_x86_64",
    "musllinux_1_2_aarch64",
    "linux_<arch>",
    "x86_64-manylinux_2_28",
    "aarch64-unknown-linux-musl",
    "aarch64-unknown-linux-gnu.2.17",
)


class PlatformSpec(NamedTuple):
    """What a spec names."""

    family: Optional[str]  # "glibc", "musl", or None for linux_<arch>
    version: Optional[Tuple[int, int]]
    arch: str  # the tag arch
    note: Optional[str]  # what the user should know of an accepted spec


class _Refused(Exception):
    """One part of the spec is not understood; the message names it."""


def parse_platform(spec: str) -> PlatformSpec:
    """The C library family, version and tag arch a spec names, or ValueError naming the
    part not understood and listing the accepted forms."""
    text = spec.strip()
    try:
        return _parse(text)
    except _Refused as exc:
        raise ValueError(f"platform {spec!r}: {exc}\n  accepted forms: {', '.join(ACCEPTED_FORMS)}, ...") from None


def _parse(text: str) -> PlatformSpec:
    if not text:
        raise _Refused("empty")
    if text in UV_NAMES:
        family, version, arch = UV_NAMES[text]
        return PlatformSpec(family, version, arch, f"uv's name {text!r}: {family} {version[0]}.{version[1]} on {arch}")
    if "-" not in text:
        return _parse_tag(text)
    parts = text.split("-")
    if len(parts) >= 3 and parts[1:3] == ["unknown", "linux"]:
        return _parse_triple(parts[0], "-".join(parts[3:]), text)
    if len(parts) == 2:  # uv's ARCH-manylinux_X_Y / ARCH-musllinux_X_Y
        arch = _known_arch(parts[0])
        if not parts[1].startswith(tuple(FAMILY_PREFIX.values())):
            raise _Refused(f"{parts[1]!r} after the arch is not manylinux_X_Y, manylinuxYYYY or musllinux_X_Y")
        return _parse_tag(f"{parts[1]}_{arch}")
    raise _Refused("not a platform tag, a uv platform name or an <arch>-unknown-linux-<abi> triple")


def _known_arch(name: str) -> str:
    if name in RUST_ARCHS:
        return RUST_ARCHS[name]
    if name in MANYLINUX_ARCHS or name in MUSLLINUX_ARCHS:
        return name
    raise _Refused(
        f"arch {name!r} is not one manylinux or musllinux defines "
        f"({', '.join(sorted(MANYLINUX_ARCHS | MUSLLINUX_ARCHS))})"
    )


def _parse_triple(rust_arch: str, abi: str, text: str) -> PlatformSpec:
    if rust_arch not in RUST_ARCHS:
        raise _Refused(
            f"arch {rust_arch!r} of the triple is not one manylinux or musllinux defines\n"
            f"  arches of a triple: {', '.join(sorted(RUST_ARCHS))}"
        )
    arch = RUST_ARCHS[rust_arch]
    gnu, musl = ("gnueabihf", "musleabihf") if arch == "armv7l" else ("gnu", "musl")
    name, dot, version_text = abi.partition(".")
    if name == gnu:
        if not dot:
            floor = "{}.{}".format(*manylinux_floor(arch))
            raise _Refused(
                f"names no glibc version (only uv's own triples imply one): add it, as in "
                f"{text}.{floor}, or write {arch}-manylinux_{floor.replace('.', '_')}"
            )
        version = _number_pair(version_text, "glibc version")
        _check_glibc(version, arch)
        return PlatformSpec("glibc", version, arch, None)
    if name == musl:
        if dot:
            raise _Refused(f"a musl triple takes no version suffix: write {arch}-musllinux_1_2")
        raise _Refused(
            f"names no musl version (uv defines one only for x86_64 and aarch64): write {arch}-musllinux_1_2"
        )
    raise _Refused(
        f"ABI {name!r} is not {gnu!r} or {musl!r} for {rust_arch}: another platform "
        "(x32, soft-float ARM, ILP32 and the like have no manylinux or musllinux tags)"
    )


def _parse_tag(text: str) -> PlatformSpec:
    if text.startswith("linux_"):
        arch = text[len("linux_") :]
        if (
            not arch
            or not arch[0].isalpha()
            or not all(c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in arch)
        ):
            raise _Refused(f"arch {arch!r} is not an arch name (lower-case letters, digits, _)")
        note = None
        if arch not in MANYLINUX_ARCHS and arch not in MUSLLINUX_ARCHS and arch != "armv8l":
            note = f"{arch} is an arch outside manylinux and musllinux: only linux_{arch} tags"
        return PlatformSpec(None, None, arch, note)
    for alias, archs in LEGACY_ARCHS.items():
        if text.startswith(alias + "_"):
            arch = text[len(alias) + 1 :]
            if arch not in archs:
                raise _Refused(f"{alias} is defined for {', '.join(sorted(archs))}, not {arch!r}")
            return PlatformSpec(GLIBC, LEGACY_VERSIONS[alias], arch, None)
    for family, archs in FAMILY_ARCHS.items():
        prefix = FAMILY_PREFIX[family] + "_"
        if not text.startswith(prefix):
            continue
        pieces = text[len(prefix) :].split("_", 2)
        if len(pieces) != 3:
            raise _Refused(f"{prefix}X_Y_ARCH expected")
        version = _number_pair(f"{pieces[0]}.{pieces[1]}", f"{family} version")
        arch = pieces[2]
        if arch not in archs:
            raise _Refused(f"arch {arch!r} is not one {prefix.rstrip('_')} defines ({', '.join(sorted(archs))})")
        if family == GLIBC:
            _check_glibc(version, arch)
        elif version[0] != 1:
            raise _Refused(f"musl {version[0]}.x does not exist: musllinux_1_Y")
        return PlatformSpec(family, version, arch, None)
    raise _Refused("not a platform tag (manylinux_X_Y_ARCH, manylinux2014_ARCH, musllinux_X_Y_ARCH, linux_ARCH)")


def _number_pair(text: str, what: str) -> Tuple[int, int]:
    pieces = text.split(".")
    if len(pieces) != 2 or not all(p.isascii() and p.isdigit() and str(int(p)) == p for p in pieces):
        raise _Refused(f"{what} {text!r} is not MAJOR.MINOR in plain numbers")
    return int(pieces[0]), int(pieces[1])


def _check_glibc(version: Tuple[int, int], arch: str) -> None:
    floor = manylinux_floor(arch)
    if version[0] < 2 or version < floor:
        raise _Refused(
            f"glibc {version[0]}.{version[1]} is older than manylinux's floor on {arch} ({floor[0]}.{floor[1]})"
        )
