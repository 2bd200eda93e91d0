"""audit() on real wheels from PyPI, each verdict compared with auditwheel's.

The wheels are pinned in tests/audit/wheels.txt and fetched once into the cache by
tests/audit/fetch-wheels.sh (.ci/run's audit stage does it and names the directory in
MUSLDETECT_WHEELS; without it these tests skip): manylinux 2_5 to 2_34, musllinux 1_1 and
1_2, six architectures; C, C++, Fortran, Rust and executables. For each wheel the tag
auditwheel names must be the one audit() names for the wheel's own C library, and every
difference is one of the named cases below, each with its condition checked.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

import musldetect

from oracle import (
    auditwheel_show,
    corpus_manifest,
    find_musl_python,
    require_auditwheel_oracle,
    running_on_musl,
    skip_or_fail,
)

LISTED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "audit", "wheels.txt")


def wheels() -> list:
    directory = os.environ.get("MUSLDETECT_WHEELS")
    if not directory:
        pytest.skip(
            "the real-wheel comparison runs in .ci/run's audit stage, which sets MUSLDETECT_WHEELS "
            "(tests/audit/fetch-wheels.sh prints the directory)"
        )
    found = sorted(glob.glob(os.path.join(directory, "*.whl")))
    with open(LISTED) as fh:
        listed = [line.split()[0] for line in fh if line.strip() and not line.startswith("#")]
    if len(found) < len(listed):
        skip_or_fail(
            f"{len(found)} of the {len(listed)} pinned wheels are in {directory} (run tests/audit/fetch-wheels.sh)"
        )
    return found


def family_tag(tags, family_prefix: str) -> str:
    return next((tag for tag in tags if tag.startswith(family_prefix + "_")), "")


def classify(wheel: str, ours: musldetect.Audit, theirs: dict) -> str:
    """ "same", or the name of the explained difference (its condition checked here)."""
    name = os.path.basename(wheel)
    musl_wheel = "musllinux" in name.split("-")[-1]
    if "crash" in theirs:
        # auditwheel on a glibc host, reading a musl wheel, resolves the wheel's libraries
        # on the host and fails on what it finds; audit() reads only the wheel.
        assert musl_wheel, (name, theirs)
        return "auditwheel crashed on a musl wheel on a glibc host"
    tag = theirs["overall_tag"]
    family = (
        tag.split("_")[0]
        if tag.startswith(("manylinux", "musllinux"))
        else ("musllinux" if musl_wheel else "manylinux")
    )
    mine = family_tag(ours.honest_tags, family) or ours.honest_tags[0]
    if tag == mine:
        return "same"
    if musl_wheel and tag.startswith("linux_"):
        # Rust and musl-gcc extensions name the C library "libc.so" (Alpine's name is
        # libc.musl-<arch>.so.1); auditwheel looks it up on this glibc host, finds none and
        # calls it an external library.
        assert "libc.so" in theirs["external_libs"], (name, theirs)
        assert any("libc.so" in f.needed for f in ours.files)
        return "auditwheel did not find musl's libc.so on a glibc host"
    if musl_wheel and tag.startswith("musllinux_1_2_"):
        # auditwheel holds a musl wheel to the host's musl: on a glibc host it cannot know one
        # and takes the newest policy ("can't determine musl libc version, latest known
        # version will be used"); in the musl interpreter (musl 1.2.3) it says 1_2 as well.
        assert mine.startswith("musllinux_1_1_") and tag.endswith(mine[len("musllinux_1_1_") :]), (name, mine)
        return "auditwheel names the host's musl policy, not the oldest the binaries allow"
    pytest.fail(f"{name}: audit() names {mine}, auditwheel {tag}: an unexplained difference")


@pytest.fixture(scope="module")
def compared():
    if running_on_musl():
        pytest.skip(
            "the comparison runs auditwheel on the glibc host; the musl interpreter's answers are "
            "held to the host's in test_same_answers_in_the_musl_interpreter"
        )
    found = wheels()
    require_auditwheel_oracle()
    with ThreadPoolExecutor(max_workers=2) as pool:
        theirs = list(pool.map(auditwheel_show, found))
    return [(wheel, musldetect.audit(wheel), other) for wheel, other in zip(found, theirs)]


def test_every_verdict_matches_auditwheel_or_is_a_named_case(compared):
    cases = {}
    for wheel, ours, theirs in compared:
        cases.setdefault(classify(wheel, ours, theirs), []).append(os.path.basename(wheel))
    print("\n".join(f"{case}: {len(names)}" for case, names in sorted(cases.items())))
    assert len(cases.get("same", [])) >= 25, cases


def test_the_corpus_covers_what_the_issue_asks(compared):
    platforms = {tag for _wheel, ours, _theirs in compared for tag in ours.declared_tags}
    archs = {f.arch for _wheel, ours, _theirs in compared for f in ours.files}
    assert {"x86_64", "aarch64", "i686", "ppc64le", "s390x", "armv7l"} <= archs
    assert any(tag.startswith("manylinux_2_5_") for tag in platforms)
    assert any(tag.startswith("manylinux_2_34_") for tag in platforms)
    assert any(tag.startswith("musllinux_1_1_") for tag in platforms)
    assert any(tag.startswith("musllinux_1_2_") for tag in platforms)
    assert any(f.static for _wheel, ours, _theirs in compared for f in ours.files)
    assert any("libstdc++.so.6" in f.needed for _wheel, ours, _theirs in compared for f in ours.files)


# Real wheels whose abi3 part the audit faults (abi3audit flags the same names where it
# reads the file, tests/test_abi3_pypi.py): they export functions under CPython's names.
PY_NAMED_EXPORTS = ("psutil-5.9.8-", "shiboken6-6.12.0-")


def test_no_real_wheel_is_called_dishonest(compared):
    """These are popular wheels auditwheel repaired: none over-promises or is inconsistent
    on its platform part; on the python/ABI part only the named exporters of Py names."""
    bad = []
    for wheel, ours, _theirs in compared:
        name = os.path.basename(wheel)
        platform = [b for b in ours.blame if "-" not in b.tag]
        python_abi = [b for b in ours.blame if "-" in b.tag or not b.tag]
        if platform or ours.verdict == "inconsistent":
            bad.append((name, ours.verdict, platform[:2]))
        if python_abi and not (
            name.startswith(PY_NAMED_EXPORTS) and all(b.cause.endswith(" (exported)") for b in python_abi)
        ):
            bad.append((name, ours.verdict, python_abi[:2]))
    assert not bad


def test_same_answers_in_the_musl_interpreter():
    """Never depends on the host: the musl interpreter (or, from it, the host's Python)
    gives every wheel the same honest tags, verdict and blame."""
    found = wheels()
    other = find_musl_python() if not running_on_musl() else "python3"
    if other is None:
        skip_or_fail("the musl-linked test interpreter is missing (tests/musl/build-python.sh)")
    code = (
        "import json, sys, musldetect\n"
        "out = [[list(a.honest_tags), a.verdict, [list(b) for b in a.blame]] "
        "for a in map(musldetect.audit, sys.argv[1:])]\nprint(json.dumps(out))"
    )
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(musldetect.__file__)))
    proc = subprocess.run([other, "-c", code, *found], capture_output=True, text=True, timeout=600, env=env)
    if proc.returncode != 0 and "No module named" in proc.stderr:
        skip_or_fail(f"musldetect is not importable in {other}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    here = [[list(a.honest_tags), a.verdict, [list(b) for b in a.blame]] for a in map(musldetect.audit, found)]
    assert json.loads(proc.stdout) == here


def test_the_auditwheel_view_matches_auditwheel_on_manylinux_wheels(compared):
    """musldetect._audit._views.auditwheel_show() against ``auditwheel show --json`` itself:
    the fields it gives agree on every glibc-linked wheel auditwheel reads (on musl wheels
    auditwheel names the glibc host's guess of a musl policy: see classify())."""
    from musldetect._audit._views import auditwheel_show as view

    checked = 0
    for wheel, ours, theirs in compared:
        mine = view(ours)
        if "crash" in theirs or "musllinux" in os.path.basename(wheel) or not ours.files:
            continue
        assert {key: theirs[key] for key in mine} == dict(
            mine, external_libs={k: theirs["external_libs"].get(k) for k in mine["external_libs"]}
        ), wheel
        assert set(mine["external_libs"]) == set(theirs["external_libs"]), wheel
        checked += 1
    assert checked >= 20


def _exported(path: str) -> set:
    from elftools.elf.elffile import ELFFile as OracleELF

    with open(path, "rb") as fh:
        table = OracleELF(fh).get_section_by_name(".dynsym")
        return {
            symbol.name
            for symbol in table.iter_symbols()
            if symbol["st_shndx"] != "SHN_UNDEF" and symbol["st_info"]["bind"] in ("STB_GLOBAL", "STB_WEAK")
        }


def _time64_entry_points() -> set:
    """The names only musl's 32-bit ports export, on both i386 and armhf and on neither
    amd64 nor arm64, read from Debian's musl 1.2.2 builds: the 64-bit time_t ABI that
    musl 1.2.0 added (and nothing else: i386's ___tls_get_addr, say, drops out)."""
    found = {}
    for row in corpus_manifest():
        if (
            row["pkg"] == "musl"
            and row["version"].startswith("1.2.2")
            and row["arch"] in ("i386", "armhf", "amd64", "arm64")
        ):
            libraries = glob.glob(os.path.join(row["dir"], "**", "libc.so"), recursive=True)
            if libraries:
                found[row["arch"]] = _exported(libraries[0])
    if len(found) < 4:
        skip_or_fail(f"Debian's musl 1.2.2 for i386, armhf, amd64 and arm64 are in the corpus; found {sorted(found)}")
    return (found["i386"] & found["armhf"]) - found["amd64"] - found["arm64"]


def test_32_bit_musl_objects_importing_the_time64_entry_points_need_musl_1_2():
    """An object of a 32-bit musllinux wheel that imports one of musl's 64-bit time_t entry
    points loads on musl 1.2.0 or newer only. Independent of the code under test: the
    binaries are chosen by their wheel's tag and pyelftools (32-bit ELF), the entry points
    read from Debian's real musl builds, the imports by pyelftools; at least one binary of
    the set must import them, so the check cannot pass on nothing."""
    import io
    import zipfile

    from elftools.elf.elffile import ELFFile as OracleELF

    entry_points = _time64_entry_points()
    assert len(entry_points) > 50, sorted(entry_points)  # musl 1.2.2 has 63 of them
    importing = 0
    for wheel in wheels():
        if "musllinux" not in os.path.basename(wheel).split("-")[-1]:
            continue
        requires = {audited.path: audited.requires for audited in musldetect.audit(wheel).files}
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                data = archive.read(name)
                if data[:5] != b"\x7fELF\x01":  # 32-bit ELF only
                    continue
                table = OracleELF(io.BytesIO(data)).get_section_by_name(".dynsym")
                if table is None:  # a static object imports nothing
                    continue
                undefined = {symbol.name for symbol in table.iter_symbols() if symbol["st_shndx"] == "SHN_UNDEF"}
                if undefined & entry_points:
                    importing += 1
                    assert requires[name] is not None and requires[name] >= (1, 2, 0), (wheel, name, requires[name])
    assert importing, "no 32-bit musl binary of the set imports a time64 entry point"
