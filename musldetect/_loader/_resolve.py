"""resolve(): will a binary load here — the dynamic loader's search, done statically.

The search is the one the file's own C library does (nothing is run):

- glibc: a name with a slash is a path; a name already loaded (by the name it was loaded
  under or its DT_SONAME) is not searched again; otherwise DT_RPATH of the requesting
  object and of the objects that loaded it (only when the requester has no DT_RUNPATH),
  LD_LIBRARY_PATH (the running system only), the requester's DT_RUNPATH, /etc/ld.so.cache,
  then the loader's own system directories (read from the loader file; DF_1_NODEFLIB skips
  these last two). $ORIGIN, $LIB and $PLATFORM are expanded. A candidate of another ELF
  class, machine or float ABI is skipped, as the loader skips it. Then every version need
  is checked against the definitions of the library that provides it.
- musl: the names libc/libpthread/librt/libm/libdl/libutil/libxnet are the loader itself;
  a name already loaded (by file name) is not searched again; otherwise LD_LIBRARY_PATH
  (running system only), DT_RPATH/DT_RUNPATH of the requester and of the objects that
  loaded it, then /etc/ld-musl-<arch>.path (newline- or colon-separated), else
  /lib:/usr/local/lib:/usr/lib. A candidate musl cannot map stops the search, as it does.

With ``root`` every path (search entries, cache entries, path files, links) resolves inside
the root through ``_rootfs.Root`` and nothing outside is opened.
"""

from __future__ import annotations

import os
import posixpath
import re
import struct
from typing import (
    TYPE_CHECKING,
    Dict,
    FrozenSet,
    Generic,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Set,
    Tuple,
    TypeVar,
)

from .._elf import ELFFile
from .._elf_dynamic import DT_FLAGS_1
from .._elf_header import EM_386, EM_AARCH64, EM_PPC64, EM_RISCV, EM_S390, EM_X86_64, asks_executable_stack
from .._grammar import GLIBC, MUSL
from .._libcfile import family_by_name, read_libc_object
from .._resolution import Library, Mismatch, Missing, MissingVersion, Resolution
from .._result import parse_version
from .._rootfs import Host, Root
from .._types import ELFError
from . import _ldcache

if TYPE_CHECKING:
    from .._rootfs import FileSystem

MAX_OBJECTS = 4096  # objects one resolution may load (the loaders have no limit; a bound for hostile input)
DF_1_NODEFLIB = 0x800
_MUSL_SELF = re.compile(r"^lib(c|pthread|rt|m|dl|util|xnet)\.")
# glibc's ld.so.cache flags per (machine, bits): what _dl_cache_check_flags accepts.
_CACHE_FLAGS = {
    (EM_X86_64, 64): 0x0303,
    (EM_X86_64, 32): 0x0803,
    (EM_386, 32): 0x0003,
    (EM_AARCH64, 64): 0x0A03,
    (EM_S390, 64): 0x0403,
    (EM_PPC64, 64): 0x0503,
    (EM_RISCV, 64): 0x1003,
}
# AT_PLATFORM where it does not depend on the CPU model.
_PLATFORM = {"x86_64": "x86_64", "i686": "i686", "aarch64": "aarch64", "armv7l": "v7l"}
_GLIBC_LOADERS = {
    "x86_64": "/lib64/ld-linux-x86-64.so.2",
    "i686": "/lib/ld-linux.so.2",
    "aarch64": "/lib/ld-linux-aarch64.so.1",
    "armv7l": "/lib/ld-linux-armhf.so.3",
    "ppc64le": "/lib64/ld64.so.2",
    "s390x": "/lib/ld64.so.1",
    "riscv64": "/lib/ld-linux-riscv64-lp64d.so.1",
}
_MUSL_ARCH = {
    "x86_64": "x86_64",
    "i686": "i386",
    "aarch64": "aarch64",
    "armv7l": "armhf",
    "armv5tel": "arm",
    "ppc64le": "powerpc64le",
    "ppc64": "powerpc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loongarch64",
}
_SYSTEM_DIRS = re.compile(rb"(?:/[A-Za-z0-9_.+/-]*lib[A-Za-z0-9_.+/-]*/\x00){2,}")
MUSL_DEFAULT_PATH = "/lib:/usr/local/lib:/usr/lib"


