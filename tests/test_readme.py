"""Every example of README.md and docs/*.md prints what the page shows.

An example is a ```console block: ``$ command`` lines, each followed by its output
(stdout and stderr as a terminal shows them). A block's info string names what it needs
beyond any Linux machine, and the block runs only where that is at hand:

- ``debian12``: this is Debian 12 on x86_64 with glibc 2.36 and the native backend (the
  machine the pages show; CI's host);
- ``wheels``: the pinned PyPI wheels of tests/audit/fetch-wheels.sh (``MUSLDETECT_WHEELS``
  names their directory, as .ci/run's audit stage sets it), linked into the example's
  directory;
- ``sid``: Debian sid's CPython 3.14 root (tests/python/sid-python314.sh), as ``sid-root``;
- ``cffi``: the cffi package (the ``[cffi]`` extra);
- any other word: a program of that name (``gcc``, ``musl-gcc``), for examples that build
  their own material.

``PYTHON`` in an expected line stands for the interpreter running musldetect, ``WORK`` for
the example's directory.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, NamedTuple, Tuple

import pytest

import musldetect

from oracle import skip_or_fail

REPO = Path(__file__).resolve().parent.parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


class Example(NamedTuple):
    page: str
    line: int
    needs: Tuple[str, ...]
    command: str
    expected: List[str]


def examples() -> List[Example]:
    found = []
    for page in PAGES:
        if not page.exists():
            continue
        lines = page.read_text().splitlines()
        needs: Tuple[str, ...] = ()
        inside = False
        for number, line in enumerate(lines, 1):
            if not inside and line.startswith("```console"):
                inside, needs = True, tuple(line[len("```console") :].split())
            elif inside and line.startswith("```"):
                inside = False
            elif inside and line.startswith("$ "):
                found.append(Example(page.relative_to(REPO).as_posix(), number, needs, line[2:], []))
            elif inside and found:
                found[-1].expected.append(line)
    return found


def test_the_pages_have_examples():
    assert len(examples()) >= 10
    assert len((REPO / "README.md").read_text().splitlines()) <= 350, "the README is a five-minute page"
    for page in PAGES:
        assert "```\n$ " not in page.read_text(), f"{page}: an example block without ```console is never checked"


def _available(need: str, work: Path) -> str:
    """Why the need is not met here; empty when it is (and its material is in place)."""
    if need == "debian12":
        info = musldetect.libc()
        version = Path("/etc/debian_version").read_text() if Path("/etc/debian_version").exists() else ""
        if not (
            version.startswith("12.")
            and (info.family, info.version, info.arch) == ("glibc", (2, 36), "x86_64")
            and musldetect.backend() == "native"
        ):
            return "the page shows Debian 12 (glibc 2.36, x86_64) with the native backend"
        return ""
    if need == "wheels":
        directory = os.environ.get("MUSLDETECT_WHEELS")
        wheels = sorted(Path(directory).glob("*.whl")) if directory else []
        if not wheels:
            return "no pinned wheels: .ci/run's audit stage sets MUSLDETECT_WHEELS (tests/audit/fetch-wheels.sh)"
        for wheel in wheels:
            (work / wheel.name).symlink_to(wheel)
        return ""
    if need == "sid":
        root = os.environ.get("MUSLDETECT_SID_ROOT")
        if not root:
            return "no sid image with CPython 3.14 (tests/python/sid-python314.sh; MUSLDETECT_SID_ROOT)"
        (work / "sid-root").symlink_to(root)
        return ""
    if need == "cffi":
        import importlib.util

        return "" if importlib.util.find_spec("_cffi_backend") else "cffi is not installed (pip install '.[cffi]')"
    return "" if shutil.which(need) else f"{need} is missing (a program the example runs)"


def _blocks() -> List[List[Example]]:
    """The examples grouped by block: a block's commands run in order in one directory."""
    grouped: List[List[Example]] = []
    for example in examples():
        if (
            grouped
            and grouped[-1][0].page == example.page
            and grouped[-1][0].needs == example.needs
            and example.line - grouped[-1][-1].line == len(grouped[-1][-1].expected) + 1
        ):
            grouped[-1].append(example)
        else:
            grouped.append([example])
    return grouped


@pytest.mark.parametrize("block", _blocks(), ids=lambda block: f"{block[0].page}:{block[0].line}")
def test_example_prints_what_the_page_shows(block, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    for need in block[0].needs:
        why = _available(need, work)
        if why:
            if need in ("debian12", "sid", "wheels", "cffi"):  # a named machine, CI stage or extra
                pytest.skip(why)
            skip_or_fail(why)
    tools = tmp_path / "bin"
    tools.mkdir()
    for name, command in (("musldetect", f'"{sys.executable}" -m musldetect'), ("python", f'"{sys.executable}"')):
        wrapper = tools / name  # the package and interpreter under test, whatever the PATH holds
        wrapper.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
        wrapper.chmod(0o755)
    env = dict(os.environ, PATH=f"{tools}:{os.environ.get('PATH', '')}", COLUMNS="200")
    env.pop("MUSLDETECT_LIBC", None)
    env.pop("MUSLDETECT_BACKEND", None)
    for example in block:
        proc = subprocess.run(
            ["bash", "-c", example.command],
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
        )
        expected = [
            re.sub(r"\bWORK\b", str(work), re.sub(r"\bPYTHON\b", sys.executable, line)) for line in example.expected
        ]
        assert proc.stdout.splitlines() == expected, f"{example.page}:{example.line}: $ {example.command}"


def test_the_documented_rules_are_the_rules():
    """docs/gate.md's table of rules lists every id of RULES, and only those."""
    from musldetect._audit import _waivers

    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "gate.md")) as fh:
        text = fh.read()
    documented = re.findall(r"^\| `([a-z0-9-]+)` \|", text, flags=re.M)
    assert sorted(documented) == sorted(_waivers.RULES)
