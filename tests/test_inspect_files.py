"""inspect() on real files compiled in the test run, checked against pyelftools.

Each file is built the way people build the objects they ask about: programs (dynamic,
-static, -static-pie), shared libraries, object files, a library needing a recent glibc
symbol, libraries that quote the other C library's banner, truncated heads of programs
(packaging keeps such files as test data), a file over 100 MiB, an unpacked image.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

import musldetect

import elforacle
import elfwriter as w
from builders import compile_c, read_bytes
from oracle import host_glibc_version, loader_banner_version, require_glibc_host, skip_or_fail

HELLO = "#include <stdio.h>\n#include <string.h>\nint main(int c, char **v) { puts(strerror(c)); return 0; }\n"
RECENT_GLIBC = (
    "#include <stdlib.h>\n#include <sys/random.h>\n"
    "unsigned draw(void) { unsigned x = 0; getrandom(&x, sizeof x, 0); return x; }\n"
    "void *grow(void *p, size_t n) { return reallocarray(p, n, 8); }\n"
)
QUOTES_MUSL = (
    "#include <stdio.h>\n"
    'void banner(void) { puts("musl libc (x86_64)\\nVersion 1.2.3\\nDynamic Program Loader\\n"); }\n'
)
QUOTES_GLIBC = (
    'const char *banner(void) { return "GNU C Library (Debian GLIBC 2.99-1) stable release version 2.99.\\n'
    'ld.so (Debian GLIBC 2.99) stable release version 2.99"; }\n'
)
IMPORTS_QSORT_R = (
    "#define _GNU_SOURCE\n#include <stdlib.h>\n"
    "static int cmp(const void *a, const void *b, void *c) { return 0; }\n"
    "void sort(int *v, size_t n) { qsort_r(v, n, sizeof *v, cmp, 0); }\n"
)


def on_glibc_host() -> None:
    require_glibc_host("these files are built with the host's gcc against glibc; this interpreter is not on glibc")


def test_glibc_program_and_what_it_requires(tmp_path):
    on_glibc_host()
    program = compile_c(tmp_path, "gcc", HELLO, "hello")
    info = musldetect.inspect(program)
    facts = elforacle.facts(program)
    assert (info.family, info.version_string, info.interpreter, info.static) == (
        "glibc",
        host_glibc_version(),
        facts.interp,
        False,
    )
    assert info.requires == max(facts.glibc_needs)


def test_library_needing_a_recent_glibc_symbol(tmp_path):
    on_glibc_host()
    script = tmp_path / "vers.map"
    script.write_text("LIBDRAW_1.0 { global: draw; grow; local: *; };\n")
    library = compile_c(
        tmp_path, "gcc", RECENT_GLIBC, "libdraw.so", "-shared", "-fPIC", f"-Wl,--version-script={script}"
    )
    info = musldetect.inspect(library)
    facts = elforacle.facts(library)
    # reallocarray is GLIBC_2.26, getrandom GLIBC_2.25: the highest need decides.
    assert max(facts.glibc_needs) >= (2, 26)
    assert (info.family, info.version, info.requires) == ("glibc", None, max(facts.glibc_needs))
    assert "libc.so.6" in info.reason


def test_glibc_library_quoting_musls_banner_is_glibc(tmp_path):
    on_glibc_host()
    library = compile_c(tmp_path, "gcc", QUOTES_MUSL, "libquote.so", "-shared", "-fPIC")
    assert b"musl libc (x86_64)" in read_bytes(library)
    info = musldetect.inspect(library)
    assert (info.family, info.version, info.version_string) == ("glibc", None, None), info


def test_library_without_a_c_library(tmp_path):
    library = compile_c(
        tmp_path, "gcc", "int twice(int x) { return 2 * x; }\n", "libplain.so", "-shared", "-fPIC", "-nostdlib"
    )
    assert not elforacle.facts(library).needed
    info = musldetect.inspect(library)
    assert (info.family, info.static, info.requires) == (None, False, None) and "no DT_NEEDED" in info.reason


def test_musl_library_quoting_glibcs_banner_is_musl(tmp_path):
    library = compile_c(tmp_path, "musl-gcc", QUOTES_GLIBC + IMPORTS_QSORT_R, "libquote.so", "-shared", "-fPIC")
    assert b"ld.so (" in read_bytes(library)
    info = musldetect.inspect(library)
    facts = elforacle.facts(library)
    assert "qsort_r" in facts.imports
    # qsort_r first appeared in musl 1.2.3: the library loads on nothing older.
    assert (info.family, info.version, info.requires) == ("musl", None, (1, 2, 3)), info


def test_musl_program_follows_its_loader_and_requires(tmp_path):
    program = compile_c(tmp_path, "musl-gcc", HELLO + IMPORTS_QSORT_R, "hello")
    info = musldetect.inspect(program)
    facts = elforacle.facts(program)
    assert (info.family, info.interpreter, info.static) == ("musl", facts.interp, False)
    assert info.version_string == loader_banner_version(info.path)
    assert info.requires == (1, 2, 3)


@pytest.mark.parametrize(
    "compiler,flags,family",
    [
        ("gcc", ["-static"], "glibc"),
        ("gcc", ["-static-pie"], "glibc"),
        ("musl-gcc", ["-static"], "musl"),
    ],
)
def test_static_programs(tmp_path, compiler, flags, family):
    program = compile_c(tmp_path, compiler, HELLO, "hello-static", *flags)
    facts = elforacle.facts(program)
    assert facts.interp is None and not facts.needed
    info = musldetect.inspect(program)
    assert (info.family, info.static, info.version, info.requires) == (family, True, None, None), info
    assert "static" in info.reason


def test_static_musl_program_larger_than_32_mib(tmp_path):
    """A static program whose read-only data puts musl's marks past 32 MiB (a large Rust
    command in a wheel): still found, by reading the file by offset."""
    big = "const char padding[40 << 20] = {1};\n" + HELLO.replace("puts(strerror(c))", "puts(strerror(c + padding[c]))")
    program = compile_c(tmp_path, "musl-gcc", big, "big", "-static")
    assert os.path.getsize(program) > 40 << 20
    with open(program, "rb") as fh:
        assert fh.read().find(b"Illegal byte sequence") > 32 << 20  # the marks lie beyond the old limit
    info = musldetect.inspect(program)
    assert (info.family, info.static) == ("musl", True), info.reason


def test_static_program_without_marks_is_not_guessed(tmp_path):
    program = compile_c(tmp_path, "musl-gcc", "int main(void) { return 0; }\n", "tiny", "-static")
    info = musldetect.inspect(program)
    assert (info.family, info.static) == (None, True) and "no C library found" in info.reason


def test_object_file_is_an_error(tmp_path):
    obj = compile_c(tmp_path, "gcc", HELLO, "hello.o", "-c")
    assert elforacle.facts(obj).etype == "ET_REL"
    with pytest.raises(musldetect.ELFError, match="ET_REL"):
        musldetect.inspect(obj)


def test_our_own_extension_is_a_glibc_or_musl_library():
    """musldetect's own extension quotes both banners in its code: it is not a C library."""
    native = pytest.importorskip("musldetect._native", reason="the extension is not built")
    info = musldetect.inspect(native.__file__)
    facts = elforacle.facts(native.__file__)
    expected = "musl" if any(n == "libc.so" or n.startswith("libc.musl-") for n in facts.needed) else "glibc"
    assert (info.family, info.version) == (expected, None), info
    if expected == "glibc":
        assert info.requires == max(facts.glibc_needs)


