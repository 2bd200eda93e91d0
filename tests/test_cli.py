"""The musldetect command, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import musldetect

from oracle import cli, expected_process_libc, run_python


def test_summary():
    family, version = expected_process_libc()
    proc = cli()
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == f"{family} {version}"
    assert "backend:" in proc.stdout and "tags:" in proc.stdout


def test_json_has_every_field_and_the_tags():
    proc = cli("--json")
    data = json.loads(proc.stdout)
    info = musldetect.libc()
    assert set(data) == set(info.as_dict()) | {"tags"}
    assert data["family"] == info.family and tuple(data["version"]) == info.version
    assert data["tags"] == list(musldetect.platform_tags())


def test_platform_tags_one_per_line():
    assert cli("--platform-tags").stdout.split() == list(musldetect.platform_tags())


def test_the_old_tags_flag_still_works_and_says_its_new_name():
    proc = cli("--tags")
    assert proc.stdout.split() == list(musldetect.platform_tags())
    assert "--platform-tags" in proc.stderr and proc.returncode == 0


@pytest.mark.parametrize("command", [["inspect", sys.executable], ["backends"], ["tags"], ["explain"]])
def test_json_means_the_same_before_and_after_the_command(command):
    before, after = cli("--json", *command), cli(*command, "--json")
    assert before.returncode == after.returncode == 0, (before.stderr, after.stderr)
    first, second = json.loads(before.stdout), json.loads(after.stdout)
    assert first == second and first


def test_inspect_and_its_errors(tmp_path):
    proc = cli("inspect", sys.executable, "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["family"] == musldetect.libc().family
    bad = tmp_path / "bad"
    bad.write_bytes(b"not an elf")
    proc = cli("inspect", str(bad))
    assert proc.returncode == 3 and proc.stderr == f"musldetect: {bad}: not an ELF file (bad magic)\n"
    proc = cli("inspect", str(tmp_path / "missing"))
    assert proc.returncode == 3 and "No such file" in proc.stderr and "Traceback" not in proc.stderr


def test_usage_errors_exit_2():
    proc = cli("--backend", "turbo")
    assert proc.returncode == 2 and proc.stderr.startswith("musldetect: ")
    proc = cli(env={"MUSLDETECT_LIBC": "musl"})
    assert proc.returncode == 2 and "MUSLDETECT_LIBC" in proc.stderr and "Traceback" not in proc.stderr


def test_overridden_none_reads_as_no_c_library():
    proc = cli(env={"MUSLDETECT_LIBC": "none"})
    assert proc.returncode == 1 and proc.stdout.splitlines()[0] == "no C library (override)"


def test_backends_command_lists_every_backend_and_why():
    proc = cli("backends")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    count = len(musldetect.BACKENDS)
    assert [line.split()[0] for line in lines[:count]] == list(musldetect.BACKENDS)
    for line in lines[:count]:
        assert "unavailable: " in line or line.endswith(")"), line  # the cause, or what the backend is
    assert lines[-1] == (
        f"in use: {musldetect.backend()} "
        "(auto: the first usable of native, cffi, python, ctypes, python last without /proc)"
    )
    proc = cli("backends", env={"MUSLDETECT_BACKEND": "python"})
    assert proc.stdout.splitlines()[-1] == "in use: python (named by MUSLDETECT_BACKEND)"


HIDE = "import sys; sys.modules[{module!r}] = None; from musldetect._cli import main; sys.exit(main({args!r}))"


def test_missing_cffi_error_says_how_to_fix():
    proc = run_python(HIDE.format(module="_cffi_backend", args=[]), env={"MUSLDETECT_BACKEND": "cffi"})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "backend 'cffi' is not available" in proc.stderr and "pip install 'musldetect[cffi]'" in proc.stderr


def test_missing_extension_is_said_in_one_line():
    """auto passing over the native backend is never silent in the human output."""
    proc = run_python(HIDE.format(module="musldetect._native", args=[]), env={"MUSLDETECT_BACKEND": ""})
    assert proc.returncode == 0, proc.stderr
    notes = [line for line in proc.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and "native backend is unavailable" in notes[0] and "fix: " in notes[0], proc.stderr
    assert "backend:  cffi" in proc.stdout or "backend:  python" in proc.stdout
    from musldetect import _dispatch

    if "native" in [s.name for s in _dispatch.backend_statuses() if s.available]:
        quiet = cli()  # with the extension: no note
        assert "note: the native backend" not in quiet.stderr


def test_version_is_the_distributions():
    from importlib import metadata

    try:
        expected = metadata.version("musldetect")
    except metadata.PackageNotFoundError:
        pytest.skip("musldetect is not installed as a distribution (running from a checkout)")
    proc = cli("--version")
    assert (proc.returncode, proc.stdout) == (0, f"musldetect {expected}\n")


def test_help_names_the_environment_and_the_exit_codes():
    out = cli("--help").stdout
    for name in ("MUSLDETECT_BACKEND", "MUSLDETECT_LIBC", "_PYTHON_HOST_PLATFORM", "_manylinux"):
        assert name in out
    for code in ("0 ", "1 ", "2 ", "3 ", "130 "):
        assert f"\n  {code}" in out


@pytest.mark.parametrize(
    "args, status",
    [
        (["--json"], 0),
        (["--platform-tags"], 0),
        (["backends"], 0),
        ([], 0),
        (["tags"], 0),
        (["inspect", "/nonexistent", sys.executable], 3),
    ],
)
def test_closed_pipe_exits_quietly_with_the_decided_status(args, status):
    """A reader that leaves early (| head) is no error: no message, and the status the command
    decided, whether the reader left before the first write or after the last (it was 0 or
    141 from run to run)."""
    import os

    for leave_first in (True, False):
        read_end, write_end = os.pipe()
        if leave_first:
            os.close(read_end)  # the reader is gone before anything is written
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "musldetect", *args],
                stdout=write_end,
                stderr=subprocess.PIPE,
                text=True,
                timeout=120,
            )
        finally:
            os.close(write_end)
            if not leave_first:
                os.close(read_end)
        errors = [
            line
            for line in proc.stderr.splitlines()  # not errors: the input's own, and the
            if "/nonexistent" not in line and not line.startswith("note: the native backend")
        ]  # no-C note
        assert (proc.returncode, errors) == (status, []), proc.stderr


def test_exit_codes_by_meaning_and_listed_in_help(tmp_path):
    """2 for usage, 3 for an input that cannot be judged, never 0; -V; several files at once."""
    text = cli("--help").stdout
    for line in ("0    it holds", "1    it does not hold", "2    usage error", "3    cannot judge", "130  interrupted"):
        assert line in text
    assert cli("-V").stdout.startswith("musldetect ")
    assert cli("audit", "--root", str(tmp_path / "none"), "a.whl", "b.whl").stderr.count("musldetect:") == 1
    assert cli("audit", "--platform-tags", sys.executable).returncode == 2
    assert cli("tags", "--format", "pex", "--json").returncode == 2
    assert cli("tags", "--platform", "nonsense").returncode == 3
    both = cli("inspect", sys.executable, "/bin/sh")
    assert both.returncode == 0 and both.stdout.count("library:") == 2
    assert cli("explain", "--platform", "linux_riscv64").returncode == 0
    assert cli("target", "--platform", "riscv64-unknown-linux-gnu").returncode == 0


def as_from_a_terminal() -> None:
    """The child's SIGINT as a shell at a terminal leaves it (default): a runner started in
    the background (``cmd &``, nohup) ignores SIGINT, its children inherit that, and
    Python then installs no handler, so no Ctrl-C would ever reach the command."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_exits_130_with_one_line(tmp_path):
    import signal
    import time

    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time, musldetect._cli as c\n"
            "c.HANDLERS[None] = lambda args: time.sleep(30)\nraise SystemExit(c.main([]))",
        ],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_from_a_terminal,
    )
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "Traceback" not in err and err.strip() == "musldetect: interrupted"


