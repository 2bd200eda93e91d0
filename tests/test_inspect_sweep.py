"""inspect() over every ELF file of this machine's /usr, checked against pyelftools.

No file may crash it or be called by the wrong family: whatever PT_INTERP or DT_NEEDED
says glibc is glibc, nothing outside the musl install directories is musl, only C
libraries and their loaders (or programs, through their loader) get a version, and a
glibc object's ``requires`` is the highest GLIBC_ version it needs. Timing is the
benchmarks' business (benchmarks/sweep.py), not this test's.
"""

from __future__ import annotations

import os

import pytest
from elftools.common.exceptions import ELFError as PyELFToolsError

import musldetect

import elforacle

SWEEP_TOP = os.environ.get("MUSLDETECT_SWEEP_TOP", "/usr")
GLIBC_LIBS = ("libc.so.6", "ld-linux", "ld64.so.")


def says_glibc(facts: elforacle.Facts) -> bool:
    interp = os.path.basename(facts.interp or "")
    return interp.startswith(("ld-linux", "ld64.so.")) or "libc.so.6" in facts.needed


def is_a_c_library(facts: elforacle.Facts, path: str) -> bool:
    soname = facts.soname or ""
    name = os.path.basename(os.path.realpath(path))
    return soname.startswith(GLIBC_LIBS) or name == "libc.so" or name.startswith(("ld-musl-", "libc.musl-"))


def test_sweep_of_usr():
    files = elforacle.elf_files(SWEEP_TOP)
    if len(files) < 100:
        pytest.fail(f"only {len(files)} ELF files under {SWEEP_TOP}: not a real system tree")
    wrong = []
    answered = glibc_objects = 0
    for path in files:
        try:
            info = musldetect.inspect(path)
        except (musldetect.ELFError, OSError):
            continue
        answered += 1
        try:
            facts = elforacle.facts(path, imports=False)
        except (PyELFToolsError, ValueError, KeyError, AssertionError):
            continue  # pyelftools cannot read it: no oracle for this file
        if says_glibc(facts) and info.family != "glibc":
            wrong.append((path, "PT_INTERP/DT_NEEDED say glibc", info))
        if info.family == "musl" and "musl" not in path:
            wrong.append((path, "musl outside the musl install directories", info))
        if info.version is not None and facts.interp is None and not is_a_c_library(facts, path):
            wrong.append((path, "a version for an object that is no C library", info))
        if info.family == "glibc" and not is_a_c_library(facts, path) and facts.glibc_needs:
            glibc_objects += 1
            if info.requires != max(facts.glibc_needs):
                wrong.append((path, f"requires is not {max(facts.glibc_needs)}", info))
    assert not wrong, "\n".join(f"{path}: {why}: {info}" for path, why, info in wrong[:20])
    assert answered > 0.95 * len(files) and glibc_objects > 50, (answered, len(files), glibc_objects)
