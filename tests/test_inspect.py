"""inspect(): the ELF writer's cases, the machine's own files, and every error path."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess

import pytest

import musldetect

import elfwriter as w
from oracle import loader_banner_version, skip_or_fail

LAYOUTS = [
    (64, "<", w.EM_X86_64, 0, "x86_64"),
    (32, "<", w.EM_386, 0, "i686"),
    (64, ">", w.EM_S390, 0, "s390x"),
    (64, "<", w.EM_PPC64, 0, "ppc64le"),
    (64, ">", w.EM_PPC64, 0, "ppc64"),
    (32, "<", w.EM_ARM, 0x05000400, "armv7l"),
    (64, "<", w.EM_AARCH64, 0, "aarch64"),
]


def write(tmp_path, name, data, mode=0o644):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(mode)
    return str(path)


@pytest.mark.parametrize("bits,order,machine,flags,arch", LAYOUTS)
@pytest.mark.parametrize("exec_segment", [False, True])
def test_musl_loader_every_layout(tmp_path, bits, order, machine, flags, arch, exec_segment):
    path = write(
        tmp_path,
        "libc.so",
        w.musl_loader(
            b"1.2.4_git20230717", bits=bits, byteorder=order, machine=machine, flags=flags, exec_segment=exec_segment
        ),
    )
    info = musldetect.inspect(path)
    assert (info.family, info.version, info.version_string, info.arch) == ("musl", (1, 2, 4), "1.2.4_git20230717", arch)
    assert info.backend == "inspect" and not info.static and info.path == path


@pytest.mark.parametrize("bits,order,machine,flags,arch", LAYOUTS)
def test_executable_follows_pt_interp_inside_root(tmp_path, bits, order, machine, flags, arch):
    root = tmp_path / "root"
    loader = w.musl_loader(b"1.2.6", bits=bits, byteorder=order, machine=machine, flags=flags)
    write(root, "lib/arch-linux-musl/libc.so", loader)
    os.symlink("/lib/arch-linux-musl/libc.so", root / "lib" / "ld-musl-test.so.1")  # absolute: must stay in root
    exe = write(
        root,
        "bin/prog",
        w.executable(b"/lib/ld-musl-test.so.1\x00", bits=bits, byteorder=order, machine=machine, flags=flags),
        0o755,
    )
    info = musldetect.inspect(exe, root=str(root))
    assert (info.family, info.version, info.arch) == ("musl", (1, 2, 6), arch)
    assert info.interpreter == "/lib/ld-musl-test.so.1"
    assert info.path == str(root / "lib" / "arch-linux-musl" / "libc.so")


def test_loader_of_another_architecture_is_an_error(tmp_path):
    root = tmp_path / "root"
    write(root, "lib/ld.so", w.musl_loader(machine=w.EM_AARCH64))
    exe = write(root, "prog", w.executable(b"/lib/ld.so\x00"))
    with pytest.raises(musldetect.ELFError, match="aarch64"):
        musldetect.inspect(exe, root=str(root))


def test_symlink_loop_under_root(tmp_path):
    root = tmp_path / "root"
    (root / "lib").mkdir(parents=True)
    os.symlink("/lib/b", root / "lib" / "a")
    os.symlink("/lib/a", root / "lib" / "b")
    exe = write(root, "prog", w.executable(b"/lib/a\x00"))
    info = musldetect.inspect(exe, root=str(root))  # the loader cannot be read: the rest is answered
    assert info.version is None and "symbolic links" in info.reason and "loop" in info.reason
    with pytest.raises(OSError) as caught:  # the file itself: as open() would, ELOOP
        musldetect.inspect("/lib/a", root=str(root))
    assert caught.value.errno == errno.ELOOP and "symbolic links" in str(caught.value)


@pytest.mark.parametrize(
    "interp,family,arch,machine,bits,flags",
    [
        (b"/lib/ld-musl-armhf.so.1", "musl", "armv7l", w.EM_ARM, 32, 0x05000400),
        (b"/lib64/ld-linux-x86-64.so.2", "glibc", "x86_64", w.EM_X86_64, 64, 0),
        (b"/lib/ld-linux-aarch64.so.1", "glibc", "aarch64", w.EM_AARCH64, 64, 0),
        (b"/lib/ld-musl-x86_64.so.1", "musl", "x86_64", w.EM_X86_64, 64, 0),
        (b"/opt/unknown/loader.so", None, "x86_64", w.EM_X86_64, 64, 0),
    ],
)
def test_missing_loader_answers_from_pt_interp(tmp_path, interp, family, arch, machine, bits, flags):
    """A program copied from another system: PT_INTERP's name tells the family, not the version."""
    exe = write(tmp_path, "prog", w.executable(interp + b"\x00", machine=machine, bits=bits, flags=flags))
    info = musldetect.inspect(exe, root=str(tmp_path))
    assert (info.family, info.version, info.arch, info.interpreter) == (family, None, arch, interp.decode())
    assert interp.decode() in info.reason and "cannot be read" in info.reason
    assert info.path is None


