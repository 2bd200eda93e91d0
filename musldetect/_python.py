"""The interpreter half of a wheel tag: which Python, which ABIs, in packaging 26.3's order.

``PythonFacts`` holds what the tags need to know of an interpreter (implementation,
version, ABI flags, extension suffix); it is read from the running interpreter, from an
image's ``_sysconfigdata_*.py`` (as data, never run) or from a version the user names.
``interpreter_tags`` then lists the tags for a platform list exactly as
``packaging.tags.sys_tags()`` does: the interpreter's own ABIs, abi3 (abi3t on a
free-threaded build), none, older abi3, then the pure-Python tags.
"""

from __future__ import annotations

import posixpath  # already imported by os: free
import sys

from ._types import _Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Iterable, List, Optional, Tuple

    from ._rootfs import Root

SHORT_NAMES = {"python": "py", "cpython": "cp", "pypy": "pp", "ironpython": "ip", "jython": "jy"}


class PythonFacts(_Record):
    """What the tags need to know of one interpreter (a record like LibcInfo: ``sys_tags()``
    builds one at start-up, where importing typing for a NamedTuple would cost more than the tags)."""

    implementation: str  # sys.implementation.name: "cpython", "pypy", ...
    version: Tuple[int, int]
    full_version: Optional[str] = None  # "3.12.1", when known
    implementation_version: Optional[str] = None  # PyPy's own version ("7.3.11"); CPython's is full_version
    debug: bool = False  # Py_DEBUG
    free_threaded: bool = False  # Py_GIL_DISABLED
    ext_suffix: Optional[str] = None  # EXT_SUFFIX, e.g. ".cpython-312-x86_64-linux-gnu.so"
    version_nodot: Optional[str] = None  # py_version_nodot, when it differs from the version
    pymalloc: Optional[bool] = None  # WITH_PYMALLOC, which CPython before 3.8 spells "m" in its ABI; None: unknown

    def as_dict(self) -> Dict[str, object]:
        """Every field, JSON-ready (the version as a list)."""
        return dict(self._asdict(), version=list(self.version))

    @property
    def short_name(self) -> str:
        return SHORT_NAMES.get(self.implementation, self.implementation)

    @property
    def abis(self) -> List[str]:
        """The interpreter's own ABI tags, most specific first."""
        if self.short_name != "cp":
            return generic_abis(self.ext_suffix)
        version = _nodot(self.version)
        threading = "t" if self.free_threaded and self.version >= (3, 13) else ""
        if self.version < (3, 8):  # one ABI, flags in packaging's order; pymalloc assumed unless known absent
            return [f"cp{version}{'d' if self.debug else ''}{'' if self.pymalloc is False else 'm'}"]
        if self.debug:  # a debug build loads normal extensions too
            return [f"cp{version}{threading}d", f"cp{version}{threading}"]
        return [f"cp{version}{threading}"]


def _nodot(version: Tuple[int, ...]) -> str:
    return "".join(map(str, version))


def _normalize(text: str) -> str:
    return text.replace(".", "_").replace("-", "_").replace(" ", "_")


def generic_abis(ext_suffix: Optional[str]) -> List[str]:
    """A non-CPython interpreter's ABI, from its extension suffix (".pypy310-pp73-x86_64-linux-gnu.so"
    gives "pypy310_pp73")."""
    if not ext_suffix or not ext_suffix.startswith("."):
        raise ValueError(f"invalid EXT_SUFFIX {ext_suffix!r}: the ABI cannot be told")
    parts = ext_suffix.split(".")
    if len(parts) < 3:
        return []
    soabi = parts[1]
    if soabi.startswith("cpython"):
        pieces = soabi.split("-")
        if len(pieces) < 2 or not pieces[1]:
            raise ValueError(f"invalid EXT_SUFFIX {ext_suffix!r}")
        abi = "cp" + pieces[1]
    elif soabi.startswith("cp"):
        abi = soabi.split("-")[0]
    elif soabi.startswith("pypy"):
        abi = "-".join(soabi.split("-")[:2])
    elif soabi.startswith("graalpy"):
        abi = "-".join(soabi.split("-")[:3])
    elif soabi:
        abi = soabi
    else:
        return []
    return [_normalize(abi)]


