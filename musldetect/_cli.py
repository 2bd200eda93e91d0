"""The ``musldetect`` command: a face over the public package and nothing else.

A table of commands (``COMMANDS``: a summary of this process, ``inspect``, ``audit``,
``resolve``, ``backends``, ``tags``, ``explain``/``target``), each registering its
arguments and its handler; exit codes by meaning, the same for every command. Every fact
comes from ``musldetect``'s public functions; this module only parses arguments and
prints (tests/test_layers.py holds its imports to the package and ``_explain``).
"""

from __future__ import annotations

import json
import os
import sys
import time  # built in: the progress line reads the clock once per member read
from contextlib import closing, contextmanager, nullcontext
from types import SimpleNamespace
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Generator,
    Iterator,
    List,
    NamedTuple,
    NoReturn,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Union,
)

from . import (
    BACKENDS,
    BackendStatus,
    BinaryFormatError,
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
    import argparse

    from . import Audit, ReadProgress, Resolution, Target, Waiver

    Where = Union[Target, str, None]  # where an audit resolves: this interpreter's target, an image directory, or not

    class _Registry(Protocol):
        """What a command's arguments are registered on: an argparse parser (or a group of
        one), or ``_Defaults``, which reads the same calls without argparse."""

        def add_argument(self, *args: Any, **kwargs: Any) -> Any: ...

        def add_mutually_exclusive_group(self, *args: Any, **kwargs: Any) -> Any: ...


# Exit codes by meaning, the same for every command (listed in --help and the README).
EXIT_HOLDS = 0  # it holds: determined, honest, loads
EXIT_FAILS = 1  # it does not hold: no C library determined, over-promises, inconsistent, does not load
EXIT_USAGE = 2  # a usage error (argparse's convention), a bad MUSLDETECT_* value, an unavailable backend
EXIT_CANNOT_JUDGE = 3  # an input that cannot be judged: unreadable, malformed, not understood
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT

PLATFORMS = """\
platforms (--platform): manylinux_2_28_x86_64, manylinux2014_aarch64, musllinux_1_2_aarch64,
  linux_<arch>, x86_64-manylinux_2_28, aarch64-musllinux_1_2, uv's triples
  (x86_64-unknown-linux-gnu, riscv64-unknown-linux-gnu, aarch64-unknown-linux-musl, ...),
  cargo-zigbuild's aarch64-unknown-linux-gnu.2.17, armv7-unknown-linux-gnueabihf.2.17
"""
EPILOG = (
    PLATFORMS
    + """

environment:
  MUSLDETECT_BACKEND     auto (default), native, cffi, python or ctypes; naming one is strict
  MUSLDETECT_LIBC        override the answer: musl-1.2, musl-1.2.3, glibc-2.28 or none
  _PYTHON_HOST_PLATFORM  as for sysconfig and packaging: the platform the tags are for
                         (e.g. linux-aarch64); the C library facts stay this process's
  _manylinux             PEP 600's module, if importable, vetoes manylinux tags

exit codes (the same for every command):
  0    it holds: a C library was determined, every declared tag is honest, it loads
  1    it does not hold: no C library determined, a wheel over-promises or is
       inconsistent, a library or version is missing
  2    usage error, bad MUSLDETECT_* value, unavailable backend
  3    cannot judge: an unreadable, malformed or refused input (a file, wheel, image or platform)
  130  interrupted (Ctrl-C)
A reader that leaves early (| head) ends the command quietly with the status it decided.
"""
)


class _Defaults:
    """Stands where a parser would to read what registering calls give a namespace when no
    option is on the command line: each option's attribute and default, the positionals'
    names (argparse's rules for the actions the commands use)."""

    SUPPRESSED = object()  # what _suppressed() gives it: argparse.SUPPRESS's place

    def __init__(self) -> None:
        self.values: Dict[str, Any] = {}
        self.positionals: List[str] = []

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        if not args[0].startswith("-"):
            self.positionals.append(kwargs.get("dest", args[0]))
            return
        if kwargs.get("action") in ("help", "version") or kwargs.get("default") is self.SUPPRESSED:
            return  # argparse sets no attribute for these
        flag = next((arg for arg in args if arg.startswith("--")), args[0])  # the first long one, else the short
        dest = kwargs.get("dest") or flag.lstrip("-").replace("-", "_")
        self.values[dest] = kwargs.get("default", False if kwargs.get("action") == "store_true" else None)

    def add_mutually_exclusive_group(self, *args: Any, **kwargs: Any) -> _Defaults:
        return self


def _suppressed(parser: _Registry) -> Any:
    """argparse.SUPPRESS, or its stand-in for ``_Defaults``: importing argparse for the
    marker alone would cost what skipping it saves."""
    if isinstance(parser, _Defaults):
        return _Defaults.SUPPRESSED
    import argparse

    return argparse.SUPPRESS


def _output_options(parser: _Registry, top: bool, platform_tags: bool) -> None:
    """--json and --platform-tags mean the same before and after a command's name (a
    command's copy leaves the value given before it alone)."""
    unset: Dict[str, Any] = {} if top else {"default": _suppressed(parser)}
    parser.add_argument("--json", action="store_true", help="print the answer as JSON", **unset)
    if platform_tags:
        parser.add_argument(
            "--platform-tags",
            action="store_true",
            dest="platform_tags",
            help="print the platform tags (one per line) instead of the summary",
            **unset,
        )
        # The old spelling, kept working: it read too much like the tags command.
        parser.add_argument("--tags", action="store_true", dest="old_tags_flag", help=_suppressed(parser), **unset)


def _top_arguments(parser: _Registry) -> None:
    parser.add_argument("-V", "--version", action="version", version=f"musldetect {__version__}")
    _output_options(parser, top=True, platform_tags=True)
    parser.add_argument(
        "--backend", choices=("auto",) + BACKENDS, help="use this backend (default: MUSLDETECT_BACKEND or auto)"
    )


def _command_named(name: str) -> Optional[Command]:
    return next((command for command in COMMANDS if name in (command.name, *command.aliases)), None)


def _named_command(argv: Sequence[str]) -> Optional[str]:
    """The command ``argv`` names, when that is sure before parsing (then only its parser
    is built: each costs about a millisecond of argparse's set-up, most of it looking for
    translations); None when it is not (help, an unknown name): all are built."""
    value_next = False
    for arg in argv:
        if value_next:
            value_next = False
        elif arg in ("-h", "--help", "--"):
            return None
        elif arg == "--backend":
            value_next = True
        elif not arg.startswith("-"):
            return arg if _command_named(arg) is not None else None
    return None


def _plain_arguments(argv: Sequence[str]) -> Optional[SimpleNamespace]:
    """``COMMAND PATH...`` and no option (a build tool's audit of one wheel): the namespace
    argparse would give, read from the same registering calls, without importing argparse
    (its import, gettext's and locale's, and building the parser cost a fresh process
    ~3 ms); None for anything else, which argparse parses."""
    command = _command_named(argv[0]) if len(argv) > 1 else None
    if command is None or any(arg.startswith("-") for arg in argv):
        return None
    found = _Defaults()
    _top_arguments(found)
    command.arguments(found)
    if found.positionals != ["paths"]:
        return None
    return SimpleNamespace(**found.values, command=argv[0], paths=list(argv[1:]))


def _bare_parser() -> argparse.ArgumentParser:
    """The top parser, without arguments yet, and argparse imported: only now."""
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            self.exit(EXIT_USAGE, f"musldetect: {message}\n")

    class BuildingFormatter(argparse.RawDescriptionHelpFormatter):
        """The formatter argparse makes while a parser is built, for each argument added, only
        to check its metavar: given a width it never asks the terminal's, so shutil (and with
        it bz2 and lzma) stays unimported. Help is formatted by RawDescriptionHelpFormatter,
        put back once the parser is built, at the terminal's width as before."""

        def __init__(self, prog: str) -> None:
            super().__init__(prog, width=80)

    return Parser(
        prog="musldetect",
        description="Which C library (musl or glibc) and version, and the platform tags, without starting a process.",
        epilog=EPILOG,
        formatter_class=BuildingFormatter,
    )


def _parser(argv: Optional[Sequence[str]] = None) -> argparse.ArgumentParser:
    """The command line's parser; given ``argv``, with only the parser of the command it names."""
    only = _named_command(argv) if argv is not None else None
    parser = _bare_parser()
    _top_arguments(parser)
    subparsers = parser.add_subparsers(dest="command", prog="musldetect")  # as argparse would name it, unformatted
    for command in COMMANDS:
        if only is not None and only not in (command.name, *command.aliases):
            continue
        epilog = PLATFORMS if command.handler is _target_command else None
        command.arguments(
            subparsers.add_parser(
                command.name,
                help=command.help,
                aliases=list(command.aliases),
                epilog=epilog,
                formatter_class=parser.formatter_class,
            )
        )
    import argparse

    for built in (parser, *subparsers.choices.values()):
        built.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def _inspect_arguments(parser: _Registry) -> None:
    parser.add_argument("paths", nargs="+", metavar="FILE")
    parser.add_argument("--root", help="resolve the file and its PT_INTERP inside this directory")
    _output_options(parser, top=False, platform_tags=True)


def _audit_arguments(parser: _Registry) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH")
    parser.add_argument(
        "--wheels-in",
        action="append",
        default=[],
        metavar="DIR",
        help="audit every *.whl under DIR, recursively, in sorted order (repeatable; a plain "
        "DIR argument means an unpacked tree)",
    )
    parser.add_argument(
        "--waive",
        action="append",
        default=[],
        metavar="RULE:GLOB=REASON",
        help="set aside the causes of RULE in files matching GLOB, saying why (repeatable)",
    )
    parser.add_argument(
        "--waivers-from",
        metavar="FILE",
        help="the waivers of this pyproject.toml's "
        "[tool.musldetect.audit] table (default: ./pyproject.toml when it has one)",
    )
    parser.add_argument("--strict", action="store_true", help="ignore every waiver")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="audit N inputs at a time in worker processes (default 1: in this process)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--resolve",
        action="store_true",
        help="also resolve each entry binary for this interpreter: would it load into it",
    )
    where.add_argument("--root", help="also resolve each entry binary inside this unpacked image")
    _output_options(parser, top=False, platform_tags=False)


