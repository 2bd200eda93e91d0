"""The backend fixture, shared by tests/ and benchmarks/ (multidict style)."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from musldetect import _dispatch

from oracle import required

REQUIRED_BACKENDS = required("MUSLDETECT_REQUIRE_BACKENDS")


@pytest.fixture(params=list(_dispatch.BACKEND_ORDER))
def backend_module(request):
    """Each backend in turn; a missing one skips unless MUSLDETECT_REQUIRE_BACKENDS lists it."""
    name = request.param
    try:
        return _dispatch.load_backend(name)
    except ImportError as exc:
        if name in REQUIRED_BACKENDS:
            pytest.fail(f"backend {name} is required (MUSLDETECT_REQUIRE_BACKENDS) but unavailable: {exc}")
        pytest.skip(f"backend {name} unavailable: {exc}")


@pytest.fixture
def native():
    try:
        from musldetect import _native
    except ImportError as exc:
        if "native" in REQUIRED_BACKENDS:
            pytest.fail(f"native backend required but unavailable: {exc}")
        pytest.skip(f"native backend unavailable: {exc}")
    return _native


class CountedTwin:
    """A C twin of a Python reader, counting the inputs it answered for and those it left to
    Python (a test that compares the two must have compared); taken before a test puts the
    counter in the twin's place."""

    def __init__(self, twin: Callable[..., Any]) -> None:
        self.answered = self.declined = 0
        self.twin = twin

    def __call__(self, *args: Any) -> Any:
        found = self.twin(*args)
        if found is None:
            self.declined += 1
        else:
            self.answered += 1
        return found
