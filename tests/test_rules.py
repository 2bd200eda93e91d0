"""The musl/glibc version rules on made-up bytes and on Debian's real builds, and their C twin."""

from __future__ import annotations

import glob
import os

import pytest

from musldetect import _result, _rules

from oracle import corpus_manifest, upstream_version

BANNER = b"\x00musl libc (x86_64)\nVersion %s\n\x00"


@pytest.mark.parametrize("before", [b"\x00", b"=", b"*", b"\x80", b"\xff\x00"])
def test_version_after_any_non_word_byte(before):
    data = BANNER + b"\x00\x00\x80" + before + b"1.2.3\x00\x00"
    assert _rules.musl_version_from_segments([data]) == (True, "1.2.3", "")


@pytest.mark.parametrize(
    "decoy", [b"LINUX_2.6.15", b"LINUX_2.6.39", b"127.0.0.1", b"libfoo-1.2.3", b"v1.2.3", b"10.0.0.255", b"1.2.3.4"]
)
def test_lookalikes_are_not_versions(decoy):
    assert _rules.musl_version_candidates(b"\x00" + decoy + b"\x00") == []


@pytest.mark.parametrize("text", ["1.2.4_git20230717", "1.2.5-git-12-gabcdef", "1.2.3", "0.9.15", "1.10.100"])
def test_distribution_suffixes_are_kept(text):
    assert _rules.musl_version_candidates(b"\x00" + text.encode() + b"\x00") == [text]


def test_two_different_candidates_are_ambiguous_not_a_guess():
    data = BANNER + b"\x001.2.3\x00\x001.2.4\x00"
    is_musl, version, reason = _rules.musl_version_from_segments([data])
    assert is_musl and version is None and "1.2.3, 1.2.4" in reason


def test_version_is_taken_only_from_the_banner_segment():
    assert _rules.musl_version_from_segments([b"\x001.2.9\x00", BANNER + b"\x001.2.3\x00"])[1] == "1.2.3"
    assert _rules.musl_version_from_segments([b"\x001.2.9\x00"]) == (
        False,
        None,
        "no musl loader banner in the read-only segments",
    )


def test_banner_without_version():
    assert _rules.musl_version_from_segments([BANNER]) == (
        True,
        None,
        "musl loader banner found but no version string next to it",
    )


@pytest.mark.parametrize(
    "text,parts,expected",
    [
        ("1.2.4_git20230717", 3, (1, 2, 4)),
        ("2.36", 2, (2, 36)),
        ("2.36.9000", 2, (2, 36)),
        ("1.2", 3, (1, 2)),
        ("x1.2", 3, None),
        ("", 3, None),
        (None, 3, None),
        ("7", 3, None),
    ],
)
def test_parse_version(text, parts, expected):
    assert _result.parse_version(text, parts) == expected


def test_floor_conflict_reason():
    assert (
        _result.version_floor_conflict((1, 2, 2), (1, 2, 3))
        == "version string 1.2.2 contradicts the exported symbols (musl 1.2.3 or later)"
    )
    assert _result.version_floor_conflict((1, 2, 3), (1, 2, 3)) == ""


def test_glibc_banner():
    data = b"\x00GNU C Library (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36.\n\x00"
    assert _rules.glibc_version_from_segments([data]) == (True, "2.36", "")


def _loader_files():
    rows = [r for r in corpus_manifest() if r["pkg"] == "musl"]
    for row in rows:
        found = glob.glob(os.path.join(row["dir"], "*lib", "*-linux-musl*", "libc.so")) + glob.glob(
            os.path.join(row["dir"], "usr", "lib", "*-linux-musl*", "libc.so")
        )
        assert found, row
        yield row, found[0]


def test_rules_on_every_real_musl_build():
    from musldetect._elf import ELFFile

    checked = 0
    for row, path in _loader_files():
        with ELFFile(path) as elf:
            segments = list(elf.readonly_segment_data())
            dynstr, _ = elf.dynamic_strings()
            exported = set(elf.dynamic_symbols()[1])
        assert _rules.musl_version_from_segments(segments) == (True, upstream_version(row["version"]), ""), path
        floor, time64 = _rules.musl_lower_bound(dynstr)
        # The newest table release not after the build's own: each row's symbols are new in it.
        version = _result.parse_version(upstream_version(row["version"]), 3)
        assert floor == max(release for release, _ in _rules.MUSL_RELEASE_SYMBOLS if release <= version), path
        assert time64 == (elf.bits == 32), path
        for release, names in _rules.MUSL_RELEASE_SYMBOLS:  # each name is new in its release
            assert {name for name in names if name in exported} == (set(names) if version >= release else set()), (
                path,
                release,
            )
        checked += 1
    assert checked >= 6


