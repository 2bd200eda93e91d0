"""The wheel audit: may a wheel (or an unpacked tree, or one binary) carry its tags.

A cold domain: nothing on the hot path (``platform_tags()``, ``sys_tags()``) imports it,
so it can grow (container checks, the python and ABI parts of a tag, other binary
formats) without touching start-up. ``_wheel`` reads the input and judges it, ``_binary``
holds one ELF binary's facts, ``_policy`` the manylinux/musllinux policies as data,
``_waivers`` the recorded exceptions to the rules, ``_provenance`` what a verdict was
reached with (and ``audit.schema.json`` the JSON output's schema).
"""

from __future__ import annotations

from ._provenance import Provenance
from ._provenance import provenance as audit_provenance
from ._waivers import Waiver, WaiverError
from ._waivers import apply as apply_waivers
from ._waivers import load as load_waivers
from ._wheel import Audit, AuditedFile, Blame, audit_path

__all__ = ["Audit", "AuditedFile", "Blame", "Provenance", "Waiver", "WaiverError", "apply_waivers",
           "audit_path", "audit_provenance", "load_waivers"]
