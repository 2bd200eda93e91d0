"""``musldetect-audit-dist``: audit every wheel in a folder (``dist/`` by default).

What the pre-commit hook runs (``.pre-commit-hooks.yaml``), kept as an alias of
``musldetect audit --wheels-in dist``: it differs only where a hook needs it to, a folder
that does not exist (a fresh clone before any build) passes with a note instead of being
a usage error. Every other option goes to the ``audit`` command; its exit code is the
command's.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from ._cli import main as cli_main


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="musldetect-audit-dist",
        description="Audit every wheel under a folder; "
        "other options are musldetect audit's (--json, --jobs N, --waive ...).",
    )
    parser.add_argument(
        "--dist",
        action="append",
        metavar="FOLDER",
        help="a folder of wheels, searched recursively (repeatable; default: dist)",
    )
    args, audit_options = parser.parse_known_args(argv)
    folders = args.dist or ["dist"]
    present = [folder for folder in folders if os.path.isdir(folder)]
    if not present:
        print(f"musldetect-audit-dist: no folder {', '.join(folders)}: nothing to audit", file=sys.stderr)
        return 0
    return cli_main(["audit", *audit_options, *(arg for folder in present for arg in ("--wheels-in", folder))])
