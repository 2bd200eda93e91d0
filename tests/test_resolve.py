"""resolve() against the real loaders: ldd (glibc's loader in --list mode) for every ELF
file under /usr, ld-musl's --list for the musl interpreter's files and inside an image
made of a Debian musl build; then built cases for each rule, with the loader as oracle
wherever it can run, and hostile input. The library never runs a loader; the tests do."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import musldetect

from builders import PLAIN, compile_c, library_using_plain, musl_loader_image, program_using_plain, read_bytes
from oracle import cli, corpus_manifest, find_musl_python, require_glibc_host, skip_or_fail

MUSL_LOADER = "/lib/ld-musl-x86_64.so.1"
_NAMED = re.compile(r"^\s*(\S+) => (\S+|not found)(?: \(0x[0-9a-f]+\))?\s*$")
_BARE = re.compile(r"^\s*(/\S+) \(0x[0-9a-f]+\)\s*$")


def listed(output: str):
    """({name: path or None}, {paths loaded by path: the loader, $ORIGIN/... names})."""
    named, bare = {}, set()
    for line in output.splitlines():
        match = _NAMED.match(line)
        if match:
            named[match.group(1)] = None if match.group(2) == "not found" else match.group(2)
            continue
        match = _BARE.match(line)
        if match:
            bare.add(match.group(1))
    return named, bare


def differences(result, output: str) -> list:
    named, bare = listed(output)
    ours = {lib.name: lib.path for lib in result.libraries if "/" not in lib.name}
    # The loader needed by name (libc.so.6 names ld-linux-x86-64.so.2) is ldd's bare line.
    ours = {name: path for name, path in ours.items() if not (path in bare and name not in named)}
    by_path = {lib.path for lib in result.libraries if "/" in lib.name}
    wrong = sorted(set(ours.items()) ^ set(named.items()))
    wrong += sorted(p for p in by_path if p not in bare)
    return wrong


def glibc_host():
    require_glibc_host("ldd (glibc's loader) is the oracle: it runs on the glibc host", ldd=True)


def ldd(path, env=None):
    return subprocess.run(["ldd", path], capture_output=True, text=True, env=env, timeout=60)


def usr_files():
    from elforacle import elf_files

    files = elf_files("/usr")
    return files if os.environ.get("MUSLDETECT_RESOLVE_ALL") else files[::7]


def test_every_elf_file_under_usr_resolves_as_ldd_says():
    """Each difference is a named case with its condition checked; none is left over."""
    glibc_host()
    cases = {}
    for path in usr_files():
        try:
            result = musldetect.resolve(path)
        except musldetect.ELFError as exc:
            proc = ldd(path)
            assert "not a dynamic executable" in proc.stdout + proc.stderr, (path, exc)
            cases.setdefault("malformed for both (a debug file)", []).append(path)
            continue
        if result.family == "musl" and result.arch == "x86_64" and os.path.exists(MUSL_LOADER):
            listing = subprocess.run([MUSL_LOADER, "--list", path], capture_output=True, text=True, timeout=60)
            named, _bare = listed(listing.stdout)
            assert {lib.name: lib.path for lib in result.libraries} == named, (path, listing.stdout)
            cases.setdefault("musl: same as ld-musl --list", []).append(path)
            continue
        if result.family != "glibc" or result.arch != "x86_64":
            # another arch's program (i386 valgrind tools, x32 perf helpers): its loader is not
            # installed, so ldd cannot list it; resolve() still answers from the file.
            assert result.arch in ("i686", "x32") or result.family == "musl", (path, result.arch, result.family)
            cases.setdefault(f"{result.family} {result.arch}: no loader here to compare with", []).append(path)
            continue
        proc = ldd(path)
        text = proc.stdout + proc.stderr
        if "not a dynamic executable" in text or "statically linked" in text:
            assert not result.libraries, (path, result)
            cases.setdefault("static or no dynamic section: nothing to load", []).append(path)
            continue
        assert proc.returncode in (0, 1), (path, text)
        wrong = differences(result, proc.stdout)
        assert not wrong, (path, wrong, proc.stdout)
        cases.setdefault("same libraries, same paths", []).append(path)
    print("\n".join(f"{case}: {len(paths)}" for case, paths in sorted(cases.items())))
    assert len(cases["same libraries, same paths"]) >= (1000 if os.environ.get("MUSLDETECT_RESOLVE_ALL") else 150)


def test_musl_interpreter_files_resolve_as_ld_musl_list_says():
    musl_python = find_musl_python()
    if musl_python is None or not os.path.exists(MUSL_LOADER):
        skip_or_fail("the musl interpreter and /lib/ld-musl-x86_64.so.1 are needed (tests/musl/build-python.sh)")
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(musl_python)))
    files = [os.path.realpath(musl_python)] + sorted(
        glob.glob(os.path.join(prefix, "lib", "python3*", "lib-dynload", "*.so"))
    )
    assert len(files) > 20
    for path in files:
        result = musldetect.resolve(path)
        assert result.family == "musl" and result.loads, (path, result.reason)
        proc = subprocess.run([MUSL_LOADER, "--list", path], capture_output=True, text=True, timeout=60)
        named, _bare = listed(proc.stdout)
        ours = {lib.name: lib.path for lib in result.libraries}
        assert ours == named, (path, ours, named)


@pytest.mark.parametrize("path_file", ["/usr/lib\n/opt/lib\n", "/usr/lib:/opt/lib", "/nowhere\n"])
def test_musl_image_resolves_as_its_loader_lists_it(tmp_path, path_file):
    root = musl_loader_image(tmp_path, path_file)
    result = musldetect.resolve("/bin/prog", root=root)
    assert result.family == "musl"
    assert result.loads == ("/opt/lib" in path_file)
    if os.geteuid() != 0:
        pytest.skip("chroot (to run the image's own loader as the oracle) needs root")
    proc = subprocess.run(
        ["chroot", str(root), "/lib/ld-musl-x86_64.so.1", "--list", "/bin/prog"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    named, _bare = listed(proc.stdout + proc.stderr.replace("Error loading shared library ", "\t"))
    ours = {lib.name: lib.path for lib in result.libraries}
    if result.loads:
        assert ours == named, (ours, proc.stdout, proc.stderr)
    else:
        assert "libplain.so" in proc.stderr and ours["libplain.so"] is None
        assert [m.name for m in result.missing] == ["libplain.so"]


# -- built cases, ldd as the oracle -------------------------------------------------------


def test_missing_library(tmp_path):
    glibc_host()
    compile_c(tmp_path, "gcc", PLAIN, "libgone.so", "-shared", "-fPIC")
    program = program_using_plain(tmp_path, f"-L{tmp_path}", "-lgone")
    os.remove(tmp_path / "libgone.so")
    result = musldetect.resolve(program)
    assert not result.loads and [m.name for m in result.missing] == ["libgone.so"]
    assert "/lib/x86_64-linux-gnu" in result.missing[0].searched
    assert listed(ldd(program).stdout)[0]["libgone.so"] is None
    assert not differences(result, ldd(program).stdout)


def test_version_the_library_does_not_define(tmp_path):
    """A program linked against libv.so's GLIBC_2.99 (a version script), run against a libv.so
    that defines only OTHER_1: the loader refuses it, and so does resolve()."""
    glibc_host()
    (tmp_path / "new.map").write_text("GLIBC_2.99 { global: twice; local: *; };\n")
    (tmp_path / "old.map").write_text("OTHER_1 { global: twice; local: *; };\n")
    compile_c(tmp_path, "gcc", PLAIN, "libv.so", "-shared", "-fPIC", f"-Wl,--version-script={tmp_path}/new.map")
    program = program_using_plain(tmp_path, f"-L{tmp_path}", "-lv", f"-Wl,-rpath,{tmp_path}")
    assert musldetect.resolve(program).loads
    compile_c(tmp_path, "gcc", PLAIN, "libv.so", "-shared", "-fPIC", f"-Wl,--version-script={tmp_path}/old.map")
    result = musldetect.resolve(program)
    assert not result.loads and not result.missing
    assert [(v.library, v.version, v.needed_by) for v in result.missing_versions] == [
        ("libv.so", "GLIBC_2.99", program)
    ]
    assert "version `GLIBC_2.99' not found" in ldd(program).stdout + ldd(program).stderr


def test_wrong_arch_library_earlier_in_the_path_is_skipped(tmp_path):
    glibc_host()
    foreign = [r for r in corpus_manifest() if r["pkg"] == "libc6" and r["arch"] == "arm64"]
    if not foreign:
        skip_or_fail("no arm64 glibc in the corpus (tests/musl/fetch-corpus.sh)")
    (arm_libm,) = glob.glob(os.path.join(foreign[0]["dir"], "**", "libm.so.6"), recursive=True)[:1]
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    shutil.copy(arm_libm, first / "libplain.so")
    compile_c(second, "gcc", PLAIN, "libplain.so", "-shared", "-fPIC")
    program = program_using_plain(
        tmp_path, f"-L{second}", "-lplain", "-Wl,--disable-new-dtags", f"-Wl,-rpath,{first}:{second}"
    )
    result = musldetect.resolve(program)
    assert result.loads and {lib.name: lib.path for lib in result.libraries}["libplain.so"] == str(
        second / "libplain.so"
    )
    assert [(m.candidate, m.reason) for m in result.mismatched] == [(str(first / "libplain.so"), "machine 183, not 62")]
    assert not differences(result, ldd(program).stdout)


@pytest.mark.parametrize("dtags", ["--disable-new-dtags", "--enable-new-dtags"])
def test_rpath_and_runpath_against_ld_library_path(tmp_path, dtags):
    """RPATH comes before LD_LIBRARY_PATH, RUNPATH after it: the same program finds a
    different copy depending on which one it carries."""
    glibc_host()
    mine, env_dir = tmp_path / "mine", tmp_path / "env"
    for directory in (mine, env_dir):
        directory.mkdir()
        compile_c(directory, "gcc", PLAIN, "libplain.so", "-shared", "-fPIC")
    program = program_using_plain(tmp_path, f"-L{mine}", "-lplain", f"-Wl,{dtags}", f"-Wl,-rpath,{mine}")
    env = dict(os.environ, LD_LIBRARY_PATH=str(env_dir))
    code = (
        "import json, sys, musldetect; r = musldetect.resolve(sys.argv[1]); "
        "print(json.dumps({l.name: l.path for l in r.libraries}))"
    )
    found = json.loads(
        subprocess.run(
            [sys.executable, "-c", code, program], capture_output=True, text=True, env=env, check=True
        ).stdout
    )
    expected = mine if dtags == "--disable-new-dtags" else env_dir
    assert found["libplain.so"] == str(expected / "libplain.so")
    assert listed(ldd(program, env=env).stdout)[0]["libplain.so"] == str(expected / "libplain.so")


@pytest.mark.parametrize("library_dtags,found", [("--disable-new-dtags", True), ("--enable-new-dtags", False)])
def test_a_library_with_runpath_does_not_borrow_its_loaders_rpath(tmp_path, library_dtags, found):
    """prog (RPATH a/) -> libmid (RPATH or RUNPATH elsewhere) -> libplain, which only a/ holds:
    glibc lends the program's RPATH to libmid only when libmid has no RUNPATH of its own."""
    glibc_host()
    lend, elsewhere = tmp_path / "a", tmp_path / "elsewhere"
    lend.mkdir()
    elsewhere.mkdir()
    compile_c(lend, "gcc", PLAIN, "libplain.so", "-shared", "-fPIC")
    compile_c(
        lend,
        "gcc",
        "int twice(int);\nint mid(int x) { return twice(x); }\n",
        "libmid.so",
        "-shared",
        "-fPIC",
        "-Wl,--no-as-needed",
        f"-L{lend}",
        "-lplain",
        f"-Wl,{library_dtags}",
        f"-Wl,-rpath,{elsewhere}",
    )
    program = compile_c(
        tmp_path,
        "gcc",
        "int mid(int);\nint main(void) { return mid(1) - 2; }\n",
        "prog",
        "-Wl,--no-as-needed",
        f"-L{lend}",
        "-lmid",
        "-Wl,--disable-new-dtags",
        f"-Wl,-rpath,{lend}",
    )
    result = musldetect.resolve(program)
    assert result.loads == found
    assert not differences(result, ldd(program).stdout)


