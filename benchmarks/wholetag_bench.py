"""The whole-tag audit against abi3audit, and what the whole-tag checks add to an audit.

Usage: python benchmarks/wholetag_bench.py ABI3_WHEEL_DIR [WHEEL_DIR] [--rounds 3] [--quick] [--out FILE.json]

1. Per abi3 wheel: ``musldetect.audit()`` in this process (the whole tag: platform,
   ISA, stable ABI, suffixes; best of ``rounds`` after a warm-up) against ``abi3audit``
   as cibuildwheel runs it (a command per wheel, best of ``rounds``), and the ratio.
   Target: at least 20x.
2. The share of the new checks in the median audit over every wheel of both folders:
   the same audits with the python/ABI judge, the ISA/stack causes and the GNU property
   read switched off, against the full audit. Target: at most 10%.
``--quick`` times three wheels once (what CI runs so the script cannot rot).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
from typing import Dict, List

from audit_bench import best_of  # benchmarks/ is the script's directory

import musldetect
from musldetect import _elf
from musldetect._audit import _abi, _isa


def abi3audit_command(wheel: str) -> None:
    subprocess.run([sys.executable, "-m", "abi3audit", "-S", wheel], capture_output=True, check=False)


def against_abi3audit(wheels: List[str], rounds: int) -> List[Dict[str, object]]:
    rows = []
    for wheel in wheels:
        musldetect.audit(wheel)  # warm-up: imports and the data files
        ours = best_of(rounds, lambda w=wheel: musldetect.audit(w))
        theirs = best_of(rounds, lambda w=wheel: abi3audit_command(w))
        rows.append(
            {
                "wheel": os.path.basename(wheel),
                "audit_ms": round(ours * 1e3, 2),
                "abi3audit_ms": round(theirs * 1e3, 1),
                "ratio": round(theirs / ours, 1),
            }
        )
        print(
            f"{rows[-1]['ratio']:7.1f}x  {rows[-1]['audit_ms']:8.2f} ms  {rows[-1]['abi3audit_ms']:9.1f} ms  "
            f"{rows[-1]['wheel']}"
        )
    return rows


def share_of_new_checks(wheels: List[str], rounds: int) -> Dict[str, float]:
    """Median audit with and without the whole-tag checks, interleaved per wheel and round
    (so a busy machine slows both alike); switched off by replacing the three entry points
    for the measurement only."""
    switched = (
        (_abi, "judge", lambda declared, binaries: ([], [])),
        (_isa, "policy_causes", lambda family, name, arch, binary: []),
        (_elf.ELFFile, "gnu_properties", lambda self: {}),
    )
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in switched]
    full: List[float] = []
    without: List[float] = []
    try:
        for wheel in wheels:
            musldetect.audit(wheel)  # warm-up: the wheel in the page cache for both
            best_full = best_without = float("inf")
            for _ in range(rounds):
                for owner, name, original in saved:
                    setattr(owner, name, original)
                best_full = min(best_full, best_of(1, lambda w=wheel: musldetect.audit(w)))
                for owner, name, replacement in switched:
                    setattr(owner, name, replacement)
                best_without = min(best_without, best_of(1, lambda w=wheel: musldetect.audit(w)))
            full.append(best_full)
            without.append(best_without)
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
    median_full, median_without = statistics.median(full), statistics.median(without)
    return {
        "median_full_ms": round(median_full * 1e3, 3),
        "median_without_ms": round(median_without * 1e3, 3),
        "share_percent": round(100 * (median_full - median_without) / median_full, 1),
    }


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("abi3_dir")
    parser.add_argument("wheel_dir", nargs="?")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    abi3 = sorted(glob.glob(os.path.join(args.abi3_dir, "*.whl")))
    everything = abi3 + (sorted(glob.glob(os.path.join(args.wheel_dir, "*.whl"))) if args.wheel_dir else [])
    rounds = 1 if args.quick else args.rounds
    if args.quick:
        abi3, everything = abi3[:3], everything[:3]
    rows = against_abi3audit(abi3, rounds)
    ratios = [float(str(row["ratio"])) for row in rows]
    share = share_of_new_checks(everything, rounds)
    summary = {
        "wheels": len(rows),
        "median_ratio": statistics.median(ratios),
        "min_ratio": min(ratios),
        "target_ratio": 20,
        **share,
        "target_share_percent": 10,
    }
    print(json.dumps(summary, indent=1))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"summary": summary, "rows": rows}, fh, indent=1)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
