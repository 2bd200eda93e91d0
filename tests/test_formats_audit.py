"""audit() on real macOS and Windows wheels (tests/audit/formats.txt), each verdict
explained; altered copies of them, each caught with the right blame; the macOS version
rules held to packaging's ``mac_platforms``; the Windows DLL lists held to the wheels.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from typing import Callable, Dict, Optional

import formatwriter as fw
import pytest
from formats_oracle import format_wheels, members, wheel

import musldetect
from musldetect._audit._judge_macos import lowest_installing, parse_apple_tag, tag_version_for
from musldetect._audit._judge_windows import python_runtime, windows_dlls
from musldetect._audit._macho import MAGICS, read_macho

# Every pinned wheel's verdict, and why. The faults are real: each was checked by hand
# against the files (lief reads the same minimums, rpaths and imports).
EXPECTED = {
    "markupsafe-3.0.2-cp312-cp312-macosx_11_0_arm64": ("honest", "arm64 slice needs 11.0"),
    "markupsafe-3.0.2-cp312-cp312-win32": ("honest", "x86, imports only python312/vcruntime140/API sets"),
    "bcrypt-4.2.1-cp39-abi3-macosx_10_12_universal2": ("honest", "x86_64 needs 10.12, arm64 11.0"),
    "bcrypt-4.2.1-cp39-abi3-win_amd64": ("honest", "system DLLs (bcrypt.dll, ntdll.dll) and python3.dll"),
    # The x86_64 slice of _rust.abi3.so records LC_BUILD_VERSION minos 10.13: a 10.9-10.12 Mac
    # installs the wheel and cannot load it.
    "cryptography-44.0.0-cp39-abi3-macosx_10_9_universal2": ("over-promises", "x86_64 needs macos 10.13"),
    "cryptography-44.0.0-cp39-abi3-win_amd64": ("honest", "python3.dll and Windows DLLs"),
    "lxml-5.3.0-cp312-cp312-macosx_10_9_universal2": ("honest", "static libxml2/libxslt, 10.9 and 11.0"),
    "lxml-5.3.0-cp312-cp312-win_amd64": ("honest", "static"),
    "numpy-2.1.3-cp312-cp312-macosx_10_13_x86_64": ("honest", "openblas, gfortran vendored in .dylibs"),
    "numpy-2.1.3-cp312-cp312-macosx_11_0_arm64": ("honest", "openblas, gfortran vendored in .dylibs"),
    # _multiarray_umath and _pocketfft_umath import MSVCP140.dll: not Windows', not shipped by
    # CPython (only vcruntime140), not vendored (the win_amd64 wheel vendors a mangled copy).
    "numpy-2.1.3-cp312-cp312-win32": ("inconsistent", "MSVCP140.dll"),
    "numpy-2.1.3-cp312-cp312-win_amd64": ("honest", "openblas and msvcp140 vendored in numpy.libs"),
    "orjson-3.10.12-cp312-cp312-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2": (
        "honest",
        "one universal2 file under three tags",
    ),
    "orjson-3.10.12-cp312-none-win_amd64": ("honest", "cp312-none: CPython 3.12's runtime DLLs"),
    # The vendored libjpeg keeps the LC_RPATH /usr/local/lib of the machine that built it.
    "pillow-11.0.0-cp312-cp312-macosx_10_13_x86_64": ("inconsistent", "/usr/local/lib"),
    "pillow-11.0.0-cp312-cp312-macosx_11_0_arm64": ("inconsistent", "/usr/local/lib"),
    "pillow-11.0.0-cp312-cp312-win_amd64": ("honest", "static"),
    "pillow-11.0.0-cp312-cp312-win_arm64": ("honest", "arm64"),
    "psutil-6.1.0-cp36-abi3-macosx_10_9_x86_64": ("honest", "10.9"),
    "psutil-6.1.0-cp36-abi3-macosx_11_0_arm64": ("honest", "11.0"),
    "psutil-6.1.0-cp37-abi3-win_amd64": ("honest", "system DLLs only"),
    "pydantic_core-2.27.1-cp312-cp312-macosx_11_0_arm64": ("honest", "11.0"),
    "pydantic_core-2.27.1-cp312-none-win_amd64": ("honest", "cp312-none"),
    # The vendored libsodium keeps the LC_RPATH /tmp/zmq/lib of its build.
    "pyzmq-26.2.0-cp312-cp312-macosx_10_15_universal2": ("inconsistent", "/tmp/zmq/lib"),
    "pyzmq-26.2.0-cp312-cp312-win_amd64": ("honest", "libzmq linked statically"),
    # The file name says macosx_12_0, WHEEL says macosx_12_3 (what meson wrote; renamed because
    # pip never installs a 12_3 tag), and the extensions need 12.3: 12.0-12.2 install and fail.
    # The vendored gfortran and openblas also keep LC_RPATHs of their build machines.
    "scipy-1.14.1-cp312-cp312-macosx_12_0_arm64": ("inconsistent", "arm64 needs macos 12.3"),
    # distlib's and setuptools' launcher templates (t32.exe, cli-arm64.exe, ...): PE files
    # Python never loads, so a wheel for any platform may carry them.
    "pip-24.3.1-py3-none-any": ("honest", "no Python extension"),
    "setuptools-75.6.0-py3-none-any": ("honest", "no Python extension"),
}


def stem(path: str) -> str:
    return os.path.basename(path)[: -len(".whl")].lower()


def test_every_real_wheel_gets_its_explained_verdict():
    seen = {}
    for path in format_wheels():
        result = musldetect.audit(path)
        verdict, evidence = EXPECTED[stem(path)]
        shown = "\n".join(str(b) for b in result.blame) + "\n".join(result.reasons)
        assert result.verdict == verdict, (path, shown)
        if verdict != "honest" or "-any" in path:
            assert evidence in shown, (path, shown)
        seen[stem(path)] = result
    assert set(seen) == {key.lower() for key in EXPECTED}


def test_honest_tags_give_the_lowest_version_and_the_arch_set():
    bcrypt = musldetect.audit(wheel("bcrypt-4.2.1-cp39-abi3-macosx"))
    assert bcrypt.honest_tags == ("macosx_11_0_arm64", "macosx_10_12_universal2", "macosx_10_12_x86_64")
    crypto = musldetect.audit(wheel("cryptography-44.0.0-cp39-abi3-macosx"))
    assert "macosx_10_13_universal2" in crypto.honest_tags
    numpy_arm = musldetect.audit(wheel("numpy-2.1.3-cp312-cp312-macosx_11_0_arm64"))
    assert numpy_arm.honest_tags == ("macosx_11_0_arm64",)
    assert musldetect.audit(wheel("pillow-11.0.0-cp312-cp312-win_arm64")).honest_tags == ("win_arm64",)


def test_every_slice_verdict_agrees_with_packaging_mac_platforms():
    """A slice that needs version v over-promises under a tag exactly when some older
    system on its arch installs that tag (packaging enumerates what each system installs)."""
    tags = pytest.importorskip("packaging.tags")
    versions = [(10, minor) for minor in range(4, 17)] + [
        (major, minor) for major in range(11, 16) for minor in range(0, 5)
    ]
    checked = 0
    for path in format_wheels():
        if "macosx" not in path:
            continue
        declared = os.path.basename(path)[:-4].split("-")[-1].split(".")
        for name, data in members(path, MAGICS):
            for piece in read_macho(data, name).slices:
                for tag in declared:
                    claim = parse_apple_tag(tag)
                    assert claim is not None
                    if piece.arch not in claim[2]:
                        continue
                    systems = [w for w in versions if piece.arch != "arm64" or w >= (11, 0)]  # arm64 Macs: 11+
                    installs_below = any(
                        tag in tags.mac_platforms(w, piece.arch) for w in systems if w + (0,) < piece.minimum
                    )
                    ours = piece.minimum > lowest_installing("macos", piece.arch, claim[1])
                    assert ours == installs_below, (path, name, piece.arch, piece.minimum, tag)
                    checked += 1
    assert checked > 200


@pytest.mark.parametrize(
    "minimum,arch,expected",
    [
        ((11, 3, 0), "arm64", (12, 0)),
        ((11, 0, 0), "x86_64", (11, 0)),
        ((10, 13, 0), "x86_64", (10, 13)),
        ((10, 13, 2), "x86_64", (10, 14)),
        ((11, 0, 0), "arm64", None),
        ((12, 0, 0), "arm64", (12, 0)),
    ],
)
def test_the_lowest_honest_tag_version_is_the_lowest_packaging_installs_only_on_capable_systems(
    minimum, arch, expected
):
    tags = pytest.importorskip("packaging.tags")
    assert tag_version_for("macos", arch, minimum) == expected
    if expected is not None:
        tag = f"macosx_{expected[0]}_{expected[1]}_{arch}"
        systems = [(10, m) for m in range(4, 17)] + [(M, m) for M in range(11, 16) for m in range(0, 5)]
        installing = [w for w in systems if tag in tags.mac_platforms(w, arch)]
        assert min(installing) + (0,) >= minimum[:2] + (0,) or min(installing) >= minimum[:2]


# -- altered copies of real wheels --------------------------------------------------------


def altered(
    source: str,
    directory: str,
    platform: Optional[str] = None,
    abi: Optional[str] = None,
    drop: Callable[[str], bool] = lambda name: False,
    replace: Optional[Dict[str, bytes]] = None,
) -> str:
    """A copy of a wheel with its platform (and ABI) tag rewritten in the name and WHEEL,
    members dropped or replaced."""
    parts = os.path.basename(source)[:-4].split("-")
    if platform:
        parts[-1] = platform
    if abi:
        parts[-2] = abi
    target = os.path.join(directory, "-".join(parts) + ".whl")
    members: Dict[str, bytes] = {}
    record = None
    with zipfile.ZipFile(source) as old:
        for info in old.infolist():
            if drop(info.filename):
                continue
            if info.filename.endswith(".dist-info/RECORD"):
                record = info.filename
                continue
            data = (replace or {}).get(info.filename, None)
            data = old.read(info) if data is None else data
            if info.filename.endswith(".dist-info/WHEEL"):
                # Blank lines dropped too: WHEEL's headers end at the first one (bdist_wheel ends
                # the file with one), so a Tag after it is no header for an installer.
                lines = [line for line in data.decode().splitlines() if line.strip() and not line.startswith("Tag:")]
                lines += [f"Tag: {parts[-3]}-{a}-{p}" for a in parts[-2].split(".") for p in parts[-1].split(".")]
                data = ("\n".join(lines) + "\n").encode()
            members[info.filename] = data
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in members.items():
            new.writestr(name, data)
        if record is not None:  # as a repair tool would: RECORD lists the bytes the copy holds
            listed = "".join(f"{name},sha256={_digest(data)},{len(data)}\n" for name, data in members.items())
            new.writestr(record, listed + f"{record},,\n")
    return target


def _digest(data: bytes) -> str:
    """RECORD's spelling of a SHA-256: urlsafe base64 without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def test_a_tag_lowered_below_what_a_binary_needs_over_promises(tmp_path):
    source = wheel("psutil-6.1.0-cp36-abi3-macosx_10_9_x86_64")
    result = musldetect.audit(altered(source, str(tmp_path), platform="macosx_10_6_x86_64"))
    assert result.verdict == "over-promises"
    assert {b.cause for b in result.blame} == {"x86_64 needs macos 10.9"}
    assert {b.file for b in result.blame} == {"psutil/_psutil_osx.abi3.so", "psutil/_psutil_posix.abi3.so"}
    assert result.honest_tags == ("macosx_10_9_x86_64",)