def test_origin_inside_an_unpacked_wheel(tmp_path):
    glibc_host()
    libs = tmp_path / "pkg.libs"
    libs.mkdir()
    compile_c(libs, "gcc", PLAIN, "libplain-1234abcd.so", "-shared", "-fPIC", "-Wl,-soname,libplain-1234abcd.so")
    (tmp_path / "pkg").mkdir()
    module = library_using_plain(
        tmp_path / "pkg",
        "_four.so",
        f"-L{libs}",
        "-lplain-1234abcd",
        "-Wl,-rpath,$ORIGIN/../pkg.libs",
    )
    result = musldetect.resolve(module)
    plain = next(lib for lib in result.libraries if lib.name == "libplain-1234abcd.so")
    assert result.loads and plain.how.startswith("RUNPATH")
    assert plain.path == os.path.join(os.path.dirname(module), "../pkg.libs", "libplain-1234abcd.so")
    assert not differences(result, ldd(module).stdout)


def test_origin_of_a_program_started_through_a_link_is_its_real_directory(tmp_path):
    """The kernel runs the file a link names, and the loader takes the program's $ORIGIN
    from /proc/self/exe, every link resolved; ldd, which runs the loader on the path given,
    takes it from the link's directory and gets it wrong. The oracle is the program run."""
    glibc_host()
    (tmp_path / "real" / "bin").mkdir(parents=True)
    (tmp_path / "real" / "lib").mkdir()
    (tmp_path / "links").mkdir()
    compile_c(tmp_path / "real" / "lib", "gcc", PLAIN, "libplain.so", "-shared", "-fPIC", "-Wl,-soname,libplain.so")
    program = program_using_plain(
        tmp_path / "real" / "bin", f"-L{tmp_path / 'real' / 'lib'}", "-lplain", "-Wl,-rpath,$ORIGIN/../lib"
    )
    link = tmp_path / "links" / "prog"
    link.symlink_to(program)
    assert subprocess.run([str(link)], timeout=60).returncode == 0  # it starts, and finds libplain
    result = musldetect.resolve(str(link))
    plain = next(lib for lib in result.libraries if lib.name == "libplain.so")
    assert result.loads and os.path.realpath(plain.path) == str(tmp_path / "real" / "lib" / "libplain.so")
    assert "libplain.so => not found" in ldd(str(link)).stdout  # ldd's answer differs: the known case


