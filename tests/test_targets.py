"""sys_tags() and target() against packaging 26.3: this process, named platforms, images.

packaging answers only for the interpreter it runs in, so for a named platform it is
asked the way it would answer on that platform: sysconfig's platform moved with
_PYTHON_HOST_PLATFORM (which packaging honours) and its glibc/musl version readers told
the target's version. Its tag rules are untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

import musldetect

from oracle import run_json

if sys.version_info < (3, 9):
    pytest.skip("packaging 26.3, the reference for parity, needs Python 3.9 or later", allow_module_level=True)
packaging_tags = pytest.importorskip("packaging.tags")


def test_sys_tags_equal_packaging_and_are_cached():
    assert list(musldetect.sys_tags()) == [str(tag) for tag in packaging_tags.sys_tags()]
    assert musldetect.sys_tags() is musldetect.sys_tags()
    assert musldetect.target().sys_tags == musldetect.sys_tags()
    assert musldetect.target().platform_tags == musldetect.platform_tags()


def test_sys_tags_import_no_packaging():
    code = ("import json, sys, musldetect; tags = musldetect.sys_tags(); "
            "print(json.dumps([len(tags), 'packaging' in sys.modules]))")
    count, imported = run_json(code)
    assert count > 100 and imported is False


def test_process_markers_equal_packagings():
    from packaging.markers import default_environment

    ours = musldetect.target().marker_environment
    theirs = default_environment()
    assert ours == {key: theirs[key] for key in ours}
    assert {"sys_platform", "platform_machine", "python_version", "python_full_version",
            "implementation_name", "platform_python_implementation", "os_name", "platform_system"} <= set(ours)


ARCHS = ["x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64", "loongarch64"]
LIBCS = [("manylinux_2_17", "glibc", (2, 17)), ("manylinux_2_39", "glibc", (2, 39)),
         ("musllinux_1_1", "musl", (1, 1)), ("musllinux_1_2", "musl", (1, 2))]
PYTHONS = [("3.8", (3, 8), "cp38"), ("3.12", (3, 12), "cp312"), ("3.13t", (3, 13), "cp313t")]


def packaging_platform_tags(monkeypatch, family, version, arch):
    """packaging's platform list for that platform, from its own rules."""
    from packaging import _manylinux, _musllinux

    monkeypatch.setenv("_PYTHON_HOST_PLATFORM", f"linux-{arch}")
    original = _manylinux._have_compatible_abi
    # A named armv7l/i686 target is the hard-float/i686 ABI (packaging would read sys.executable).
    monkeypatch.setattr(_manylinux, "_have_compatible_abi",
                        lambda executable, archs: True if set(archs) & {"armv7l", "i686"} else original(
                            executable, archs))
    monkeypatch.setattr(_manylinux, "_get_glibc_version", lambda: version if family == "glibc" else (-1, -1))
    monkeypatch.setattr(_musllinux, "_get_musl_version",
                        lambda executable: _musllinux._MuslVersion(*version) if family == "musl" else None)
    return list(packaging_tags._linux_platforms(is_32bit=False))


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("prefix,family,version", LIBCS)
@pytest.mark.parametrize("python,python_version,abi", PYTHONS)
def test_named_platform_equals_packaging(monkeypatch, arch, prefix, family, version, python, python_version, abi):
    target = musldetect.target(platform=f"{prefix}_{arch}", python=python)
    platforms = packaging_platform_tags(monkeypatch, family, version, arch)
    assert list(target.platform_tags) == platforms
    expected = list(packaging_tags.cpython_tags(python_version, [abi], platforms))
    expected += packaging_tags.compatible_tags(python_version, f"cp{python_version[0]}{python_version[1]}", platforms)
    assert list(target.sys_tags) == [str(tag) for tag in expected]
    assert (target.libc.family, target.libc.version, target.arch) == (family, version, arch)
    assert target.marker_environment["platform_machine"] == arch
    assert target.marker_environment["python_version"] == "{}.{}".format(*python_version)


