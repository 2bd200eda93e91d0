"""Symbol versions: what an object needs of each library it links (DT_VERNEED), e.g.
("libc.so.6", ["GLIBC_2.2.5", "GLIBC_2.34"])."""

from __future__ import annotations

import struct

from ._elf_dynamic import DT_VERNEED, DT_VERNEEDNUM

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Tuple

    from ._elf_dynamic import DynamicSection
    from ._elf_header import Reader

MAX_VERNEED = 4096  # version-need entries walked at most (files and their versions alike)


def version_needs(reader: Reader, dynamic: DynamicSection) -> List[Tuple[str, List[str]]]:
    """(file, [version names]) of every Elf_Verneed entry, in the file's order."""
    values = dynamic.values()
    if DT_VERNEED not in values or DT_VERNEEDNUM not in values:
        return []
    count = values[DT_VERNEEDNUM][0]
    if count > MAX_VERNEED:
        raise reader.error(f"DT_VERNEEDNUM {count} is more than {MAX_VERNEED} entries")
    order = reader.byteorder
    at = reader.vaddr_to_offset(values[DT_VERNEED][0], 16, "DT_VERNEED")
    needs: List[Tuple[str, List[str]]] = []
    walked = 0
    for _ in range(count):
        _version, aux_count, file_name, aux_offset, next_offset = struct.unpack(
            order + "HHIII", reader.read_at(at, 16, "Elf_Verneed"))
        names = []
        aux_at = at + aux_offset
        for _ in range(aux_count):
            walked += 1
            if walked > MAX_VERNEED:
                raise reader.error(f"more than {MAX_VERNEED} Elf_Vernaux entries")
            _hash, _flags, _other, name, aux_next = struct.unpack(
                order + "IHHII", reader.read_at(aux_at, 16, "Elf_Vernaux"))
            names.append(dynamic.string(name, "Elf_Vernaux name"))
            if aux_next == 0:
                break
            aux_at += aux_next
        needs.append((dynamic.string(file_name, "Elf_Verneed file"), names))
        if next_offset == 0:
            break
        at += next_offset
    return needs