def _resolve_arguments(parser: _Registry) -> None:
    parser.add_argument("paths", nargs="+", metavar="FILE")
    parser.add_argument("--root", help="an unpacked image: resolve inside it, opening nothing outside")
    _output_options(parser, top=False, platform_tags=False)


def _backends_arguments(parser: _Registry) -> None:
    _output_options(parser, top=False, platform_tags=False)


def _target_arguments(parser: _Registry) -> None:
    """Where: this process (no option), an image (--root) or a named platform (--platform)."""
    _output_options(parser, top=False, platform_tags=False)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--root", help="an unpacked image, chroot or sysroot, read without running it")
    where.add_argument(
        "--platform",
        help="a platform: musllinux_1_2_aarch64, x86_64-manylinux_2_28, "
        "aarch64-unknown-linux-musl, ... (the forms below)",
    )
    parser.add_argument(
        "--python", help="with --platform a version (3.12, 3.13t); with --root the interpreter's path inside the image"
    )


def _tags_arguments(parser: _Registry) -> None:
    _target_arguments(parser)
    parser.add_argument(
        "--format",
        choices=("lines", "json", "pip", "pex"),
        default="lines",
        help="lines (default), json (as --json), pip (arguments for pip install/download, "
        "portable tags first), pex (a complete-platform file)",
    )


