"""The Mach-O and PE readers: every fact of every binary in the pinned real macOS and
Windows wheels (tests/audit/formats.txt) against lief, the layouts the wheels lack
(32-bit, big-endian, iOS, delay-loaded and ordinal imports) through generated files read
by both, hostile variants of both, and the Windows DLL lists against delvewheel's.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys

import formatwriter as fw
import pytest
from formats_oracle import format_wheels, members, require_lief, skip_or_fail

from musldetect import BinaryFormatError
from musldetect._audit._images import image_facts
from musldetect._audit._macho import DYLIB_KINDS, LC_ID_DYLIB, MAGICS, PLATFORMS, read_macho
from musldetect._audit._pe import read_pe

TOOLS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools")


def lief_macho_facts(binary) -> dict:
    """One lief slice, as the reader's fields."""
    lief = require_lief()
    dylibs = [
        (c.name, int(c.command.value))
        for c in binary.commands
        if isinstance(c, lief.MachO.DylibCommand) and int(c.command.value) != LC_ID_DYLIB
    ]
    install = next(
        (
            c.name
            for c in binary.commands
            if isinstance(c, lief.MachO.DylibCommand) and int(c.command.value) == LC_ID_DYLIB
        ),
        None,
    )
    minimum, platform = None, None
    if binary.has_build_version:
        minimum, platform = tuple(binary.build_version.minos), int(binary.build_version.platform.value)
    elif binary.has_version_min:
        minimum = tuple(binary.version_min.version)
        platform = {0x24: 1, 0x25: 2}.get(int(binary.version_min.command.value))  # LC_VERSION_MIN_MACOSX/IPHONEOS
    # nlist entries: external (N_EXT), not debugging (N_STAB), undefined (N_UNDF, value 0)
    undefined = sorted(
        s.name
        for s in binary.symbols
        if s.origin == lief.MachO.Symbol.ORIGIN.SYMTAB
        and s.raw_type & 0x01
        and not s.raw_type & 0xE0
        and s.raw_type & 0x0E == 0
        and s.value == 0
    )
    py_init = sorted(
        s.name
        for s in binary.symbols
        if s.origin == lief.MachO.Symbol.ORIGIN.SYMTAB
        and s.raw_type & 0x0F == 0x0F
        and not s.raw_type & 0xE0
        and s.name.startswith("_PyInit_")
    )
    return {
        "cpu_type": int(binary.header.cpu_type.value) & 0xFFFFFFFF,
        "cpu_subtype": binary.header.cpu_subtype,
        "minimum": minimum,
        "platform": platform,
        "dylibs": dylibs,
        "rpaths": [r.path for r in binary.rpaths],
        "install_name": install,
        "undefined": undefined,
        "py_init": py_init,
    }


COMMAND_OF_KIND = {kind: command for command, kind in DYLIB_KINDS.items()}
PLATFORM_NUMBER = {name: number for number, name in PLATFORMS.items()}


def our_macho_facts(piece) -> dict:
    return {
        "cpu_type": piece.cpu_type,
        "cpu_subtype": piece.cpu_subtype,
        "minimum": piece.minimum,
        "platform": PLATFORM_NUMBER.get(piece.platform),
        "dylibs": [(d.name, COMMAND_OF_KIND[d.kind]) for d in piece.dylibs],
        "rpaths": list(piece.rpaths),
        "install_name": piece.install_name,
        "undefined": sorted(piece.undefined),
        "py_init": sorted(piece.py_init),
    }


def compare_macho(name: str, data: bytes) -> int:
    lief = require_lief()
    ours = read_macho(data, name)
    theirs = lief.MachO.parse(list(data))
    assert theirs is not None and len(theirs) == len(ours.slices), name
    for index, piece in enumerate(ours.slices):
        assert our_macho_facts(piece) == lief_macho_facts(theirs.at(index)), (name, piece.arch)
    return len(ours.slices)