class _Facts(NamedTuple):
    """What the search and the version check need of one file: read once per file
    identity (device, inode, size, mtime), so a sweep reads libc.so.6 once."""

    soname: Optional[str]
    needed: Tuple[str, ...]
    rpath: Tuple[str, ...]
    runpath: Tuple[str, ...]
    nodeflib: bool
    needs: Tuple[Tuple[str, str, bool], ...]  # (library, version, weak)
    defines: FrozenSet[str]
    executable_stack: Optional[bool]  # PT_GNU_STACK (or the arch's default) asks for an executable stack


Identity = Tuple[int, int, int, int]  # a file's device, inode, size and mtime
_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


class _Memo(Generic[_Key, _Value]):
    """Answers remembered across resolutions (a sweep of /usr reads libc.so.6 once), keyed
    by what makes them valid; all forgotten at once when ``limit`` are held, so memory stays
    bounded whatever a sweep or a hostile image holds."""

    def __init__(self, limit: int) -> None:
        self._items: Dict[_Key, _Value] = {}
        self._limit = limit

    def get(self, key: _Key) -> Optional[_Value]:
        return self._items.get(key)

    def put(self, key: _Key, value: _Value) -> _Value:
        if len(self._items) >= self._limit:
            self._items.clear()
        self._items[key] = value
        return value

    def __len__(self) -> int:
        return len(self._items)


MAX_REMEMBERED = 8192
_FACTS: _Memo[Identity, _Facts] = _Memo(MAX_REMEMBERED)
_KINDS: _Memo[Identity, Tuple[int, int, str]] = _Memo(MAX_REMEMBERED)  # -> (bits, machine, arch)


class _Candidate(NamedTuple):
    """A file the loader would take for a needed name: where, which file, and what the
    search needs of it (read once; the file is closed by then)."""

    path: str
    identity: Identity
    facts: _Facts


def _facts(elf: ELFFile) -> _Facts:
    known = _FACTS.get(elf.identity)
    if known is not None:
        return known
    if elf.is_dynamic:
        soname, needed = elf.dynamic_names()
        rpath, runpath = elf.search_paths()
        facts = _Facts(
            soname,
            tuple(needed),
            tuple(rpath),
            tuple(runpath),
            any(f & DF_1_NODEFLIB for f in elf.dynamic_values().get(DT_FLAGS_1, [])),
            tuple((n.library, n.name, n.weak) for n in elf.version_need_entries()),
            frozenset(elf.version_definitions()),
            asks_executable_stack(elf.segments, elf.arch),
        )
    else:
        facts = _Facts(None, (), (), (), False, (), frozenset(), asks_executable_stack(elf.segments, elf.arch))
    return _FACTS.put(elf.identity, facts)


class _Object:
    """One loaded object of this resolution: where it was found, who loaded it, its names."""

    def __init__(
        self, path: str, identity: Identity, facts: _Facts, loader: Optional[_Object], names: Set[str]
    ) -> None:
        self.path = path
        # $ORIGIN: the directory of the path it was opened by (a link is not followed), except
        # for a program the kernel started, whose loader reads it from /proc/self/exe.
        self.origin = _origin(path)
        self.loader = loader
        self.identity = identity[:2]
        self.soname, self.needed, self.rpath, self.runpath = facts.soname, facts.needed, facts.rpath, facts.runpath
        self.nodeflib, self.needs, self.defines = facts.nodeflib, facts.needs, facts.defines
        self.executable_stack = facts.executable_stack
        self.names = set(names) | {path} | ({self.soname} if self.soname else set())

    @classmethod
    def of_file(cls, path: str, elf: ELFFile, loader: Optional[_Object], names: Set[str]) -> _Object:
        return cls(path, elf.identity, _facts(elf), loader, names)


# ld.so.cache parsed, per root and file identity; the loader's system directories, per loader file.
_CACHES: _Memo[Tuple[object, ...], _ldcache.LdCache] = _Memo(16)
_SYSTEM: _Memo[Identity, List[str]] = _Memo(64)