def _version_text(info: LibcInfo) -> str:
    if info.version_string:
        return info.version_string
    return "unknown version"


def _requirement_tag(info: LibcInfo) -> str:
    """``manylinux_2_34_x86_64``: the tag an object with this requirement may carry; empty if none."""
    if info.requires is None or info.family not in FAMILY_PREFIX or not info.arch:
        return ""
    return format_tag(info.family, info.requires, info.arch)


def _requirement_text(info: LibcInfo) -> str:
    """``glibc 2.34 or newer (manylinux_2_34_x86_64)``: the release it needs and the tag it may carry."""
    assert info.requires is not None
    release = ".".join(map(str, info.requires))
    if info.family not in FAMILY_PREFIX:
        return f"{release} or newer"
    tag = _requirement_tag(info)
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
        lines.append(
            f"{status.name:7} {info.family or '-'} {info.version_string or '-'} {info.path or ''} "
            f"({_BACKEND_KINDS.get(status.name, status.name)}{partial})"
        )
    named = [s.name for s in statuses if s.named]
    in_use = [s.name for s in statuses if s.in_use]
    why = (
        "named by MUSLDETECT_BACKEND"
        if named
        else f"auto: the first usable of {', '.join(BACKENDS)}, python last without /proc"
    )
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


MAX_PYPROJECT_PEEK = 4 << 20  # bytes of ./pyproject.toml looked at for musldetect's table

_INPUT_ERRORS = (ELFError, BinaryFormatError, WheelError, OSError, ValueError)


class AuditOptions(NamedTuple):
    """What every input of one command is audited with (sent as is to worker processes)."""

    where: Where
    waivers: Tuple[Waiver, ...]
    strict: bool


class _Outcome(NamedTuple):
    """One input's audit, or the one-line error that stopped it."""

    at: int  # the input's place on the command line
    result: Optional[Audit]
    error: str


def _audit_one(index: int, path: str, options: AuditOptions, told: Optional[_Teller]) -> _Outcome:
    """One input's audit (in this process or a worker's), telling ``told`` how far it is."""
    if told is not None:
        told.begin(index)
    try:
        heard = told.tell if told is not None else None
        found = audit(path, target=options.where, waivers=options.waivers, strict=options.strict, progress=heard)
        return _Outcome(index, found, "")
    except ConfigurationError:  # a MUSLDETECT_* value, not this input: the command's usage error (exit 2)
        raise
    except _INPUT_ERRORS as exc:
        text = str(exc)
        return _Outcome(index, None, text if path in text or text.startswith("target=") else f"{path}: {text}")


REFRESH = 0.1  # seconds: the progress line changes at most 10 times a second
WINDOW = 256  # inputs: results that arrive before an earlier input's wait here, never more


class _Reading(NamedTuple):
    """A progress event: ``worker`` began input ``at`` (``read`` None) or has read this far."""

    worker: int
    at: int
    read: Optional[ReadProgress]


class _Teller:
    """Where one process is, sent down ``send`` (a queue's put): when it begins an input, and
    how far it has read at most every REFRESH seconds."""

    def __init__(self, send: Callable[[_Reading], None]) -> None:
        self.send = send
        self.worker = os.getpid()
        self.index = 0
        self.last = 0.0

    def begin(self, index: int) -> None:
        self.index = index
        self.send(_Reading(self.worker, index, None))

    def tell(self, read: ReadProgress) -> None:
        now = time.monotonic()
        if now - self.last >= REFRESH:
            self.last = now
            self.send(_Reading(self.worker, self.index, read))


class _WorkerState(NamedTuple):
    """What every task of one worker process shares, given once when the process starts."""

    options: AuditOptions
    told: Optional[_Teller]


_WORKER: List[_WorkerState] = []


def _worker_start(options: AuditOptions, events: Any, stop: Any) -> None:
    """A worker leaves Ctrl-C to the command, which ends the workers itself; one the pool
    starts after that (in place of a killed one, under any start method) leaves at once."""
    import signal

    if stop.is_set():
        os._exit(EXIT_INTERRUPTED)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER[:] = [_WorkerState(options, _Teller(events.put) if events is not None else None)]


def _worker_task(job: Tuple[int, str]) -> _Outcome:
    state = _WORKER[0]
    return _audit_one(job[0], job[1], state.options, state.told)


def _sizes(paths: Sequence[str]) -> List[int]:
    """Each input's size (a folder or an unreadable path counts as 0): the larger an input,
    the longer its audit, so it is handed out first (longest-processing-time-first)."""
    import stat

    sizes = []
    for path in paths:  # stat opens nothing: a FIFO among the inputs cannot block here
        try:
            found = os.stat(path)
        except (OSError, ValueError):
            sizes.append(0)
            continue
        sizes.append(found.st_size if stat.S_ISREG(found.st_mode) else 0)
    return sizes


