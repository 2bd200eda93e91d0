"""Waivers: a known false positive or a deliberate choice that must not block a release,
and must not pass silently either.

A waiver names one rule (a stable id from ``RULES``), a pattern of files inside the input
and a reason, which is mandatory: the output repeats it next to the cause it waives. They
come from ``[tool.musldetect.audit]`` in a project's ``pyproject.toml``::

    [tool.musldetect.audit]
    waive = [
      { rule = "library-not-allowed", file = "mypkg/_gl*.so", reason = "libGL comes from the driver" },
    ]

or from the command line as ``RULE:FILE-GLOB=REASON``. ``apply`` splits a list of causes
into kept and waived, and names the waivers that matched nothing (a stale waiver is a
finding too); ``strict=True`` ignores every waiver. Causes are anything with ``rule`` and
``file`` attributes, so the judging code's own record plugs in unchanged.
"""

from __future__ import annotations

import sys
from fnmatch import fnmatchcase
from typing import (
    Any,
    Callable,
    Dict,
    Generic,
    Iterable,
    List,
    NamedTuple,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    TypeVar,
)

from .._rootfs import read_host_file

# The causes the audit reports, by stable id: tools and waivers name them, so an id never
# changes meaning; a new kind of cause gets a new id.
RULES: Dict[str, str] = {
    "symbol-version-too-new": "a symbol version (GLIBC_2.34, GLIBCXX_3.4.30) newer than the tag's policy allows",
    "library-not-allowed": "a needed library the tag's policy does not allow and the wheel does not vendor",
    "forbidden-symbol": "an export of an allowed library that the policy forbids using",
    "musl-symbol-too-new": "a musl symbol that first appeared in a release after the tag's",
    "python2-symbol": "a symbol only Python 2 narrow-unicode or fpectl builds provide",
    "arch-not-covered": "the policy has no entry for the binaries' architecture",
    "no-policy-for-tag": "no policy is as old as the declared tag",
    "binaries-in-pure-wheel": "ELF binaries in a wheel whose platform tag is any",
    "arch-mismatch": "the declared tag's architecture is not the binaries'",
    "libc-mismatch": "the declared tag's C library family is not the one the binaries link",
    "not-a-linux-tag": "a declared platform tag that is not a Linux tag",
    "isa-level": "an x86-64 binary whose GNU property note asks for x86-64-v2 or higher under a baseline tag",
    "executable-stack": "a library that asks for an executable stack, which glibc 2.41+ refuses to dlopen",
    "record-mismatch": "RECORD is missing, or a file's hash or size differs from what RECORD lists",
    # The python and ABI parts of the tag (any OS).
    "not-in-stable-abi": "an abi3/abi3t extension imports a CPython symbol outside the stable ABI",
    "stable-abi-too-new": "an abi3/abi3t extension imports a symbol that joined the stable ABI after the tag's version",
    "exports-python-symbol": "an abi3/abi3t binary exports a CPython-named (Py*) symbol other than PyInit_*",
    "abi-tag-malformed": "an abi3 tag without a CPython minor version, or abi3t before CPython 3.15",
    "extension-in-abi-none-wheel": "an extension module (it exports PyInit_*) in a wheel whose ABI tag is none",
    "extension-suffix": "an extension module's file suffix that the tag's interpreter does not import",
    "links-libpython": "an extension module linked against libpython (on Linux and macOS)",
    # macOS, iOS, Windows and Android wheels.
    "foreign-binary-format": "a binary of another OS's format (ELF, Mach-O, PE) than the wheel's platform tag",
    "unknown-platform-tag": "a macOS, iOS, Windows or Android platform tag the judges do not know",
    "mixed-platforms": "platform tags of several operating systems in one wheel",
    "os-mismatch": "a Mach-O slice built for another Apple OS than the tag's (iOS for macOS...)",
    "minimum-os-too-new": "a Mach-O slice whose minimum OS version is above what the tag lets install it",
    "build-machine-rpath": "an LC_RPATH into the build machine, outside the wheel and the system",
    "versioned-python-dll": "an abi3 Windows extension that imports python3X.dll instead of python3.dll",
    "android-api-too-new": "a Bionic symbol from an Android API level above the tag's",
}

MAX_PYPROJECT = 4 << 20  # bytes of pyproject.toml read
CLI_SYNTAX = "RULE:FILE-GLOB=REASON"


class WaiverError(ValueError):
    """A waiver that cannot be used as written: unknown rule, no reason, bad syntax."""


class Waiver(NamedTuple):
    rule: str  # an id of RULES
    files: str  # a glob over paths inside the input (fnmatch: * also crosses /); "*" is every file
    reason: str  # why it is waived: repeated in the output
    origin: str  # where it was written: "pyproject.toml" or "command line"

    def matches(self, cause: CauseLike) -> bool:
        return cause.rule == self.rule and fnmatchcase(cause.file, self.files)


class CauseLike(Protocol):
    """What a waiver looks at in a cause: its rule id and the file inside the input ("" for the whole input)."""

    @property
    def rule(self) -> str: ...

    @property
    def file(self) -> str: ...


C = TypeVar("C", bound=CauseLike)


# Records over the caller's own cause type: a NamedTuple cannot be generic before Python
# 3.11, and dataclasses would add its import (and inspect's) to every audit's start-up.
class Waived(Generic[C]):
    """A cause and the waiver that set it aside."""

    __slots__ = ("cause", "waiver")

    def __init__(self, cause: C, waiver: Waiver) -> None:
        self.cause = cause
        self.waiver = waiver