@pytest.mark.parametrize("spec,expected", [
    ("x86_64-unknown-linux-gnu", ("glibc", (2, 28), "x86_64")),
    ("aarch64-unknown-linux-musl", ("musl", (1, 2), "aarch64")),
    ("armv7-unknown-linux-gnueabihf", ("glibc", (2, 28), "armv7l")),
    ("powerpc64le-unknown-linux-gnu", ("glibc", (2, 28), "ppc64le")),
    ("x86_64-manylinux_2_28", ("glibc", (2, 28), "x86_64")),
    ("aarch64-manylinux2014", ("glibc", (2, 17), "aarch64")),
    ("x86_64-musllinux_1_1", ("musl", (1, 1), "x86_64")),
    ("manylinux1_i686", ("glibc", (2, 5), "i686")),
    ("manylinux2010_x86_64", ("glibc", (2, 12), "x86_64")),
    ("linux_riscv64", (None, None, "riscv64")),
])
def test_the_forms_users_type(spec, expected):
    target = musldetect.target(platform=spec, python="3.12")
    assert (target.libc.family, target.libc.version, target.arch) == expected


@pytest.mark.parametrize("spec", ["musllinux_1_aarch64", "manylinux_2_4_x86_64", "win_amd64", "x86_64-pc-windows-msvc",
                                  "armv7-unknown-linux-gnueabi", "manylinux_2_x_x86_64", "", "linux_"])
def test_unknown_platforms_list_the_accepted_forms(spec):
    with pytest.raises(ValueError, match="accepted forms: manylinux_2_28_x86_64"):
        musldetect.target(platform=spec)


@pytest.mark.parametrize("kwargs,match", [
    ({"platform": "musllinux_1_2_x86_64", "python": "2.7"}, "not understood"),
    ({"platform": "musllinux_1_2_x86_64", "python": "3.12t"}, "free-threaded builds exist from 3.13"),
    ({"platform": "musllinux_1_2_x86_64", "root": "/"}, "not both"),
    ({"python": "3.12"}, "needs root= or platform="),
])
def test_inconsistent_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        musldetect.target(**kwargs)


# -- images, read statically, against packaging run inside them (chroot) ------------------

def _musl_python_prefix():
    from oracle import find_musl_python, skip_or_fail

    python = find_musl_python()
    if python is None:
        skip_or_fail("the musl-linked test interpreter is missing (tests/musl/build-python.sh)")
    return python, os.path.dirname(os.path.dirname(python))


def _copy_tree(source, destination):
    os.makedirs(os.path.dirname(destination), exist_ok=True)
    if subprocess.run(["cp", "-al", source, destination], capture_output=True).returncode != 0:
        shutil.copytree(source, destination, symlinks=True)


def _musl_image(tmp_path, loader):
    """An image of the musl interpreter's own files, its loader taken from ``loader``, and
    usr/local/bin/python3 an absolute link to it, as official Python images lay it out."""
    python, prefix = _musl_python_prefix()
    root = tmp_path / "image"
    _copy_tree(prefix, str(root) + prefix)
    (root / "lib").mkdir(parents=True, exist_ok=True)
    shutil.copy(os.path.realpath(loader), root / "lib" / f"ld-musl-{os.uname().machine}.so.1")
    (root / "usr" / "local" / "bin").mkdir(parents=True)
    os.symlink(python, root / "usr" / "local" / "bin" / "python3")
    os.symlink(os.path.basename(python), root / "usr" / "local" / "bin" / "python3.11-link")
    return root, python