class _Search:
    def __init__(self, root: FileSystem, family: str, main: ELFFile, running_system: bool) -> None:
        self.root, self.family, self.running_system = root, family, running_system
        self.bits, self.machine, self.arch = main.bits, main.machine, main.arch
        self.notes: List[str] = []
        self.mismatched: List[Mismatch] = []
        self._cache: Optional[_ldcache.LdCache] = None
        self._system_dirs: Optional[List[str]] = None
        self._musl_path: Optional[List[str]] = None
        self.loader_path: Optional[str] = None
        self.dlopened = False  # the main object is a library: an interpreter or program dlopens it

    # -- where to look --------------------------------------------------------------------

    def cache(self) -> _ldcache.LdCache:
        """/etc/ld.so.cache of the root, parsed once per root and file identity."""
        if self._cache is None:
            try:
                fd, _inside = self.root.open_file("/etc/ld.so.cache")
            except (OSError, ELFError) as exc:
                why = exc.strerror if isinstance(exc, OSError) else str(exc)
                self._cache = _ldcache.LdCache({}, f"no ld.so.cache ({why})")
            else:
                try:
                    st = os.fstat(fd)
                    key = (self.root.path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, self._little())
                    self._cache = _CACHES.get(key)
                    if self._cache is None:
                        data = os.read(fd, _ldcache.MAX_CACHE)
                        self._cache = _CACHES.put(key, _ldcache.parse(data, "<" if self._little() else ">"))
                finally:
                    os.close(fd)
            if self._cache.note != _ldcache.CURRENT_FORMAT:  # only what is out of the ordinary is worth a note
                self.notes.append(self._cache.note)
        return self._cache

    def _little(self) -> bool:
        return not self.arch.endswith(("_be", "ppc64", "s390x", "mips", "ppc"))

    def system_dirs(self) -> List[str]:
        """The glibc loader's own system directories, read from its file; the usual ones
        for the arch when it cannot be read."""
        if self._system_dirs is None:
            found: List[str] = []
            if self.loader_path:
                try:
                    with ELFFile(self.loader_path, root=self.root) as loader:
                        known = _SYSTEM.get(loader.identity)
                        if known is not None:
                            found = known
                        for data in loader.readonly_segment_data() if known is None else ():
                            match = _SYSTEM_DIRS.search(data)
                            if match:
                                found = [d.decode().rstrip("/") for d in bytes(match.group()).split(b"\x00") if d]
                                _SYSTEM.put(loader.identity, found)
                                break
                except (OSError, ELFError):
                    pass
            if not found:
                lib = "lib64" if self.bits == 64 and self.arch not in ("aarch64", "riscv64") else "lib"
                found = [f"/{lib}", f"/usr/{lib}"]
                self.notes.append(f"the loader's system directories were not readable: assumed {':'.join(found)}")
            self._system_dirs = found
        return self._system_dirs

    def musl_path(self) -> List[str]:
        if self._musl_path is None:
            name = f"/etc/ld-musl-{_MUSL_ARCH.get(self.arch, self.arch)}.path"
            try:
                data = self.root.read_file(name, 64 * 1024)
                text = data.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")  # musl reads a C string
                self._musl_path = [d for d in re.split(r"[:\n]", text) if d]
                self.notes.append(f"{name}: {':'.join(self._musl_path) or '(empty)'}")
            except (OSError, ELFError):
                self._musl_path = MUSL_DEFAULT_PATH.split(":")
        return self._musl_path

    def expand(self, entry: str, origin: str) -> Optional[str]:
        lib = self.system_dirs()[0].strip("/") if self.family == GLIBC else "lib"
        platform = _PLATFORM.get(self.arch, self.arch)
        for token, value in (
            ("$ORIGIN", origin),
            ("${ORIGIN}", origin),
            ("$LIB", lib),
            ("${LIB}", lib),
            ("$PLATFORM", platform),
            ("${PLATFORM}", platform),
        ):
            entry = entry.replace(token, value)
        return None if "$" in entry else entry

    # -- one candidate ------------------------------------------------------------------------

    def open_candidate(self, path: str, needed_by: str) -> Tuple[Optional[_Candidate], str]:
        """(the file at ``path`` if it is a loadable object for this process, why the
        loader stops here). A file of another class, machine or float ABI is recorded as
        mismatched and passed over (glibc; musl stops at it); a file the loader cannot map
        — not ELF, truncated, inconsistent — stops the search, as the loader fails there.
        A file already read (same device, inode, size and mtime) is not opened again."""
        identity = self.root.identity(path)
        if identity is None:
            return None, ""
        kind, facts = _KINDS.get(identity), _FACTS.get(identity)
        if kind is not None and facts is not None:
            return (None, "") if self._mismatched(path, needed_by, kind) else (_Candidate(path, identity, facts), "")
        try:
            elf = ELFFile(path, root=self.root)
        except (OSError, ELFError) as exc:
            foreign = self._foreign(path)
            if foreign:
                self.mismatched.append(Mismatch(path, needed_by, foreign))
                return None, ""
            return None, str(exc)
        with elf:
            kind = _KINDS.put(elf.identity, (elf.bits, elf.machine, elf.arch))
            if self._mismatched(path, needed_by, kind):
                return None, ""
            return _Candidate(path, elf.identity, _facts(elf)), ""

    def _mismatched(self, path: str, needed_by: str, kind: Tuple[int, int, str]) -> bool:
        """Whether a file is of another class, machine or float ABI (then recorded)."""
        bits, machine, arch = kind
        reason = ""
        if bits != self.bits:
            reason = f"ELFCLASS{bits} for an ELFCLASS{self.bits} object"
        elif machine != self.machine:
            reason = f"machine {machine}, not {self.machine}"
        elif arch != self.arch:
            reason = f"{arch}, not {self.arch} (float ABI)"
        if reason:
            self.mismatched.append(Mismatch(path, needed_by, reason))
        return bool(reason)

    def _foreign(self, path: str) -> str:
        """Why a file that does not parse is another arch's (from its first bytes, as the
        loader's own check reads them), or "" when it is simply not loadable."""
        try:
            head = self.root.read_file(path, 20)
        except (OSError, ELFError):
            return ""
        if len(head) < 20 or head[:4] != b"\x7fELF":
            return ""
        if head[4] != (1 if self.bits == 32 else 2):
            return f"ELFCLASS{32 if head[4] == 1 else 64} for an ELFCLASS{self.bits} object"
        machine = struct.unpack_from("<H" if head[5] == 1 else ">H", head, 18)[0]
        return f"machine {machine}, not {self.machine}" if machine != self.machine else ""


