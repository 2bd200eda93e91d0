"""What the loader's search found, as records: the answer of ``musldetect.resolve()``, and
the part of an audit that resolves its binaries in a target.

They live apart from the search (``_loader``) so that an audit, which names them in its
own record, does not import the search and its rules unless it resolves.
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional, Tuple

from ._types import readable_fields


class Library(NamedTuple):
    """One needed library: ``path`` is where it resolves (None when not found), ``how``
    which step of the search found it ("RPATH of X", "RUNPATH", "ld.so.cache", "system
    directory", "already loaded", ...)."""

    name: str
    path: Optional[str]
    needed_by: str
    how: str


class Missing(NamedTuple):
    name: str
    needed_by: str
    searched: Tuple[str, ...]  # the directories looked in, in order


class MissingVersion(NamedTuple):
    library: str
    version: str
    needed_by: str


class Mismatch(NamedTuple):
    candidate: str
    needed_by: str
    reason: str  # "ELFCLASS32 for an ELFCLASS64 object", "machine 183, not 62", ...


class Resolution(NamedTuple):
    """What ``musldetect.resolve()`` found. ``loads`` is True only when nothing is missing."""

    path: str
    family: Optional[str]
    arch: str
    libraries: Tuple[Library, ...]
    missing: Tuple[Missing, ...]
    missing_versions: Tuple[MissingVersion, ...]
    mismatched: Tuple[Mismatch, ...]
    loads: bool
    reason: str
    notes: Tuple[str, ...]

    def as_dict(self) -> Dict[str, object]:
        data = self._asdict()
        for key in ("libraries", "missing", "missing_versions", "mismatched"):
            data[key] = [item._asdict() for item in getattr(self, key)]
        return data


readable_fields(Resolution, Library, Missing, MissingVersion, Mismatch)