def test_origin_of_a_library_dlopened_through_a_link_is_the_links_directory(tmp_path):
    """dlopen takes a library's $ORIGIN from the path it was given, links not followed:
    through a link in another directory, the RUNPATH $ORIGIN/../lib of the real file does
    not reach its dependency. The oracle is the real dlopen (ctypes in a fresh process)."""
    glibc_host()
    for directory in ("real/pkg", "real/lib", "links/pkg"):
        (tmp_path / directory).mkdir(parents=True)
    compile_c(tmp_path / "real" / "lib", "gcc", PLAIN, "libplain.so", "-shared", "-fPIC", "-Wl,-soname,libplain.so")
    top = library_using_plain(
        tmp_path / "real" / "pkg",
        "_top.so",
        f"-L{tmp_path / 'real' / 'lib'}",
        "-lplain",
        "-Wl,-rpath,$ORIGIN/../lib",
    )
    link = tmp_path / "links" / "pkg" / "_top.so"
    link.symlink_to("../../real/pkg/_top.so")  # relative: it resolves inside an image too

    def dlopen(path) -> int:
        code = f"import ctypes; ctypes.CDLL({str(path)!r})"
        return subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60).returncode

    assert dlopen(top) == 0 and dlopen(link) != 0
    assert musldetect.resolve(top).loads is True
    through_link = musldetect.resolve(str(link))
    assert through_link.loads is False and [m.name for m in through_link.missing] == ["libplain.so"]
    # The same inside an image: the link's directory, not the real file's (no C library there).
    in_image = musldetect.resolve("/links/pkg/_top.so", root=str(tmp_path))
    assert "libplain.so" in [m.name for m in in_image.missing]
    assert "libplain.so" not in [m.name for m in musldetect.resolve("/real/pkg/_top.so", root=str(tmp_path)).missing]