def test_resolve_text_says_static_and_not_found_once(tmp_path):
    from builders import compile_c, program_missing_library

    static = compile_c(tmp_path, "gcc", "int main(void) { return 0; }\n", "static", "-static")
    assert "statically linked" in cli("resolve", static).stdout.splitlines()[0]
    out = cli("resolve", program_missing_library(tmp_path, "libgonex.so")).stdout
    import re

    assert re.search(r"libgonex\.so +=> not found\n", out) and "(not found)" not in out
    assert "(1 objects)" not in cli("resolve", static).stdout


@pytest.mark.parametrize(
    "value, accepted", [("musl", False), ("glibc-2.28.1", False), ("musl-1.2.3", True), ("glibc-2.28", True)]
)
def test_override_values_as_help_shows_them(value, accepted):
    """--help shows musl-1.2.3 and glibc-2.28: the error names those forms, and glibc has no third part."""
    proc = cli(env={"MUSLDETECT_LIBC": value})
    if accepted:
        assert proc.returncode == 0 and proc.stdout.split()[:2] == value.split("-")
        return
    assert proc.returncode == 2 and "musl-1.2.3" in proc.stderr and "glibc-2.28" in proc.stderr
    assert "MAJOR" not in proc.stderr and "musl-1.2.3" in cli("--help").stdout


