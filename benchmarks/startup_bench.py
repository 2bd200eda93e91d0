"""What musldetect costs a process that starts, asks once and ends, per backend, against the
targets of issue 20; and one uncached detection against packaging 26.3's uncached call.

Usage: python benchmarks/startup_bench.py [--rounds 200] [--quick] [--out FILE.json]

Fresh processes: ``python -c pass`` and, with each available backend named in
MUSLDETECT_BACKEND, ``import musldetect; musldetect.platform_tags()`` and ``...sys_tags()``,
plus packaging's equivalents; every round runs every command once, in turn, so drift hits
them alike; the figure is each command's median over the rounds and its ratio to the median
of ``pass``. Bytecode caches are warm (a private PYTHONPYCACHEPREFIX, filled by two warm-up
rounds) and the working directory is empty (``-c`` puts it on sys.path). Beside the wall
times, each process reports what the import and the call took inside it (perf_counter), the
steadier figure of the two.

With --profile, where a start-up goes: for each backend, the smallest self time each
module's import took over the rounds (``-X importtime``, CPython), and what one empty
module, ``import struct`` and each extension module cost a bare interpreter here.

Cold detection: each backend's uncached ``detect_libc()``, ``libc(cached=False)`` with the
native backend, and packaging's uncached call (``_get_musl_version.__wrapped__`` on musl,
``_get_glibc_version.__wrapped__`` on glibc): the best of 7 batches' means, in this process.
No assertion: durations are judged by people reading the figures, not by a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional, Tuple

import musldetect
from musldetect import _dispatch

TIMED = "import time; _t = time.perf_counter(); {code}; print(time.perf_counter() - _t)"
STARTUP_TARGETS = {"platform_tags": 1.05, "sys_tags": 1.10}  # at most this many times `pass`
COLD_TARGETS = {"native": 30.0, "cffi": 10.0, "ctypes": 10.0, "python": 5.0}  # on musl, vs packaging


def commands(backends: List[str], with_packaging: bool) -> Dict[str, Tuple[str, Optional[str]]]:
    """label -> (code, MUSLDETECT_BACKEND)."""
    table: Dict[str, Tuple[str, Optional[str]]] = {"pass": ("pass", None)}
    for call in STARTUP_TARGETS:
        for name in backends:
            table[f"{call} [{name}]"] = (f"import musldetect; musldetect.{call}()", name)
    if with_packaging:
        table["packaging platform_tags"] = ("import packaging.tags as t; list(t.platform_tags())", None)
        table["packaging sys_tags"] = ("import packaging.tags as t; list(t.sys_tags())", None)
    return table


def fresh_processes(
    table: Dict[str, Tuple[str, Optional[str]]], rounds: int, pythonpath: Optional[str] = None
) -> Dict[str, Dict[str, float]]:
    pycache = tempfile.mkdtemp(prefix="musldetect-pycache-")
    empty = tempfile.mkdtemp(prefix="musldetect-cwd-")
    base = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "MUSLDETECT_BACKEND", "PYTHONPATH")
    }
    if pythonpath is not None:
        base["PYTHONPATH"] = pythonpath
    base["PYTHONPYCACHEPREFIX"] = pycache
    wall: Dict[str, List[float]] = {label: [] for label in table}
    inside: Dict[str, List[float]] = {label: [] for label in table}
    for round_number in range(rounds + 2):
        for label, (code, backend) in table.items():
            env = dict(base, MUSLDETECT_BACKEND=backend) if backend else base
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-c", TIMED.format(code=code)],
                env=env,
                cwd=empty,
                stdout=subprocess.PIPE,
                text=True,
                check=True,
            )
            elapsed = time.perf_counter() - start
            if round_number >= 2:
                wall[label].append(elapsed)
                inside[label].append(float(proc.stdout))
    wall_median = {label: statistics.median(values) for label, values in wall.items()}
    inside_median = {label: statistics.median(values) for label, values in inside.items()}
    bare = wall_median["pass"]
    return {
        label: {
            "wall_s": wall_median[label],
            "over_pass": wall_median[label] / bare,
            "inside_s": inside_median[label],
            "inside_over_pass": 1 + (inside_median[label] - inside_median["pass"]) / bare,
        }
        for label in table
    }


def import_profile(backends: List[str], rounds: int) -> Dict[str, Dict[str, int]]:
    """backend -> {module: smallest self µs over the rounds} for platform_tags() (-X importtime
    adds its own overhead to each figure; the sum is an upper bound of the import cost)."""
    empty = tempfile.mkdtemp(prefix="musldetect-cwd-")
    base = {k: v for k, v in os.environ.items() if k not in ("MUSLDETECT_BACKEND", "PYTHONPATH")}
    before = _importtime_modules("pass", base, empty)
    profile: Dict[str, Dict[str, int]] = {}
    for name in backends:
        smallest: Dict[str, int] = {}
        for _ in range(rounds):
            report = _importtime_modules(
                "import musldetect; musldetect.platform_tags()", dict(base, MUSLDETECT_BACKEND=name), empty
            )
            for module, self_us in report.items():
                if module not in before:
                    smallest[module] = min(self_us, smallest.get(module, self_us))
        profile[name] = smallest
    return profile


def import_floors(rounds: int) -> Dict[str, float]:
    """What a bare interpreter pays here for one empty module of a package, for ``struct``,
    and for each backend's dependency (wall medians over interleaved rounds, minus ``pass``)."""
    package = tempfile.mkdtemp(prefix="musldetect-floor-")
    os.mkdir(os.path.join(package, "pkg"))
    for name in ("__init__", "empty", "empty2", "empty3", "empty4"):
        open(os.path.join(package, "pkg", name + ".py"), "w").close()
    table: Dict[str, Tuple[str, Optional[str]]] = {
        "pass": ("pass", None),
        "a package": ("import pkg", None),
        "a package and four empty modules": ("import pkg.empty, pkg.empty2, pkg.empty3, pkg.empty4", None),
        "struct": ("import struct", None),
        "_ctypes": ("import _ctypes", None),
        "ctypes": ("import ctypes", None),
    }
    try:
        import _cffi_backend  # noqa: F401

        table["_cffi_backend"] = ("import _cffi_backend", None)
    except ImportError:
        pass
    results = fresh_processes(table, rounds, pythonpath=package)
    return {label: row["wall_s"] - results["pass"]["wall_s"] for label, row in results.items() if label != "pass"}