def test_old_format_cache_written_by_ldconfig(tmp_path):
    """An image whose cache the real ldconfig wrote in the old format; ldconfig -p reads
    it back as the oracle for the parser."""
    if not shutil.which("ldconfig") and not os.path.exists("/sbin/ldconfig"):
        skip_or_fail("ldconfig is missing")
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    root = tmp_path / "img"
    for directory in ("etc", "opt/x", "bin"):
        (root / directory).mkdir(parents=True)
    compile_c(tmp_path, "gcc", PLAIN, "libplain.so", "-shared", "-fPIC", "-Wl,-soname,libplain.so")
    shutil.copy(tmp_path / "libplain.so", root / "opt" / "x" / "libplain.so")
    (root / "etc" / "ld.so.conf").write_text("/opt/x\n")
    made = subprocess.run([ldconfig, "-r", str(root), "-c", "old"], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"this ldconfig cannot write the old format: {made.stderr.strip()}")
    data = read_bytes(root / "etc" / "ld.so.cache")
    assert data.startswith(b"ld.so-1.7.0")
    from musldetect._loader import _ldcache

    parsed = _ldcache.parse(data)
    assert "old" in parsed.note and parsed.entries["libplain.so"][0].path == "/opt/x/libplain.so"
    printed = subprocess.run([ldconfig, "-r", str(root), "-p"], capture_output=True, text=True).stdout
    assert "libplain.so (libc6,x86-64) => /opt/x/libplain.so" in printed
    program_using_plain(tmp_path, f"-L{tmp_path}", "-lplain")
    shutil.copy(tmp_path / "prog", root / "bin" / "prog")
    result = musldetect.resolve("/bin/prog", root=root)
    plain = next(lib for lib in result.libraries if lib.name == "libplain.so")
    assert (plain.path, plain.how) == ("/opt/x/libplain.so", "ld.so.cache")


