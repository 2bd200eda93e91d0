"""inspect() on Debian's real musl and glibc builds for many architectures and releases."""

from __future__ import annotations

import glob
import os

import pytest

import musldetect
from musldetect._elf import ELFFile

import elfwriter as w
from builders import packages_root
from oracle import corpus_manifest, upstream_version

DEBIAN_ARCH = {
    "amd64": "x86_64",
    "arm64": "aarch64",
    "i386": "i686",
    "armhf": "armv7l",
    "s390x": "s390x",
    "ppc64el": "ppc64le",
}


def rows(pkg):
    return [r for r in corpus_manifest() if r["pkg"] == pkg]


def find(directory, *patterns):
    for pattern in patterns:
        found = sorted(glob.glob(os.path.join(directory, pattern)))
        if found:
            return found[0]
    raise AssertionError(f"none of {patterns} in {directory}")


LIBRARIES = [
    # package, family, where the library lies, version components that are compared
    ("musl", "musl", ("lib/*-linux-musl*/libc.so", "usr/lib/*-linux-musl*/libc.so"), 3),
    ("libc6", "glibc", ("lib/*-linux-gnu*/libc.so.6", "usr/lib/*-linux-gnu*/libc.so.6"), 2),
]


@pytest.mark.parametrize("pkg,family,patterns,parts", LIBRARIES, ids=[lib[0] for lib in LIBRARIES])
def test_every_c_library(pkg, family, patterns, parts):
    checked = 0
    for row in rows(pkg):
        info = musldetect.inspect(find(row["dir"], *patterns))
        expected = ".".join(upstream_version(row["version"]).split(".")[:parts])
        assert (info.family, info.version_string, info.arch) == (family, expected, DEBIAN_ARCH[row["arch"]]), row
        assert info.reason == "", (row, info)
        if family == "musl":  # every build here is >= 1.2: 64-bit time_t on all architectures
            assert info.time64 is True, (row, info)
        checked += 1
    assert checked >= 10, f"too few {pkg} builds in the corpus"


def test_glibc_programs_follow_pt_interp_inside_root(tmp_path):
    libc6 = {(r["suite"], r["arch"]): r for r in rows("libc6")}
    checked = 0
    for row in rows("libc-bin"):
        base = libc6.get((row["suite"], row["arch"]))
        if base is None:
            continue
        root = packages_root(tmp_path / f"{row['suite']}-{row['arch']}", base["dir"], row["dir"])
        program = find(str(root), "usr/bin/getconf")
        info = musldetect.inspect(program, root=str(root))
        expected = ".".join(upstream_version(base["version"]).split(".")[:2])
        assert (info.family, info.version_string, info.arch) == ("glibc", expected, DEBIAN_ARCH[row["arch"]]), row
        assert info.interpreter and info.path.startswith(str(root)), info
        checked += 1
    assert checked >= 10


def test_musl_programs_follow_pt_interp_inside_root(tmp_path):
    checked = 0
    for row in rows("musl"):
        root = packages_root(tmp_path / f"{row['suite']}-{row['arch']}", row["dir"])
        links = glob.glob(str(root / "lib" / "ld-musl-*.so.1"))
        assert links, row
        interp = "/lib/" + os.path.basename(links[0])
        with ELFFile(links[0]) as loader:  # a program of the loader's own class, byte order and machine
            program = w.executable(
                interp.encode() + b"\x00",
                bits=loader.bits,
                byteorder=loader.byteorder,
                machine=loader.machine,
                flags=loader.flags,
            )
        path = root / "usr" / "bin" / "prog"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(program)
        info = musldetect.inspect(str(path), root=str(root))
        assert (info.family, info.version_string, info.interpreter) == (
            "musl",
            upstream_version(row["version"]),
            interp,
        ), row
        checked += 1
    assert checked >= 10


def test_musl_releases_built_from_debian_sources():
    """Releases the archive offered only as source (tests/musl/build-musl-releases.sh)."""
    from oracle import CACHE, loader_banner_version, skip_or_fail

    listing = os.path.join(CACHE, "musl-built", "releases.tsv")
    if not os.path.exists(listing):
        skip_or_fail("no musl release was built from source (tests/musl/build-musl-releases.sh)")
    with open(listing) as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh if line.strip()]
    for version, _origin, loader in rows:
        info = musldetect.inspect(loader)
        assert (info.family, info.version_string) == ("musl", version) == ("musl", loader_banner_version(loader))
