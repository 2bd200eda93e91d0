"""What benchmark harnesses get: metadata() and the pytest-benchmark plugin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

import musldetect

from oracle import expected_process_libc, skip_or_fail

KEYS = {
    "libc_family",
    "libc_version",
    "libc_version_string",
    "libc_path",
    "libc_arch",
    "libc_static",
    "libc_time64",
    "platform_tag",
    "musldetect_backend",
    "musldetect_version",
}


def test_metadata_is_flat_strings_with_the_documented_keys():
    data = musldetect.metadata()
    assert set(data) == KEYS and all(isinstance(value, str) for value in data.values())
    family, version = expected_process_libc()
    assert (data["libc_family"], data["libc_version_string"]) == (family, version)
    assert data["libc_version"] == ".".join(version.split(".")[: 3 if family == "musl" else 2]).split("_")[0]
    assert os.path.realpath(data["libc_path"]) == os.path.realpath(musldetect.libc().path)
    assert data["musldetect_backend"] == musldetect.backend() and data["libc_static"] == "no"
    assert data["platform_tag"].startswith(("manylinux_", "musllinux_")) and data["platform_tag"].endswith(
        data["libc_arch"]
    )


def test_metadata_says_unknown_not_none(monkeypatch):
    monkeypatch.setenv("MUSLDETECT_LIBC", "none")
    musldetect.cache_clear()
    data = musldetect.metadata()
    assert data["libc_family"] == data["libc_version"] == data["libc_time64"] == "unknown"
    assert data["platform_tag"] == f"linux_{musldetect.libc().arch}"


BENCH = "def test_noop(benchmark):\n    benchmark(lambda: None)\n"


def _plugin_registered() -> bool:
    from importlib import metadata

    try:
        points: Any = metadata.entry_points()  # a dict of groups before Python 3.10, with select() after
        group = points.select(group="pytest11") if hasattr(points, "select") else points.get("pytest11", [])
    except Exception:  # an odd environment: report it as unregistered
        return False
    return any(point.name == "musldetect" for point in group)


@pytest.mark.parametrize("disabled", [False, True])
def test_pytest_benchmark_runs_record_the_c_library(tmp_path, disabled):
    pytest.importorskip("pytest_benchmark", reason="pytest-benchmark is not installed")
    if not _plugin_registered():
        skip_or_fail("musldetect is not installed as a distribution, so its pytest11 entry point is not registered")
    (tmp_path / "test_noop.py").write_text(BENCH)
    out = tmp_path / "run.json"
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--benchmark-json={out}", "test_noop.py"]
    if disabled:
        args[4:4] = ["-p", "no:musldetect"]
    proc = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    machine_info = json.loads(out.read_text())["machine_info"]
    if disabled:
        assert "musldetect" not in machine_info
    else:
        assert machine_info["musldetect"] == musldetect.metadata()
