"""The whole tag on wheels built in the run with the host's gcc: one wheel per rule of the
python, ABI and ISA parts and the executable-stack refusal, each against its oracle where
one exists (abi3audit for the stable ABI, auditwheel 6.8 for the ISA level).

The extensions declare the CPython functions they call by hand (no Python.h needed): what
the audit reads is the binary's undefined symbols and its exported PyInit_*, exactly what
a real extension leaves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from test_audit import glibc_host

import musldetect

from builders import compile_c, make_wheel, read_bytes
from oracle import auditwheel_tag, running_on_musl

X86 = "x86_64"
DECLARE = "typedef struct _object PyObject;\n"


def module(calls, init="_m"):
    """A C extension that exports PyInit_<init> and calls ``calls`` (name -> argument list)."""
    lines = [DECLARE] + [f"extern PyObject *{name}({args});\n" for name, args in calls.items()]
    body = " ".join(f"{name}({', '.join('0' for a in args.split(',') if a.strip())});" for name, args in calls.items())
    lines.append(f"PyObject *PyInit_{init}(void) {{ {body} return 0; }}\n")
    return "".join(lines)


def build(tmp_path, source, name, *flags, suffix=".c"):
    return read_bytes(compile_c(tmp_path, "gcc", source, name, "-shared", "-fPIC", *flags, suffix=suffix))


def abi3audit_violations(wheel: str) -> dict:
    """abi3audit 0.0.26's report for one wheel: file -> (non-abi3 symbols, future objects)."""
    pytest.importorskip("abi3audit", reason="abi3audit is the oracle (pip install abi3audit==0.0.26)")
    proc = subprocess.run(
        [sys.executable, "-m", "abi3audit", "-R", "-S", wheel], capture_output=True, text=True, timeout=300
    )
    report = json.loads(proc.stdout)
    found = {}
    for spec in report["specs"].values():
        for entry in spec.get("wheel", []):
            result = entry["result"]
            found[entry["name"]] = (sorted(result["non_abi3_symbols"]), dict(result["future_abi3_objects"]))
    return found


def test_abi3_symbol_newer_than_the_tag(tmp_path):
    so = build(tmp_path, module({"PyUnicode_AsUTF8AndSize": "PyObject *, long *"}), "_m.abi3.so")
    wheel = make_wheel(tmp_path, "m", [f"cp39-abi3-manylinux_2_17_{X86}"], {"m/_m.abi3.so": so})
    result = musldetect.audit(wheel)
    assert result.verdict == "over-promises"
    assert [(b.tag, b.file, b.cause) for b in result.blame] == [
        ("cp39-abi3", "m/_m.abi3.so", "PyUnicode_AsUTF8AndSize (stable ABI from 3.10)")
    ]
    assert "cp310-abi3" in result.honest_tags and result.files[0].stable_abi == "3.10"
    assert abi3audit_violations(wheel) == {"_m.abi3.so": ([], {"PyUnicode_AsUTF8AndSize": "3.10"})}
    honest = make_wheel(tmp_path, "m2", [f"cp310-abi3-manylinux_2_17_{X86}"], {"m/_m.abi3.so": so})
    assert not musldetect.audit(honest).blame


@pytest.mark.parametrize(
    "name,args,added",
    [("PyLong_Export", "PyObject *, void *", "3.15"), ("Py_HashBuffer", "const void *, long", "3.16")],
)
def test_symbols_of_the_newest_stable_abi(tmp_path, name, args, added):
    """3.15's late additions (PEP 757's PyLong_Export) and main's first 3.16 item: honest in a
    wheel tagged with their version, blamed with that version (never "not in the stable
    ABI") in an older one, as abi3audit (abi3info's tables) reports them."""
    so = build(tmp_path, module({name: args, "PyLong_FromLong": "long"}), "_m.abi3.so")
    honest_pair = f"cp{added.replace('.', '')}-abi3"
    wheel = make_wheel(tmp_path, "m", [f"cp312-abi3-manylinux_2_17_{X86}"], {"m/_m.abi3.so": so})
    result = musldetect.audit(wheel)
    assert [(b.tag, b.cause) for b in result.blame] == [("cp312-abi3", f"{name} (stable ABI from {added})")]
    assert honest_pair in result.honest_tags and result.files[0].stable_abi == added
    assert abi3audit_violations(wheel) == {"_m.abi3.so": ([], {name: added})}
    honest = make_wheel(tmp_path, "m2", [f"{honest_pair}-manylinux_2_17_{X86}"], {"m/_m.abi3.so": so})
    assert not musldetect.audit(honest).blame


