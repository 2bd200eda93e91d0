"""Build script: the pure-Python package plus the optional C extension musldetect._native.

MUSLDETECT_BUILD_EXT=auto (default) builds the extension when a compiler works and
otherwise installs the pure-Python package with a banner saying so (and builds it without
the zlib member reader, saying so, where only that fails); ``required`` fails the build
instead, the member reader included (CI, release wheels); ``never`` builds a pure package.
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


def generated_rules_dir(build_temp):
    """md_rules.h, the C core's copy of musldetect/_rules.py, written for this build."""
    sys.path.insert(0, os.path.join(HERE, "csrc"))
    try:
        import gen_rules
    finally:
        sys.path.pop(0)
    return os.path.dirname(gen_rules.write_header(os.path.join(build_temp, "generated")))


class OptionalBuildExt(build_ext):
    def run(self):
        try:
            generated = generated_rules_dir(self.build_temp)
            for ext in self.extensions:
                ext.include_dirs.append(generated)
                ext.depends.append(os.path.join(generated, "md_rules.h"))
            super().run()
        except Exception as exc:  # no compiler, no headers: fall back, loudly
            if MODE == "required":
                raise
            sys.stderr.write(BANNER.format(error=exc))

    def build_extension(self, ext):
        try:
            self.build_with_or_without_zlib(ext)
        except Exception as exc:
            if MODE == "required":
                raise
            sys.stderr.write(BANNER.format(error=exc))

    def build_with_or_without_zlib(self, ext):
        """The extension with zlib's member reader; in auto mode, where that fails and the
        extension builds without it (no zlib to link), without it, saying so."""
        try:
            super().build_extension(ext)
        except Exception as first:
            if MODE == "required" or not without_zlib(ext):
                raise  # required: the whole extension, the member reader included
            try:
                super().build_extension(ext)
            except Exception:
                raise first from None  # not zlib's doing: what failed first says why
            sys.stderr.write(ZLIB_BANNER.format(error=first))


ZLIB_BANNER = """
musldetect: the C extension builds without zlib ({error}); the audit reads
wheel members with Python's zlib instead (the same checks, a little slower).
"""


def without_zlib(ext):
    """Take the zlib reader (csrc/md_inflate.c) out of ``ext``; False when it was not in."""
    if "csrc/md_inflate.c" not in ext.sources:
        return False
    ext.sources.remove("csrc/md_inflate.c")
    ext.libraries.remove("z")
    ext.define_macros.remove(("MD_HAVE_ZLIB", "1"))
    return True


extensions = []
if MODE != "never" and sys.platform.startswith("linux"):
    extensions.append(
        Extension(
            "musldetect._native",
            sources=[
                "csrc/md_core.c",
                "csrc/md_elfsym.c",
                "csrc/md_elfdyn.c",
                "csrc/md_elfhead.c",
                "csrc/md_zip.c",
                "csrc/md_module.c",
                "csrc/md_inflate.c",  # with zlib (MD_HAVE_ZLIB); taken out again where it does not link
            ],
            depends=[
                "csrc/md_core.h",
                "csrc/md_elfsym.h",
                "csrc/md_elfdyn.h",
                "csrc/md_elfhead.h",
                "csrc/md_zip.h",
                "csrc/md_inflate.h",
                "musldetect/_rules.py",
            ],
            define_macros=[
                ("MUSLDETECT_VERSION", f'"{VERSION}"'),
                ("Py_LIMITED_API", "0x03080000"),
                ("MD_HAVE_ZLIB", "1"),
            ],
            extra_compile_args=["-O2", "-Wall", "-Wextra"] + os.environ.get("MUSLDETECT_CFLAGS", "").split(),
            extra_link_args=os.environ.get("MUSLDETECT_LDFLAGS", "").split(),
            libraries=["dl", "z"],
            py_limited_api=True,
        )
    )


def license_metadata():
    """The licence as each setuptools can write it: an SPDX expression needs setuptools 77,
    which needs Python 3.9; on 3.8 the older field says the same."""
    from setuptools import __version__ as setuptools_version

    if int(setuptools_version.split(".")[0]) >= 77:
        return {"license_expression": "MIT", "license_files": ["LICENSE"]}
    return {"license": "MIT", "license_files": ["LICENSE"]}


setup(
    ext_modules=extensions,
    **license_metadata(),
    cmdclass={"build_ext": OptionalBuildExt},
    options={"bdist_wheel": {"py_limited_api": "cp38"}} if extensions else {},
)
