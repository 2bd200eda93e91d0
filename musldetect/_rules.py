"""How a C library's version is read from its bytes: one set of rules for every backend.

musl keeps its version only in a hidden ``__libc_version`` array that the loader
prints in its banner, so the string has to be picked out of the read-only data.
Debian's builds show the traps the rules avoid: the string may sit in the R+X
segment, on i386 it follows float constants instead of a NUL byte, and the vDSO
names ``LINUX_2.6.15`` and the address ``127.0.0.1`` look like versions too.
The native extension mirrors these rules in C (csrc/md_core.c); the tests feed
both the same real builds.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Iterator, List, Optional, Tuple


MUSL_BANNER = b"musl libc ("
GLIBC_BANNERS = (b"GNU C Library", b"ld.so (")
GLIBC_RELEASE = b"release version "

# A candidate is N.N.N (1-4 digits each) with an optional distribution suffix such as
# "_git20230717" or "-git-12-gabcdef" (a suffix mark, then up to 64 word bytes), ending in
# NUL, and not preceded by a word byte. The scan jumps from dot to dot with bytes.find: no
# regular expressions, as importing ``re`` costs milliseconds at start-up.
_SUFFIX_MARKS = frozenset(b"-_+~")
_SUFFIX_BYTES = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._+~-")
_SUFFIX_LIMIT = 64
_WORD_BYTES = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_.+-~")
_DIGITS = frozenset(b"0123456789")
# How far a candidate reaches after its first dot: ".NNNN.NNNN", a mark, the suffix, the NUL.
_REACH = 1 + 4 + 1 + 4 + 1 + _SUFFIX_LIMIT + 1
_LOOKBACK = 5  # before the first dot: up to 4 digits and the byte before them
# Mapped memory is scanned a piece at a time, each piece copied to bytes (which have find):
# one copy of musl's 200 KB of read-only data costs ~100 µs there, as musl's malloc maps,
# faults in and unmaps every block over 128 KiB; 16 KiB pieces reuse the same memory.
_PIECE = 16384

# Exported functions that first appeared in a musl release: a lower bound that a
# version string must not contradict. Checked only in an object already known to be musl,
# because glibc exports several of the same names.
MUSL_RELEASE_SYMBOLS: Tuple[Tuple[Tuple[int, int, int], Tuple[str, ...]], ...] = (
    # renameat2 is new upstream in 1.2.6 too, but Debian's 1.2.5 (trixie) carries it as a patch.
    ((1, 2, 6), ("posix_getdents",)),
    ((1, 2, 5), ("statx", "preadv2", "pwritev2")),
    ((1, 2, 3), ("qsort_r", "pthread_getname_np")),
    ((1, 2, 2), ("_Fork", "reallocarray", "gettid")),
)
# On 32-bit architectures musl 1.2.0 added the 64-bit time_t entry points.
MUSL_TIME64_SYMBOL = "__clock_gettime64"


def _pieces(data: bytes | memoryview, before: int, after: int) -> Iterator[Tuple[int, bytes, int, int]]:
    """``(offset, piece, first, last)``: ``data`` as bytes, whole when it is bytes, else in
    ``_PIECE`` spans each copied with ``before`` bytes ahead and ``after`` bytes past it, so
    what starts in the span (piece[first:last]) is whole in its piece."""
    if isinstance(data, bytes):
        yield 0, data, 0, len(data)
        return
    for boundary in range(0, len(data), _PIECE):
        offset = max(0, boundary - before)
        piece = bytes(data[offset : boundary + _PIECE + after])
        yield offset, piece, boundary - offset, min(boundary + _PIECE, len(data)) - offset


def _run(data: bytes, at: int, allowed: frozenset[int], limit: int) -> int:
    """How many bytes from ``at`` on are in ``allowed``, counting at most ``limit``."""
    end = at
    while end < len(data) and end - at < limit and data[end] in allowed:
        end += 1
    return end - at


def _candidate_end(data: bytes, dot: int) -> int:
    """Where the NUL of a candidate whose first dot is at ``dot`` lies, else -1."""
    minor = _run(data, dot + 1, _DIGITS, 5)
    after_minor = dot + 1 + minor
    if not 1 <= minor <= 4 or after_minor >= len(data) or data[after_minor] != 0x2E:
        return -1
    patch = _run(data, after_minor + 1, _DIGITS, 5)
    end = after_minor + 1 + patch
    if not 1 <= patch <= 4 or end >= len(data):
        return -1
    if data[end] in _SUFFIX_MARKS:
        suffix = _run(data, end + 1, _SUFFIX_BYTES, _SUFFIX_LIMIT + 1)
        end += 1 + suffix
        if suffix > _SUFFIX_LIMIT or end >= len(data):
            return -1
    return end if data[end] == 0 else -1


def musl_version_candidates(data: bytes | memoryview) -> List[str]:
    """Every string in ``data`` that reads as a NUL-terminated musl version."""
    return _scan_for_musl(data)[1]


def _scan_for_musl(data: bytes | memoryview) -> Tuple[bool, List[str]]:
    """(whether the banner is there, every version candidate): one pass, as each piece of
    mapped memory is copied once."""
    banner = False
    found: List[str] = []
    # A dot inside a candidate starts none: what precedes it is a word byte.
    for _, piece, first, last in _pieces(data, _LOOKBACK, _REACH):
        banner = banner or MUSL_BANNER in piece
        find = piece.find
        dot = find(b".", first)
        while 0 <= dot < last:
            # Most dots have no digit on both sides (file names, formats): the cheap test first.
            if not (dot > 0 and piece[dot - 1] in _DIGITS and dot + 1 < len(piece) and piece[dot + 1] in _DIGITS):
                dot = find(b".", dot + 1)
                continue
            end = _candidate_end(piece, dot)
            if end < 0:
                dot = find(b".", dot + 1)
                continue
            start = dot
            while start > 0 and dot - start < 4 and piece[start - 1] in _DIGITS:
                start -= 1
            # Not part of a longer word: LINUX_2.6.15, 127.0.0.1, 12345.1.2
            if start != dot and not (start > 0 and piece[start - 1] in _WORD_BYTES):
                found.append(piece[start:end].decode("ascii"))
            dot = find(b".", end + 1)
    return banner, found


def _find(data: bytes | memoryview, needle: bytes) -> int:
    """The first offset of ``needle`` in ``data``, else -1."""
    for offset, piece, _, _ in _pieces(data, 0, len(needle) - 1):
        at = piece.find(needle)
        if at >= 0:
            return offset + at
    return -1


def musl_version_from_segments(segments: Iterable[bytes | memoryview]) -> Tuple[bool, Optional[str], str]:
    """Find the musl banner and version in a loader's read-only segments.

    Returns ``(is_musl, version_string, reason)``. The version is taken only from the
    segment that holds the loader banner, and only when exactly one candidate is there:
    two different candidates would be a guess.
    """
    for data in segments:
        banner, found = _scan_for_musl(data)
        if not banner:
            continue
        candidates = sorted(set(found))
        if len(candidates) == 1:
            return True, candidates[0], ""
        if not candidates:
            return True, None, "musl loader banner found but no version string next to it"
        return True, None, "ambiguous musl version strings: " + ", ".join(candidates)
    return False, None, "no musl loader banner in the read-only segments"


def _glibc_release(text: bytes) -> Optional[str]:
    """N.N or N.N.N right after the first "release version " that has one."""
    at = text.find(GLIBC_RELEASE)
    while at >= 0:
        start = end = at + len(GLIBC_RELEASE)
        numbers = 0
        while True:
            digits = _run(text, end, _DIGITS, len(text))
            if digits == 0:
                break
            numbers, end = numbers + 1, end + digits
            if numbers == 3 or text[end : end + 1] != b"." or not text[end + 1 : end + 2].isdigit():
                break
            end += 1
        if numbers >= 2:
            return text[start:end].decode("ascii")
        at = text.find(GLIBC_RELEASE, at + 1)
    return None


def glibc_version_from_segments(segments: Iterable[bytes | memoryview]) -> Tuple[bool, Optional[str], str]:
    """Find glibc's "... release version X.Y" banner of libc.so.6 (or of ld.so, from 2.35)."""
    for data in segments:
        found = [at for at in (_find(data, banner) for banner in GLIBC_BANNERS) if at >= 0]
        if not found:
            continue
        text = bytes(data[min(found) : min(found) + 512]).split(b"\x00", 1)[0]
        release = _glibc_release(text)
        if release is not None:
            return True, release, ""
        return True, None, "GNU C Library banner without a release version"
    return False, None, "no GNU C Library banner in the read-only segments"