def test_symbol_outside_the_stable_abi(tmp_path):
    so = build(tmp_path, module({"PyCode_New": "int", "PyLong_FromLong": "long"}), "_m.abi3.so")
    wheel = make_wheel(tmp_path, "m", [f"cp310-abi3-manylinux_2_17_{X86}"], {"m/_m.abi3.so": so})
    result = musldetect.audit(wheel)
    assert [b.cause for b in result.blame] == ["PyCode_New (not in the stable ABI)"]
    assert not any(tag.endswith("-abi3") for tag in result.honest_tags) and result.files[0].stable_abi == ""
    assert abi3audit_violations(wheel) == {"_m.abi3.so": (["PyCode_New"], {})}


def test_py_named_export_is_flagged_as_abi3audit_does(tmp_path):
    source = module({"PyLong_FromLong": "long"}) + "int PyFoo_Helper(void) { return 1; }\n"
    so = build(tmp_path, source, "_m.abi3.so")
    wheel = make_wheel(tmp_path, "m", [f"cp39-abi3-manylinux_2_17_{X86}"], {"m/_m.abi3.so": so})
    result = musldetect.audit(wheel)
    assert [b.cause for b in result.blame] == ["PyFoo_Helper (exported)"]
    assert abi3audit_violations(wheel) == {"_m.abi3.so": (["PyFoo_Helper"], {})}
    hidden = build(
        tmp_path,
        module({"PyLong_FromLong": "long"})
        + '__attribute__((visibility("hidden"))) int PyFoo_Helper(void) { return 1; }\n',
        "_h.abi3.so",
    )
    assert not musldetect.audit(
        make_wheel(tmp_path, "h", [f"cp39-abi3-manylinux_2_17_{X86}"], {"m/_h.abi3.so": hidden})
    ).blame


@pytest.mark.parametrize(
    "tag,name,fits",
    [
        ("cp311-cp311", "_m.cpython-312-x86_64-linux-gnu.so", False),
        ("cp312-cp312", "_m.cpython-312-x86_64-linux-gnu.so", True),
        ("cp313-cp313t", "_m.cpython-313-x86_64-linux-gnu.so", False),
        ("cp313-cp313t", "_m.cpython-313t-x86_64-linux-gnu.so", True),
        ("cp312-cp312", "_m.cpython-312-aarch64-linux-gnu.so", False),
        ("cp312-cp312", "_m.abi3.so", True),
        ("cp313-cp313t", "_m.abi3.so", False),
        ("cp39-abi3", "_m.cpython-39-x86_64-linux-gnu.so", False),
        ("cp39-abi3", "_m.abi3-x86_64-linux-gnu.so", False),
        ("cp315-abi3", "_m.abi3-x86_64-linux-gnu.so", True),
        ("cp315-abi3t", "_m.abi3t.so", True),
        ("cp315-abi3t", "_m.abi3.so", False),
        ("cp312-abi3t", "_m.abi3t.so", False),
        ("pp310-pypy310_pp73", "_m.pypy310-pp73-x86_64-linux-gnu.so", True),
        ("pp310-pypy310_pp73", "_m.cpython-310-x86_64-linux-gnu.so", False),
        ("cp312-cp312", "_m.so", True),
    ],
)
def test_extension_suffix_against_the_python_and_abi_tags(tmp_path, tag, name, fits):
    so = build(tmp_path, module({"PyLong_FromLong": "long"}), name)
    result = musldetect.audit(make_wheel(tmp_path, "m", [f"{tag}-manylinux_2_17_{X86}"], {f"m/{name}": so}))
    assert (not result.blame) == fits, result.blame
    if not fits:
        assert all(b.tag == tag for b in result.blame)


def test_extension_module_in_a_wheel_without_an_abi(tmp_path):
    so = build(tmp_path, module({"PyLong_FromLong": "long"}), "_m.so")
    result = musldetect.audit(make_wheel(tmp_path, "m", [f"py3-none-manylinux_2_17_{X86}"], {"m/_m.so": so}))
    assert [(b.tag, b.cause) for b in result.blame] == [("py3-none", "extension module")]
    assert "PyInit__m" in result.blame[0].reason
    # A program or library without PyInit_* (ruff, cmake) is what py3-none-<platform> is for.
    plain = build(tmp_path, "int twice(int x) { return 2 * x; }\n", "libtwice.so")
    assert not musldetect.audit(
        make_wheel(tmp_path, "t", [f"py3-none-manylinux_2_17_{X86}"], {"t/libtwice.so": plain})
    ).blame
    anywhere = musldetect.audit(make_wheel(tmp_path, "a", ["py3-none-any"], {"t/libtwice.so": plain}))
    assert [b.cause for b in anywhere.blame] == ["ELF binaries"]


