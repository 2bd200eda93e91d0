"""The musldetect command, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import musldetect

from oracle import expected_process_libc


def cli(*args, env=None):
    import os

    full = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "musldetect", *args], capture_output=True,
                          text=True, timeout=120, env=full)


def test_summary():
    family, version = expected_process_libc()
    proc = cli()
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == f"{family} {version}"
    assert "backend:" in proc.stdout and "tags:" in proc.stdout


def test_json_has_every_field_and_the_tags():
    proc = cli("--json")
    data = json.loads(proc.stdout)
    info = musldetect.libc()
    assert set(data) == set(info.as_dict()) | {"tags"}
    assert data["family"] == info.family and tuple(data["version"]) == info.version
    assert data["tags"] == list(musldetect.platform_tags())


def test_tags_one_per_line():
    assert cli("--tags").stdout.split() == list(musldetect.platform_tags())


def test_inspect_and_its_errors(tmp_path):
    proc = cli("inspect", sys.executable, "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["family"] == musldetect.libc().family
    bad = tmp_path / "bad"
    bad.write_bytes(b"not an elf")
    proc = cli("inspect", str(bad))
    assert proc.returncode == 2 and proc.stderr == f"musldetect: {bad}: not an ELF file (bad magic)\n"
    proc = cli("inspect", str(tmp_path / "missing"))
    assert proc.returncode == 2 and "No such file" in proc.stderr and "Traceback" not in proc.stderr


def test_usage_errors_exit_2():
    proc = cli("--backend", "turbo")
    assert proc.returncode == 2 and proc.stderr.startswith("musldetect: ")
    proc = cli(env={"MUSLDETECT_LIBC": "musl"})
    assert proc.returncode == 2 and "MUSLDETECT_LIBC" in proc.stderr and "Traceback" not in proc.stderr


def test_unknown_libc_exits_1():
    proc = cli(env={"MUSLDETECT_LIBC": "none"})
    assert proc.returncode == 1 and proc.stdout.startswith("unknown C library")


def test_backends_command_lists_every_backend():
    proc = cli("backends")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert [line.split()[0] for line in lines[:3]] == list(musldetect.BACKENDS)
    assert lines[-1] == f"in use: {musldetect.backend()}"
