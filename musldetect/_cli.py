"""The ``musldetect`` command: a summary, --json, --tags, inspect PATH, backends."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Optional, Sequence

from . import _api, _dispatch, _result
from ._types import ConfigurationError, ELFError, LibcInfo
from ._version import __version__

EXIT_OK, EXIT_UNKNOWN, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # as if killed by SIGPIPE, like other tools in a pipeline

EPILOG = """\
environment:
  MUSLDETECT_BACKEND     auto (default), native, cffi or python; naming one is strict
  MUSLDETECT_LIBC        override the answer: musl-1.2, musl-1.2.3, glibc-2.28 or none
  _PYTHON_HOST_PLATFORM  as for sysconfig and packaging: the platform the tags are for
                         (e.g. linux-aarch64); the C library facts stay this process's
  _manylinux             PEP 600's module, if importable, vetoes manylinux tags

exit codes:
  0    a C library was determined
  1    no C library could be determined (the reason is printed)
  2    usage error, bad MUSLDETECT_* value, unavailable backend, unreadable or malformed file
  141  the output pipe was closed (e.g. piped into head)
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"musldetect: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="musldetect", description="Which C library (musl or glibc) and version, "
                     "and the platform tags, without starting a process.", epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"musldetect {__version__}")
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


def _headline(info: LibcInfo) -> str:
    if info.family is None:
        return "no C library (override)" if info.backend == "override" else "unknown C library"
    return f"{info.family} {_version_text(info)}" + (" (static)" if info.static else "")


def _summary(info: LibcInfo, tags: Optional[Sequence[str]]) -> str:
    lines = [_headline(info)]
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


_BACKEND_KINDS = {
    "native": "the C extension musldetect._native",
    "cffi": "cffi in ABI mode, no compiler needed",
    "python": "pure Python, reads the loader's file",
}


def _backends_report() -> str:
    """Each backend: usable or not and why, and its answer; then the one in use and why."""
    lines = []
    for status in _dispatch.backend_statuses():
        if not status.available:
            lines.append(f"{status.name:7} unavailable: {status.error}")
            continue
        module = _dispatch.load_backend(status.name)
        info = _result.build_info(module.detect_libc(), status.name, None, 0)
        lines.append(f"{status.name:7} {info.family or '-'} {info.version_string or '-'} {info.path or ''} "
                     f"({_BACKEND_KINDS[status.name]})")
    requested = _dispatch.requested_backend()
    why = (f"named by {_dispatch.BACKEND_ENV}" if requested != "auto"
           else f"auto: the first usable of {', '.join(_dispatch.BACKEND_ORDER)}")
    lines.append(f"in use: {_api.backend()} ({why})")
    return "\n".join(lines)


def _slow_install_note() -> Optional[str]:
    """One line when auto had to pass over the native backend: never a silent slow path."""
    if _dispatch.requested_backend() != "auto" or _api.backend() == "native":
        return None
    try:
        _dispatch.load_backend("native")
    except ImportError as exc:
        return f"note: the native backend is unavailable, {_api.backend()} answers more slowly: {exc}"
    return None


def main(argv: Optional[List[str]] = None) -> int:
    try:
        status = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        # Quietly, as other tools in a pipeline do; stdout goes nowhere from here on.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _run(argv: Optional[List[str]]) -> int:
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
            note = _slow_install_note()
            if note:
                print(note, file=sys.stderr)
        return EXIT_OK if info.family else EXIT_UNKNOWN
    except BrokenPipeError:
        raise
    except (ConfigurationError, ELFError, ImportError, OSError) as exc:
        print(f"musldetect: {exc}", file=sys.stderr)
        return EXIT_USAGE