def test_extension_linked_against_libpython(tmp_path):
    glibc_host()
    libdir = f"/usr/lib/{X86}-linux-gnu"
    if not os.path.exists(os.path.join(libdir, "libpython3.11.so")):
        pytest.skip("no libpython3.11.so to link against (apt-get install libpython3.11-dev)")
    so = build(
        tmp_path, module({"PyLong_FromLong": "long"}), "_m.so", "-Wl,--no-as-needed", f"-L{libdir}", "-lpython3.11"
    )
    result = musldetect.audit(make_wheel(tmp_path, "m", [f"cp311-cp311-manylinux_2_17_{X86}"], {"m/_m.so": so}))
    assert [(b.file, b.cause) for b in result.blame if b.reason.startswith("an extension module that links")] == [
        ("m/_m.so", "libpython3.11.so.1.0")
    ]


def test_x86_64_v3_note_agrees_with_auditwheel(tmp_path):
    glibc_host()
    so = build(tmp_path, "int twice(int x) { return 2 * x; }\n", "_v3.so", "-Wl,-z,x86-64-v3")
    wheel = make_wheel(tmp_path, "v", [f"cp312-cp312-manylinux_2_17_{X86}"], {"v/_v3.so": so})
    result = musldetect.audit(wheel)
    assert result.files[0].isa_level == 3
    assert result.honest_tags[0] == auditwheel_tag(wheel) == f"linux_{X86}"
    assert [(b.file, b.cause) for b in result.blame] == [("v/_v3.so", "x86-64-v3")]
    # Without the flag Debian 12's toolchain marks the baseline (binutils 2.40 crashes on -z x86-64-baseline).
    baseline = build(tmp_path, "int twice(int x) { return 2 * x; }\n", "_v1.so")
    wheel = make_wheel(tmp_path, "b", [f"cp312-cp312-manylinux_2_17_{X86}"], {"v/_v1.so": baseline})
    assert musldetect.audit(wheel).files[0].isa_level in (None, 1)
    assert musldetect.audit(wheel).honest_tags[0] == auditwheel_tag(wheel) != f"linux_{X86}"


ASM = ".text\n.globl twice\n.type twice, @function\ntwice:\n  lea (%rdi,%rdi), %eax\n  ret\n"


@pytest.mark.parametrize("how", ["-z execstack", "assembler without .note.GNU-stack"])
def test_executable_stack_fails_from_glibc_2_41(tmp_path, how):
    if running_on_musl():
        pytest.skip("built with the host's GNU toolchain")
    if how == "-z execstack":
        so = build(tmp_path, "int twice(int x) { return 2 * x; }\n", "_x.so", "-Wl,-z,execstack")
    else:
        so = build(tmp_path, ASM, "_x.so", suffix=".s")
    wheel = make_wheel(tmp_path, "x", [f"py3-none-manylinux_2_17_{X86}"], {"x/_x.so": so})
    result = musldetect.audit(wheel)
    assert result.files[0].stack == "rwx"
    assert [(b.file, b.cause) for b in result.blame] == [("x/_x.so", "executable stack")]
    reason = result.blame[0].reason
    assert "glibc 2.41" in reason and "-Wl,-z,noexecstack" in reason and "glibc.rtld.execstack=2" in reason
    assert not any(tag.startswith("manylinux") for tag in result.honest_tags)
    # musl never makes the stack executable and loads it: the musllinux tag stays.
    assert f"musllinux_1_1_{X86}" in result.honest_tags
    fixed = build(tmp_path, "int twice(int x) { return 2 * x; }\n", "_n.so", "-Wl,-z,noexecstack")
    assert (
        musldetect.audit(make_wheel(tmp_path, "n", [f"py3-none-manylinux_2_17_{X86}"], {"x/_n.so": fixed}))
        .files[0]
        .stack
        == "rw"
    )


def test_a_program_with_an_executable_stack_still_starts(tmp_path):
    if running_on_musl():
        pytest.skip("built with the host's GNU toolchain")
    program = read_bytes(compile_c(tmp_path, "gcc", "int main(void) { return 0; }\n", "prog", "-Wl,-z,execstack"))
    result = musldetect.audit(
        make_wheel(tmp_path, "p", [f"py3-none-manylinux_2_34_{X86}"], {"p-1.0.data/scripts/prog": program})
    )
    assert result.files[0].stack == "rwx" and not result.blame