class _Scheduler:
    """Inputs handed to a pool of workers one at a time, the largest first among the next
    WINDOW inputs in order; the outcomes given back in input order as soon as each is due,
    the ones that arrive early held (at most WINDOW)."""

    def __init__(self, pool: Any, paths: Sequence[str], jobs: int, arrived: Callable[[int], None]) -> None:
        import queue

        self.pool, self.paths, self.arrived = pool, paths, arrived
        self.sizes = _sizes(paths)
        self.ready: Any = queue.SimpleQueue()  # outcomes (or a worker's exception) from the pool's result thread
        self.waiting: List[Tuple[int, int]] = []  # heap of (-size, index): in the window, not handed out yet
        self.entered = 0  # inputs before this one have entered the window
        self.in_flight = 0
        self.held: Dict[int, _Outcome] = {}  # outcomes that arrived before an earlier input's
        self.most_in_flight = 2 * jobs  # a task queued behind each running one: no worker waits for the parent

    def outcomes(self) -> Iterator[_Outcome]:
        held = self.held
        for due in range(len(self.paths)):
            while due not in held:
                self._hand_out(due)
                outcome = self.ready.get()
                if isinstance(outcome, BaseException):  # a bug, not a bad input: as in this process
                    raise outcome
                self.in_flight -= 1
                self.arrived(outcome.at)
                held[outcome.at] = outcome
            yield held.pop(due)

    def _hand_out(self, due: int) -> None:
        """Inputs up to WINDOW after the one due enter the window; the largest waiting go
        to the workers until each has one running and one queued."""
        import heapq

        while self.entered < min(len(self.paths), due + WINDOW):
            heapq.heappush(self.waiting, (-self.sizes[self.entered], self.entered))
            self.entered += 1
        while self.waiting and self.in_flight < self.most_in_flight:
            at = heapq.heappop(self.waiting)[1]
            self.pool.apply_async(
                _worker_task, ((at, self.paths[at]),), callback=self.ready.put, error_callback=self.ready.put
            )
            self.in_flight += 1


def _in_order(
    paths: Sequence[str], jobs: int, options: AuditOptions, line: Optional[_ProgressLine]
) -> Generator[_Outcome, None, None]:
    """Each input's outcome, in input order: here, or with ``jobs`` worker processes."""
    if jobs == 1 or len(paths) == 1:
        told = None
        if line is not None:
            line.thread.start()
            told = _Teller(line.events.put)
        for index, path in enumerate(paths):
            outcome = _audit_one(index, path, options, told)
            if line is not None:
                line.arrived(index)
            yield outcome
        return
    with _worker_pool(min(jobs, len(paths)), options, line) as pool:
        if line is not None:  # only now: a fork while another thread runs can leave a lock held in the child
            line.thread.start()
        yield from _Scheduler(pool, paths, jobs, line.arrived if line is not None else lambda index: None).outcomes()


@contextmanager
def _worker_pool(jobs: int, options: AuditOptions, line: Optional[_ProgressLine]) -> Iterator[Any]:
    """Worker processes that have the audit's modules before their first task: imported here
    before a fork, or preloaded by a fork server (Python 3.14's default on Linux)."""
    import multiprocessing

    from . import Audit  # noqa: F401 -- the audit's modules, imported on first use of a name of theirs

    context = multiprocessing.get_context()
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["musldetect._cli", "musldetect._audit"])
    interrupted: List[bool] = []  # this pool's Ctrl-C, noted by the handler
    previous = _noting_ctrl_c(interrupted)
    stop = context.Event()  # set on Ctrl-C: a worker started after it leaves at once
    abandoned = False
    try:
        pool = context.Pool(jobs, initializer=_worker_start, initargs=(options, line.events if line else None, stop))
        try:
            yield pool
        finally:
            # Ended, not waited for (on Ctrl-C, wherever it was raised, or an error the rest
            # is not wanted; at the end nothing is left to wait for).
            _end_pool(pool, stop, ctrl_c=bool(interrupted))
            abandoned = bool(_ABANDONED)
    finally:
        if previous is not None and not abandoned:  # abandoned: the process ends, Ctrl-C ignored till then
            import signal

            signal.signal(signal.SIGINT, previous)


_ABANDONED: List[Any] = []  # a pool whose shutdown hung: the process must end at once (``main``)


