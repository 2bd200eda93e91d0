"""The ``musldetect`` command: a face over the public package and nothing else.

A summary of this process (``--json``, ``--platform-tags``), ``inspect PATH``,
``backends``, ``tags`` and ``explain``. Every fact comes from ``musldetect``'s public
functions; this module only parses arguments and prints (tests/test_layers.py holds its
imports to the package, ``_explain`` and ``_grammar``, the tags' spelling).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from . import (
    BACKENDS,
    BackendStatus,
    ConfigurationError,
    ELFError,
    LibcInfo,
    WheelError,
    __version__,
    audit,
    backends,
    cache_clear,
    inspect,
    libc,
    platform_tags,
    resolve,
    target,
)
from ._grammar import FAMILY_PREFIX, format_tag

if TYPE_CHECKING:
    from . import Audit, Resolution, Target

EXIT_OK, EXIT_UNKNOWN, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # as if killed by SIGPIPE, like other tools in a pipeline

EPILOG = """\
environment:
  MUSLDETECT_BACKEND     auto (default), native, cffi, python or ctypes; naming one is strict
  MUSLDETECT_LIBC        override the answer: musl-1.2, musl-1.2.3, glibc-2.28 or none
  _PYTHON_HOST_PLATFORM  as for sysconfig and packaging: the platform the tags are for
                         (e.g. linux-aarch64); the C library facts stay this process's
  _manylinux             PEP 600's module, if importable, vetoes manylinux tags

exit codes:
  0    a C library was determined (audit: every declared tag is honest; resolve: it loads)
  1    no C library could be determined (audit: a wheel over-promises or is inconsistent;
       resolve: a library or version is missing)
  2    usage error, bad MUSLDETECT_* value, unavailable backend, unreadable or malformed file
  141  the output pipe was closed (e.g. piped into head)
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"musldetect: {message}\n")


def _output_options(parser: argparse.ArgumentParser, top: bool, platform_tags: bool) -> None:
    """--json and --platform-tags mean the same before and after a command's name (a
    command's copy leaves the value given before it alone)."""
    unset: Dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    parser.add_argument("--json", action="store_true", help="print the answer as JSON", **unset)
    if platform_tags:
        parser.add_argument("--platform-tags", action="store_true", dest="platform_tags",
                            help="print the platform tags (one per line) instead of the summary", **unset)
        # The old spelling, kept working: it read too much like the tags command.
        parser.add_argument("--tags", action="store_true", dest="old_tags_flag", help=argparse.SUPPRESS, **unset)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="musldetect", description="Which C library (musl or glibc) and version, "
                     "and the platform tags, without starting a process.", epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"musldetect {__version__}")
    _output_options(parser, top=True, platform_tags=True)
    parser.add_argument("--backend", choices=("auto",) + BACKENDS,
                        help="use this backend (default: MUSLDETECT_BACKEND or auto)")
    commands = parser.add_subparsers(dest="command")
    inspect_cmd = commands.add_parser("inspect", help="read the C library of an ELF file")
    inspect_cmd.add_argument("path")
    inspect_cmd.add_argument("--root", help="resolve the file and its PT_INTERP inside this directory")
    _output_options(inspect_cmd, top=False, platform_tags=True)
    audit_cmd = commands.add_parser("audit", help="may a wheel carry its platform tags, and which file and "
                                                  "symbol decide (wheels, unpacked directories, ELF files)")
    audit_cmd.add_argument("paths", nargs="+", metavar="PATH")
    audit_cmd.add_argument("--jobs", type=int, default=1, metavar="N",
                           help="audit N inputs at a time in worker processes (default 1: in this process)")
    where = audit_cmd.add_mutually_exclusive_group()
    where.add_argument("--resolve", action="store_true", help="also resolve each entry binary in this system: "
                                                               "would it load here")
    where.add_argument("--root", help="also resolve each entry binary inside this unpacked image")
    _output_options(audit_cmd, top=False, platform_tags=False)
    resolve_cmd = commands.add_parser("resolve", help="will a binary load here: the loader's search and version "
                                                      "check, done statically (this system or --root)")
    resolve_cmd.add_argument("path", metavar="FILE")
    resolve_cmd.add_argument("--root", help="an unpacked image: resolve inside it, opening nothing outside")
    _output_options(resolve_cmd, top=False, platform_tags=False)
    backends_cmd = commands.add_parser("backends", help="list the backends, whether each is usable, and its answer")
    _output_options(backends_cmd, top=False, platform_tags=False)
    for name, text in (("tags", "every tag (interpreter, ABI, platform) of this process, an image or a platform"),
                       ("explain", "why each tag family is in or out, for this process, an image or a platform")):
        command = commands.add_parser(name, help=text)
        _output_options(command, top=False, platform_tags=False)
        where = command.add_mutually_exclusive_group()
        where.add_argument("--root", help="an unpacked image, chroot or sysroot, read without running it")
        where.add_argument("--platform", help="a platform: musllinux_1_2_aarch64, x86_64-manylinux_2_28, "
                                              "aarch64-unknown-linux-musl, ...")
        command.add_argument("--python", help="with --platform a version (3.12, 3.13t); with --root the "
                                              "interpreter's path inside the image")
        if name == "tags":
            command.add_argument("--format", choices=("lines", "json", "pip", "pex"), default="lines",
                                 help="lines (default), json (as --json), pip (arguments for pip "
                                      "install/download), pex (a complete-platform file)")
    return parser


