"""ELF notes: the (name, type, descriptor) records of PT_NOTE segments (the GNU ABI tag
of a static glibc program, Go's build ID)."""

from __future__ import annotations

import struct

from ._elf_header import PT_NOTE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Tuple

    from ._elf_header import Reader

NT_GNU_ABI_TAG = 1


def notes(reader: Reader) -> List[Tuple[bytes, int, bytes]]:
    """(name, type, descriptor) of every note in the PT_NOTE segments."""
    found = []
    for segment in reader.segments:
        if segment.type != PT_NOTE:
            continue
        data = reader.segment_bytes(segment, "PT_NOTE")
        align = 8 if segment.align == 8 else 4
        at = 0
        while at + 12 <= len(data):
            namesz, descsz, note_type = struct.unpack_from(reader.byteorder + "III", data, at)
            name_at = at + 12
            desc_at = name_at + namesz + (-(name_at + namesz) % align)
            end = desc_at + descsz + (-(desc_at + descsz) % align)
            if desc_at + descsz > len(data):
                raise reader.error(f"PT_NOTE: a note's n_namesz {namesz} / n_descsz {descsz} run past its segment")
            name = data[name_at : name_at + namesz].rstrip(b"\x00")
            found.append((name, note_type, data[desc_at : desc_at + descsz]))
            at = end
    return found
