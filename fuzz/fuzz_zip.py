"""Coverage-guided fuzzing of the wheel container (atheris), on the differential harness.

    python fuzz/fuzz_zip.py -max_total_time=600          # the long run
    python fuzz/fuzz_zip.py -max_total_time=20           # CI's quick run

Each input picks a base wheel (one built here, and the smallest cached real wheels), one of
the harness's structural mutants of it (tests/zipharness.py) and then byte edits; the mutant
is read by musldetect, zipfile, the streaming local-header reader and pypa's installer. A
wheel musldetect accepts that another reader reads otherwise, or any exception other than
musldetect's refusals (a crash, a hang), stops the run.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path

import atheris

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tests"))

with atheris.instrument_imports():
    import musldetect  # noqa: F401
    from musldetect._audit import _record, _zip, _zip_records  # noqa: F401  (instrumented)

import zipharness as zh  # noqa: E402
from builders import make_wheel  # noqa: E402

WORKDIR = Path(tempfile.mkdtemp(prefix="musldetect-fuzz-zip-"))
BASES = [
    make_wheel(
        WORKDIR, "pkg", ["py3-none-any"], {"pkg/__init__.py": b"x = 1\n" * 50, "pkg/_c.so": b"\x7fELF" + bytes(200)}
    )
]
BASES += zh.base_wheels(zh.wheel_folder(), 60_000)[:3]
ENTRIES = [zh.entries_of(Path(path).read_bytes()) for path in BASES]
TARGETS = [str(WORKDIR / "mutant" / os.path.basename(path)) for path in BASES]  # installers match the names
os.mkdir(WORKDIR / "mutant")


def mutant(fdp: atheris.FuzzedDataProvider, index: int) -> bytes:
    base = ENTRIES[index]
    shapes = list(zh.structured_mutants(base, random.Random(fdp.ConsumeIntInRange(0, 1 << 16))))
    out = bytearray(shapes[fdp.ConsumeIntInRange(0, len(shapes) - 1)].data)
    for _ in range(fdp.ConsumeIntInRange(0, 8)):
        if not out:
            break
        at = fdp.ConsumeIntInRange(0, len(out) - 1)
        out[at] = fdp.ConsumeIntInRange(0, 255)
    return bytes(out)


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    index = fdp.ConsumeIntInRange(0, len(ENTRIES) - 1)
    with open(TARGETS[index], "wb") as fh:
        fh.write(mutant(fdp, index))
    verdict = zh.judge(TARGETS[index], "fuzz")
    if verdict.violation:
        raise AssertionError(f"musldetect accepted a wheel another reader reads otherwise: {verdict.violation}")


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
