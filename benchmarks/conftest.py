"""Benchmarks reuse the tests' backend fixture (one fixture over native/cffi/python)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from fixtures import backend_module  # noqa: E402,F401
