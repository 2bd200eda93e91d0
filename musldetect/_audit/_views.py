"""Other tools' shapes of an audit, for consumers written against them.

``auditwheel_show()`` gives the part of ``auditwheel show --json`` (its format version 1)
that an audit determines with the same meaning: ``version``, ``wheel``, ``pure``,
``overall_tag`` (the most widely compatible tag the binaries allow, in the wheel's C
library family), ``sym_tag`` (the same, from symbol versions alone) and
``external_libs`` (needed libraries no policy of the family provides and the wheel does
not vendor; the value, auditwheel's path on the host it ran on, is always None: nothing of
the host is read). Fields it does not give: ``versioned_symbols`` (an audit keeps the
highest version per prefix, not every one), ``pyfpe``, ``ucs2``, ``unsupported_isa`` and
``policy_upgrades``. On a musllinux wheel auditwheel names the policy of the host's musl,
an audit the oldest the binaries allow, so the tags may differ there by design.
"""

from __future__ import annotations

import os
from typing import Dict, Optional

from .._grammar import FAMILY_PREFIX, GLIBC, MUSL
from . import _policy
from ._records import Audit


def auditwheel_show(result: Audit) -> Dict[str, object]:
    """``auditwheel show --json``'s fields that ``result`` determines (see the module)."""
    name = os.path.basename(result.path)
    if not result.files:
        return {"version": 1, "wheel": name, "pure": True}
    family = _family(result)
    prefix = FAMILY_PREFIX[family]
    arch = result.files[0].arch
    overall = next((tag for tag in result.honest_tags if tag.startswith(prefix + "_")), f"linux_{arch}")
    newest = _policy.policies(family)[-1]
    external: Dict[str, Optional[str]] = {}
    for audited in result.files:
        for needed in audited.needed:
            if needed not in audited.vendored and needed not in newest.libraries and not _is_loader_or_libc(needed):
                external[needed] = None
    return {
        "version": 1,
        "wheel": name,
        "pure": False,
        "overall_tag": overall,
        "sym_tag": _symbol_tag(result, family, arch),
        "external_libs": dict(sorted(external.items())),
    }


def _family(result: Audit) -> str:
    """The C library the binaries link; for static binaries, the family the wheel declares
    (manylinux first, as auditwheel reads a name that declares both)."""
    linked = {f.family for f in result.files if f.family and not f.static}
    if len(linked) == 1:
        return linked.pop()
    declared_musl = any(t.startswith(FAMILY_PREFIX[MUSL]) for t in result.declared_tags)
    declared_glibc = any(t.startswith(FAMILY_PREFIX[GLIBC]) for t in result.declared_tags)
    return MUSL if declared_musl and not declared_glibc else GLIBC


def _is_loader_or_libc(name: str) -> bool:
    return name.startswith(("libc.so", "libc.musl-", "ld-linux", "ld64.so.", "ld-musl-"))


def _symbol_tag(result: Audit, family: str, arch: str) -> str:
    """The oldest policy of ``family`` whose symbol versions cover every need on a library
    the wheel does not vendor."""
    needs = [
        version
        for audited in result.files
        for library, versions in audited.highest.items()
        if library not in audited.vendored
        for version in versions
    ]
    for policy in _policy.policies(family):
        if policy.covers(arch) and all(policy.allows_version(arch, version) for version in needs):
            return policy.tag(arch)
    return f"linux_{arch}"
