"""MUSLDETECT_LIBC: the escape hatch PEP 656 lacks (like PEP 600's _manylinux module).

Values: ``musl-1.2`` (or ``musl-1.2.3``), ``glibc-2.28``, or ``none`` for "no known C
library". A malformed value is an error, never silently ignored.
"""

from __future__ import annotations

import os

from ._types import ConfigurationError, RawLibc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

LIBC_ENV = "MUSLDETECT_LIBC"


def override_from_env() -> Optional[RawLibc]:
    value = os.environ.get(LIBC_ENV)
    if value is None or value.strip() == "":
        return None
    text = value.strip().lower()
    reason = f"set by {LIBC_ENV}={value}"
    if text == "none":
        return RawLibc(None, None, None, False, reason=reason)
    family, _, version = text.partition("-")
    numbers = version.split(".")
    if family not in ("musl", "glibc") or len(numbers) not in (2, 3) or not all(
            n.isdigit() and n.isascii() for n in numbers):
        raise ConfigurationError(
            f"{LIBC_ENV}={value!r} is not understood; use musl-MAJOR.MINOR, glibc-MAJOR.MINOR or none"
        )
    return RawLibc(family, version, None, False, reason=reason)
