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

from builders import musl_python_image, musl_python_prefix
from oracle import cli, run_json

if sys.version_info < (3, 9):
    pytest.skip("packaging 26.3, the reference for parity, needs Python 3.9 or later", allow_module_level=True)
packaging_tags = pytest.importorskip("packaging.tags")


def test_sys_tags_equal_packaging_and_are_cached():
    assert list(musldetect.sys_tags()) == [str(tag) for tag in packaging_tags.sys_tags()]
    assert musldetect.sys_tags() is musldetect.sys_tags()
    assert musldetect.target().sys_tags == musldetect.sys_tags()
    assert musldetect.target().platform_tags == musldetect.platform_tags()


def test_sys_tags_import_no_packaging():
    code = (
        "import json, sys, musldetect; tags = musldetect.sys_tags(); "
        "print(json.dumps([len(tags), 'packaging' in sys.modules]))"
    )
    count, imported = run_json(code)
    assert count > 100 and imported is False


def test_running_python_facts_equal_sysconfig_and_platform():
    """The facts sys_tags() reads without sysconfig or platform are theirs, on every interpreter
    CI runs (the debug and free-threaded builds included)."""
    import platform
    import sysconfig

    from musldetect._python import running_python

    facts = running_python()
    py_debug = sysconfig.get_config_var("Py_DEBUG")
    assert facts.debug == (bool(py_debug) if py_debug is not None else hasattr(sys, "gettotalrefcount"))
    assert facts.free_threaded == bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    assert facts.ext_suffix == sysconfig.get_config_var("EXT_SUFFIX")
    assert facts.full_version == platform.python_version()
    nodot = sysconfig.get_config_var("py_version_nodot")
    assert (facts.version_nodot or f"{sys.version_info[0]}{sys.version_info[1]}") == nodot


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3.11.2 (main, Mar 13 2023, 12:18:29) [GCC 12.2.0]", "3.11.2"),
        ("3.14.0a1+ (heads/main:abc, Oct 1 2024, 10:00) [GCC 14]", "3.14.0a1+"),
        ("3.13.0rc1 (main, Aug 1 2024, 10:00:00) [Clang 18]", "3.13.0rc1"),
        ("3.12 (main, Oct 2 2023, 10:00:00) [GCC 12.2.0]", "3.12.0"),
    ],
)
def test_python_version_text_reads_sys_version_as_platform_does(monkeypatch, text, expected):
    import platform

    from musldetect._python import python_version_text

    monkeypatch.setattr(sys, "version", text)
    platform._sys_version_cache.clear()
    assert python_version_text(text) == platform.python_version() == expected


def test_process_markers_equal_packagings():
    from packaging.markers import default_environment

    ours = musldetect.target().marker_environment
    theirs = default_environment()
    assert ours == {key: theirs[key] for key in ours}
    assert {
        "sys_platform",
        "platform_machine",
        "python_version",
        "python_full_version",
        "implementation_name",
        "platform_python_implementation",
        "os_name",
        "platform_system",
    } <= set(ours)


ARCHS = ["x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64", "loongarch64"]
LIBCS = [
    ("manylinux_2_17", "glibc", (2, 17)),
    ("manylinux_2_39", "glibc", (2, 39)),
    ("musllinux_1_1", "musl", (1, 1)),
    ("musllinux_1_2", "musl", (1, 2)),
]
PYTHONS = [("3.8", (3, 8), "cp38"), ("3.12", (3, 12), "cp312"), ("3.13t", (3, 13), "cp313t")]