def lief_pe_facts(binary) -> dict:
    lief = require_lief()

    def table(imports):
        return [
            (
                i.name,
                sorted(e.name for e in i.entries if not e.is_ordinal),
                sorted(e.ordinal for e in i.entries if e.is_ordinal),
            )
            for i in imports
        ]

    exports = sorted(e.name for e in binary.get_export().entries if e.name) if binary.has_exports else []
    return {
        "machine": int(binary.header.machine.value),
        "pe32_plus": binary.optional_header.magic.name == "PE32_PLUS",
        "imports": table(binary.imports),
        "delay": table(binary.delay_imports),
        "exports": exports,
        "is_dll": binary.header.has_characteristic(lief.PE.Header.CHARACTERISTICS.DLL),
    }


def our_pe_facts(pe) -> dict:
    def table(imports):
        return [(i.dll, sorted(i.symbols), sorted(i.ordinals)) for i in imports]

    return {
        "machine": pe.machine,
        "pe32_plus": pe.pe32_plus,
        "imports": table(pe.imports),
        "delay": table(pe.delay_imports),
        "exports": sorted(pe.exports),
        "is_dll": pe.is_dll,
    }


def compare_pe(name: str, data: bytes) -> None:
    lief = require_lief()
    assert our_pe_facts(read_pe(data, name)) == lief_pe_facts(lief.PE.parse(list(data))), name


def test_every_macho_binary_of_the_real_wheels_reads_as_lief_reads_it():
    slices = files = 0
    arches = set()
    for path in format_wheels():
        if "macosx" not in path:
            continue
        for name, data in members(path, MAGICS):
            slices += compare_macho(f"{os.path.basename(path)}!{name}", data)
            files += 1
            arches.update(s.arch for s in read_macho(data, name).slices)
    assert files >= 100 and slices > files  # fat files among them
    assert {"arm64", "x86_64"} <= arches


def test_every_pe_binary_of_the_real_wheels_reads_as_lief_reads_it():
    files = 0
    machines = set()
    for path in format_wheels():
        if "-win" not in path and not path.endswith("-any.whl"):
            continue
        for name, data in members(path, (b"MZ",)):
            compare_pe(f"{os.path.basename(path)}!{name}", data)
            machines.add(read_pe(data, name).arch)
            files += 1
    assert files >= 60
    assert machines == {"x86", "amd64", "arm64"}


def test_the_pinned_wheels_cover_every_platform_shape():
    names = [os.path.basename(w) for w in format_wheels()]
    assert len(names) >= 20
    for shape in (
        "macosx_11_0_arm64",
        "_x86_64.whl",
        "universal2",
        "abi3-macosx",
        "win_amd64",
        "win32",
        "win_arm64",
        "abi3-win",
    ):
        assert any(shape in name for name in names), shape


@pytest.mark.parametrize("bits,order", [(32, "<"), (32, ">"), (64, "<"), (64, ">")])
def test_generated_thin_macho_of_each_width_and_order_reads_as_lief_reads_it(bits, order):
    data = fw.macho(
        fw.CPU_I386 if bits == 32 else fw.CPU_X86_64,
        bits=bits,
        order=order,
        rpaths=("@loader_path/../lib", "/opt/homebrew/lib"),
        install_name="@rpath/libdemo.dylib",
        dylibs=(
            (fw.LC_LOAD_DYLIB, "/usr/lib/libSystem.B.dylib"),
            (fw.LC_LOAD_WEAK_DYLIB, "@rpath/w.dylib"),
            (fw.LC_REEXPORT_DYLIB, "@loader_path/r.dylib"),
        ),
        undefined=("_PyList_New", "_malloc"),
        defined=("_PyInit_demo", "_helper"),
    )
    compare_macho("generated", data)
    piece = read_macho(data, "generated").slices[0]
    assert [d.kind for d in piece.dylibs] == ["load", "weak", "reexport"]
    assert piece.py_init == ("_PyInit_demo",) and piece.bits == bits


@pytest.mark.parametrize("platform,name", [(1, "macos"), (2, "ios"), (7, "iossimulator"), (6, "maccatalyst")])
def test_the_build_version_platform_is_read(platform, name):
    data = fw.macho(platform=platform, minimum=(13, 4, 1))
    compare_macho("generated", data)
    piece = read_macho(data, "generated").slices[0]
    assert (piece.platform, piece.minimum) == (name, (13, 4, 1))


