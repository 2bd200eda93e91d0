"""The backend fixture, shared by tests/ and benchmarks/ (multidict style)."""

from __future__ import annotations

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
