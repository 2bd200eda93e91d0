"""The loader's search, done statically: will this binary load there, and from which files.

A cold domain like the audit: ``_resolve`` follows glibc's and musl's rules over a file
system, ``_ldcache`` reads glibc's ld.so.cache. Nothing on the hot path imports it.
"""

from __future__ import annotations

from .._types import readable_fields
from ._resolve import Library, Mismatch, Missing, MissingVersion, Resolution, resolve_in, resolve_path

readable_fields(Resolution, Library, Missing, MissingVersion, Mismatch)

__all__ = ["Resolution", "resolve_in", "resolve_path"]