def test_version_min_macosx_is_read_when_there_is_no_build_version():
    data = fw.macho(fw.CPU_X86_64, minimum=(10, 9, 0), version_min=True)
    compare_macho("generated", data)
    assert read_macho(data, "generated").slices[0].minimum == (10, 9, 0)


def test_a_fat_file_reads_slice_by_slice():
    data = fw.fat([(fw.CPU_X86_64, fw.macho(fw.CPU_X86_64, minimum=(10, 9, 0))), (fw.CPU_ARM64, fw.macho())])
    assert compare_macho("generated", data) == 2


def test_a_64_bit_fat_header_reads_like_the_32_bit_one():
    # lief 1.0 does not read FAT_MAGIC_64: the oracle here is each slice read alone by lief.
    thin = [(fw.CPU_X86_64, fw.macho(fw.CPU_X86_64, minimum=(10, 9, 0))), (fw.CPU_ARM64, fw.macho())]
    wide = read_macho(fw.fat(thin, wide=True), "wide")
    narrow = read_macho(fw.fat(thin), "narrow")
    assert wide.slices == narrow.slices and wide.fat
    for (_cpu, image), piece in zip(thin, wide.slices):
        assert our_macho_facts(piece) == lief_macho_facts(require_lief().MachO.parse(list(image)).at(0))


@pytest.mark.parametrize("machine", [fw.MACHINE_AMD64, fw.MACHINE_I386, fw.MACHINE_ARM64])
def test_generated_pe_with_ordinals_and_delay_loads_reads_as_lief_reads_it(machine):
    data = fw.pe(
        machine,
        imports=(("python3.dll", ("PyList_New", 7)), ("KERNEL32.dll", ("GetLastError",))),
        delay_imports=(("USER32.dll", ("MessageBoxW", 12)),),
        exports=("PyInit_demo", "helper"),
    )
    compare_pe("generated", data)
    facts = image_facts(data, "generated", "demo.pyd")
    assert facts is not None
    piece = facts.slices[0]
    assert piece.optional_libraries == ("USER32.dll",) and "python3.dll:#7" in piece.imports
    assert piece.exports == ("PyInit_demo",)


def test_an_mz_file_without_a_pe_header_is_no_binary():
    assert image_facts(b"MZ" + b"\0" * 200, "dos", "dos.exe") is None


# -- hostile input ----------------------------------------------------------------------

SEEDS = [
    fw.macho(),
    fw.macho(fw.CPU_I386, bits=32, order=">", rpaths=("@loader_path",)),
    fw.fat([(fw.CPU_X86_64, fw.macho(fw.CPU_X86_64)), (fw.CPU_ARM64, fw.macho())]),
    fw.fat([(fw.CPU_X86_64, fw.macho(fw.CPU_X86_64))], wide=True),
    fw.pe(),
    fw.pe(fw.MACHINE_I386, delay_imports=(("a.dll", ("f", 3)),)),
]


def read_any(data: bytes) -> None:
    """Reading either succeeds or raises BinaryFormatError: nothing else."""
    try:
        image_facts(data, "mutant", "mutant.so")
    except BinaryFormatError as exc:
        assert str(exc).startswith("mutant: ")


def test_every_truncation_of_each_seed_is_read_or_refused():
    for seed in SEEDS:
        for size in range(0, len(seed), 3):
            read_any(seed[:size])


def test_hostile_mutations_are_read_or_refused_never_crash():
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    flips = st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), max_size=8)

    @hypothesis.settings(max_examples=400, deadline=None, derandomize=True)
    @hypothesis.given(st.sampled_from(range(len(SEEDS))), flips, st.integers(0, 1 << 16))
    def mutate(index, flips, cut):
        data = bytearray(SEEDS[index])
        for at, value in flips:
            data[at % len(data)] = value
        read_any(bytes(data[: max(cut, 8)]))

    mutate()