def packaging_platform_tags(monkeypatch, family, version, arch):
    """packaging's platform list for that platform, from its own rules."""
    from packaging import _manylinux, _musllinux

    if family is None:  # linux_<arch>: no C library known
        family, version = "none", None

    monkeypatch.setenv("_PYTHON_HOST_PLATFORM", f"linux-{arch}")
    original = _manylinux._have_compatible_abi
    # A named armv7l/i686 target is the hard-float/i686 ABI (packaging would read sys.executable).
    monkeypatch.setattr(
        _manylinux,
        "_have_compatible_abi",
        lambda executable, archs: True if set(archs) & {"armv7l", "i686"} else original(executable, archs),
    )
    monkeypatch.setattr(_manylinux, "_get_glibc_version", lambda: version if family == "glibc" else (-1, -1))
    monkeypatch.setattr(
        _musllinux,
        "_get_musl_version",
        lambda executable: _musllinux._MuslVersion(*version) if family == "musl" else None,
    )
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


# Spellings from the tools' documentation: packaging/pip tags (pip install --platform),
# uv's --python-platform names, maturin's and cargo-zigbuild's --target triples.
ACCEPTED_SPECS = [
    ("manylinux2014_x86_64", ("glibc", (2, 17), "x86_64")),  # pip's docs
    ("linux_x86_64", (None, None, "x86_64")),
    ("manylinux1_i686", ("glibc", (2, 5), "i686")),
    ("manylinux2010_x86_64", ("glibc", (2, 12), "x86_64")),
    ("manylinux_2_5_x86_64", ("glibc", (2, 5), "x86_64")),
    ("manylinux2014_armv7l", ("glibc", (2, 17), "armv7l")),
    ("manylinux2014_ppc64", ("glibc", (2, 17), "ppc64")),
    ("musllinux_1_1_i686", ("musl", (1, 1), "i686")),
    ("musllinux_1_2_loongarch64", ("musl", (1, 2), "loongarch64")),
    ("linux_riscv64", (None, None, "riscv64")),
    ("linux_mips64", (None, None, "mips64")),  # open, with a note
    ("linux", ("glibc", (2, 28), "x86_64")),  # uv's alias
    ("x86_64-unknown-linux-gnu", ("glibc", (2, 28), "x86_64")),  # uv's triples, uv's versions
    ("aarch64-unknown-linux-gnu", ("glibc", (2, 28), "aarch64")),
    ("powerpc64le-unknown-linux-gnu", ("glibc", (2, 28), "ppc64le")),
    ("s390x-unknown-linux-gnu", ("glibc", (2, 28), "s390x")),
    ("loongarch64-unknown-linux-gnu", ("glibc", (2, 36), "loongarch64")),
    ("riscv64-unknown-linux-gnu", ("glibc", (2, 39), "riscv64")),  # uv's Riscv64UnknownLinuxGnu, "min 2.39"
    ("riscv64-unknown-linux-gnu.2.31", ("glibc", (2, 31), "riscv64")),  # GCC's and LLVM's arch name
    ("aarch64-unknown-linux-musl", ("musl", (1, 2), "aarch64")),
    ("x86_64-unknown-linux-musl", ("musl", (1, 2), "x86_64")),
    ("x86_64-manylinux_2_28", ("glibc", (2, 28), "x86_64")),  # uv's ARCH-tag names
    ("aarch64-manylinux2014", ("glibc", (2, 17), "aarch64")),
    ("x86_64-manylinux_2_40", ("glibc", (2, 40), "x86_64")),
    ("powerpc64le-manylinux_2_17", ("glibc", (2, 17), "ppc64le")),
    ("x86_64-musllinux_1_1", ("musl", (1, 1), "x86_64")),
    ("x86_64-unknown-linux-gnu.2.17", ("glibc", (2, 17), "x86_64")),  # cargo-zigbuild
    ("aarch64-unknown-linux-gnu.2.17", ("glibc", (2, 17), "aarch64")),
    ("armv7-unknown-linux-gnueabihf.2.17", ("glibc", (2, 17), "armv7l")),
    ("i686-unknown-linux-gnu.2.12", ("glibc", (2, 12), "i686")),
    ("riscv64gc-unknown-linux-gnu.2.31", ("glibc", (2, 31), "riscv64")),
    ("powerpc64-unknown-linux-gnu.2.17", ("glibc", (2, 17), "ppc64")),
    ("x86_64-unknown-linux-gnu.2.42", ("glibc", (2, 42), "x86_64")),
]