def test_an_arch_missing_from_a_universal2_file_is_inconsistent(tmp_path):
    source = wheel("bcrypt-4.2.1-cp39-abi3-macosx")
    with zipfile.ZipFile(source) as archive:
        fat = archive.read("bcrypt/_bcrypt.abi3.so")
    arm64_only = next(data for cpu, data in fat_slices(fat) if cpu == fw.CPU_ARM64)
    result = musldetect.audit(altered(source, str(tmp_path), replace={"bcrypt/_bcrypt.abi3.so": arm64_only}))
    assert result.verdict == "inconsistent"
    assert [(b.file, b.cause) for b in result.blame] == [("bcrypt/_bcrypt.abi3.so", "x86_64")]
    assert result.honest_tags == ("macosx_11_0_arm64",)


def fat_slices(data: bytes):
    import struct

    count = struct.unpack_from(">I", data, 4)[0]
    for index in range(count):
        cpu, _sub, offset, size, _align = struct.unpack_from(">iIIII", data, 8 + 20 * index)
        yield cpu, data[offset : offset + size]


def test_an_arm64_wheel_retagged_x86_64_is_inconsistent(tmp_path):
    source = wheel("markupsafe-3.0.2-cp312-cp312-macosx_11_0_arm64")
    result = musldetect.audit(altered(source, str(tmp_path), platform="macosx_11_0_x86_64"))
    assert result.verdict == "inconsistent" and result.blame[0].cause == "x86_64"


