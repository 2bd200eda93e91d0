"""``musldetect audit`` over many inputs: --jobs hands the largest inputs out first and keeps
the output in input order within a bounded window; the progress line on a terminal (a real
pseudo-terminal here) shows what is being read while it is read, and never reaches stdout."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from builders import compile_c, make_wheel, read_bytes

PURE = "py3-none-any"
TAG = "cp312-cp312-linux_x86_64" if os.uname().machine == "x86_64" else f"cp312-cp312-linux_{os.uname().machine}"


# One function calling 300 that the library leaves to its loader: 300 imports, which every
# reading of the library decodes, in a small file that is quick to zip a thousand times.
LIBRARY = "".join(f"int g{n}(void);\n" for n in range(300)) + (
    "int all(void) { return " + " + ".join(f"g{n}()" for n in range(300)) + "; }\n"
)


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> dict:
    """Six small wheels, then two big ones last on the command line: 1,000 shared libraries
    each (built here with gcc), so reading one takes a few tenths of a second at least."""
    tmp = tmp_path_factory.mktemp("batch")
    small = [make_wheel(tmp, f"small{n}", [PURE], {f"small{n}/__init__.py": b"x = 1\n"}) for n in range(6)]
    library = read_bytes(compile_c(tmp, "gcc", LIBRARY, "_lib.so", "-shared", "-fPIC"))
    big = [
        make_wheel(tmp, name, [TAG], {f"{name}/_m{n:04}.so": library for n in range(1000)})
        for name in ("bigone", "bigtwo")
    ]
    return {"small": small, "big": big}


def on_a_terminal(args, stdout_too: bool = False, columns: int = 300) -> tuple:
    """(stdout, what the terminal showed): the command run with its stderr (and with
    ``stdout_too`` its stdout) on a pseudo-terminal of ``columns`` (300: room for two
    names), as in an interactive shell."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))  # rows, columns
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "musldetect", "audit", *args],
            stdout=slave if stdout_too else subprocess.PIPE,
            stderr=slave,
        )
        os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal is gone: every process that held it has ended
                break
            if not chunk:
                break
            shown += chunk
        out = proc.stdout.read() if proc.stdout is not None else b""
        assert proc.wait(timeout=300) in (0, 1)
    finally:
        os.close(master)
    return out.decode(), shown.decode()


def drawn(shown: str) -> list:
    """The progress lines drawn: each draw starts with a carriage return and an erase."""
    return [piece for piece in shown.split("\r\x1b[K") if piece.startswith("[")]


def partial_reads(lines: list, wheel: str) -> list:
    """The (read, total) members shown for ``wheel`` while it was not read to its end."""
    name = re.escape(os.path.basename(wheel))
    found = [(int(a), int(b)) for line in lines for a, b in re.findall(name + r" (\d+)/(\d+) members, ", line)]
    return [(read, total) for read, total in found if read < total]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_progress_shows_the_wheel_being_read_and_how_far_and_stays_off_stdout(batch, jobs):
    wheels = batch["small"] + batch["big"]
    out, shown = on_a_terminal(["--jobs", jobs, *wheels])
    lines = drawn(shown)
    # Drawn while a wheel was read, not after: for one of the big wheels at least (how many
    # draws fall inside which wheel depends on the machine's load).
    assert any(partial_reads(lines, wheel) for wheel in batch["big"]), shown
    assert "\r" not in out and "\x1b" not in out and "members" not in out
    plain = subprocess.run(
        [sys.executable, "-m", "musldetect", "audit", "--jobs", jobs, *wheels], capture_output=True, text=True
    )
    assert out == plain.stdout and plain.stderr == ""  # no terminal, no progress line
    assert shown.endswith("\r\x1b[K")  # the line is cleared at the end


def test_with_jobs_the_line_shows_the_inputs_the_workers_read_the_largest_first(batch):
    """The two big wheels come last on the command line but are read first: the line names
    each of them, with how far it is, before it names any small wheel."""
    out, shown = on_a_terminal(["--jobs", "2", *batch["small"], *batch["big"]])
    lines = drawn(shown)

    def first(wheels: list) -> int:
        return min((n for n, line in enumerate(lines) if any(os.path.basename(w) in line for w in wheels)), default=-1)

    small = first(batch["small"])
    for big in batch["big"]:
        assert partial_reads(lines, big), lines
        assert small == -1 or first([big]) < small, lines
    order = [line.split(":")[0] for line in out.splitlines() if not line.startswith((" ", "summary"))]
    assert order == batch["small"] + batch["big"]  # the output keeps the input order