def _version_text(info: LibcInfo) -> str:
    if info.version_string:
        return info.version_string
    return "unknown version"


def _requirement_text(info: LibcInfo) -> str:
    """``glibc 2.34 or newer (manylinux_2_34_x86_64)``: the tag such an object may carry."""
    assert info.requires is not None
    release = ".".join(map(str, info.requires))
    if info.family not in FAMILY_PREFIX:
        return f"{release} or newer"
    tag = format_tag(info.family, info.requires, info.arch) if info.arch else ""
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
    "ctypes": "the standard library's ctypes, nothing to install",
    "python": "pure Python, reads the loader's file",
}


def _backends_report(statuses: Sequence[BackendStatus]) -> str:
    """Each backend: usable or not and why, and its answer; then the one in use and why."""
    lines = []
    for status in statuses:
        if status.libc is None:
            lines.append(f"{status.name:7} unavailable: {status.error}")
            continue
        info = status.libc
        partial = f"; partial here: {status.partial}" if status.partial else ""
        lines.append(f"{status.name:7} {info.family or '-'} {info.version_string or '-'} {info.path or ''} "
                     f"({_BACKEND_KINDS.get(status.name, status.name)}{partial})")
    named = [s.name for s in statuses if s.named]
    in_use = [s.name for s in statuses if s.in_use]
    why = ("named by MUSLDETECT_BACKEND" if named else
           f"auto: the first usable of {', '.join(BACKENDS)}, python last without /proc")
    lines.append(f"in use: {in_use[0] if in_use else 'none, ' + named[0] + ' cannot load'} ({why})")
    return "\n".join(lines)


def _slow_install_note(in_use: str) -> Optional[str]:
    """One line when auto had to pass over the native backend: never a silent slow path."""
    named = os.environ.get("MUSLDETECT_BACKEND", "auto").strip().lower() not in ("", "auto")
    if named or in_use in ("native", "override"):
        return None
    native = [s for s in backends() if s.name == "native" and not s.available]
    if native:
        return f"note: the native backend is unavailable, {in_use} answers more slowly: {native[0].error}"
    return None


def _audit_one(path: str, where: object = None) -> Tuple[Optional[Audit], str]:
    """One input's audit, or the one-line error that stopped it (worker processes too)."""
    try:
        return audit(path, target=where), ""  # type: ignore[arg-type]
    except (ELFError, WheelError, OSError) as exc:
        return None, str(exc) if path in str(exc) else f"{path}: {exc}"