def _noting_ctrl_c(interrupted: List[bool]) -> Any:
    """Ctrl-C raises KeyboardInterrupt as ever, and is noted in ``interrupted`` first: it may
    surface where the results are printed, and the pool is then closed as a generator
    (GeneratorExit), not by the KeyboardInterrupt. The handler it replaces, or None when
    none is installed: off the main thread (only the main thread takes signals), when
    Ctrl-C is ignored (a command started in the background keeps ignoring it) or handled
    by someone else."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return None

    def noted(signum: int, frame: Any) -> None:
        interrupted.append(True)
        raise KeyboardInterrupt

    return signal.signal(signal.SIGINT, noted)


def _end_pool(pool: Any, stop: Any, ctrl_c: bool) -> None:
    """Python's own shutdown of the pool (``terminate()``), given ABANDON_WAIT seconds. It can
    wait for ever: on the task queue's lock or the result queue's, when a worker it killed
    held that lock (about one Ctrl-C in 150 on Python 3.8 hung so, and an error raised in a
    worker while another sent its result). When it does, the workers are killed, the pool
    is kept here (so nothing frees it and runs that shutdown again) and ``main`` ends the
    process at once; when it does not, the process ends as ever (a fork server's resource
    tracker then has no semaphore to warn about).

    ``stop`` is set first: a worker the pool starts in place of one that ended leaves at
    once (``_worker_start``), under fork, forkserver or spawn alike. After a Ctrl-C a second
    one is ignored from here on."""
    import threading

    if ctrl_c:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop.set()
    shutdown = threading.Thread(target=_shut, args=(pool,), name="musldetect-pool-end", daemon=True)
    shutdown.start()
    shutdown.join(ABANDON_WAIT)
    if shutdown.is_alive():
        _kill_workers()
        _ABANDONED.append(pool)


def _kill_workers() -> None:
    """Every worker killed and gone. SIGCHLD ignored (POSIX): a killed child is reaped by
    the kernel as it dies, so none is left a zombie of the command. Windows has no SIGCHLD,
    no zombies and no SIGKILL: there each worker is terminated and waited for."""
    import multiprocessing
    import signal

    if not hasattr(signal, "SIGCHLD"):
        workers = multiprocessing.active_children()
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.join(ABANDON_WAIT)
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    pids = [worker.pid for worker in multiprocessing.active_children() if worker.pid]
    for pid in pids:
        _kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + ABANDON_WAIT
    while any(_kill(pid, 0) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.005)


def _shut(pool: Any) -> None:
    pool.terminate()
    pool.join()


ABANDON_WAIT = 2.0  # seconds: for the pool's shutdown, then for the killed workers to be gone


def _kill(pid: int, signum: int) -> bool:
    """Whether the process was there to be sent the signal (POSIX only: on Windows
    os.kill ends the process whatever the signal)."""
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        return False
    return True


class _ProgressLine:
    """On a terminal: the inputs being read now and how far, on stderr, redrawn at most
    10 times a second by a thread of its own from the events the audits send (``events``);
    the printer of results clears it first (``cleared``), so it never mixes with them."""

    def __init__(self, paths: Sequence[str], jobs: int) -> None:
        import threading

        if jobs > 1 and len(paths) > 1:
            import multiprocessing

            self.events: Any = multiprocessing.get_context().Queue()
        else:
            import queue

            self.events = queue.SimpleQueue()
        self.paths = paths
        self.lock = threading.Lock()
        self.reading: Dict[int, _Reading] = {}  # by worker
        self.done = bytearray(len(paths))  # 1: the input's audit is over
        self.printed = 0
        self.shown = False
        self.thread = threading.Thread(target=self._run, name="musldetect-progress", daemon=True)

    def arrived(self, index: int) -> None:
        self.done[index] = 1

    @contextmanager
    def cleared(self) -> Iterator[None]:
        with self.lock:
            if self.shown:
                self._write("")
            yield
            self.printed += 1

    def stop(self) -> None:
        if self.thread.is_alive():
            self.events.put(None)
            self.thread.join(1.0)
        with self.lock:
            if self.shown:
                self._write("")

    def _run(self) -> None:
        import queue

        due, changed = 0.0, False
        while True:
            wait = max(0.0, due - time.monotonic()) if changed else (REFRESH if self.reading else None)
            try:
                event = self.events.get(timeout=wait)
            except queue.Empty:
                event = False
            if event is None:
                return
            if event:
                self.reading[event.worker] = event
                changed = True
            changed = changed or bool(self.reading)
            if changed and time.monotonic() >= due:
                self._draw()
                due, changed = time.monotonic() + REFRESH, False

    def _draw(self) -> None:
        readings = [(self.paths[r.at], r.read) for r in self.reading.values() if not self.done[r.at]]
        try:  # a line longer than the terminal would wrap, and the erase reaches only its last row
            width = os.get_terminal_size(sys.stderr.fileno()).columns - 1
        except OSError:
            width = 79
        text = _progress_text(f"[{self.printed}/{len(self.paths)}] ", readings, width) if readings else ""
        with self.lock:
            if text or self.shown:
                self._write(text)

    def _write(self, text: str) -> None:
        sys.stderr.write(f"\r\x1b[K{text}")
        sys.stderr.flush()
        self.shown = bool(text)


def _progress_text(prefix: str, readings: List[Tuple[str, Optional[ReadProgress]]], width: int) -> str:
    """``[3/38] scipy-1.14.1-...whl 812/1520 members, 12.3/40.8 MB, numpy-...``: each input
    read now and how far (its members, their compressed bytes), at most ``width``
    characters. On a narrow terminal the names are cut before the numbers, so how far
    every worker is still shows (wheel names run to 100 characters)."""
    names = [os.path.basename(path) for path, _ in readings]
    tails = [_how_far(read) for _, read in readings]
    text = prefix + ", ".join(name + tail for name, tail in zip(names, tails))
    if len(text) > width:
        room = (width - len(prefix) - 2 * (len(readings) - 1)) // len(readings)
        text = prefix + ", ".join(_cut(name, room - len(tail)) + tail for name, tail in zip(names, tails))
    return text[:width]


def _how_far(read: Optional[ReadProgress]) -> str:
    if read is None:
        return ""
    return f" {read.members_read}/{read.members} members, {read.bytes_read / 1e6:.1f}/{read.bytes / 1e6:.1f} MB"


def _cut(name: str, room: int) -> str:
    """``name`` in at most ``room`` characters (ASCII dots: a terminal may not take more)."""
    return name if len(name) <= room else name[: max(room - 3, 1)] + "..."


def _wheels_under(folder: str) -> List[str]:
    """Every ``*.whl`` under ``folder``, recursively, sorted: the same order on every machine."""
    if not os.path.isdir(folder):
        raise _UsageError(f"--wheels-in {folder}: not a directory")
    return sorted(
        os.path.join(top, name) for top, _dirs, names in os.walk(folder) for name in names if name.endswith(".whl")
    )


def _default_pyproject() -> Optional[str]:
    """./pyproject.toml when it has musldetect's table: build tools run the audit from the
    project's root, and a project without the table needs no TOML reader."""
    try:
        with open("pyproject.toml", "rb") as fh:
            text = fh.read(MAX_PYPROJECT_PEEK)
    except OSError:
        return None
    return "pyproject.toml" if b"tool.musldetect" in text else None