def _packaging_inside(root, python):
    from oracle import skip_or_fail

    if os.geteuid() != 0:
        skip_or_fail("running packaging inside the image needs chroot, which needs root")
    code = ("import json, packaging.tags as t, packaging.markers as m; "
            "print(json.dumps([[str(x) for x in t.sys_tags()], m.default_environment()]))")
    chroot = shutil.which("chroot") or "/usr/sbin/chroot"
    proc = subprocess.run([chroot, str(root), python, "-c", code], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_musl_image_equals_packaging_inside_it(tmp_path):
    from oracle import corpus_manifest, skip_or_fail

    loaders = [row for row in corpus_manifest() if row["pkg"] == "musl" and row["arch"] == "amd64"]
    if os.uname().machine != "x86_64" or not loaders:
        skip_or_fail("no amd64 musl build in the corpus")
    row = loaders[0]
    places = ("lib/x86_64-linux-musl/libc.so", "usr/lib/x86_64-linux-musl/libc.so")
    loader = next((os.path.join(row["dir"], p) for p in places if os.path.exists(os.path.join(row["dir"], p))), None)
    root, python = _musl_image(tmp_path, loader)
    target = musldetect.target(root=str(root))
    tags, markers = _packaging_inside(root, python)
    assert list(target.sys_tags) == tags
    assert target.libc.family == "musl" and target.libc.path.startswith(str(root))
    assert target.marker_environment == {k: markers[k] for k in target.marker_environment}


def test_image_without_python_reads_bin_sh_inside_root(tmp_path):
    """bin/sh an absolute link (busybox style): followed inside the image, never to the host's."""
    python, _ = _musl_python_prefix()
    root = tmp_path / "image"
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    shutil.copy(python, root / "bin" / "busybox")
    from musldetect._elf import ELFFile

    with ELFFile(python) as elf:
        interp = elf.interpreter
    shutil.copy(os.path.realpath(interp), root / interp.lstrip("/"))
    os.symlink("/bin/busybox", root / "bin" / "sh")
    target = musldetect.target(root=str(root))
    assert target.libc.family == "musl" and target.libc.path == str(root / interp.lstrip("/"))
    assert target.python is None and "bin/sh" in " ".join(target.reasons)
    assert target.platform_tags[0] == f"linux_{target.arch}"
    with pytest.raises(ValueError, match="pass python="):
        _ = target.sys_tags


# -- exports: checked by the readers of pip and pex themselves ----------------------------

def cli(*args):
    return subprocess.run([sys.executable, "-m", "musldetect", *args], capture_output=True, text=True, timeout=120)


SPEC = ("--platform", "aarch64-manylinux_2_28", "--python", "3.12")


def test_pip_arguments_read_by_pips_own_parser():
    pip_commands = pytest.importorskip("pip._internal.commands", reason="pip is not importable here")
    import shlex

    proc = cli("tags", *SPEC, "--format", "pip")
    assert proc.returncode == 0, proc.stderr
    command = pip_commands.create_command("download")
    options, _ = command.parse_args(shlex.split(proc.stdout))
    target = musldetect.target(platform="aarch64-manylinux_2_28", python="3.12")
    assert options.platforms == list(target.platform_tags)
    assert (options.python_version, options.implementation) == ((3, 12), "cp")
    assert options.abis == ["cp312", "abi3", "none"]
    assert options.format_control.only_binary == {":all:"}


def test_pex_complete_platform_read_by_pex(tmp_path):
    proc = cli("tags", *SPEC, "--format", "pex")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    target = musldetect.target(platform="aarch64-manylinux_2_28", python="3.12")
    assert data == {"marker_environment": target.marker_environment, "compatible_tags": list(target.sys_tags)}
    try:
        from pex.resolve.target_options import _create_complete_platform
    except ImportError:
        pytest.skip("pex is not installed: the schema above is all that was checked")
    path = tmp_path / "platform.json"
    path.write_text(proc.stdout)
    platform = _create_complete_platform(str(path))
    assert [str(tag) for tag in platform.supported_tags] == list(target.sys_tags)
    assert platform.marker_environment.platform_machine == "aarch64"
    assert platform.marker_environment.python_version == "3.12"


def test_tags_json_and_lines_agree():
    lines = cli("tags", *SPEC).stdout.split()
    data = json.loads(cli("tags", *SPEC, "--format", "json").stdout)
    assert lines == data["tags"] and data["platform_tags"][0] == "linux_aarch64"
    assert data["libc"]["family"] == "glibc" and data["python"]["version"] == [3, 12]
    assert cli("tags").stdout.split() == list(musldetect.sys_tags())


def test_inspect_tags_follow_the_files_arch(tmp_path):
    import elfwriter as w

    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "ld-musl-aarch64.so.1").write_bytes(w.musl_loader(b"1.2.4", machine=w.EM_AARCH64))
    (tmp_path / "prog").write_bytes(w.executable(b"/lib/ld-musl-aarch64.so.1\x00", machine=w.EM_AARCH64))
    proc = cli("inspect", "prog", "--root", str(tmp_path), "--tags")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["linux_aarch64", "musllinux_1_2_aarch64", "musllinux_1_1_aarch64",
                                   "musllinux_1_0_aarch64"]


def test_explain_says_why_each_family_is_in_or_out():
    out = cli("explain", "--platform", "musllinux_1_2_x86_64", "--python", "3.12").stdout
    assert "manylinux:  none: the C library is musl, not glibc" in out
    assert "musllinux:  musllinux_1_2_x86_64 down to musllinux_1_0_x86_64" in out
    own = cli("explain").stdout
    family = musldetect.libc().family
    assert f"C library:  {family} " in own and "override:   none" in own
    other = "musllinux" if family == "glibc" else "manylinux"
    assert f"{other}:  none: the C library is {family}" in own
    forced = subprocess.run([sys.executable, "-m", "musldetect", "explain"], capture_output=True, text=True,
                            env=dict(os.environ, MUSLDETECT_LIBC="none"), timeout=120)
    assert forced.returncode == 1 and "override:   set by MUSLDETECT_LIBC=none" in forced.stdout


