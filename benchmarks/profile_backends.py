"""Where a cold detection spends its time, per backend: the profile behind docs/benchmarks.md's gaps.

Usage: python benchmarks/profile_backends.py [--out DIR] [--label LABEL]
Writes DIR/profile-LABEL-BACKEND.txt: the mean of a cold detect_libc() and of an uncached
libc(), then cProfile's top entries by own time over many cold calls.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time

import musldetect
from musldetect import _dispatch

CALLS = 300


def mean_us(function, calls: int = CALLS) -> float:
    function()
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".")
    parser.add_argument("--label", default="host")
    args = parser.parse_args()
    for status in _dispatch.backend_statuses():
        if not status.available:
            continue
        module = _dispatch.load_backend(status.name)
        os.environ[_dispatch.BACKEND_ENV] = status.name
        musldetect.cache_clear()
        lines = [
            f"backend {status.name} ({musldetect.libc().family} {musldetect.libc().version_string})",
            f"detect_libc(), cold: {mean_us(module.detect_libc):.1f} us",
            f"libc(cached=False): {mean_us(lambda: musldetect.libc(cached=False)):.1f} us",
            "",
        ]
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(CALLS):
            module.detect_libc()
        profile.disable()
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(12)
        lines.append(text.getvalue().strip())
        path = os.path.join(args.out, f"profile-{args.label}-{status.name}.txt")
        with open(path, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        print("\n".join(lines[:3]))


if __name__ == "__main__":
    main()
