"""Result types shared by every backend and the public API.

musldetect runs at interpreter start-up, where importing ``typing`` (for NamedTuple)
costs more than the whole detection: the records are immutable tuples built by a
small base class instead, with the same interface (fields, ``_replace``, ``_asdict``).
"""

from __future__ import annotations

from _operator import itemgetter  # built into the interpreter (CPython and PyPy): no file to load

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional, Tuple, Type, TypeVar

    _R = TypeVar("_R", bound="_Record")
    _TupleBase = Tuple[Any, ...]
else:
    _TupleBase = tuple


def _field(index: int) -> property:
    # A C getter: a Python one costs ~0.1 µs a read, and building a result reads a dozen.
    return property(itemgetter(index))


class _Record(_TupleBase):
    """An immutable tuple with named fields, declared by the subclass's annotations."""

    __slots__ = ()
    _fields: Tuple[str, ...] = ()
    _defaults: Dict[str, Any] = {}

    _required = 0  # how many leading fields have no default
    _default_tail: Tuple[Any, ...] = ()  # the defaults of the fields after those

    def __init_subclass__(cls) -> None:
        cls._fields = tuple(cls.__dict__.get("__annotations__", {}))
        cls._defaults = {name: cls.__dict__[name] for name in cls._fields if name in cls.__dict__}
        cls._required = next((i for i, name in enumerate(cls._fields) if name in cls._defaults), len(cls._fields))
        if any(name not in cls._defaults for name in cls._fields[cls._required :]):
            raise TypeError(f"{cls.__name__}: a field without a default follows one with a default")
        cls._default_tail = tuple(cls._defaults[name] for name in cls._fields[cls._required :])
        for index, name in enumerate(cls._fields):
            setattr(cls, name, _field(index))

    def __new__(cls: Type[_R], *args: Any, **kwargs: Any) -> _R:
        count = len(args)
        if not kwargs and cls._required <= count <= len(cls._fields):
            # The common case, positional fields only: no per-field work (it runs on every detection).
            return tuple.__new__(cls, args + cls._default_tail[count - cls._required :])
        if count > len(cls._fields):
            raise TypeError(f"{cls.__name__} takes {len(cls._fields)} fields, got {len(args)}")
        values = list(args)
        for name in cls._fields[len(args) :]:
            if name in kwargs:
                values.append(kwargs.pop(name))
            elif name in cls._defaults:
                values.append(cls._defaults[name])
            else:
                raise TypeError(f"{cls.__name__} is missing the field {name!r}")
        if kwargs:
            raise TypeError(f"{cls.__name__} has no field {next(iter(kwargs))!r}")
        return tuple.__new__(cls, values)

    def _replace(self: _R, **changes: Any) -> _R:
        return type(self)(**dict(self._asdict(), **changes))

    def _asdict(self) -> Dict[str, Any]:
        return dict(zip(self._fields, self))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"{type(self).__name__}({fields})"

    def __getnewargs__(self) -> Tuple[Any, ...]:
        return tuple(self)


def readable_fields(*classes: type) -> None:
    """Real types in the signatures help() and inspect.signature() show for these NamedTuples:
    under postponed annotations typing keeps each field's type as ForwardRef('str'). For the
    cold modules only (this imports typing)."""
    from typing import get_type_hints

    for cls in classes:
        hints = get_type_hints(cls)
        cls.__new__.__annotations__ = dict(hints)
        cls.__annotations__ = dict(hints)
        for copy in ("_field_types",):  # Python 3.8 keeps another copy of the same
            if copy in cls.__dict__:
                setattr(cls, copy, dict(hints))


class ELFError(ValueError):
    """A file is not a readable ELF object, or a field of it is out of bounds."""


class BinaryFormatError(ValueError):
    """A Mach-O or PE file is not readable: a bad magic, or a count, offset or size that
    leaves the file or its bounds. The message names the file and the field."""


class WheelError(ValueError):
    """A wheel that cannot be audited: not a zip, truncated, a zip bomb, unsafe member names.
    The message names the wheel and the member."""


