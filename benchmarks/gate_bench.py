"""The gate's cost against the cost of reading the bytes it vouches for (issue 33).

Usage: python benchmarks/gate_bench.py WHEEL_DIR [--rounds 5] [--quick] [--out FILE.json]

On the real-wheel set (tests/audit/fetch-wheels.sh), side by side in one process, the
contenders interleaved wheel by wheel and their order alternated each round, medians:

- the floor: what a gate that checks every byte must do at least, with the standard
  library: inflate every member (raw deflate, zlib) and check its CRC, hash it (sha256,
  hashlib, as RECORD does), each member whole and each fed to the inflater READ compressed
  bytes at a time (faster for large members), and each member the way the audit takes it
  (whole up to WHOLE, 14 MiB, streamed above); the floor of a wheel is the fastest of the three.
  Inflating and hashing are timed apart too;
- the same floor with a faster inflater from PyPI when installed (zlib-ng's ``zlib_ng``,
  isal's ``isal_zlib``), through musldetect/_audit/_inflate.py: the CRC still checked on
  its output with the standard library;
- ``musldetect.audit()`` once per inflater installed (``MUSLDETECT_INFLATER`` forced for
  each), so each is held to the floor that uses the same inflater;
- the command over the whole set, ``--jobs 2`` against ``--jobs 1`` (wall time: the one
  figure here that parallelism changes; the in-process ones are CPU time), and the
  schedule the per-wheel audit times give 2, 4 and 8 workers handed the largest first;
- the command on one wheel (a small and the median one) against Python's start-up, the
  same audit in a fresh interpreter and in a warm one (wall time, many rounds).

Figures: per wheel and median ratios, members/s and bytes/s (compressed and inflated) per
core, which feed docs/index-scale.md. ``--quick`` times four wheels once (what CI runs so
the script cannot rot; its figures mean nothing).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import importlib
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
from musldetect._audit._zip_layout import WHOLE


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


CHUNK = 1 << 20  # at most this many bytes made per call, as the audit does while a member streams
READ = 256 << 10  # compressed bytes fed at a time, as the audit does for a large member


def read_all(path: str, listing: List[Member], engine: _inflate.Inflater, hash_too: bool = True) -> None:
    """Inflate (CRC checked) and, with ``hash_too``, sha256 every member, each whole."""
    with open(path, "rb") as fh:
        for member in listing:
            _whole(path, member, _raw(fh, member), engine, hash_too)


def read_streamed(path: str, listing: List[Member], engine: _inflate.Inflater) -> None:
    """``read_all`` in pieces: the compressed data fed to the inflater READ bytes at a time,
    at most CHUNK bytes made per call, each piece CRC'd and hashed while it is in cache.
    For a large member this beats inflating it whole (a 25 MB executable by about 15 %), so
    the floor is the best of the ways for each wheel: a gate that streams must not be held
    to the slower one, nor a whole read to a streaming floor that copies its input over and
    over (feeding the whole member and taking 1 MiB out per call does)."""
    with open(path, "rb") as fh:
        for member in listing:
            _streamed(path, member, _raw(fh, member), engine)


def read_mixed(path: str, listing: List[Member], engine: _inflate.Inflater) -> None:
    """Each member the way the audit takes it: whole when it fits WHOLE each way, streamed
    when larger. A wheel of many small files and one large binary reads faster so than all
    whole or all streamed, and the floor must not be the slower reading."""
    with open(path, "rb") as fh:
        for member in listing:
            if member.compressed <= WHOLE and member.size <= WHOLE:
                _whole(path, member, _raw(fh, member), engine, True)
            else:
                _streamed(path, member, _raw(fh, member), engine)


def read_natively(path: str, listing: List[Member]) -> None:
    """Every member the way the audit reads it with the C reader (``_native.read_member``,
    into reused memory, its CRC folded where the CPU can), hashed with hashlib: the audit's
    own reading, judging nothing. Not the floor the issue sets (the standard library's),
    a second one beside it, so the figures say how much of the audit's margin over that
    floor comes from reading faster than the standard library does."""
    from musldetect import _native

    out = _native.scratch(WHOLE + 1)
    passing = _native.scratch(WHOLE)
    with open(path, "rb") as fh:
        for member in listing:
            if member.compressed > WHOLE or member.size > WHOLE or member.method not in (0, 8):
                _streamed(path, member, _raw(fh, member), engines()[0], _native.crc32)
                continue
            made, crc, complete, _, problem = _native.read_member(
                fh.fileno(), member.data_offset, member.compressed, member.size, member.method, out, passing
            )
            if problem or not complete or made != member.size or crc != member.crc:
                raise ValueError(f"{path}!{member.name}: not what its headers say")
            with memoryview(out) as whole:
                hashlib.sha256(whole[:made]).digest()


def _raw(fh: Any, member: Member) -> bytes:
    fh.seek(member.data_offset)
    data: bytes = fh.read(member.compressed)
    return data


def _whole(path: str, member: Member, raw: bytes, engine: _inflate.Inflater, hash_too: bool) -> None:
    if member.method == zipfile.ZIP_STORED:
        data = raw
        if zlib.crc32(data) != member.crc:
            raise ValueError(f"{path}!{member.name}: CRC differs")
    else:  # the gate's own reading: sizes and the CRC checked (with zlib) on the output
        data = _inflate.inflate(engine, raw, member.size, member.crc)
    if hash_too:
        hashlib.sha256(data).digest()


def _streamed(
    path: str, member: Member, raw: bytes, engine: _inflate.Inflater, crc32: Callable[[bytes, int], int] = zlib.crc32
) -> None:
    hasher = hashlib.sha256()
    if member.method == zipfile.ZIP_STORED:
        crc, produced = crc32(raw, 0), len(raw)
        hasher.update(raw)
    else:
        crc, produced = _streamed_inflate(engine, memoryview(raw), hasher, crc32)
    if produced != member.size or crc != member.crc:
        raise ValueError(f"{path}!{member.name}: size or CRC differs")
    hasher.digest()


class Streamed(NamedTuple):
    crc: int
    produced: int


def _streamed_inflate(
    engine: _inflate.Inflater, raw: memoryview, hasher: Any, crc32: Callable[[bytes, int], int] = zlib.crc32
) -> Streamed:
    inflater = engine.decompressobj(-15)
    crc = produced = fed = 0
    while fed < len(raw) and not inflater.eof:
        pending: Any = raw[fed : fed + READ]
        fed += len(pending)
        while pending:
            out = inflater.decompress(pending, CHUNK)
            crc = crc32(out, crc)
            hasher.update(out)
            produced += len(out)
            pending = inflater.unconsumed_tail
    while not inflater.eof:  # output held back by the CHUNK bound
        out = inflater.decompress(b"", CHUNK)
        if not out:
            break
        crc = crc32(out, crc)
        hasher.update(out)
        produced += len(out)
    if not inflater.eof or inflater.unused_data or fed < len(raw):
        raise ValueError("the deflate stream does not end where the declared data does")
    return Streamed(crc, produced)


def timed(call: Callable[[], object]) -> float:
    """CPU seconds of this process: on a shared machine, wall time would count the waits
    for a core, and per-core figures are what the index arithmetic needs."""
    start = time.process_time()
    call()
    return time.process_time() - start


def audit_with(wheel: str, engine: str) -> None:
    """The audit with this inflater (``_inflate.choose()`` reads the variable on each call)."""
    os.environ["MUSLDETECT_INFLATER"] = engine
    try:
        musldetect.audit(wheel)
    finally:
        del os.environ["MUSLDETECT_INFLATER"]


def _has_native_reader() -> bool:
    """Whether the installed extension imports and has the C member reader (built with zlib)."""
    try:
        return hasattr(importlib.import_module("musldetect._native"), "read_member")
    except ImportError:
        return False


NATIVE_READER = _has_native_reader()


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
            contenders: List[tuple] = []
            for engine in found:
                contenders.append((f"audit-{engine.name}", lambda w=wheel, e=engine.name: audit_with(w, e)))
                contenders.append(
                    (f"floor-oneshot-{engine.name}", lambda w=wheel, e=engine: read_all(w, listings[w], e))
                )
                contenders.append(
                    (f"floor-streamed-{engine.name}", lambda w=wheel, e=engine: read_streamed(w, listings[w], e))
                )
                contenders.append(
                    (f"floor-mixed-{engine.name}", lambda w=wheel, e=engine: read_mixed(w, listings[w], e))
                )
            contenders.append(("inflate-zlib", lambda w=wheel: read_all(w, listings[w], found[0], False)))
            if NATIVE_READER:
                contenders.append(("reader-native", lambda w=wheel: read_natively(w, listings[w])))
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
        for engine in found:  # the floor: the fastest of the three ways to read every byte
            row[f"floor-{engine.name}"] = min(
                row[f"floor-{way}-{engine.name}"] for way in ("oneshot", "streamed", "mixed")
            )
        rows.append(row)
    return rows


# The commands run as an installed package runs: with its bytecode cached (pip compiles it
# at install; CI exports PYTHONDONTWRITEBYTECODE, which would recompile every module on
# every run and add that to each figure).
INSTALLED = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def wall(command: List[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=INSTALLED, check=False)
    return time.perf_counter() - start


def cli_jobs(wheels: List[str], rounds: int) -> Dict[str, Any]:
    """The command over the whole set, --jobs 1 and 2 alternated; median wall seconds."""
    walls: Dict[str, List[float]] = {"1": [], "2": []}
    wall([sys.executable, "-m", "musldetect", "audit", wheels[0]])  # writes the bytecode cache
    for index in range(rounds):
        for jobs in ("1", "2") if index % 2 == 0 else ("2", "1"):
            walls[jobs].append(wall([sys.executable, "-m", "musldetect", "audit", "--jobs", jobs, *wheels]))
    one, two = statistics.median(walls["1"]), statistics.median(walls["2"])
    return {
        "jobs1_s": one,
        "jobs2_s": two,
        "speedup": one / two,
        # On a shared machine other work only adds time: the fastest round of each is the
        # least disturbed, a second estimate beside the medians (not instead of them).
        "speedup_fastest_rounds": min(walls["1"]) / min(walls["2"]),
        "rounds": rounds,
        "all_s": walls,
        "load_average_after": os.getloadavg(),
    }


def summary(rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    def median_ratio(top: str, bottom: str) -> float:
        return statistics.median(row[top] / row[bottom] for row in rows)

    floor = sum(row["floor-zlib"] for row in rows)
    inflate = sum(row["inflate-zlib"] for row in rows)
    audit = sum(row["audit-zlib"] for row in rows)
    out: Dict[str, Any] = {
        "hash_share_of_floor": (floor - inflate) / floor,
        "members_per_s_per_core": sum(row["members"] for row in rows) / floor,
        "compressed_mb_per_s_per_core": sum(row["compressed"] for row in rows) / floor / 1e6,
        "inflated_mb_per_s_per_core": sum(row["inflated"] for row in rows) / floor / 1e6,
        "audit_zlib_wheels_per_s_per_core": len(rows) / audit,
        "audit_zlib_compressed_mb_per_s_per_core": sum(row["compressed"] for row in rows) / audit / 1e6,
    }
    for engine in engines():  # each audit against the floor that inflates with the same engine
        name = engine.name
        out[f"median_audit_over_floor_{name}"] = median_ratio(f"audit-{name}", f"floor-{name}")
        out[f"total_audit_over_floor_{name}"] = sum(row[f"audit-{name}"] for row in rows) / sum(
            row[f"floor-{name}"] for row in rows
        )
        out[f"median_audit_over_oneshot_floor_{name}"] = median_ratio(f"audit-{name}", f"floor-oneshot-{name}")
        out[f"median_audit_{name}_over_floor_zlib"] = median_ratio(f"audit-{name}", "floor-zlib")
        if name == "zlib" and NATIVE_READER:
            out["median_audit_zlib_over_native_reader"] = median_ratio("audit-zlib", "reader-native")
            out["median_native_reader_over_floor_zlib"] = median_ratio("reader-native", "floor-zlib")
        if name != "zlib":
            out[f"median_floor_zlib_over_{name}"] = median_ratio("floor-zlib", f"floor-{name}")
            out[f"total_floor_zlib_over_{name}"] = floor / sum(row[f"floor-{name}"] for row in rows)
    return out


def largest_first(seconds: List[float], workers: int) -> float:
    """The makespan of handing the longest audit to the first free worker (the command's
    order with --jobs), from measured per-wheel times: no start-up, no contention."""
    import heapq

    free = [0.0] * workers
    for cost in sorted(seconds, reverse=True):
        heapq.heappush(free, heapq.heappop(free) + cost)
    return max(free)


def schedule(rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    """What the per-wheel CPU times allow N workers at best: total / makespan."""
    seconds = [row["audit-zlib"] for row in rows]
    total = sum(seconds)
    out: Dict[str, Any] = {"largest_share": max(seconds) / total}
    for workers in (2, 4, 8):
        out[f"speedup_{workers}_workers"] = total / largest_first(seconds, workers)
    return out


def cli_overhead(small: str, medium: str, rounds: int) -> Dict[str, Any]:
    """The command on one wheel against what it cannot avoid: Python's start-up and the
    audit itself. Fresh processes interleaved, wall time, medians; the warm audit in this
    process. ``cold_import_and_first_use``: a fresh interpreter's import of the package
    and its first audit beyond a warm one's. ``cli_over_in_process``: the command beyond
    the same audit in a fresh interpreter (issue 33: at most 5 ms), as ``python -m`` and
    as the console script."""
    script = os.path.join(os.path.dirname(sys.executable), "musldetect")
    walls: Dict[str, List[float]] = {}
    wall([sys.executable, "-m", "musldetect", "audit", small])  # writes the bytecode cache
    for index in range(rounds):
        for size, wheel in (("small", small), ("medium", medium)):
            contenders = [
                ("startup", [sys.executable, "-c", "pass"]),
                (f"in_process_cold_{size}", [sys.executable, "-c", f"import musldetect; musldetect.audit({wheel!r})"]),
                (f"python_m_{size}", [sys.executable, "-m", "musldetect", "audit", wheel]),
                (f"console_script_{size}", [script, "audit", wheel]),
            ]
            for name, command in contenders if index % 2 == 0 else contenders[::-1]:
                walls.setdefault(name, []).append(wall(command))
    out: Dict[str, Any] = {name: statistics.median(values) * 1e3 for name, values in sorted(walls.items())}
    for size, wheel in (("small", small), ("medium", medium)):
        warm = []
        for _ in range(rounds):
            start = time.perf_counter()
            musldetect.audit(wheel)
            warm.append(time.perf_counter() - start)
        out[f"in_process_warm_{size}"] = statistics.median(warm) * 1e3
        out[f"over_target_{size}"] = out[f"python_m_{size}"] - out["startup"] - out[f"in_process_warm_{size}"]
        out[f"cold_import_and_first_use_{size}"] = (
            out[f"in_process_cold_{size}"] - out["startup"] - out[f"in_process_warm_{size}"]
        )
        for way in ("python_m", "console_script"):
            out[f"cli_over_in_process_{way}_{size}"] = out[f"{way}_{size}"] - out[f"in_process_cold_{size}"]
        out[f"wheel_{size}"] = os.path.basename(wheel)
    out["rounds"], out["unit"] = rounds, "ms"
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
    by_size = sorted(wheels, key=os.path.getsize)
    overhead = cli_overhead(by_size[0], by_size[len(by_size) // 2], 1 if args.quick else args.rounds * 4)
    overhead["load_average_after"] = os.getloadavg()
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
        "schedule": schedule(rows),
        "cli": cli_jobs(wheels, max(1, args.rounds)),
        "cli_one_wheel": overhead,
        "per_wheel": rows,
    }
    figures["machine"]["load_average_after"] = os.getloadavg()  # a shared machine: say how busy it was
    for key, value in figures["summary"].items():
        print(f"{key:40} {value:10.3f}")
    for key, value in figures["schedule"].items():
        print(f"{key:40} {value:10.3f}")
    cli = figures["cli"]
    print(f"{'cli --jobs 1 / --jobs 2':40} {cli['speedup']:10.3f}  ({cli['jobs1_s']:.2f} s / {cli['jobs2_s']:.2f} s)")
    print(f"{'cli --jobs 1 / --jobs 2, fastest rounds':40} {cli['speedup_fastest_rounds']:10.3f}")
    for key, value in overhead.items():
        if isinstance(value, float):
            print(f"{key:40} {value:10.1f} ms")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(figures, fh, indent=1)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
