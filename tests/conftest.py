"""Shared fixtures: the backend fixture (multidict style) and oracles for the real C library."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from musldetect import _dispatch  # noqa: E402
from oracle import required  # noqa: E402

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


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    import musldetect

    monkeypatch.delenv("MUSLDETECT_LIBC", raising=False)
    musldetect.cache_clear()
    yield
    musldetect.cache_clear()
