"""What one binary of a wheel needs, read from the file alone and never from the host.

``audit()`` holds these facts to the policies. The C library family comes from the file's
own names (PT_INTERP, DT_NEEDED, GLIBC_ version needs) or, for a static program, from its
marks; the loader named in PT_INTERP is never opened (the host's is not the target's).
Weak needs are kept apart: a weak version need (VER_FLG_WEAK) or a weak undefined symbol
never stops the loader, so it never raises a bound.
"""

from __future__ import annotations

import os
import struct
from array import array
from functools import lru_cache
from itertools import compress, repeat
from operator import itemgetter, not_
from typing import TYPE_CHECKING, Callable, Dict, Iterable, List, NamedTuple, Optional, Tuple

from .. import _rules
from .._dispatch import native_dynamic_pass, native_elf_facts, native_symbol_pass
from .._elf import ELFFile, HeldFile
from .._elf_header import (
    ET_CORE,
    ET_DYN,
    ET_EXEC,
    ET_REL,
    NATIVE_ORDER,
    PF_X,
    PT_DYNAMIC,
    elf_arch,
    gnu_stack_flags,
    stack_is_executable,
)
from .._elf_notes import gnu_properties
from .._elf_symbols import (
    STT_FUNC,
    STT_NOTYPE,
    WIDE_HASH_MACHINES,
    WORD,
    Undefined,
    pick,
    symbol_columns,
    wide_hash_words,
)
from .._elf_versions import symbol_version_indexes, version_need_entries
from .._grammar import GLIBC, MUSL
from .._inspect import static_family
from .._libcfile import family_by_name

if TYPE_CHECKING:
    from .._elf_dynamic import DynamicFound, DynamicPass, ElfFactsPass

# Symbols only a Python 2 narrow-unicode build or an fpectl build provides: a wheel that
# imports them is for no manylinux or musllinux interpreter (auditwheel's ucs2/pyfpe checks).
# What only old interpreters provide, as auditwheel judges it (elfutils): an extension
# module that imports fpectl's names (Python built --with-fpectl, gone in 3.7), or a Python
# 2 module that imports narrow-unicode (UCS2) functions. Its module init function says which
# Python an extension is for; a library that is no extension is not asked.
FPECTL_SYMBOLS = ("PyFPE_jbuf", "PyFPE_dummy", "PyFPE_counter")
_FPECTL = frozenset(FPECTL_SYMBOLS)
NARROW_UNICODE = "PyUnicodeUCS2_"
_MODULE_INITS = (("PyInit_", 3), ("init", 2), ("_cffi_pypyinit_", 2))
# CPython's C API names: what an extension imports from the interpreter, or must not export.
PYTHON_PREFIXES = ("Py", "_Py")
PYTHON_PREFIXES_BYTES = tuple(prefix.encode() for prefix in PYTHON_PREFIXES)
# What the exports are searched for: a prefix another one starts (PyInit_ after Py) adds no name.
_EXPORTS_WANTED = tuple(
    prefix
    for prefix in PYTHON_PREFIXES_BYTES + tuple(init.encode() for init, _ in _MODULE_INITS)
    if not any(prefix != shorter and prefix.startswith(shorter) for shorter in PYTHON_PREFIXES_BYTES)
)


