"""Shared by the Mach-O/PE tests: where the real macOS and Windows wheels are, lief as the
oracle, and what a missing piece does (a skip here, a failure in CI's formats stage, which
sets MUSLDETECT_REQUIRE_FORMATS=1 because it installs all of it)."""

from __future__ import annotations

import glob
import os
import zipfile
from typing import Any, Iterator, List, Tuple

import pytest

LISTED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "audit", "formats.txt")


def skip_or_fail(reason: str) -> None:
    if os.environ.get("MUSLDETECT_REQUIRE_FORMATS") == "1":
        pytest.fail(f"{reason} (MUSLDETECT_REQUIRE_FORMATS=1)")
    pytest.skip(reason)


def require_lief() -> Any:
    try:
        import lief
    except ImportError:
        skip_or_fail("lief (the Mach-O/PE oracle) is not installed: pip install lief")
    lief.logging.disable()
    return lief


def format_wheels() -> List[str]:
    """The pinned wheels of tests/audit/formats.txt, all of them, or a skip/failure."""
    directory = os.environ.get("MUSLDETECT_FORMAT_WHEELS")
    if not directory:
        skip_or_fail(
            "the macOS/Windows wheels come from tests/audit/fetch-wheels.sh PYTHON tests/audit/formats.txt "
            "wheels-formats; "
            "MUSLDETECT_FORMAT_WHEELS names their directory (.ci/run's formats stage sets it)"
        )
        return []
    found = sorted(glob.glob(os.path.join(str(directory), "*.whl")))
    with open(LISTED) as fh:
        listed = [line for line in fh if line.strip() and not line.startswith("#")]
    if len(found) < len(listed):
        skip_or_fail(f"{len(found)} of the {len(listed)} pinned wheels are in {directory}")
    return found


def wheel(name_start: str) -> str:
    """The one pinned wheel whose file name starts so."""
    hits = [w for w in format_wheels() if os.path.basename(w).lower().startswith(name_start.lower())]
    assert len(hits) == 1, (name_start, hits)
    return hits[0]


def members(path: str, magics: Tuple[bytes, ...]) -> Iterator[Tuple[str, bytes]]:
    """(name, bytes) of every member of the wheel that starts with one of the magics."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.file_size < 64:
                continue
            data = archive.read(info)
            if data[:4] in magics or data[:2] in magics:
                yield info.filename, data
