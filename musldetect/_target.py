"""Targets: the tags and markers of this process, of an unpacked image, or of a named platform.

A ``Target`` is a C library, an architecture and a Python; its platform tags follow the
same rules as the running process's (``_tags.linux_tags``) for the target's own arch,
and its full tag list the same rules as ``packaging.tags.sys_tags()``. Nothing of an
image is run or imported: its interpreter is read with ``inspect()`` and its sysconfig
data with ``ast.literal_eval``.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, List, Optional, Tuple

from . import _override, _python, _tags
from ._inspect import inspect_file
from ._platform import parse_platform
from ._python import PythonFacts
from ._result import build_info
from ._rootfs import Root
from ._types import ELFError, LibcInfo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._rootfs import FileSystem

IMAGE_PYTHONS = ("usr/local/bin/python3", "usr/bin/python3")


@dataclass(frozen=True)
class Target:
    """One place wheels are installed for: its C library, arch and Python, where the
    facts came from (``source``: "process", "root:<dir>", "file:<path>" or
    "platform:<spec>", for showing), and the file system its binaries would load from
    (``files``: this system's, an image's, or None for a named platform or a lone file)."""

    libc: LibcInfo
    arch: str
    python: Optional[PythonFacts]
    source: str
    manylinux_capable: bool = True
    reasons: Tuple[str, ...] = field(default=())
    # The running process's own tags (its _manylinux module and executable checks applied).
    known_platform_tags: Optional[Tuple[str, ...]] = None
    files: Optional[FileSystem] = field(default=None, compare=False)  # a reader: compared by source

    @cached_property
    def platform_tags(self) -> Tuple[str, ...]:
        if self.known_platform_tags is not None:
            return self.known_platform_tags
        return _tags.linux_tags(_tags.tag_archs("linux_" + self.arch), self.libc, self.manylinux_capable, None)

    @cached_property
    def tag_archs(self) -> Tuple[str, ...]:
        """The arch names its platform tags carry (an armv8l target takes armv7l too)."""
        return tuple(_tags.tag_archs("linux_" + self.arch))

    @cached_property
    def override_files(self) -> Tuple[str, ...]:
        """For this process: where MUSLDETECT_LIBC's file form is looked for; else empty."""
        return tuple(_override.override_files()) if self.source == "process" else ()

    @cached_property
    def manylinux_veto(self) -> Optional[Tuple[str, int]]:
        """For this process: PEP 600's importable ``_manylinux`` module (its file) and how
        many manylinux tags it took away; None when there is none or it is not asked."""
        if self.source != "process" or self.libc.family != "glibc" or self.libc.version is None:
            return None
        module = _tags.manylinux_module()
        if module is None:
            return None
        version = (self.libc.version[0], self.libc.version[1])
        every = list(_tags.manylinux_tags(version, list(self.tag_archs), None))
        kept = [tag for tag in self.platform_tags if tag.startswith("manylinux")]
        return str(getattr(module, "__file__", None) or module.__name__), len(every) - len(kept)

    @cached_property
    def sys_tags(self) -> Tuple[str, ...]:
        if self.python is None:
            raise ValueError(_no_python(self))
        return tuple(_python.interpreter_tags(self.python, list(self.platform_tags)))

    def as_dict(self) -> Dict[str, object]:
        """Every fact, JSON-ready (``json.dumps`` of a record alone gives positional arrays):
        the full tag list too when the Python is known."""
        data: Dict[str, object] = {
            "source": self.source,
            "arch": self.arch,
            "libc": self.libc.as_dict(),
            "python": self.python.as_dict() if self.python is not None else None,
            "marker_environment": self.marker_environment,
            "platform_tags": list(self.platform_tags),
            "reasons": list(self.reasons),
        }
        if self.python is not None:
            data["tags"] = list(self.sys_tags)
        return data

    def pip_arguments(self) -> List[str]:
        """pip's ``--platform/--python-version/--implementation/--abi`` arguments for it."""
        return pip_arguments(self)

    def complete_platform(self) -> Dict[str, object]:
        """pex's complete-platform JSON object for it."""
        return complete_platform(self)

    @cached_property
    def marker_environment(self) -> Dict[str, str]:
        """The PEP 508 markers that are known of the target (a kernel release is not)."""
        markers = {
            "os_name": "posix",
            "sys_platform": "linux",
            "platform_system": "Linux",
            "platform_machine": self.arch,
        }  # the tag arch is uname's machine name
        if self.python is not None:
            python = self.python
            markers["python_version"] = f"{python.version[0]}.{python.version[1]}"
            if python.full_version:
                markers["python_full_version"] = python.full_version
            implementation_version = python.implementation_version or (
                python.full_version if python.implementation == "cpython" else None
            )
            if implementation_version:
                markers["implementation_version"] = implementation_version
            markers["implementation_name"] = python.implementation
            markers["platform_python_implementation"] = {"cpython": "CPython", "pypy": "PyPy"}.get(
                python.implementation, python.implementation
            )
        return markers


