"""musldetect: which C library (musl or glibc) and version, without starting a process.

``libc()`` describes the running process, ``platform_tags()`` gives its PEP 600/656
platform tags, ``inspect(path)`` reads any ELF file. MUSLDETECT_BACKEND picks the
backend (auto, native, cffi, python); MUSLDETECT_LIBC overrides the answer.
"""

from __future__ import annotations

from ._api import backend, cache_clear, glibc_version, libc, musl_version, platform_tags
from ._dispatch import BACKEND_ORDER as BACKENDS
from ._inspect import inspect
from ._types import ConfigurationError, ELFError, LibcInfo

__version__ = "0.1.0"

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
    "musl_version",
    "platform_tags",
]