def test_a_manylinux_module_that_raises_is_one_line_not_a_traceback(tmp_path):
    if musldetect.libc().family != "glibc":
        pytest.skip("PEP 600's module is asked on glibc only")
    (tmp_path / "_manylinux.py").write_text("def manylinux_compatible(*args):\n    raise RuntimeError('broken')\n")
    proc = cli(env={"PYTHONPATH": str(tmp_path)})
    assert proc.returncode == 3 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "musldetect: RuntimeError: broken"


def test_ctrl_c_with_worker_processes_ends_them_and_exits_130():
    """One run of benchmarks/ctrl_c_stress.py (whose long run repeats it hundreds of
    times): Ctrl-C sent to the whole group, as a terminal sends it, once the workers run;
    the command exits 130 saying only that, and no worker outlives it."""
    import importlib.util
    import os

    script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks", "ctrl_c_stress.py")
    spec = importlib.util.spec_from_file_location("ctrl_c_stress", script)
    assert spec is not None and spec.loader is not None
    stress = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stress)
    binary = "/bin/ls" if os.path.exists("/bin/ls") else sys.executable
    assert stress.one_run(sys.executable, [binary] * 20000) == ""  # far more work than is done before the signal


ENDED_ON_CTRL_C = """
import contextlib, multiprocessing, os, signal, sys
import musldetect._cli as cli

workers = []
try:  # closed at once, as the command closes it (a generator PyPy would close only when collected)
    with contextlib.closing(cli._in_order(["/bin/ls"] * 400, 2, cli.AuditOptions(None, (), False), None)) as outcomes:
        for outcome in outcomes:
            workers = [child.pid for child in multiprocessing.active_children()]
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the results are printed
except KeyboardInterrupt:
    pass
alive = [pid for pid in workers if cli._kill(pid, 0)]
print(len(workers), [pool._state for pool in cli._ABANDONED], alive, flush=True)
if cli._ABANDONED:
    os._exit(0)  # as main does: nothing may run the pool's shutdown again
"""
ENDED_OR_LEFT = "[] or ['TERMINATE']"  # the pool's shutdown ended within its bound, or was left
# Python's shutdown of the pool hanging, as it does when a killed worker held a queue's lock.
HUNG_SHUTDOWN = (
    "import multiprocessing.pool, time\nmultiprocessing.pool.Pool.terminate = lambda self: time.sleep(600)\n"
)


