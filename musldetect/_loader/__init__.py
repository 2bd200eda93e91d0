"""The loader's search, done statically: will this binary load there, and from which files.

A cold domain like the audit: ``_resolve`` follows glibc's and musl's rules over a file
system, ``_ldcache`` reads glibc's ld.so.cache. Nothing on the hot path imports it.

Its layers, top first; each module imports only from the layers below it inside the
package (tests/test_layers.py reads this picture too)::

    __init__                                  the names the API uses
    _resolve                                  the search order, version checks, the whole dependency tree
    _ldcache                                  glibc's ld.so.cache, read without running ldconfig
"""

from __future__ import annotations

from .._resolution import Resolution
from ._resolve import resolve_in, resolve_path

__all__ = ["Resolution", "resolve_in", "resolve_path"]