def _origin(path: str) -> str:
    return posixpath.dirname(path) or "/"


def resolve_path(path: str, root_dir: Optional[str]) -> Resolution:
    return resolve_in(path, Root(root_dir) if root_dir is not None else Host())


def resolve_in(path: str, root: FileSystem) -> Resolution:
    """``path`` resolved inside ``root`` (a Root, the Host, or an Overlay of either);
    LD_LIBRARY_PATH counts only for the running system."""
    running_system = root.running_system
    main_elf = ELFFile(path, root=root)
    try:
        main_path = main_elf.inside or path
        interp = main_elf.interpreter
        family = family_by_name(interp) if interp else None
        soname, main_needed = main_elf.dynamic_names() if main_elf.is_dynamic else (None, [])
        if family is None:  # a library: the C library it names, or is
            family = next((f for f in map(family_by_name, [*main_needed, soname, main_path]) if f), None)
        if family is None:  # links no C library by name: the one whose loader the system has
            glibc_loader = _GLIBC_LOADERS.get(main_elf.arch)
            musl_loader = f"/lib/ld-musl-{_MUSL_ARCH.get(main_elf.arch, main_elf.arch)}.so.1"
            family = (
                MUSL
                if root.kind(musl_loader) == "file" and not (glibc_loader and root.kind(glibc_loader) == "file")
                else GLIBC
            )
        search = _Search(root, family, main_elf, running_system)
        search.dlopened = interp is None and not main_elf.is_pie_program if main_elf.is_dynamic else False
        if not main_elf.is_dynamic:
            return Resolution(
                main_path, family, main_elf.arch, (), (), (), (), True, "statically linked: it needs no library", ()
            )
        search.loader_path = interp or (
            _GLIBC_LOADERS.get(main_elf.arch)
            if family == GLIBC
            else f"/lib/ld-musl-{_MUSL_ARCH.get(main_elf.arch, main_elf.arch)}.so.1"
        )
        main = _Object.of_file(
            root.resolve(main_path) if not running_system else main_path, main_elf, None, {main_path}
        )
        # glibc and musl both take a program's $ORIGIN from /proc/self/exe, the file the
        # kernel ran with every link resolved (ldd, which runs the loader on the path given,
        # does not); a library is dlopened by the path given.
        main.origin = _origin(root.resolve(main_path) if not search.dlopened else root.inside(path))
    finally:
        main_elf.close()
    return _load_all(search, main)


