"""A pytest plugin the mutation runner loads: it writes each test's outcome to a file.

The runner needs to know which test killed a mutation, so that it can run that one test on
the unmutated copy; parsing pytest's summary text would break on test ids with spaces.
Each line is "<outcome> <node id>": "started" and "finished" around each test (a test
that started and never finished is where the process died), "passed" for a passing call,
"failed" for a failure in any phase; a module that fails to import is "collect-failed <path>".
"""

from __future__ import annotations

import os
from typing import Any

_PATH_VARIABLE = "MUSLDETECT_MUTATION_OUTCOMES"


def _write(outcome: str, node_id: str) -> None:
    with open(os.environ[_PATH_VARIABLE], "a", encoding="utf-8") as fh:
        fh.write(f"{outcome} {node_id}\n")


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    _write("started", nodeid)


def pytest_runtest_logfinish(nodeid: str, location: Any) -> None:
    _write("finished", nodeid)


def pytest_runtest_logreport(report: Any) -> None:
    # A test passes when its call passes; a failure in any phase (setup, call, teardown) counts.
    if report.failed:
        _write("failed", report.nodeid)
    elif report.when == "call" and report.passed:
        _write("passed", report.nodeid)


def pytest_collectreport(report: Any) -> None:
    if report.failed:
        _write("collect-failed", report.nodeid)
