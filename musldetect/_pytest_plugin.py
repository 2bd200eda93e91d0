"""pytest-benchmark integration: every saved benchmark run says which C library it ran on.

Registered as the ``musldetect`` pytest11 entry point. It only implements the optional
hook ``pytest_benchmark_update_machine_info``, so without pytest-benchmark it does
nothing; ``-p no:musldetect`` turns it off. The facts go under
``machine_info["musldetect"]`` (the keys of ``musldetect.metadata()``).
"""

from __future__ import annotations

from typing import Any, Dict

import pytest

from . import metadata


@pytest.hookimpl(optionalhook=True)
def pytest_benchmark_update_machine_info(config: Any, machine_info: Dict[str, Any]) -> None:
    machine_info["musldetect"] = metadata()