REFUSED_SPECS = [
    ("", "empty"),
    ("win_amd64", "not a platform tag"),
    ("x86_64-pc-windows-msvc", "not a platform tag, a uv platform name"),
    ("aarch64-apple-darwin", "not a platform tag, a uv platform name"),
    ("x86_64-unknown-linux-gnux32", "ABI 'gnux32' is not 'gnu' or 'musl'"),
    ("aarch64-unknown-linux-gnu_ilp32", "ABI 'gnu_ilp32'"),
    ("armv7-unknown-linux-gnueabi", "ABI 'gnueabi' is not 'gnueabihf'"),
    ("armv7-unknown-linux-gnueabi.2.17", "ABI 'gnueabi' is not 'gnueabihf'"),
    ("arm-unknown-linux-gnueabihf", "arch 'arm' of the triple"),  # ARMv6
    ("arm-unknown-linux-gnueabi", "arch 'arm' of the triple"),  # soft float
    ("i586-unknown-linux-gnu", "arch 'i586' of the triple"),
    ("thumbv7neon-unknown-linux-gnueabihf", "arch 'thumbv7neon'"),
    ("mips64-unknown-linux-gnuabi64", "arch 'mips64'"),
    ("armv7-unknown-linux-gnueabihf", "names no glibc version"),
    ("i686-unknown-linux-gnu", "names no glibc version"),
    ("armv7-unknown-linux-musleabihf", "names no musl version"),
    ("x86_64-unknown-linux-musl.1.2", "takes no version suffix"),
    ("aarch64-unknown-linux-gnu.2", "'2' is not MAJOR.MINOR"),
    ("aarch64-unknown-linux-gnu.2.17.1", "is not MAJOR.MINOR"),
    ("aarch64-unknown-linux-gnu.2.12", "older than manylinux's floor on aarch64 (2.17)"),
    ("manylinux_2_12_aarch64", "older than manylinux's floor on aarch64"),
    ("manylinux_2_4_x86_64", "older than manylinux's floor on x86_64 (2.5)"),
    ("manylinux_2_x_x86_64", "not MAJOR.MINOR"),
    ("manylinux_2_028_x86_64", "not MAJOR.MINOR"),
    ("manylinux_2_28_amd64", "arch 'amd64' is not one manylinux defines"),
    ("manylinux_2_28_mips64", "arch 'mips64' is not one manylinux defines"),
    ("manylinux_2_28_x86_64_v3", "arch 'x86_64_v3'"),
    ("manylinux1_aarch64", "manylinux1 is defined for i686, x86_64"),
    ("manylinux2010_armv7l", "manylinux2010 is defined for"),
    ("manylinux2014_riscv64", "manylinux2014 is defined for"),
    ("musllinux_1_aarch64", "musllinux_X_Y_ARCH expected"),
    ("musllinux_1_2_ppc64", "arch 'ppc64' is not one musllinux defines"),
    ("musllinux_2_0_x86_64", "musl 2.x does not exist"),
    ("X86_64-manylinux_2_28", "arch 'X86_64'"),
    ("x86_64-linux", "'linux' after the arch"),
    ("amd64-manylinux_2_28", "arch 'amd64'"),
    ("linux_", "arch '' is not an arch name"),
    ("linux_X86", "arch 'X86' is not an arch name"),
    ("linux_x86-64", "arch 'linux_x86' is not one"),
]


@pytest.mark.parametrize("spec,expected", ACCEPTED_SPECS)
def test_accepted_spellings_equal_packaging(monkeypatch, spec, expected):
    """Each accepted spelling means exactly its platform: packaging's own rules for it give
    the same tags."""
    target = musldetect.target(platform=spec, python="3.12")
    assert (target.libc.family, target.libc.version, target.arch) == expected
    family, version, arch = expected
    assert list(target.platform_tags) == packaging_platform_tags(monkeypatch, family, version, arch)
    assert musldetect.target(platform=f"  {spec}\n", python="3.12").platform_tags == target.platform_tags


