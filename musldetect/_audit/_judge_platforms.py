"""Which judge a wheel's platform tags go to: Linux tags stay with the manylinux/musllinux
policies (``_wheel``); macOS and iOS go to ``_judge_macos``, Windows to
``_judge_windows``, Android to ``_judge_android``. A wheel declaring tags of several of
these platforms contradicts itself. Each judge is imported when a wheel goes to it: a Linux
wheel's audit never loads them (their data and patterns cost a fresh process ~1.5 ms).
"""

from __future__ import annotations

from typing import Collection, Iterable, Optional, Sequence

from ._binary import BinaryFacts
from ._images import Fault, ImageFacts, Judgement

APPLE, WINDOWS, ANDROID = "apple", "windows", "android"


def _platform_of_tag(tag: str) -> Optional[str]:
    if tag.startswith(("macosx_", "ios_")):
        return APPLE
    if tag.startswith("win"):  # win32, win_amd64, win_arm64 and any later one
        return WINDOWS
    if tag.startswith("android_"):
        return ANDROID
    return None


def platform_of(declared: Iterable[str]) -> Optional[str]:
    """The first non-Linux platform the declared platform tags name, or None."""
    return next((p for p in map(_platform_of_tag, sorted(declared)) if p is not None), None)


def judge_platform(
    declared: Sequence[str],
    declared_full: Collection[str],
    images: Sequence[ImageFacts],
    binaries: Sequence[BinaryFacts],
) -> Judgement:
    """The judgement of a wheel whose tags (or, declaring none, whose files) are not Linux's."""
    if "any" in declared and images:
        return _judge_any(declared, declared_full, images, binaries)
    platforms = {_platform_of_tag(tag) for tag in declared}
    if len(platforms) > 1:
        shown = ", ".join(sorted(p or "linux" for p in platforms))
        return Judgement(
            (),
            (Fault("", "", shown, f"tags of several platforms: {', '.join(declared)}", True, "mixed-platforms"),),
            (),
            (),
        )
    platform = next(iter(platforms), None) or _platform_of_files(images)
    if platform == WINDOWS:
        from ._judge_windows import judge_windows, windows_dlls

        judgement = judge_windows(images, declared, declared_full)._replace(source=windows_dlls().source)
    elif platform == ANDROID:
        from ._judge_android import judge_android

        judgement = judge_android(binaries, images, declared)
    else:
        from ._judge_macos import judge_apple

        judgement = judge_apple(images, declared)._replace(source="packaging's mac_platforms rules; PEP 730 (iOS)")
    if binaries and platform != ANDROID:
        extra = Fault("", binaries[0].path, "ELF", f"ELF binaries in a {platform} wheel", True, "foreign-binary-format")
        judgement = judgement._replace(faults=judgement.faults + (extra,), honest_tags=())
    return judgement


def _platform_of_files(images: Sequence[ImageFacts]) -> str:
    return WINDOWS if images and images[0].format == "PE" else APPLE


def _judge_any(
    declared: Sequence[str],
    declared_full: Collection[str],
    images: Sequence[ImageFacts],
    binaries: Sequence[BinaryFacts],
) -> Judgement:
    """A wheel for any platform may carry Mach-O or PE files that Python never loads
    (pip's and setuptools' Windows launchers, helper programs it picks at run time); a
    Python extension (it exports PyInit_*) among them is for one platform only."""
    extensions = [image for image in images if any(piece.exports for piece in image.slices)]
    others = [t for t in declared if t != "any"]
    if not extensions and not others:
        note = (
            f"{len(images)} Mach-O/PE file(s) that are no Python extension (launchers, helpers): "
            "not loaded by Python, so any platform may carry them"
        )
        return Judgement(("any",), (), (note,), ())
    rest = judge_platform(others, [t for t in declared_full if not t.endswith("-any")], images, binaries)
    if not extensions:
        return rest
    anywhere = Fault(
        "any",
        extensions[0].path,
        extensions[0].format,
        "a Python extension in a wheel that declares every platform (any)",
        False,
        "binaries-in-pure-wheel",
    )
    return rest._replace(faults=(anywhere,) + rest.faults, honest_tags=())
