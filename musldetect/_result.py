"""From a backend's raw facts to the public result: parsing, cross-checks, time64.

Every backend and ``inspect()`` hand their ``RawLibc`` to ``build_info`` so the answer
is parsed and checked one way. Kept free of ``typing`` and ``re``: it is on the
start-up path.
"""

from __future__ import annotations

from ._types import LibcInfo, RawLibc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Sequence, Tuple


def parse_version(text: Optional[str], parts: int) -> Optional[Tuple[int, ...]]:
    """The leading numeric components of a version string, at most ``parts`` of them.

    ``"1.2.4_git20230717"`` -> ``(1, 2, 4)``; ``"2.36"`` -> ``(2, 36)``; fewer than two -> None.
    """
    numbers = []
    for piece in (text or "").split("."):
        digits = len(piece) - len(piece.lstrip("0123456789"))
        if digits == 0:
            break
        numbers.append(int(piece[:digits]))
        if digits < len(piece) or len(numbers) == parts:
            break
    return tuple(numbers) if len(numbers) >= 2 else None


def version_floor_conflict(version: Optional[Sequence[int]], floor: Optional[Sequence[int]]) -> str:
    """A reason when the version string is older than the exported symbols allow."""
    if version is not None and floor is not None and tuple(version) < tuple(floor):
        found = ".".join(map(str, version))
        least = ".".join(map(str, floor))
        return f"version string {found} contradicts the exported symbols (musl {least} or later)"
    return ""


def build_info(raw: RawLibc, backend: str, arch: Optional[str], bits: int) -> LibcInfo:
    """Parse and cross-check a backend's raw facts into the public result."""
    parts = 3 if raw.family == "musl" else 2
    version = parsed = parse_version(raw.version_string, parts)
    reasons = [raw.reason] if raw.reason else []
    if raw.version_string and parsed is None:
        reasons.append(f"cannot parse version string {raw.version_string!r}")
    if raw.family == "musl":
        conflict = version_floor_conflict(version, raw.min_version)
        if conflict:
            reasons.append(conflict)
            version = None
    # Positional, in LibcInfo's field order: the records' fast path, on every detection.
    return LibcInfo(
        raw.family,
        version,
        raw.version_string,
        raw.path,
        raw.static,
        arch,
        backend,
        "; ".join(reasons),
        raw.interpreter,
        _time64(raw, version, bits),
        raw.requires,
    )


def _time64(raw: RawLibc, version: Optional[Tuple[int, ...]], bits: int) -> Optional[bool]:
    if raw.family is None:
        return None
    if bits == 64:
        return True
    if raw.family == "musl":
        if raw.time64_symbols:
            return True
        if version is not None:
            return version >= (1, 2)
    return None  # 32-bit glibc: a per-program choice (_TIME_BITS), not a library fact
