"""The JSON output's schema (musldetect/_audit/audit.schema.json) holds real output:
``musldetect audit --json`` run as users run it on wheels built here and, in .ci/run's
audit stage (MUSLDETECT_WHEELS), on the pinned PyPI wheels; validated by jsonschema.
Also the provenance every result is to carry, held to the data files themselves."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import pytest

import musldetect
from musldetect._audit import _provenance

from builders import compile_c, make_wheel, read_bytes
from oracle import running_on_musl, skip_or_fail

jsonschema = pytest.importorskip("jsonschema")

RECENT_GLIBC = (
    "#include <sys/random.h>\nunsigned draw(void) { unsigned x = 0; getrandom(&x, sizeof x, 0); return x; }\n"
)


def schema() -> dict:
    with open(_provenance.schema_path()) as fh:
        return json.load(fh)


def validator():
    found = schema()
    jsonschema.Draft202012Validator.check_schema(found)
    return jsonschema.Draft202012Validator(found)


def cli_json_lines(*args: str) -> list:
    proc = subprocess.run(
        [sys.executable, "-m", "musldetect", "audit", "--json", *args], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode in (0, 1, 3), proc.stderr[-2000:]  # holds, does not hold, cannot judge
    return [json.loads(line) for line in proc.stdout.splitlines()]


def assert_valid(lines: list) -> None:
    check = validator()
    for line in lines:
        errors = sorted(check.iter_errors(line), key=lambda e: list(e.path))
        assert not errors, f"{line.get('path')}: {[f'{list(e.path)}: {e.message}' for e in errors[:5]]}"


def test_the_schema_is_versioned_and_ships_in_the_package():
    found = schema()
    assert found["$id"] == _provenance.SCHEMA_ID and found["$id"].endswith("/v1")
    assert os.path.dirname(_provenance.schema_path()) == os.path.dirname(_provenance.__file__)


def test_built_wheels_errors_and_resolution_validate(tmp_path):
    if running_on_musl():
        pytest.skip("built with the host's gcc against glibc")
    module = read_bytes(compile_c(tmp_path, "gcc", RECENT_GLIBC, "_draw.so", "-shared", "-fPIC"))
    over = make_wheel(tmp_path, "over", ["cp312-cp312-manylinux_2_17_x86_64"], {"draw/_draw.so": module})
    honest = make_wheel(tmp_path, "fine", ["cp312-cp312-manylinux_2_26_x86_64"], {"draw/_draw.so": module})
    unpacked = tmp_path / "unpacked" / "draw"
    unpacked.mkdir(parents=True)
    (unpacked / "_draw.so").write_bytes(module)
    junk = tmp_path / "junk-1.0-py3-none-any.whl"
    junk.write_bytes(b"not a zip")
    lines = cli_json_lines(honest, over, str(tmp_path / "unpacked"), str(junk))
    assert [line.get("verdict") for line in lines[:-1]] == ["honest", "over-promises", "undeclared", None]
    assert lines[3]["provenance"] == musldetect.audit_provenance().as_dict()  # an error says which gate too
    assert lines[-1]["summary"]["errors"] == 1 and lines[-1]["summary"]["status"] == 3  # a batch's last line
    lines += cli_json_lines("--resolve", honest)
    assert lines[-1]["resolutions"] and lines[-1]["loads"] is True
    lines += cli_json_lines(
        "--waive", "symbol-version-too-new:*=guarded", "--waive", "forbidden-symbol:*=stale", over, honest
    )
    assert lines[-3]["waived"] and lines[-3]["unused_waivers"] and lines[-1]["summary"]["unused_waivers"]
    assert_valid(lines)


def test_the_schema_refuses_what_it_does_not_describe():
    """Can fail: a result with a changed field is refused, so a renamed field cannot slip by."""
    check = validator()
    error = {"path": "x.whl", "error": "x.whl: unreadable"}
    assert check.is_valid(error)
    assert not check.is_valid(dict(error, extra=1))
    assert not check.is_valid({"path": "x.whl"})
    summary = {"summary": {"inputs": 1, "verdicts": {"honest": 1}, "errors": 0, "unused_waivers": [], "status": 0}}
    assert check.is_valid(summary)
    assert not check.is_valid({"summary": dict(summary["summary"], verdicts={"fine": 1})})
    assert not check.is_valid({"summary": dict(summary["summary"], status=2)})  # a usage error prints no summary
    assert not check.is_valid(dict(summary, path="x.whl"))


def test_provenance_names_this_version_and_the_policies_it_read():
    found = musldetect.audit_provenance()
    with open(os.path.join(os.path.dirname(_provenance.schema_path()), "_policies.json")) as fh:
        recorded = json.load(fh)["source"]
    assert found.version == musldetect.__version__
    assert {d.name: d.version for d in found.data}["policies"] == recorded
    with open(os.path.join(os.path.dirname(_provenance.schema_path()), "_stable_abi.json")) as fh:
        stable = json.load(fh)
    # The abi3 judgement reads the stable ABI's table: its source and commit are named.
    assert {d.name: d.version for d in found.data}["stable-abi"] == f"{stable['source']} at {stable['commit'][:12]}"
    assert all(d.version or d.note for d in found.data)
    check = validator()
    assert check.is_valid({"path": "x.whl", "error": "e", "provenance": found.as_dict()})
    assert not check.is_valid({"path": "x.whl", "error": "e", "provenance": dict(found.as_dict(), schema="v0")})


def pypi_wheels() -> list:
    directory = os.environ.get("MUSLDETECT_WHEELS")
    if not directory:
        pytest.skip("the pinned PyPI wheels are audited in .ci/run's audit stage (MUSLDETECT_WHEELS)")
    found = sorted(glob.glob(os.path.join(directory, "*.whl")))
    if len(found) < 20:
        skip_or_fail(f"only {len(found)} wheels in {directory} (tests/audit/fetch-wheels.sh)")
    return found


def test_real_pypi_wheels_validate_and_keep_their_order_with_jobs():
    wheels = pypi_wheels()
    one = cli_json_lines(*wheels)
    assert [line["path"] for line in one[:-1]] == wheels and one[-1]["summary"]["inputs"] == len(wheels)
    assert {line["verdict"] for line in one[:-1]} >= {"honest", "under-promises"}
    assert_valid(one)
    assert cli_json_lines("--jobs", "2", *wheels) == one