def _load_all(search: _Search, main: _Object) -> Resolution:
    """What the loader would load for ``main`` (and the loader itself), whether every
    needed library and version is found, and whether dlopen would refuse it."""
    loaded: List[_Object] = [main]
    loader = _loader_object(search)
    if loader is not None:
        loaded.append(loader)
    libraries, missing = _load_needed(search, main, loaded, loader)
    missing_versions = _check_versions(search, loaded) if search.family == GLIBC else []
    refused = _executable_stack_refusal(search, loaded, loader) if search.dlopened else None
    loads = not missing and not missing_versions and refused is None
    return Resolution(
        main.path,
        search.family,
        search.arch,
        tuple(libraries),
        tuple(missing),
        tuple(missing_versions),
        tuple(search.mismatched),
        loads,
        _summary(libraries, missing, missing_versions, refused),
        tuple(dict.fromkeys(search.notes)),
    )


def _loader_object(search: _Search) -> Optional[_Object]:
    """The loader the target would run, loaded first like any object; None (with a note)
    when it is absent or unreadable."""
    if not (search.loader_path and search.root.kind(search.loader_path) == "file"):
        return None
    try:
        with ELFFile(search.loader_path, root=search.root) as elf:
            return _Object.of_file(search.loader_path, elf, None, {search.loader_path})
    except (OSError, ELFError) as exc:
        search.notes.append(f"the loader {search.loader_path} could not be read: {exc}")
        return None


def _load_needed(
    search: _Search, main: _Object, loaded: List[_Object], loader: Optional[_Object]
) -> Tuple[List[Library], List[Missing]]:
    """The DT_NEEDED closure, breadth first as the loader walks it: each library listed
    once, where first needed; ``loaded`` grows with every new object."""
    libraries: List[Library] = []
    missing: List[Missing] = []
    queue = [main]
    listed: Set[str] = set()
    while queue:
        requester = queue.pop(0)
        for name in requester.needed:
            found, how, searched = _find(search, name, requester, loaded, loader)
            if isinstance(found, _Object):
                if found is not main and found.path not in listed:  # each object once, where first needed
                    listed.add(found.path)
                    libraries.append(Library(name, found.path, requester.path, how))
                continue
            if found is None:
                libraries.append(Library(name, None, requester.path, how))
                missing.append(Missing(name, requester.path, tuple(searched)))
                continue
            if len(loaded) >= MAX_OBJECTS:
                raise ELFError(f"{main.path}: more than {MAX_OBJECTS} objects would be loaded")
            obj = _Object(found.path, found.identity, found.facts, requester, {name})
            loaded.append(obj)
            queue.append(obj)
            listed.add(found.path)
            libraries.append(Library(name, found.path, requester.path, how))
    return libraries, missing


def _summary(
    libraries: List[Library], missing: List[Missing], missing_versions: List[MissingVersion], refused: Optional[str]
) -> str:
    """The resolution in a sentence: how many objects load, or the first few reasons not."""
    if not missing and not missing_versions and refused is None:
        count = len({lib.path for lib in libraries})
        return f"every needed library resolves ({count} object{'' if count == 1 else 's'})"
    parts = [f"{m.name} not found (needed by {m.needed_by})" for m in missing[:3]]
    parts += [f"{v.library} lacks {v.version} (needed by {v.needed_by})" for v in missing_versions[:3]]
    return "; ".join(parts + ([refused] if refused else []))


EXECSTACK_REFUSED_FROM = (2, 41)


