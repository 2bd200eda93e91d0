"""The macOS, iOS, Windows and Android rules of audit(), each on a wheel built here around
generated Mach-O/PE files (tests/formatwriter.py, read back by lief in test_formats.py) or
ELF files built with gcc against a stub of Bionic's versioned libc.so. They run everywhere
(no download): the mutations of mutation/run.py for these rules run them.
"""

from __future__ import annotations

import formatwriter as fw
import pytest

import musldetect

from builders import compile_c, make_wheel

LOAD, WEAK = fw.LC_LOAD_DYLIB, fw.LC_LOAD_WEAK_DYLIB
SYSTEM = ((LOAD, "/usr/lib/libSystem.B.dylib"),)


def audit(tmp_path, tags, members):
    return musldetect.audit(make_wheel(tmp_path, "demo", tags, members))


def universal(x86_min=(10, 9, 0), arm_min=(11, 0, 0), **kw):
    return fw.fat(
        [
            (fw.CPU_X86_64, fw.macho(fw.CPU_X86_64, minimum=x86_min, **kw)),
            (fw.CPU_ARM64, fw.macho(minimum=arm_min, **kw)),
        ]
    )


# -- macOS: arches and minimum versions ---------------------------------------------------


def test_a_universal2_file_under_universal2_below_11_is_honest(tmp_path):
    result = audit(tmp_path, ["cp39-abi3-macosx_10_9_universal2"], {"demo/_d.abi3.so": universal()})
    assert result.verdict == "honest", result.blame
    assert result.honest_tags == ("macosx_11_0_arm64", "macosx_10_9_universal2", "macosx_10_9_x86_64")


def test_an_arm64_slice_above_11_0_is_a_fault_even_under_universal2(tmp_path):
    result = audit(tmp_path, ["cp39-abi3-macosx_10_9_universal2"], {"demo/_d.abi3.so": universal(arm_min=(12, 0, 0))})
    assert result.verdict == "over-promises"
    assert [(b.file, b.cause) for b in result.blame] == [("demo/_d.abi3.so", "arm64 needs macos 12.0")]
    assert "macosx_12_0_universal2" in result.honest_tags


def test_from_11_on_a_minor_version_needs_the_next_major_tag(tmp_path):
    result = audit(tmp_path, ["cp312-cp312-macosx_11_0_arm64"], {"demo/_d.so": fw.macho(minimum=(11, 3, 0))})
    assert result.verdict == "over-promises" and result.honest_tags == ("macosx_12_0_arm64",)
    honest = audit(tmp_path, ["cp312-cp312-macosx_12_0_arm64"], {"demo/_d.so": fw.macho(minimum=(11, 3, 0))})
    assert honest.verdict == "honest"


def test_an_x86_64_slice_above_the_tag_over_promises(tmp_path):
    one = fw.macho(fw.CPU_X86_64, minimum=(10, 13, 0))
    result = audit(tmp_path, ["cp312-cp312-macosx_10_9_x86_64"], {"demo/_d.so": one})
    assert result.verdict == "over-promises" and result.blame[0].cause == "x86_64 needs macos 10.13"
    assert result.honest_tags == ("macosx_10_13_x86_64",)


def test_a_lower_tag_than_needed_is_under_promising_the_other_way(tmp_path):
    result = audit(
        tmp_path, ["cp312-cp312-macosx_10_15_x86_64"], {"demo/_d.so": fw.macho(fw.CPU_X86_64, minimum=(10, 9, 0))}
    )
    assert result.verdict == "under-promises" and result.honest_tags == ("macosx_10_9_x86_64",)


@pytest.mark.parametrize(
    "tag,missing",
    [("macosx_11_0_universal2", "x86_64"), ("macosx_10_9_intel", "i386"), ("macosx_11_0_x86_64", "x86_64")],
)
def test_each_arch_the_tag_promises_must_be_a_slice(tmp_path, tag, missing):
    arm_and_x86 = universal() if missing != "x86_64" else fw.macho()
    result = audit(tmp_path, [f"cp39-abi3-{tag}"], {"demo/_d.abi3.so": arm_and_x86})
    assert result.verdict == "inconsistent"
    assert (result.blame[0].file, result.blame[0].cause) == ("demo/_d.abi3.so", missing)


