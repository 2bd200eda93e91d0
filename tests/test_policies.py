"""The policy data audit() holds wheels to, held to the installed auditwheel's policy files.

musldetect/_audit/_policies.json is written by tools/write_policies.py; regenerating it from
whichever auditwheel is installed must give the same file, so a new manylinux release (or
a changed symbol version list) is a failing test, not a silent gap."""

from __future__ import annotations

import importlib.util
import os

import pytest

from musldetect._audit import _policy

from oracle import require_auditwheel_oracle

TOOLS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools", "write_policies.py")


def writer():
    require_auditwheel_oracle()  # a newer auditwheel than the data's must fail below, an older one skips
    if not os.path.exists(TOOLS):
        pytest.skip("tools/ is not beside the tests (an installed wheel's tests)")
    spec = importlib.util.spec_from_file_location("write_policies", TOOLS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_data_is_what_the_installed_auditwheel_says():
    module = writer()
    path = os.path.join(os.path.dirname(_policy.__file__), "_policies.json")
    with open(path) as fh:
        committed = fh.read()
    assert committed == module.render(module.policies_from_auditwheel()), (
        "the installed auditwheel's policies differ: run python tools/write_policies.py and review the change"
    )


def test_policies_grow_with_the_release():
    """Each newer glibc policy allows at least what the older one does (per arch), and
    the oldest that covers an arch is manylinux's floor for it."""
    glibc = _policy.policies("glibc")
    assert [p.version for p in glibc] == sorted(p.version for p in glibc)
    for older, newer in zip(glibc, glibc[1:]):
        for arch in set(older.symbol_versions) & set(newer.symbol_versions):
            for prefix, names in older.symbol_versions[arch].items():
                assert names <= newer.symbol_versions[arch].get(prefix, frozenset()), (older.name, newer.name, arch)
    assert next(p for p in glibc if p.covers("x86_64")).name == "manylinux_2_5"
    assert next(p for p in glibc if p.covers("aarch64")).name == "manylinux_2_17"
    assert [p.name for p in _policy.policies("musl")] == ["musllinux_1_1", "musllinux_1_2"]


def test_the_issues_cxx_case():
    """GLIBCXX_3.4.21 (GCC 5's new string ABI) first fits manylinux_2_27, per the data."""
    fits = [
        p.name
        for p in _policy.policies("glibc")
        if p.covers("x86_64")
        and p.allows_version("x86_64", "GLIBCXX_3.4.21")
        and p.allows_version("x86_64", "CXXABI_1.3.11")
    ]
    assert fits[0] == "manylinux_2_27"