@pytest.mark.parametrize("spec,message", REFUSED_SPECS)
def test_refused_spellings_name_the_part_not_understood(spec, message):
    with pytest.raises(ValueError) as caught:
        musldetect.target(platform=spec)
    text = str(caught.value)
    assert message in text
    assert "accepted forms: manylinux_2_28_x86_64" in text
    assert all(len(line) <= 200 for line in text.splitlines()), text  # short lines, not the whole grammar


def test_the_cli_refuses_with_exit_2():
    result = cli("tags", "--platform", "aarch64-unknown-linux-gnu.2.12")
    assert result.returncode == 3 and "older than manylinux's floor" in result.stderr


def test_an_arch_outside_manylinux_is_noted(monkeypatch):
    target = musldetect.target(platform="linux_mips64", python="3.12")
    assert list(target.platform_tags) == ["linux_mips64"]
    assert any("outside manylinux and musllinux" in reason for reason in target.reasons)


def test_arch_lists_equal_auditwheels_policies():
    """The arches each family defines, and the legacy aliases', against auditwheel's
    published policy files (an independent source: a new arch there fails here)."""
    from musldetect import _grammar

    try:
        import auditwheel
    except ImportError:
        from oracle import skip_or_fail

        skip_or_fail("auditwheel is not installed (the test extra installs it)")
    policies = os.path.join(os.path.dirname(auditwheel.__file__), "policy")
    with open(os.path.join(policies, "manylinux-policy.json")) as fh:
        manylinux = [p for p in json.load(fh) if p["name"] != "linux"]
    with open(os.path.join(policies, "musllinux-policy.json")) as fh:
        musllinux = [p for p in json.load(fh) if p["name"] != "linux"]
    assert set(_grammar.MANYLINUX_ARCHS) == {arch for p in manylinux for arch in p["symbol_versions"]}
    assert set(_grammar.MUSLLINUX_ARCHS) == {arch for p in musllinux for arch in p["symbol_versions"]}
    aliases = {alias: (p["name"], set(p["symbol_versions"])) for p in manylinux for alias in p["aliases"]}
    assert set(aliases) == set(_grammar.LEGACY_ARCHS) == set(_grammar.LEGACY_VERSIONS)
    for alias, (name, archs) in aliases.items():
        assert set(_grammar.LEGACY_ARCHS[alias]) == archs, alias
        assert name == "manylinux_{}_{}".format(*_grammar.LEGACY_VERSIONS[alias])


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"platform": "musllinux_1_2_x86_64", "python": "2.7"}, "not understood"),
        ({"platform": "musllinux_1_2_x86_64", "python": "3.12t"}, "free-threaded builds exist from 3.13"),
        ({"platform": "musllinux_1_2_x86_64", "root": "/"}, "not both"),
        ({"python": "3.12"}, "needs root= or platform="),
    ],
)
def test_inconsistent_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        musldetect.target(**kwargs)


# -- images, read statically, against packaging run inside them (chroot) ------------------