@pytest.mark.parametrize(
    "prelude,abandoned",
    [
        # Python's shutdown of the pool may outlast its bounded wait on a slow or contended
        # host (seen in CI, fork and no-SIGCHLD alike): the pool is then left, as when it hangs.
        ("", ENDED_OR_LEFT),
        ("import signal; del signal.SIGCHLD\n", ENDED_OR_LEFT),
        ("import multiprocessing; multiprocessing.set_start_method('forkserver')\n", ENDED_OR_LEFT),
        (HUNG_SHUTDOWN, "['RUN']"),
        ("import multiprocessing; multiprocessing.set_start_method('forkserver')\n" + HUNG_SHUTDOWN, "['RUN']"),
    ],
    ids=["fork", "no-sigchld-as-on-windows", "forkserver", "shutdown-hangs", "forkserver-shutdown-hangs"],
)
def test_ctrl_c_kills_the_workers_and_never_waits_on_the_pool_for_ever(prelude, abandoned):
    """The decision the Ctrl-C test above can only catch when a race goes wrong (once in
    150 runs; benchmarks/ctrl_c_stress.py is the long run). A Ctrl-C that surfaces in the
    loop printing results (the pool then closes as a generator) kills the workers, then
    gives Python's shutdown of the pool a bounded time: it ends (nothing is left, and a
    fork server's resource tracker has nothing to warn about on stderr), or, when it
    hangs, the pool is left as it is for ``main`` to end the process at once. Once the
    process ends nothing of its group is left: no worker the pool started in a killed
    one's place (under forkserver, Python 3.14's default, the fork server's children), no
    fork server. Without SIGCHLD (Windows has none, nor SIGKILL) the workers are killed and
    waited for through multiprocessing alone."""
    import os
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-c", prelude + ENDED_ON_CTRL_C],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    # Only when Python's shutdown hangs, and under a fork server, its resource tracker may
    # still warn of the semaphores the abandoned pool held (the process ended without them).
    tracker_only = all("resource_tracker" in line for line in err.splitlines() if line.strip().startswith("/"))
    quiet = err == "" or (abandoned != "[]" and "forkserver" in prelude and tracker_only)
    assert proc.returncode == 0 and out.strip() in {f"2 {a} []" for a in abandoned.split(" or ")} and quiet, out + err
    deadline, left = time.monotonic() + 5, True
    while left and time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
            time.sleep(0.05)
        except ProcessLookupError:
            left = False
    if left:
        os.killpg(proc.pid, signal.SIGKILL)
    assert not left, "a process the command started outlived it"


def test_an_error_while_the_pool_s_shutdown_hangs_still_ends_the_command(tmp_path):
    """An error raised in a worker (a bad MUSLDETECT_* value) while another sends its
    result: Python's shutdown of the pool can hang on the lock the killed sender held (CI
    saw it once, on 3.10). With that shutdown made to hang, the command still ends, with the
    error's status, and leaves nothing behind."""
    import os
    import signal

    from builders import make_wheel

    wheel = make_wheel(tmp_path, "plain", ["py3-none-any"], {"plain/__init__.py": b"x = 1\n" * 100})
    script = (
        HUNG_SHUTDOWN
        + f"import sys, musldetect._cli as cli\nsys.exit(cli.main(['audit', '--jobs', '2', '/bin/ls', {wheel!r}]))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "MUSLDETECT_INFLATER": "gzip"},
    )
    try:
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 2 and "MUSLDETECT_INFLATER" in err, err