def without_gnu_stack(data: bytes) -> bytes:
    """The same ELF64 object with its PT_GNU_STACK header turned into PT_NULL: what an old
    or non-GNU linker leaves (GNU ld 2.40 ignores -z nognustack)."""
    import struct

    (phoff,) = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    patched = bytearray(data)
    for index in range(phnum):
        at = phoff + index * phentsize
        if struct.unpack_from("<I", data, at)[0] == 0x6474E551:
            struct.pack_into("<I", patched, at, 0)
    return bytes(patched)


def test_no_gnu_stack_header_means_executable_on_x86_64(tmp_path):
    if running_on_musl():
        pytest.skip("built with the host's GNU toolchain")
    so = without_gnu_stack(build(tmp_path, "int twice(int x) { return 2 * x; }\n", "_o.so"))
    result = musldetect.audit(make_wheel(tmp_path, "o", [f"py3-none-manylinux_2_17_{X86}"], {"o/_o.so": so}))
    assert result.files[0].stack == "none"
    assert [b.cause for b in result.blame] == ["executable stack"]
    assert "no PT_GNU_STACK (executable by default on x86_64)" in result.blame[0].reason


DLOPEN = (
    "#include <dlfcn.h>\n#include <stdio.h>\n"
    "int main(int c, char **v) { void *h = dlopen(v[1], RTLD_NOW);\n"
    '  if (!h) { puts(dlerror()); return 1; } puts("loaded"); return 0; }\n'
)


def glibc_of(suite: str):
    from oracle import corpus_manifest, skip_or_fail

    rows = [r for r in corpus_manifest() if r["pkg"] == "libc6" and r["arch"] == "amd64" and r["suite"] == suite]
    if not rows:
        skip_or_fail(f"no {suite} amd64 glibc in the corpus (tests/musl/fetch-corpus.sh)")
    return rows[0]


