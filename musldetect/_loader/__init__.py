"""The loader's search, done statically: will this binary load there, and from which files.

A cold domain like the audit: ``_resolve`` follows glibc's and musl's rules over a file
system, ``_ldcache`` reads glibc's ld.so.cache. Nothing on the hot path imports it.
"""

from __future__ import annotations

from ._resolve import Resolution, resolve_in, resolve_path

__all__ = ["Resolution", "resolve_in", "resolve_path"]