def test_on_an_80_column_terminal_every_worker_s_progress_shows(batch):
    """Two wheels read at once on a terminal of 80 columns: each drawn line fits (never
    wraps), and while both are read it shows how far each is, their names cut first."""
    _out, shown = on_a_terminal(["--jobs", "2", *batch["big"], *batch["small"]], columns=80)
    lines = drawn(shown)
    assert lines and all(len(line) <= 79 for line in lines), [line for line in lines if len(line) > 79]
    both = [line for line in lines if line.count(" members, ") == 2]
    assert both, lines
    assert all(
        re.fullmatch(r"\[\d+/\d+\] \S+ \d+/\d+ members, [\d.]+/[\d.]+ MB, \S+ \d+/\d+ members, [\d.]+/[\d.]+ MB", line)
        for line in both
    ), both


def test_results_on_the_same_terminal_never_run_into_the_progress_line(batch):
    """stdout on the terminal too: each result starts on a cleared line, never after a drawn one."""
    _out, shown = on_a_terminal([*batch["big"], *batch["small"][:2]], stdout_too=True)
    pieces = shown.split("\r\x1b[K")
    assert any(piece.startswith("[") for piece in pieces), shown
    assert all("\n" not in piece for piece in pieces if piece.startswith("[")), pieces
    assert sum(piece.count(": ") for piece in pieces if not piece.startswith("[")) >= 4


def test_the_scheduler_hands_out_the_largest_first_within_a_bounded_window(batch, monkeypatch):
    """A real worker pool: every task handed out is the largest not yet handed out among the
    WINDOW inputs after the one due, outcomes come in input order, and no more are held."""
    import multiprocessing

    import musldetect._cli as cli

    monkeypatch.setattr(cli, "WINDOW", 3)
    paths = batch["small"][:2] + batch["big"][:1] + batch["small"][2:] + batch["big"][1:]
    options = cli.AuditOptions(None, (), False)
    handed, held = [], []
    with cli._worker_pool(2, options, None) as pool:
        scheduler = cli._Scheduler(pool, paths, 2, lambda at: None)
        real = pool.apply_async

        def handing(func, args, **kwargs):
            handed.append(args[0][0])
            return real(func, args, **kwargs)

        monkeypatch.setattr(pool, "apply_async", handing)
        outcomes = []
        for outcome in scheduler.outcomes():
            outcomes.append(outcome)
            held.append(len(scheduler.held))
    assert [o.at for o in outcomes] == list(range(len(paths)))
    assert [o.result.path for o in outcomes] == paths and not any(o.error for o in outcomes)
    assert max(held) <= 3 and sorted(handed) == list(range(len(paths)))
    assert handed[0] == 2  # the first big wheel, third in order, is in the first window and goes first
    assert handed.index(len(paths) - 1) > handed.index(3)  # the last one waits for the window to reach it
    for n, at in enumerate(handed):  # never beyond the window of the earliest input not handed out
        assert at < min(set(range(len(paths))) - set(handed[:n])) + 3
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_workers_started_by_a_fork_server_or_spawned_give_the_same_output(batch, method):
    """Python 3.14 starts workers from a fork server on Linux (macOS and Windows spawn them)."""
    wheels = batch["small"][:3]
    code = (
        "import multiprocessing, sys\n"
        f"multiprocessing.set_start_method({method!r})\n"
        "from musldetect._cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    started = subprocess.run(
        [sys.executable, "-c", code, "audit", "--json", "--jobs", "2", *wheels], capture_output=True, text=True
    )
    alone = subprocess.run(
        [sys.executable, "-m", "musldetect", "audit", "--json", *wheels], capture_output=True, text=True
    )
    assert started.returncode == 0 and started.stdout == alone.stdout, started.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["audit", "--jobs", "2", "a.whl", "b.whl"],
        ["--json", "--backend", "python", "audit", "a.whl"],
        ["--backend", "ctypes", "inspect", "--platform-tags", "x"],
        ["target", "--platform", "musllinux_1_2_aarch64"],
        ["tags", "--format", "pip"],
        [],
    ],
)
def test_the_parser_of_the_named_command_alone_parses_as_the_whole_one(argv):
    """One wheel's command builds only its command's parser (start-up), and parses the same."""
    import musldetect._cli as cli

    alone, whole = cli._parser(argv), cli._parser()
    assert vars(alone.parse_args(argv)) == vars(whole.parse_args(argv))
    commands = [action for action in alone._actions if action.dest == "command"][0]
    assert len(set(commands.choices.values())) == (1 if argv else len(cli.COMMANDS))


def test_an_audit_without_a_target_imports_nothing_of_targets():
    """musldetect.audit(wheel) in a fresh process: the target and image modules stay unloaded."""
    code = "import sys, musldetect; musldetect.audit(sys.executable); print(sorted(sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'musldetect._audit'" in loaded and "'musldetect._target'" not in loaded
