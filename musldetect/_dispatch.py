"""Which backend answers: MUSLDETECT_BACKEND=auto|native|cffi|python|ctypes.

``auto`` takes the fastest backend that imports and passes a cheap self-check; naming
one is strict, so a missing extension is an ImportError and never a silent slow path.
"Fastest" is import plus first answer, what a process that asks once pays
(benchmarks/startup_bench.py; the figures are in docs/benchmarks.md's backend table).

The backend contract, which every backend module keeps (tests/test_layers.py checks it):

- ``NAME``: its name in ``BACKEND_ORDER``.
- ``detect_libc() -> RawLibc``: the raw facts of this process, uncached, every field of
  ``RawLibc`` filled the same way by every backend (the cross-backend test compares them
  all); parsing, the cross-checks, the arch and caching live above, in ``_result`` and
  ``_api``. It may raise ``OSError`` naming a failed call; ``_api`` turns any exception
  into ``family=None`` with the error as the reason.
- ``self_check() -> str`` (optional): cheap; an empty string when the backend can serve,
  else why not. Importing the module may raise ``ImportError`` (a missing dependency).
- ``partial() -> str`` (optional): cheap; why this process would get only part of the
  answer from it (the python backend without /proc), else an empty string. ``auto`` then
  prefers the next backend that answers whole, and comes back to this one if none does.
"""

from __future__ import annotations

import os
import sys

from ._types import BackendStatus, ConfigurationError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Callable, Dict, List, Optional, Tuple

    from ._elf_dynamic import DynamicPass, ElfFactsPass
    from ._elf_symbols import SymbolPass

    # The C twin of the common case of a wheel's central directory and byte accounting
    # (musldetect._native.zip_walk): (fd, file size, the directory, entries, its offset) ->
    # (names in the directory's order, members as (name, data offset, method, CRC,
    # compressed, size) in file order), or None where the Python reader must decide.
    ZipWalk = Callable[
        [int, int, bytes, int, int], Optional[Tuple[List[str], List[Tuple[str, int, int, int, int, int]]]]
    ]
    from typing import Protocol

    class NativeZipReader(Protocol):
        """What the extension offers a wheel's reading where it was built with zlib
        (csrc/md_inflate.h): the module itself is one."""

        def read_member(
            self, fd: int, offset: int, compressed: int, size: int, method: int, out: bytearray, scratch: bytearray
        ) -> Tuple[int, int, bool, bool, Optional[str]]: ...

        def scratch(self, size: int) -> bytearray: ...

        def crc32(self, data: bytes, crc: int) -> int: ...


BACKEND_ORDER: Tuple[str, ...] = ("native", "cffi", "python", "ctypes")
BACKEND_ENV = "MUSLDETECT_BACKEND"
_MODULES = {
    "native": "._backend_native",
    "cffi": "._backend_cffi",
    "ctypes": "._backend_ctypes",
    "python": "._backend_python",
}
# What to do when a backend cannot load, said with the error.
FIXES = {
    "native": "reinstall where a C compiler works, e.g. "
    "MUSLDETECT_BUILD_EXT=required pip install --force-reinstall --no-binary musldetect musldetect",
    "cffi": "pip install 'musldetect[cffi]'",
}


def load_backend(name: str) -> ModuleType:
    """Import one backend and run its self-check; ImportError says why it cannot serve."""
    if name not in _MODULES:
        raise ConfigurationError(f"unknown backend {name!r}; valid backends: {', '.join(BACKEND_ORDER)}")
    qualified = __package__ + _MODULES[name]
    try:
        __import__(qualified)
        module = sys.modules[qualified]
        self_check = getattr(module, "self_check", None)
        problem = self_check() if self_check is not None else ""
    except ImportError as exc:
        fix = FIXES.get(name)
        if fix is None or "fix:" in str(exc):
            raise
        raise ImportError(f"musldetect backend {name!r} is not available: {exc} (fix: {fix})", name=exc.name) from exc
    except Exception as exc:  # e.g. OSError from dlopen: the backend cannot serve, say why
        raise ImportError(f"musldetect backend {name!r} failed to load: {type(exc).__name__}: {exc}") from exc
    if problem:
        raise ImportError(f"musldetect backend {name!r} failed its self-check: {problem}")
    return module