# -- interpreter kinds this machine may not run: packaging's own rules, told the build's flags --

@pytest.mark.parametrize("debug,free_threaded", [(False, False), (True, False), (False, True), (True, True)])
def test_cpython_abis_of_every_build_kind_match_packaging(monkeypatch, debug, free_threaded):
    from musldetect._python import PythonFacts

    answers = {"Py_DEBUG": int(debug), "Py_GIL_DISABLED": int(free_threaded)}
    monkeypatch.setattr(packaging_tags, "_get_config_var", lambda name, warn=False: answers.get(name))
    expected = packaging_tags._cpython_abis((3, 14))
    facts = PythonFacts("cpython", (3, 14), debug=debug, free_threaded=free_threaded)
    assert facts.abis == expected
    platforms = ["linux_x86_64", "manylinux_2_28_x86_64"]
    tags = list(packaging_tags.cpython_tags((3, 14), expected, platforms))
    tags += packaging_tags.compatible_tags((3, 14), "cp314", platforms)
    from musldetect._python import interpreter_tags

    assert interpreter_tags(facts, platforms) == [str(tag) for tag in tags]


@pytest.mark.parametrize("ext_suffix", [".pypy39-pp73-x86_64-linux-gnu.so", ".pypy311-pp73-aarch64-linux-gnu.so",
                                        ".graalpy-240-native-x86_64-linux.so"])
def test_generic_interpreters_match_packaging(monkeypatch, ext_suffix):
    """PyPy and others take packaging's generic path: the ABI from EXT_SUFFIX."""
    from musldetect._python import PythonFacts, interpreter_tags

    monkeypatch.setattr(packaging_tags, "_get_config_var", lambda name, warn=False: ext_suffix
                        if name == "EXT_SUFFIX" else None)
    abis = packaging_tags._generic_abi()
    implementation = "pypy" if ext_suffix.startswith(".pypy") else "graalpy"
    version = (3, 11) if "311" in ext_suffix else (3, 9)
    facts = PythonFacts(implementation, version, ext_suffix=ext_suffix, version_nodot=f"{version[0]}{version[1]}")
    assert facts.abis == abis
    platforms = ["linux_aarch64", "musllinux_1_2_aarch64"]
    interpreter = f"{facts.short_name}{version[0]}{version[1]}"
    tags = list(packaging_tags.generic_tags(interpreter, abis, platforms))
    tags += packaging_tags.compatible_tags(version, "pp3" if implementation == "pypy" else None, platforms)
    assert interpreter_tags(facts, platforms) == [str(tag) for tag in tags]


def test_a_named_arch_without_manylinux_gets_none(monkeypatch):
    """packaging gives manylinux tags only on the arches manylinux covers (mips is not one)."""
    target = musldetect.target(platform="manylinux_2_28_mips64", python="3.12")
    assert list(target.platform_tags) == packaging_platform_tags(monkeypatch, "glibc", (2, 28), "mips64")
    assert list(target.platform_tags) == ["linux_mips64"]


@pytest.mark.parametrize("python", ["/usr/bin/python3.14", "/usr/bin/python3.14d"])
def test_glibc_image_equals_packaging_inside_it(python):
    """Debian sid's CPython 3.14, release and debug builds, with sid's glibc
    (tests/python/sid-python314.sh), read as an image and run under chroot."""
    from oracle import skip_or_fail

    root = os.environ.get("MUSLDETECT_SID_ROOT")
    if not root or not os.path.isdir(root):
        skip_or_fail("no sid image with CPython 3.14 (tests/python/sid-python314.sh; MUSLDETECT_SID_ROOT)")
    target = musldetect.target(root=root, python=python)
    tags, markers = _packaging_inside(root, python)
    assert list(target.sys_tags) == tags
    assert target.libc.family == "glibc" and target.libc.version >= (2, 40)
    assert target.python.debug is python.endswith("d")
    assert target.marker_environment == {k: markers[k] for k in target.marker_environment}
