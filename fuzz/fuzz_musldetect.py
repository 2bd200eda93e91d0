"""Coverage-guided fuzzing of inspect() and the version rules (atheris).

    python fuzz/seed.py fuzz/corpus            # seed inputs from the test suite's ELF writer
    python fuzz/fuzz_musldetect.py fuzz/corpus -max_len=65536 -max_total_time=600

Each input is (1) fed to both twins of the musl version rules, which must agree, and
(2) written to a file and given to inspect(), which must answer or raise one of the
documented errors with a one-line message. Anything else escapes and stops the run.
For the C twin under AddressSanitizer, build the extension with -fsanitize=address,undefined
and run with LD_PRELOAD=$(gcc -print-file-name=libasan.so) PYTHONMALLOC=malloc
ASAN_OPTIONS=detect_leaks=0 (see .ci/run).
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    import musldetect
    from musldetect import _api, _inspect, _rules  # noqa: F401  (_inspect: instrumented)

try:
    from musldetect import _native
except ImportError as missing:
    # Without the extension the C twin of the rules goes unchecked: only on request.
    if os.environ.get("MUSLDETECT_FUZZ_WITHOUT_NATIVE") != "1":
        raise SystemExit(
            "musldetect._native is not built: build it, or set MUSLDETECT_FUZZ_WITHOUT_NATIVE=1 "
            "to fuzz the Python side alone"
        ) from missing
    _native = None

ALLOWED = (musldetect.ELFError, FileNotFoundError, PermissionError, IsADirectoryError)
WORKDIR = tempfile.mkdtemp(prefix="musldetect-fuzz-")
# inspect() reads a banner only from a file whose name or SONAME makes it a C library:
# the input takes each role in turn (musl's library, glibc's, any other object).
TARGETS = [os.path.join(WORKDIR, name) for name in ("libc.so", "libc.so.6", "input")]


def test_one_input(data: bytes) -> None:
    expected = _rules.musl_version_from_segments([data])
    if _native is not None:
        got = _native.musl_version_in(data)
        if got[:2] != expected[:2]:
            raise AssertionError(f"C and Python rules differ: {got!r} != {expected!r}")
    target = TARGETS[len(data) % len(TARGETS)]
    with open(target, "wb") as fh:
        fh.write(data)
    try:
        info = _api.inspect(target, root=WORKDIR)
    except ALLOWED as exc:
        if "\n" in str(exc):
            raise AssertionError(f"multi-line error: {exc!r}") from exc
        return
    if info.family == "musl" and info.version_string is not None and info.path == target:
        # A version read from this file stands in it, NUL-terminated, beside musl's banner;
        # anything else would be a version made up.
        assert _rules.MUSL_BANNER in data and info.version_string.encode() + b"\x00" in data, info


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
