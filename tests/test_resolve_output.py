"""resolve()'s answer as a user reads it: what it searched, what it notes, why it fails."""

from __future__ import annotations

import os
import sys
import zipfile

import pytest

import musldetect

from builders import compile_c
from oracle import skip_or_fail


def test_missing_library_lists_the_cache_it_asked(tmp_path):
    if musldetect.libc().family != "glibc":
        skip_or_fail("a glibc host has an ld.so.cache")
    lib = compile_c(tmp_path, "gcc", "int x(void){return 1;}\n", "libmissingx.so", "-shared", "-fPIC")
    program = compile_c(tmp_path, "gcc", "int main(void) { return 0; }\n", "needs", "-Wl,--no-as-needed",
                        f"-L{tmp_path}", "-l:libmissingx.so")
    os.remove(lib)
    found = musldetect.resolve(program)
    (gone,) = found.missing
    assert gone.name == "libmissingx.so" and "ld.so.cache: no entry" in gone.searched
    assert gone.searched.index("ld.so.cache: no entry") < len(gone.searched) - 1  # before the system directories
    assert not any("current format" in note for note in found.notes)  # the ordinary cache is no news


def test_another_arch_is_named_as_the_reason(tmp_path):
    wheels = pytest.importorskip("pathlib").Path.home() / ".cache/musldetect/wheels"
    arm = sorted(wheels.glob("*manylinux*aarch64*.whl")) if wheels.is_dir() else []
    if not arm or musldetect.libc().arch == "aarch64":
        skip_or_fail("an aarch64 wheel from tests/audit/fetch-wheels.sh on a non-aarch64 host")
    with zipfile.ZipFile(arm[0]) as archive:
        member = next(name for name in archive.namelist() if name.endswith(".so"))
        target = tmp_path / "ext.so"
        target.write_bytes(archive.read(member))
    found = musldetect.resolve(target)
    assert not found.loads
    assert found.reason.startswith(f"it is aarch64 and this system is {musldetect.libc().arch}: ")
    assert musldetect.resolve(sys.executable).loads
