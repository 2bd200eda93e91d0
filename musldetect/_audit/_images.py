"""What one Mach-O or PE file of a wheel needs, read from the file alone: the facts the
macOS, iOS and Windows judges hold to a tag, and that the python/ABI judge reads for abi3
(the libraries and symbols each slice imports).

An ``ImageFacts`` has one ``ImageSlice`` per architecture: a fat Mach-O file several, a
thin one or a PE file one.
"""

from __future__ import annotations

import mmap
import os
import struct
from typing import Dict, NamedTuple, Optional, Tuple

from ._formats_io import Buffer
from ._macho import FAT_MAGIC, FAT_MAGIC_64, MAX_SLICES, is_macho, read_macho
from ._pe import is_pe, read_pe

MACHO, PE = "Mach-O", "PE"


class ImageSlice(NamedTuple):
    """One architecture's image, as the judges read it."""

    arch: str  # Mach-O: "arm64", "x86_64", ...; PE: "x86", "amd64", "arm64", ...
    platform: Optional[str]  # "macos", "ios", "iossimulator", ... ("windows" for PE); None: not recorded
    minimum: Optional[Tuple[int, ...]]  # the lowest OS version it runs on (Mach-O), None when not recorded
    libraries: Tuple[str, ...]  # loaded at start: LC_LOAD_DYLIB, LC_REEXPORT_DYLIB, ...; PE imports
    optional_libraries: Tuple[str, ...]  # weak dylibs (may be absent), PE delay-loaded DLLs (loaded on first call)
    rpaths: Tuple[str, ...]  # LC_RPATH, in order
    # Mach-O: undefined external symbols ("_PyList_New"); PE: "<dll>:<name>" or "<dll>:#<ordinal>"
    imports: Tuple[str, ...]
    exports: Tuple[str, ...]  # the module init functions it defines (PyInit_<name>, without Mach-O's underscore)


class ImageFacts(NamedTuple):
    path: str  # inside the wheel or directory
    format: str  # "Mach-O" or "PE"
    install_name: Optional[str]  # a dylib's LC_ID_DYLIB
    slices: Tuple[ImageSlice, ...]

    def arches(self) -> Tuple[str, ...]:
        return tuple(s.arch for s in self.slices)

    def as_dict(self) -> Dict[str, object]:
        data = self._asdict()
        data["slices"] = [s._asdict() for s in self.slices]
        return data


def looks_like_image(head: bytes) -> bool:
    """Whether the first bytes start a Mach-O or PE file worth reading whole. A fat magic
    followed by a count above MAX_SLICES is a Java class file (its version follows)."""
    if is_macho(head):
        if head[:4] in (struct.pack(">I", FAT_MAGIC), struct.pack(">I", FAT_MAGIC_64)) and len(head) >= 8:
            count: int = struct.unpack_from(">I", head, 4)[0]
            return 0 < count <= MAX_SLICES
        return True
    return is_pe(head)


def image_facts(data: Buffer, shown: str, path: str) -> Optional[ImageFacts]:
    """The facts of the Mach-O or PE file in ``data``; None for an MZ file that is not PE
    (an old DOS program, or data that happens to start with MZ)."""
    if is_macho(bytes(data[:8])):
        return _macho_facts(data, shown, path)
    if not _has_pe_signature(data):
        return None
    return _pe_facts(data, shown, path)


def _macho_facts(data: Buffer, shown: str, path: str) -> ImageFacts:
    """One slice per architecture; weak dylibs are optional (the loader starts without them)."""
    macho = read_macho(data, shown)
    install = next((s.install_name for s in macho.slices if s.install_name), None)
    return ImageFacts(
        path,
        MACHO,
        install,
        tuple(
            ImageSlice(
                s.arch,
                s.platform,
                s.minimum,
                tuple(d.name for d in s.dylibs if d.kind != "weak"),
                tuple(d.name for d in s.dylibs if d.kind == "weak"),
                s.rpaths,
                s.undefined,
                tuple(name[1:] for name in s.py_init),
            )
            for s in macho.slices
        ),
    )


def _pe_facts(data: Buffer, shown: str, path: str) -> ImageFacts:
    """One slice; delay-loaded DLLs are optional (loaded on first call), imports by name or ordinal."""
    pe = read_pe(data, shown)
    imports = tuple(f"{i.dll}:{name}" for i in pe.imports + pe.delay_imports for name in i.symbols) + tuple(
        f"{i.dll}:#{number}" for i in pe.imports + pe.delay_imports for number in i.ordinals
    )
    return ImageFacts(
        path,
        PE,
        None,
        (
            ImageSlice(
                pe.arch,
                "windows",
                None,
                tuple(i.dll for i in pe.imports),
                tuple(i.dll for i in pe.delay_imports),
                (),
                imports,
                tuple(name for name in pe.exports if name.startswith("PyInit_")),
            ),
        ),
    )


def _has_pe_signature(data: Buffer) -> bool:
    if len(data) < 64 or bytes(data[:2]) != b"MZ":
        return False
    at = struct.unpack_from("<I", data, 0x3C)[0]
    return bytes(data[at : at + 4]) == b"PE\0\0"


def image_facts_of_descriptor(fd: int, shown: str, path: str) -> Optional[ImageFacts]:
    """The facts of a Mach-O or PE file open at ``fd``, read through a read-only map."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    with mmap.mmap(fd, size, access=mmap.ACCESS_READ) as data:
        return image_facts(data, shown, path)


class Fault(NamedTuple):
    """Why one declared tag does not hold: the file (empty for the wheel as a whole), the
    arch, version, library or symbol that decides, and whether the wheel contradicts
    itself or leaks its build machine (inconsistent) rather than merely over-promising."""

    tag: str
    file: str
    cause: str
    reason: str
    inconsistent: bool
    rule: str  # its stable id of _waivers.RULES, which waivers name


class Judgement(NamedTuple):
    """A platform judge's answer, which the audit turns into its verdict."""

    honest_tags: Tuple[str, ...]
    faults: Tuple[Fault, ...]
    reasons: Tuple[str, ...]  # notes; when ``judged`` is False, why not
    under: Tuple[str, ...]  # where an older or wider tag would do
    judged: bool = True  # False: the formats do not let the judge decide (never "honest" then)
    source: str = ""  # the rules or data the judge holds the files to
