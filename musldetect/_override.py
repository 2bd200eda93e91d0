"""Overrides: the escape hatch PEP 656 lacks (like PEP 600's _manylinux module).

``MUSLDETECT_LIBC`` in the environment, or, for an interpreter bundled inside an
application (which cannot count on its environment), a one-line file
``musldetect-libc`` beside the interpreter's own files: in ``sys.prefix`` (a virtual
environment) or ``sys.base_prefix`` (the interpreter). The environment wins over the
file, the file over detection; PEP 600's ``_manylinux`` module still vetoes manylinux
tags afterwards. Values: ``musl-1.2`` (or ``musl-1.2.3``), ``glibc-2.28``, or ``none``
for "no known C library". A malformed value is an error, never silently ignored.
"""

from __future__ import annotations

import os
import sys

from ._types import ConfigurationError, RawLibc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional

LIBC_ENV = "MUSLDETECT_LIBC"
LIBC_FILE = "musldetect-libc"


def override_files() -> List[str]:
    """Where an interpreter's own override file may sit, in the order they are read."""
    return [os.path.join(prefix, LIBC_FILE) for prefix in dict.fromkeys((sys.prefix, sys.base_prefix))]


# The file's answer, read once per process: it belongs to the installation, not to the
# moment, and two failed opens would double an uncached libc() call. cache_clear() resets it.
_file_override: List[Optional[RawLibc]] = []


def forget_file_override() -> None:
    _file_override.clear()


def override_from_env() -> Optional[RawLibc]:
    """The environment's override, else the interpreter's file, else None."""
    value = os.environ.get(LIBC_ENV)
    if value is not None and value.strip() != "":
        return parse_override(value, f"{LIBC_ENV}={value}")
    if not _file_override:
        _file_override.append(_override_from_file())
    return _file_override[0]


def _override_from_file() -> Optional[RawLibc]:
    for path in override_files():
        try:
            with open(path, encoding="utf-8") as fh:
                lines = [line.strip() for line in fh.read(4096).splitlines()]
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"{path}: the override file cannot be read: {exc}") from exc
        values = [line for line in lines if line and not line.startswith("#")]
        if len(values) != 1:
            raise ConfigurationError(
                f"{path}: the override file must hold one value (musl-1.2, glibc-2.28 or none), not {len(values)}"
            )
        return parse_override(values[0], f"{path} ({values[0]})")
    return None


def parse_override(value: str, source: str) -> RawLibc:
    text = value.strip().lower()
    reason = f"set by {source}"
    if text == "none":
        return RawLibc(None, None, None, False, reason=reason)
    family, _, version = text.partition("-")
    numbers = version.split(".")
    # musl releases have three parts (1.2.3), glibc releases two (2.28): the forms --help shows.
    parts = (2, 3) if family == "musl" else (2,)
    if (
        family not in ("musl", "glibc")
        or len(numbers) not in parts
        or not all(n.isdigit() and n.isascii() for n in numbers)
    ):
        raise ConfigurationError(
            f"{source}: {value!r} is not understood; use musl-1.2 or musl-1.2.3 (a musl release), "
            "glibc-2.28 (a glibc release) or none"
        )
    return RawLibc(family, version, None, False, reason=reason)
