"""Ctrl-C on ``musldetect audit --jobs 2``, many times over: the long run behind
tests/test_cli.py::test_ctrl_c_with_worker_processes_ends_them_and_exits_130, which CI
runs once per Python.

Usage: python benchmarks/ctrl_c_stress.py [--runs 500] [--python PYTHON]

Each run starts the command on 20,000 inputs in a session of its own, waits for its
first result, sends SIGINT to the whole group (as a terminal does) and then asks: did it
exit within 20 s, with 130 and only "musldetect: interrupted" on stderr, and leave no
process of its group behind? Before the pool was abandoned on Ctrl-C (``_cli._abandon_pool``),
Python 3.8 hung in ``Pool.terminate()`` about once in 150 runs: its task thread waited for
ever on the result queue's lock, which a worker killed while sending held. The run ends
with the counts; any failure is printed as it happens, and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from typing import List, Optional


def as_from_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def one_run(python: str, inputs: List[str]) -> str:
    """ "" when the run ended as it must, else what went wrong."""
    proc = subprocess.Popen(
        [python, "-m", "musldetect", "audit", "--jobs", "2", *inputs],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=as_from_a_terminal,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "hung: no exit within 20 s"
    if proc.returncode != 130 or err.strip() != "musldetect: interrupted":
        return f"exit {proc.returncode}, stderr {err.strip()[-200:]!r}"
    time.sleep(0.3)
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return ""
    os.killpg(proc.pid, signal.SIGKILL)
    return "a process of its group outlived it"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    binary = "/bin/ls" if os.path.exists("/bin/ls") else args.python
    failures = 0
    for run in range(args.runs):
        problem = one_run(args.python, [binary] * 20000)
        if problem:
            failures += 1
            print(f"run {run}: {problem}", flush=True)
    print(f"{args.runs} runs, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