def test_jobs_from_a_thread_that_is_not_the_main_one():
    """Only the main thread takes signals: from another thread the command installs no
    Ctrl-C handler and audits as ever."""
    script = (
        "import threading\nimport musldetect._cli as cli\nfound = []\n"
        "command = ['audit', '--jobs', '2', '/bin/ls', '/bin/true']\n"
        "thread = threading.Thread(target=lambda: found.append(cli.main(command)))\n"
        "thread.start(); thread.join(); print(found)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip().endswith("[0]") and "signal only works" not in proc.stderr, proc.stdout + proc.stderr


@pytest.mark.parametrize("variable,value", [("MUSLDETECT_BACKEND", "turbo"), ("MUSLDETECT_INFLATER", "gzip")])
def test_a_bad_musldetect_variable_makes_audit_a_usage_error(tmp_path, variable, value):
    """A MUSLDETECT_* value the audit cannot use is the command's usage error (exit 2,
    said once), not a verdict of "cannot judge" on each input that happens to need it:
    the backend picks the reader of a binary's symbols, the inflater reads a wheel."""
    from builders import make_wheel

    wheel = make_wheel(tmp_path, "plain", ["py3-none-any"], {"plain/__init__.py": b"x = 1\n" * 100})
    proc = cli("audit", "--jobs", "2", "/bin/ls", wheel, env={variable: value})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count(value) == 1, proc.stderr  # said once, whatever was printed before it


def test_an_image_without_python_asks_for_the_interpreter_path(tmp_path):
    """The hint must be one that works: --root takes the interpreter's path, not a version."""
    import shutil

    (tmp_path / "bin").mkdir()
    shutil.copy("/bin/sh", tmp_path / "bin" / "sh")
    proc = cli("tags", "--root", str(tmp_path))
    assert proc.returncode == 3 and "pass python= the interpreter's path inside the image" in proc.stderr
    assert "a version" not in proc.stderr


def test_inspect_platform_tags_agree_with_what_inspect_says_it_requires(tmp_path):
    from builders import compile_c

    lib = compile_c(
        tmp_path,
        "gcc",
        "#include <sys/random.h>\nint f(char *b) { return (int)getrandom(b, 4, 0); }\n",
        "libf.so",
        "-shared",
        "-fPIC",
    )
    summary = cli("inspect", lib).stdout
    tags = cli("inspect", "--platform-tags", lib).stdout.split()
    if musldetect.libc().family == "glibc":  # "  requires: glibc 2.25 or newer (manylinux_2_25_x86_64)"
        (line,) = [line for line in summary.splitlines() if line.startswith("  requires:")]
        required = line.split("(")[-1].rstrip(")")
        assert required.startswith("manylinux_2_25_") and tags == [required]
    interpreter = cli("inspect", "--platform-tags", sys.executable).stdout.split()
    assert any(not tag.startswith("linux_") for tag in interpreter), interpreter  # not linux_<arch> alone


def test_a_pure_wheel_may_carry_any(tmp_path):
    from builders import make_wheel

    wheel = make_wheel(tmp_path, "pure", ["py3-none-any"], {"pure/__init__.py": b""})
    assert "  may carry: any (no binaries)\n" in cli("audit", wheel).stdout


@pytest.mark.parametrize("command", ["inspect", "resolve"])
def test_several_files_as_json_lines(command):
    proc = cli(command, "--json", sys.executable, "/bin/sh")
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0 and [line["file"] for line in lines] == [sys.executable, "/bin/sh"]


def test_no_function_of_the_command_is_over_40_lines():
    """The command is a table of small handlers (issue 29): a long function is the if-chain coming back."""
    import ast
    import inspect as source_of

    import musldetect._cli as command

    tree = ast.parse(source_of.getsource(command))
    lengths = {
        node.name: node.end_lineno - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None
    }
    assert max(lengths.values()) <= 40, sorted(lengths.items(), key=lambda item: -item[1])[:3]
    assert {c.name for c in command.COMMANDS} == {"inspect", "audit", "resolve", "backends", "tags", "explain"}


def test_a_wheel_given_to_inspect_points_to_audit(tmp_path):
    from builders import make_wheel

    wheel = make_wheel(tmp_path, "pure", ["py3-none-any"], {"pure/__init__.py": b""})
    proc = cli("inspect", wheel)
    assert proc.returncode == 3 and proc.stderr.strip().endswith("(a wheel: musldetect audit reads it)")
