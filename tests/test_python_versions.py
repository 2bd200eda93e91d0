"""Python versions a user names (--python / python=), held to packaging and pip as oracles."""

from __future__ import annotations

import pytest

import musldetect

packaging_tags = pytest.importorskip("packaging.tags")

PLATFORM = "manylinux2014_x86_64"


@pytest.mark.parametrize("version", [(3, 3), (3, 7), (3, 8), (3, 12)])
def test_named_versions_equal_packaging_with_its_default_abis(version):
    """packaging's cpython_tags(python_version=...) without abis: CPython before 3.8 has
    the pymalloc flag in its ABI (cp37m), as pip's --python-version 3.7 picks it."""
    target = musldetect.target(platform=PLATFORM, python="{}.{}".format(*version))
    platforms = list(target.platform_tags)
    expected = list(packaging_tags.cpython_tags(version, platforms=platforms))
    expected += list(packaging_tags.compatible_tags(version, "cp{}{}".format(*version), platforms))
    assert list(target.sys_tags) == [str(tag) for tag in expected]


def test_pip_arguments_name_the_abi_pip_itself_picks():
    compatibility = pytest.importorskip("pip._internal.utils.compatibility_tags")
    target = musldetect.target(platform=PLATFORM, python="3.7")
    args = target.pip_arguments()
    abis = [args[i + 1] for i, arg in enumerate(args) if arg == "--abi"]
    pips = compatibility.get_supported(version="37", platforms=list(target.platform_tags), impl="cp")
    assert abis[0] == "cp37m" and abis[0] == pips[0].abi


@pytest.mark.parametrize("text", ["3.2", "3.0", "2.7"])
def test_versions_not_modelled_are_refused(text):
    with pytest.raises(ValueError, match="python version"):
        musldetect.target(platform=PLATFORM, python=text)
