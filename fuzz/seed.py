"""Write the fuzzing corpus's seeds: the test suite's ELF writer cases, all layouts."""

from __future__ import annotations

import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

import elfwriter as w  # noqa: E402

LAYOUTS = [
    (64, "<", w.EM_X86_64, 0),
    (32, "<", w.EM_386, 0),
    (64, ">", w.EM_S390, 0),
    (32, "<", w.EM_ARM, 0x05000400),
    (64, "<", w.EM_AARCH64, 0),
    (64, ">", w.EM_PPC64, 0),
]


def seeds():
    for bits, order, machine, flags in LAYOUTS:
        kw = dict(bits=bits, byteorder=order, machine=machine, flags=flags)
        yield w.musl_loader(b"1.2.3", **kw)
        yield w.musl_loader(b"1.2.4_git20230717", exec_segment=True, **kw)
        yield w.musl_loader(b"1.2.3", extra=b"\x001.2.5\x00", **kw)
        yield w.executable(b"/input\x00", **kw)
        yield w.executable(b"/lib/ld-musl-x86_64.so.1\x00", **kw)
    strtab = b"\x00libc.so.6\x00libc.musl-x86_64.so.1\x00"
    dyn = w.dynamic([(1, 1), (5, 64 + 56 * 2), (10, len(strtab))])
    yield w.build([w.Seg(w.PT_LOAD, strtab), w.Seg(w.PT_DYNAMIC, dyn, w.PF_R | w.PF_W)])
    abi_tag = struct.pack("<III", 4, 16, 1) + b"GNU\x00" + struct.pack("<IIII", 0, 3, 2, 0)
    yield w.build([w.Seg(4, abi_tag), w.Seg(w.PT_LOAD, b"GLIBC_TUNABLES\x00", w.PF_R)], etype=w.ET_EXEC)
    yield b"\x00GNU C Library (Debian GLIBC 2.36-9) stable release version 2.36.\n\x00"


def main(directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    for index, data in enumerate(seeds()):
        with open(os.path.join(directory, f"seed-{index:03d}"), "wb") as fh:
            fh.write(data)


if __name__ == "__main__":
    main(sys.argv[1])