def test_a_slice_for_ios_in_a_macos_wheel_is_inconsistent(tmp_path):
    result = audit(tmp_path, ["cp312-cp312-macosx_11_0_arm64"], {"demo/_d.so": fw.macho(platform=2)})
    assert result.verdict == "inconsistent" and result.blame[0].cause == "ios"


def test_no_version_command_cannot_be_judged(tmp_path):
    result = audit(tmp_path, ["cp312-cp312-macosx_11_0_arm64"], {"demo/_d.so": fw.macho(minimum=None)})
    assert result.verdict == "cannot judge" and "no minimum OS version" in result.reasons[0]


# -- macOS: dylibs and rpaths -------------------------------------------------------------


def test_a_dylib_vendored_through_rpath_is_reached(tmp_path):
    ext = fw.macho(dylibs=SYSTEM + ((LOAD, "@rpath/libz.1.dylib"),), rpaths=("@loader_path/../.dylibs",))
    lib = fw.macho(filetype=fw.MH_DYLIB, install_name="@rpath/libz.1.dylib", defined=())
    members = {"demo/sub/_d.so": ext, "demo/.dylibs/libz.1.dylib": lib}
    result = audit(tmp_path, ["cp312-cp312-macosx_11_0_arm64"], members)
    assert result.verdict == "honest", result.blame


def test_a_dylib_vendored_through_loader_path_is_reached(tmp_path):
    """delocate's layout: the extension names @loader_path/.dylibs/<lib>."""
    ext = fw.macho(dylibs=SYSTEM + ((LOAD, "@loader_path/../.dylibs/libz.1.dylib"),))
    lib = fw.macho(filetype=fw.MH_DYLIB, defined=())
    members = {"demo/sub/_d.so": ext, "demo/.dylibs/libz.1.dylib": lib}
    assert audit(tmp_path, ["cp312-cp312-macosx_11_0_arm64"], members).verdict == "honest"


def test_rpaths_of_the_loader_reach_a_library_of_a_library(tmp_path):
    ext = fw.macho(dylibs=SYSTEM + ((LOAD, "@rpath/liba.dylib"),), rpaths=("@loader_path/.dylibs",))
    liba = fw.macho(filetype=fw.MH_DYLIB, dylibs=SYSTEM + ((LOAD, "@rpath/libb.dylib"),), defined=())
    libb = fw.macho(filetype=fw.MH_DYLIB, defined=())
    result = audit(
        tmp_path,
        ["cp312-cp312-macosx_11_0_arm64"],
        {"demo/_d.so": ext, "demo/.dylibs/liba.dylib": liba, "demo/.dylibs/libb.dylib": libb},
    )
    assert result.verdict == "honest", result.blame


@pytest.mark.parametrize(
    "name,rpaths,why",
    [
        ("@rpath/libz.1.dylib", ("@loader_path/.dylibs",), "not in the wheel under any of its LC_RPATHs"),
        ("@loader_path/.dylibs/libz.1.dylib", (), "not in the wheel where @loader_path points"),
        ("/opt/homebrew/lib/libz.1.dylib", (), "a library of the build machine"),
        ("@executable_path/libz.1.dylib", (), "the interpreter's directory"),
    ],
)
def test_a_dylib_the_wheel_does_not_reach_is_inconsistent(tmp_path, name, rpaths, why):
    ext = fw.macho(dylibs=SYSTEM + ((LOAD, name),), rpaths=rpaths)
    result = audit(tmp_path, ["cp312-cp312-macosx_11_0_arm64"], {"demo/_d.so": ext})
    assert result.verdict == "inconsistent" and result.honest_tags == ()
    assert [(b.cause, why in b.reason) for b in result.blame] == [(name, True)]


def test_a_missing_weak_dylib_is_no_fault(tmp_path):
    ext = fw.macho(dylibs=SYSTEM + ((WEAK, "@rpath/libmaybe.dylib"),))
    assert audit(tmp_path, ["cp312-cp312-macosx_11_0_arm64"], {"demo/_d.so": ext}).verdict == "honest"


@pytest.mark.parametrize("rpath", ["/usr/local/lib", "/opt/homebrew/lib", "/Users/runner/work/build"])
def test_an_rpath_into_the_build_machine_is_inconsistent(tmp_path, rpath):
    ext = fw.macho(rpaths=(rpath,))
    result = audit(tmp_path, ["cp312-cp312-macosx_11_0_arm64"], {"demo/_d.so": ext})
    assert result.verdict == "inconsistent" and [b.cause for b in result.blame] == [rpath]


