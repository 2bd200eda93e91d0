"""The tag grammar has one home: what it reads and writes, and that a new spelling is one edit there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

import musldetect
from musldetect import _grammar, _tags
from musldetect._grammar import PlatformTag, format_tag, parse_tag


def test_every_tag_the_lists_hold_reads_back():
    """Each tag the process's lists are made of parses to the release and arch it was made from."""
    for tag in _tags.manylinux_tags((2, 39), ["x86_64", "aarch64"], None):
        parsed = parse_tag(tag)
        assert parsed is not None and parsed.family == "glibc", tag
        if parsed.alias is None:
            assert format_tag("glibc", parsed.version, parsed.arch) == tag
        else:
            assert tag == f"{parsed.alias}_{parsed.arch}" and _grammar.legacy_alias(parsed.version) == parsed.alias
    for tag in _tags.musllinux_tags((1, 2), ["armv7l"]):
        assert format_tag("musl", parse_tag(tag).version, "armv7l") == tag


@pytest.mark.parametrize(
    "tag,expected",
    [
        ("manylinux_2_17_x86_64", PlatformTag("glibc", (2, 17), "x86_64")),
        ("musllinux_1_2_ppc64le", PlatformTag("musl", (1, 2), "ppc64le")),
        ("manylinux2014_aarch64", PlatformTag("glibc", (2, 17), "aarch64", "manylinux2014")),
        ("manylinux1_riscv64", PlatformTag("glibc", (2, 5), "riscv64", "manylinux1")),  # spelling only: no arch list
        ("linux_x86_64", PlatformTag(None, None, "x86_64")),
        ("manylinux_2_017_x86_64", PlatformTag("glibc", (2, 17), "x86_64")),
    ],
)
def test_tags_read(tag, expected):
    assert parse_tag(tag) == expected


@pytest.mark.parametrize(
    "tag",
    [
        "any",
        "linux",
        "macosx_11_0_arm64",
        "manylinux_2_x86_64",
        "manylinux_2_17_X86_64",
        "manylinux__2_17_x86_64",
        "musllinux_1_2_",
        "manylinux_٢_17_x86_64",
        "manylinux2015_x86_64",
        "manylinux2014_",
        "manylinux2014_X86_64",
        "win_amd64",
    ],
)
def test_other_spellings_are_not_tags(tag):
    assert parse_tag(tag) is None


# One edit of musldetect/_grammar.py each, and what it must change everywhere else.
NEW_SPELLINGS = {
    "legacy alias": (
        '    "manylinux2014": ((2, 17),',
        '    "manylinux2028": ((2, 28), frozenset({"x86_64"})),\n    "manylinux2014": ((2, 17),',
        "manylinux2028_x86_64",
    ),
    "musllinux arch": (
        '"ppc64le", "s390x", "riscv64", "loongarch64"}',
        '"ppc64le", "s390x", "riscv64", "loongarch64", "armv6l"}',
        "musllinux_1_2_armv6l",
    ),
}

# In the copy: the tag lists, a platform spec, and the audit's reading of a declared tag.
PROBE = """
import base64, hashlib, io, json, sys, zipfile
import musldetect
from musldetect import _tags
tag = sys.argv[1]
assert musldetect.__file__.startswith(sys.argv[3]), musldetect.__file__  # the copy, not the checkout
listed = tag in _tags.manylinux_tags((2, 28), ["x86_64"], None) or tag in _tags.musllinux_tags((1, 2), ["armv6l"])
try:
    spec = musldetect.target(platform=tag, python="3.12").platform_tags[:3]
except ValueError:
    spec = None
wheel = sys.argv[2]
files = {"p-1.dist-info/WHEEL": f"Wheel-Version: 1.0\\nTag: py3-none-{tag}\\n".encode(), "p/__init__.py": b""}
record = "".join(f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
                 f"{len(data)}\\n" for name, data in files.items()) + "p-1.dist-info/RECORD,,\\n"
with zipfile.ZipFile(wheel, "w") as archive:
    for name, data in files.items():
        archive.writestr(name, data)
    archive.writestr("p-1.dist-info/RECORD", record)  # the audit holds RECORD to the files
verdict = musldetect.audit(wheel).verdict
print(json.dumps({"listed": listed, "spec": spec, "verdict": verdict}))
"""


def _probe(package_parent: str, tag: str, tmp_path) -> dict:
    import json

    wheel = str(tmp_path / f"p-1-py3-none-{tag}.whl")
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, tag, wheel, package_parent],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=package_parent,  # not a checkout's: "-c" puts the directory first
        env=dict(os.environ, PYTHONPATH=package_parent, MUSLDETECT_BACKEND="python"),
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("kind", sorted(NEW_SPELLINGS))
def test_a_new_spelling_is_one_edit(kind, tmp_path):
    """A copy of the package with one edit of _grammar.py lists, accepts and audits the new
    spelling; the unedited copy does none of it (so the probe can tell)."""
    old, new, tag = NEW_SPELLINGS[kind]
    source = os.path.dirname(musldetect.__file__)
    results = {}
    for edited in (False, True):
        parent = tmp_path / ("edited" if edited else "plain")
        copy = parent / "musldetect"
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "_native*"))
        grammar = copy / "_grammar.py"
        text = grammar.read_text()
        assert text.count(old) == 1
        if edited:
            grammar.write_text(text.replace(old, new))
        results[edited] = _probe(str(parent), tag, parent)
    assert results[False]["spec"] is None
    assert results[True]["spec"] is not None and tag in results[True]["spec"]
    if kind == "legacy alias":  # the audit reads a tag by its spelling: a new arch was already one
        assert not results[False]["listed"] and results[True]["listed"]
        assert results[False]["verdict"] == "inconsistent" and results[True]["verdict"] == "honest"
