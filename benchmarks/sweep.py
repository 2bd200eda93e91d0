"""Time inspect() on every ELF file under a tree: the cost of deciding real files.

Usage: python benchmarks/sweep.py [--top /usr] [--out benchmarks/results/sweep-LABEL.json]
Each file is inspected once to warm the page cache and the imports, then timed as the
best of three calls (the figure is the work inspect() does, not the disk). Prints the
median, p90, p99 and the slowest files; writes them as JSON with --out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from typing import Dict, List, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

import musldetect  # noqa: E402

from elforacle import elf_files  # noqa: E402


def time_one(path: str) -> Tuple[float, str]:
    outcome = ""
    best = float("inf")
    for _ in range(4):  # the first call warms; the best of the other three counts
        start = time.perf_counter()
        try:
            outcome = musldetect.inspect(path).family or "none"
        except (musldetect.ELFError, OSError) as exc:
            outcome = type(exc).__name__
        elapsed = time.perf_counter() - start
        if _ > 0:
            best = min(best, elapsed)
    return best, outcome


def percentile(sorted_values: List[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", default="/usr")
    parser.add_argument("--out")
    args = parser.parse_args()
    timings: List[Tuple[float, str, str]] = []
    outcomes: Dict[str, int] = {}
    for path in elf_files(args.top):
        seconds, outcome = time_one(path)
        timings.append((seconds, path, outcome))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    values = sorted(t for t, _, _ in timings)
    report = {
        "top": args.top,
        "files": len(values),
        "median_ms": statistics.median(values) * 1e3,
        "p90_ms": percentile(values, 0.90) * 1e3,
        "p99_ms": percentile(values, 0.99) * 1e3,
        "max_ms": values[-1] * 1e3,
        "outcomes": dict(sorted(outcomes.items())),
        "slowest": [{"path": p, "ms": round(t * 1e3, 3), "outcome": o} for t, p, o in sorted(timings)[-10:][::-1]],
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    print(
        f"{report['files']} ELF files under {args.top}: median {report['median_ms']:.3f} ms, "
        f"p90 {report['p90_ms']:.3f} ms, p99 {report['p99_ms']:.3f} ms, max {report['max_ms']:.2f} ms"
    )
    for row in report["slowest"][:5]:
        print(f"  {row['ms']:8.3f} ms  {row['outcome']:10} {row['path']}")
    print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in report["outcomes"].items()))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(report, fh, indent=1)
            fh.write("\n")


if __name__ == "__main__":
    main()