def musl_lower_bound(dynstr: bytes) -> Tuple[Optional[Tuple[int, int, int]], bool]:
    """The oldest musl release whose exports include these names, and the time64 fact."""

    def has(name: str) -> bool:
        return (b"\x00" + name.encode() + b"\x00") in dynstr

    bound: Optional[Tuple[int, int, int]] = None
    for release, names in MUSL_RELEASE_SYMBOLS:
        if any(has(name) for name in names):
            bound = release
            break
    return bound, has(MUSL_TIME64_SYMBOL)


# A run of musl's strerror table, in its order: only musl's static code carries it (glibc
# words these messages differently), and every static musl program that formats errors
# or numbers (printf, strerror, perror) links it.
MUSL_STATIC_MARK = b"Illegal byte sequence\x00Domain error\x00Result not representable\x00"
# Go's linker leaves a "Go" note; a static Go program has no C library to find.
GO_NOTE_NAME = b"Go"


_MUSL_RELEASE_NAMES = frozenset(name for _release, names in MUSL_RELEASE_SYMBOLS for name in names)


def musl_requirement(imports: Iterable[str]) -> Optional[Tuple[int, int, int]]:
    """The oldest musl release that exports every symbol an object imports, as far as
    the release-symbol table tells (None when it imports none of the table's names).
    An extension imports hundreds of names and this runs for each musl binary a wheel
    holds: the names are scanned at C speed (the table's few names intersected, "time64"
    searched in them all joined), the exact time64 rule asked only where that finds it."""
    imported = imports if isinstance(imports, (tuple, list)) else tuple(imports)
    names = _MUSL_RELEASE_NAMES.intersection(imported)
    for release, symbols in MUSL_RELEASE_SYMBOLS:
        if names.intersection(symbols):
            return release
    if "time64" in "\x00".join(imported) and any(name.startswith("__") and "time64" in name for name in imported):
        return (1, 2, 0)  # a 32-bit object built against the 64-bit time_t ABI
    return None


def glibc_requirement(version_names: Iterable[str]) -> Optional[Tuple[int, ...]]:
    """The highest ``GLIBC_x.y[.z]`` among an object's version needs: the oldest glibc
    it loads on, and what decides its manylinux tag (GLIBC_PRIVATE and other
    non-numeric names are not releases)."""
    best: Optional[Tuple[int, ...]] = None
    for name in version_names:
        if not name.startswith("GLIBC_"):
            continue
        pieces = name[len("GLIBC_") :].split(".")
        if len(pieces) < 2 or not all(piece.isdigit() and piece.isascii() for piece in pieces):
            continue
        release = tuple(int(piece) for piece in pieces)
        if best is None or release > best:
            best = release
    return best
