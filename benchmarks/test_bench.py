"""musldetect against packaging 26.3, side by side, grouped by operation.

Run: pytest benchmarks --benchmark-json=out.json (host and musl interpreter);
benchmarks/render.py turns the JSON files into the README's table and chart.
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


@pytest.mark.benchmark(group="cached")
def test_cached_libc(benchmark):
    musldetect.libc()
    assert benchmark(musldetect.libc).family


@pytest.mark.benchmark(group="cached")
def test_cached_platform_tags(benchmark):
    musldetect.platform_tags()
    assert benchmark(musldetect.platform_tags)


@pytest.mark.benchmark(group="cached")
def test_cached_packaging_musl_version(benchmark):
    _musllinux._get_musl_version(sys.executable)
    benchmark(_musllinux._get_musl_version, sys.executable)


@pytest.mark.benchmark(group="cached")
def test_packaging_platform_tags(benchmark):
    assert benchmark(lambda: list(packaging_tags.platform_tags()))


@pytest.mark.benchmark(group="cached")
def test_packaging_sys_tags(benchmark):
    assert benchmark(lambda: list(packaging_tags.sys_tags()))


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


FRESH = {
    "python -c pass": "pass",
    "musldetect platform_tags": "import musldetect; musldetect.platform_tags()",
    "packaging platform_tags": "import packaging.tags as t; list(t.platform_tags())",
}


@pytest.mark.benchmark(group="fresh process")
@pytest.mark.parametrize("label", list(FRESH))
def test_fresh_process(benchmark, label):
    argv = [sys.executable, "-c", FRESH[label]]
    benchmark.pedantic(subprocess.run, args=(argv,), kwargs={"check": True}, rounds=20, iterations=1)


def import_time_us(module: str) -> int:
    """Cumulative microseconds of ``import module`` in a fresh interpreter (-X importtime)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                          stderr=subprocess.PIPE, text=True, check=True)
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
