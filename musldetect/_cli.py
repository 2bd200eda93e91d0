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
    inspect_cmd.add_argument("--tags", action="store_true", dest="inspect_tags",
                             help="print the platform tags this file's C library and arch allow")
    commands.add_parser("backends", help="list the backends, whether each is usable, and its answer")
    for name, text in (("tags", "every tag (interpreter, ABI, platform) of this process, an image or a platform"),
                       ("explain", "why each tag family is in or out, for this process, an image or a platform")):
        command = commands.add_parser(name, help=text)
        where = command.add_mutually_exclusive_group()
        where.add_argument("--root", help="an unpacked image, chroot or sysroot, read without running it")
        where.add_argument("--platform", help="a platform: musllinux_1_2_aarch64, x86_64-manylinux_2_28, "
                                              "aarch64-unknown-linux-musl, ...")
        command.add_argument("--python", help="with --platform a version (3.12, 3.13t); with --root the "
                                              "interpreter's path inside the image")
        if name == "tags":
            command.add_argument("--format", choices=("lines", "json", "pip", "pex"), default="lines",
                                 help="lines (default), json, pip (arguments for pip install/download), "
                                      "pex (a complete-platform file)")
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


def _target_command(args: argparse.Namespace) -> int:
    from . import _override, _tags, _target

    if args.python and not (args.root or args.platform):
        raise ValueError("--python goes with --root or --platform")
    target = _api.target(root=args.root, platform=args.platform, python=args.python)
    if args.command == "explain":
        process = target.source == "process"
        module = _tags.manylinux_module() if process else None
        files = tuple(_override.override_files()) if process else ()
        print("\n".join(_target.explain(target, module, files)))
        return EXIT_OK if target.libc.family else EXIT_UNKNOWN
    if args.format == "lines":
        print("\n".join(target.sys_tags))
    elif args.format == "pip":
        import shlex

        print(" ".join(shlex.quote(arg) for arg in target.pip_arguments()))
    elif args.format == "pex":
        print(json.dumps(target.complete_platform(), indent=2))
    else:
        libc = target.libc.as_dict()
        python = target.python._asdict() if target.python is not None else None
        print(json.dumps({"source": target.source, "arch": target.arch, "libc": libc, "python": python,
                          "marker_environment": target.marker_environment,
                          "platform_tags": list(target.platform_tags), "tags": list(target.sys_tags)}, indent=2))
    return EXIT_OK


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
        if args.command in ("tags", "explain"):
            return _target_command(args)
        if args.command == "inspect":
            info = _api.inspect(args.path, root=args.root)
            if args.inspect_tags:
                from ._target import Target

                if info.arch is None:
                    raise ELFError(f"{args.path}: no architecture, so no platform tags")
                print("\n".join(Target(info, info.arch, None, f"file:{args.path}").platform_tags))
            elif args.json or args.inspect_json:
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
    except (ConfigurationError, ELFError, ImportError, OSError, ValueError) as exc:
        print(f"musldetect: {exc}", file=sys.stderr)
        return EXIT_USAGE
