"""The gate on a CI host without a compiler: the py3-none-any wheel released beside the
compiled ones (.ci/run's release stage builds it, MUSLDETECT_BUILD_EXT=never, and names it
in MUSLDETECT_PURE_WHEEL; without it the test builds one from this checkout) installed in a
fresh venv, where the extension is absent, audits real wheels exactly as the compiled
install does. Runs with MUSLDETECT_GATE=1 (it builds with pip from PyPI)."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from builders import compile_c, make_wheel, read_bytes
from oracle import require_gate, running_on_musl

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECENT_GLIBC = (
    "#include <sys/random.h>\nunsigned draw(void) { unsigned x = 0; getrandom(&x, sizeof x, 0); return x; }\n"
)


def pure_wheel(directory) -> str:
    given = os.environ.get("MUSLDETECT_PURE_WHEEL")
    if given:
        return given
    if not os.path.exists(os.path.join(CHECKOUT, "setup.py")):
        pytest.skip("no checkout to build the pure wheel from (set MUSLDETECT_PURE_WHEEL)")
    source = os.path.join(str(directory), "src")
    shutil.copytree(
        CHECKOUT,
        source,
        ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__", "*.so", ".*_cache"),
    )
    out = os.path.join(str(directory), "dist")
    # No build isolation: this interpreter's setuptools builds it, nothing is fetched.
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", out, source],
        env=dict(os.environ, MUSLDETECT_BUILD_EXT="never"),
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (found,) = glob.glob(os.path.join(out, "*.whl"))
    return found


def fresh_venv(directory, wheel: str) -> str:
    """A new venv holding only the pure wheel; its python."""
    venv = os.path.join(str(directory), "venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = os.path.join(venv, "bin", "python")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    return python


def test_the_pure_wheel_audits_as_the_compiled_install_does(tmp_path):
    require_gate()
    if running_on_musl():
        pytest.skip("the wheels here are built with the host's gcc against glibc")
    wheel = pure_wheel(tmp_path)
    assert os.path.basename(wheel).endswith("-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert not [n for n in names if n.endswith((".so", ".pyd", ".dylib"))]
    assert "musldetect/_audit/audit.schema.json" in names and "musldetect/_audit/_policies.json" in names
    python = fresh_venv(tmp_path, wheel)
    # Only the venv's own package: no PYTHONPATH (the mutation runner sets one) reaches it.
    alone = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    work = tmp_path / "work"  # outside the checkout: the venv's package, not the source tree's
    work.mkdir()
    probe = subprocess.run(
        [
            python,
            "-c",
            "import musldetect, importlib.util; "
            "print(musldetect.__file__); print(importlib.util.find_spec('musldetect._native'))",
        ],
        cwd=work,
        env=alone,
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    location, native = probe.stdout.splitlines()
    assert location.startswith(os.path.join(str(tmp_path), "venv")) and native == "None"

    module = read_bytes(compile_c(tmp_path, "gcc", RECENT_GLIBC, "_draw.so", "-shared", "-fPIC"))
    inputs = [
        make_wheel(tmp_path, "fine", ["cp312-cp312-manylinux_2_26_x86_64"], {"fine/_draw.so": module}),
        make_wheel(tmp_path, "over", ["cp312-cp312-manylinux_2_17_x86_64"], {"over/_draw.so": module}),
    ]
    real = sorted(glob.glob(os.path.join(os.environ.get("MUSLDETECT_WHEELS", "/nonexistent"), "*.whl")))
    inputs += real[:6]

    def audit(interpreter: str, env: dict):
        return subprocess.run(
            [interpreter, "-m", "musldetect", "audit", "--json", *inputs],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    pure, compiled = audit(python, alone), audit(sys.executable, dict(os.environ))
    assert pure.returncode == compiled.returncode == 1, pure.stderr[-2000:]
    lines = [json.loads(line) for line in pure.stdout.splitlines()]
    assert [line["verdict"] for line in lines[:2]] == ["honest", "over-promises"]
    assert "getrandom@GLIBC_2.25" in lines[1]["blame"][0]["cause"]
    assert pure.stdout == compiled.stdout
    script = os.path.join(os.path.dirname(python), "musldetect")
    assert subprocess.run([script, "audit", inputs[0]], cwd=work, env=alone, capture_output=True).returncode == 0