VALGRIND_TOOLS = "/usr/libexec/valgrind"


def test_valgrinds_static_tools_have_no_c_library():
    names = os.listdir(VALGRIND_TOOLS) if os.path.isdir(VALGRIND_TOOLS) else []
    tools = [os.path.join(VALGRIND_TOOLS, n) for n in names]
    tools = [t for t in tools if os.path.isfile(t) and read_bytes(t)[:4] == b"\x7fELF"]
    if not tools:
        skip_or_fail("valgrind is not installed (apt-get install valgrind)")
    checked = 0
    for tool in tools:
        facts = elforacle.facts(tool)
        if facts.interp is not None or facts.needed:
            continue
        info = musldetect.inspect(tool)
        # The tools are static programs; the vgpreload libraries link nothing at all.
        assert (info.family, info.static) == (None, facts.etype == "ET_EXEC"), (tool, info)
        checked += facts.etype == "ET_EXEC"
    assert checked >= 2


@pytest.mark.parametrize(
    "compiler,family,interp_prefix", [("gcc", "glibc", "/lib64/ld-linux"), ("musl-gcc", "musl", "/lib/ld-musl-")]
)
def test_truncated_heads_of_real_programs(tmp_path, compiler, family, interp_prefix):
    """packaging keeps the first 1024 bytes of hello-world programs as test data."""
    program = compile_c(tmp_path, compiler, HELLO, "hello")
    head = tmp_path / "hello-head"
    head.write_bytes(read_bytes(program)[:1024])
    info = musldetect.inspect(str(head), root=str(tmp_path))  # the loader is not in this root
    assert (info.family, info.version, info.arch) == (family, None, "x86_64"), info
    assert info.interpreter.startswith(interp_prefix) and "truncated" in info.reason


