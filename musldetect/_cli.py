"""The ``musldetect`` command: a summary, --json, --tags, inspect PATH, backends."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Optional, Sequence

from . import _api, _dispatch, _result
from ._types import ConfigurationError, ELFError, LibcInfo

EXIT_OK, EXIT_UNKNOWN, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"musldetect: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="musldetect", description="Which C library (musl or glibc) and version, "
                     "and the platform tags, without starting a process.")
    parser.add_argument("--json", action="store_true", help="print every field and the tags as JSON")
    parser.add_argument("--tags", action="store_true", help="print the platform tags, one per line")
    parser.add_argument("--backend", choices=("auto",) + _dispatch.BACKEND_ORDER,
                        help="use this backend (default: MUSLDETECT_BACKEND or auto)")
    commands = parser.add_subparsers(dest="command")
    inspect_cmd = commands.add_parser("inspect", help="read the C library of an ELF file")
    inspect_cmd.add_argument("path")
    inspect_cmd.add_argument("--root", help="resolve PT_INTERP inside this directory")
    inspect_cmd.add_argument("--json", action="store_true", dest="inspect_json")
    commands.add_parser("backends", help="list the backends, whether each is usable, and its answer")
    return parser


def _version_text(info: LibcInfo) -> str:
    if info.version_string:
        return info.version_string
    return "unknown version"


def _requirement_text(info: LibcInfo) -> str:
    """``glibc 2.34 or newer (manylinux_2_34_x86_64)``: the tag such an object may carry."""
    assert info.requires is not None
    release = ".".join(map(str, info.requires))
    if info.family == "glibc":
        family_tag = "manylinux"
    elif info.family == "musl":
        family_tag = "musllinux"
    else:
        return f"{release} or newer"
    tag = f"{family_tag}_{info.requires[0]}_{info.requires[1]}_{info.arch}" if info.arch else ""
    return f"{info.family} {release} or newer" + (f" ({tag})" if tag else "")


def _summary(info: LibcInfo, tags: Optional[Sequence[str]]) -> str:
    family = info.family or "unknown C library"
    lines = [f"{family} {_version_text(info)}" + (" (static)" if info.static else "")]
    lines.append(f"  library:  {info.path or '-'}")
    if info.interpreter:
        lines.append(f"  loader:   {info.interpreter}")
    lines.append(f"  arch:     {info.arch or '-'}")
    if info.requires is not None:
        lines.append(f"  requires: {_requirement_text(info)}")
    lines.append(f"  backend:  {info.backend}")
    if info.reason:
        lines.append(f"  note:     {info.reason}")
    if tags is not None:
        shown = ", ".join(tags[:5]) + (f", ... ({len(tags)} in all)" if len(tags) > 5 else "")
        lines.append(f"  tags:     {shown}")
    return "\n".join(lines)


def _backends_report() -> str:
    lines = []
    for status in _dispatch.backend_statuses():
        if not status.available:
            lines.append(f"{status.name:7} unavailable: {status.error}")
            continue
        module = _dispatch.load_backend(status.name)
        info = _result.build_info(module.detect_libc(), status.name, None, 0)
        lines.append(f"{status.name:7} {info.family or '-'} {info.version_string or '-'} {info.path or ''}")
    lines.append(f"in use: {_api.backend()}")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.backend:
            os.environ[_dispatch.BACKEND_ENV] = args.backend
            _api.cache_clear()
        if args.command == "backends":
            print(_backends_report())
            return EXIT_OK
        if args.command == "inspect":
            info = _api.inspect(args.path, root=args.root)
            if args.json or args.inspect_json:
                print(json.dumps(info.as_dict(), indent=2))
            else:
                print(_summary(info, None))
            return EXIT_OK if info.family else EXIT_UNKNOWN
        info = _api.libc()
        tags = _api.platform_tags()
        if args.tags:
            print("\n".join(tags))
        elif args.json:
            print(json.dumps(dict(info.as_dict(), tags=list(tags)), indent=2))
        else:
            print(_summary(info, tags))
        return EXIT_OK if info.family else EXIT_UNKNOWN
    except (ConfigurationError, ELFError, ImportError, OSError) as exc:
        print(f"musldetect: {exc}", file=sys.stderr)
        return EXIT_USAGE
