"""The Android judge: may these ELF files (linked against Bionic) carry ``android_<api>_<abi>``.

What the files prove: the ABI (arm64_v8a, armeabi_v7a, x86_64, x86) and, through Bionic's
symbol version nodes, a floor on the API level: each node after the base one names the
release that introduced its symbols (bionic's ``libc/libc.map.txt``: LIBC_N 24, LIBC_O 26,
LIBC_P 28, ...). The base node ``LIBC`` holds every symbol up to API 23 without saying
which, so a tag below 23 cannot be proven from the files: "cannot judge", never "honest".
Libraries outside the NDK's stable system set and Python's libpython must be in the wheel;
one that is not is reported as unjudged (an app may ship it beside the wheel).
"""

from __future__ import annotations

import posixpath
import re
from typing import Dict, Iterable, List, Sequence, Tuple

from ._binary import BinaryFacts
from ._images import Fault, ImageFacts, Judgement

# Bionic's version nodes -> the API level that introduced them (libc/libc.map.txt).
BIONIC_NODES: Dict[str, int] = {
    "LIBC": 0,
    "LIBC_N": 24,
    "LIBC_O": 26,
    "LIBC_P": 28,
    "LIBC_Q": 29,
    "LIBC_R": 30,
    "LIBC_S": 31,
    "LIBC_T": 33,
    "LIBC_U": 34,
    "LIBC_V": 35,
}
BASE_NODE_UP_TO = 23  # the base LIBC node's symbols were introduced up to this API level
ABIS = {"arm64_v8a": ("aarch64",), "armeabi_v7a": ("armv7l", "armv5tel"), "x86_64": ("x86_64",), "x86": ("i686",)}
# The NDK's stable system libraries (developer.android.com/ndk/guides/stable_apis).
SYSTEM = frozenset(
    {
        "libc.so",
        "libm.so",
        "libdl.so",
        "liblog.so",
        "libz.so",
        "libandroid.so",
        "libjnigraphics.so",
        "libEGL.so",
        "libGLESv1_CM.so",
        "libGLESv2.so",
        "libGLESv3.so",
        "libOpenSLES.so",
        "libOpenMAXAL.so",
        "libvulkan.so",
        "libmediandk.so",
        "libcamera2ndk.so",
        "libneuralnetworks.so",
        "libaaudio.so",
        "libnativewindow.so",
        "libsync.so",
        "libbinder_ndk.so",
        "libamidi.so",
        "libstdc++.so",
        "libicu.so",
    }
)
_TAG = re.compile(r"^android_([0-9]+)_([a-z0-9_]+)$")
_LIBPYTHON = re.compile(r"^libpython3\.[0-9]+t?\.so$")
SOURCE = "bionic libc/libc.map.txt version nodes; the NDK's stable system libraries"


def judge_android(binaries: Sequence[BinaryFacts], images: Sequence[ImageFacts], declared: Iterable[str]) -> Judgement:
    faults = [
        Fault("", image.path, image.format, f"a {image.format} file in an Android wheel", True, "foreign-binary-format")
        for image in images
    ]
    reasons: List[str] = []
    needs = [_api_floor(binary) for binary in binaries]
    floor = max((api for api, _ in needs), default=0)
    judged = True
    for tag in declared:
        match = _TAG.match(tag)
        if match is None or match.group(2) not in ABIS:
            faults.append(
                Fault(tag, "", tag, "not an Android platform tag this judge knows", True, "unknown-platform-tag")
            )
            continue
        api = int(match.group(1))
        faults.extend(_tag_faults(tag, api, match.group(2), binaries, needs))
        if api < BASE_NODE_UP_TO and binaries:
            judged = False
            reasons.append(
                f"{tag}: Bionic's base LIBC node holds symbols up to API {BASE_NODE_UP_TO} without "
                f"naming each one's level, so a floor below {BASE_NODE_UP_TO} cannot be proven"
            )
    missing = _unvendored(binaries)
    if missing:
        judged = False
        reasons.append(
            f"libraries neither Android's nor Python's nor in the wheel: {', '.join(missing)} "
            "(an app may ship them; the wheel alone cannot be judged)"
        )
    if not binaries:
        reasons.append("no ELF binaries in a wheel with an Android platform tag")
    honest = _honest(binaries, max(floor, BASE_NODE_UP_TO)) if not any(f.inconsistent for f in faults) else ()
    return Judgement(honest, tuple(faults), tuple(reasons), (), judged=judged, source=SOURCE)


def _tag_faults(
    tag: str, api: int, abi: str, binaries: Sequence[BinaryFacts], needs: Sequence[Tuple[int, str]]
) -> List[Fault]:
    """The tag's ABI against each file's arch, its API level against each file's Bionic floor."""
    faults = [
        Fault(tag, b.path, b.arch, f"the tag is for {abi}, the file is {b.arch}", True, "arch-mismatch")
        for b in binaries
        if b.arch not in ABIS[abi]
    ]
    faults.extend(
        Fault(
            tag,
            binary.path,
            symbol,
            f"{symbol} is Bionic's from API {need}, above the tag's {api}",
            False,
            "android-api-too-new",
        )
        for binary, (need, symbol) in zip(binaries, needs)
        if need > api
    )
    return faults


def _api_floor(binary: BinaryFacts) -> Tuple[int, str]:
    """The highest API level a Bionic version node the file needs names, and that need."""
    best = (0, "")
    for library, version in binary.version_needs:
        api = BIONIC_NODES.get(version, 0) if library in ("libc.so", "libm.so", "libdl.so") else 0
        if api > best[0]:
            symbol = binary.symbol_of_version.get(version)
            best = (api, f"{symbol}@{version}" if symbol else version)
    return best


def _unvendored(binaries: Sequence[BinaryFacts]) -> List[str]:
    names = {posixpath.basename(b.path) for b in binaries} | {b.soname for b in binaries if b.soname}
    return sorted(
        {n for b in binaries for n in b.needed if n not in SYSTEM and n not in names and not _LIBPYTHON.match(n)}
    )


def _honest(binaries: Sequence[BinaryFacts], api: int) -> Tuple[str, ...]:
    arches = {b.arch for b in binaries}
    return tuple(f"android_{api}_{abi}" for abi, accepted in ABIS.items() if arches and arches <= set(accepted))