def _audit_options(args: SimpleNamespace) -> AuditOptions:
    from . import WaiverError, load_waivers

    where: Where = args.root if args.root else (target() if args.resolve else None)
    pyproject = args.waivers_from or _default_pyproject()
    try:
        waivers = load_waivers(pyproject, command_line=args.waive)
    except (WaiverError, OSError) as exc:
        raise _UsageError(str(exc)) from exc  # each names where the waiver was written
    return AuditOptions(where, tuple(waivers), args.strict)


class _Tally:
    """What a batch has seen so far: inputs per verdict, the waivers no input used, the status."""

    def __init__(self, waivers: Sequence[Waiver]) -> None:
        self.verdicts: Dict[str, int] = {}
        self.errors = 0
        self.unused = list(waivers)
        self.status = EXIT_HOLDS

    def add(self, result: Optional[Audit]) -> int:
        if result is None:
            self.errors += 1
            self.status = EXIT_CANNOT_JUDGE
            return self.status
        self.verdicts[result.verdict] = self.verdicts.get(result.verdict, 0) + 1
        self.unused = [w for w in self.unused if w in result.unused_waivers]
        self.status = max(self.status, _audit_status(result))
        return self.status

    def inputs(self) -> int:
        return sum(self.verdicts.values()) + self.errors

    def as_dict(self) -> Dict[str, Any]:
        return {
            "inputs": self.inputs(),
            "verdicts": dict(sorted(self.verdicts.items())),
            "errors": self.errors,
            "unused_waivers": [w._asdict() for w in self.unused],
            "status": self.status,
        }

    def text(self) -> List[str]:
        counts = [f"{n} {verdict}" for verdict, n in sorted(self.verdicts.items())]
        counts += [f"{self.errors} not readable"] if self.errors else []
        lines = [f"summary: {self.inputs()} inputs: {', '.join(counts) or 'none'}; exit status {self.status}"]
        return lines + [f"unused waiver: {_waiver_text(w)} (no input used it)" for w in self.unused]


def _audit_status(result: Audit) -> int:
    if result.verdict == "cannot judge":  # the formats do not let it decide: never a pass
        return EXIT_CANNOT_JUDGE
    if result.verdict in ("over-promises", "inconsistent") or result.loads is False:
        return EXIT_FAILS
    return EXIT_HOLDS


def _audit_command(args: SimpleNamespace) -> int:
    if args.jobs < 1:
        raise _UsageError("--jobs takes a number of at least 1")
    paths = list(args.paths) + [wheel for folder in args.wheels_in for wheel in _wheels_under(folder)]
    if not paths and not args.wheels_in:
        raise _UsageError("audit needs a PATH or --wheels-in DIR")
    options = _audit_options(args)
    tally, batch = _Tally(options.waivers), len(paths) != 1 or bool(args.wheels_in)
    if not paths:
        print(f"musldetect: no wheels in {', '.join(args.wheels_in)}: nothing to audit", file=sys.stderr)
    line = _ProgressLine(paths, args.jobs) if paths and sys.stderr.isatty() else None
    try:
        with closing(_in_order(paths, args.jobs, options, line)) as outcomes:  # closed now, on PyPy too
            for outcome in outcomes:
                path, result = paths[outcome.at], outcome.result
                if result is None and outcome.error.startswith("target="):  # --root: one usage error, not one per input
                    raise _UsageError(f"--root {args.root}: not a directory")
                _decided(tally.add(result))
                with line.cleared() if line is not None else nullcontext():
                    _print_result(path, result, outcome.error, args.json, batch)
    finally:
        if line is not None:
            line.stop()
    if batch:
        print(json.dumps({"summary": tally.as_dict()}) if args.json else "\n".join(tally.text()), flush=True)
    return tally.status


def _print_result(path: str, result: Optional[Audit], error: str, as_json: bool, batch: bool) -> None:
    if result is None:
        _report_error(path, error, as_json)
    elif as_json:
        print(json.dumps(result.as_dict()), flush=True)
    else:
        print("\n".join(_audit_text(result, unused=not batch)), flush=True)


def _report_error(path: str, error: str, as_json: bool) -> None:
    if as_json:
        from . import audit_provenance

        print(json.dumps({"path": path, "error": error, "provenance": audit_provenance().as_dict()}), flush=True)
    else:
        print(f"musldetect: {error}", file=sys.stderr)


def _waiver_text(waiver: Waiver) -> str:
    return f"{waiver.rule}:{waiver.files}={waiver.reason} ({waiver.origin})"


