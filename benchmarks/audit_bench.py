"""audit() against ``auditwheel show``, side by side on the same wheels in one run.

Usage: python benchmarks/audit_bench.py WHEEL_DIR [--rounds 3] [--quick] [--out FILE.json]

For every wheel: audit() in this process (best of ``rounds`` after one warm-up, so the
figure is the work, not the disk or the first import) and ``auditwheel show`` as users
run it (a command per wheel, best of ``rounds``), plus auditwheel's own analysis called
in-process (``analyze_wheel_abi``, best of ``rounds``) so the ratio without interpreter
start-up is there too. Also: a wheel of 100 C extension modules built here, the peak
memory of auditing the largest wheel against a small one, ELF files per second on one
core, and what auditing ten million wheels would cost. ``--quick`` times three wheels once
(what CI runs so the script cannot rot).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

import musldetect  # noqa: E402


def best_of(rounds: int, call: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def auditwheel_in_process(wheel: str) -> None:
    from pathlib import Path

    from auditwheel import wheel_abi
    from auditwheel.wheeltools import get_wheel_architecture, get_wheel_libc

    try:
        libc = get_wheel_libc(os.path.basename(wheel))
    except Exception:
        libc = None
    wheel_abi.get_wheel_elfdata.cache_clear()  # it caches by wheel: each round must do the work
    wheel_abi.analyze_wheel_abi(
        libc,
        get_wheel_architecture(os.path.basename(wheel)),
        Path(wheel),
        frozenset(),
        disable_isa_ext_check=False,
        allow_graft=False,
    )


def inflate_floor(wheel: str) -> None:
    """What any reader that checks the bytes an installer installs must do at least:
    inflate every member (zipfile checks each CRC) and hash it as RECORD does."""
    import hashlib
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            with archive.open(info) as member:
                hasher = hashlib.sha256()
                for piece in iter(lambda: member.read(1 << 20), b""):
                    hasher.update(piece)


def hundred_extension_wheel(directory: str) -> str:
    """A wheel of 100 distinct C extension modules, built with the host's gcc."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
    from builders import make_wheel

    members: Dict[str, bytes] = {}
    for index in range(100):
        source = os.path.join(directory, f"m{index}.c")
        with open(source, "w") as fh:
            fh.write(
                f"#include <string.h>\n#include <stdio.h>\nint f{index}(const char *s) "
                f'{{ char b[64]; snprintf(b, sizeof b, "%s{index}", s); return (int)strlen(b); }}\n'
            )
        out = os.path.join(directory, f"_m{index}.so")
        subprocess.run(["gcc", "-O1", "-shared", "-fPIC", "-o", out, source], check=True)
        with open(out, "rb") as fh:
            members[f"many/_m{index}.cpython-312-x86_64-linux-gnu.so"] = fh.read()

    class Where:
        def __truediv__(self, name: str) -> str:
            return os.path.join(directory, name)

    return make_wheel(Where(), "many", ["cp312-cp312-manylinux_2_17_x86_64"], members)


def peak_rss_of_audit(wheel: str) -> int:
    """Peak resident set (KiB) of a fresh process that audits one wheel: its VmHWM, which
    exec starts afresh (ru_maxrss keeps the forking parent's, this benchmark's own peak,
    and read the same for every wheel)."""
    code = (
        "import sys, musldetect; musldetect.audit(sys.argv[1]); "
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')))"
    )
    proc = subprocess.run([sys.executable, "-c", code, wheel], capture_output=True, text=True, check=True)
    return int(proc.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheels")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()
    wheels = sorted(glob.glob(os.path.join(args.wheels, "*.whl")), key=os.path.getsize)
    rounds = 1 if args.quick else args.rounds
    if args.quick:
        wheels = [wheels[0], wheels[len(wheels) // 2], wheels[-1]][: len(wheels)]
    auditwheel = [sys.executable, "-m", "auditwheel", "show"]
    rows: List[Dict[str, object]] = []
    for wheel in wheels:
        result = musldetect.audit(wheel)  # warm-up: imports, policy data, page cache
        ours = best_of(rounds, lambda w=wheel: musldetect.audit(w))
        floor = best_of(rounds, lambda w=wheel: inflate_floor(w))
        command = best_of(rounds, lambda w=wheel: subprocess.run(auditwheel + [w], capture_output=True))
        try:
            in_process = best_of(rounds, lambda w=wheel: auditwheel_in_process(w))
        except Exception:  # auditwheel fails on some musl wheels on a glibc host
            in_process = float("nan")
        rows.append(
            {
                "wheel": os.path.basename(wheel),
                "bytes": os.path.getsize(wheel),
                "elf_files": len(result.files),
                "audit_ms": ours * 1e3,
                "inflate_floor_ms": floor * 1e3,
                "auditwheel_show_ms": command * 1e3,
                "auditwheel_in_process_ms": in_process * 1e3,
            }
        )
        print(
            f"{os.path.basename(wheel)[:64]:64} {len(result.files):4} ELF {ours * 1e3:8.1f} ms "
            f"(inflating alone {floor * 1e3:6.1f} ms)   "
            f"auditwheel show {command * 1e3:8.0f} ms ({command / ours:6.0f}x)   "
            f"in-process {in_process * 1e3:8.0f} ms ({in_process / ours:5.0f}x)",
            flush=True,
        )
    ratios = [r["auditwheel_show_ms"] / r["audit_ms"] for r in rows]  # type: ignore[operator]
    in_ratios = [
        r["auditwheel_in_process_ms"] / r["audit_ms"]
        for r in rows  # type: ignore[operator]
        if r["auditwheel_in_process_ms"] == r["auditwheel_in_process_ms"]
    ]
    total_files = sum(int(r["elf_files"]) for r in rows)  # type: ignore[call-overload]
    total_seconds = sum(float(r["audit_ms"]) for r in rows) / 1e3  # type: ignore[arg-type]
    median_ms = statistics.median(float(r["audit_ms"]) for r in rows)  # type: ignore[arg-type]
    summary: Dict[str, object] = {
        "wheels": len(rows),
        "median_audit_ms": median_ms,
        "median_auditwheel_show_ms": statistics.median(float(r["auditwheel_show_ms"]) for r in rows),  # type: ignore
        "median_ratio_vs_show": statistics.median(ratios),
        "median_ratio_vs_in_process": statistics.median(in_ratios) if in_ratios else None,
        "elf_files_per_second_one_core": total_files / total_seconds,
        "ten_million_wheels_core_hours": 1e7 * median_ms / 1e3 / 3600,
    }
    if shutil.which("gcc") and not args.quick:
        with tempfile.TemporaryDirectory() as scratch:
            many = hundred_extension_wheel(scratch)
            musldetect.audit(many)
            summary["hundred_extensions_ms"] = best_of(args.rounds, lambda: musldetect.audit(many)) * 1e3
            summary["hundred_extensions_auditwheel_show_ms"] = (
                best_of(1, lambda: subprocess.run(auditwheel + [many], capture_output=True)) * 1e3
            )
    if not args.quick:
        summary["peak_rss_kib_smallest_wheel"] = peak_rss_of_audit(wheels[0])
        summary["peak_rss_kib_largest_wheel"] = peak_rss_of_audit(wheels[-1])
        summary["largest_wheel"] = os.path.basename(wheels[-1])
        summary["largest_wheel_bytes"] = os.path.getsize(wheels[-1])
    print(json.dumps(summary, indent=2))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(
                {
                    "summary": summary,
                    "wheels": rows,
                    "python": sys.version.split()[0],
                    "cpu_count": os.cpu_count(),
                    "rusage": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                },
                fh,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
