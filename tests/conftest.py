"""Shared fixtures: the backend fixture and a fresh cache around every test."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from fixtures import backend_module, native  # noqa: E402,F401


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    import musldetect

    monkeypatch.delenv("MUSLDETECT_LIBC", raising=False)
    musldetect.cache_clear()
    yield
    musldetect.cache_clear()
