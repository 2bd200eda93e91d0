"""resolve() against ldd, side by side on every ELF file under a tree, in one process.

Usage: python benchmarks/resolve_bench.py [--top /usr] [--quick] [--out FILE.json]

resolve() runs over every file in one process (the cache file read once per root, each
library's facts once per file identity), each file timed alone; ldd runs once per file
(a process per file is what it costs). ``--quick`` takes every 20th file (CI).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

import musldetect  # noqa: E402

from elforacle import elf_files  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", default="/usr")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()
    files = elf_files(args.top)[:: 20 if args.quick else 1]
    ours, theirs = [], []
    for path in files:
        start = time.perf_counter()
        try:
            result = musldetect.resolve(path)
        except (musldetect.ELFError, OSError):
            continue
        elapsed = time.perf_counter() - start
        if result.family != "glibc" or not result.libraries:
            continue  # ldd can only list this system's dynamic glibc objects
        ours.append(elapsed)
        start = time.perf_counter()
        subprocess.run(["ldd", path], capture_output=True)
        theirs.append(time.perf_counter() - start)
    summary = {
        "files": len(ours),
        "median_resolve_ms": statistics.median(ours) * 1e3,
        "p90_resolve_ms": sorted(ours)[int(len(ours) * 0.9)] * 1e3,
        "median_ldd_ms": statistics.median(theirs) * 1e3,
        "median_ratio": statistics.median(t / o for t, o in zip(theirs, ours)),
        "total_resolve_s": sum(ours),
        "total_ldd_s": sum(theirs),
    }
    print(json.dumps(summary, indent=2))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"summary": summary, "python": sys.version.split()[0], "top": args.top}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
