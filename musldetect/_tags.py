"""PEP 600 manylinux and PEP 656 musllinux platform tags from a LibcInfo.

The order and rules follow packaging 26.3's ``packaging.tags.platform_tags()`` on
Linux (``linux_<arch>`` first, then manylinux, then musllinux), so a resolver can
swap one for the other; the C library facts come from musldetect instead.
"""

from __future__ import annotations

import os
import sys

from ._grammar import GLIBC, MANYLINUX_ARCHS, MUSL, format_tag, legacy_alias, manylinux_floor
from ._types import LibcInfo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Dict, Iterator, List, Optional, Sequence, Tuple

    from ._rootfs import Root

# Architectures for which manylinux needs no executable check (packaging's list): all but
# armv7l and i686, which are checked against the interpreter.
_NO_EXECUTABLE_CHECK = MANYLINUX_ARCHS - {"armv7l", "i686"}
# glibc's minor numbers below a future major are unknown; assume 50 as packaging does.
_LAST_MINOR_OF_OLD_MAJOR = 50


def _normalize(text: str) -> str:
    return text.replace(".", "_").replace("-", "_").replace(" ", "_")


def sysconfig_platform() -> str:
    """``sysconfig.get_platform()``, without importing sysconfig on Linux.

    On Linux (and without the cross-build override) CPython 3.8-3.14 build it from
    ``os.uname()`` exactly this way; elsewhere ask sysconfig itself.
    """
    if sys.platform.startswith("linux") and "_PYTHON_HOST_PLATFORM" not in os.environ and hasattr(os, "uname"):
        uname = os.uname()
        osname = uname.sysname.lower().replace("/", "")
        if osname[:5] == "linux":
            return f"{osname}-{uname.machine.replace(' ', '_').replace('/', '-')}"
    import sysconfig

    return sysconfig.get_platform()


_BITS = 64 if sys.maxsize > 2**32 else 32


def linux_platform(bits: int = _BITS) -> str:
    """sysconfig's platform with the 32-bit-interpreter-on-64-bit-kernel rule applied."""
    platform = _normalize(sysconfig_platform())
    if platform.startswith("linux_") and bits == 32:
        platform = {"linux_x86_64": "linux_i686", "linux_aarch64": "linux_armv8l"}.get(platform, platform)
    return platform


def tag_archs(platform: str) -> List[str]:
    arch = platform.split("_", 1)[1]
    return ["armv8l", "armv7l"] if arch == "armv8l" else [arch]


_arch_memo: Dict[Optional[str], Optional[str]] = {}


def process_arch() -> Optional[str]:
    """This interpreter's tag arch, remembered per value of _PYTHON_HOST_PLATFORM (the only
    input that can change while the process runs)."""
    key = os.environ.get("_PYTHON_HOST_PLATFORM")
    if key not in _arch_memo:
        platform = linux_platform()
        _arch_memo[key] = platform.split("_", 1)[1] if platform.startswith("linux_") else None
    return _arch_memo[key]


def manylinux_capable(archs: Sequence[str], executable: Optional[str], root: Optional[Root] = None) -> bool:
    """Whether manylinux tags apply: armv7l and i686 only for an armhf / i686 interpreter
    (read from ``executable``, inside ``root`` when given; None for a target the user
    names, whose arch is its ABI)."""
    if "armv7l" in archs or "i686" in archs:
        if executable is None:
            return True
        from . import _elf  # only these two need the executable's ELF header

        if "armv7l" in archs:
            return _elf.is_linux_armhf(executable, root)
        return _elf.is_linux_i686(executable, root)
    return any(arch in _NO_EXECUTABLE_CHECK for arch in archs)


def manylinux_module() -> Optional[ModuleType]:
    """PEP 600's ``_manylinux`` override module, looked up once per tag computation."""
    try:
        return __import__("_manylinux")
    except ImportError:
        return None


def _allowed_by_module(module: Optional[ModuleType], version: Tuple[int, int], arch: str) -> bool:
    if module is None:
        return True
    if hasattr(module, "manylinux_compatible"):
        verdict = module.manylinux_compatible(version[0], version[1], arch)
        return True if verdict is None else bool(verdict)
    alias = legacy_alias(version)  # PEP 600 reads manylinux2014_compatible and the like for these
    if alias and hasattr(module, f"{alias}_compatible"):
        return bool(getattr(module, f"{alias}_compatible"))
    return True


def manylinux_tags(glibc: Tuple[int, int], archs: Sequence[str], module: Optional[ModuleType]) -> Iterator[str]:
    oldest = min(manylinux_floor(arch) for arch in archs)
    oldest = (oldest[0], oldest[1] - 1)  # exclusive bound
    ceilings = [glibc] + [(major, _LAST_MINOR_OF_OLD_MAJOR) for major in range(glibc[0] - 1, 1, -1)]
    for arch in archs:
        for major, top_minor in ceilings:
            floor_minor = oldest[1] if major == oldest[0] else -1
            for minor in range(top_minor, floor_minor, -1):
                if not _allowed_by_module(module, (major, minor), arch):
                    continue
                yield format_tag(GLIBC, (major, minor), arch)
                alias = legacy_alias((major, minor))
                if alias:
                    yield f"{alias}_{arch}"


def musllinux_tags(musl: Tuple[int, int], archs: Sequence[str]) -> Iterator[str]:
    for arch in archs:
        for minor in range(musl[1], -1, -1):
            yield format_tag(MUSL, (musl[0], minor), arch)


def linux_tags(
    archs: Sequence[str], info: LibcInfo, manylinux_ok: bool, module: Optional[ModuleType]
) -> Tuple[str, ...]:
    """The platform tags for these archs and this C library, most specific first: the same
    rules for the running process and for any target."""
    tags = [f"linux_{arch}" for arch in archs]
    version = info.version
    if info.family == "glibc" and version is not None and manylinux_ok:
        tags.extend(manylinux_tags((version[0], version[1]), archs, module))
    elif info.family == "musl" and version is not None and not info.static:
        tags.extend(musllinux_tags((version[0], version[1]), archs))
    return tuple(tags)


def platform_tags_for(info: LibcInfo, executable: Optional[str] = None, bits: int = _BITS) -> Tuple[str, ...]:
    """Every platform tag the running interpreter accepts, most specific first."""
    platform = linux_platform(bits)
    if not platform.startswith("linux_"):
        return (platform,)
    archs = tag_archs(platform)
    capable = manylinux_capable(archs, executable or sys.executable)
    module = manylinux_module() if info.family == "glibc" and capable else None
    return linux_tags(archs, info, capable, module)
