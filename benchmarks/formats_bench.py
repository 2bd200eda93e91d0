"""audit() on macOS and Windows wheels against lief's parse of the same binaries, and
against abi3audit on the abi3 ones, side by side in one run.

Usage: python benchmarks/formats_bench.py WHEEL_DIR [--rounds 3] [--quick] [--out FILE.json]

For every wheel: audit() in this process (best of ``rounds`` after one warm-up) and lief
parsing every Mach-O/PE member of the wheel (the members read from the zip the same way,
best of ``rounds``): the ratio says what reading only the load commands, imports and
symbol table costs against a full parse. For the abi3 wheels, ``abi3audit`` as cibuildwheel
runs it (a command per wheel, best of ``rounds``) when it is installed. ``--quick`` times
three wheels once (what CI runs so the script cannot rot). No timed assertion: figures only.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import zipfile
from typing import Dict, List

import musldetect

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from audit_bench import best_of  # noqa: E402  (the same timing as the ELF audit's benchmark)


def lief_parse_all(wheel: str) -> int:
    import lief

    parsed = 0
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.file_size < 64 or info.filename.endswith((".py", ".pyi", ".txt")):
                continue
            data = archive.read(info)
            if data[:2] == b"MZ":
                parsed += lief.PE.parse(list(data)) is not None
            elif data[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
                parsed += lief.MachO.parse(list(data)) is not None
    return parsed


def abi3audit(wheel: str) -> None:
    subprocess.run(
        [shutil.which("abi3audit") or "abi3audit", "--strict", "--report", wheel], capture_output=True, timeout=600
    )


def measure(wheel: str, rounds: int) -> Dict[str, object]:
    musldetect.audit(wheel)  # warm-up: imports, the DLL lists
    ours = best_of(rounds, lambda: musldetect.audit(wheel))
    row: Dict[str, object] = {
        "wheel": os.path.basename(wheel),
        "audit_s": ours,
        "images": len(musldetect.audit(wheel).images),
    }
    try:
        lief_parse_all(wheel)
        row["lief_s"] = best_of(rounds, lambda: lief_parse_all(wheel))
        row["lief_ratio"] = float(row["lief_s"]) / ours
    except ImportError:
        row["lief_s"] = None
    if "-abi3-" in wheel and shutil.which("abi3audit"):
        row["abi3audit_s"] = best_of(rounds, lambda: abi3audit(wheel))
        row["abi3audit_ratio"] = float(row["abi3audit_s"]) / ours
    return row


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    wheels = sorted(glob.glob(os.path.join(args.directory, "*.whl")))
    if args.quick:
        abi3, windows = [w for w in wheels if "abi3" in w][:2], [w for w in wheels if "-cp312-win" in w][:1]
        wheels = list(dict.fromkeys(abi3 + windows))
    rounds = 1 if args.quick else args.rounds
    rows = [measure(w, rounds) for w in wheels]
    for row in rows:
        extra = (
            f"  abi3audit {row['abi3audit_s'] * 1e3:8.1f} ms ({row['abi3audit_ratio']:6.1f}x)"
            if "abi3audit_s" in row
            else ""
        )
        lief_part = f"lief {row['lief_s'] * 1e3:8.1f} ms ({row['lief_ratio']:5.1f}x)" if row.get("lief_s") else "lief -"
        print(
            f"{row['wheel'][:58]:58} {row['images']:3} binaries  audit {row['audit_s'] * 1e3:7.1f} ms  "
            f"{lief_part}{extra}"
        )
    ratios = [float(r["lief_ratio"]) for r in rows if r.get("lief_ratio")]
    if ratios:
        print(f"lief / audit: median {statistics.median(ratios):.1f}x, lowest {min(ratios):.1f}x")
    abi3 = [float(r["abi3audit_ratio"]) for r in rows if "abi3audit_ratio" in r]
    if abi3:
        print(f"abi3audit / audit on abi3 wheels: median {statistics.median(abi3):.1f}x, lowest {min(abi3):.1f}x")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
