"""musldetect: which C library (musl or glibc) and version, without starting a process.

``libc()`` describes the running process, ``platform_tags()`` gives its PEP 600/656
platform tags, ``inspect(path)`` reads any ELF file. MUSLDETECT_BACKEND picks the
backend (auto, native, cffi, python); MUSLDETECT_LIBC overrides the answer.
"""

from __future__ import annotations

import os

from ._api import backend, cache_clear, glibc_version, libc, musl_version, platform_tags
from ._dispatch import BACKEND_ORDER as BACKENDS
from ._types import ConfigurationError, ELFError, LibcInfo


def inspect(path: str | os.PathLike[str], *, root: str | os.PathLike[str] | None = None) -> LibcInfo:
    """Which C library an ELF file uses, read from the file alone (it is never run).

    Raises ELFError for malformed input and FileNotFoundError/PermissionError/
    IsADirectoryError for the file itself. (Imported on first use: the ELF reader is not
    needed to describe the running process.)
    """
    from ._inspect import inspect as inspect_file

    return inspect_file(path, root=root)


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