def _audit_command(paths: Sequence[str], as_json: bool, jobs: int, where: object = None) -> int:
    if jobs < 1:
        raise ValueError("--jobs takes a number of at least 1")
    progress = len(paths) > 1 and sys.stderr.isatty()
    worst = EXIT_OK
    if jobs > 1 and len(paths) > 1:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=jobs)
        results = pool.map(_audit_one, paths, [where] * len(paths),
                           chunksize=max(1, min(64, len(paths) // (4 * jobs))))
    else:
        pool, results = None, map(_audit_one, paths, [where] * len(paths))
    try:
        for done, (path, (result, error)) in enumerate(zip(paths, results), 1):
            if progress:
                print(f"\r[{done}/{len(paths)}] {path[-60:]}", end="", file=sys.stderr, flush=True)
            if result is None:
                worst = EXIT_USAGE
                if as_json:
                    print(json.dumps({"path": path, "error": error}))
                else:
                    print(f"musldetect: {error}", file=sys.stderr)
                continue
            if (result.verdict in ("over-promises", "inconsistent") or result.loads is False) and worst == EXIT_OK:
                worst = EXIT_UNKNOWN
            print(json.dumps(result.as_dict()) if as_json else "\n".join(_audit_text(result)))
    finally:
        if pool is not None:
            pool.shutdown()
        if progress:
            print(file=sys.stderr)
    return worst


def _audit_text(result: Audit) -> List[str]:
    lines = [f"{result.path}: {result.verdict}"]
    if result.declared_tags:
        agree = {True: " (file name and WHEEL agree)", False: " (file name and WHEEL disagree)", None: ""}
        lines.append(f"  declared:  {', '.join(result.declared_tags)}{agree[result.tags_agree]}")
    lines.append(f"  may carry: {', '.join(result.honest_tags) or '-'}")
    archs = sorted({f.arch for f in result.files})
    families = sorted({("static" if f.static else f.family or "no C library") for f in result.files})
    lines.append(f"  binaries:  {len(result.files)} ({', '.join(archs + families) or 'none'})")
    highest = result.highest_needs()
    if highest:
        lines.append(f"  needs:     {', '.join(highest)}")
    for blame in result.blame[:10]:
        where = f"{blame.file}: " if blame.file else ""
        lines.append(f"  blame:     {blame.tag}: {where}{blame.cause}: {blame.reason}")
    if len(result.blame) > 10:
        lines.append(f"  blame:     ... {len(result.blame) - 10} more (--json lists all)")
    lines.extend(f"  note:      {reason}" for reason in result.reasons)
    if result.target is not None:
        lines.append(f"  in {result.target}: {'loads' if result.loads else 'does not load'}")
        for file, found in result.resolutions:
            if not found.loads:
                lines.append(f"    {file}: {found.reason}")
    return lines


def _resolution_text(found: Resolution) -> List[str]:
    lines = [f"{found.path}: {'loads' if found.loads else 'does not load'} ({found.family}, {found.arch})"]
    width = max((len(lib.name) for lib in found.libraries), default=0)
    for lib in found.libraries:
        lines.append(f"  {lib.name:{width}} => {lib.path or 'not found'}  ({lib.how})")
    for gone in found.missing:
        lines.append(f"  missing:  {gone.name}, needed by {gone.needed_by}; searched {', '.join(gone.searched) or '-'}")
    for need in found.missing_versions:
        lines.append(f"  missing version: {need.version} of {need.library}, needed by {need.needed_by}")
    for skipped in found.mismatched:
        lines.append(f"  skipped:  {skipped.candidate} ({skipped.reason})")
    lines.extend(f"  note:     {note}" for note in found.notes)
    if not found.loads:
        lines.append(f"  reason:   {found.reason}")
    return lines


def _target_command(args: argparse.Namespace) -> int:
    if args.python and not (args.root or args.platform):
        raise ValueError("--python goes with --root or --platform")
    chosen = target(root=args.root, platform=args.platform, python=args.python)
    if args.command == "explain":
        from ._explain import explain

        if args.json:
            print(json.dumps(_target_json(chosen, with_tags=False), indent=2))
        else:
            print("\n".join(explain(chosen)))
        return EXIT_OK if chosen.libc.family else EXIT_UNKNOWN
    if args.json:
        args.format = "json"
    if args.format == "lines":
        print("\n".join(chosen.sys_tags))
    elif args.format == "pip":
        import shlex

        print(" ".join(shlex.quote(arg) for arg in chosen.pip_arguments()))
    elif args.format == "pex":
        print(json.dumps(chosen.complete_platform(), indent=2))
    else:
        print(json.dumps(_target_json(chosen, with_tags=True), indent=2))
    return EXIT_OK


def _target_json(chosen: Target, with_tags: bool) -> Dict[str, Any]:
    python = chosen.python._asdict() if chosen.python is not None else None
    data = {"source": chosen.source, "arch": chosen.arch, "libc": chosen.libc.as_dict(), "python": python,
            "marker_environment": chosen.marker_environment, "platform_tags": list(chosen.platform_tags),
            "reasons": list(chosen.reasons)}
    if with_tags:
        data["tags"] = list(chosen.sys_tags)
    return data


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
            os.environ["MUSLDETECT_BACKEND"] = args.backend
            cache_clear()
        if getattr(args, "old_tags_flag", False):
            print("musldetect: note: --tags is now spelled --platform-tags (the tags command lists every tag)",
                  file=sys.stderr)
            args.platform_tags = True
        if args.command == "backends":
            statuses = backends()
            if args.json:
                print(json.dumps([dict(s._asdict(), libc=s.libc.as_dict() if s.libc else None) for s in statuses],
                                 indent=2))
            else:
                print(_backends_report(statuses))
            return EXIT_OK if any(s.in_use for s in statuses) else EXIT_USAGE
        if args.command in ("tags", "explain"):
            return _target_command(args)
        if args.command == "audit":
            where = args.root if args.root else (target() if args.resolve else None)
            return _audit_command(args.paths, args.json, args.jobs, where)
        if args.command == "resolve":
            found = resolve(args.path, root=args.root)
            print(json.dumps(found.as_dict(), indent=2) if args.json else "\n".join(_resolution_text(found)))
            return EXIT_OK if found.loads else EXIT_UNKNOWN
        if args.command == "inspect":
            if args.platform_tags:
                print("\n".join(target(path=args.path, root=args.root).platform_tags))
                return EXIT_OK
            info = inspect(args.path, root=args.root)
            if args.json:
                print(json.dumps(info.as_dict(), indent=2))
            else:
                print(_summary(info, None))
            return EXIT_OK if info.family else EXIT_UNKNOWN
        info = libc()
        tags = platform_tags()
        if args.platform_tags:
            print("\n".join(tags))
        elif args.json:
            print(json.dumps(dict(info.as_dict(), tags=list(tags)), indent=2))
        else:
            print(_summary(info, tags))
            note = _slow_install_note(info.backend)
            if note:
                print(note, file=sys.stderr)
        return EXIT_OK if info.family else EXIT_UNKNOWN
    except BrokenPipeError:
        raise
    except (ConfigurationError, ELFError, WheelError, ImportError, OSError, ValueError) as exc:
        print(f"musldetect: {exc}", file=sys.stderr)
        return EXIT_USAGE