@pytest.mark.parametrize(
    "field_at,value,message",
    [
        (20, 0xFFFFFFF0, "sizeofcmds 4294967280 leaves the slice"),  # sizeofcmds far past the file
        (16, 0xFFFF, "65535 load commands cannot fit"),  # ncmds beyond what sizeofcmds holds
        (36, 4, "has size 4, out of bounds"),  # the first command's cmdsize below 8
        (36, 0x100000, "out of bounds"),  # ... or past the load-command area
    ],
)
def test_a_macho_field_out_of_bounds_is_named(field_at, value, message):
    data = bytearray(fw.macho())
    struct.pack_into("<I", data, field_at, value)
    with pytest.raises(BinaryFormatError, match=message):
        read_macho(bytes(data), "bad")


def test_rpaths_and_dylibs_per_slice_are_bounded():
    """The judge's work is dylibs x rpaths: a file with thousands of each is refused."""
    read_macho(fw.macho(rpaths=[f"@loader_path/{i}" for i in range(1024)]), "ok")
    with pytest.raises(BinaryFormatError, match="1025 rpaths, more than 4096 and 1024 allowed"):
        read_macho(fw.macho(rpaths=[f"@loader_path/{i}" for i in range(1025)]), "many")


def test_a_fat_count_of_a_java_class_file_is_not_taken_for_mach_o():
    from musldetect._audit._images import looks_like_image

    java = b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\0" * 64  # class file version 52
    assert not looks_like_image(java)
    with pytest.raises(BinaryFormatError, match="slices"):
        read_macho(java, "Demo.class")


def pe_field(data: bytearray, what: str) -> int:
    """The file offset of a PE header field of the generated image."""
    pe_at = struct.unpack_from("<I", data, 0x3C)[0]
    optional = pe_at + 24
    return {"e_lfanew": 0x3C, "sections": pe_at + 6, "import_rva": optional + 112 + 8}[what]


@pytest.mark.parametrize(
    "what,value,message",
    [
        ("e_lfanew", 0x7FFFFFF0, "PE signature and file header"),
        ("sections", 97, "97 sections, more than 96"),
        ("import_rva", 0x7FFF0000, "import descriptor 0 at address 0x7fff0000 is in no section"),
    ],
)
def test_a_pe_field_out_of_bounds_is_named(what, value, message):
    data = bytearray(fw.pe())
    struct.pack_into("<H" if what == "sections" else "<I", data, pe_field(data, what), value)
    with pytest.raises(BinaryFormatError, match=message):
        read_pe(bytes(data), "bad")


def test_import_and_export_work_is_bounded_in_total(monkeypatch):
    """Many descriptors may share one thunk table: the bound is on all entries read."""
    from musldetect._audit import _pe

    data = fw.pe(imports=[(f"d{i}.dll", ("f", "g", "h", "i")) for i in range(3)], exports=("PyInit_demo",))
    # 3 DLL names, 15 thunks (each table's end included), 12 import names, 1 export name
    monkeypatch.setattr(_pe, "MAX_ENTRIES", 31)
    assert len(read_pe(data, "ok").imports) == 3
    monkeypatch.setattr(_pe, "MAX_ENTRIES", 30)
    with pytest.raises(BinaryFormatError, match="more than 30 import and export entries in all"):
        read_pe(data, "many")


def test_a_pe_name_without_end_is_refused():
    """The first DLL name moved to the section's last 8 bytes, which hold no NUL."""
    data = bytearray(fw.pe(imports=(("python3.dll", ("PyList_New",)),), exports=()))
    import_rva = struct.unpack_from("<I", data, pe_field(data, "import_rva"))[0]
    struct.pack_into("<I", data, import_rva - 0x1000 + 0x400 + 12, 0x1000 + len(data) - 0x400 - 8)
    data[-8:] = b"x" * 8
    with pytest.raises(BinaryFormatError, match="has no end"):
        read_pe(bytes(data), "unterminated")


def test_a_truncated_pe_is_refused():
    with pytest.raises(BinaryFormatError):
        read_pe(fw.pe()[: 0x400 + 16], "cut")


# -- the Windows DLL lists ----------------------------------------------------------------


def test_the_windows_dll_lists_are_delvewheels():
    import importlib.util

    if importlib.util.find_spec("delvewheel") is None:
        skip_or_fail("delvewheel (the source of the Windows DLL lists) is not installed: pip install delvewheel")
    proc = subprocess.run(
        [sys.executable, os.path.join(TOOLS, "write_windows_dlls.py"), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