def requested_backend() -> str:
    value = os.environ.get(BACKEND_ENV, "auto").strip().lower() or "auto"
    if value != "auto" and value not in BACKEND_ORDER:
        raise ConfigurationError(
            f"{BACKEND_ENV}={value!r} is not a backend; valid values: auto, {', '.join(BACKEND_ORDER)}"
        )
    return value


def choose_backend(requested: Optional[str] = None) -> ModuleType:
    name = requested or requested_backend()
    if name != "auto":
        return load_backend(name)
    failures: List[str] = []
    partial: Optional[ModuleType] = None
    for candidate in BACKEND_ORDER:
        try:
            module = load_backend(candidate)
        except ImportError as exc:
            failures.append(f"{candidate}: {exc}")
            continue
        if partial_reason(module):
            partial = partial or module
            continue
        return module
    if partial is not None:
        return partial
    raise ImportError("no musldetect backend is usable: " + "; ".join(failures))


def partial_reason(module: ModuleType) -> str:
    """Why this backend's answer would be partial here (its optional ``partial()``), else ""."""
    partial = getattr(module, "partial", None)
    return partial() if partial is not None else ""


def backend_statuses() -> List[BackendStatus]:
    statuses = []
    for name in BACKEND_ORDER:
        try:
            load_backend(name)
            statuses.append(BackendStatus(name, True, ""))
        except ImportError as exc:
            statuses.append(BackendStatus(name, False, str(exc)))
    return statuses


def backend_modules() -> Dict[str, ModuleType]:
    return {s.name: load_backend(s.name) for s in backend_statuses() if s.available}


_NATIVE_TWINS: Dict[str, bool] = {}  # by MUSLDETECT_BACKEND's value: whether the C twins read, decided once


def native_symbol_pass() -> Optional[SymbolPass]:
    """The C twin of the dynamic symbol pass (``_native.symbol_pass``, held to the Python
    reader by tests/test_elf_twins.py) for an audit's binaries, as the backend asked for
    allows: ``auto`` takes it when the extension imports, ``native`` requires it (the
    extension missing is an ImportError, as for libc()), any other backend names the pure
    reader (None), so MUSLDETECT_BACKEND=python audits in Python alone."""
    if not _native_twins():
        return None
    from . import _native

    found: Optional[SymbolPass] = getattr(_native, "symbol_pass", None)
    return found


def native_dynamic_pass() -> Optional[DynamicPass]:
    """The C twin of a binary's dynamic-section reading (``_native.dynamic_pass``, held
    to the Python reader by tests/test_elf_twins.py), on the same terms as
    ``native_symbol_pass``."""
    if not _native_twins():
        return None
    from . import _native

    found: Optional[DynamicPass] = getattr(_native, "dynamic_pass", None)
    return found


def native_elf_facts() -> Optional[ElfFactsPass]:
    """The C twin of a held binary's header reading fused with its dynamic pass
    (``_native.elf_facts``, held to the Python reader by tests/test_elf_twins.py), on the
    same terms as ``native_symbol_pass``."""
    if not _native_twins():
        return None
    from . import _native

    found: Optional[ElfFactsPass] = getattr(_native, "elf_facts", None)
    return found


def _native_twins() -> bool:
    requested = requested_backend()
    allowed = _NATIVE_TWINS.get(requested)
    if allowed is None:
        allowed = _NATIVE_TWINS[requested] = _native_twins_for(requested)
    return allowed


def _native_twins_for(requested: str) -> bool:
    if requested not in ("auto", "native"):
        return False
    try:
        from . import _native  # noqa: F401  (the import says whether the twins are here)
    except ImportError:
        if requested == "native":
            load_backend("native")  # raises, saying why and how to fix it
        return False
    return True


def native_zip_walk() -> Optional[ZipWalk]:
    """The C twin of a wheel container's common case (``_native.zip_walk``, held to the
    Python reader by tests/test_zip_twins.py), on the same terms as ``native_symbol_pass``."""
    if not _native_twins():
        return None
    from . import _native

    found: Optional[ZipWalk] = getattr(_native, "zip_walk", None)
    return found


def native_zip_reader() -> Optional[NativeZipReader]:
    """The C twin of reading a member whole and of its CRC-32 (``_native.read_member``,
    ``_native.crc32``, held to the Python reader by tests/test_zip_twins.py), on the same
    terms as ``native_symbol_pass``; None also where the extension was built without zlib."""
    if not _native_twins():
        return None
    from . import _native

    return _native if hasattr(_native, "read_member") else None
