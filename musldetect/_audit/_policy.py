"""The manylinux (PEP 600) and musllinux (PEP 656) policies, as data.

``_policies.json`` is written by tools/write_policies.py from auditwheel's published
policy files (its source is named inside it) and held to the installed auditwheel by
tests/test_policies.py. A policy says which libraries a wheel may link without vendoring
them, which symbol versions each provides per architecture, and which of their exports a
wheel must not use. Loaded on first use: only ``audit()`` needs it.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, FrozenSet, Iterator, List, Mapping, NamedTuple, Optional, Tuple

from .._grammar import FAMILY_PREFIX, format_tag
from .._rootfs import read_host_file


class Policy(NamedTuple):
    family: str  # "glibc" (manylinux) or "musl" (musllinux)
    name: str  # "manylinux_2_17"
    aliases: Tuple[str, ...]  # ("manylinux2014",)
    version: Tuple[int, int]  # the glibc or musl release it stands for
    libraries: FrozenSet[str]  # what a wheel may link without vendoring it
    symbol_versions: Mapping[str, Dict[str, FrozenSet[str]]]  # arch -> prefix -> {"GLIBC_2.17", ...}
    blacklist: Dict[str, FrozenSet[str]]  # library -> exports a wheel must not use

    def tag(self, arch: str) -> str:
        return format_tag(self.family, self.version, arch)

    def covers(self, arch: str) -> bool:
        return arch in self.symbol_versions

    def allows_version(self, arch: str, version_name: str) -> bool:
        """Whether a need of ``version_name`` (GLIBCXX_3.4.21) fits this policy: prefixes the
        policy does not list (a vendored library's own) are not its business."""
        prefix = version_name.partition("_")[0]
        versions = self.symbol_versions
        allowed = versions[arch].get(prefix) if arch in versions else None  # not Mapping.get: once per need
        return allowed is None or version_name in allowed

    def ceiling(self, arch: str, prefix: str) -> Optional[str]:
        """The newest numbered version of ``prefix`` the policy allows on ``arch``."""
        numbered = [(version_numbers(name), name) for name in self.symbol_versions.get(arch, {}).get(prefix, ())]
        known = [(numbers, name) for numbers, name in numbered if numbers]
        return max(known)[1] if known else None


def version_numbers(version_name: str) -> Tuple[int, ...]:
    """(3, 4, 21) of "GLIBCXX_3.4.21"; () for a name that is no release ("GLIBC_PRIVATE").
    Remembered: the same few hundred names recur in every binary of every wheel."""
    found = _VERSION_NUMBERS.get(version_name)
    if found is None:
        pieces = version_name.partition("_")[2].split(".")
        found = tuple(int(p) for p in pieces) if all(p.isdigit() for p in pieces) else ()
        if len(_VERSION_NUMBERS) < 65536:  # bounded: names come from the files read
            _VERSION_NUMBERS[version_name] = found
    return found


_VERSION_NUMBERS: Dict[str, Tuple[int, ...]] = {}


class _ByArch(Mapping[str, Dict[str, FrozenSet[str]]]):
    """A policy's symbol versions per arch, each arch's sets made when it is first asked
    for: an audit reads the archs of its binaries, one or two of up to eight per policy
    (making them all took most of the policies' load, ~2 ms of every audit)."""

    def __init__(self, names: Dict[str, Dict[str, List[str]]]) -> None:
        self._names = names  # arch -> prefix -> ["2.17", ...], as the data has them
        self._made: Dict[str, Dict[str, FrozenSet[str]]] = {}

    def __getitem__(self, arch: str) -> Dict[str, FrozenSet[str]]:
        made = self._made.get(arch)
        if made is None:
            prefixes = self._names[arch]
            made = {prefix: frozenset(f"{prefix}_{version}" for version in names) for prefix, names in prefixes.items()}
            self._made[arch] = made
        return made

    def __contains__(self, arch: object) -> bool:
        return arch in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


_loaded: Dict[str, Tuple[Policy, ...]] = {}
_source: List[str] = []


def source() -> str:
    """Where the data came from, as written in it."""
    _load()
    return _source[0]


def policies(family: str) -> Tuple[Policy, ...]:
    """The policies of one C library family, oldest release first."""
    _load()
    return _loaded[family]


def _load() -> None:
    if not _loaded:
        data = _data()
        for family, key in FAMILY_PREFIX.items():  # the data is keyed by the tags' prefix, as auditwheel's is
            _loaded[family] = tuple(_policy(family, entry) for entry in data[key])
        _source.append(str(data["source"]))


def _data() -> Dict[str, Any]:
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_policies.json")
    data: Dict[str, Any] = json.loads(read_host_file(path, 16 << 20))
    return data


def _policy(family: str, entry: Dict[str, Any]) -> Policy:
    major, minor = entry["version"]
    blacklist = {library: frozenset(names) for library, names in entry["blacklist"].items()}
    return Policy(
        family,
        str(entry["name"]),
        tuple(entry["aliases"]),
        (int(major), int(minor)),
        frozenset(entry["libraries"]),
        _ByArch(entry["symbol_versions"]),
        blacklist,
    )


def policy_for_tag(family: str, version: Tuple[int, int], arch: str) -> Optional[Policy]:
    """The policy a declared tag is held to: the newest one not newer than the tag's release
    that covers the arch (PEP 600 tags between policies take the one below)."""
    below: List[Policy] = [p for p in policies(family) if p.version <= version and p.covers(arch)]
    return below[-1] if below else None