def _packaging_inside(root, python):
    from oracle import skip_or_fail

    if os.geteuid() != 0:
        skip_or_fail("running packaging inside the image needs chroot, which needs root")
    code = (
        "import json, packaging.tags as t, packaging.markers as m; "
        "print(json.dumps([[str(x) for x in t.sys_tags()], m.default_environment()]))"
    )
    chroot = shutil.which("chroot") or "/usr/sbin/chroot"
    proc = subprocess.run(
        [chroot, str(root), python, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"},
    )
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
    root, python = musl_python_image(tmp_path, loader)
    target = musldetect.target(root=str(root))
    tags, markers = _packaging_inside(root, python)
    assert list(target.sys_tags) == tags
    assert target.libc.family == "musl" and target.libc.path.startswith(str(root))
    assert target.marker_environment == {k: markers[k] for k in target.marker_environment}


def test_image_without_python_reads_bin_sh_inside_root(tmp_path):
    """bin/sh an absolute link (busybox style): followed inside the image, never to the host's."""
    python, _ = musl_python_prefix()
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

SPEC = ("--platform", "aarch64-manylinux_2_28", "--python", "3.12")


def test_pip_arguments_read_by_pips_own_parser():
    pip_commands = pytest.importorskip("pip._internal.commands", reason="pip is not importable here")
    import shlex

    proc = cli("tags", *SPEC, "--format", "pip")
    assert proc.returncode == 0, proc.stderr
    command = pip_commands.create_command("download")
    options, _ = command.parse_args(shlex.split(proc.stdout))
    target = musldetect.target(platform="aarch64-manylinux_2_28", python="3.12")
    assert options.platforms == sorted(target.platform_tags, key=lambda tag: tag.startswith("linux_"))  # portable first
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
    proc = cli("inspect", "prog", "--root", str(tmp_path), "--platform-tags")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [
        "linux_aarch64",
        "musllinux_1_2_aarch64",
        "musllinux_1_1_aarch64",
        "musllinux_1_0_aarch64",
    ]
    found = musldetect.target(path="prog", root=tmp_path)
    assert found.source == "file:prog" and found.python is None
    assert list(found.platform_tags) == proc.stdout.split()


def test_explain_says_why_each_family_is_in_or_out():
    out = cli("explain", "--platform", "musllinux_1_2_x86_64", "--python", "3.12").stdout
    assert "manylinux:  none: the C library is musl, not glibc" in out
    assert "musllinux:  musllinux_1_2_x86_64 down to musllinux_1_0_x86_64" in out
    own = cli("explain").stdout
    family = musldetect.libc().family
    assert f"C library:  {family} " in own and "override:   none" in own
    other = "musllinux" if family == "glibc" else "manylinux"
    assert f"{other}:  none: the C library is {family}" in own
    forced = subprocess.run(
        [sys.executable, "-m", "musldetect", "explain"],
        capture_output=True,
        text=True,
        env=dict(os.environ, MUSLDETECT_LIBC="none"),
        timeout=120,
    )
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


@pytest.mark.parametrize(
    "ext_suffix",
    [".pypy39-pp73-x86_64-linux-gnu.so", ".pypy311-pp73-aarch64-linux-gnu.so", ".graalpy-240-native-x86_64-linux.so"],
)
def test_generic_interpreters_match_packaging(monkeypatch, ext_suffix):
    """PyPy and others take packaging's generic path: the ABI from EXT_SUFFIX."""
    from musldetect._python import PythonFacts, interpreter_tags

    monkeypatch.setattr(
        packaging_tags, "_get_config_var", lambda name, warn=False: ext_suffix if name == "EXT_SUFFIX" else None
    )
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


@pytest.mark.parametrize(
    "python", ["/usr/bin/python3.14", "/usr/bin/python3.14d", "/usr/bin/python3.15", "/usr/bin/python3.15d"]
)
def test_glibc_image_equals_packaging_inside_it(python):
    """Debian sid's CPython 3.14 and 3.15, release and debug builds, with sid's glibc
    (tests/python/sid-python314.sh), read as an image and run under chroot."""
    from oracle import skip_or_fail

    root = os.environ.get("MUSLDETECT_SID_ROOT")
    if not root or not os.path.isdir(root):
        skip_or_fail("no sid image with CPython 3.14 (tests/python/sid-python314.sh; MUSLDETECT_SID_ROOT)")
    if not os.path.exists(os.path.join(root, python.lstrip("/"))):
        skip_or_fail(f"the sid image has no {python} (an image built before 3.15 joined it: rerun the script)")
    target = musldetect.target(root=root, python=python)
    tags, markers = _packaging_inside(root, python)
    assert list(target.sys_tags) == tags
    assert target.libc.family == "glibc" and target.libc.version >= (2, 40)
    assert target.python.debug is python.endswith("d")
    assert target.marker_environment == {k: markers[k] for k in target.marker_environment}
