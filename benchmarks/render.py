"""Render pytest-benchmark JSON files into a markdown table and an SVG bar chart (log scale).

Usage: python benchmarks/render.py OUTDIR LABEL=results.json [LABEL=results.json ...]
Writes OUTDIR/table.md, OUTDIR/chart.svg and OUTDIR/<label>.json: the results without
the per-round samples, which make the raw files megabytes long.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import sys
from typing import List, Tuple


def load(label: str, path: str) -> Tuple[str, dict, List[Tuple[str, str, float]]]:
    with open(path) as fh:
        data = json.load(fh)
    rows = []
    for bench in data["benchmarks"]:
        name, extra = bench["name"].replace("test_", ""), bench["extra_info"]
        group = bench["group"] or ""
        if "fresh_process_median_s" in extra:  # one interleaved benchmark, three commands
            rows.extend((group, label, median) for label, median in extra["fresh_process_median_s"].items())
        elif "importtime_cumulative_us" in extra:
            rows.append((group, name, extra["importtime_cumulative_us"] / 1e6))
        else:
            rows.append((group, name, bench["stats"]["median"] / extra.get("calls_per_round", 1)))
    return label, data["machine_info"], rows


def human(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def table(runs) -> str:
    lines = []
    for label, machine, rows in runs:
        cpu = machine.get("cpu", {}).get("brand_raw", platform.machine())
        lines.append(f"**{label}** (Python {machine['python_version']}, {cpu})\n")
        lines.append("| group | benchmark | median (import: -X importtime cumulative) |")
        lines.append("|---|---|---|")
        for group, name, median in rows:
            lines.append(f"| {group} | {name} | {human(median)} |")
        lines.append("")
    return "\n".join(lines)


def chart(runs, title: str) -> str:
    bars = [
        (f"{label}: {name}", median)
        for label, _m, rows in runs
        for group, name, median in rows
        if group == "cold detection"
    ]
    width, left, row = 900, 380, 24
    height = 60 + row * len(bars)
    low, high = 1e-7, max(m for _n, m in bars) * 2
    scale = (width - left - 40) / (math.log10(high) - math.log10(low))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 30}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="100%" height="100%" fill="white"/><text x="10" y="20" font-size="14">{title}</text>',
    ]
    for i, (name, median) in enumerate(bars):
        y = 40 + i * row
        w = max(1.0, (math.log10(median) - math.log10(low)) * scale)
        colour = "#888" if "packaging" in name else "#2a7"
        out.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{name}</text>')
        out.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{colour}"/>')
        out.append(f'<text x="{left + w + 4:.1f}" y="{y + 15}">{human(median)}</text>')
    out.append(
        f'<text x="10" y="{height + 20}">median of one uncached detection, log scale; {platform.node() and ""}'
        f"{platform.machine()}, 2 cores</text></svg>"
    )
    return "\n".join(out)


def trimmed(path: str) -> dict:
    with open(path) as fh:
        data = json.load(fh)
    for bench in data["benchmarks"]:
        bench["stats"].pop("data", None)
    return data


def main(argv: List[str]) -> int:
    outdir, *specs = argv
    pairs = [spec.split("=", 1) for spec in specs]
    runs = [load(label, path) for label, path in pairs]
    with open(os.path.join(outdir, "table.md"), "w") as fh:
        fh.write(table(runs))
    with open(os.path.join(outdir, "chart.svg"), "w") as fh:
        fh.write(chart(runs, "Cold detection: musldetect backends vs packaging 26.3"))
    for label, path in pairs:
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        with open(os.path.join(outdir, f"{slug}.json"), "w") as fh:
            json.dump(trimmed(path), fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