def _executable_stack_refusal(search: _Search, loaded: List[_Object], loader: Optional[_Object]) -> Optional[str]:
    """Why dlopen refuses this library: from glibc 2.41 on, an object (the library or one
    it pulls in) that asks for an executable stack is refused unless the process's stack
    already is one; a program that asks for one still starts, so only dlopen'ed objects
    are judged. musl never makes a stack executable and loads such objects (a note says
    so); None when nothing is refused."""
    asking = [obj.path for obj in loaded if obj is not loader and obj.executable_stack]
    if not asking:
        return None
    if search.family != GLIBC:
        search.notes.append(
            f"{asking[0]} asks for an executable stack: musl ignores the request and loads it "
            "(code that runs on the stack would fault)"
        )
        return None
    version = _glibc_version(search, loaded)
    if version is None:
        search.notes.append(
            f"{asking[0]} asks for an executable stack: glibc 2.41 and later refuse to dlopen it; "
            "this system's glibc version could not be read"
        )
        return None
    if version < EXECSTACK_REFUSED_FROM:
        search.notes.append(
            f"{asking[0]} asks for an executable stack: glibc {version[0]}.{version[1]} still grants "
            "it, 2.41 and later refuse to dlopen it"
        )
        return None
    return (
        f"{asking[0]} asks for an executable stack: glibc {version[0]}.{version[1]} refuses to dlopen it (2.41 "
        "and later, unless the process's stack is already executable); link it with -Wl,-z,noexecstack, or "
        "run with GLIBC_TUNABLES=glibc.rtld.execstack=2 (glibc 2.42+, or a 2.41 with the backport)"
    )


def _glibc_version(search: _Search, loaded: List[_Object]) -> Optional[Tuple[int, int]]:
    """The target's glibc release: the banner of the libc.so.6 the search loaded, else of
    the loader (glibc 2.35+ carries one), else of the libc.so.6 beside it."""
    candidates = [obj.path for obj in loaded if obj.soname == "libc.so.6"]
    if search.loader_path:
        candidates += [search.loader_path, posixpath.join(posixpath.dirname(search.loader_path), "libc.so.6")]
    for path in candidates:
        try:
            with ELFFile(path, root=search.root) as elf:
                raw = read_libc_object(elf, GLIBC)
        except (OSError, ELFError):
            continue
        parsed = parse_version(raw.version_string, 2) if raw is not None else None
        if parsed:
            return parsed[0], parsed[1]
    return None


def _already_loaded(name: str, loaded: List[_Object], family: str) -> Optional[_Object]:
    if family == GLIBC:
        for obj in loaded:
            if name in obj.names:
                return obj
        return None
    return next((obj for obj in loaded if posixpath.basename(obj.path) == name), None)


def _find(
    search: _Search, name: str, requester: _Object, loaded: List[_Object], loader: Optional[_Object]
) -> Tuple[_Object | _Candidate | None, str, List[str]]:
    """(an already loaded object, a new file, or None), how, where it looked."""
    if search.family == MUSL and _MUSL_SELF.match(name) and loader is not None:
        return loader, "the musl loader itself", []
    if "/" in name:
        return _find_path(search, name, requester, loaded)
    found = _already_loaded(name, loaded, search.family)
    if found is not None:
        return found, "already loaded", []
    searched: List[str] = []
    cache_seen = search.family != GLIBC
    for candidate, how in _candidates(search, name, requester, loaded[0]):
        if how == "system directory" and not cache_seen:  # the cache was asked and had no entry
            searched.append("ld.so.cache: no entry")
        cache_seen = cache_seen or how in ("ld.so.cache", "system directory")
        searched.append(posixpath.dirname(candidate) if how != "ld.so.cache" else f"ld.so.cache: {candidate}")
        mismatches = len(search.mismatched)
        opened, fatal = search.open_candidate(candidate, requester.path)
        if fatal:
            return None, f"the loader stops at {candidate}: {fatal}", searched
        same = _same_file(opened, name, loaded)
        if same is not None:
            return same, "already loaded (the same file)", searched
        if opened is not None:
            return opened, how, searched
        if search.family == MUSL and len(search.mismatched) > mismatches:
            return None, f"musl stops at {candidate}: {search.mismatched[-1].reason}", searched
    return None, "not found", searched


