"""CPython's stable ABI as data: each function and data symbol with the version it joined.

``_stable_abi.json`` is written by tools/write_stable_abi.py from CPython's
``Misc/stable_abi.toml`` (source, commit and SHA-256 named inside it) and held to the
abi3info package by tests/test_stable_abi.py. Loaded on first use: only the audit of an
abi3/abi3t wheel needs it.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, NamedTuple, Optional, Tuple

from .._rootfs import read_host_file

Version = Tuple[int, int]


class StableSymbol(NamedTuple):
    name: str
    kind: str  # "function" or "data"
    added: Version  # the CPython release whose stable ABI first has it
    abi_only: bool  # in the ABI for old binaries, no longer in the Limited API's headers
    ifdef: Optional[str]  # only on builds with this feature (MS_WINDOWS, HAVE_FORK, Py_REF_DEBUG...)


_raw: Dict[str, Any] = {}  # the JSON file as read: its source, commit and symbols
_table: Dict[str, Optional[StableSymbol]] = {}  # each name looked up so far


def _load() -> Dict[str, Any]:
    """The data as read, once; an entry becomes a StableSymbol when it is looked up (a
    wheel's extensions ask for tens of its ~1000 symbols; every audit asks for its source)."""
    if not _raw:
        path = os.path.join(os.path.dirname(__file__), "_stable_abi.json")
        _raw.update(json.loads(read_host_file(path, 4 << 20)))
    return _raw


def lookup(name: str) -> Optional[StableSymbol]:
    """The stable ABI entry of ``name``, None when CPython's stable ABI has no such symbol."""
    if name in _table:
        return _table[name]
    entry = _load()["symbols"].get(name)
    found = None
    if entry is not None:
        major, minor = (int(part) for part in entry["added"].split("."))
        found = StableSymbol(name, entry["kind"], (major, minor), bool(entry.get("abi_only")), entry.get("ifdef"))
    _table[name] = found
    return found


def source() -> str:
    data = _load()
    return f"{data['source']} at {data['commit'][:12]}"