def test_missing_given_path_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        musldetect.inspect(str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError):
        musldetect.inspect("/bin/nope", root=str(tmp_path))


def test_ambiguous_version_is_reported_not_guessed(tmp_path):
    path = write(tmp_path, "libc.so", w.musl_loader(b"1.2.3", extra=b"\x001.2.5\x00"))
    info = musldetect.inspect(path)
    assert info.family == "musl" and info.version is None and "ambiguous" in info.reason


def test_shared_library_family_from_dt_needed(tmp_path):
    strtab = b"\x00libc.musl-x86_64.so.1\x00libfoo.so\x00"
    dyn = w.dynamic([(1, 1), (14, 23), (5, 0), (10, len(strtab))])
    data = bytearray(w.build([w.Seg(w.PT_LOAD, strtab), w.Seg(w.PT_DYNAMIC, dyn, w.PF_R | w.PF_W)]))
    # point DT_STRTAB at the first segment's address (its file offset)
    strtab_offset = data.find(strtab)
    data = bytes(data).replace(
        w.dynamic([(1, 1), (14, 23), (5, 0), (10, len(strtab))]),
        w.dynamic([(1, 1), (14, 23), (5, strtab_offset), (10, len(strtab))]),
    )
    info = musldetect.inspect(write(tmp_path, "libfoo.so", data))
    assert info.family == "musl" and info.version is None and "libc.musl-x86_64.so.1" in info.reason


def test_debian_musl_loader_on_this_machine():
    loader = "/lib/ld-musl-x86_64.so.1"
    if not os.path.exists(loader):
        skip_or_fail(f"{loader} is missing (apt-get install musl)")
    info = musldetect.inspect(loader)
    expected = loader_banner_version(loader)
    assert info.family == "musl" and info.version_string == expected
    assert info.version == tuple(int(p) for p in expected.split("."))
    dpkg = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "musl"], stdout=subprocess.PIPE, text=True)
    if dpkg.returncode == 0:
        assert dpkg.stdout.startswith(expected + "-")


def test_host_shell_is_debians_glibc():
    if not shutil.which("dpkg-query") or not shutil.which("sh"):
        skip_or_fail("not a Debian host (no dpkg-query or sh)")
    dpkg = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libc6"], stdout=subprocess.PIPE, text=True)
    if dpkg.returncode != 0:
        skip_or_fail("not a Debian host (no libc6 package)")
    info = musldetect.inspect(shutil.which("sh") or "/bin/sh")
    assert info.family == "glibc" and info.interpreter is not None
    assert dpkg.stdout.startswith(info.version_string + "-"), (dpkg.stdout, info)


def test_static_and_dynamic_musl_programs(tmp_path):
    if not shutil.which("musl-gcc"):
        skip_or_fail("musl-gcc is missing (apt-get install musl-tools)")
    src = tmp_path / "hello.c"
    src.write_text(
        "#include <stdio.h>\n#include <string.h>\nint main(int c, char **v) { puts(strerror(c)); return 0; }\n"
    )
    for flags, static in (([], False), (["-static"], True)):
        out = str(tmp_path / ("hello-static" if static else "hello"))
        subprocess.run(["musl-gcc", *flags, "-O1", "-o", out, str(src)], check=True)
        info = musldetect.inspect(out)
        assert info.family == "musl" and info.static is static, info
        if not static:
            assert info.version_string == loader_banner_version(info.path)
        else:
            assert info.version is None and "static" in info.reason


