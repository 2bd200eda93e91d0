"""musldetect: which C library (musl or glibc) and version, without starting a process.

``libc()`` describes the running process, ``platform_tags()`` gives its PEP 600/656
platform tags, ``inspect(path)`` reads any ELF file. MUSLDETECT_BACKEND picks the
backend (auto, native, cffi, python, ctypes); MUSLDETECT_LIBC overrides the answer.

The layers, top first; each module imports only from the layers below it (tests/
test_layers.py reads this picture and holds every import of the code to it)::

    __main__                                  python -m musldetect
    _gate                                     musldetect-audit-dist: a folder's wheels (the pre-commit hook)
    _cli, _pytest_plugin                      the command; pytest-benchmark's machine info
    _explain                                  the words: why each tag family is in or out
    __init__                                  the public names: all the command may use
    _api                                      caching, libc(), platform_tags(), inspect(), target()
    _audit                                    (package) may a wheel carry its tags: reading, judging, policies
    _target                                   another system's tags
    _platform                                 platform specs, understood whole or refused
    _tags, _dispatch, _python                 tag rules; which backend answers; interpreter tags
    _loader                                   (package) the loader's search, done statically; ld.so.cache
    _result                                   raw facts -> LibcInfo
    _backend_native, _backend_cffi,           raw facts (RawLibc) of this process or of a file
        _backend_ctypes, _backend_python,
        _inspect
    _mapped                                   the mapped C library, read in memory (cffi and ctypes)
    _libcfile                                 is this object a C library, and which
    _elf, _rules, _override                   ELF file facade; version rules; MUSLDETECT_LIBC
    _elf_symbols, _elf_versions               dynamic symbols and hash tables; symbol versions
    _elf_dynamic, _elf_notes                  PT_DYNAMIC and its strings; notes
    _rootfs, _elf_header, _grammar            the one way files are opened; ELF header and segments; tag spelling
    _resolution                               the loader's answer as records (resolve(), an audit in a target)
    _types, _version, _cffi_decls             records and errors; the version; cffi's declarations

A backend is one module with ``NAME``, an uncached ``detect_libc() -> RawLibc`` and
optionally ``self_check() -> str`` (see ``_dispatch``).
"""

from __future__ import annotations

from ._api import (
    audit,
    backend,
    backends,
    cache_clear,
    glibc_version,
    inspect,
    libc,
    metadata,
    musl_version,
    platform_tags,
    resolve,
    sys_tags,
    target,
)
from ._dispatch import BACKEND_ORDER as BACKENDS
from ._types import BackendStatus, BinaryFormatError, ConfigurationError, ELFError, LibcInfo, WheelError, ZipRefused

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._audit import (
        Audit,
        AuditedFile,
        Blame,
        Provenance,
        ReadProgress,
        WaivedBlame,
        Waiver,
        WaiverError,
        apply_waivers,
        audit_provenance,
        load_waivers,
    )
    from ._python import PythonFacts
    from ._resolution import Resolution
    from ._target import Target
    from ._version import __version__

# Names imported on first use: the result types' modules pull in typing and dataclasses,
# and every module costs an interpreter start-up ~0.1 ms, which libc() or platform_tags()
# alone never needs.
_LAZY = {
    "Target": "_target",
    "PythonFacts": "_python",
    "Audit": "_audit",
    "AuditedFile": "_audit",
    "Blame": "_audit",
    "Provenance": "_audit",
    "ReadProgress": "_audit",
    "WaivedBlame": "_audit",
    "Waiver": "_audit",
    "WaiverError": "_audit",
    "apply_waivers": "_audit",
    "audit_provenance": "_audit",
    "load_waivers": "_audit",
    "Resolution": "_resolution",
    "__version__": "_version",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'musldetect' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module("." + module, __name__), name)


__all__ = [
    "Audit",
    "AuditedFile",
    "BACKENDS",
    "BackendStatus",
    "BinaryFormatError",
    "Blame",
    "ConfigurationError",
    "ELFError",
    "LibcInfo",
    "Provenance",
    "ReadProgress",
    "PythonFacts",
    "Resolution",
    "Target",
    "WaivedBlame",
    "Waiver",
    "WaiverError",
    "WheelError",
    "ZipRefused",
    "__version__",
    "apply_waivers",
    "audit",
    "audit_provenance",
    "backend",
    "backends",
    "cache_clear",
    "glibc_version",
    "inspect",
    "libc",
    "load_waivers",
    "metadata",
    "musl_version",
    "platform_tags",
    "resolve",
    "sys_tags",
    "target",
]
