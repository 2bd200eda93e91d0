"""Writes musldetect/_audit/_stable_abi.json: every function and data symbol of CPython's
stable ABI (PEP 384, PEP 652) with the version it was added in, for the abi3/abi3t check.

Source: CPython's ``Misc/stable_abi.toml`` (the file CPython generates its ABI manifests
and ``python3.dll``'s export list from). Facts only are taken: per ``function`` and
``data`` item its name, its kind, ``added``, and the ``abi_only`` and ``ifdef`` marks
(an ``ifdef`` item exists only on builds with that feature: ``MS_WINDOWS``,
``HAVE_FORK``, ``Py_REF_DEBUG``...). Structs, macros, constants and typedefs leave no
symbol in a binary and are left out. Every item keeps its own ``added``: a main-branch
file past a release's branch point lists the next release's items (``3.16``), and those
must be judged "stable ABI from 3.16", never "not in the stable ABI". The TOML itself is
not vendored: pass the file, the repository and commit it was read from and its branch or
tag; the data records them and the file's SHA-256. tests/test_stable_abi.py holds the data
to the abi3info package's tables (an independent reading of the same file).

The current data: vstinner/cpython (a fork of python/cpython) at 05024d51, CPython main
after the 3.15 branch point (it has the 3.16 section)::

    python tools/write_stable_abi.py stable_abi-05024d51.toml --repo vstinner/cpython \
        --commit 05024d51edb4ead087aa23167f88f54cd8c52577 \
        --ref "main after the 3.15 branch point: 3.16 items kept with their version"
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(os.path.dirname(HERE), "musldetect", "_audit", "_stable_abi.json")
KINDS = ("function", "data")
UPSTREAM = "python/cpython"


def load_toml(data: bytes) -> Dict[str, Any]:
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib  # the same parser, from PyPI
    parsed: Dict[str, Any] = tomllib.loads(data.decode("utf-8"))
    return parsed


def symbols_of(table: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """name -> {kind, added, [abi_only], [ifdef]} for every function and data item."""
    found: Dict[str, Dict[str, Any]] = {}
    for kind in KINDS:
        for name, item in sorted(table.get(kind, {}).items()):
            if name in found:
                raise ValueError(f"{name} is listed as both {found[name]['kind']} and {kind}")
            entry: Dict[str, Any] = {"kind": kind, "added": str(item["added"])}
            if item.get("abi_only"):
                entry["abi_only"] = True
            if item.get("ifdef"):
                entry["ifdef"] = str(item["ifdef"])
            found[name] = entry
    return found


def source_of(repo: str) -> str:
    """Names the repository honestly: a fork's copy is not python/cpython's own."""
    if repo == UPSTREAM:
        return f"CPython Misc/stable_abi.toml ({UPSTREAM})"
    return f"CPython Misc/stable_abi.toml ({repo}, a fork of {UPSTREAM})"


def render(data: bytes, repo: str, commit: str, ref: str) -> str:
    table = load_toml(data)
    symbols = symbols_of(table)
    versions: List[str] = sorted({s["added"] for s in symbols.values()}, key=lambda v: tuple(map(int, v.split("."))))
    document = {
        "source": source_of(repo),
        "commit": commit,
        "ref": ref,
        "sha256": hashlib.sha256(data).hexdigest(),
        "written_by": "tools/write_stable_abi.py",
        "versions": versions,
        "symbols": symbols,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("toml", help="a copy of CPython's Misc/stable_abi.toml")
    parser.add_argument("--repo", default=UPSTREAM, help="the GitHub repository it was read from (owner/name)")
    parser.add_argument("--commit", required=True, help="the repository's commit (40 hex digits)")
    parser.add_argument("--ref", required=True, help="the branch or tag it was taken from")
    parser.add_argument("--check", action="store_true", help="exit 1 when the data file would change")
    args = parser.parse_args(argv)
    with open(args.toml, "rb") as fh:
        text = render(fh.read(), args.repo, args.commit, args.ref)
    from write_policies import write_or_check  # tools/ is the script's directory

    return write_or_check(TARGET, text, args.check, args.toml)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