@pytest.mark.parametrize("suite,refused", [("bookworm", False), ("trixie", True), ("sid", True)])
def test_resolve_says_glibc_2_41_refuses_to_dlopen_it(tmp_path, suite, refused):
    """resolve() inside an image of that glibc, against that glibc's own loader dlopening
    the same file (and the glibc.rtld.execstack=2 escape hatch, which the reason names)."""
    import glob
    import shutil

    glibc_host()
    row = glibc_of(suite)
    root = tmp_path / "root"
    shutil.copytree(row["dir"], root, symlinks=True)
    for name in ("lib", "lib64"):
        if not (root / name).exists() and (root / "usr" / name).exists():
            os.symlink(f"usr/{name}", root / name)
    (root / "opt").mkdir()
    (root / "opt" / "_x.so").write_bytes(
        build(tmp_path, '#include <stdio.h>\nvoid hello(void) { puts("hi"); }\n', "_x.so", "-Wl,-z,execstack")
    )
    found = musldetect.resolve("/opt/_x.so", root=root)
    assert found.loads is (not refused), found.reason
    if refused:
        assert "asks for an executable stack" in found.reason and "glibc.rtld.execstack=2" in found.reason
    else:
        assert any("asks for an executable stack" in note for note in found.notes)
    # The oracle: this glibc's loader runs a program that dlopens the file.
    loader = next(
        path
        for path in glob.glob(str(root / "**" / "ld-linux-x86-64.so.2"), recursive=True)
        if not os.path.islink(path)
    )
    libdir = os.path.dirname(loader)
    program = compile_c(tmp_path, "gcc", DLOPEN, "opener", "-ldl")
    run = subprocess.run(
        [loader, "--library-path", libdir, str(program), str(root / "opt" / "_x.so")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ("cannot enable executable stack" in run.stdout) is refused, run.stdout + run.stderr
    hatch = subprocess.run(
        [loader, "--library-path", libdir, str(program), str(root / "opt" / "_x.so")],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, GLIBC_TUNABLES="glibc.rtld.execstack=2"),
    )
    assert "loaded" in hatch.stdout, hatch.stdout + hatch.stderr


def test_musl_loads_an_object_that_asks_for_an_executable_stack(tmp_path):
    """musl never makes the stack executable and does not refuse: the musl interpreter's
    own loader dlopens the file (the oracle), and resolve() says it loads, with a note."""
    from oracle import find_musl_python, skip_or_fail

    path = compile_c(
        tmp_path,
        "musl-gcc",
        '#include <stdio.h>\nvoid hello(void) { puts("hi"); }\n',
        "_x.so",
        "-shared",
        "-fPIC",
        "-Wl,-z,execstack",
    )
    found = musldetect.resolve(path)
    if found.family != "musl" or found.missing:
        skip_or_fail("musl's loader is not installed here (apt-get install musl)")
    assert found.loads and any("musl ignores the request" in note for note in found.notes)
    musl_python = find_musl_python()
    if musl_python is None:
        skip_or_fail("no musl-linked interpreter (tests/musl/build-python.sh)")
    run = subprocess.run(
        [musl_python, "-c", f"import ctypes; ctypes.CDLL({str(path)!r}).hello()"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout == "hi\n", run.stderr


def test_soft_float_arm_binary_is_not_armv7l_as_auditwheel_says(tmp_path):
    """A real armhf libm.so.6 with its e_flags hard-float bit cleared (what a soft-float
    EABI5 build carries): another arch, so an armv7l tag is refused; auditwheel 6.8 ignores
    the file as of unknown arch and finds no armv7l binary."""
    import glob
    import struct

    from oracle import corpus_manifest, require_auditwheel_oracle, skip_or_fail

    rows = [r for r in corpus_manifest() if r["pkg"] == "libc6" and r["arch"] == "armhf"]
    if not rows:
        skip_or_fail("no armhf glibc in the corpus (tests/musl/fetch-corpus.sh)")
    hard = read_bytes(glob.glob(rows[0]["dir"] + "/**/libm.so.6", recursive=True)[0])
    soft = bytearray(hard)
    flags = struct.unpack_from("<I", soft, 36)[0]
    assert flags & 0x400  # EF_ARM_ABI_FLOAT_HARD
    struct.pack_into("<I", soft, 36, flags & ~0x400)
    wheel = make_wheel(tmp_path, "soft", ["py3-none-manylinux_2_17_armv7l"], {"soft/libm.so.6": bytes(soft)})
    result = musldetect.audit(wheel)
    assert result.files[0].arch == "armv5tel" and result.verdict == "inconsistent"
    assert [b.cause for b in result.blame] == ["armv7l"]
    require_auditwheel_oracle()
    shown = subprocess.run([sys.executable, "-m", "auditwheel", "show", wheel], capture_output=True, text=True)
    assert shown.returncode != 0 and "unknown architecture" in shown.stderr
    same = make_wheel(tmp_path, "hard", ["py3-none-manylinux_2_17_armv7l"], {"hard/libm.so.6": hard})
    assert musldetect.audit(same).files[0].arch == "armv7l"


def gnu_property_note(properties: bytes) -> bytes:
    """An NT_GNU_PROPERTY_TYPE_0 note (ELF64 layout: 8-byte aligned) holding ``properties``."""
    import struct

    return struct.pack("<III", 4, len(properties), 5) + b"GNU\x00" + properties


@pytest.mark.parametrize("value,level", [(1, 1), (3, 2), (7, 3), (15, 4)])
def test_isa_level_read_from_the_property_bits(tmp_path, value, level):
    """Each x86-64 level from the note's bits alone (baseline 1, v2 2, v3 4, v4 8), in a
    minimal ELF: no toolchain writes v4 here, the bit rule is what auditwheel applies."""
    import struct

    import elfwriter as w

    note = gnu_property_note(struct.pack("<III", 0xC0008002, 4, value) + b"\x00" * 4)
    binary = w.build([w.Seg(w.PT_LOAD, b"\x00" * 64), w.Seg(4, note)])
    result = musldetect.audit(make_wheel(tmp_path, "n", [f"py3-none-manylinux_2_17_{X86}"], {"n/_n.so": binary}))
    assert result.files[0].isa_level == level
    assert bool(result.blame) == (level >= 2)


def test_a_property_that_runs_past_its_note_is_an_error(tmp_path):
    import struct

    import elfwriter as w

    note = gnu_property_note(struct.pack("<III", 0xC0008002, 64, 7) + b"\x00" * 4)
    binary = w.build([w.Seg(w.PT_LOAD, b"\x00" * 64), w.Seg(4, note)])
    with pytest.raises(musldetect.ELFError, match=r"n/_n\.so.*GNU property"):
        musldetect.audit(make_wheel(tmp_path, "n", [f"py3-none-manylinux_2_17_{X86}"], {"n/_n.so": binary}))