def _audit_text(result: Audit, unused: bool = True) -> List[str]:
    """The result in words; ``unused``: also each waiver it did not use (a batch lists
    those once, at its end: the waivers no input used)."""
    lines = [f"{result.path}: {result.verdict}"]
    if result.declared_tags:
        agree = {True: " (file name and WHEEL agree)", False: " (file name and WHEEL disagree)", None: ""}
        lines.append(f"  declared:  {', '.join(result.declared_tags)}{agree[result.tags_agree]}")
    no_binaries = "any (no binaries)" if not (result.files or result.images) else "-"
    lines.append(f"  may carry: {', '.join(result.honest_tags) or no_binaries}")
    archs = sorted({f.arch for f in result.files} | {s.arch for image in result.images for s in image.slices})
    families = sorted(
        {("static" if f.static else f.family or "no C library") for f in result.files}
        | {image.format for image in result.images}
    )
    lines.append(f"  binaries:  {len(result.files) + len(result.images)} ({', '.join(archs + families) or 'none'})")
    lines.extend(_minimum_lines(result))
    highest = result.highest_needs()
    if highest:
        lines.append(f"  needs:     {', '.join(highest)}")
    for blame in result.blame[:10]:
        where = f"{blame.file}: " if blame.file else ""
        lines.append(f"  blame:     {blame.tag}: {where}{blame.cause}: {blame.reason}")
    if len(result.blame) > 10:
        lines.append(f"  blame:     ... {len(result.blame) - 10} more (--json lists all)")
    for waived in result.waived:
        where = f"{waived.file}: " if waived.file else ""
        lines.append(f"  waived:    {waived.tag}: {where}{waived.cause} [{waived.rule}]: {waived.waiver.reason}")
    if unused:
        lines.extend(f"  unused waiver: {_waiver_text(waiver)}" for waiver in result.unused_waivers)
    lines.extend(f"  note:      {reason}" for reason in result.reasons)
    if result.target is not None:
        where = f"the image {result.target[5:]}" if result.target.startswith("root:") else result.target
        lines.append(f"  in {where}: {'loads' if result.loads else 'does not load'}")
        for file, found in result.resolutions:
            if not found.loads:
                lines.append(f"    {file}: {found.reason}")
    return lines


def _minimum_lines(result: Audit) -> List[str]:
    """The highest minimum OS version any Mach-O slice needs, per platform and arch."""
    highest: Dict[Tuple[str, str], Tuple[int, ...]] = {}
    for image in result.images:
        for piece in image.slices:
            if piece.minimum is not None and piece.platform is not None:
                key = (piece.platform, piece.arch)
                highest[key] = max(highest.get(key, piece.minimum), piece.minimum)
    shown = [
        f"{platform} {'.'.join(map(str, version[:2] if version[2:] == (0,) else version))} ({arch})"
        for (platform, arch), version in sorted(highest.items())
    ]
    return [f"  needs:     {', '.join(shown)}"] if shown else []


def _resolution_text(found: Resolution) -> List[str]:
    static = "; statically linked, it needs no library" if not found.libraries and "statically" in found.reason else ""
    lines = [f"{found.path}: {'loads' if found.loads else 'does not load'} ({found.family}, {found.arch}){static}"]
    width = max((len(lib.name) for lib in found.libraries), default=0)
    for lib in found.libraries:
        lines.append(
            f"  {lib.name:{width}} => {lib.path}  ({lib.how})" if lib.path else f"  {lib.name:{width}} => not found"
        )
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


def _each_file(paths: Sequence[str], one: Callable[[str], Tuple[str, int]]) -> int:
    """Every file in turn (its text and status); a file that cannot be judged is reported and
    the rest still run."""
    worst = EXIT_HOLDS
    for path in paths:
        try:
            text, status = one(path)
        except _INPUT_ERRORS as exc:
            text, status = "", EXIT_CANNOT_JUDGE
            wheel = path.endswith(".whl") and isinstance(exc, ELFError)
            hint = " (a wheel: musldetect audit reads it)" if wheel else ""
            print(f"musldetect: {exc}{hint}", file=sys.stderr)
        worst = _decided(max(worst, status))
        if text:
            print(text)
    return worst


_OUTCOME = {"status": EXIT_HOLDS}  # what the command has decided so far, for a reader that leaves early


def _decided(status: int) -> int:
    """Note the command's status before its output is printed: a closed pipe then ends the
    command with it, the same from run to run, whether or not the reader had left yet."""
    _OUTCOME["status"] = status
    return status


def _json(data: Dict[str, Any], path: str, paths: Sequence[str]) -> str:
    """One file: an indented document; several: one object per line with its path, as audit prints them."""
    return json.dumps(data, indent=2) if len(paths) == 1 else json.dumps(dict(data, file=path))


def _resolve_command(args: SimpleNamespace) -> int:
    def one(path: str) -> Tuple[str, int]:
        found = resolve(path, root=args.root)
        text = _json(found.as_dict(), path, args.paths) if args.json else "\n".join(_resolution_text(found))
        return text, EXIT_HOLDS if found.loads else EXIT_FAILS

    return _each_file(args.paths, one)


def _inspect_command(args: SimpleNamespace) -> int:
    def one(path: str) -> Tuple[str, int]:
        info = inspect(path, root=args.root)
        if args.platform_tags:  # the tag its requirement gives, as the summary says; else its platform's tags
            tag = _requirement_tag(info)
            tags = [tag] if tag else target(path=path, root=args.root).platform_tags
            return "\n".join(f"{path}: {t}" if len(args.paths) > 1 else t for t in tags), EXIT_HOLDS
        if args.json:
            text = _json(info.as_dict(), path, args.paths)
        else:
            text = _summary(info, None) if len(args.paths) == 1 else f"{path}: " + _summary(info, None)
        return text, EXIT_HOLDS if info.family else EXIT_FAILS

    return _each_file(args.paths, one)


