"""The stable ABI data abi3/abi3t judging reads, held to the abi3info package's tables.

musldetect/_audit/_stable_abi.json is written by tools/write_stable_abi.py from CPython's
Misc/stable_abi.toml at the commit named inside it; abi3info reads the same file
independently (at a later commit). Every function and data symbol must agree on kind,
``added`` and ``ifdef``; each difference is one of the named cases below, its condition
checked, so a wrong version or a dropped symbol fails."""

from __future__ import annotations

import json
import os

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
            table[symbol.name] = {
                "kind": kind,
                "added": str(entry.added),
                "abi_only": entry.abi_only,
                "ifdef": entry.ifdef.name if entry.ifdef else None,
            }
    return table


def as_version(text: str) -> tuple:
    return tuple(int(part) for part in text.split("."))


def test_every_symbol_agrees_with_abi3info():
    data, oracle = ours(), theirs()
    newest = max(as_version(v) for v in data["versions"])
    assert newest == (3, 15)
    for name, entry in data["symbols"].items():
        other = oracle.get(name)
        assert other is not None, f"{name} is not in abi3info's tables"
        assert (entry["kind"], entry["added"], entry.get("ifdef")) == (other["kind"], other["added"], other["ifdef"]), (
            name
        )
        if entry.get("abi_only", False) != other["abi_only"]:
            # Named case: CPython moves items out of the Limited API's headers (abi_only) after
            # our commit; the symbol stays in the stable ABI, so the judgement is the same.
            assert other["abi_only"] and not entry.get("abi_only"), name
    for name, other in oracle.items():
        if name not in data["symbols"]:
            # Named case: added to the stable ABI later in the 3.15 cycle (or after it) than
            # our source commit; such a symbol is judged "not in the stable ABI" until the
            # data is rewritten from a newer stable_abi.toml.
            assert as_version(other["added"]) >= (3, 15), name


def test_the_issues_symbols():
    assert _stable_abi.lookup("PyUnicode_AsUTF8AndSize").added == (3, 10)
    assert _stable_abi.lookup("PyCode_New") is None
    assert _stable_abi.lookup("PyType_FromSpec").added == (3, 2)
    assert _stable_abi.lookup("Py_TYPE").added == (3, 14)
    assert _stable_abi.lookup("_Py_Dealloc").abi_only


def test_the_data_names_its_source():
    data = ours()
    assert data["source"].startswith("CPython Misc/stable_abi.toml")
    assert len(data["commit"]) == 40 and len(data["sha256"]) == 64