def platform_target(spec: str, python: Optional[PythonFacts]) -> Target:
    """A platform the user names (``_platform.parse_platform``'s forms)."""
    family, version, arch, note = parse_platform(spec)
    version_string = ".".join(map(str, version)) if version else None
    info = LibcInfo(
        family,
        version,
        version_string,
        None,
        False,
        arch,
        "platform",
        reason=f"from the platform {spec!r}",
        time64=None,
    )
    capable = _tags.manylinux_capable(_tags.tag_archs("linux_" + arch), None)
    return Target(info, arch, python, f"platform:{spec}", capable, (note,) if note else ())


def root_target(root_dir: str, python: Optional[str]) -> Target:
    """An unpacked image, read statically (every read through ``_rootfs.Root``): its
    Python's PT_INTERP gives the C library and the arch, its sysconfig data the Python
    version and ABI."""
    root = Root(root_dir)
    reasons: List[str] = []
    candidates = [python] if python else list(IMAGE_PYTHONS)
    program = None
    for candidate in candidates:
        if candidate and root.kind(candidate, follow=False) != "missing":
            program = candidate
            break
    if program is None:
        if python:
            raise FileNotFoundError(2, "no such file in the image", root.host_path(root.inside(python)))
        program = "bin/sh"
        if root.kind(program) == "missing":  # nothing to read the C library from: say what was looked for
            raise FileNotFoundError(
                2,
                f"neither {', '.join(IMAGE_PYTHONS)} nor bin/sh in the image (is it an "
                "unpacked image? pass python= its interpreter's path inside it)",
                root.path,
            )
        reasons.append(f"no {' or '.join(IMAGE_PYTHONS)} in the image: the C library is read from /bin/sh")
    raw, arch, bits = inspect_file(program, root)
    info = build_info(raw, "inspect", arch, bits)
    resolved = root.resolve(program)
    facts = None
    if program != "bin/sh":
        facts, note = _image_python(root, resolved)
        if note:
            reasons.append(note)
    archs = _tags.tag_archs("linux_" + arch)
    capable = _tags.manylinux_capable(archs, resolved, root)
    return Target(info, arch, facts, f"root:{root_dir}", capable, tuple(reasons), files=root)


def _image_python(root: Root, executable: str) -> Tuple[Optional[PythonFacts], str]:
    """The image interpreter's facts from its ``lib/pythonX.Y/_sysconfigdata_*.py``
    (``executable`` is its resolved path inside the root)."""
    name = posixpath.basename(executable)
    prefix = posixpath.dirname(posixpath.dirname(executable))
    lib_dirs = [posixpath.join(prefix, "lib"), "/usr/local/lib", "/usr/lib"]
    files = _python.find_sysconfigdata(root, dict.fromkeys(lib_dirs))
    if name.startswith("python3."):  # python3.14, python3.14d (debug), python3.14t (free-threaded)
        version = name[len("python") :].rstrip("dt")
        flags = name[len("python") + len(version) :]
        files = [f for f in files if posixpath.basename(posixpath.dirname(f)) == "python" + version] or files
        files = [f for f in files if posixpath.basename(f).startswith(f"_sysconfigdata_{flags}_")] or files
    if not files:
        return None, "no _sysconfigdata_*.py beside the image's Python: pass python= a version"
    if len({posixpath.dirname(f) for f in files}) > 1:
        return (
            None,
            f"several Pythons in the image ({', '.join(sorted({posixpath.dirname(f) for f in files}))}): "
            "pass python= the one to use",
        )
    try:
        return _python.python_from_sysconfigdata(root, files[0]), ""
    except (ValueError, SyntaxError, OSError, MemoryError, RecursionError) as exc:
        raise ELFError(f"{root.host_path(files[0])}: cannot read the image's sysconfig data: {exc}") from exc


def pip_arguments(target: Target) -> List[str]:
    """pip's arguments to install for the target: every platform tag, the Python version,
    implementation and ABIs (in sys_tags' order), and binary wheels only (pip requires it
    with --platform)."""
    python = _known_python(target)
    args: List[str] = []
    # pip prefers the tags it is given first: the portable ones go first, linux_<arch> (a local build) last.
    for tag in sorted(target.platform_tags, key=lambda tag: tag.startswith("linux_")):
        args += ["--platform", tag]
    args += ["--python-version", f"{python.version[0]}.{python.version[1]}", "--implementation", python.short_name]
    for abi in dict.fromkeys(tag.split("-")[1] for tag in target.sys_tags):
        args += ["--abi", abi]
    return args + ["--only-binary=:all:"]


def complete_platform(target: Target) -> Dict[str, object]:
    """pex's complete platform: the markers that are known and every compatible tag, best first."""
    _known_python(target)
    return {"marker_environment": dict(target.marker_environment), "compatible_tags": list(target.sys_tags)}


def _known_python(target: Target) -> PythonFacts:
    if target.python is None:
        raise ValueError(_no_python(target))
    return target.python


def _no_python(target: Target) -> str:
    """What to pass, for this kind of target (an image takes a path inside it, a platform a version)."""
    if target.files is not None and target.source != "process":
        return f"no Python is known for {target.source}: pass python= the interpreter's path inside the image"
    return f"no Python is known for {target.source}: pass python= a version such as 3.12"
