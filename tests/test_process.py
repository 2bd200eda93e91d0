"""libc() for the running process, through every backend, against independent oracles."""

from __future__ import annotations

import os
import struct
import sys

import pytest

import musldetect
from musldetect import _result
from oracle import expected_process_libc, mapped_libc_of_this_process, running_on_musl


def test_backend_reports_the_mapped_libc(backend_module):
    family, version = expected_process_libc()
    info = _result.build_info(backend_module.detect_libc(), backend_module.NAME, None, struct.calcsize("P") * 8)
    assert info.family == family, info
    assert info.version_string == version, info
    assert info.version == tuple(int(p) for p in version.split(".")), info
    assert not info.static
    assert os.path.realpath(info.path) == os.path.realpath(mapped_libc_of_this_process())
    assert info.reason == ""


def test_backends_agree_on_everything_but_their_name():
    from musldetect import _dispatch

    answers = {name: module.detect_libc() for name, module in _dispatch.backend_modules().items()}
    assert "python" in answers
    first = next(iter(answers.values()))
    for name, raw in answers.items():
        assert (raw.family, raw.version_string, raw.static) == (first.family, first.version_string, first.static), name
        assert os.path.realpath(raw.path) == os.path.realpath(first.path), name


def test_libc_is_cached_and_cache_clear_detects_again():
    first = musldetect.libc()
    assert musldetect.libc() is first
    assert musldetect.libc(cached=False) is not first
    assert musldetect.libc(cached=False) == first
    musldetect.cache_clear()
    assert musldetect.libc() is not first
    assert musldetect.libc() == first


def test_public_versions_match_family():
    family, version = expected_process_libc()
    major, minor = (int(p) for p in version.split(".")[:2])
    if family == "musl":
        assert musldetect.musl_version() == (major, minor)
        assert musldetect.glibc_version() is None
    else:
        assert musldetect.glibc_version() == (major, minor)
        assert musldetect.musl_version() is None


def test_arch_and_time64_of_this_process():
    from packaging.tags import platform_tags

    info = musldetect.libc()
    assert f"linux_{info.arch}" in list(platform_tags())
    assert info.time64 is (True if struct.calcsize("P") == 8 else info.time64)


def test_interpreter_is_the_process_images_pt_interp():
    from musldetect._elf import ELFFile

    with ELFFile("/proc/self/exe") as exe:
        expected = exe.interpreter
    info = musldetect.libc()
    if expected is None:  # started through an explicit loader: the image is the loader
        assert running_on_musl()
    else:
        assert info.interpreter == expected


@pytest.mark.skipif(running_on_musl(), reason="a glibc host fact")
def test_glibc_host_with_musl_installed_says_glibc():
    if not os.path.exists("/lib/ld-musl-x86_64.so.1") and not os.path.exists("/lib/ld-musl-aarch64.so.1"):
        from oracle import skip_or_fail
        skip_or_fail("the Debian musl package is not installed")
    assert musldetect.libc().family == "glibc"
    assert musldetect.musl_version() is None


def test_backend_in_use_is_reported():
    assert musldetect.backend() in musldetect.BACKENDS
    assert musldetect.libc().backend == musldetect.backend()