class BinaryFacts(NamedTuple):
    path: str
    arch: str
    family: Optional[str]  # "glibc", "musl", or None (links no C library, or unknown)
    static: bool
    soname: Optional[str]
    needed: Tuple[str, ...]
    search_paths: Tuple[str, ...]  # DT_RUNPATH, else DT_RPATH (the loader reads RPATH only without RUNPATH)
    has_runpath: bool  # a RUNPATH is the binary's own; an RPATH is inherited by what it loads
    version_needs: Tuple[Tuple[str, str], ...]  # (library, version) the loader insists on
    weak_version_needs: Tuple[Tuple[str, str], ...]
    imports: Tuple[str, ...]  # undefined symbols a library must provide
    weak_imports: Tuple[str, ...]
    symbol_of_version: Dict[str, str]  # version -> one imported symbol bound to it (for blame)
    requires: Optional[Tuple[int, ...]]  # the oldest glibc/musl release its strong needs allow
    reason: str
    # The python, ABI and ISA parts of a tag, from the same read (defaults keep older callers whole):
    python_imports: Tuple[str, ...] = ()  # undefined Py*/_Py* symbols, weak ones included
    python_exports: Tuple[str, ...] = ()  # Py*/_Py* names it defines and exports (PyInit_* included)
    stack: str = "none"  # PT_GNU_STACK: "rw", "rwx", or "none" (no such header)
    properties: Tuple[Tuple[int, int], ...] = ()  # GNU program properties: (pr_type, value)
    interp: Optional[str] = None  # PT_INTERP: a program names its loader
    executable_stack: Optional[bool] = None  # glibc must make the stack executable for it (None: arch unknown)
    loadable: bool = True  # False: no loader maps it (an object file, a core dump, a debug-info file); skipped
    old_python: Tuple[str, ...] = ()  # imports only old interpreters provide (FPECTL_SYMBOLS, NARROW_UNICODE)

    @property
    def is_extension(self) -> bool:
        """A Python extension module: it exports a PyInit_* entry (PEP 489's init function)."""
        return any(name.startswith("PyInit_") for name in self.python_exports)

    def property_value(self, pr_type: int) -> Optional[int]:
        return next((value for kind, value in self.properties if kind == pr_type), None)

    def old_python_symbols(self) -> Tuple[str, ...]:
        return self.old_python


_ELF_TYPES = {ET_REL: "a relocatable object (ET_REL, a .o)", ET_CORE: "a core dump (ET_CORE)"}


def _not_loadable(elf: ELFFile) -> str:
    if elf.type not in (ET_EXEC, ET_DYN):
        return (
            _ELF_TYPES.get(elf.type, f"ELF type {elf.type}, neither a program nor a shared library")
            + ": no loader maps it"
        )
    if elf.is_dynamic and _dynamic_is_nobits(elf):
        return "its dynamic section holds no bytes (SHT_NOBITS): a separate debug-info file, which no loader maps"
    return ""


SHT_NOBITS = 8
MAX_SECTIONS = 1 << 16