@pytest.mark.parametrize(
    "text", [b"built against musl libc\x001.2.3\x00", b"musl libc\nVersion 1.2.3\x00", b"(musl libc)\x001.2.3\x00"]
)
def test_musl_named_without_its_banner_is_not_musl(text):
    """Only the loader's banner, "musl libc (ARCH)", marks musl's library: the name alone does not."""
    assert _rules.musl_version_from_segments([text])[0] is False


# -- the C twin of the rules (csrc/md_core.c), fed the same blocks and real builds ----

BLOCKS = [
    b"musl libc (x86_64)\n\x00LINUX_2.6.39\x00127.0.0.1\x00=1.2.3\x00",
    b"musl libc (i386)\n\x00\x801.2.4_git20230717\x00",
    b"musl libc (x)\x001.2.3\x001.2.4\x00",
    b"musl libc (x)\x00v1.2.3\x00",
    b"no banner\x001.2.3\x00",
    b"musl libc (",
    b"musl libc (x)\x001.2.3",
    b"\x00" * 40 + b"musl libc (arm)" + b"\x00" * 17 + b"1.2.5-git-12-gabcdef\x00" + b"\x01" * 33,
    b"musl libc (x)\x00" + b"9.9.9\x00" * 3 + b"1." + b"2" * 5 + b".3\x00",
    b"musl libc (x)\x00x.1.2~5.6.7\x00",
    b"musl libc (x)\x0012345.1.2\x00 1.2.3\x00",
    b"(" * 70 + b"musl libc (" + b"." * 70 + b"\x001.2.3\x00" + b"9" * 64 + b".1.1\x00",
]


@pytest.mark.parametrize("block", BLOCKS)
def test_c_rules_match_python_rules(native, block):
    is_musl, version, _reason = native.musl_version_in(block)
    expected = _rules.musl_version_from_segments([block])
    assert (is_musl, version) == expected[:2]


# Byte strings made of what the rules care about, so version-like runs are frequent.
ALPHABET = b"0123456789.\x00 (-_~+xLINUX=musl libc ("


def test_c_rules_match_python_rules_on_generated_blocks(native):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from([b"musl libc (", b"1.2.3", b"LINUX_2.6.39", b"127.0.0.1", b"_git2023", b"\x00"])
    block = st.lists(
        st.one_of(pieces, st.binary(max_size=8), st.sampled_from([bytes([c]) for c in ALPHABET])), max_size=80
    ).map(b"".join)

    @settings(max_examples=2000, deadline=None)
    @given(block)
    def same_answer(data):
        is_musl, version, _reason = native.musl_version_in(data)
        assert (is_musl, version) == _rules.musl_version_from_segments([data])[:2]

    same_answer()


def test_c_rules_on_every_real_build(native):
    import glob

    from musldetect._elf import ELFFile

    checked = 0
    for row in corpus_manifest():
        if row["pkg"] != "musl":
            continue
        path = (
            glob.glob(os.path.join(row["dir"], "*lib", "*-linux-musl*", "libc.so"))
            + glob.glob(os.path.join(row["dir"], "usr", "lib", "*-linux-musl*", "libc.so"))
        )[0]
        with ELFFile(path) as elf:
            answers = [native.musl_version_in(data) for data in elf.readonly_segment_data()]
        banner = [a for a in answers if a[0]]
        assert banner and banner[0][1] == upstream_version(row["version"]), path
        checked += 1
    assert checked >= 6


def _exported_names(path):
    """The functions and objects a library defines in .dynsym, read by pyelftools."""
    from elftools.elf.elffile import ELFFile as OracleELF

    with open(path, "rb") as fh:
        symbols = OracleELF(fh).get_section_by_name(".dynsym").iter_symbols()
        return {s.name for s in symbols if s.name and s["st_shndx"] != "SHN_UNDEF"}


