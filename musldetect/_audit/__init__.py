"""The wheel audit: may a wheel (or an unpacked tree, or one binary) carry its tags.

A cold domain: nothing on the hot path (``platform_tags()``, ``sys_tags()``) imports it,
so it can grow (container checks, the python and ABI parts of a tag, other binary
formats) without touching start-up. ``_wheel`` reads the input and judges it, ``_binary``
holds one ELF binary's facts, ``_policy`` the manylinux/musllinux policies as data.
"""

from __future__ import annotations

from .._types import readable_fields
from ._wheel import Audit, AuditedFile, Blame, Interpreter, audit_path

readable_fields(Audit, AuditedFile, Blame, Interpreter)

__all__ = ["Audit", "AuditedFile", "Blame", "Interpreter", "audit_path"]