def _find_path(
    search: _Search, name: str, requester: _Object, loaded: List[_Object]
) -> Tuple[_Object | _Candidate | None, str, List[str]]:
    """A needed name with a slash is a path, not searched: its $ORIGIN is the directory of
    the object that names it."""
    path = search.expand(name, requester.origin)
    if path is None:
        return None, "a path with an unknown $-token", [name]
    found = _already_loaded(path, loaded, search.family)
    if found is not None:
        return found, "already loaded", []
    opened, fatal = search.open_candidate(path, requester.path)
    if fatal:
        return None, f"the loader stops at {path}: {fatal}", [path]
    same = _same_file(opened, name, loaded)
    if same is not None:
        return same, "already loaded (the same file)", [path]
    return opened, "a path", [path]


def _same_file(candidate: Optional[_Candidate], name: str, loaded: List[_Object]) -> Optional[_Object]:
    """The loaded object ``candidate`` is (same device and inode), now known by ``name``
    too. None when it is a new file (or there is none)."""
    if candidate is None:
        return None
    same = next((obj for obj in loaded if obj.identity == candidate.identity[:2]), None)
    if same is not None:
        same.names.add(name)
    return same


def _candidates(search: _Search, name: str, requester: _Object, main: _Object) -> Iterator[Tuple[str, str]]:
    """(candidate path, how) in the order the requester's loader tries them."""
    if search.family == MUSL:
        for directory, how in _musl_directories(search, requester):
            yield posixpath.join(directory, name), how
        return
    if not requester.runpath:
        yield from _rpath_candidates(search, name, requester, main)
    if search.running_system:
        for entry in os.environ.get("LD_LIBRARY_PATH", "").replace(";", ":").split(":"):
            expanded = search.expand(entry, main.origin) if entry else None
            if expanded:
                yield posixpath.join(expanded, name), "LD_LIBRARY_PATH"
    for entry in requester.runpath:
        expanded = search.expand(entry, requester.origin)
        if expanded:
            yield posixpath.join(expanded, name), "RUNPATH"
    if requester.nodeflib or main.nodeflib:
        return
    wanted = _CACHE_FLAGS.get((search.machine, search.bits))
    for cached in search.cache().entries.get(name, ()):
        if cached.hwcap == 0 and (
            cached.flags == wanted
            if wanted is not None
            else cached.flags & _ldcache.FLAG_TYPE_MASK == _ldcache.FLAG_ELF_LIBC6
        ):
            yield cached.path, "ld.so.cache"
            break  # the loader takes the cache's one answer, then the system directories
    for directory in search.system_dirs():
        yield posixpath.join(directory, name), "system directory"


def _rpath_candidates(search: _Search, name: str, requester: _Object, main: _Object) -> Iterator[Tuple[str, str]]:
    """glibc's RPATHs, asked only when the requester has no RUNPATH: its own, then those of
    each object that loaded it, then the program's (unless the program has a RUNPATH)."""
    chain: List[_Object] = []
    step: Optional[_Object] = requester
    while step is not None:
        chain.append(step)
        step = step.loader
    if main not in chain and not main.runpath:
        chain.append(main)
    for owner in chain:
        for entry in owner.rpath:
            expanded = search.expand(entry, owner.origin)
            if expanded:
                yield posixpath.join(expanded, name), f"RPATH of {owner.path}"


def _musl_directories(search: _Search, requester: _Object) -> Iterator[Tuple[str, str]]:
    if search.running_system:
        for entry in os.environ.get("LD_LIBRARY_PATH", "").split(":"):
            if entry:
                yield entry, "LD_LIBRARY_PATH"
    step: Optional[_Object] = requester
    while step is not None:
        for entry in step.runpath or step.rpath:
            expanded = search.expand(entry, step.origin)
            if expanded:
                yield expanded, f"RPATH of {step.path}"
        step = step.loader
    for directory in search.musl_path():
        yield directory, "musl path"


def _check_versions(search: _Search, loaded: List[_Object]) -> List[MissingVersion]:
    found = []
    for obj in loaded:
        for library, version, weak in obj.needs:
            provider = _already_loaded(library, loaded, GLIBC)
            if provider is None or weak or not provider.defines:
                continue
            if version not in provider.defines:
                found.append(MissingVersion(library, version, obj.path))
    return found