def test_system_rpaths_and_libraries_are_the_systems(tmp_path):
    ext = fw.macho(dylibs=SYSTEM + ((LOAD, "@rpath/libswiftCore.dylib"),), rpaths=("/usr/lib/swift",))
    assert audit(tmp_path, ["cp312-cp312-macosx_11_0_arm64"], {"demo/_d.so": ext}).verdict == "honest"


# -- iOS ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag,platform,minimum,verdict",
    [
        ("ios_13_0_arm64_iphoneos", 2, (13, 0, 0), "honest"),
        ("ios_12_0_arm64_iphoneos", 2, (13, 0, 0), "over-promises"),
        ("ios_13_0_arm64_iphoneos", 7, (13, 0, 0), "inconsistent"),
        ("ios_13_0_arm64_iphonesimulator", 7, (13, 0, 0), "honest"),
        ("ios_13_0_x86_64_iphonesimulator", 7, (13, 0, 0), "inconsistent"),  # the file is arm64
    ],
)
def test_ios_wheels_are_held_to_platform_arch_and_minimum(tmp_path, tag, platform, minimum, verdict):
    result = audit(tmp_path, [f"cp313-cp313-{tag}"], {"demo/_d.so": fw.macho(platform=platform, minimum=minimum)})
    assert result.verdict == verdict, (result.blame, result.reasons)
    if verdict == "honest":
        assert result.honest_tags == (tag,)


# -- Windows ------------------------------------------------------------------------------


def test_an_abi3_extension_importing_windows_and_python_dlls_is_honest(tmp_path):
    pe = fw.pe(
        imports=(
            ("python3.dll", ("PyList_New",)),
            ("KERNEL32.dll", ("GetLastError",)),
            ("VCRUNTIME140.dll", ("memcpy",)),
            ("api-ms-win-crt-runtime-l1-1-0.dll", ("exit",)),
        )
    )
    result = audit(tmp_path, ["cp39-abi3-win_amd64"], {"demo/_d.pyd": pe})
    assert result.verdict == "honest" and result.honest_tags == ("win_amd64",)


@pytest.mark.parametrize("dll", ["msvcp140.dll", "libfoo.dll", "libcrypto-3-x64.dll"])
def test_a_dll_neither_windows_nor_python_nor_vendored_is_inconsistent(tmp_path, dll):
    pe = fw.pe(imports=(("python3.dll", ("PyList_New",)), (dll, ("f",))))
    result = audit(tmp_path, ["cp39-abi3-win_amd64"], {"demo/_d.pyd": pe})
    assert result.verdict == "inconsistent" and [b.cause for b in result.blame] == [dll]


def test_a_delay_loaded_dll_must_be_there_too(tmp_path):
    pe = fw.pe(delay_imports=(("libfoo.dll", ("f",)),))
    result = audit(tmp_path, ["cp39-abi3-win_amd64"], {"demo/_d.pyd": pe})
    assert result.verdict == "inconsistent" and "delay-loads libfoo.dll" in result.blame[0].reason


@pytest.mark.parametrize("where", ["demo.libs/libfoo-1a2b.dll", "demo/libfoo-1a2b.dll"])
def test_a_dll_vendored_in_pkg_libs_or_beside_is_reached(tmp_path, where):
    pe = fw.pe(imports=(("python3.dll", ("PyList_New",)), ("libfoo-1a2b.dll", ("f",))))
    lib = fw.pe(imports=(("KERNEL32.dll", ("GetLastError",)),), exports=())
    result = audit(tmp_path, ["cp39-abi3-win_amd64"], {"demo/_d.pyd": pe, where: lib})
    assert result.verdict == "honest", result.blame


def test_vcruntime140_1_is_pythons_on_64_bit_only(tmp_path):
    pe = fw.pe(fw.MACHINE_I386, imports=(("python312.dll", ("PyList_New",)), ("VCRUNTIME140_1.dll", ("f",))))
    result = audit(tmp_path, ["cp312-cp312-win32"], {"demo/_d.pyd": pe})
    assert result.verdict == "inconsistent" and result.blame[0].cause == "VCRUNTIME140_1.dll"


