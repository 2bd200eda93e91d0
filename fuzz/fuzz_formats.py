"""Coverage-guided fuzzing of the Mach-O and PE readers and the platform judges (atheris).

    python fuzz/fuzz_formats.py fuzz/corpus-formats --seed-corpus   # write the seeds, then fuzz
    python fuzz/fuzz_formats.py fuzz/corpus-formats -max_total_time=600

Each input is read as a Mach-O or PE file (by its magic, as a wheel member would be), and
its facts judged as the only binary of a macOS and of a Windows wheel. Reading must answer
or raise BinaryFormatError with a one-line message naming the input; judging must never
raise. Seeds are the test suite's generated files (tests/formatwriter.py): thin and fat,
32/64-bit, both orders, PE32 and PE32+ with delay-loaded and ordinal imports.
"""

from __future__ import annotations

import os
import sys

import atheris

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tests"))

with atheris.instrument_imports():
    import musldetect
    from musldetect._audit import _images, _judge_macos, _judge_windows, _macho, _pe  # noqa: F401

import formatwriter as fw  # noqa: E402


def seeds():
    yield fw.macho()
    yield fw.macho(fw.CPU_I386, bits=32, order=">", rpaths=("@loader_path/..",), install_name="@rpath/x.dylib")
    yield fw.macho(
        fw.CPU_X86_64,
        minimum=(10, 9, 0),
        version_min=True,
        dylibs=((fw.LC_LOAD_DYLIB, "@rpath/a.dylib"), (fw.LC_LOAD_WEAK_DYLIB, "/opt/homebrew/b.dylib")),
    )
    yield fw.fat([(fw.CPU_X86_64, fw.macho(fw.CPU_X86_64)), (fw.CPU_ARM64, fw.macho())], align=4)
    yield fw.fat([(fw.CPU_ARM64, fw.macho(platform=2))], wide=True, align=4)
    yield fw.pe()
    yield fw.pe(fw.MACHINE_I386, imports=(("python312.dll", ("PyList_New", 3)),), delay_imports=(("x.dll", ("f",)),))


def test_one_input(data: bytes) -> None:
    try:
        image = _images.image_facts(data, "input", "pkg/input.so")
    except musldetect.BinaryFormatError as exc:
        text = str(exc)
        if "\n" in text or not text.startswith("input: "):
            raise AssertionError(f"badly formed error: {text!r}") from exc
        return
    if image is None:
        return
    _judge_macos.judge_apple([image], ["macosx_10_9_universal2"])
    _judge_windows.judge_windows([image], ["win_amd64"], ["cp312-abi3-win_amd64"])


def main() -> None:
    args = [arg for arg in sys.argv if arg != "--seed-corpus"]
    if "--seed-corpus" in sys.argv:
        corpus = args[1]
        os.makedirs(corpus, exist_ok=True)
        for index, seed in enumerate(seeds()):
            with open(os.path.join(corpus, f"seed-{index}"), "wb") as fh:
                fh.write(seed)
    atheris.Setup(args, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
