"""What one ELF binary's audit facts cost, and a dump that proves a faster reader answers the same.

Usage:
    python benchmarks/binary_facts_bench.py dump WHEEL_DIR OUT.txt [--usr N] [--altered N]
    python benchmarks/binary_facts_bench.py time WHEEL_DIR [--rounds 30] [--profile]

``dump`` writes ``binary_facts`` (or the error it raised) for every ELF member of every
wheel in WHEEL_DIR, held in memory as an audit holds it, for every ``N``th ELF file of
/usr/lib/x86_64-linux-gnu (read through a descriptor, as a spooled member is), and for
altered copies of the wheels' small binaries (seeded: truncated, a byte changed in the
headers, the dynamic section or the tables they point to), so errors are compared too.
Run it before and after a change to the reader and ``cmp`` the two files: a speed-up may
change nothing they say.

``time`` gives the median CPU time (``time.process_time``) of ``binary_facts`` per binary
over ``rounds`` interleaved rounds, grouped by size (small < 64 KiB <= medium < 1 MiB <=
big), and the median over all; ``--profile`` prints cProfile's top entries for one pass.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import statistics
import sys
import time
import zipfile
from typing import Callable, Dict, Iterator, List, Tuple

from musldetect._audit._binary import binary_facts
from musldetect._elf import ELFFile, HeldFile

ELF_MAGIC = b"\x7fELF"
USR_LIB = "/usr/lib/x86_64-linux-gnu"


def wheel_binaries(directory: str) -> Iterator[Tuple[str, bytes]]:
    """(wheel!member, bytes) of every ELF member of every wheel, in name order."""
    for wheel in sorted(glob.glob(os.path.join(directory, "*.whl"))):
        with zipfile.ZipFile(wheel) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                if info.is_dir():
                    continue
                with archive.open(info) as member:
                    if member.read(4) != ELF_MAGIC:
                        continue
                yield f"{os.path.basename(wheel)}!{info.filename}", archive.read(info)


def usr_binaries(every: int) -> List[str]:
    """Every ``every``th ELF file (by real path, once each) of the host's library directory."""
    seen = set()
    found = []
    for path in sorted(glob.glob(os.path.join(USR_LIB, "*.so*"))):
        real = os.path.realpath(path)
        if real in seen or not os.path.isfile(real):
            continue
        seen.add(real)
        with open(real, "rb") as fh:
            if fh.read(4) == ELF_MAGIC:
                found.append(real)
    return found[::every]


def facts_of_held(name: str, data: bytes) -> str:
    try:
        with ELFFile(name, held=HeldFile([data])) as elf:
            return repr(binary_facts(elf, name))
    except Exception as exc:  # noqa: BLE001 (the error is part of the answer compared)
        return f"{type(exc).__name__}: {exc}"


def facts_of_path(path: str) -> str:
    fd = os.open(path, os.O_RDONLY)
    try:
        with ELFFile(path, descriptor=fd) as elf:
            return repr(binary_facts(elf, path))
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    finally:
        os.close(fd)


def dynamic_span(data: bytes) -> Tuple[int, int]:
    """Where PT_DYNAMIC lies in the file ((0, 0): nowhere readable)."""
    try:
        with ELFFile("span", held=HeldFile([data])) as elf:
            for segment in elf.segments_of_type(2):
                return segment.offset, min(segment.filesz, len(data) - segment.offset)
    except Exception:  # noqa: BLE001
        pass
    return 0, 0


def altered(data: bytes, rng: random.Random) -> bytes:
    """A copy of ``data`` truncated, or with a few bytes changed where the reader looks:
    the header, the first page (program headers, notes, tables), PT_DYNAMIC, anywhere."""
    choice = rng.randrange(5)
    if choice == 0:
        return data[: rng.randrange(len(data))]
    copy = bytearray(data)
    start, span = (0, 64) if choice == 1 else (0, 4096) if choice == 2 else (0, len(copy))
    if choice == 4:
        start, span = dynamic_span(data)
    for _ in range(rng.randrange(1, 4)):
        at = start + rng.randrange(max(min(span, len(copy) - start), 1))
        copy[at] = rng.choice((0, 0xFF, rng.randrange(256), copy[at] ^ (1 << rng.randrange(8))))
    return bytes(copy)


