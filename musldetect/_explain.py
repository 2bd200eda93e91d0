"""The words of the command: why each tag family is in or out of a target.

Text only, from the public ``Target``'s fields: what people debugging "no matching
distribution" need to see. Kept apart from ``_target`` so the library builds targets
and the command explains them.
"""

from __future__ import annotations

from typing import List

from . import Target


def explain(target: Target) -> List[str]:
    """Family by family, why tags are in or out, a line each."""
    info = target.libc
    lines = [f"target:     {_describe_source(target)}"]
    if info.family is None:
        lines.append(f"C library:  none determined ({info.reason or 'no reason recorded'})")
    else:
        version = info.version_string or "of unknown version"
        where = f", read from {info.path}" if info.path else ""
        lines.append(
            f"C library:  {info.family} {version}{where} (by {info.backend})" + (" (static)" if info.static else "")
        )
    if target.source == "process":
        if info.backend == "override":
            lines.append(f"override:   {info.reason}")
        else:
            files = " or ".join(target.override_files) if target.override_files else "the interpreter's prefix"
            lines.append(f"override:   none (MUSLDETECT_LIBC unset, no override file at {files})")
    for note in target.reasons:
        lines.append(f"note:       {note}")
    archs = target.tag_archs
    lines.append(f"linux:      {', '.join('linux_' + arch for arch in archs)} (always, for arch {target.arch})")
    lines.append("manylinux:  " + _explain_manylinux(target))
    lines.append("musllinux:  " + _explain_musllinux(target))
    if target.python is not None:
        python = target.python
        abis = list(dict.fromkeys(tag.split("-")[1] for tag in target.sys_tags))
        lines.append(
            f"python:     {python.implementation} {python.version[0]}.{python.version[1]}"
            f"{' free-threaded' if python.free_threaded else ''}{' debug' if python.debug else ''}: "
            f"ABIs {', '.join(abis)}; {len(target.sys_tags)} tags in all"
        )
    else:
        lines.append("python:     unknown, so no full tag list (pass python=)")
    return lines


def _describe_source(target: Target) -> str:
    kind, _, detail = target.source.partition(":")
    if kind == "process":
        return "this process"
    return {"root": "the image at ", "file": "the file "}.get(kind, "the platform ") + detail


def _explain_manylinux(target: Target) -> str:
    info = target.libc
    archs = target.tag_archs
    if info.family != "glibc":
        return f"none: the C library is {info.family}, not glibc" if info.family else "none: no C library is known"
    if info.version is None:
        return f"none: the glibc version is unknown ({info.reason})"
    if not target.manylinux_capable:
        needed = "hard-float ARM" if "armv7l" in archs else "i686" if "i686" in archs else "an arch manylinux covers"
        return f"none: {'/'.join(archs)} wheels need an interpreter of that ABI ({needed})"
    tags = [tag for tag in target.platform_tags if tag.startswith("manylinux")]
    numbered = [tag for tag in tags if tag.startswith("manylinux_")] or ["-"]
    oldest = "2.5 on x86_64/i686" if set(archs) & {"x86_64", "i686"} else "2.17 off x86"
    text = (
        f"{len(tags)} tags, {numbered[0]} down to {numbered[-1]} "
        f"(ceiling: glibc {info.version[0]}.{info.version[1]}; floor: {oldest}; legacy aliases included)"
    )
    if target.manylinux_veto is not None:
        module, vetoed = target.manylinux_veto
        text += f"; PEP 600's _manylinux ({module}) vetoed {vetoed}"
    return text


def _explain_musllinux(target: Target) -> str:
    info = target.libc
    if info.family != "musl":
        return f"none: the C library is {info.family}, not musl" if info.family else "none: no C library is known"
    if info.static:
        return "none: the interpreter is statically linked (PEP 656 tags are for a dynamically linked musl)"
    if info.version is None:
        return f"none: the musl version is unknown ({info.reason})"
    tags = [tag for tag in target.platform_tags if tag.startswith("musllinux")]
    return (
        f"{tags[0]} down to {tags[-1]} (musl {info.version[0]}.{info.version[1]}: "
        "PEP 656 accepts every older minor of the same major)"
    )