class Applied(Generic[C]):
    """Causes split by the waivers: those still blocking, those waived (each with its
    waiver, so its reason) and the waivers that matched no cause."""

    __slots__ = ("kept", "waived", "unused")

    def __init__(self, kept: Tuple[C, ...], waived: Tuple[Waived[C], ...], unused: Tuple[Waiver, ...]) -> None:
        self.kept = kept
        self.waived = waived
        self.unused = unused


def apply(causes: Iterable[C], waivers: Sequence[Waiver], strict: bool = False) -> Applied[C]:
    """Split ``causes``: the first waiver that matches a cause waives it. ``strict``
    ignores the waivers (every cause kept, none reported unused: none was in force)."""
    if strict:
        return Applied(tuple(causes), (), ())
    kept: List[C] = []
    waived: List[Waived[C]] = []
    used = set()
    for cause in causes:
        waiver = next((w for w in waivers if w.matches(cause)), None)
        if waiver is None:
            kept.append(cause)
        else:
            waived.append(Waived(cause, waiver))
            used.add(waiver)
    return Applied(tuple(kept), tuple(waived), tuple(w for w in waivers if w not in used))


def waiver(rule: str, files: str, reason: str, origin: str) -> Waiver:
    """A checked waiver: a known rule, a file pattern and a reason that says something."""
    rule, files, reason = rule.strip(), files.strip(), reason.strip()
    if rule not in RULES:
        raise WaiverError(f"{origin}: no rule {rule!r}; the rules are {', '.join(sorted(RULES))}")
    if not files:
        raise WaiverError(f'{origin}: waiver of {rule} names no files ("*" is every file)')
    if not reason:
        raise WaiverError(f"{origin}: waiver of {rule} for {files} gives no reason; a waiver must say why")
    return Waiver(rule, files, reason, origin)


def from_command_line(texts: Iterable[str]) -> Tuple[Waiver, ...]:
    """Waivers written ``RULE:FILE-GLOB=REASON`` (the rule ends at the first colon, the
    pattern at the first equals sign; the reason may hold both)."""
    found = []
    for text in texts:
        head, equals, reason = text.partition("=")
        rule, colon, files = head.partition(":")
        if not equals or not colon:
            raise WaiverError(f"waiver {text!r} is not written {CLI_SYNTAX}")
        found.append(waiver(rule, files, reason, "command line"))
    return tuple(found)


def from_pyproject(path: str) -> Tuple[Waiver, ...]:
    """The waivers of ``[tool.musldetect.audit] waive = [...]`` in ``path``; none when the
    table is absent."""
    table = _audit_table(path)
    entries = table.get("waive", [])
    if not isinstance(entries, list):
        raise WaiverError(f"{path}: [tool.musldetect.audit] waive must be an array of tables")
    found = []
    for index, entry in enumerate(entries):
        where = f"{path}: waive[{index}]"
        if (
            not isinstance(entry, dict)
            or set(entry) != {"rule", "file", "reason"}
            or not all(isinstance(value, str) for value in entry.values())
        ):
            raise WaiverError(f"{where} must be a table of three strings: rule, file and reason")
        found.append(waiver(entry["rule"], entry["file"], entry["reason"], where))
    return tuple(found)


def _audit_table(path: str) -> Dict[str, Any]:
    data = _toml_loads(read_host_file(path, MAX_PYPROJECT + 1), path)
    table: Any = data
    for key in ("tool", "musldetect", "audit"):
        table = table.get(key, {}) if isinstance(table, dict) else None
    if not isinstance(table, dict):
        raise WaiverError(f"{path}: [tool.musldetect.audit] is not a table")
    return table


def _toml_loads(raw: bytes, path: str) -> Dict[str, Any]:
    """TOML through the standard library (3.11+) or tomli where it is installed: the
    package keeps zero required dependencies, the ``gate`` extra brings tomli to 3.8-3.10."""
    if len(raw) > MAX_PYPROJECT:
        raise WaiverError(f"{path}: larger than {MAX_PYPROJECT >> 20} MiB")
    loads = _toml_reader()
    if loads is None:
        raise WaiverError(
            f"{path}: reading TOML on Python {sys.version_info[0]}.{sys.version_info[1]} needs tomli "
            "(pip install 'musldetect[gate]'), or give the waivers on the command line"
        )
    try:
        text = raw.decode("utf-8")
        data: Dict[str, Any] = loads(text)
    except (UnicodeDecodeError, ValueError) as exc:  # tomllib's and tomli's TOMLDecodeError are ValueErrors
        raise WaiverError(f"{path}: not readable TOML: {exc}") from exc
    return data


def _toml_reader() -> Optional[Callable[[str], Dict[str, Any]]]:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib.loads
    else:
        try:
            import tomli
        except ImportError:
            return None
        loads: Callable[[str], Dict[str, Any]] = tomli.loads
        return loads


def load(pyproject: Optional[str] = None, command_line: Sequence[str] = ()) -> Tuple[Waiver, ...]:
    """Every waiver in force: ``pyproject``'s (when given) first, then the command line's;
    the first that matches a cause waives it."""
    return (from_pyproject(pyproject) if pyproject is not None else ()) + from_command_line(command_line)