def dump(directory: str, out: str, usr_every: int, alterations: int) -> None:
    rng = random.Random(33)
    small: List[Tuple[str, bytes]] = []
    with open(out, "w", encoding="utf-8", errors="surrogateescape") as fh:
        for name, data in wheel_binaries(directory):
            fh.write(f"{name}\t{facts_of_held(name, data)}\n")
            if len(data) < 256 * 1024:
                small.append((name, data))
        for path in usr_binaries(usr_every):
            fh.write(f"{path}\t{facts_of_path(path)}\n")
        for index in range(alterations):
            name, data = small[rng.randrange(len(small))]
            fh.write(f"altered {index} {name}\t{facts_of_held(name, altered(data, rng))}\n")


def median_per_binary(binaries: List[Tuple[str, bytes]], rounds: int) -> Dict[str, float]:
    """Median process time of binary_facts per binary, the binaries interleaved each round."""
    return {name: statistics.median(values) for name, values in times_per_binary(binaries, rounds).items()}


def write_raw(binaries: List[Tuple[str, bytes]], rounds: int, out: str) -> None:
    """Every time taken, with each binary's size: for comparing two trees run in turn."""
    times = times_per_binary(binaries, rounds)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({name: [len(data), times[name]] for name, data in binaries}, fh)


def times_per_binary(binaries: List[Tuple[str, bytes]], rounds: int) -> Dict[str, List[float]]:
    times: Dict[str, List[float]] = {name: [] for name, _ in binaries}
    clock = time.process_time
    for _ in range(rounds):
        for name, data in binaries:
            held = HeldFile([data])
            start = clock()
            with ELFFile(name, held=held) as elf:
                binary_facts(elf, name)
            times[name].append(clock() - start)
    return times


def size_class(size: int) -> str:
    return "small (<64K)" if size < 64 * 1024 else "medium (<1M)" if size < 1 << 20 else "big (>=1M)"


def report(binaries: List[Tuple[str, bytes]], medians: Dict[str, float]) -> None:
    sizes = {name: len(data) for name, data in binaries}
    groups: Dict[str, List[float]] = {}
    for name, value in medians.items():
        groups.setdefault(size_class(sizes[name]), []).append(value)
    for label, values in sorted(groups.items()):
        print(f"{label:14} {len(values):4} binaries  median {statistics.median(values) * 1e3:.3f} ms")
    print(f"{'all':14} {len(medians):4} binaries  median {statistics.median(medians.values()) * 1e3:.3f} ms")
    print(f"{'':14} {'':4}           total  {sum(medians.values()) * 1e3:.1f} ms")


def profile(binaries: List[Tuple[str, bytes]], passes: int) -> None:
    import cProfile
    import pstats

    def run() -> None:
        for _ in range(passes):
            for name, data in binaries:
                with ELFFile(name, held=HeldFile([data])) as elf:
                    binary_facts(elf, name)

    profiler = cProfile.Profile()
    profiler.runcall(run)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main(argv: List[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("dump", "time"))
    parser.add_argument("wheels")
    parser.add_argument("out", nargs="?")
    parser.add_argument("--usr", type=int, default=3, help="dump every Nth ELF file of " + USR_LIB)
    parser.add_argument("--altered", type=int, default=3000, help="altered copies dumped")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--only", default="", help="time only the wheels whose name contains this")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--raw", help="write every binary's times (JSON) here instead of the report")
    args = parser.parse_args(argv)
    if args.mode == "dump":
        if not args.out:
            parser.error("dump needs OUT")
        dump(args.wheels, args.out, args.usr, args.altered)
        return
    binaries = [(name, data) for name, data in wheel_binaries(args.wheels) if args.only in name]
    action: Callable[[], None]
    if args.profile:
        action = lambda: profile(binaries, 5)  # noqa: E731
    elif args.raw:
        action = lambda: write_raw(binaries, args.rounds, args.raw)  # noqa: E731
    else:
        action = lambda: report(binaries, median_per_binary(binaries, args.rounds))  # noqa: E731
    action()


if __name__ == "__main__":
    main(sys.argv[1:])