class ZipRefused(WheelError):
    """A wheel whose container two conforming readers could read differently, or that
    no reader here can read: the audit cannot judge it. ``defect`` names the class of the
    fault (astral-sh/uv#15136's names where uv has one), ``member`` the entry if any."""

    def __init__(self, wheel: str, defect: str, detail: str, member: Optional[str] = None) -> None:
        where = f"member {member!r}: " if member is not None else ""
        super().__init__(f"{wheel}: {where}{detail} ({defect})")
        self.wheel = wheel
        self.defect = defect
        self.member = member


class ConfigurationError(ValueError):
    """A MUSLDETECT_* environment variable has a value musldetect cannot use."""


class RawLibc(_Record):
    """What a backend found, before the shared layer parses and cross-checks it.

    Backends stay small and uncached; parsing, the symbol cross-check, the
    architecture and caching live above them so every backend answers alike.
    """

    family: Optional[str]
    version_string: Optional[str]
    path: Optional[str]
    static: bool
    interpreter: Optional[str] = None
    # The lowest release the exported symbols allow (musl only), e.g. (1, 2, 3).
    min_version: Optional[Tuple[int, ...]] = None
    # True when the library exports the 64-bit time_t entry points (32-bit musl >= 1.2).
    time64_symbols: Optional[bool] = None
    reason: str = ""
    # inspect() only: the oldest release of the C library the object can load with.
    requires: Optional[Tuple[int, ...]] = None


class LibcInfo(_Record):
    """Which C library a process or file uses, and how musldetect knows.

    family: "musl", "glibc" or None when it cannot be determined.
    version: (1, 2, 3) for musl, (2, 36) for glibc, None when unknown.
    version_string: the version as the library spells it, e.g. "1.2.4_git20230717".
    path: the libc or loader file the answer was read from.
    static: True for a statically linked program (PEP 656 tags do not apply).
    arch: the platform-tag architecture, e.g. "x86_64", "armv7l".
    backend: "native", "cffi", "ctypes", "python", "override", "inspect", or "none" (not Linux).
    reason: why a field is missing or how it was decided; empty when nothing to say.
    interpreter: the program's PT_INTERP (its dynamic loader), if it has one.
    time64: whether time_t is 64-bit in the library's ABI; None when unknown.
    requires: for a program or library read by inspect(), the oldest release of its C
        library it loads with: the highest GLIBC_x.y it needs, e.g. (2, 17) (which
        decides its manylinux tag), or for musl the release its imported symbols need,
        e.g. (1, 2, 3). None for a C library itself, a static program, the running
        process, or when nothing in the object sets a floor.

    An immutable tuple with named fields (see _Record): compares, hashes and pickles by value.
    """

    family: Optional[str]
    version: Optional[Tuple[int, ...]]
    version_string: Optional[str]
    path: Optional[str]
    static: bool
    arch: Optional[str]
    backend: str
    reason: str = ""
    interpreter: Optional[str] = None
    time64: Optional[bool] = None
    requires: Optional[Tuple[int, ...]] = None

    def as_dict(self) -> Dict[str, Any]:
        """Every field, JSON-ready (the version as a list)."""
        data = self._asdict()
        for name in ("version", "requires"):
            if data[name] is not None:
                data[name] = list(data[name])
        return data


class BackendStatus(_Record):
    """One backend, as ``musldetect.backends()`` reports it.

    name: "native", "cffi", "python" or "ctypes".
    available: whether it loads and passes its self-check here.
    error: why not, with the fix; empty when available.
    libc: its own answer for this process (MUSLDETECT_LIBC not applied), when available.
    in_use: True for the backend ``libc()`` uses.
    named: True when MUSLDETECT_BACKEND names it (else auto chose the first usable).
    partial: why its answer here would be partial (the python backend without /proc), for
        which auto prefers the next backend that answers whole; empty otherwise.
    """

    name: str
    available: bool
    error: str
    libc: Optional[LibcInfo] = None
    in_use: bool = False
    named: bool = False
    partial: str = ""

    def as_dict(self) -> Dict[str, Any]:
        """Every field, JSON-ready (its answer as LibcInfo.as_dict gives it)."""
        return dict(self._asdict(), libc=self.libc.as_dict() if self.libc is not None else None)
