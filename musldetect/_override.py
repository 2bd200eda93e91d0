"""MUSLDETECT_LIBC: the escape hatch PEP 656 lacks (like PEP 600's _manylinux module).

Values: ``musl-1.2`` (or ``musl-1.2.3``), ``glibc-2.28``, or ``none`` for "no known C
library". A malformed value is an error, never silently ignored.
"""

from __future__ import annotations

import os
import re
from typing import Optional

from ._types import ConfigurationError, RawLibc

LIBC_ENV = "MUSLDETECT_LIBC"
_VALUE = re.compile(r"(musl|glibc)-([0-9]+\.[0-9]+(?:\.[0-9]+)?)")


def override_from_env() -> Optional[RawLibc]:
    value = os.environ.get(LIBC_ENV)
    if value is None or value.strip() == "":
        return None
    text = value.strip().lower()
    reason = f"set by {LIBC_ENV}={value}"
    if text == "none":
        return RawLibc(None, None, None, False, reason=reason)
    match = _VALUE.fullmatch(text)
    if not match:
        raise ConfigurationError(
            f"{LIBC_ENV}={value!r} is not understood; use musl-MAJOR.MINOR, glibc-MAJOR.MINOR or none"
        )
    return RawLibc(match.group(1), match.group(2), None, False, reason=reason)
