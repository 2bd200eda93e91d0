"""``musldetect audit`` as a gate is run: waivers on the command line and in pyproject.toml,
--strict, and batches (--wheels-in DIR) with their summary, on wheels built here with gcc."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from builders import compile_c, make_wheel, read_bytes
from oracle import running_on_musl

RECENT_GLIBC = (
    "#include <sys/random.h>\nunsigned draw(void) { unsigned x = 0; getrandom(&x, sizeof x, 0); return x; }\n"
)
OPENMP = "#include <omp.h>\nint threads(void) { return omp_get_max_threads(); }\n"
GOMP_WAIVED = (
    "  waived:    manylinux_2_17_x86_64: pair/sub/_omp.so: libgomp.so.1 [library-not-allowed]: OpenMP is the system's"
)


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    """``python -m musldetect audit ARGS`` in a fresh process, from ``cwd`` (a project's root)."""
    return subprocess.run(
        [sys.executable, "-m", "musldetect", "audit", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd or os.getcwd(),
    )


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> dict:
    """pair: manylinux_2_17 with a glibc 2.25 symbol and libgomp; over: the glibc 2.25 symbol
    alone; fine: the same tagged 2_26, honest."""
    if running_on_musl():
        pytest.skip("built with the host's gcc against glibc")
    tmp = tmp_path_factory.mktemp("gatecli")
    draw = read_bytes(compile_c(tmp, "gcc", RECENT_GLIBC, "_draw.so", "-shared", "-fPIC"))
    omp = read_bytes(compile_c(tmp, "gcc", OPENMP, "_omp.so", "-shared", "-fPIC", "-fopenmp"))
    return {
        "pair": make_wheel(
            tmp, "pair", ["cp312-cp312-manylinux_2_17_x86_64"], {"pair/_draw.so": draw, "pair/sub/_omp.so": omp}
        ),
        "over": make_wheel(tmp, "over", ["cp312-cp312-manylinux_2_17_x86_64"], {"over/_draw.so": draw}),
        "fine": make_wheel(tmp, "fine", ["cp312-cp312-manylinux_2_26_x86_64"], {"fine/_draw.so": draw}),
    }


def test_waive_on_the_command_line_repeats_the_reason_and_names_the_unused(wheels, tmp_path):
    proc = run(
        "--waive",
        "library-not-allowed:pair/sub/*=OpenMP is the system's",
        "--waive",
        "forbidden-symbol:*=stale",
        wheels["pair"],
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr  # the glibc 2.25 symbol is still blamed
    lines = proc.stdout.splitlines()
    assert lines[0].endswith(": over-promises") and GOMP_WAIVED in lines
    assert "  unused waiver: forbidden-symbol:*=stale (command line)" in lines
    assert "summary:" not in proc.stdout  # one input: no batch summary
    both = run(
        "--waive", "library-not-allowed:*=r1", "--waive", "symbol-version-too-new:*=r2", wheels["pair"], cwd=tmp_path
    )
    assert both.returncode == 0 and both.stdout.splitlines()[0].endswith(": honest"), both.stdout


def test_strict_ignores_every_waiver(wheels, tmp_path):
    proc = run(
        "--strict",
        "--waive",
        "library-not-allowed:*=r1",
        "--waive",
        "symbol-version-too-new:*=r2",
        "--json",
        wheels["pair"],
        cwd=tmp_path,
    )
    (line,) = [json.loads(text) for text in proc.stdout.splitlines()]
    assert proc.returncode == 1 and line["verdict"] == "inconsistent"
    assert line["waived"] == [] and line["unused_waivers"] == []


def test_waivers_from_pyproject_by_default_and_by_name(wheels, tmp_path):
    if sys.version_info < (3, 11):
        pytest.importorskip("tomli")
    project = tmp_path / "project"
    project.mkdir()
    table = (
        '[project]\nname = "pair"\n\n[tool.musldetect.audit]\nwaive = [\n'
        '  { rule = "library-not-allowed", file = "pair/sub/*", reason = "OpenMP is the system\'s" },\n]\n'
    )
    (project / "pyproject.toml").write_text(table)
    proc = run(wheels["pair"], cwd=project)
    assert proc.returncode == 1 and GOMP_WAIVED in proc.stdout.splitlines(), proc.stdout + proc.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert GOMP_WAIVED not in run(wheels["pair"], cwd=elsewhere).stdout
    named = run("--waivers-from", str(project / "pyproject.toml"), wheels["pair"], cwd=elsewhere)
    assert GOMP_WAIVED in named.stdout.splitlines()
    assert GOMP_WAIVED not in run("--strict", wheels["pair"], cwd=project).stdout
    # A pyproject.toml without musldetect's table is not read at all: not even its TOML.
    (elsewhere / "pyproject.toml").write_text("[project\nnot toml at all\n")
    assert run(wheels["fine"], cwd=elsewhere).returncode == 0


@pytest.mark.parametrize(
    "args, words",
    [
        (["--waive", "library-not-allowed:*"], "is not written RULE:FILE-GLOB=REASON"),
        (["--waive", "no-such-rule:*=r"], "no rule 'no-such-rule'"),
        (["--waivers-from", "missing.toml"], "missing.toml"),
    ],
)
def test_a_waiver_that_cannot_be_used_is_a_usage_error(wheels, tmp_path, args, words):
    proc = run(*args, wheels["fine"], cwd=tmp_path)
    assert proc.returncode == 2 and words in proc.stderr and not proc.stdout, proc.stderr


def test_a_bad_pyproject_table_is_a_usage_error(wheels, tmp_path):
    if sys.version_info < (3, 11):
        pytest.importorskip("tomli")
    (tmp_path / "pyproject.toml").write_text('[tool.musldetect.audit]\nwaive = [{ rule = "x", file = "*" }]\n')
    proc = run(wheels["fine"], cwd=tmp_path)
    assert proc.returncode == 2 and "three strings" in proc.stderr


def dist_folder(wheels, tmp_path):
    dist = tmp_path / "dist"
    (dist / "b").mkdir(parents=True)
    shutil.copy(wheels["over"], dist / "b")
    shutil.copy(wheels["fine"], dist)
    shutil.copy(wheels["pair"], dist / "b")
    (dist / "notes.txt").write_text("not a wheel\n")
    return dist


def test_wheels_in_audits_every_wheel_under_a_folder_in_order_with_a_summary(wheels, tmp_path):
    dist = dist_folder(wheels, tmp_path)
    expected = sorted(
        [
            str(dist / "b" / os.path.basename(wheels["over"])),
            str(dist / os.path.basename(wheels["fine"])),
            str(dist / "b" / os.path.basename(wheels["pair"])),
        ]
    )
    proc = run("--json", "--wheels-in", str(dist), cwd=tmp_path)
    lines = [json.loads(text) for text in proc.stdout.splitlines()]
    assert proc.returncode == 1, proc.stderr
    assert [line["path"] for line in lines[:-1]] == expected
    assert lines[-1] == {
        "summary": {
            "inputs": 3,
            "verdicts": {"honest": 1, "inconsistent": 1, "over-promises": 1},
            "errors": 0,
            "unused_waivers": [],
            "status": 1,
        }
    }
    assert run("--json", "--jobs", "2", "--wheels-in", str(dist), cwd=tmp_path).stdout == proc.stdout
    # A plain folder argument still means an unpacked tree.
    (tree,) = [json.loads(text) for text in run("--json", str(dist / "b"), cwd=tmp_path).stdout.splitlines()]
    assert tree["kind"] == "directory"


def test_a_text_batch_ends_with_its_summary_and_the_waivers_no_input_used(wheels, tmp_path):
    dist = dist_folder(wheels, tmp_path)
    proc = run(
        "--wheels-in",
        str(dist),
        "--waive",
        "library-not-allowed:pair/sub/*=OpenMP is the system's",
        "--waive",
        "forbidden-symbol:*=stale",
        cwd=tmp_path,
    )
    lines = proc.stdout.splitlines()
    assert GOMP_WAIVED in lines and proc.returncode == 1
    assert lines[-2:] == [
        "summary: 3 inputs: 1 honest, 2 over-promises; exit status 1",
        "unused waiver: forbidden-symbol:*=stale (command line) (no input used it)",
    ]
    assert not any(line.startswith("  unused waiver:") for line in lines)  # once, at the end


def test_a_batch_with_an_unreadable_wheel_cannot_be_judged(wheels, tmp_path):
    dist = dist_folder(wheels, tmp_path)
    (dist / "junk-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    proc = run("--json", "--wheels-in", str(dist), cwd=tmp_path)
    summary = json.loads(proc.stdout.splitlines()[-1])["summary"]
    assert proc.returncode == 3 and summary["errors"] == 1 and summary["status"] == 3 and summary["inputs"] == 4


def test_wheels_in_an_empty_or_missing_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    empty = run("--wheels-in", str(tmp_path / "empty"), cwd=tmp_path)
    assert empty.returncode == 0 and "nothing to audit" in empty.stderr
    assert empty.stdout == "summary: 0 inputs: none; exit status 0\n"
    missing = run("--wheels-in", str(tmp_path / "missing"), cwd=tmp_path)
    assert missing.returncode == 2 and "not a directory" in missing.stderr
    assert run(cwd=tmp_path).returncode == 2  # neither a PATH nor --wheels-in


def test_the_hook_script_is_wheels_in_dist_and_passes_without_a_dist_folder(wheels, tmp_path):
    def dist_script(*args: str) -> subprocess.CompletedProcess:
        code = "import sys; from musldetect._gate import main; sys.exit(main(sys.argv[1:]))"
        return subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600, cwd=tmp_path
        )

    none = dist_script()
    assert none.returncode == 0 and "nothing to audit" in none.stderr and not none.stdout
    dist_folder(wheels, tmp_path)
    assert dist_script("--json").stdout == run("--json", "--wheels-in", "dist", cwd=tmp_path).stdout
    waived = dist_script("--waive", "forbidden-symbol:*=stale")
    assert waived.returncode == 1 and waived.stdout.splitlines()[-1].startswith("unused waiver: forbidden-symbol")