def test_a_removed_vendored_dylib_is_inconsistent(tmp_path):
    source = wheel("numpy-2.1.3-cp312-cp312-macosx_11_0_arm64")
    result = musldetect.audit(altered(source, str(tmp_path), drop=lambda n: n.endswith("libgfortran.5.dylib")))
    assert result.verdict == "inconsistent"
    assert {(b.file, b.cause) for b in result.blame} == {
        ("numpy/.dylibs/libscipy_openblas64_.dylib", "@loader_path/libgfortran.5.dylib")
    }


def test_a_removed_vendored_dll_is_inconsistent(tmp_path):
    source = wheel("numpy-2.1.3-cp312-cp312-win_amd64")
    result = musldetect.audit(altered(source, str(tmp_path), drop=lambda n: "libscipy_openblas" in n))
    assert result.verdict == "inconsistent"
    assert {b.file for b in result.blame} == {
        "numpy/_core/_multiarray_umath.cp312-win_amd64.pyd",
        "numpy/linalg/lapack_lite.cp312-win_amd64.pyd",
        "numpy/linalg/_umath_linalg.cp312-win_amd64.pyd",
    }
    assert all(b.cause.startswith("libscipy_openblas64_-") for b in result.blame)


def test_a_windows_wheel_retagged_for_another_machine_is_inconsistent(tmp_path):
    source = wheel("pillow-11.0.0-cp312-cp312-win_arm64")
    result = musldetect.audit(altered(source, str(tmp_path), platform="win_amd64"))
    assert result.verdict == "inconsistent"
    assert {b.cause for b in result.blame} == {"arm64"} and result.honest_tags == ()


