"""The package version, in one place: setup.py, the extension's stale-build check and the CLI read it."""

__version__ = "0.1.0"
