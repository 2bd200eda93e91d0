"""ELF notes: the (name, type, descriptor) records of PT_NOTE segments (the GNU ABI tag
of a static glibc program, Go's build ID)."""

from __future__ import annotations

import struct

from ._elf_header import PT_NOTE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Tuple

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


NT_GNU_PROPERTY_TYPE_0 = 5


def gnu_properties(reader: Reader) -> Dict[int, int]:
    """The 4-byte GNU program properties (pr_type -> value) of the NT_GNU_PROPERTY_TYPE_0
    note. The linker merges every input object's properties into one note (what the
    loader and auditwheel read): for x86 the ISA level the objects were built for, for
    AArch64 the BTI/PAC marks. Properties of other sizes are skipped; a property that
    runs past its note is an error, not a guess."""
    found: Dict[int, int] = {}
    step = 8 if reader.bits == 64 else 4
    for name, note_type, desc in notes(reader):
        if name != b"GNU" or note_type != NT_GNU_PROPERTY_TYPE_0:
            continue
        at = 0
        while at + 8 <= len(desc):
            pr_type, size = struct.unpack_from(reader.byteorder + "II", desc, at)
            if at + 8 + size > len(desc):
                raise reader.error(f"GNU property {pr_type:#x} of {size} bytes runs past its note")
            if size == 4:
                (found[pr_type],) = struct.unpack_from(reader.byteorder + "I", desc, at + 8)
            at += 8 + size + (-size % step)
        break  # one property note per object; a second would be a linker's mistake
    return found
