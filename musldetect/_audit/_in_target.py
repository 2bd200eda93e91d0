"""Resolving the input's entry binaries in a target: would they load there.

The input's own files appear at ``MOUNT`` over the target's file system (``_rootfs.Overlay``),
so each binary finds its vendored libraries through its rpaths first, as it would once
installed, and the rest in the target, as the loader's search (``_loader``) does it.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Optional, Sequence

from .._loader._resolve import resolve_in
from .._resolution import Resolution
from .._rootfs import Overlay
from ._binary import BinaryFacts
from ._records import Audit, Interpreter

if TYPE_CHECKING:
    from .._rootfs import FileSystem

MOUNT = "/.musldetect-audit"  # where the input's binaries appear to the resolver


def resolved(
    result: Audit,
    binaries: Sequence[BinaryFacts],
    files_at: str,
    files: FileSystem,
    runs_in: Optional[Interpreter] = None,
) -> Audit:
    """``result`` with each entry binary (one no other binary of the input needs) resolved
    in a target's file system (this system's, or an image's), and with ``runs_in`` held to
    that interpreter's process too."""
    overlay = Overlay(files, MOUNT, files_at)
    needed = {name for binary in binaries for name in binary.needed}
    entries = [b for b in binaries if posixpath.basename(b.path) not in needed and (b.soname or "") not in needed]
    found = []
    for binary in entries:
        resolution = _unmounted(resolve_in(f"{MOUNT}/{binary.path}", overlay))
        clash = _interpreter_clash(binary, runs_in)
        if clash:
            resolution = resolution._replace(
                loads=False, reason=clash if resolution.loads else f"{clash}; {resolution.reason}"
            )
        found.append((binary.path, resolution))
    target = runs_in.described if runs_in is not None else files.label
    if result.images:  # Mach-O and PE files: no Linux loader maps them
        reason = f"{len(result.images)} {result.images[0].format} file(s) cannot load in a Linux target"
        return result._replace(target=target, resolutions=tuple(found), loads=False, reasons=result.reasons + (reason,))
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
        path=text(found.path),
        reason=text(found.reason),
        notes=tuple(map(text, found.notes)),
        libraries=tuple(
            lib._replace(path=text(lib.path) if lib.path else None, needed_by=text(lib.needed_by))
            for lib in found.libraries
        ),
        missing=tuple(
            gone._replace(needed_by=text(gone.needed_by), searched=tuple(map(text, gone.searched)))
            for gone in found.missing
        ),
        missing_versions=tuple(need._replace(needed_by=text(need.needed_by)) for need in found.missing_versions),
        mismatched=tuple(
            skip._replace(candidate=text(skip.candidate), needed_by=text(skip.needed_by)) for skip in found.mismatched
        ),
    )
