"""Independent answers to compare musldetect with: the libc's own banner, confstr, dpkg.

Tests may start processes (the library may not): running a musl loader with no
arguments is how musl itself reports its version.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from typing import Dict, FrozenSet, List, Optional, Tuple

import pytest

CACHE = os.environ.get("MUSLDETECT_CACHE", os.path.expanduser("~/.cache/musldetect"))
CORPUS = os.path.join(CACHE, "corpus")


def required(variable: str) -> FrozenSet[str]:
    return frozenset(v.strip() for v in os.environ.get(variable, "").split(",") if v.strip())


def require_musl() -> bool:
    return os.environ.get("MUSLDETECT_REQUIRE_MUSL") == "1"


def skip_or_fail(reason: str) -> None:
    """Missing test material (musl builds, the corpus, compilers, valgrind) fails under
    MUSLDETECT_REQUIRE_MUSL=1, which CI sets because it installs all of it; skips elsewhere."""
    if require_musl():
        pytest.fail(f"{reason} (MUSLDETECT_REQUIRE_MUSL=1)")
    pytest.skip(reason)


def running_on_musl() -> bool:
    return (sysconfig.get_config_var("HOST_GNU_TYPE") or "").endswith("-musl")


def find_musl_python() -> Optional[str]:
    """The musl-linked test interpreter: MUSLDETECT_MUSL_PYTHON (.ci/run sets it), this
    interpreter when it is that one, else the newest build in the cache."""
    named = os.environ.get("MUSLDETECT_MUSL_PYTHON")
    if named:
        return named
    if running_on_musl():
        return sys.executable
    import glob

    builds = sorted(glob.glob(os.path.join(CACHE, "python-musl-*", "bin", "python3.*[0-9]")), key=os.path.getmtime)
    return builds[-1] if builds else None


def loader_banner_version(loader: str) -> str:
    """Run a musl loader with no arguments and read "Version X" from its banner."""
    proc = subprocess.run([loader], capture_output=True, timeout=30)
    match = re.search(rb"^Version (\S+)$", proc.stderr, re.M)
    assert match, f"{loader} printed no musl banner: {proc.stderr[:200]!r}"
    return match.group(1).decode()


def mapped_libc_of_this_process() -> str:
    """The C library file mapped into this process, from /proc/self/maps."""
    with open("/proc/self/maps") as maps:
        paths = [line.split(None, 5)[5].strip() for line in maps if len(line.split(None, 5)) == 6]
    for path in paths:
        name = os.path.basename(path)
        if name == "libc.so.6" or name == "libc.so" or name.startswith("ld-musl-") or name.startswith("libc.musl-"):
            return path
    raise AssertionError("no C library in /proc/self/maps")


def expected_process_libc() -> Tuple[str, str]:
    """(family, version string) of this process, from sources musldetect does not use."""
    if running_on_musl():
        return "musl", loader_banner_version(mapped_libc_of_this_process())
    version = host_glibc_version()
    assert version is not None, "neither musl nor glibc"
    return "glibc", version


def upstream_version(debian_version: str) -> str:
    return debian_version.split(":")[-1].split("-")[0].split("+")[0]


def corpus_manifest() -> List[Dict[str, str]]:
    path = os.path.join(CORPUS, "manifest.tsv")
    if not os.path.exists(path):
        skip_or_fail(f"no Debian package corpus at {CORPUS} (run tests/musl/fetch-corpus.sh)")
    rows = []
    with open(path) as fh:
        for line in fh:
            pkg, suite, arch, version, directory = line.rstrip("\n").split("\t")
            rows.append(dict(pkg=pkg, suite=suite, arch=arch, version=version, dir=directory))
    return rows


def run_python(
    code: str, env: Optional[Dict[str, str]] = None, executable: Optional[str] = None, args: Tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [executable or sys.executable, *args, "-c", code], env=full_env, capture_output=True, text=True, timeout=120
    )


def run_json(code: str, **kwargs) -> object:
    proc = run_python(code, **kwargs)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def require_auditwheel_oracle() -> None:
    """auditwheel as the oracle: the release the policy data was written from, or newer
    (older Pythons get older releases, without ``show --json`` and with older policies)."""
    import re
    import sys

    import pytest

    if sys.version_info < (3, 9):
        pytest.skip("auditwheel needs Python 3.9+: the oracle is not installable here")
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:
        pytest.skip("importlib.metadata is missing")
    try:
        installed = version("auditwheel")
    except PackageNotFoundError:
        skip_or_fail("auditwheel is not installed (pip install auditwheel)")
        return
    from musldetect._audit import _policy

    wanted = re.search(r"auditwheel ([0-9.]+)", _policy.source())
    as_tuple = lambda text: tuple(int(p) for p in text.split(".") if p.isdigit())  # noqa: E731
    if wanted and as_tuple(installed) < as_tuple(wanted.group(1)):
        pytest.skip(
            f"this Python's auditwheel {installed} is older than the {wanted.group(1)} the policy data "
            "was written from (it is the newest this Python can install)"
        )


# -- runners and host checks the test modules share ------------------------------------------


def cli(*args: str, env: Optional[Dict[str, str]] = None, timeout: int = 120) -> subprocess.CompletedProcess:
    """``python -m musldetect ARGS`` in a fresh process: the command as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "musldetect", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ, **(env or {})),
    )


def host_glibc_version() -> Optional[str]:
    """This interpreter's glibc release as glibc itself says it (confstr), None off glibc."""
    try:
        return (os.confstr("CS_GNU_LIBC_VERSION") or "").split()[1]
    except (ValueError, OSError, AttributeError, IndexError):
        return None


def require_glibc_host(reason: str, *, ldd: bool = False) -> None:
    """Skip unless this interpreter runs on glibc (and, with ``ldd``, glibc's ldd is there):
    the tests built with the host's gcc, or held to ldd or auditwheel, need it."""
    import shutil

    if running_on_musl() or host_glibc_version() is None or (ldd and not shutil.which("ldd")):
        pytest.skip(reason)


def auditwheel_show(wheel: str, timeout: int = 600) -> dict:
    """``auditwheel show --json`` of a wheel; {"crash": its last line} when it fails."""
    proc = subprocess.run(
        [sys.executable, "-m", "auditwheel", "show", "--json", wheel], capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"crash": last}
    found: dict = json.loads(proc.stdout)
    return found


def auditwheel_tag(wheel: str) -> str:
    """What ``auditwheel show`` names for a wheel (the oracle), which must read it."""
    require_auditwheel_oracle()
    shown = auditwheel_show(wheel, timeout=300)
    assert "crash" not in shown, shown
    return str(shown["overall_tag"])


def require_gate() -> None:
    """The gate's tests drive pre-commit, cibuildwheel and pip builds (PyPI, git, uv): they
    run where MUSLDETECT_GATE=1 says the tools are there (.ci/run's gate and mutation
    stages, or by hand after ``pip install pre-commit cibuildwheel uv``), and skip elsewhere."""
    import os

    import pytest

    if os.environ.get("MUSLDETECT_GATE") != "1":
        pytest.skip("the gate's tests run with MUSLDETECT_GATE=1 (.ci/run's gate stage)")