@pytest.mark.parametrize(
    "machine,bits,order,flags,interp,family,arch",
    [
        (w.EM_AARCH64, 64, "<", 0, b"/lib/ld-musl-aarch64.so.1", "musl", "aarch64"),
        (w.EM_386, 32, "<", 0, b"/lib/ld-musl-i386.so.1", "musl", "i686"),
        (w.EM_ARM, 32, "<", 0x05000400, b"/lib/ld-linux-armhf.so.3", "glibc", "armv7l"),
        (w.EM_S390, 64, ">", 0, b"/lib/ld64.so.1", "glibc", "s390x"),
    ],
)
def test_truncated_heads_of_other_architectures(tmp_path, machine, bits, order, flags, interp, family, arch):
    full = w.build(
        [
            w.Seg(w.PT_INTERP, interp + b"\x00"),
            w.Seg(w.PT_LOAD, bytes(4096), w.PF_R | w.PF_X),
            w.Seg(w.PT_DYNAMIC, w.dynamic([(1, 1)], bits=bits, byteorder=order), w.PF_R | w.PF_W),
        ],
        bits=bits,
        byteorder=order,
        machine=machine,
        flags=flags,
        etype=w.ET_DYN,
    )
    head = tmp_path / "head"
    head.write_bytes(full[:1024])
    info = musldetect.inspect(str(head))
    assert (info.family, info.version, info.arch, info.interpreter) == (family, None, arch, interp.decode())
    assert "truncated" in info.reason


def test_file_over_100_mib(tmp_path):
    """A valid library larger than any one read may take: only its headers are read."""
    on_glibc_host()
    source = "const char big[110 << 20] = {1};\nconst char *first(void) { return big; }\n" + RECENT_GLIBC
    library = compile_c(tmp_path, "gcc", source, "libbig.so", "-shared", "-fPIC")
    if shutil.which("fallocate"):
        subprocess.run(["fallocate", "--dig-holes", library], check=False)
    assert os.path.getsize(library) > 100 << 20
    info = musldetect.inspect(library)
    assert (info.family, info.requires) == ("glibc", max(elforacle.facts(library).glibc_needs))


def test_image_with_absolute_symlinks_stays_inside_root(tmp_path):
    """bin/sh -> /bin/ls in an unpacked image is the image's ls, never the host's."""
    musl_loader = "/lib/ld-musl-x86_64.so.1"
    if not os.path.exists(musl_loader):
        skip_or_fail(f"{musl_loader} is missing (apt-get install musl)")
    program = compile_c(tmp_path, "musl-gcc", HELLO, "hello")
    root = tmp_path / "image"
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    shutil.copy(program, root / "bin" / "ls")
    shutil.copy(os.path.realpath(musl_loader), root / "lib" / "libc.musl-x86_64.so.1")
    os.symlink("/lib/libc.musl-x86_64.so.1", root / "lib" / "ld-musl-x86_64.so.1")
    os.symlink("/bin/ls", root / "bin" / "sh")
    os.symlink("/bin/sh", root / "bin" / "ash")
    for given in ("/bin/sh", "bin/ash", str(root / "bin" / "sh")):
        info = musldetect.inspect(given, root=str(root))
        assert info.family == "musl" and info.path == str(root / "lib" / "libc.musl-x86_64.so.1"), (given, info)
        assert info.version_string == loader_banner_version(musl_loader)
    with pytest.raises(FileNotFoundError):
        musldetect.inspect("/usr/bin/env", root=str(root))  # present on the host, not in the image
