"""resolve()'s answer as a user reads it: what it searched, what it notes, why it fails."""

from __future__ import annotations

import os
import sys

import pytest

import musldetect

from builders import program_missing_library
from oracle import corpus_manifest, skip_or_fail


def test_missing_library_lists_the_cache_it_asked(tmp_path):
    if musldetect.libc().family != "glibc":
        pytest.skip("ld.so.cache is glibc's")
    found = musldetect.resolve(program_missing_library(tmp_path, "libmissingx.so"))
    (gone,) = found.missing
    assert gone.name == "libmissingx.so" and "ld.so.cache: no entry" in gone.searched
    assert gone.searched.index("ld.so.cache: no entry") < len(gone.searched) - 1  # before the system directories
    assert not any("current format" in note for note in found.notes)  # the ordinary cache is no news


def test_another_arch_is_named_as_the_reason():
    """Debian's arm64 getconf (the corpus of tests/musl/fetch-corpus.sh) on an x86_64 host."""
    if musldetect.libc().arch != "x86_64":
        pytest.skip("the corpus program used here is arm64; the host must be another arch")
    rows = [row for row in corpus_manifest() if row["pkg"] == "libc-bin" and row["arch"] == "arm64"]
    programs = [os.path.join(row["dir"], "usr", "bin", "getconf") for row in rows]
    programs = [path for path in programs if os.path.exists(path)]
    if not programs:
        skip_or_fail("no arm64 libc-bin in the corpus (tests/musl/fetch-corpus.sh)")
    found = musldetect.resolve(programs[0])
    assert not found.loads
    assert found.reason.startswith("it is aarch64 and this system is x86_64: ")
    assert musldetect.resolve(sys.executable).loads
