"""The audit's records: what it found (``Audit``), per file (``AuditedFile``), per declared
tag that does not hold (``Blame``), each reason a policy does not fit (``Cause``), and what
a waiver set aside (``WaivedBlame``).

Kept apart from reading and judging so the readers of other containers and formats, and
the judges of the python and ABI parts of a tag, share one vocabulary.
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional, Tuple

from .._resolution import Resolution
from ._images import ImageFacts
from ._policy import version_numbers
from ._provenance import Provenance
from ._waivers import Waiver

HONEST, UNDER, OVER = "honest", "under-promises", "over-promises"
INCONSISTENT, UNDECLARED = "inconsistent", "undeclared"
CANNOT_JUDGE = "cannot judge"  # the formats do not let the audit decide (the reasons say why)


class AuditedFile(NamedTuple):
    """One ELF file of the input, as the audit read it."""

    path: str  # inside the wheel or directory
    arch: str
    family: Optional[str]  # "glibc", "musl", or None (links no C library)
    static: bool
    needed: Tuple[str, ...]
    highest: Dict[str, Tuple[str, ...]]  # library -> highest version needed per prefix (GLIBC_2.34, GLIBCXX_3.4.21)
    weak: Tuple[str, ...]  # weak needs, which never raise a bound: "GLIBC_2.34 (libc.so.6)", "gettid"
    vendored: Tuple[str, ...]  # needed libraries found inside the input through its RUNPATH/RPATH
    requires: Optional[Tuple[int, ...]]  # the oldest glibc or musl release its strong needs allow
    reason: str
    extension: bool = False  # a Python extension module (exports PyInit_*)
    stable_abi: Optional[str] = None  # oldest stable ABI its Py symbols fit ("3.10"); "": outside; None: no Py symbols
    isa_level: Optional[int] = None  # x86-64 ISA level its GNU property note needs (1 = baseline), None: no note
    features: Tuple[str, ...] = ()  # control-flow marks: BTI, PAC (aarch64), IBT, SHSTK (x86_64); reported only
    stack: str = "none"  # PT_GNU_STACK: "rw", "rwx", or "none"


class Cause(NamedTuple):
    """One reason a declared tag or a policy does not fit: the file (empty for the input
    as a whole), the symbol@version, library, arch or family that decides, and whether it
    makes the input inconsistent (it contradicts itself or links a library no policy
    provides and it does not vendor) rather than merely over-promising. ``rule`` is its
    kind, a stable id of ``_waivers.RULES`` that waivers name."""

    rule: str
    file: str
    cause: str
    reason: str
    inconsistent: bool


class Blame(NamedTuple):
    """Why one declared tag is not allowed: the file and the symbol@version or library,
    and the rule (a stable id of ``_waivers.RULES``)."""

    tag: str
    file: str
    cause: str
    reason: str
    rule: str = ""


class WaivedBlame(NamedTuple):
    """A cause a waiver set aside: what would have been blamed, and the waiver (with its
    reason) that set it aside."""

    tag: str
    file: str
    cause: str
    reason: str
    rule: str
    waiver: Waiver


class Audit(NamedTuple):
    """What ``musldetect.audit()`` found.

    honest_tags: per arch and C library family the binaries allow, the most widely
    compatible tag they may carry (with its legacy alias); ``linux_<arch>`` when no
    policy fits; for an abi3/abi3t wheel, then the oldest python-ABI pair its Py symbols
    allow (``cp310-abi3``). declared_tags: the platform tags of the file name and the
    WHEEL file. blame covers the whole tag: platform (versions, libraries, ISA level,
    executable stack), ABI (stable ABI symbols) and python (extension suffixes).
    verdict: "honest", "under-promises" (honest, and an older tag would do too),
    "over-promises", "inconsistent", "undeclared" (a directory or file declares nothing)
    or "cannot judge" (the reasons say what the formats leave open).
    images: the Mach-O and PE files (macOS, iOS, Windows), with their slices' facts.
    """

    path: str
    kind: str  # "wheel", "directory" or "file"
    files: Tuple[AuditedFile, ...]
    honest_tags: Tuple[str, ...]
    declared_tags: Tuple[str, ...]
    tags_agree: Optional[bool]  # the file name's tags equal the WHEEL file's (None: one is missing)
    verdict: str
    blame: Tuple[Blame, ...]
    reasons: Tuple[str, ...]
    policy_source: str
    target: Optional[str] = None  # where the binaries were resolved: "this system", "root:<dir>", or None
    resolutions: Tuple[Tuple[str, Resolution], ...] = ()  # (entry binary, how it resolves in the target)
    loads: Optional[bool] = None  # every entry binary loads in the target (None: not asked)
    waived: Tuple[WaivedBlame, ...] = ()  # causes waivers set aside, each with its waiver
    unused_waivers: Tuple[Waiver, ...] = ()  # waivers in force that matched no cause of this input
    provenance: Optional[Provenance] = None  # the version and data sets the verdict was reached with
    images: Tuple[ImageFacts, ...] = ()

    def highest_needs(self) -> Tuple[str, ...]:
        """The highest version each prefix is needed at over all files (GLIBC_2.34,
        GLIBCXX_3.4.21, ...), sorted."""
        highest: Dict[str, str] = {}
        for audited in self.files:
            for versions in audited.highest.values():
                for version in versions:
                    prefix = version.partition("_")[0]
                    if prefix not in highest or version_key(version) > version_key(highest[prefix]):
                        highest[prefix] = version
        return tuple(sorted(highest.values()))

    def as_dict(self) -> Dict[str, object]:
        data = self._asdict()
        data["files"] = [f._asdict() for f in self.files]
        data["blame"] = [b._asdict() for b in self.blame]
        data["resolutions"] = [{"file": file, **found.as_dict()} for file, found in self.resolutions]
        data["waived"] = [dict(w._asdict(), waiver=w.waiver._asdict()) for w in self.waived]
        data["unused_waivers"] = [w._asdict() for w in self.unused_waivers]
        data["provenance"] = self.provenance.as_dict() if self.provenance is not None else None
        data["images"] = [image.as_dict() for image in self.images]
        return data


def version_key(version: str) -> Tuple[Tuple[int, ...], str]:
    """Orders symbol version names by their numbers (GLIBC_2.9 before GLIBC_2.17)."""
    return version_numbers(version), version


class Interpreter(NamedTuple):
    """The process an extension would be loaded into: it loads only with the same C library and arch."""

    described: str  # "this interpreter (/usr/bin/python3: glibc 2.36, x86_64)"
    family: Optional[str]
    arch: Optional[str]
