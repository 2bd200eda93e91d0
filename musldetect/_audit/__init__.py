"""The wheel audit: may a wheel (or an unpacked tree, or one binary) carry its tags.

A cold domain: nothing on the hot path (``platform_tags()``, ``sys_tags()``) imports it,
so it can grow (container checks, the python and ABI parts of a tag, other binary
formats) without touching start-up. Reading, judging and resolving in a target are
separate rooms, so a new container reader or a new judge lands beside the others.

Its layers, top first; each module imports only from the layers below it inside the
package (tests/test_layers.py reads this picture too)::

    __init__                                  audit_path(): read, judge, then resolve in a target if asked
    _views                                    other tools' shapes of an audit (auditwheel show --json)
    _in_target                                the entry binaries resolved in a target, through an overlay
    _judge                                    the binaries held to the policies; blame per declared tag
    _judge_platforms                          which judge a non-Linux tag goes to
    _judge_macos, _judge_windows,             macOS/iOS, Windows and Android wheels
        _judge_android
    _abi, _isa                                the python/ABI parts (stable ABI, suffixes); ISA level, exec stack
    _read                                     wheel, directory or binary -> the binaries' facts, declared tags
    _zip, _record                             the container read one way or refused; RECORD held to the bytes
    _records                                  Audit, AuditedFile, Blame, Cause; the verdicts
    _provenance, _waivers, _inflate,          what a verdict used; recorded exceptions; raw deflate, checked;
        _zip_layout                           where each byte of the container lies
    _binary, _policy, _images,                one ELF binary's facts; the policies as data; Mach-O/PE facts;
        _zip_records, _magic, _stable_abi     ZIP records; magics; CPython's stable ABI as data
    _macho, _pe                               the Mach-O and PE readers
    _formats_io                               their bounds-checked reads

``audit.schema.json`` beside them is the JSON output's schema (``_provenance`` names it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Optional, Sequence

from .._types import readable_fields
from ._judge import judge
from ._provenance import Provenance
from ._provenance import provenance as audit_provenance
from ._read import Progress, ReadInput, ReadProgress, read_input
from ._records import Audit, AuditedFile, Blame, Interpreter, WaivedBlame
from ._waivers import Waiver, WaiverError
from ._waivers import apply as apply_waivers
from ._waivers import load as load_waivers

if TYPE_CHECKING:
    from .._rootfs import FileSystem

__all__ = [
    "Audit",
    "AuditedFile",
    "Blame",
    "Interpreter",
    "Provenance",
    "ReadProgress",
    "WaivedBlame",
    "Waiver",
    "WaiverError",
    "apply_waivers",
    "audit_path",
    "audit_provenance",
    "load_waivers",
]

readable_fields(Audit, AuditedFile, Blame, Interpreter)


def audit_path(
    path: str,
    files: Optional[FileSystem] = None,
    runs_in: Optional[Interpreter] = None,
    waivers: Sequence[Waiver] = (),
    strict: bool = False,
    progress: Optional[Progress] = None,
) -> Audit:
    """The audit of ``path``; with a target's ``files`` (this system's or an image's) each
    entry binary (one no other binary of the input needs) is also resolved there, the
    input's own files first through their rpaths; with ``runs_in``, for that interpreter,
    whose process has one C library and one arch. ``waivers`` set causes aside unless
    ``strict``; ``progress`` hears how far a wheel's reading is."""
    if files is None:  # the wheel alone: no spool, and the loader's modules stay unimported
        return _judged(path, None, waivers, strict, progress).audit
    import tempfile

    from ._in_target import resolved

    with tempfile.TemporaryDirectory(prefix="musldetect-audit-") as spool:
        judged = _judged(path, spool, waivers, strict, progress)
        return resolved(judged.audit, judged.read.found.binaries, judged.read.files_at, files, runs_in)


class _Judged(NamedTuple):
    """An input's audit before any target, and what was read for it (its binaries, and
    where they were spooled for the loader's search)."""

    audit: Audit
    read: ReadInput


def _judged(
    path: str, spool: Optional[str], waivers: Sequence[Waiver], strict: bool, progress: Optional[Progress]
) -> _Judged:
    """``path`` read (its binaries spooled to ``spool`` when a target resolves them) and judged."""
    read = read_input(path, spool, progress)
    found = read.found
    skipped = [binary for binary in found.binaries if not binary.loadable]
    if skipped:  # objects no loader maps: noted, never judged
        found = found._replace(binaries=[binary for binary in found.binaries if binary.loadable])
    result = judge(path, found, waivers, strict)
    if skipped:
        result = result._replace(reasons=result.reasons + tuple(f"skipped {b.path}: {b.reason}" for b in skipped))
    return _Judged(result, read._replace(found=found))
