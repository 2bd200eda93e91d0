"""The gate's cost against the cost of reading the bytes it vouches for (issue 33).

Usage: python benchmarks/gate_bench.py WHEEL_DIR [--rounds 5] [--quick] [--out FILE.json]

On the real-wheel set (tests/audit/fetch-wheels.sh), side by side in one process, the
contenders interleaved wheel by wheel and their order alternated each round, medians:

- the floor: what a gate that checks every byte must do at least, with the standard
  library: inflate every member (raw deflate, zlib) and check its CRC, hash it (sha256,
  hashlib, as RECORD does). Inflating and hashing are timed apart too;
- the same floor with a faster inflater from PyPI when installed (zlib-ng's ``zlib_ng``,
  isal's ``isal_zlib``), through musldetect/_audit/_inflate.py: the CRC still checked on
  its output with the standard library;
- ``musldetect.audit()`` as it is today (it inflates only the members that may be ELF,
  and hashes nothing);
- the command over the whole set, ``--jobs 2`` against ``--jobs 1`` (wall time: the one
  figure here that parallelism changes; the in-process ones are CPU time).

Figures: per wheel and median ratios, members/s and bytes/s (compressed and inflated) per
core, which feed docs/index-scale.md. ``--quick`` times four wheels once (what CI runs so
the script cannot rot; its figures mean nothing).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import platform
import statistics
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from typing import Any, Callable, Dict, List, NamedTuple, Optional

import musldetect
from musldetect._audit import _inflate


def engines() -> List[_inflate.Inflater]:
    """zlib first (the floor), then the optional inflaters installed here."""
    found = _inflate.available()
    return [found[-1], *found[:-1]]


class Member(NamedTuple):
    name: str
    method: int
    data_offset: int
    compressed: int
    size: int
    crc: int


def members(path: str) -> List[Member]:
    """Each member's raw data span, from the central directory and its local header."""
    found = []
    with zipfile.ZipFile(path) as archive, open(path, "rb") as fh:
        for info in archive.infolist():
            if info.is_dir():
                continue
            fh.seek(info.header_offset)
            header = fh.read(30)
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            found.append(
                Member(
                    info.filename,
                    info.compress_type,
                    info.header_offset + 30 + name_length + extra_length,
                    info.compress_size,
                    info.file_size,
                    info.CRC,
                )
            )
    return found


CHUNK = 1 << 20


def read_all(path: str, listing: List[Member], engine: _inflate.Inflater, hash_too: bool = True) -> None:
    """Inflate (CRC checked) and, with ``hash_too``, sha256 every member."""
    with open(path, "rb") as fh:
        for member in listing:
            fh.seek(member.data_offset)
            raw = fh.read(member.compressed)
            if member.method == zipfile.ZIP_STORED:
                data = raw
                if zlib.crc32(data) != member.crc:
                    raise ValueError(f"{path}!{member.name}: CRC differs")
            else:  # the gate's own reading: sizes and the CRC checked (with zlib) on the output
                data = _inflate.inflate(engine, raw, member.size, member.crc)
            if hash_too:
                hashlib.sha256(data).digest()


def timed(call: Callable[[], object]) -> float:
    """CPU seconds of this process: on a shared machine, wall time would count the waits
    for a core, and per-core figures are what the index arithmetic needs."""
    start = time.process_time()
    call()
    return time.process_time() - start


def per_wheel(wheels: List[str], rounds: int) -> List[Dict[str, Any]]:
    """Every contender on every wheel, interleaved; medians per wheel."""
    found = engines()
    listings = {w: members(w) for w in wheels}
    for wheel in wheels:  # warm-up: the page cache and the first imports
        musldetect.audit(wheel)
        read_all(wheel, listings[wheel], found[0])
    times: Dict[str, Dict[str, List[float]]] = {w: {} for w in wheels}
    for index in range(rounds):
        for wheel in wheels:
            contenders: List[tuple] = [("audit", lambda w=wheel: musldetect.audit(w))]
            for engine in found:
                contenders.append((f"floor-{engine.name}", lambda w=wheel, e=engine: read_all(w, listings[w], e)))
            contenders.append(("inflate-zlib", lambda w=wheel: read_all(w, listings[w], found[0], False)))
            if index % 2:
                contenders.reverse()
            for name, call in contenders:
                times[wheel].setdefault(name, []).append(timed(call))
    rows = []
    for wheel in wheels:
        listing = listings[wheel]
        row: Dict[str, Any] = {
            "wheel": os.path.basename(wheel),
            "members": len(listing),
            "compressed": sum(m.compressed for m in listing),
            "inflated": sum(m.size for m in listing),
        }
        row.update({name: statistics.median(values) for name, values in sorted(times[wheel].items())})
        rows.append(row)
    return rows


