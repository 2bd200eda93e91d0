"""Build script: the pure-Python package plus the optional C extension musldetect._native.

MUSLDETECT_BUILD_EXT=auto (default) builds the extension when a compiler works and
otherwise installs the pure-Python package with a banner saying so; ``required`` fails
the build instead (CI, release wheels); ``never`` builds a pure package.
"""

import os
import re
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

MODES = ("auto", "required", "never")
MODE = os.environ.get("MUSLDETECT_BUILD_EXT", "auto").strip().lower() or "auto"
if MODE not in MODES:
    sys.exit(f"MUSLDETECT_BUILD_EXT={MODE!r} is not one of {', '.join(MODES)}")

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "musldetect", "_version.py")) as init:
    VERSION = re.search(r'^__version__ = "([^"]+)"', init.read(), re.M).group(1)

BANNER = """
************************************************************************
musldetect: the C extension could not be built ({error}).
Installing the pure-Python package: musldetect works, but the native
backend is missing (install cffi for the faster cffi backend).
Set MUSLDETECT_BUILD_EXT=required to make this an error.
************************************************************************
"""


class OptionalBuildExt(build_ext):
    def run(self):
        try:
            super().run()
        except Exception as exc:  # no compiler, no headers: fall back, loudly
            if MODE == "required":
                raise
            sys.stderr.write(BANNER.format(error=exc))

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:
            if MODE == "required":
                raise
            sys.stderr.write(BANNER.format(error=exc))


extensions = []
if MODE != "never" and sys.platform.startswith("linux"):
    extensions.append(Extension(
        "musldetect._native",
        sources=["csrc/md_core.c", "csrc/md_module.c"],
        depends=["csrc/md_core.h"],
        define_macros=[("MUSLDETECT_VERSION", f'"{VERSION}"'), ("Py_LIMITED_API", "0x03080000")],
        extra_compile_args=["-O2", "-Wall", "-Wextra"] + os.environ.get("MUSLDETECT_CFLAGS", "").split(),
        extra_link_args=os.environ.get("MUSLDETECT_LDFLAGS", "").split(),
        libraries=["dl"],
        py_limited_api=True,
    ))

setup(
    ext_modules=extensions,
    cmdclass={"build_ext": OptionalBuildExt},
    options={"bdist_wheel": {"py_limited_api": "cp38"}} if extensions else {},
)
