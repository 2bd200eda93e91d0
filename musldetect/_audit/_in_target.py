"""Resolving the input's entry binaries in a target: would they load there.

The input's own files appear at ``MOUNT`` over the target's file system (``_rootfs.Overlay``),
so each binary finds its vendored libraries through its rpaths first, as it would once
installed, and the rest in the target, as the loader's search (``_loader``) does it.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Sequence

from .._loader._resolve import resolve_in
from .._rootfs import Overlay
from ._binary import BinaryFacts
from ._records import Audit

if TYPE_CHECKING:
    from .._rootfs import FileSystem

MOUNT = "/.musldetect-audit"  # where the input's binaries appear to the resolver


def resolved(result: Audit, binaries: Sequence[BinaryFacts], files_at: str, files: FileSystem) -> Audit:
    """``result`` with each entry binary (one no other binary of the input needs) resolved
    in a target's file system (this system's, or an image's)."""
    overlay = Overlay(files, MOUNT, files_at)
    needed = {name for binary in binaries for name in binary.needed}
    entries = [b for b in binaries if posixpath.basename(b.path) not in needed and (b.soname or "") not in needed]
    found = []
    for binary in entries:
        found.append((binary.path, resolve_in(f"{MOUNT}/{binary.path}", overlay)))
    return result._replace(target=files.label, resolutions=tuple(found), loads=all(r.loads for _, r in found))
