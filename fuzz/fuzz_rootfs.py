"""Coverage-guided fuzzing of image reads (atheris): nothing outside root, nothing blocks.

    python fuzz/fuzz_rootfs.py -max_total_time=600          # the long run
    python fuzz/fuzz_rootfs.py -max_total_time=30           # CI's quick run

Each input is decoded into an image (directories, ELF programs and loaders, sysconfig
data, symlinks to anywhere, FIFOs, sockets, device nodes, sparse files, odd names) by the
test harness's ``build_tree``; ``target(root=)`` and ``inspect(root=)`` then run under its
recorder. An access outside the root, a hang or an undocumented exception stops the run.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

import atheris

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tests"))

with atheris.instrument_imports():
    import musldetect  # noqa: F401
    from musldetect import _inspect, _python, _rootfs, _target  # noqa: F401  (instrumented)

from rootfs_harness import (
    BASES,
    FILE_KINDS,
    INTERESTING,
    NAMES,
    NODE_KINDS,
    build_tree,
    exercise,
    link_targets,
    make_canary,  # noqa: E402
)

WORKDIR = tempfile.mkdtemp(prefix="musldetect-fuzz-rootfs-")
OUTSIDE = os.path.join(WORKDIR, "outside")
make_canary(OUTSIDE)
KINDS = ("dir", "symlink") + FILE_KINDS + NODE_KINDS
LINKS = link_targets(OUTSIDE)


def decode(data: bytes) -> list:
    """The input as build_tree operations, laid over one of the base images."""
    fdp = atheris.FuzzedDataProvider(data)
    ops = []
    for _ in range(fdp.ConsumeIntInRange(0, 24)):
        kind = KINDS[fdp.ConsumeIntInRange(0, len(KINDS) - 1)]
        if fdp.ConsumeBool():
            parts = INTERESTING[fdp.ConsumeIntInRange(0, len(INTERESTING) - 1)]
        else:
            parts = tuple(NAMES[fdp.ConsumeIntInRange(0, len(NAMES) - 1)] for _ in range(fdp.ConsumeIntInRange(1, 6)))
        if kind == "symlink" and fdp.ConsumeBool():
            arg = LINKS[fdp.ConsumeIntInRange(0, len(LINKS) - 1)]
        else:
            arg = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40))
        ops.append((kind, parts, arg))
    return ops + list(BASES[fdp.ConsumeIntInRange(0, len(BASES) - 1)])


def test_one_input(data: bytes) -> None:
    root = tempfile.mkdtemp(dir=WORKDIR)
    try:
        try:
            build_tree(root, decode(data))
        except (OSError, ValueError):  # a name the file system will not take
            return
        exercise(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
