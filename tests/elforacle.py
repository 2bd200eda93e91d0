"""What pyelftools (an independent ELF reader) says of a file: the oracle for inspect()."""

from __future__ import annotations

import os
import stat
from typing import List, NamedTuple, Optional, Tuple

from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerDefSection, GNUVerNeedSection
from elftools.elf.sections import NoteSection


class Facts(NamedTuple):
    etype: str
    interp: Optional[str]
    soname: Optional[str]
    needed: List[str]
    glibc_needs: List[Tuple[int, ...]]
    imports: List[str]
    has_abi_tag: bool
    has_go_note: bool
    version_needs: List[Tuple[str, List[str]]]  # (library, [version names]) as .gnu.version_r lists them
    notes: List[Tuple[bytes, object]]  # (name, type) of the PT_NOTE notes; pyelftools names known types
    version_definitions: List[str]  # DT_VERDEF names but the base entry
    weak_imports: List[str]  # undefined symbols bound weak
    exports: List[str] = []  # defined symbols bound global or weak, in .dynsym order


def facts(path: str, *, imports: bool = True) -> Facts:
    """The facts of one file (``imports=False`` skips the symbol table, slow in big libraries)."""
    with open(path, "rb") as fh:
        elf = ELFFile(fh)
        interp = None
        for segment in elf.iter_segments():
            if segment["p_type"] == "PT_INTERP":
                interp = segment.get_interp_name()
        soname, needed, glibc, imported, version_needs, definitions, weak = None, [], [], [], [], [], []
        exports: List[str] = []
        abi_tag = go_note = False
        for section in elf.iter_sections():
            if isinstance(section, DynamicSection) and section.name == ".dynamic":
                for tag in section.iter_tags():
                    if tag.entry.d_tag == "DT_SONAME":
                        soname = tag.soname
                    elif tag.entry.d_tag == "DT_NEEDED":
                        needed.append(tag.needed)
            elif isinstance(section, GNUVerNeedSection):
                for need, auxiliaries in section.iter_versions():
                    auxiliaries = list(auxiliaries)
                    version_needs.append((need.name, [aux.name for aux in auxiliaries]))
                    for aux in auxiliaries:
                        name = aux.name
                        if name.startswith("GLIBC_") and all(p.isdigit() for p in name[6:].split(".")):
                            glibc.append(tuple(int(p) for p in name[6:].split(".")))
            elif isinstance(section, GNUVerDefSection):
                definitions = [
                    next(auxiliaries).name
                    for verdef, auxiliaries in section.iter_versions()
                    if not verdef["vd_flags"] & 1
                ]
            elif section.name == ".dynsym" and imports:
                named = [sym for sym in section.iter_symbols() if sym.name]  # one pass: pyelftools is slow
                undefined = [sym for sym in named if sym["st_shndx"] == "SHN_UNDEF"]
                imported = [sym.name for sym in undefined]
                weak = [sym.name for sym in undefined if sym["st_info"]["bind"] == "STB_WEAK"]
                exports = [
                    sym.name
                    for sym in named
                    if sym["st_shndx"] != "SHN_UNDEF" and sym["st_info"]["bind"] in ("STB_GLOBAL", "STB_WEAK")
                ]
            elif isinstance(section, NoteSection):
                for note in section.iter_notes():
                    abi_tag |= note["n_type"] == "NT_GNU_ABI_TAG"
                    go_note |= note["n_name"] == "Go"
        notes = [
            (note["n_name"].encode(), note["n_type"])
            for segment in elf.iter_segments()
            if segment["p_type"] == "PT_NOTE"
            for note in segment.iter_notes()
        ]
        return Facts(
            elf["e_type"],
            interp,
            soname,
            needed,
            glibc,
            imported,
            abi_tag,
            go_note,
            version_needs,
            notes,
            definitions,
            weak,
            exports,
        )


def elf_files(top: str) -> List[str]:
    """Every regular ELF file below ``top`` (symlinks not followed), sorted."""
    found = []
    for directory, _dirs, names in os.walk(top):
        for name in names:
            path = os.path.join(directory, name)
            try:
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    continue
                with open(path, "rb") as fh:
                    if fh.read(4) == b"\x7fELF":
                        found.append(path)
            except OSError:
                continue
    return sorted(found)