def test_cache_pointing_outside_the_image_is_read_inside_it(tmp_path):
    from musldetect._loader import _ldcache

    from rootfs_harness import Recorder

    outside = tmp_path / "outside"
    outside.mkdir()
    compile_c(outside, "gcc", PLAIN, "libplain.so", "-shared", "-fPIC")
    root = tmp_path / "img"
    for directory in ("etc", "bin"):
        (root / directory).mkdir(parents=True)
    (root / "etc" / "ld.so.cache").write_bytes(_ldcache.write([("libplain.so", str(outside / "libplain.so"), 0x0303)]))
    (root / "etc" / "ld.so.conf").write_text(f"include {outside}/*\n{outside}\n")
    program_using_plain(tmp_path, f"-L{outside}", "-lplain")
    shutil.copy(tmp_path / "prog", root / "bin" / "prog")
    with Recorder(str(root)) as recorder:
        result = musldetect.resolve("/bin/prog", root=root)
    assert not recorder.escapes, recorder.escapes
    missing = {m.name: m for m in result.missing}
    # The cache's path is taken inside the image, where nothing lies: not found, nothing opened outside.
    assert f"ld.so.cache: {outside}/libplain.so" in missing["libplain.so"].searched


# -- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "garbage", "huge-count", "bad-offset"])
def test_malformed_cache_is_ignored_with_a_note(tmp_path, damage):
    from musldetect._loader import _ldcache

    good = _ldcache.write([("libplain.so", "/opt/libplain.so", 0x0303)])
    far = (10**9).to_bytes(4, "little")
    data = {
        "truncated": good[:40],
        "garbage": b"\xff" * 200,
        "huge-count": good[:20] + (0xFFFFFFF).to_bytes(4, "little") + good[24:],
        "bad-offset": good[:48] + (0x0303).to_bytes(4, "little") + far + good[56:],
    }[damage]
    parsed = _ldcache.parse(data)
    assert parsed.entries == {} and "ignored" in parsed.note


def test_needed_cycle(tmp_path):
    glibc_host()
    compile_c(
        tmp_path,
        "gcc",
        "int b(void);\nint a(void) { return 1; }\n",
        "liba.so",
        "-shared",
        "-fPIC",
        "-Wl,-soname,liba.so",
    )
    compile_c(
        tmp_path,
        "gcc",
        "int a(void);\nint b(void) { return a(); }\n",
        "libb.so",
        "-shared",
        "-fPIC",
        "-Wl,--no-as-needed",
        f"-L{tmp_path}",
        "-la",
        "-Wl,-soname,libb.so",
        f"-Wl,-rpath,{tmp_path}",
    )
    compile_c(
        tmp_path,
        "gcc",
        "int b(void);\nint a(void) { return b(); }\n",
        "liba.so",
        "-shared",
        "-fPIC",
        "-Wl,--no-as-needed",
        f"-L{tmp_path}",
        "-lb",
        "-Wl,-soname,liba.so",
        f"-Wl,-rpath,{tmp_path}",
    )
    result = musldetect.resolve(str(tmp_path / "liba.so"))
    assert result.loads and [lib.name for lib in result.libraries if lib.name.startswith("lib")][:2] == [
        "libb.so",
        "libc.so.6",
    ]
    assert not differences(result, ldd(str(tmp_path / "liba.so")).stdout)