def cli_jobs(wheels: List[str], rounds: int) -> Dict[str, Any]:
    """The command over the whole set, --jobs 1 and 2 alternated; median wall seconds."""
    walls: Dict[str, List[float]] = {"1": [], "2": []}
    for index in range(rounds):
        for jobs in ("1", "2") if index % 2 == 0 else ("2", "1"):
            command = [sys.executable, "-m", "musldetect", "audit", "--jobs", jobs, *wheels]
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls[jobs].append(time.perf_counter() - start)
    one, two = statistics.median(walls["1"]), statistics.median(walls["2"])
    return {"jobs1_s": one, "jobs2_s": two, "speedup": one / two, "rounds": rounds}


def summary(rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    def median_ratio(top: str, bottom: str) -> float:
        return statistics.median(row[top] / row[bottom] for row in rows)

    floor = sum(row["floor-zlib"] for row in rows)
    inflate = sum(row["inflate-zlib"] for row in rows)
    out: Dict[str, Any] = {
        "median_audit_over_floor": median_ratio("audit", "floor-zlib"),
        "total_audit_over_floor": sum(row["audit"] for row in rows) / floor,
        "hash_share_of_floor": (floor - inflate) / floor,
        "members_per_s_per_core": sum(row["members"] for row in rows) / floor,
        "compressed_mb_per_s_per_core": sum(row["compressed"] for row in rows) / floor / 1e6,
        "inflated_mb_per_s_per_core": sum(row["inflated"] for row in rows) / floor / 1e6,
        "audit_wheels_per_s_per_core": len(rows) / sum(row["audit"] for row in rows),
        "audit_compressed_mb_per_s_per_core": sum(row["compressed"] for row in rows)
        / sum(row["audit"] for row in rows)
        / 1e6,
    }
    for name in ("zlib-ng", "isal"):
        if f"floor-{name}" in rows[0]:
            out[f"median_floor_zlib_over_{name}"] = median_ratio("floor-zlib", f"floor-{name}")
            out[f"total_floor_zlib_over_{name}"] = floor / sum(row[f"floor-{name}"] for row in rows)
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheels", help="a folder of wheels (tests/audit/fetch-wheels.sh prints it)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", help="write the figures here as JSON")
    args = parser.parse_args(argv)
    wheels = sorted(glob.glob(os.path.join(args.wheels, "*.whl")))
    if args.quick:
        wheels, args.rounds = wheels[:4], 1
    load_before = os.getloadavg()
    rows = per_wheel(wheels, args.rounds)
    figures = {
        "machine": {
            "load_average_before": load_before,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "zlib": zlib.ZLIB_RUNTIME_VERSION,
            "engines": [e.name for e in engines()],
        },
        "musldetect": musldetect.__version__,
        "wheels": len(wheels),
        "rounds": args.rounds,
        "summary": summary(rows),
        "cli": cli_jobs(wheels, max(1, args.rounds // 2 + 1)),
        "per_wheel": rows,
    }
    figures["machine"]["load_average_after"] = os.getloadavg()  # a shared machine: say how busy it was
    for key, value in figures["summary"].items():
        print(f"{key:40} {value:10.3f}")
    cli = figures["cli"]
    print(f"{'cli --jobs 1 / --jobs 2':40} {cli['speedup']:10.3f}  ({cli['jobs1_s']:.2f} s / {cli['jobs2_s']:.2f} s)")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(figures, fh, indent=1)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
