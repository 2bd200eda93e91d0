"""The ISA part of a platform tag and the loader's newest refusal, per binary.

- x86-64 ISA level: the linker merges each input object's ISA marks into the
  ``GNU_PROPERTY_X86_ISA_1_NEEDED`` property (bits: baseline 1, v2 2, v3 4, v4 8). A
  manylinux or musllinux x86_64 tag promises the baseline, so a v2+ binary makes the wheel
  ``linux_x86_64`` only, as auditwheel 6.3+ decides. The note records what the objects
  were marked as needing (``-mneeded``, ``-z x86-64-vN``, start files of an image built
  for v2: auditwheel#535), not which instructions run; the blame says so, and the answer
  stays auditwheel's (the tag cannot promise what the note denies). Only the wheel's own
  files are read, so a host library the policy allows (libmvec, auditwheel#645) is never
  judged.
- armv7l: a soft-float or pre-EABI5 ARM binary is another arch (``_elf_header.elf_arch``
  gives it ``armv5tel``), so an armv7l tag is refused as auditwheel refuses it.
- AArch64 BTI/PAC and x86 IBT/SHSTK marks are reported, never judged: a loader runs an
  unmarked object with the protection off.
- Executable stacks: since glibc 2.41 ``dlopen`` refuses an object whose PT_GNU_STACK asks
  for an executable stack (or that has none, where the arch's default stack is
  executable) unless the process's stack already is. Programs and the libraries they
  need at start-up still load; extension modules and what they pull in are dlopen'ed.
  musl never makes a stack executable and loads such an object without complaint.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from ._binary import BinaryFacts
from ._records import Cause

GNU_PROPERTY_X86_ISA_1_NEEDED = 0xC0008002
GNU_PROPERTY_X86_FEATURE_1_AND = 0xC0000002
GNU_PROPERTY_AARCH64_FEATURE_1_AND = 0xC0000000
_X86_FEATURES: Tuple[Tuple[int, str], ...] = ((1, "IBT"), (2, "SHSTK"))
_AARCH64_FEATURES: Tuple[Tuple[int, str], ...] = ((1, "BTI"), (2, "PAC"), (4, "GCS"))
EXECSTACK_REFUSED_FROM = (2, 41)
EXECSTACK_FIX = "link with -Wl,-z,noexecstack (and give assembler files a .note.GNU-stack section)"
EXECSTACK_HATCH = (
    "GLIBC_TUNABLES=glibc.rtld.execstack=2 lets such a dlopen through on glibc 2.42+ and the 2.41 "
    "stable updates that carry the backport (Debian 13's 2.41-7 on)"
)


def x86_isa_level(binary: BinaryFacts) -> Optional[int]:
    """2, 3 or 4 for a binary marked as needing x86-64-v2/v3/v4; 1 for baseline; None
    when it carries no ISA mark (or is not x86_64)."""
    if binary.arch != "x86_64":
        return None
    needed = binary.property_value(GNU_PROPERTY_X86_ISA_1_NEEDED)
    if needed is None:
        return None
    for bit, level in ((8, 4), (4, 3), (2, 2)):
        if needed & bit:
            return level
    return 1


def features(binary: BinaryFacts) -> Tuple[str, ...]:
    """Control-flow protection marks (reported, not judged)."""
    if binary.arch == "x86_64":
        value, names = binary.property_value(GNU_PROPERTY_X86_FEATURE_1_AND), _X86_FEATURES
    elif binary.arch.startswith("aarch64"):
        value, names = binary.property_value(GNU_PROPERTY_AARCH64_FEATURE_1_AND), _AARCH64_FEATURES
    else:
        return ()
    return tuple(name for bit, name in names if value is not None and value & bit)


def stack_text(binary: BinaryFacts) -> str:
    return "PT_GNU_STACK RWE" if binary.stack == "rwx" else f"no PT_GNU_STACK (executable by default on {binary.arch})"


def policy_causes(family: str, policy_name: str, arch: str, binary: BinaryFacts) -> List[Cause]:
    """What a manylinux/musllinux tag of ``arch`` cannot promise about one binary: its ISA
    level, and (manylinux) an executable stack it asks dlopen for."""
    causes = []
    level = x86_isa_level(binary)
    if level is not None and level >= 2:
        why = (
            f"its GNU property note (GNU_PROPERTY_X86_ISA_1_NEEDED) says it needs x86-64-v{level}; "
            f"{policy_name}_{arch} promises the x86-64 baseline. The note says what its objects were marked as "
            "needing (-mneeded, -z x86-64-vN), not which instructions run: a library that picks its code at "
            "run time must not carry the mark (auditwheel#535, #645)"
        )
        causes.append(Cause("isa-level", binary.path, f"x86-64-v{level}", why, False))
    if family == "glibc" and not binary_is_program(binary) and binary.executable_stack:
        why = (
            f"{stack_text(binary)}: glibc {_dotted(EXECSTACK_REFUSED_FROM)} and later refuse to dlopen it "
            f'("cannot enable executable stack as shared object requires"); fix: {EXECSTACK_FIX}; '
            f"escape hatch: {EXECSTACK_HATCH}"
        )
        causes.append(Cause("executable-stack", binary.path, "executable stack", why, False))
    return causes


def binary_is_program(binary: BinaryFacts) -> bool:
    """A program (it names a loader in PT_INTERP, or is static): started by exec, never
    dlopen'ed, so glibc's refusal does not reach it."""
    return binary.static or binary.interp is not None


def _dotted(version: Tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