def chain_library(index: int, last: int) -> bytes:
    """libchain<index>.so, needing libchain<index+1>.so (the last one needs nothing)."""
    import elfwriter as w

    own = f"libchain{index}.so".encode()
    strtab = b"\x00" + own + b"\x00" + (f"libchain{index + 1}.so".encode() + b"\x00" if index < last else b"")
    needed = [(1, len(own) + 2)] if index < last else []
    strtab_at = 64 + 56 * 2  # after the ELF header and two program headers
    dynamic = w.dynamic([(5, strtab_at), (10, len(strtab)), (14, 1)] + needed)
    return w.build([w.Seg(w.PT_LOAD, strtab), w.Seg(w.PT_DYNAMIC, dynamic)])


def test_a_thousand_library_chain_is_bounded_work(tmp_path):
    """1,000 libraries each needing the next, in RPATH-less directories of an image: every
    one found through the path file, in order, and nothing else read."""
    root = tmp_path / "img"
    (root / "lib").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "etc" / "ld-musl-x86_64.path").write_text("/lib\n")
    for index in range(1000):
        (root / "lib" / f"libchain{index}.so").write_bytes(chain_library(index, 999))
    import elfwriter as w

    (root / "lib" / "ld-musl-x86_64.so.1").write_bytes(w.musl_loader(b"1.2.4"))
    result = musldetect.resolve("/lib/libchain0.so", root=root)
    assert result.loads and [lib.name for lib in result.libraries] == [f"libchain{i}.so" for i in range(1, 1000)]


@pytest.mark.parametrize("damage", ["truncated", "text", "other-class", "dangling-link"])
def test_a_bad_copy_earlier_in_the_path(tmp_path, damage):
    """What glibc's loader does with a bad candidate before the good one: another class is
    passed over, a missing file too; a file it cannot map (truncated, not ELF) stops it
    with an error. The loader (ldd) is the oracle for each."""
    glibc_host()
    bad, good = tmp_path / "bad", tmp_path / "good"
    bad.mkdir()
    good.mkdir()
    compile_c(good, "gcc", PLAIN, "libplain.so", "-shared", "-fPIC")
    data = read_bytes(good / "libplain.so")
    if damage == "truncated":
        (bad / "libplain.so").write_bytes(data[:100])
    elif damage == "text":
        (bad / "libplain.so").write_bytes(b"GROUP ( libc.so.6 )\n" * 100)
    elif damage == "other-class":
        (bad / "libplain.so").write_bytes(data[:4] + b"\x01" + data[5:])
    else:
        (bad / "libplain.so").symlink_to(tmp_path / "nowhere")
    program = program_using_plain(
        tmp_path, f"-L{good}", "-lplain", "-Wl,--disable-new-dtags", f"-Wl,-rpath,{bad}:{good}"
    )
    result = musldetect.resolve(program)
    oracle = ldd(program)
    passed_over = damage in ("other-class", "dangling-link")
    assert result.loads == passed_over == (oracle.returncode == 0), (result.reason, oracle.stdout)
    if passed_over:
        assert not differences(result, oracle.stdout)
        assert [m.candidate for m in result.mismatched] == (
            [str(bad / "libplain.so")] if damage == "other-class" else []
        )
    else:
        assert str(bad / "libplain.so") in oracle.stdout + oracle.stderr
        assert [m.name for m in result.missing] == ["libplain.so"]
        assert f"the loader stops at {bad / 'libplain.so'}" in result.libraries[0].how


def test_path_file_full_of_junk(tmp_path):
    root = musl_loader_image(tmp_path, "\x00\xff::\n\n:/opt/lib\x00junk\n" + "x" * 5000)
    result = musldetect.resolve("/bin/prog", root=root)
    # musl reads the file as a C string: nothing before the first NUL names a directory.
    assert result.family == "musl" and [m.name for m in result.missing] == ["libplain.so"]


# -- the command ----------------------------------------------------------------------------


