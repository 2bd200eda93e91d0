"""musldetect against packaging 26.3, side by side, grouped by operation.

Run: pytest benchmarks --benchmark-json=out.json (host and musl interpreter);
benchmarks/render.py turns the JSON files into docs/benchmarks.md's table and chart.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import musldetect
from musldetect import _api

packaging_tags = pytest.importorskip("packaging.tags")
from packaging import _manylinux, _musllinux  # noqa: E402

ON_MUSL = (__import__("sysconfig").get_config_var("HOST_GNU_TYPE") or "").endswith("-musl")


@pytest.mark.benchmark(group="cold detection")
def test_cold_musldetect(benchmark, backend_module):
    raw = benchmark(backend_module.detect_libc)
    assert raw.family in ("musl", "glibc")


@pytest.mark.benchmark(group="cold detection")
def test_cold_packaging(benchmark):
    if ON_MUSL:
        result = benchmark(_musllinux._get_musl_version.__wrapped__, sys.executable)
    else:
        result = benchmark(_manylinux._get_glibc_version.__wrapped__)
    assert result is not None


CALLS = 1000  # cached calls take tens of ns: time a loop of direct calls, not the harness's call


def calls_without_args(function):
    def loop():
        for _ in range(CALLS):
            function()

    return loop


def calls_with_arg(function, argument):
    def loop():
        for _ in range(CALLS):
            function(argument)

    return loop


def per_call(benchmark, loop) -> None:
    benchmark.extra_info["calls_per_round"] = CALLS
    benchmark(loop)


@pytest.mark.benchmark(group="cached")
def test_cached_libc(benchmark):
    assert musldetect.libc().family
    per_call(benchmark, calls_without_args(musldetect.libc))


@pytest.mark.benchmark(group="cached")
def test_cached_platform_tags(benchmark):
    assert musldetect.platform_tags()
    per_call(benchmark, calls_without_args(musldetect.platform_tags))


@pytest.mark.benchmark(group="cached")
def test_cached_packaging_musl_version(benchmark):
    _musllinux._get_musl_version(sys.executable)
    per_call(benchmark, calls_with_arg(_musllinux._get_musl_version, sys.executable))


@pytest.mark.benchmark(group="cached")
def test_packaging_platform_tags(benchmark):
    assert benchmark(lambda: list(packaging_tags.platform_tags()))


@pytest.mark.benchmark(group="sys_tags")
def test_packaging_sys_tags(benchmark):
    assert benchmark(lambda: list(packaging_tags.sys_tags()))


@pytest.mark.benchmark(group="sys_tags")
def test_cached_sys_tags(benchmark):
    assert musldetect.sys_tags()
    per_call(benchmark, calls_without_args(musldetect.sys_tags))


@pytest.mark.benchmark(group="sys_tags")
def test_first_sys_tags(benchmark):
    """The first call of a process: detection, platform tags and interpreter tags, uncached
    (the backend stays chosen and its module imported, as after the first import)."""
    from musldetect import _api

    musldetect.cache_clear()
    musldetect.backend()  # choosing the backend is import-time work, not the call's

    def first_call():
        _api._info = _api._tags_cache = _api._sys_tags_cache = None
        return musldetect.sys_tags()

    assert benchmark(first_call) == tuple(str(t) for t in packaging_tags.sys_tags())


LOADER = "/lib/ld-musl-x86_64.so.1"


@pytest.mark.benchmark(group="inspect")
def test_inspect_musl_loader(benchmark):
    if not os.path.exists(LOADER):
        pytest.skip(f"{LOADER} missing")
    assert benchmark(musldetect.inspect, LOADER).family == "musl"


@pytest.mark.benchmark(group="inspect")
def test_inspect_glibc(benchmark):
    libc6 = "/lib/x86_64-linux-gnu/libc.so.6"
    if not os.path.exists(libc6):
        pytest.skip(f"{libc6} missing")
    assert benchmark(musldetect.inspect, libc6).family == "glibc"


@pytest.mark.benchmark(group="inspect")
def test_run_the_loader_as_packaging_does(benchmark):
    if not os.path.exists(LOADER):
        pytest.skip(f"{LOADER} missing")
    benchmark(subprocess.run, [LOADER], stderr=subprocess.PIPE, check=False)


@pytest.mark.benchmark(group="fresh process")
def test_fresh_processes_interleaved(benchmark):
    """Every command in turn in every round (startup_bench.py's runner: python -c pass, each
    backend's platform_tags() and sys_tags(), packaging's); the medians and the ratios to a bare
    interpreter are recorded as extra_info."""
    import startup_bench

    from musldetect import _dispatch

    available = [status.name for status in _dispatch.backend_statuses() if status.available]
    table = startup_bench.commands(available, with_packaging=True)
    results = {}
    rounds = 1 if benchmark.disabled else 30  # CI's quick mode proves it runs; run.sh measures
    benchmark.pedantic(lambda: results.update(startup_bench.fresh_processes(table, rounds)), rounds=1, iterations=1)
    benchmark.extra_info["fresh_process_median_s"] = {label: row["wall_s"] for label, row in results.items()}
    benchmark.extra_info["over_pass"] = {label: row["over_pass"] for label, row in results.items()}


def import_time_us(module: str) -> int:
    """Cumulative microseconds of ``import module`` in a fresh interpreter (-X importtime)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"], stderr=subprocess.PIPE, text=True, check=True
    )
    for line in proc.stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1])
    raise AssertionError(f"{module} not in -X importtime output")