def _dynamic_is_nobits(elf: ELFFile) -> bool:
    """A debug-info file (objcopy --only-keep-debug, eu-strip -f) keeps the program headers
    but marks the loaded sections SHT_NOBITS in an intact section table; a truncated
    library has no such table, so it is still read (and refused) as the broken file it is."""
    table_at = elf.section_table
    shoff, shentsize, shnum = table_at.offset, table_at.entry_size, table_at.count
    wide = elf.bits == 64
    size = 64 if wide else 40
    if not shoff or shentsize != size or not 0 < shnum <= MAX_SECTIONS or shoff + shnum * size > elf.size:
        return False
    table = elf.read_at(shoff, shnum * size, "section header table")
    words = array(WORD, table)  # sh_type is word 1 of either class's entry
    kinds = words[1 :: size // 4]
    if elf.byteorder != NATIVE_ORDER:
        kinds.byteswap()
    addresses = {segment.vaddr for segment in elf.segments_of_type(PT_DYNAMIC)}
    for index in [index for index, kind in enumerate(kinds) if kind == SHT_NOBITS]:  # .bss, .tbss: a few
        (address,) = struct.unpack_from(
            elf.byteorder + ("Q" if wide else "I"), table, index * size + (16 if wide else 12)
        )
        if address in addresses:
            return True
    return False


class _VersionNeeds(NamedTuple):
    """The symbol versions a binary needs, as (library, version): the strong ones bound the
    C library release, the weak ones never stop the loader; ``by_index`` names each need's
    version index (what DT_VERSYM refers to)."""

    strong: List[Tuple[str, str]]
    weak: List[Tuple[str, str]]
    by_index: Dict[int, str]


class _Linked(NamedTuple):
    """Which C library a binary links (None: none or unknown, with the reason), and whether statically."""

    family: Optional[str]
    static: bool
    reason: str


def binary_facts(elf: ELFFile, shown_as: str) -> BinaryFacts:
    """The facts of one ELF program or library; a file no loader maps (as auditwheel has it,
    not a binary to judge) comes back with ``loadable=False`` and the reason."""
    unloadable = _not_loadable(elf)
    if unloadable:
        return BinaryFacts(
            shown_as, elf.arch, None, False, None, (), (), False, (), (), (), (), {}, None, unloadable, loadable=False
        )
    interp = elf.interpreter
    found = _dynamic_facts(elf)
    linked = _linked(elf, interp, found.needed, found.versions)
    read = _HeadRead(elf.arch, interp, gnu_stack_flags(elf.segments), gnu_properties(elf), elf.symbol_types)
    return _facts_of(shown_as, read, found, linked)


def held_binary_facts(held: HeldFile, shown: str, path: str) -> BinaryFacts:
    """``binary_facts`` of a file held in memory (an audit's wheel member): read in one C
    call (``_native.elf_facts``) when the extension is there, every byte is held and the
    call answers, so no Python ELF reader is built; else by that reader, which the call is
    held to (tests/test_elf_twins.py)."""
    native = native_elf_facts()
    found = _held_natively(held, shown, path, native) if native is not None and held.complete else None
    if found is not None:
        return found
    with ELFFile(shown, held=held) as elf:
        return binary_facts(elf, path)


def _held_natively(held: HeldFile, shown: str, path: str, native: ElfFactsPass) -> Optional[BinaryFacts]:
    """``held_binary_facts`` from the C call; None where it declines, or where the file
    names no C library (its marks, which only the Python reader scans, then decide)."""
    layout = held.layout()
    answer = native(layout.pieces, layout.starts, held.size, _EXPORTS_WANTED, PYTHON_PREFIXES_BYTES, WIDE_HASH_MACHINES)
    if answer is None:
        return None
    (bits, big_endian, _type, machine, flags, interp_bytes, stack_flags, properties), dynamic = answer
    interp = os.fsdecode(interp_bytes) if interp_bytes is not None else None

    def symbols() -> Undefined:  # a Python 2 module's names: rare, read by the Python reader
        with ELFFile(shown, held=held) as elf:
            return _undefined_symbols(elf)

    def symbol_types(indexes: List[int]) -> Dict[int, int]:
        with ELFFile(shown, held=held) as elf:
            return elf.symbol_types(indexes)

    found = _dynamic_of(dynamic, symbols)
    linked = _linked_by_names(interp, found.needed, found.versions)
    if linked is None:
        return None
    arch = elf_arch(machine, bits, ">" if big_endian else "<", flags)
    stack = stack_flags if stack_flags >= 0 else None
    kept = dict(properties)  # the last of a type, as gnu_properties keeps it
    return _facts_of(path, _HeadRead(arch, interp, stack, kept, symbol_types), found, linked)


class _HeadRead(NamedTuple):
    """What the facts take from outside the dynamic section, however it was read."""

    arch: str
    interp: Optional[str]
    stack_flags: Optional[int]  # the first PT_GNU_STACK's p_flags (None: no such header)
    properties: Dict[int, int]  # the GNU program properties
    symbol_types: Callable[[List[int]], Dict[int, int]]  # .dynsym types by index, read when asked


def _facts_of(shown_as: str, read: _HeadRead, found: _Dynamic, linked: _Linked) -> BinaryFacts:
    versions, imports = found.versions, found.imports
    rpath, runpath = found.search_paths
    return BinaryFacts(
        shown_as,
        read.arch,
        linked.family,
        linked.static,
        found.soname,
        tuple(found.needed),
        tuple(runpath or rpath),
        bool(runpath),
        tuple(versions.strong),
        tuple(versions.weak),
        imports,
        found.weak_imports,
        found.symbol_of_version,
        _requires(linked, versions, imports),
        linked.reason,
        tuple(sorted({name for name, _index in found.python_symbols})),
        tuple(sorted(name for name in found.exported if name.startswith(PYTHON_PREFIXES))),
        _stack(read.stack_flags),
        tuple(sorted(read.properties.items())),
        read.interp,
        stack_is_executable(read.stack_flags, read.arch),
        old_python=_old_python(read.symbol_types, shown_as, found),
    )


class _Dynamic(NamedTuple):
    """What a binary's dynamic section says, as the facts take it."""

    soname: Optional[str]
    needed: List[str]
    search_paths: Tuple[List[str], List[str]]  # DT_RPATH's and DT_RUNPATH's directories
    versions: _VersionNeeds
    imports: Tuple[str, ...]  # the strong undefined symbols, in .dynsym order
    weak_imports: Tuple[str, ...]
    python_symbols: List[Tuple[str, int]]  # (name, .dynsym index) of the undefined ones CPython's API names
    exported: List[str]  # the exports named by _EXPORTS_WANTED
    symbol_of_version: Dict[str, str]
    symbols: Callable[[], Undefined]  # every undefined symbol, read when asked (a Python 2 module's UCS2 names)


def _dynamic_facts(elf: ELFFile) -> _Dynamic:
    """The dynamic section's facts: read in one C pass (``_native.dynamic_pass``) from a
    file held in memory, every byte of it, when the extension is there and the pass answers,
    else by the Python reader, which the pass is held to (tests/test_elf_twins.py)."""
    if not elf.is_dynamic:
        return _Dynamic(
            None, [], ([], []), _VersionNeeds([], [], {}), (), (), [], [], {}, lambda: Undefined([], [], [])
        )
    native = native_dynamic_pass()
    # Only a file held whole: a sparse hold's reader streams the member again for the bytes
    # around a read it lacks, and a wheel changed meanwhile is refused there, so a pass that
    # read only the held bytes it needs could answer where that reader refuses.
    held = elf.held
    found = _read_natively(elf, held, native) if native is not None and held is not None and held.complete else None
    return found if found is not None else _read_in_python(elf)


def _read_in_python(elf: ELFFile) -> _Dynamic:
    elf.dynamic_strings()  # the symbol pass reads the whole table: read first, every name comes from it
    soname, needed = elf.dynamic_names()
    versions = _version_needs(elf)
    symbols, exported = symbol_columns(elf, elf.dynamic, _EXPORTS_WANTED, native_symbol_pass())
    names = symbols.names
    imports = tuple(compress(names, map(not_, symbols.weak)))
    symbol_of_version = _symbol_of_version(elf, symbols, imports, versions.by_index)
    python_at = compress(range(len(names)), map(str.startswith, names, repeat(PYTHON_PREFIXES)))
    return _Dynamic(
        soname,
        needed,
        elf.search_paths(),
        versions,
        imports,
        tuple(compress(names, symbols.weak)),
        [(names[at], symbols.indexes[at]) for at in python_at],
        exported,
        symbol_of_version,
        lambda: symbols,
    )


def _read_natively(elf: ELFFile, held: HeldFile, native: DynamicPass) -> Optional[_Dynamic]:
    """``_read_in_python``'s facts from the C pass, over the file ``elf`` reads as ``held``; None where it declines."""
    layout = held.layout()
    dynamic = next(elf.segments_of_type(PT_DYNAMIC))
    found = native(
        layout.pieces,
        layout.starts,
        elf.size,
        elf.bits,
        elf.byteorder == ">",
        wide_hash_words(elf),
        elf.load_spans(),
        (dynamic.offset, dynamic.filesz, dynamic.memsz),
        _EXPORTS_WANTED,
        PYTHON_PREFIXES_BYTES,
    )
    if found is None:
        return None
    return _dynamic_of(found, lambda: _undefined_symbols(elf))


def _undefined_symbols(elf: ELFFile) -> Undefined:
    """Every undefined dynamic symbol, read when asked: the facts of either C path leave
    them out, and only a Python 2 module's UCS2 names need them."""
    return symbol_columns(elf, elf.dynamic, _EXPORTS_WANTED, native_symbol_pass())[0]


def _dynamic_of(found: DynamicFound, symbols: Callable[[], Undefined]) -> _Dynamic:
    """The C dynamic pass's answer as the facts keep it (``_read_in_python``'s record)."""
    soname, needed, rpath, runpath, needs, (imports, weak_imports, python_symbols), exported, firsts = found
    versions = _needs_of(needs)
    symbol_of_version: Dict[str, str] = {}
    for index, position in firsts:  # in the order the strong imports first name each index
        version = versions.by_index.get(index)
        if version and version not in symbol_of_version:
            symbol_of_version[version] = imports[position]
    paths = (_directories(rpath), _directories(runpath))
    return _Dynamic(
        soname,
        needed,
        paths,
        versions,
        imports,
        weak_imports,
        python_symbols,
        exported,
        symbol_of_version,
        symbols,
    )


def _directories(search_paths: List[str]) -> List[str]:
    """DT_RPATH's or DT_RUNPATH's strings split at colons, as ``DynamicSection.search_paths`` does."""
    return [part for text in search_paths for part in text.split(":") if part]


def _old_python(symbol_types: Callable[[List[int]], Dict[int, int]], path: str, found: _Dynamic) -> Tuple[str, ...]:
    """The imports of an extension module that only an old interpreter provides: the module
    is the file's name up to its first dot, its Python the first init function it exports;
    fpectl's names count when they are functions or untyped, UCS2 ones when functions (an
    untyped one was linked without libpython, as auditwheel reads it). fpectl's names are
    looked for among CPython's, UCS2 ones (which may sit inside any name) among all."""
    module = path.rsplit("/", 1)[-1].split(".", 1)[0]
    inits = {init + module: major for init, major in _MODULE_INITS}
    major = next((inits[name] for name in found.exported if name in inits), None)
    if major is None:
        return ()
    fpectl = [pair for pair in found.python_symbols if pair[0] in _FPECTL]
    narrow = []
    if major == 2:
        symbols = found.symbols()
        narrow = [(name, index) for name, index in zip(symbols.names, symbols.indexes) if NARROW_UNICODE in name]
    if not fpectl and not narrow:
        return ()
    types = symbol_types([index for _, index in fpectl + narrow])
    return tuple(
        [name for name, index in fpectl if types[index] in (STT_FUNC, STT_NOTYPE)]
        + [name for name, index in narrow if types[index] == STT_FUNC]
    )


def _version_needs(elf: ELFFile) -> _VersionNeeds:
    entries = version_need_entries(elf, elf.dynamic) if elf.is_dynamic else []
    return _needs_of((need.library, need.name, need.weak, need.index) for need in entries)


def _needs_of(rows: Iterable[Tuple[str, str, bool, int]]) -> _VersionNeeds:
    """(library, version, weak, index) rows, from either reader, as the facts keep them; a
    version index named twice keeps its last name, as the Python reader always has."""
    needs = _VersionNeeds([], [], {})
    for library, name, weak, index in rows:
        (needs.weak if weak else needs.strong).append((library, name))
        needs.by_index[index] = name
    return needs


def _symbol_of_version(
    elf: ELFFile, symbols: Undefined, imports: Tuple[str, ...], by_index: Dict[int, str]
) -> Dict[str, str]:
    """For each needed version, the first strong import bound to it (``imports`` are the
    strong ones, in order): what blame names."""
    if not by_index or not symbols.names:
        return {}
    indexes = symbol_version_indexes(elf, elf.dynamic, symbols.indexes[-1] + 1)  # symbols come in .dynsym order
    if not indexes or not imports:
        return {}
    bound = pick(indexes, list(compress(symbols.indexes, map(not_, symbols.weak))))
    if len(by_index) > FEW_VERSIONS:  # one pass, the first import of each version kept
        versions = list(map(by_index.get, bound))
        first_import = dict(zip(reversed(versions), reversed(imports)))
        return {version: first_import[version] for version in dict.fromkeys(versions) if version}
    # A few versions: one C-speed search each, memchr's when every index fits a byte.
    search = bytes(bound) if max(bound) < 256 else None
    first: Dict[str, int] = {}
    for index, version in by_index.items():
        if search is not None:
            at = search.find(index) if index < 256 else -1
        else:
            at = bound.index(index) if index in bound else -1
        if version and 0 <= at < first.get(version, len(bound)):
            first[version] = at
    return {version: imports[at] for version, at in sorted(first.items(), key=itemgetter(1))}


FEW_VERSIONS = 16


def _linked(elf: ELFFile, interp: Optional[str], needed: List[str], versions: _VersionNeeds) -> _Linked:
    """The family by the file's own names (``_linked_by_names``); a file naming none of them
    is a static program (read by its marks) or a library that links no C library."""
    linked = _linked_by_names(interp, needed, versions)
    if linked is not None:
        return linked
    if elf.type == ET_DYN and elf.is_dynamic and not elf.is_pie_program:
        return _Linked(None, False, "a shared library that links no C library")
    raw = static_family(elf)
    return _Linked(raw.family, True, raw.reason)


def _linked_by_names(interp: Optional[str], needed: List[str], versions: _VersionNeeds) -> Optional[_Linked]:
    """The family by PT_INTERP, then DT_NEEDED, then GLIBC_ version needs; None when the
    file names neither a loader nor a library (what it is then takes more reading)."""
    family = family_by_name(interp)
    if family is None:
        family = next((f for f in map(family_by_name, needed) if f), None)
    if family is None and any(name.startswith("GLIBC_") for _lib, name in versions.strong + versions.weak):
        family = GLIBC
    if family is None and interp is None and not needed:
        return None
    if family is None:
        return _Linked(None, False, "no C library among its PT_INTERP and DT_NEEDED")
    return _Linked(family, False, "")


def _requires(linked: _Linked, versions: _VersionNeeds, imports: Tuple[str, ...]) -> Optional[Tuple[int, ...]]:
    """The oldest release of a dynamically linked C library that its strong needs allow."""
    if linked.family == GLIBC and not linked.static:
        return _glibc_requirement(tuple(name for _lib, name in versions.strong))
    if linked.family == MUSL and not linked.static:
        return _rules.musl_requirement(imports)
    return None


def _glibc_requirement(version_names: Tuple[str, ...]) -> Optional[Tuple[int, ...]]:
    """The binaries of a wheel need the same few sets of versions: each set is read once.
    Only glibc's own names count, and only a set of them of a real library's size is
    remembered: the names come from the files read, and a cache must not keep a hostile
    file's megabytes after its audit."""
    glibc_names = tuple(name for name in version_names if name.startswith("GLIBC_"))
    if len(glibc_names) > _REMEMBERED_NAMES or sum(map(len, glibc_names)) > _REMEMBERED_NAMES * 16:
        return _rules.glibc_requirement(glibc_names)
    return _remembered_glibc_requirement(glibc_names)


_REMEMBERED_NAMES = 64  # glibc has about 45 GLIBC_ versions


@lru_cache(maxsize=1024)
def _remembered_glibc_requirement(glibc_names: Tuple[str, ...]) -> Optional[Tuple[int, ...]]:
    return _rules.glibc_requirement(glibc_names)


def _stack(stack_flags: Optional[int]) -> str:
    """What the PT_GNU_STACK header asks of the stack: "rwx", "rw", or "none" when the
    object has no such header (the loader then takes the arch's default)."""
    if stack_flags is None:
        return "none"
    return "rwx" if stack_flags & PF_X else "rw"