def test_cli_exit_codes(tmp_path):
    def run(*args):
        return cli("resolve", *args)

    assert run(sys.executable).returncode == 0
    compile_c(tmp_path, "gcc", PLAIN, "libgone.so", "-shared", "-fPIC")
    program = program_using_plain(tmp_path, f"-L{tmp_path}", "-lgone")
    os.remove(tmp_path / "libgone.so")
    proc = run(program)
    assert proc.returncode == 1 and "libgone.so" in proc.stdout
    data = json.loads(run(program, "--json").stdout)
    assert data["loads"] is False and data["missing"][0]["name"] == "libgone.so"
    (tmp_path / "junk").write_bytes(b"not elf")
    proc = run(str(tmp_path / "junk"))
    assert proc.returncode == 3 and "junk" in proc.stderr


# -- audit(target=): would a wheel's binaries load there ------------------------------------


def _musl_wheel(tmp_path):
    """A musl extension needing its own vendored library through RPATH $ORIGIN/../pkg.libs."""
    from builders import make_wheel

    build = tmp_path / "build"
    build.mkdir()
    compile_c(build, "musl-gcc", PLAIN, "libplain.so", "-shared", "-fPIC")
    module = library_using_plain(
        build,
        "_four.so",
        f"-L{build}",
        "-lplain",
        "-Wl,--disable-new-dtags",
        "-Wl,-rpath,$ORIGIN/../pkg.libs",
        compiler="musl-gcc",
    )
    return make_wheel(
        tmp_path,
        "four",
        ["cp312-cp312-musllinux_1_1_x86_64"],
        {"pkg/_four.so": read_bytes(module), "pkg.libs/libplain.so": read_bytes(build / "libplain.so")},
    )


def test_audit_resolves_a_wheel_inside_an_image(tmp_path):
    wheel = _musl_wheel(tmp_path)
    image = musl_loader_image(tmp_path, "/usr/lib\n")
    result = musldetect.audit(wheel, target=str(image))
    assert result.target == f"root:{image}" and result.loads is True
    ((entry, found),) = result.resolutions
    assert entry == "pkg/_four.so"
    paths = {lib.name: (lib.path, lib.how) for lib in found.libraries}
    assert os.path.normpath(paths["libplain.so"][0]) == "pkg.libs/libplain.so"  # as in the wheel
    assert paths["libc.so"] == ("/lib/ld-musl-x86_64.so.1", "the musl loader itself")
    # The same wheel in an image without a musl loader: libc.so is nowhere.
    empty = tmp_path / "empty"
    (empty / "lib").mkdir(parents=True)
    result = musldetect.audit(wheel, target=str(empty))
    assert result.loads is False
    assert {m.name for _entry, found in result.resolutions for m in found.missing} == {"libc.so"}


def test_audit_resolves_a_wheel_on_this_system(tmp_path):
    glibc_host()
    from builders import make_wheel

    module = compile_c(
        tmp_path,
        "g++",
        '#include <string>\nextern "C" int n(const char *s) { return (int)std::string(s).size(); }\n',
        "_n.so",
        "-shared",
        "-fPIC",
        suffix=".cpp",
    )
    wheel = make_wheel(tmp_path, "n", ["cp312-cp312-manylinux_2_28_x86_64"], {"n/_n.so": read_bytes(module)})
    here = musldetect.audit(wheel, target=musldetect.target())
    assert here.target.startswith(f"this interpreter ({sys.executable}: glibc ") and here.loads is True
    (found,) = [found for _entry, found in here.resolutions]
    assert {lib.name for lib in found.libraries} >= {"libstdc++.so.6", "libc.so.6"}
    with pytest.raises(ValueError, match="no files"):
        musldetect.audit(wheel, target=musldetect.target(platform="manylinux_2_28_x86_64"))


def test_what_a_sweep_remembers_is_bounded(monkeypatch):
    """Files' facts are remembered across resolutions, never more than the bound (all are
    forgotten at once when it is reached), and the bound never changes an answer."""
    from musldetect._loader import _resolve

    memo = _resolve._Memo(2)
    for key in range(5):
        memo.put(key, str(key))
        assert len(memo) <= 2 and memo.get(key) == str(key)
    assert memo.get(0) is None
    roomy = musldetect.resolve(sys.executable)
    for name in ("_FACTS", "_KINDS", "_SYSTEM", "_CACHES"):
        monkeypatch.setattr(_resolve, name, _resolve._Memo(1))
    tight = musldetect.resolve(sys.executable)
    assert tight == roomy and len(_resolve._FACTS) == 1
