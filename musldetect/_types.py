"""Result types shared by every backend and the public API."""

from __future__ import annotations

from typing import NamedTuple, Optional, Tuple


class ELFError(ValueError):
    """A file is not a readable ELF object, or a field of it is out of bounds."""


class ConfigurationError(ValueError):
    """A MUSLDETECT_* environment variable has a value musldetect cannot use."""


class RawLibc(NamedTuple):
    """What a backend found, before the shared layer parses and cross-checks it.

    Backends stay small and uncached; parsing, the symbol cross-check, the
    architecture and caching live above them so every backend answers alike.
    """

    family: Optional[str]
    version_string: Optional[str]
    path: Optional[str]
    static: bool
    interpreter: Optional[str] = None
    # The lowest release the exported symbols allow (musl only), e.g. (1, 2, 3).
    min_version: Optional[Tuple[int, ...]] = None
    # True when the library exports the 64-bit time_t entry points (32-bit musl >= 1.2).
    time64_symbols: Optional[bool] = None
    reason: str = ""


class LibcInfo(NamedTuple):
    """Which C library a process or file uses, and how musldetect knows.

    family: "musl", "glibc" or None when it cannot be determined.
    version: (1, 2, 3) for musl, (2, 36) for glibc, None when unknown.
    version_string: the version as the library spells it, e.g. "1.2.4_git20230717".
    path: the libc or loader file the answer was read from.
    static: True for a statically linked program (PEP 656 tags do not apply).
    arch: the platform-tag architecture, e.g. "x86_64", "armv7l".
    backend: "native", "cffi", "python", "override" or "inspect".
    reason: why a field is missing or how it was decided; empty when nothing to say.
    interpreter: the program's PT_INTERP (its dynamic loader), if it has one.
    time64: whether time_t is 64-bit in the library's ABI; None when unknown.

    A NamedTuple rather than a dataclass: importing dataclasses costs milliseconds,
    and musldetect runs at interpreter start-up.
    """

    family: Optional[str]
    version: Optional[Tuple[int, ...]]
    version_string: Optional[str]
    path: Optional[str]
    static: bool
    arch: Optional[str]
    backend: str
    reason: str = ""
    interpreter: Optional[str] = None
    time64: Optional[bool] = None

    def as_dict(self) -> dict:
        return {
            "family": self.family,
            "version": list(self.version) if self.version is not None else None,
            "version_string": self.version_string,
            "path": self.path,
            "static": self.static,
            "arch": self.arch,
            "backend": self.backend,
            "reason": self.reason,
            "interpreter": self.interpreter,
            "time64": self.time64,
        }