@pytest.mark.parametrize(
    "data,match",
    [
        (b"", "too short"),
        (b"\x7fEL", "too short"),
        (b"\x7fELF", "too short"),
        (b"MZ", "bad magic"),
        (b"#!/bin/sh\necho hi\n" * 2, "bad magic"),
        (b"\x7fELF\x03\x01\x01" + bytes(57), "EI_CLASS 3"),
        (b"\x7fELF\x02\x03\x01" + bytes(57), "EI_DATA 3"),
    ],
)
def test_not_elf(tmp_path, data, match):
    with pytest.raises(musldetect.ELFError, match=match):
        musldetect.inspect(write(tmp_path, "f", data))


def test_directory_and_fifo(tmp_path):
    with pytest.raises(IsADirectoryError):
        musldetect.inspect(str(tmp_path))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(musldetect.ELFError, match="not a regular file"):
        musldetect.inspect(str(fifo))
    with pytest.raises(FileNotFoundError):
        musldetect.inspect(str(tmp_path / "nope"))


@pytest.mark.parametrize(
    "field,value,match",
    [
        ("phentsize", 12, "e_phentsize 12"),
        ("phoff", 1 << 40, "program header table"),
        ("phnum", 5000, "e_phnum 5000"),
        ("phnum", 0xFFFF, "PN_XNUM"),
    ],
)
def test_bad_header_fields(tmp_path, field, value, match):
    data = w.build([w.Seg(w.PT_LOAD, b"x")], header={field: value})
    with pytest.raises(musldetect.ELFError, match=match):
        musldetect.inspect(write(tmp_path, "bad", data))


@pytest.mark.parametrize(
    "overrides,match",
    [
        ({"offset": 1 << 62}, "past the end"),
        ({"filesz": 1 << 40, "memsz": 1 << 40}, "past the end of the file"),
        ({"memsz": 0}, "p_filesz"),
    ],
)
def test_bad_segments(tmp_path, overrides, match):
    data = w.build([w.Seg(w.PT_INTERP, b"/lib/ld.so\x00", overrides=overrides)], etype=w.ET_EXEC)
    with pytest.raises(musldetect.ELFError, match=match):
        musldetect.inspect(write(tmp_path, "bad", data))


def test_interp_without_nul(tmp_path):
    with pytest.raises(musldetect.ELFError, match="PT_INTERP is not NUL-terminated"):
        musldetect.inspect(write(tmp_path, "bad", w.executable(b"/lib/ld.so")))


def test_root_must_be_a_directory(tmp_path):
    exe = write(tmp_path, "prog", w.executable(b"/lib/ld.so\x00"))
    with pytest.raises(NotADirectoryError):
        musldetect.inspect(exe, root=exe)


def test_static_glibc_program(tmp_path):
    """glibc's start files leave the GNU ABI tag note; a static glibc program is told by it."""
    src = tmp_path / "hello.c"
    src.write_text('#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n')
    out = str(tmp_path / "hello-static")
    if not shutil.which("gcc"):
        skip_or_fail("gcc is missing (apt-get install gcc libc6-dev)")
    build = subprocess.run(["gcc", "-static", "-o", out, str(src)], stderr=subprocess.PIPE, text=True)
    if build.returncode != 0:
        skip_or_fail(f"no static glibc on this machine (apt-get install libc6-dev): {build.stderr.strip()[:200]}")
    info = musldetect.inspect(out)
    assert (info.family, info.static, info.version) == ("glibc", True, None)
    assert "GNU ABI tag, kernel " in info.reason


@pytest.mark.parametrize("namesz,descsz", [(1 << 20, 0), (4, 1 << 20), (0xFFFFFFFF, 0xFFFFFFFF)])
def test_notes_running_past_their_segment(tmp_path, namesz, descsz):
    import struct

    note = struct.pack("<III", namesz, descsz, 1) + b"GNU\x00" + bytes(16)
    data = w.build([w.Seg(4, note), w.Seg(w.PT_LOAD, b"\x00code\x00", w.PF_R | w.PF_X)], etype=w.ET_EXEC)
    with pytest.raises(musldetect.ELFError, match="PT_NOTE: a note's n_namesz"):
        musldetect.inspect(write(tmp_path, "bad-note", data))
