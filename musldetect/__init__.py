"""musldetect: which C library (musl or glibc) and version, without starting a process.

``libc()`` describes the running process, ``platform_tags()`` gives its PEP 600/656
platform tags, ``inspect(path)`` reads any ELF file. MUSLDETECT_BACKEND picks the
backend (auto, native, cffi, python); MUSLDETECT_LIBC overrides the answer.

The layers, each importing only from the ones below it (tests/test_layers.py holds
the code to this picture)::

    __main__                            python -m musldetect
    _cli                                the command
    __init__                            the public names
    _api                                caching, libc(), platform_tags(), inspect()
    _target                             another system's tags: an image, a named platform
    _platform                           platform specs, understood whole or refused
    _tags, _dispatch, _python           tag rules; which backend answers; interpreter tags
    _result                             raw facts -> LibcInfo: parsing, cross-checks, time64
    _backend_native/_cffi/_python,      raw facts (RawLibc) of this process or of a file
      _inspect
    _libcfile                           is this object a C library, and which: by identity
    _elf, _rules, _override             the ELF reader; version and symbol rules; MUSLDETECT_LIBC
    _rootfs                             the one way files are opened; images confined to their root
    _types, _version                    records and errors; the version

A backend is one module with ``NAME``, an uncached ``detect_libc() -> RawLibc`` and
optionally ``self_check() -> str`` (see ``_dispatch``).
"""

from __future__ import annotations

from ._api import (
    backend,
    cache_clear,
    glibc_version,
    inspect,
    libc,
    metadata,
    musl_version,
    platform_tags,
    sys_tags,
    target,
)
from ._dispatch import BACKEND_ORDER as BACKENDS
from ._types import ConfigurationError, ELFError, LibcInfo
from ._version import __version__

__all__ = [
    "BACKENDS",
    "ConfigurationError",
    "ELFError",
    "LibcInfo",
    "__version__",
    "backend",
    "cache_clear",
    "glibc_version",
    "inspect",
    "libc",
    "metadata",
    "musl_version",
    "platform_tags",
    "sys_tags",
    "target",
]