@pytest.mark.benchmark(group="import")
@pytest.mark.parametrize("module", ["musldetect", "packaging.tags"])
def test_import_time(benchmark, module):
    """The median of -X importtime's cumulative figure, recorded as this benchmark's result."""
    samples = []
    benchmark.pedantic(lambda: samples.append(import_time_us(module)), rounds=15, iterations=1)
    samples.sort()
    benchmark.extra_info["importtime_cumulative_us"] = samples[len(samples) // 2]


def test_cache_reset_does_not_leak():
    _api.cache_clear()
    assert musldetect.libc(cached=False) == musldetect.libc()


def _hostile_inputs(directory):
    """Bad files that must be refused quickly: (label, path)."""
    import elfwriter as w

    cases = {}
    fifo = os.path.join(directory, "fifo")
    os.mkfifo(fifo)
    cases["fifo"] = fifo
    cases["/dev/zero"] = "/dev/zero"
    sparse = os.path.join(directory, "sparse-16GiB")
    with open(sparse, "wb") as fh:
        fh.write(w.build([w.Seg(w.PT_LOAD, b"x", overrides={"offset": 2**33, "filesz": 2**30, "memsz": 2**30})]))
        fh.truncate(2**34)
    cases["16 GiB sparse, 1 GiB segment"] = sparse
    many = os.path.join(directory, "4096-headers")
    with open(many, "wb") as fh:
        fh.write(w.build([w.Seg(w.PT_LOAD, b"") for _ in range(4096)] + [w.Seg(w.PT_INTERP, b"/x")]))
    cases["4097 program headers"] = many
    truncated = os.path.join(directory, "libc.so")  # named as musl names its loader
    with open(truncated, "wb") as fh:
        fh.write(w.musl_loader()[:-20])
    cases["truncated loader"] = truncated
    return cases


@pytest.mark.benchmark(group="hostile inspect")
@pytest.mark.parametrize(
    "label", ["fifo", "/dev/zero", "16 GiB sparse, 1 GiB segment", "4097 program headers", "truncated loader"]
)
def test_inspect_refuses(benchmark, tmp_path, label):
    """Each is refused with an ELFError, but for the sparse file: a valid static file,
    answered after reading its data, its holes skipped."""
    path = _hostile_inputs(str(tmp_path))[label]

    def outcome():
        try:
            return musldetect.inspect(path)
        except musldetect.ELFError as exc:
            return exc

    result = benchmark(outcome)
    if label.startswith("16 GiB sparse"):
        assert isinstance(result, musldetect.LibcInfo) and result.family is None
        assert result.reason == "static, no C library found"
    else:
        assert isinstance(result, musldetect.ELFError)
