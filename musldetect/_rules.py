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
    from re import Pattern
    from typing import Iterable, List, Optional, Tuple


MUSL_BANNER = b"musl libc ("
GLIBC_BANNERS = (b"GNU C Library", b"ld.so (")

# A candidate is N.N.N (1-4 digits each) with an optional distribution suffix such as
# "_git20230717" or "-git-12-gabcdef", ending in NUL. The search starts at the first dot
# (a literal, so the regex engine skips ahead quickly); the major number is checked by hand.
_MUSL_TAIL = rb"\.([0-9]{1,4})\.([0-9]{1,4})(?:[-_+~][0-9A-Za-z._+~-]{0,64})?\x00"
_WORD_BYTES = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_.+-~")
_DIGITS = frozenset(b"0123456789")
_GLIBC_RELEASE = rb"release version ([0-9]+\.[0-9]+(?:\.[0-9]+)?)"

# Exported functions that first appeared in a musl release: a lower bound that a
# version string must not contradict. Checked only in an object already known to be musl,
# because glibc exports several of the same names.
MUSL_RELEASE_SYMBOLS: Tuple[Tuple[Tuple[int, int, int], Tuple[str, ...]], ...] = (
    # renameat2 is new upstream in 1.2.6 too, but Debian's 1.2.5 (trixie) carries it as a patch.
    ((1, 2, 6), ("posix_getdents",)),
    ((1, 2, 5), ("statx", "preadv2")),
    ((1, 2, 3), ("qsort_r", "pthread_getname_np")),
    ((1, 2, 2), ("_Fork", "reallocarray", "gettid")),
)
# On 32-bit architectures musl 1.2.0 added the 64-bit time_t entry points.
MUSL_TIME64_SYMBOL = "__clock_gettime64"


# The rules take any bytes-like object (bytes, or a memoryview of mapped memory, which
# the cffi backend scans without copying): searches are regexes, which accept buffers.
# Compiled on first use: ``re`` costs milliseconds to import, and a process on glibc
# (confstr, gnu_get_libc_version) never scans bytes at all.
_compiled: List[Pattern[bytes]] = []


def _patterns() -> List[Pattern[bytes]]:
    """[musl tail, glibc release, musl banner, glibc banners], compiled once."""
    if not _compiled:
        import re

        _compiled.extend([re.compile(_MUSL_TAIL), re.compile(_GLIBC_RELEASE), re.compile(re.escape(MUSL_BANNER)),
                          re.compile(b"|".join(re.escape(banner) for banner in GLIBC_BANNERS))])
    return _compiled


def musl_version_candidates(data: bytes | memoryview) -> List[str]:
    """Every string in ``data`` that reads as a NUL-terminated musl version."""
    found: List[str] = []
    for match in _patterns()[0].finditer(data):
        dot = match.start()
        start = dot
        while start > 0 and dot - start < 4 and data[start - 1] in _DIGITS:
            start -= 1
        if start == dot:
            continue
        if start > 0 and data[start - 1] in _WORD_BYTES:
            continue  # part of a longer word: LINUX_2.6.15, 127.0.0.1, 12345.1.2
        found.append(bytes(data[start : match.end() - 1]).decode("ascii"))
    return found


def musl_version_from_segments(segments: Iterable[bytes | memoryview]) -> Tuple[bool, Optional[str], str]:
    """Find the musl banner and version in a loader's read-only segments.

    Returns ``(is_musl, version_string, reason)``. The version is taken only from the
    segment that holds the loader banner, and only when exactly one candidate is there:
    two different candidates would be a guess.
    """
    for data in segments:
        if not _patterns()[2].search(data):
            continue
        candidates = sorted(set(musl_version_candidates(data)))
        if len(candidates) == 1:
            return True, candidates[0], ""
        if not candidates:
            return True, None, "musl loader banner found but no version string next to it"
        return True, None, "ambiguous musl version strings: " + ", ".join(candidates)
    return False, None, "no musl loader banner in the read-only segments"


def glibc_version_from_segments(segments: Iterable[bytes | memoryview]) -> Tuple[bool, Optional[str], str]:
    """Find glibc's "... release version X.Y" banner of libc.so.6 (or of ld.so, from 2.35)."""
    for data in segments:
        banner = _patterns()[3].search(data)
        if not banner:
            continue
        text = bytes(data[banner.start() : banner.start() + 512]).split(b"\x00", 1)[0]
        match = _patterns()[1].search(text)
        if match:
            return True, match.group(1).decode("ascii"), ""
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


def musl_requirement(imports: Iterable[str]) -> Optional[Tuple[int, int, int]]:
    """The oldest musl release that exports every symbol an object imports, as far as
    the release-symbol table tells (None when it imports none of the table's names)."""
    names = set(imports)
    for release, symbols in MUSL_RELEASE_SYMBOLS:
        if names.intersection(symbols):
            return release
    if any(name.startswith("__") and "time64" in name for name in names):
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
        pieces = name[len("GLIBC_"):].split(".")
        if len(pieces) < 2 or not all(piece.isdigit() and piece.isascii() for piece in pieces):
            continue
        release = tuple(int(piece) for piece in pieces)
        if best is None or release > best:
            best = release
    return best