def test_release_table_tells_apart_every_release_that_added_exports():
    """The symbol floor must separate two consecutive releases of the corpus whenever the
    newer one exports a name the older lacks (read from the real libraries, not from the
    table): a row missing from the table shows here as a floor no higher than the older."""
    from musldetect._elf import ELFFile

    by_arch = {}
    for row, path in _loader_files():
        by_arch.setdefault(row["arch"], []).append((_result.parse_version(upstream_version(row["version"]), 3), path))
    pairs = 0
    for arch, builds in by_arch.items():
        builds.sort()
        for (older, older_path), (newer, newer_path) in zip(builds, builds[1:]):
            added = _exported_names(newer_path) - _exported_names(older_path)
            if not added:
                continue
            with ELFFile(newer_path) as elf:
                dynstr, _ = elf.dynamic_strings()
            floor, _time64 = _rules.musl_lower_bound(dynstr)
            assert floor is not None and older < floor <= newer, (arch, older, newer, sorted(added)[:10])
            pairs += 1
    assert pairs >= 3


# -- the scan without regular expressions, held to the pattern it implements ---------

# The candidate rule as one regular expression: the reference the dot-to-dot scan must equal
# (musldetect itself imports no ``re``, whose import costs more than a detection).
CANDIDATE = rb"\.([0-9]{1,4})\.([0-9]{1,4})(?:[-_+~][0-9A-Za-z._+~-]{0,64})?\x00"


def reference_candidates(data: bytes) -> list:
    import re

    found = []
    for match in re.finditer(CANDIDATE, data):
        dot = start = match.start()
        while start > 0 and dot - start < 4 and data[start - 1] in b"0123456789":
            start -= 1
        if start != dot and not (
            start > 0 and data[start - 1] in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_.+-~"
        ):
            found.append(data[start : match.end() - 1].decode("ascii"))
    return found


def test_scan_equals_the_pattern_on_generated_blocks():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from(
        [
            b"1.2.3",
            b"12345.1.2",
            b"1.2.3.4",
            b"_git2023",
            b"-" + b"a" * 64,
            b"-" + b"a" * 65,
            b"1.22222.3",
            b"\x00",
            b".",
        ]
    )
    block = st.lists(
        st.one_of(pieces, st.binary(max_size=8), st.sampled_from([bytes([c]) for c in ALPHABET])), max_size=80
    ).map(b"".join)

    @settings(max_examples=3000, deadline=None)
    @given(block)
    def same(data):
        assert _rules.musl_version_candidates(data) == reference_candidates(data)
        assert _rules.musl_version_candidates(memoryview(data)) == reference_candidates(data)

    same()


@pytest.mark.parametrize("shift", [-90, -80, -77, -76, -75, -12, -6, -5, -4, -1, 0, 1, 3, 4, 5, 6, 70])
def test_mapped_memory_scanned_in_pieces_misses_nothing_at_a_boundary(shift):
    """Memory is scanned in 16 KiB pieces: a banner, a candidate with a long suffix, a digit run
    before it, and a candidate's own dots, each placed across a boundary, read as in one piece."""
    boundary = _rules._PIECE
    for text in (b"1.2.4_git20230717", b"1.2.5-" + b"x" * 63, b"9999.9999.9999", b"1.2.3"):
        for before in (b"\x00", b"a", b"12345"[: 5 - len(text.split(b".")[0])] or b"\x00"):
            data = bytearray(b"\x01" * (3 * boundary))
            data[100:111] = _rules.MUSL_BANNER
            at = boundary + shift
            data[at - len(before) : at + len(text) + 1] = before + text + b"\x00"
            data[2 * boundary - 5 : 2 * boundary + 6] = _rules.MUSL_BANNER  # a banner across the next one
            whole = bytes(data)
            assert _rules.musl_version_candidates(memoryview(whole)) == reference_candidates(whole)
            assert _rules.musl_version_from_segments([memoryview(whole)]) == _rules.musl_version_from_segments([whole])


@pytest.mark.parametrize(
    "text, expected",
    [
        (b"GNU C Library (Debian GLIBC 2.36-9) stable release version 2.36.\n", "2.36"),
        (b"GNU C Library (GNU libc) release release version 2.39.9000 development", "2.39.9000"),
        (b"GNU C Library release version x, release version 2.17", "2.17"),
        (b"GNU C Library release version 2", None),
        (b"ld.so (GNU libc) stable release version 2.35.", "2.35"),
        (b"GNU C Library release version 2.3.4.5", "2.3.4"),
        (b"GNU C Library release version 2..3", None),
    ],
)
def test_glibc_release_read_as_the_pattern_reads_it(text, expected):
    import re

    match = re.search(rb"release version ([0-9]+\.[0-9]+(?:\.[0-9]+)?)", text)
    assert (match.group(1).decode() if match else None) == expected
    assert _rules.glibc_version_from_segments([b"\x00" + text + b"\x00"])[1] == expected
    assert _rules.glibc_version_from_segments([memoryview(b"\x00" + text + b"\x00")])[1] == expected