def test_the_cli_exits_1_on_a_faulty_wheel_and_0_on_an_honest_one():
    def run(path: str) -> int:
        return subprocess.run([sys.executable, "-m", "musldetect", "audit", path], capture_output=True).returncode

    assert run(wheel("lxml-5.3.0-cp312-cp312-macosx")) == 0
    assert run(wheel("cryptography-44.0.0-cp39-abi3-macosx")) == 1


# -- the Windows DLL lists, held to the wheels ----------------------------------------------


def test_the_python_install_ships_vcruntime_not_msvcp():
    for full in ("cp312-cp312-win_amd64", "cp39-abi3-win_amd64", "cp312-none-win_amd64"):
        assert python_runtime([full]) == {"vcruntime140.dll", "vcruntime140_1.dll"}, full
    assert python_runtime(["cp312-cp312-win32"]) == {"vcruntime140.dll"}
    data = windows_dlls()
    assert "msvcp140.dll" not in data.system["amd64"]
    assert any(p.fullmatch("api-ms-win-crt-runtime-l1-1-0.dll") for p in data.never_vendored)
    assert any(p.fullmatch("python3.dll") for p in data.never_vendored)


def test_every_dll_the_real_wheels_import_is_provided_vendored_or_a_named_fault():
    """Each imported DLL of the real wheels is Windows', Python's or in the wheel, except the
    one named gap (numpy's win32 MSVCP140.dll): the lists are neither too short (a false
    fault on a good wheel) nor hide that gap."""
    faults = set()
    for path in format_wheels():
        if "-win" in path:
            faults.update((stem(path), b.cause) for b in musldetect.audit(path).blame)
    assert faults == {("numpy-2.1.3-cp312-cp312-win32", "MSVCP140.dll")}


# -- abi3 on Windows: python3.dll, held to abi3audit ------------------------------------------


def abi3audit_non_abi3(wheel_path: str) -> set:
    """The extensions abi3audit (cibuildwheel's default audit command) calls not abi3."""
    import json
    import shutil

    from formats_oracle import skip_or_fail

    command = shutil.which("abi3audit") or os.path.join(os.path.dirname(sys.executable), "abi3audit")
    if not os.path.exists(command):
        skip_or_fail("abi3audit (the abi3 oracle) is not installed: pip install abi3audit")
    proc = subprocess.run([command, "--report", wheel_path], capture_output=True, text=True, timeout=600)
    report = json.loads(proc.stdout[proc.stdout.index("{") :])
    return {
        entry["name"]
        for spec in report["specs"].values()
        for entry in spec.get("wheel", [])
        if not entry["result"]["is_abi3"]
    }


def test_abi3_claimed_for_extensions_importing_python312_dll_over_promises(tmp_path):
    source = wheel("lxml-5.3.0-cp312-cp312-win_amd64")
    changed = altered(source, str(tmp_path), abi="abi3")
    result = musldetect.audit(changed)
    assert result.verdict == "over-promises"
    blamed = {b.file for b in result.blame}
    assert {b.cause for b in result.blame} == {"python312.dll"} and len(blamed) == 6
    assert {os.path.basename(f) for f in blamed} == abi3audit_non_abi3(changed)


def test_the_real_abi3_windows_wheels_import_python3_dll_as_abi3audit_finds():
    for name in (
        "bcrypt-4.2.1-cp39-abi3-win_amd64",
        "cryptography-44.0.0-cp39-abi3-win_amd64",
        "psutil-6.1.0-cp37-abi3-win_amd64",
    ):
        result = musldetect.audit(wheel(name))
        assert not any(b.cause.lower().startswith("python3") for b in result.blame), name
        assert abi3audit_non_abi3(wheel(name)) == set(), name


def test_an_arch_left_out_of_the_tag_under_promises(tmp_path):
    """bcrypt's universal2 file retagged arm64 only: honest, and universal2 would reach x86_64 Macs too."""
    result = musldetect.audit(
        altered(wheel("bcrypt-4.2.1-cp39-abi3-macosx"), str(tmp_path), platform="macosx_11_0_arm64")
    )
    assert result.verdict == "under-promises"
    assert "macosx_10_12_universal2 would do too: the files also run on x86_64" in result.reasons
