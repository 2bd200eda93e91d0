"""Building real test material in the run: C and C++ files with the host's compilers, and
wheels (zip files with the metadata a wheel carries) around them."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import zipfile
from typing import Dict, Iterable, Optional, Sequence

import pytest

from oracle import skip_or_fail


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


def make_wheel(directory, distribution: str, tags: Sequence[str], members: Dict[str, bytes], *,
               wheel_tags: Optional[Iterable[str]] = None, file_name: Optional[str] = None) -> str:
    """A wheel as build tools write it: the members, METADATA, WHEEL with one Tag line per
    tag (``wheel_tags`` to make it disagree with the name) and RECORD."""
    pythons = sorted({t.split("-")[0] for t in tags})
    abis = sorted({t.split("-")[1] for t in tags})
    platforms = sorted({t.split("-")[2] for t in tags})
    name = file_name or f"{distribution}-1.0-{'.'.join(pythons)}-{'.'.join(abis)}-{'.'.join(platforms)}.whl"
    info = f"{distribution}-1.0.dist-info"
    files = dict(members)
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n".encode()
    files[f"{info}/WHEEL"] = ("Wheel-Version: 1.0\nGenerator: musldetect-tests\nRoot-Is-Purelib: false\n"
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
