"""platform_tags() against packaging 26.3's platform_tags() in the same interpreter."""

from __future__ import annotations

import sys

import pytest

import musldetect
from musldetect import _tags

from oracle import run_json

packaging = pytest.importorskip("packaging")
if sys.version_info < (3, 9):
    pytest.skip("packaging 26.3, the reference for parity, needs Python 3.9 or later", allow_module_level=True)


def test_packaging_is_the_version_we_match():
    assert packaging.__version__ == "26.3", "the parity tests compare with packaging 26.3"


def test_parity_with_packaging():
    from packaging.tags import platform_tags

    ours = musldetect.platform_tags()
    assert ours == tuple(platform_tags())
    assert ours[0] == f"linux_{musldetect.libc().arch}"


@pytest.mark.parametrize(
    "host_platform",
    [
        "linux-x86_64",
        "linux-aarch64",
        "linux-armv8l",
        "linux-armv7l",
        "linux-i686",
        "linux-s390x",
        "linux-ppc64le",
        "linux-riscv64",
    ],
)
@pytest.mark.parametrize("bits", [64, 32])
def test_arch_rules_match_packaging(monkeypatch, host_platform, bits):
    """_PYTHON_HOST_PLATFORM moves both sysconfig's platform and packaging's answer: the
    32-bit rule (x86_64 -> i686, aarch64 -> armv8l), armv8l's armv7l tags, and the armhf/i686
    executable checks (false here, so no manylinux tags on those) must come out alike."""
    from packaging.tags import _linux_platforms

    monkeypatch.setenv("_PYTHON_HOST_PLATFORM", host_platform)
    expected = tuple(_linux_platforms(is_32bit=bits == 32))
    assert _tags.platform_tags_for(musldetect.libc(), bits=bits) == expected


def test_tags_are_cached():
    assert musldetect.platform_tags() is musldetect.platform_tags()


MANYLINUX_MODULE = """
def manylinux_compatible(major, minor, arch):
    if minor == 17:
        return False
    if minor > 30:
        return None
    return minor % 2 == 0
"""
LEGACY_MODULE = "manylinux1_compatible = False\nmanylinux2014_compatible = False\n"
COMPARE = (
    "import json, musldetect, packaging.tags as t;"
    "print(json.dumps([list(musldetect.platform_tags()), list(t.platform_tags())]))"
)


@pytest.mark.parametrize("module", [MANYLINUX_MODULE, LEGACY_MODULE])
def test_pep600_manylinux_module_is_honoured_like_packaging(tmp_path, module):
    (tmp_path / "_manylinux.py").write_text(module)
    ours, theirs = run_json(COMPARE, env={"PYTHONPATH": str(tmp_path)})
    assert ours == theirs
    if musldetect.libc().family == "glibc" and len(ours) > 1:
        plain = musldetect.platform_tags()
        assert ours != list(plain)
        assert not any(t.startswith(("manylinux_2_17_", "manylinux2014_")) for t in ours)


def test_manylinux_module_imported_once(tmp_path):
    (tmp_path / "_manylinux.py").write_text(
        "import builtins\nbuiltins.MANYLINUX_IMPORTS = getattr(builtins, 'MANYLINUX_IMPORTS', 0) + 1\n"
        "def manylinux_compatible(major, minor, arch):\n    return None\n"
    )
    code = (
        "import json, builtins, sys, musldetect; musldetect.platform_tags(); "
        "n = builtins.MANYLINUX_IMPORTS; sys.modules.pop('_manylinux');"
        "musldetect.platform_tags(); print(json.dumps(n))"
    )
    assert run_json(code, env={"PYTHONPATH": str(tmp_path), "MUSLDETECT_LIBC": "glibc-2.36"}) == 1


def test_musl_rules():
    assert list(_tags.musllinux_tags((1, 2), ["x86_64"])) == [
        "musllinux_1_2_x86_64",
        "musllinux_1_1_x86_64",
        "musllinux_1_0_x86_64",
    ]
    assert list(_tags.musllinux_tags((1, 1), ["armv8l", "armv7l"])) == [
        "musllinux_1_1_armv8l",
        "musllinux_1_0_armv8l",
        "musllinux_1_1_armv7l",
        "musllinux_1_0_armv7l",
    ]


def test_static_musl_gets_only_the_linux_tag():
    info = musldetect.LibcInfo("musl", (1, 2, 3), "1.2.3", "/x", True, "x86_64", "python")
    assert _tags.platform_tags_for(info) == (_tags.linux_platform(),)


def test_manylinux_floor_and_legacy_aliases():
    tags = list(_tags.manylinux_tags((2, 17), ["x86_64"], None))
    assert tags[0] == "manylinux_2_17_x86_64" and tags[1] == "manylinux2014_x86_64"
    assert tags[-2:] == ["manylinux_2_5_x86_64", "manylinux1_x86_64"]
    assert "manylinux2010_x86_64" in tags
    aarch = list(_tags.manylinux_tags((2, 17), ["aarch64"], None))
    assert aarch == ["manylinux_2_17_aarch64", "manylinux2014_aarch64"]
    # i686 and armv7l need the executable to prove the ABI; a missing one says no
    assert not _tags.manylinux_capable(["i686"], "/nonexistent")
    assert not _tags.manylinux_capable(["armv8l", "armv7l"], "/nonexistent")
    assert _tags.manylinux_capable(["armv7l"], None)  # a named target: its arch is its ABI


def test_next_glibc_major_counts_down_through_the_old_one():
    tags = list(_tags.manylinux_tags((3, 1), ["x86_64"], None))
    assert tags[:3] == ["manylinux_3_1_x86_64", "manylinux_3_0_x86_64", "manylinux_2_50_x86_64"]
