"""Provenance: what a verdict was reached with, so it can be reproduced later.

Every audit result records the musldetect version, the version of the JSON output's
schema and the version of each data set the judgement reads (the policies, the stable
ABI's symbol list). A data set not in use yet (the system-library lists) is named with
``None`` and why, so a reader can tell "not consulted" from "forgotten".
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional, Tuple

from .._version import __version__
from . import _policy, _stable_abi

# The JSON output's schema (audit.schema.json beside this module) by its $id: a new major
# version of the output gets a new id, never a changed meaning under the old one.
SCHEMA_ID = "https://musldetect.invalid/schema/audit/v1"
SCHEMA_FILE = "audit.schema.json"


class DataSet(NamedTuple):
    name: str  # "policies", "stable-abi", "system-libraries"
    version: Optional[str]  # the source and version recorded inside the data; None when not in use
    note: str  # why it is None, or ""


class Provenance(NamedTuple):
    tool: str
    version: str
    schema: str
    data: Tuple[DataSet, ...]

    def as_dict(self) -> Dict[str, object]:
        return {
            "tool": self.tool,
            "version": self.version,
            "schema": self.schema,
            "data": [entry._asdict() for entry in self.data],
        }


def provenance() -> Provenance:
    """The provenance of an audit made by this installation."""
    return Provenance(
        "musldetect",
        __version__,
        SCHEMA_ID,
        (
            DataSet("policies", _policy.source(), ""),
            DataSet("stable-abi", _stable_abi.source(), ""),
            DataSet("system-libraries", None, "not consulted: Mach-O and PE binaries are not judged yet"),
        ),
    )


def schema_path() -> str:
    """Where the schema ships: package data beside this module."""
    import os

    return os.path.join(os.path.dirname(os.path.abspath(__file__)), SCHEMA_FILE)