def running_python() -> PythonFacts:
    """The running interpreter's facts, as sysconfig and platform would give them.

    On CPython for POSIX ``sys.abiflags`` carries the two build flags the tags need ("d" for
    Py_DEBUG, "t" for Py_GIL_DISABLED: configure derives ABIFLAGS from them; PyPy's is empty,
    as it has neither), so sysconfig, whose import and first call cost more than all of
    sys_tags(), is asked only elsewhere (tests/test_targets.py holds the two to each other).
    """
    import _imp

    impl = sys.implementation
    implementation_version = f"{impl.version.major}.{impl.version.minor}.{impl.version.micro}"
    if impl.version.releaselevel != "final":
        implementation_version += f"{impl.version.releaselevel[0]}{impl.version.serial}"
    abiflags = getattr(sys, "abiflags", None)
    if impl.name in ("cpython", "pypy") and abiflags is not None:
        debug, free_threaded, nodot = "d" in abiflags, "t" in abiflags, None
        ext_suffix: Optional[str] = _imp.extension_suffixes()[0]
    else:
        import sysconfig

        py_debug = sysconfig.get_config_var("Py_DEBUG")
        debug = bool(py_debug) if py_debug is not None else hasattr(sys, "gettotalrefcount")
        free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
        ext_suffix = sysconfig.get_config_var("EXT_SUFFIX")
        nodot = sysconfig.get_config_var("py_version_nodot")
    return PythonFacts(
        implementation=impl.name,
        version=(sys.version_info[0], sys.version_info[1]),
        full_version=python_version_text(sys.version),
        implementation_version=implementation_version,
        debug=debug,
        free_threaded=free_threaded,
        ext_suffix=ext_suffix,
        version_nodot=str(nodot) if nodot else None,
    )


_VERSION_CHARACTERS = frozenset("0123456789.+_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def python_version_text(sys_version: str) -> str:
    """``platform.python_version()`` without importing platform: the leading run of word
    characters, dots and pluses of ``sys.version`` ("3.13.0rc1", "3.14.0a1+"), with ".0"
    added to a bare MAJOR.MINOR."""
    end = 0
    while end < len(sys_version) and sys_version[end] in _VERSION_CHARACTERS:
        end += 1
    text = sys_version[:end]
    return text + ".0" if text.count(".") == 1 else text


def python_from_version(text: str, implementation: str = "cpython") -> PythonFacts:
    """``"3.12"`` (or ``"3.12.1"``, ``"312"``, ``"3.13t"`` for free-threaded) as a CPython."""
    spec = text.strip()
    free_threaded = spec.endswith("t")
    if free_threaded:
        spec = spec[:-1]
    pieces = spec.split(".") if "." in spec else ([spec[0], spec[1:]] if spec.isdigit() and len(spec) > 1 else [])
    if len(pieces) not in (2, 3) or not all(p.isdigit() and p.isascii() for p in pieces) or pieces[0] != "3":
        raise ValueError(f"python version {text!r} is not understood; use 3.12, 3.12.1, 312 or 3.13t")
    version = (int(pieces[0]), int(pieces[1]))
    if version < (3, 3):
        raise ValueError(f"python version {text!r}: CPython before 3.3 (narrow/wide unicode ABIs) is not modelled")
    if free_threaded and version < (3, 13):
        raise ValueError(f"python version {text!r}: free-threaded builds exist from 3.13 on")
    return PythonFacts(
        implementation, version, ".".join(pieces) if len(pieces) == 3 else None, free_threaded=free_threaded
    )


SYSCONFIGDATA_LIMIT = 8 * 1024 * 1024


def python_from_sysconfigdata(root: Root, path: str) -> PythonFacts:
    """An image's interpreter from its ``_sysconfigdata_*.py``: the ``build_time_vars``
    dict literal, read with ``ast.literal_eval`` (the file is never imported or run)."""
    source = root.read_file(path, SYSCONFIGDATA_LIMIT + 1)
    if len(source) > SYSCONFIGDATA_LIMIT:
        raise ValueError(f"{path}: larger than 8 MiB, not a sysconfig data file")
    # A name that is no path: on a syntax error the parser of older CPythons opens the file it
    # is told to quote the line, which would read the host file of that name.
    import ast

    tree = ast.parse(source, filename="<image sysconfig data>")
    variables: Optional[Dict[str, object]] = None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "build_time_vars"
        ):
            value = ast.literal_eval(node.value)
            if isinstance(value, dict):
                variables = value
    if variables is None:
        raise ValueError(f"{path}: no build_time_vars dict literal")
    version = str(variables.get("VERSION") or "")
    pieces = version.split(".")
    if len(pieces) != 2 or not all(p.isdigit() for p in pieces):
        raise ValueError(f"{path}: VERSION {version!r} is not MAJOR.MINOR")
    soabi = str(variables.get("SOABI") or "")
    implementation = "pypy" if soabi.startswith("pypy") else "cpython"
    ext_suffix = variables.get("EXT_SUFFIX")
    nodot = variables.get("py_version_nodot")
    return PythonFacts(
        implementation=implementation,
        version=(int(pieces[0]), int(pieces[1])),
        full_version=None,
        debug=bool(variables.get("Py_DEBUG")),
        free_threaded=bool(variables.get("Py_GIL_DISABLED")),
        ext_suffix=ext_suffix if isinstance(ext_suffix, str) else None,
        version_nodot=str(nodot) if nodot else None,
        pymalloc=bool(variables["WITH_PYMALLOC"]) if "WITH_PYMALLOC" in variables else None,
    )