@pytest.mark.parametrize(
    "tag,machine", [("win32", fw.MACHINE_AMD64), ("win_amd64", fw.MACHINE_ARM64), ("win_arm64", fw.MACHINE_I386)]
)
def test_the_machine_must_be_the_tags(tmp_path, tag, machine):
    result = audit(tmp_path, [f"cp39-abi3-{tag}"], {"demo/_d.pyd": fw.pe(machine)})
    assert result.verdict == "inconsistent"


def test_a_mach_o_file_in_a_windows_wheel_is_inconsistent(tmp_path):
    result = audit(tmp_path, ["cp39-abi3-win_amd64"], {"demo/_d.pyd": fw.pe(), "demo/_x.so": fw.macho()})
    assert result.verdict == "inconsistent" and result.blame[0].cause == "Mach-O"


def test_tags_of_two_platforms_are_inconsistent(tmp_path):
    result = audit(tmp_path, ["cp39-abi3-win_amd64", "cp39-abi3-macosx_11_0_arm64"], {"demo/_d.pyd": fw.pe()})
    assert result.verdict == "inconsistent"


def test_a_mach_o_file_in_a_linux_wheel_is_inconsistent(tmp_path):
    elf = compile_c(tmp_path, "gcc", "int f(void) { return 1; }\n", "libf.so", "-shared", "-fPIC")
    with open(elf, "rb") as fh:
        members = {"demo/libf.so": fh.read(), "demo/_x.so": fw.macho()}
    result = audit(tmp_path, ["cp312-cp312-manylinux_2_17_x86_64"], members)
    assert result.verdict == "inconsistent" and any("Mach-O" in r for r in result.reasons)


# -- Android: ELF against Bionic ------------------------------------------------------------

BIONIC_STUB = """
int malloc(void) { return 0; }
int getifaddrs(void) { return 0; }
int catopen(void) { return 0; }
"""
BIONIC_NODES = (
    "LIBC { global: malloc; local: *; };\nLIBC_N { global: getifaddrs; } LIBC;\nLIBC_O { global: catopen; } LIBC_N;\n"
)


def android_extension(tmp_path, calls: str) -> bytes:
    """An extension built with gcc against a stub libc.so carrying Bionic's version nodes."""
    (tmp_path / "bionic.map").write_text(BIONIC_NODES)
    stub = compile_c(
        tmp_path,
        "gcc",
        BIONIC_STUB,
        "libc.so",
        "-shared",
        "-fPIC",
        "-nostdlib",
        "-Wl,-soname,libc.so",
        f"-Wl,--version-script={tmp_path / 'bionic.map'}",
    )
    source = (
        "".join(f"extern int {name}(void);\n" for name in calls.split())
        + "int PyInit_demo(void) { return "
        + " + ".join(f"{name}()" for name in calls.split())
        + "; }\n"
    )
    # compile_c puts the flags before the source: --no-as-needed keeps the stub a NEEDED library
    ext = compile_c(
        tmp_path,
        "gcc",
        source,
        f"ext-{calls.replace(' ', '-')}.so",
        "-shared",
        "-fPIC",
        "-nostdlib",
        "-Wl,--no-as-needed",
        stub,
    )
    with open(ext, "rb") as fh:
        return fh.read()


@pytest.mark.parametrize(
    "calls,tag,verdict,blamed",
    [
        ("malloc getifaddrs", "android_24_x86_64", "honest", None),
        ("malloc getifaddrs", "android_23_x86_64", "over-promises", "getifaddrs@LIBC_N"),
        ("malloc catopen", "android_24_x86_64", "over-promises", "catopen@LIBC_O"),
        ("malloc", "android_21_x86_64", "cannot judge", None),
        ("malloc", "android_24_arm64_v8a", "inconsistent", "x86_64"),
    ],
)
def test_android_wheels_by_bionic_version_nodes_and_abi(tmp_path, calls, tag, verdict, blamed):
    result = audit(tmp_path, [f"cp313-cp313-{tag}"], {"demo/_d.so": android_extension(tmp_path, calls)})
    assert result.verdict == verdict, (result.blame, result.reasons)
    if blamed:
        assert result.blame[0].cause == blamed
    if verdict == "honest":
        assert result.honest_tags == ("android_24_x86_64",)


