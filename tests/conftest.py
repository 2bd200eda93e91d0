"""Shared fixtures: the backend fixture and a fresh cache around every test."""

from __future__ import annotations

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def _installed_package(path: list) -> str | None:
    """The directory of the musldetect installed on ``path`` (not an editable one), or None."""
    try:
        from importlib.metadata import PackageNotFoundError, distribution
    except ImportError:
        return None
    try:
        from importlib.metadata import distributions

        found = next(iter(distributions(name="musldetect", path=path)), None)
    except (ImportError, TypeError):
        found = None
    if found is None:
        try:
            found = distribution("musldetect")
        except PackageNotFoundError:
            return None
    init = os.path.abspath(str(found.locate_file("musldetect/__init__.py")))
    return os.path.dirname(os.path.realpath(init)) if os.path.exists(init) else None


def _test_the_installed_package() -> None:
    """Started inside an unpacked sdist or a checkout (as distribution packagers do), the
    source tree's musldetect/ shadows the install: "" or the tree is first on sys.path, and
    each ``python -c`` a test starts would import it too. The suite is about the installed
    package (its extension, its entry points), so the tree is taken off the path, the
    working directory moved out of it, and a musldetect already imported from it
    (pytest loads the plugin first) forgotten."""
    tree = os.path.realpath(os.path.dirname(HERE))
    named = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if any(entry and os.path.realpath(entry) == tree for entry in named):
        return  # PYTHONPATH names the tree (mutation/run.py, a developer): test the tree
    elsewhere = [p for p in sys.path if os.path.realpath(p or os.getcwd()) != tree]
    installed = _installed_package(elsewhere)
    if installed is None or installed == os.path.join(tree, "musldetect"):
        return  # nothing installed, or the tree is what is installed (editable, in place)
    sys.path[:] = elsewhere
    if os.path.realpath(os.getcwd()) == tree:
        os.chdir(HERE)  # subprocesses inherit it: their "" must not be the tree
    for name in [name for name in sys.modules if name == "musldetect" or name.startswith("musldetect.")]:
        if not os.path.realpath(getattr(sys.modules[name], "__file__", None) or installed).startswith(installed):
            del sys.modules[name]


_test_the_installed_package()

from fixtures import backend_module, native  # noqa: E402,F401


def pytest_report_header(config):
    import musldetect

    try:
        backend = musldetect.backend()
    except ImportError as exc:
        backend = f"none: {exc}"
    return f"musldetect under test: {os.path.dirname(musldetect.__file__)} (backend {backend})"


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    import musldetect

    monkeypatch.delenv("MUSLDETECT_LIBC", raising=False)
    musldetect.cache_clear()
    yield
    musldetect.cache_clear()
