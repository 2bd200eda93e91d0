"""Building real test material in the run: C and C++ files with the host's compilers, and
wheels (zip files with the metadata a wheel carries) around them."""

from __future__ import annotations

import base64
import glob
import hashlib
import os
import shutil
import subprocess
import zipfile
from typing import Dict, Iterable, Optional, Sequence

import pytest

from oracle import corpus_manifest, find_musl_python, skip_or_fail


def compile_c(tmp_path, compiler, source, name, *flags, suffix=".c"):
    """Build ``source`` with ``compiler`` (gcc, g++, musl-gcc) into tmp_path/name."""
    if not shutil.which(compiler):
        skip_or_fail(f"{compiler} is missing (apt-get install gcc g++ musl-tools)")
    src = tmp_path / (name + suffix)
    src.write_text(source)
    out = tmp_path / name
    build = subprocess.run([compiler, *flags, "-o", str(out), str(src)], stderr=subprocess.PIPE, text=True)
    if build.returncode != 0:
        pytest.fail(f"{compiler} {' '.join(flags)} failed: {build.stderr[-500:]}")
    return str(out)


def program_missing_library(tmp_path, library: str) -> str:
    """A gcc-built program that needs ``library``, which is then removed: the loader's
    search must fail on it."""
    lib = compile_c(tmp_path, "gcc", "int x(void){return 1;}\n", library, "-shared", "-fPIC")
    program = compile_c(
        tmp_path,
        "gcc",
        "int main(void) { return 0; }\n",
        "needs",
        "-Wl,--no-as-needed",
        f"-L{tmp_path}",
        f"-l:{library}",
    )
    os.remove(lib)
    return program


def make_wheel(
    directory,
    distribution: str,
    tags: Sequence[str],
    members: Dict[str, bytes],
    *,
    wheel_tags: Optional[Iterable[str]] = None,
    file_name: Optional[str] = None,
    wheel_file: Optional[str] = None,
) -> str:
    """A wheel as build tools write it: the members, METADATA, WHEEL with one Tag line per
    tag (``wheel_tags`` to make it disagree with the name; ``wheel_file``: WHEEL's whole
    text) and RECORD."""
    pythons = sorted({t.split("-")[0] for t in tags})
    abis = sorted({t.split("-")[1] for t in tags})
    platforms = sorted({t.split("-")[2] for t in tags})
    name = file_name or f"{distribution}-1.0-{'.'.join(pythons)}-{'.'.join(abis)}-{'.'.join(platforms)}.whl"
    info = f"{distribution}-1.0.dist-info"
    files = dict(members)
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n".encode()
    files[f"{info}/WHEEL"] = (
        wheel_file
        if wheel_file is not None
        else "Wheel-Version: 1.0\nGenerator: musldetect-tests\nRoot-Is-Purelib: false\n"
        + "".join(f"Tag: {t}\n" for t in (wheel_tags if wheel_tags is not None else tags))
    ).encode()
    record = []
    for member, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{member},sha256={digest},{len(data)}")
    files[f"{info}/RECORD"] = ("\n".join(record) + f"\n{info}/RECORD,,\n").encode()
    path = str(directory / name)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return path


def read_bytes(path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


# -- images: directories read as another system's / ------------------------------------------

PLAIN = "int twice(int x) { return 2 * x; }\n"
USES_PLAIN = "int twice(int);\nint main(void) { return twice(1) - 2; }\n"
LIBRARY_USING_PLAIN = "int twice(int);\nint four(int x) { return twice(twice(x)); }\n"


def program_using_plain(directory, *link_flags, compiler="gcc"):
    """``prog``, a program whose main() calls libplain's twice(), linked with ``link_flags``."""
    return compile_c(directory, compiler, USES_PLAIN, "prog", "-Wl,--no-as-needed", *link_flags)


def library_using_plain(directory, name, *link_flags, compiler="gcc"):
    """A shared library whose four() calls libplain's twice(), linked with ``link_flags``
    (where libplain is, -lplain, its rpath): the extension of the loader's tests."""
    return compile_c(
        directory, compiler, LIBRARY_USING_PLAIN, name, "-shared", "-fPIC", "-Wl,--no-as-needed", *link_flags
    )


def link_tree(source: str, destination: str) -> None:
    """A copy of ``source`` at ``destination`` made of hard links (cheap for a big tree),
    links kept as links; merged into what is already there."""
    os.makedirs(os.path.dirname(str(destination)), exist_ok=True)
    shutil.copytree(source, destination, symlinks=True, copy_function=os.link, dirs_exist_ok=True)


def packages_root(tmp_path, *package_dirs):
    """A system root from unpacked packages (hard links), with usrmerge's links where needed."""
    root = tmp_path / "root"
    for directory in package_dirs:
        link_tree(directory, root)
    for top in ("lib", "lib64", "bin"):
        if not (root / top).exists() and (root / "usr" / top).exists():
            os.symlink(f"usr/{top}", root / top)
    return root


def musl_loader_image(tmp_path, path_file: str):
    """A root made of Debian's musl build: its loader, a path file, a library in a
    directory only the path file names, and a program that needs it."""
    rows = [r for r in corpus_manifest() if r["pkg"] == "musl" and r["arch"] == "amd64"]
    if not rows:
        skip_or_fail("no amd64 musl in the corpus (tests/musl/fetch-corpus.sh)")
    (libc,) = glob.glob(os.path.join(rows[0]["dir"], "*lib", "x86_64-linux-musl", "libc.so"))[:1]
    root = tmp_path / "img"
    for directory in ("lib", "etc", "opt/lib", "bin"):
        (root / directory).mkdir(parents=True)
    shutil.copy(libc, root / "lib" / "ld-musl-x86_64.so.1")
    (root / "etc" / "ld-musl-x86_64.path").write_text(path_file)
    compile_c(tmp_path, "musl-gcc", PLAIN, "libplain.so", "-shared", "-fPIC")
    shutil.copy(tmp_path / "libplain.so", root / "opt" / "lib" / "libplain.so")
    program_using_plain(tmp_path, f"-L{tmp_path}", "-lplain", compiler="musl-gcc")
    shutil.copy(tmp_path / "prog", root / "bin" / "prog")
    return root


def musl_python_prefix():
    """The musl-linked test interpreter and its prefix (skipped, or failed in CI, without it)."""
    python = find_musl_python()
    if python is None:
        skip_or_fail("the musl-linked test interpreter is missing (tests/musl/build-python.sh)")
    return python, os.path.dirname(os.path.dirname(python))


def musl_python_image(tmp_path, loader):
    """An image of the musl interpreter's own files, its loader taken from ``loader``, and
    usr/local/bin/python3 an absolute link to it, as official Python images lay it out."""
    python, prefix = musl_python_prefix()
    root = tmp_path / "image"
    link_tree(prefix, str(root) + prefix)
    (root / "lib").mkdir(parents=True, exist_ok=True)
    shutil.copy(os.path.realpath(loader), root / "lib" / f"ld-musl-{os.uname().machine}.so.1")
    (root / "usr" / "local" / "bin").mkdir(parents=True)
    os.symlink(python, root / "usr" / "local" / "bin" / "python3")
    os.symlink(os.path.basename(python), root / "usr" / "local" / "bin" / "python3.11-link")
    return root, python