def test_an_android_library_nobody_ships_cannot_be_judged(tmp_path):
    (tmp_path / "other").mkdir()
    other = compile_c(
        tmp_path / "other",
        "gcc",
        "int g(void) { return 2; }\n",
        "libc++_shared.so",
        "-shared",
        "-fPIC",
        "-Wl,-soname,libc++_shared.so",
    )
    ext = compile_c(
        tmp_path,
        "gcc",
        "extern int g(void); int PyInit_d(void) { return g(); }\n",
        "d.so",
        "-shared",
        "-fPIC",
        "-Wl,--no-as-needed",
        other,
    )
    with open(ext, "rb") as fh:
        result = audit(tmp_path, ["cp313-cp313-android_24_x86_64"], {"demo/_d.so": fh.read()})
    assert result.verdict == "cannot judge" and "libc++_shared.so" in result.reasons[-1]


@pytest.mark.parametrize(
    "abi,dll,verdict",
    [
        ("abi3", "python3.dll", "honest"),
        ("abi3", "python312.dll", "over-promises"),
        ("cp312", "python312.dll", "honest"),
    ],
)
def test_an_abi3_extension_must_import_python3_dll(tmp_path, abi, dll, verdict):
    pe = fw.pe(imports=((dll, ("PyList_New",)),))
    python = "cp39" if abi == "abi3" else "cp312"
    result = audit(tmp_path, [f"{python}-{abi}-win_amd64"], {"demo/_d.pyd": pe})
    assert result.verdict == verdict, result.blame
    if verdict != "honest":
        assert [(b.cause, b.file) for b in result.blame] == [(dll, "demo/_d.pyd")]


def test_a_universal2_file_tagged_for_one_arch_under_promises(tmp_path):
    result = audit(tmp_path, ["cp39-abi3-macosx_11_0_arm64"], {"demo/_d.abi3.so": universal()})
    assert result.verdict == "under-promises"
    assert "macosx_10_9_universal2 would do too: the files also run on x86_64" in result.reasons


def test_a_macos_wheel_does_not_load_in_a_linux_target(tmp_path):
    path = make_wheel(tmp_path, "demo", ["cp312-cp312-macosx_11_0_arm64"], {"demo/_d.so": fw.macho()})
    result = musldetect.audit(path, target=musldetect.target())
    assert result.loads is False and "cannot load in a Linux target" in result.reasons[-1]


def test_the_cli_exits_cannot_judge_for_a_wheel_it_cannot_judge(tmp_path):
    import subprocess
    import sys

    path = make_wheel(tmp_path, "demo", ["cp312-cp312-macosx_11_0_arm64"], {"demo/_d.so": fw.macho(minimum=None)})
    proc = subprocess.run([sys.executable, "-m", "musldetect", "audit", path], capture_output=True, text=True)
    assert proc.returncode == 3 and "cannot judge" in proc.stdout


def test_a_mach_o_extension_in_a_wheel_for_any_platform_over_promises(tmp_path):
    result = audit(tmp_path, ["py3-none-any"], {"demo/_d.so": fw.macho()})
    assert result.verdict == "over-promises" and (result.blame[0].tag, result.blame[0].cause) == ("any", "Mach-O")


def test_windows_launchers_in_a_wheel_for_any_platform_are_no_fault(tmp_path):
    """pip and setuptools ship distlib's t32.exe/t64.exe templates in py3-none-any wheels."""
    launchers = {
        f"demo/_vendor/{name}.exe": fw.pe(machine, exports=())
        for name, machine in (("t32", fw.MACHINE_I386), ("t64", fw.MACHINE_AMD64), ("t64-arm", fw.MACHINE_ARM64))
    }
    result = audit(tmp_path, ["py3-none-any"], launchers)
    assert result.verdict == "honest" and "no Python extension" in result.reasons[-1]


def test_an_unpacked_wheel_reads_as_the_wheel(tmp_path):
    import zipfile

    members = {
        "demo/_d.abi3.so": universal(),
        "demo/.dylibs/libz.dylib": fw.macho(filetype=fw.MH_DYLIB),
        "demo/_w.pyd": fw.pe(),
    }
    path = make_wheel(tmp_path, "demo", ["cp39-abi3-macosx_10_9_universal2"], members)
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(unpacked)
    from_wheel, from_directory = musldetect.audit(path), musldetect.audit(str(unpacked))
    assert sorted(from_wheel.images) == sorted(from_directory.images) and len(from_wheel.images) == 3
    assert (from_wheel.verdict, from_wheel.blame) == (from_directory.verdict, from_directory.blame)
    assert from_wheel.blame[0].cause == "PE"  # a PE file in a macOS wheel
