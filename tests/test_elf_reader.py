"""The ELF reader, concept by concept, held to pyelftools on real files of every byte order
and class: the dynamic section and its strings, the symbol table (whose length comes from
the hash tables), symbol versions, notes."""

from __future__ import annotations

import glob
import os
import sys

import pytest

from musldetect._elf import ELFFile

import elforacle
from oracle import corpus_manifest

pytest.importorskip("elftools")


def _sample() -> list:
    """Debian's C libraries and loaders of six arches (LE and BE, 32 and 64 bit), this
    interpreter, and every 25th ELF file of the host's library directory."""
    files = [os.path.realpath(sys.executable)]
    for row in corpus_manifest():
        files += sorted(glob.glob(os.path.join(row["dir"], "**", "libc.so*"), recursive=True))[:1]
        files += sorted(glob.glob(os.path.join(row["dir"], "**", "ld-*.so*"), recursive=True))[:1]
    host = elforacle.elf_files("/usr/lib/x86_64-linux-gnu") if os.path.isdir("/usr/lib/x86_64-linux-gnu") else []
    files += host[::25]
    return sorted({os.path.realpath(f) for f in files if os.path.isfile(f)})


def test_reader_agrees_with_pyelftools_on_real_files():
    files = _sample()
    assert len(files) >= 40, files
    checked = 0
    for path in files:
        facts = elforacle.facts(path)
        with ELFFile(path) as elf:
            assert elf.dynamic_names() == (facts.soname, facts.needed), path
            assert elf.version_needs() == facts.version_needs, path
            assert elf.imported_symbols() == facts.imports, path
            assert [name for name, weak, _ in elf.undefined_symbols() if weak] == facts.weak_imports, path
            assert elf.version_definitions() == facts.version_definitions, path
            # pyelftools names note types (NT_GNU_ABI_TAG); the reader keeps numbers.
            assert [(name, kind) for name, kind, _desc in elf.notes()] == list(_numbered(facts.notes)), path
        checked += 1
    assert checked == len(files)


_NOTE_NUMBERS = {
    "NT_GNU_ABI_TAG": 1,
    "NT_GNU_HWCAP": 2,
    "NT_GNU_BUILD_ID": 3,
    "NT_GNU_GOLD_VERSION": 4,
    "NT_GNU_PROPERTY_TYPE_0": 5,
}


def _numbered(notes):
    for name, kind in notes:
        yield name, _NOTE_NUMBERS.get(kind, kind) if isinstance(kind, str) else kind