def find_sysconfigdata(root: Root, lib_dirs: Iterable[str] = ("/usr/local/lib", "/usr/lib", "/lib")) -> List[str]:
    """Every ``pythonX.Y/_sysconfigdata_*.py`` of an image (paths inside ``root``)."""
    found: List[str] = []
    for lib in lib_dirs:
        try:
            names = root.listdir(lib)
        except OSError:
            continue
        for name in names:
            if not name.startswith("python3."):
                continue
            inner = posixpath.join(lib, name)
            if root.kind(inner, follow=False) != "dir":  # python3 -> python3.12 links: the real one counts
                continue
            try:
                entries = root.listdir(inner)
            except OSError:
                continue
            found.extend(
                posixpath.join(inner, f) for f in entries if f.startswith("_sysconfigdata_") and f.endswith(".py")
            )
    return found


def interpreter_tags(python: PythonFacts, platforms: List[str]) -> List[str]:
    """Every tag the interpreter accepts on these platforms, best first (packaging 26.3's
    ``sys_tags()`` order)."""
    tags: List[str] = []
    major, minor = python.version
    name = python.short_name
    if name == "cp":
        interpreter = f"cp{_nodot(python.version)}"
        abis = [abi for abi in python.abis if abi not in ("abi3", "abi3t", "none")]
        threading = bool(abis) and "t" in abis[0][len(f"cp{_nodot(python.version)}") :]
        for abi in abis:
            tags.extend(f"{interpreter}-{abi}-{platform}" for platform in platforms)
        stable = "abi3t" if threading else "abi3"
        tags.extend(f"{interpreter}-{stable}-{platform}" for platform in platforms)
        tags.extend(f"{interpreter}-none-{platform}" for platform in platforms)
        for older in range(minor - 1, 1, -1):
            tags.extend(f"cp{major}{older}-{stable}-{platform}" for platform in platforms)
        own = f"cp{python.version_nodot or _nodot(python.version)}"
    else:
        interpreter = f"{name}{python.version_nodot or _nodot(python.version)}"
        abis = python.abis
        if "none" not in abis:
            abis = abis + ["none"]
        for abi in abis:
            tags.extend(f"{interpreter}-{abi}-{platform}" for platform in platforms)
        own = "pp3" if name == "pp" else ""
    versions = [f"py{major}{minor}", f"py{major}"] + [f"py{major}{older}" for older in range(minor - 1, -1, -1)]
    for version in versions:
        tags.extend(f"{version}-none-{platform}" for platform in platforms)
    if own:
        tags.append(f"{own}-none-any")
    tags.extend(f"{version}-none-any" for version in versions)
    return tags
