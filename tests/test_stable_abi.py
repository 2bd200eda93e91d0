"""The stable ABI data abi3/abi3t judging reads, held to the abi3info package's tables.

musldetect/_audit/_stable_abi.json is written by tools/write_stable_abi.py from CPython's
Misc/stable_abi.toml at the commit named inside it (main after the 3.15 branch point);
abi3info reads the same file independently. The two tables must be equal: the same
symbols, each with the same kind, ``added``, ``abi_only`` and ``ifdef``, so a dropped,
added or re-versioned symbol fails."""

from __future__ import annotations

import json
import os
from typing import Any, Dict

import pytest

from musldetect._audit import _stable_abi

DATA = os.path.join(os.path.dirname(_stable_abi.__file__), "_stable_abi.json")


def ours() -> dict:
    with open(DATA) as fh:
        return json.load(fh)


def theirs() -> dict:
    abi3info = pytest.importorskip("abi3info", reason="abi3info is the oracle (pip install abi3info)")
    table = {}
    for kind, entries in (("function", abi3info.FUNCTIONS), ("data", abi3info.DATAS)):
        for symbol, entry in entries.items():
            row: Dict[str, Any] = {"kind": kind, "added": f"{entry.added.major}.{entry.added.minor}"}
            if entry.abi_only:
                row["abi_only"] = True
            if entry.ifdef:
                row["ifdef"] = entry.ifdef.name
            table[symbol.name] = row
    return table


def test_every_symbol_agrees_with_abi3info():
    data, oracle = ours(), theirs()
    assert len(oracle) == 968
    missing = sorted(set(oracle) - set(data["symbols"]))
    extra = sorted(set(data["symbols"]) - set(oracle))
    differ = sorted(name for name in oracle if name in data["symbols"] and data["symbols"][name] != oracle[name])
    assert (missing, extra, differ) == ([], [], [])


def test_versions_list_every_added():
    data = ours()
    added = {entry["added"] for entry in data["symbols"].values()}
    assert data["versions"] == sorted(added, key=lambda v: tuple(int(part) for part in v.split(".")))


def test_the_issues_symbols():
    assert _stable_abi.lookup("PyUnicode_AsUTF8AndSize").added == (3, 10)
    assert _stable_abi.lookup("PyCode_New") is None
    assert _stable_abi.lookup("PyType_FromSpec").added == (3, 2)
    assert _stable_abi.lookup("Py_TYPE").added == (3, 14)
    assert _stable_abi.lookup("_Py_Dealloc").abi_only
    # Main after the 3.15 branch point: 3.15's late additions, and 3.16's first items
    # keep their own version rather than vanishing from the table.
    assert _stable_abi.lookup("PyLong_Export").added == (3, 15)
    assert _stable_abi.lookup("Py_HashBuffer").added == (3, 16)


def test_the_data_names_its_source():
    data = ours()
    assert data["source"].startswith("CPython Misc/stable_abi.toml (") and "python/cpython)" in data["source"]
    assert len(data["commit"]) == 40 and len(data["sha256"]) == 64
