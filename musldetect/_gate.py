"""``musldetect-audit-dist``: audit every wheel in a folder (``dist/`` by default).

What the pre-commit hook runs (``.pre-commit-hooks.yaml``): a hook cannot glob, and a plain
folder given to ``musldetect audit`` means an unpacked tree, so this entry point lists the
folder's ``*.whl`` files (sorted, so the order is the same everywhere) and hands them with
every other option to the ``audit`` command; its exit code is the command's. A folder
without wheels says so on stderr and passes: a commit before any build must not fail.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from ._cli import main as cli_main


def wheels_in(folders: List[str]) -> List[str]:
    """The ``*.whl`` files directly in each folder, each folder's sorted by name."""
    found = []
    for folder in folders:
        if os.path.isdir(folder):
            found.extend(sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".whl")))
    return found


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="musldetect-audit-dist", description="Audit every wheel in a folder; "
                                     "other options are musldetect audit's (--json, --jobs N, ...).")
    parser.add_argument("--dist", action="append", metavar="FOLDER",
                        help="a folder of wheels (repeatable; default: dist)")
    args, audit_options = parser.parse_known_args(argv)
    folders = args.dist or ["dist"]
    wheels = wheels_in(folders)
    if not wheels:
        print(f"musldetect-audit-dist: no wheels in {', '.join(folders)}: nothing to audit", file=sys.stderr)
        return 0
    return cli_main(["audit", *audit_options, *wheels])