def _target_command(args: SimpleNamespace) -> int:
    if args.python and not (args.root or args.platform):
        raise _UsageError("--python goes with --root or --platform")
    if args.json and getattr(args, "format", "json") not in ("lines", "json"):
        raise _UsageError(f"--json and --format {args.format} ask for two outputs: give one")
    chosen = target(root=args.root, platform=args.platform, python=args.python)
    if args.command != "tags":
        from ._explain import explain

        # A named platform is explained whatever its C library (linux_<arch> has none to know).
        status = _decided(EXIT_HOLDS if chosen.libc.family or args.platform else EXIT_FAILS)
        print(json.dumps(_target_json(chosen, with_tags=False), indent=2) if args.json else "\n".join(explain(chosen)))
        return status
    if args.json or args.format == "json":
        print(json.dumps(_target_json(chosen, with_tags=True), indent=2))
    elif args.format == "lines":
        print("\n".join(chosen.sys_tags))
    elif args.format == "pip":
        import shlex

        print(" ".join(shlex.quote(arg) for arg in chosen.pip_arguments()))
    else:
        print(json.dumps(chosen.complete_platform(), indent=2))
    return EXIT_HOLDS


def _target_json(chosen: Target, with_tags: bool) -> Dict[str, Any]:
    data = chosen.as_dict()
    if not with_tags:
        data.pop("tags", None)
    return data


def _backends_command(args: SimpleNamespace) -> int:
    statuses = backends()
    _decided(EXIT_HOLDS if any(s.in_use for s in statuses) else EXIT_USAGE)
    if args.json:
        print(json.dumps([status.as_dict() for status in statuses], indent=2))
    else:
        print(_backends_report(statuses))
    return EXIT_HOLDS if any(s.in_use for s in statuses) else EXIT_USAGE


def _process_command(args: SimpleNamespace) -> int:
    info = libc()
    tags = platform_tags() if sys.platform.startswith("linux") else ()  # elsewhere: no Linux tags to list
    _decided(EXIT_HOLDS if info.family else EXIT_FAILS)
    if args.platform_tags:
        print("\n".join(tags))
    elif args.json:
        print(json.dumps(dict(info.as_dict(), tags=list(tags)), indent=2))
    else:
        print(_summary(info, tags))
        note = _slow_install_note(info.backend)
        if note:
            print(note, file=sys.stderr)
    return EXIT_HOLDS if info.family else EXIT_FAILS


class Command(NamedTuple):
    """One command: its name (and aliases), its help line, its arguments and its handler."""

    name: str
    help: str
    arguments: Callable[[_Registry], None]
    handler: Callable[[SimpleNamespace], int]
    aliases: Tuple[str, ...] = ()


COMMANDS = (
    Command("inspect", "read the C library of ELF files and what they require", _inspect_arguments, _inspect_command),
    Command(
        "audit",
        "may wheels carry their platform tags, and which file and symbol decide (wheels, unpacked "
        "directories, ELF files)",
        _audit_arguments,
        _audit_command,
    ),
    Command(
        "resolve",
        "will binaries load here: the loader's search and version check, done statically (this system or --root)",
        _resolve_arguments,
        _resolve_command,
    ),
    Command(
        "backends", "list the backends, whether each is usable, and its answer", _backends_arguments, _backends_command
    ),
    Command(
        "tags",
        "every tag (interpreter, ABI, platform) of this process, an image or a platform",
        _tags_arguments,
        _target_command,
    ),
    Command(
        "explain",
        "why each tag family is in or out, for this process, an image or a platform "
        "(musldetect.target() as the API has it)",
        _target_arguments,
        _target_command,
        ("target",),
    ),
)
HANDLERS: Dict[Optional[str], Callable[[SimpleNamespace], int]] = {None: _process_command}
HANDLERS.update({name: command.handler for command in COMMANDS for name in (command.name, *command.aliases)})


class _UsageError(Exception):
    """A combination of options the command refuses (exit 2)."""


def main(argv: Optional[List[str]] = None) -> int:
    status = _main(argv)
    if _ABANDONED:  # a worker pool whose shutdown hung: nothing may run it again at exit
        _end_now(status)
    return status


def _main(argv: Optional[List[str]]) -> int:
    try:
        status = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except KeyboardInterrupt:
        try:
            print("\nmusldetect: interrupted", file=sys.stderr)
        except OSError:  # stderr gone: the status still says it
            pass
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Quietly, with what the command decided: a reader that leaves early (| head) is no
        # error, and the status must not depend on whether it left before the last write.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return _OUTCOME["status"]


def _end_now(status: int) -> None:
    """The process ends here, its output flushed, without Python's exit handlers: the one
    left is a pool's whose shutdown hung, and would again (``_end_pool``)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that left, a closed stream: nothing more to say
            pass
    os._exit(status)


def _run(argv: Optional[List[str]]) -> int:
    _decided(EXIT_HOLDS)
    given = sys.argv[1:] if argv is None else argv
    args = _plain_arguments(given)
    if args is None:
        args = _parser(given).parse_args(given, namespace=SimpleNamespace())
    try:
        if args.backend:
            os.environ["MUSLDETECT_BACKEND"] = args.backend
            cache_clear()
        if getattr(args, "old_tags_flag", False):
            print(
                "musldetect: note: --tags is now spelled --platform-tags (the tags command lists every tag)",
                file=sys.stderr,
            )
            args.platform_tags = True
        if args.platform_tags and args.command not in (None, "inspect"):
            raise _UsageError(f"--platform-tags goes with no command or inspect, not {args.command}")
        return HANDLERS[args.command](args)
    except BrokenPipeError:
        raise
    except (_UsageError, ConfigurationError, ImportError) as exc:
        print(f"musldetect: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except _INPUT_ERRORS as exc:
        print(f"musldetect: {exc}", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
    except Exception as exc:  # a _manylinux module (user code) that raises, and the like: one line, not a traceback
        print(f"musldetect: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
