"""What reading the container one way costs the audit, on the real-wheel set (issue 30).

    python benchmarks/zip_bench.py WHEELS_DIR [--rounds 5] [--out results/zip-glibc-host.json]

Per wheel, interleaved rounds of ``audit()`` with the structural checks on and switched
off (``_zip.STRUCTURE_CHECKS``, a private switch for this measurement only: local headers
against the central directory, byte accounting, names), each round's best kept per side;
the structural share is (on - off) / on over the set's medians. Because that difference is
within the noise of a shared machine, the checks are also timed alone: the container's
layout read with and without them (best of many rounds), against the audit. The CRC and RECORD hash
share is the time ``zlib.crc32`` plus the RECORD hash take over every member's bytes
(already in memory) against the audit's; the floor is zipfile inflating every member
(checking each CRC) and hashing it, which any reader of the bytes an installer installs
must do.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import platform
import statistics
import sys
import time
import zipfile
import zlib
from typing import Callable, Dict, List

import musldetect
from musldetect._audit import _zip


def clock(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def audit_with(wheel: str, checks: bool) -> float:
    _zip.STRUCTURE_CHECKS = checks
    try:
        return clock(lambda: musldetect.audit(wheel))
    finally:
        _zip.STRUCTURE_CHECKS = True


def layout_with(wheel: str, checks: bool) -> float:
    """The container's layout alone (end records, central directory, every local header),
    with or without the structural checks: their cost without the inflating around it."""
    _zip.STRUCTURE_CHECKS = checks
    fd = os.open(wheel, os.O_RDONLY)
    try:
        return clock(lambda: _zip.WheelZip(wheel, fd))
    finally:
        os.close(fd)
        _zip.STRUCTURE_CHECKS = True


def crc_and_hash(members: List[bytes]) -> None:
    for data in members:
        zlib.crc32(data)
        hashlib.sha256(data).digest()


def inflate_and_hash(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            hashlib.sha256(archive.read(info)).digest()


def measure(wheel: str, rounds: int) -> Dict[str, float]:
    with zipfile.ZipFile(wheel) as archive:
        members = [archive.read(info) for info in archive.infolist()]
    on: List[float] = []
    off: List[float] = []
    sums: List[float] = []
    floor: List[float] = []
    audit_with(wheel, True)  # warm the page cache and the imports
    for _ in range(rounds):
        on.append(audit_with(wheel, True))
        off.append(audit_with(wheel, False))
        sums.append(clock(lambda: crc_and_hash(members)))
        floor.append(clock(lambda: inflate_and_hash(wheel)))
    layout_on = min(layout_with(wheel, True) for _ in range(rounds * 4))
    layout_off = min(layout_with(wheel, False) for _ in range(rounds * 4))
    return {
        "audit_ms": min(on) * 1e3,
        "audit_without_structure_ms": min(off) * 1e3,
        "structure_in_layout_ms": max(layout_on - layout_off, 0.0) * 1e3,
        "layout_ms": layout_on * 1e3,
        "crc_and_record_hash_ms": min(sums) * 1e3,
        "inflate_and_hash_floor_ms": min(floor) * 1e3,
        "members": len(members),
        "bytes": sum(map(len, members)),
        "size": os.path.getsize(wheel),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheels")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out")
    args = parser.parse_args()
    wheels = sorted(glob.glob(os.path.join(args.wheels, "*.whl")))
    per_wheel = {}
    for wheel in wheels:
        per_wheel[os.path.basename(wheel)] = figures = measure(wheel, args.rounds)
        print(
            f"{os.path.basename(wheel)[:60]:60} audit {figures['audit_ms']:8.2f} ms  without structure "
            f"{figures['audit_without_structure_ms']:8.2f}  crc+hash {figures['crc_and_record_hash_ms']:7.2f}  "
            f"floor {figures['inflate_and_hash_floor_ms']:8.2f}  "
            f"structure alone {figures['structure_in_layout_ms']:6.3f}"
        )
    median = {
        key: statistics.median(f[key] for f in per_wheel.values())
        for key in (
            "audit_ms",
            "audit_without_structure_ms",
            "crc_and_record_hash_ms",
            "inflate_and_hash_floor_ms",
            "structure_in_layout_ms",
            "layout_ms",
        )
    }
    total = {key: sum(f[key] for f in per_wheel.values()) for key in median}
    summary = {
        "structural_share_of_median_audit": (median["audit_ms"] - median["audit_without_structure_ms"])
        / median["audit_ms"],
        "structural_share_of_total_audit": (total["audit_ms"] - total["audit_without_structure_ms"])
        / total["audit_ms"],
        "structure_alone_share_of_total_audit": total["structure_in_layout_ms"] / total["audit_ms"],
        "structure_alone_share_of_median_audit": median["structure_in_layout_ms"] / median["audit_ms"],
        "crc_and_record_hash_share_of_total_audit": total["crc_and_record_hash_ms"] / total["audit_ms"],
        "audit_over_inflate_and_hash_floor_total": total["audit_ms"] / total["inflate_and_hash_floor_ms"],
        "median": median,
        "total": total,
    }
    print(json.dumps(summary, indent=1))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(
                {
                    "machine": platform.machine(),
                    "python": sys.version.split()[0],
                    "rounds": args.rounds,
                    "wheels": per_wheel,
                    "summary": summary,
                },
                fh,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
