"""The abi3 judgement on real abi3 wheels from PyPI, compared with abi3audit 0.0.26.

The wheels: every abi3 wheel of tests/audit/wheels.txt (MUSLDETECT_WHEELS) and those of
tests/audit/abi3-wheels.txt (MUSLDETECT_ABI3_WHEELS), both fetched once into the cache
by tests/audit/fetch-wheels.sh (.ci/run's audit stage). For each shared object the
violations must be the same: the symbols outside the stable ABI (or exported under a
CPython name), and those newer than the wheel's abi3 version. Each difference is a named
case below, its condition checked.
"""

from __future__ import annotations

import glob
import json
import os
import posixpath
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

import musldetect

from oracle import skip_or_fail

HERE = os.path.dirname(os.path.abspath(__file__))


def abi3_wheels() -> list:
    found = []
    for variable, listed in (("MUSLDETECT_WHEELS", "wheels.txt"), ("MUSLDETECT_ABI3_WHEELS", "abi3-wheels.txt")):
        directory = os.environ.get(variable)
        if not directory:
            pytest.skip(
                f"the abi3 comparison runs in .ci/run's audit stage, which sets {variable} "
                "(tests/audit/fetch-wheels.sh prints the directory)"
            )
        with open(os.path.join(HERE, "audit", listed)) as fh:
            pinned = [line.split()[0] for line in fh if line.strip() and not line.startswith("#")]
        wheels = sorted(glob.glob(os.path.join(directory, "*-abi3-*.whl")))
        if listed == "abi3-wheels.txt" and len(wheels) < len(pinned):
            skip_or_fail(f"{len(wheels)} of the {len(pinned)} pinned abi3 wheels are in {directory}")
        found += wheels
    return found


def abi3audit(wheel: str) -> dict:
    """file name -> (symbols outside the stable ABI, symbols newer than the tag)."""
    proc = subprocess.run(
        [sys.executable, "-m", "abi3audit", "-R", "-S", wheel], capture_output=True, text=True, timeout=600
    )
    assert proc.stdout.strip(), proc.stderr[-2000:]
    found = {}
    for spec in json.loads(proc.stdout)["specs"].values():
        for entry in spec.get("wheel", []):
            result = entry["result"]
            outside, newer = sorted(result["non_abi3_symbols"]), sorted(result["future_abi3_objects"])
            if outside or newer:
                found[entry["name"]] = (outside, newer)
    return found


def ours(result: musldetect.Audit) -> dict:
    found: dict = {}
    for blame in result.blame:
        if not blame.tag.endswith("-abi3") or " (" not in blame.cause:
            continue
        symbol, _, kind = blame.cause.partition(" (")
        outside, newer = found.setdefault(posixpath.basename(blame.file), ([], []))
        (newer if kind.startswith("stable ABI from") else outside).append(symbol)
    return {name: (sorted(outside), sorted(newer)) for name, (outside, newer) in found.items()}


def classify(name: str, mine: dict, theirs: dict) -> str:
    if mine == theirs:
        return "same"
    for file in set(mine) | set(theirs):
        if mine.get(file) == theirs.get(file):
            continue
        # Named case: abi3audit reads only files named *.so; a versioned library such as
        # shiboken6's libshiboken6.abi3.so.6.12 is loaded into the same process, and its
        # exports under CPython names are judged here only.
        assert file in mine and file not in theirs and not file.endswith(".so"), (name, file, mine, theirs)
    return "abi3audit skips versioned libraries (*.so.N)"


def test_abi3_violations_agree_with_abi3audit():
    pytest.importorskip("abi3audit", reason="abi3audit is the oracle (pip install abi3audit==0.0.26)")
    wheels = abi3_wheels()
    assert len(wheels) >= 15
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(abi3audit, wheels))
    outcomes = {}
    for wheel, theirs in zip(wheels, reports):
        result = musldetect.audit(wheel)
        outcomes[os.path.basename(wheel)] = classify(os.path.basename(wheel), ours(result), theirs)
        if not ours(result):
            python = os.path.basename(wheel).split("-")[2]
            lowest = next(tag for tag in result.honest_tags if tag.endswith("-abi3"))
            assert int(lowest[3:].split("-")[0]) <= int(python[3:]), (wheel, lowest)
    print("\n".join(f"{outcome:50} {name}" for name, outcome in sorted(outcomes.items())))
    assert sum(outcome == "same" for outcome in outcomes.values()) >= len(wheels) - 1
