"""Build script: the pure-Python package, plus the optional C extension (see csrc/)."""

from setuptools import setup

setup()