def _importtime_modules(code: str, env: Dict[str, str], cwd: str) -> Dict[str, int]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        cwd=cwd,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    modules = {}
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and parts[0].split(":")[1].strip().isdigit():
            modules[parts[2].strip()] = int(parts[0].split(":")[1])
    return modules


def best_mean(function: Callable[[], object], calls: int) -> float:
    function()
    means = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        means.append((time.perf_counter() - start) / calls)
    return min(means)


def cold_detection(backends: List[str], quick: bool) -> Dict[str, float]:
    figures: Dict[str, float] = {}
    on_musl = musldetect.libc().family == "musl"
    try:
        from packaging import _manylinux, _musllinux
    except ImportError:
        _manylinux = _musllinux = None
    if _musllinux is not None:
        if on_musl:
            figures["packaging"] = best_mean(
                lambda: _musllinux._get_musl_version.__wrapped__(sys.executable), 5 if quick else 40
            )
        else:
            figures["packaging"] = best_mean(_manylinux._get_glibc_version.__wrapped__, 200 if quick else 3000)
    for name in backends:
        module = _dispatch.load_backend(name)
        figures[name] = best_mean(module.detect_libc, 20 if quick else 300)
    if "native" in backends:
        os.environ["MUSLDETECT_BACKEND"] = "native"
        musldetect.cache_clear()
        figures["libc(cached=False) [native]"] = best_mean(lambda: musldetect.libc(cached=False), 20 if quick else 3000)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a few rounds: proves the script runs, not a figure")
    parser.add_argument("--profile", action="store_true", help="also each module's import cost, per backend")
    parser.add_argument("--out")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    backends = [s.name for s in _dispatch.backend_statuses() if s.available]
    try:
        import packaging.tags  # noqa: F401

        with_packaging = True
    except ImportError:
        with_packaging = False
    processes = fresh_processes(commands(backends, with_packaging), rounds)
    cold = cold_detection(backends, args.quick)
    info = musldetect.libc()
    print(
        f"{platform.python_implementation()} {platform.python_version()} on {info.family} "
        f"{info.version_string}; {rounds} rounds; backends {', '.join(backends)}"
    )
    print(f"{'fresh process':34s} {'median':>9s} {'vs pass':>8s} {'inside':>9s} {'vs pass':>8s}  target")
    for label, row in processes.items():
        call = label.split(" ")[0]
        target = STARTUP_TARGETS.get(call) if "[" in label else None
        verdict = "" if target is None else (f"≤{target:.2f}: " + ("met" if row["over_pass"] <= target else "missed"))
        print(
            f"{label:34s} {row['wall_s'] * 1e3:7.2f} ms {row['over_pass']:7.3f}x "
            f"{row['inside_s'] * 1e3:7.2f} ms {row['inside_over_pass']:7.3f}x  {verdict}"
        )
    print(f"{'cold detection':34s} {'best mean':>9s} {'packaging / it':>15s}")
    packaging_cold = cold.get("packaging")
    for label, seconds in cold.items():
        ratio = f"{packaging_cold / seconds:13.1f}x" if packaging_cold and label != "packaging" else ""
        print(f"{label:34s} {seconds * 1e6:7.1f} µs {ratio}")
    profile = import_profile(backends, 3 if args.quick else 30) if args.profile else {}
    floors = import_floors(3 if args.quick else 60) if args.profile else {}
    bare = processes["pass"]["wall_s"]
    for label, seconds in floors.items():
        print(f"a bare interpreter importing {label}: +{seconds * 1e3:.2f} ms ({seconds / bare:+.1%} of pass)")
    for name, modules in profile.items():
        print(
            f"imports for platform_tags() [{name}], smallest self time of -X importtime, µs: total "
            f"{sum(modules.values())}"
        )
        print("   " + ", ".join(f"{module} {us}" for module, us in sorted(modules.items(), key=lambda kv: -kv[1])))
    if args.out:
        report = {
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "libc": f"{info.family} {info.version_string}",
            "rounds": rounds,
            "backends": backends,
            "fresh_process": processes,
            "cold_detection_s": cold,
            "cold_over": {
                label: packaging_cold / seconds
                for label, seconds in cold.items()
                if packaging_cold and label != "packaging"
            },
            "targets": {"startup_over_pass": STARTUP_TARGETS, "cold_musl_times_faster": COLD_TARGETS},
            "import_profile_us": profile,
            "import_floor_s": floors,
        }
        with open(args.out, "w") as fh:
            json.dump(report, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
