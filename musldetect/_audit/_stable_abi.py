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


_table: Dict[str, StableSymbol] = {}
_meta: Dict[str, str] = {}


def _load() -> None:
    if _table:
        return
    path = os.path.join(os.path.dirname(__file__), "_stable_abi.json")
    data: Dict[str, Any] = json.loads(read_host_file(path, 4 << 20))
    for name, entry in data["symbols"].items():
        major, minor = (int(part) for part in entry["added"].split("."))
        _table[name] = StableSymbol(
            name, entry["kind"], (major, minor), bool(entry.get("abi_only")), entry.get("ifdef")
        )
    _meta.update(source=data["source"], commit=data["commit"])


def lookup(name: str) -> Optional[StableSymbol]:
    """The stable ABI entry of ``name``, None when CPython's stable ABI has no such symbol."""
    _load()
    return _table.get(name)


def source() -> str:
    _load()
    return f"{_meta['source']} at {_meta['commit'][:12]}"
