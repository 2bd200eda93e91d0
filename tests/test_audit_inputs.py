"""audit() on what users hand it: objects no loader maps, tags nobody declared, file names
installers refuse, and --resolve's question (would it load into *this* interpreter)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

import musldetect

from builders import compile_c, make_wheel, read_bytes

LIB = "int answer(void) { return 42; }\n"


def test_relocatable_objects_and_debug_files_are_noted_and_skipped(tmp_path):
    """auditwheel ignores them; a .o or a debug-info file beside a good library never fails the audit."""
    library = compile_c(tmp_path, "gcc", LIB, "libgood.so", "-shared", "-fPIC")
    obj = compile_c(tmp_path, "gcc", LIB, "part.o", "-c")
    debug = str(tmp_path / "libgood.debug")
    subprocess.run(["objcopy", "--only-keep-debug", library, debug], check=True)
    wheel = make_wheel(
        tmp_path,
        "pkg",
        ["cp312-cp312-manylinux_2_17_x86_64"],
        {"pkg/libgood.so": read_bytes(library), "pkg/part.o": read_bytes(obj), "pkg/libgood.debug": read_bytes(debug)},
    )
    result = musldetect.audit(wheel)
    assert [f.path for f in result.files] == ["pkg/libgood.so"]
    assert result.verdict in ("honest", "under-promises")
    notes = "\n".join(result.reasons)
    assert "skipped pkg/part.o: a relocatable object (ET_REL" in notes
    assert "skipped pkg/libgood.debug: " in notes and "debug-info" in notes
    alone = musldetect.audit(obj)
    assert alone.files == () and "skipped part.o" in alone.reasons[0]


def test_blame_says_why_even_when_no_tag_is_declared(tmp_path):
    """/usr/bin/ls needs libselinux: no manylinux policy allows it, and the blame names it."""
    ls = shutil.which("ls")
    result = musldetect.audit(ls)
    needs_selinux = any("libselinux" in name for name in result.files[0].needed)
    if not needs_selinux:
        pytest.skip("this ls links no library outside the manylinux policies")
    assert result.verdict == "undeclared"
    assert [b.cause for b in result.blame] == ["libselinux.so.1"]
    assert result.blame[0].tag.startswith("manylinux_2_") and result.blame[0].file == "ls"


NAMES = [
    "orjson-3.10.12-cp312-cp312-musllinux_1_2_x86_64.whl",
    "a_b-1.0-1-py3-none-any.whl",
    "pkg-1.0.post1.dev2+local.7-py3-none-any.whl",
    "pkg-1!2.0rc1-py3-none-any.whl",
    "pkg-v1.0-py3-none-any.whl",
    "pkg-1.0-cp312-cp312-linux_x86_64-extra.whl",
    "pkg-1.0-x1-py3-none-any.whl",
    "pkg-one-py3-none-any.whl",
    "a__b-1.0-py3-none-any.whl",
    "pk$g-1.0-py3-none-any.whl",
    "pkg-1.0-py3-none.whl",
    "pkg-1.0a-py3-none-any.whl",
]


@pytest.mark.parametrize("name", NAMES)
def test_invalid_wheel_names_are_flagged_as_packaging_reads_them(tmp_path, name):
    utils = pytest.importorskip("packaging.utils")
    try:
        utils.parse_wheel_filename(name)
        valid = True
    except utils.InvalidWheelFilename:
        valid = False
    wheel = make_wheel(tmp_path, "pkg", ["py3-none-any"], {"pkg/__init__.py": b""}, file_name=name)
    result = musldetect.audit(wheel)
    flagged = any("is not a valid wheel name" in reason for reason in result.reasons)
    assert flagged == (not valid), result.reasons
    if flagged:
        assert result.verdict == "inconsistent"


def test_resolve_answers_for_the_running_interpreter(tmp_path):
    """A musl extension does not load into a glibc interpreter (and the reverse), even when the
    other C library happens to be installed; the answer names the interpreter."""
    info = musldetect.libc()
    other = "musl-gcc" if info.family == "glibc" else "gcc"
    uses_libc = "#include <string.h>\nint answer(const char *s) { return (int)strlen(s); }\n"  # links the C library
    module = compile_c(tmp_path, other, uses_libc, "_ext.so", "-shared", "-fPIC")
    tag = "musllinux_1_1_x86_64" if other == "musl-gcc" else "manylinux_2_17_x86_64"
    wheel = make_wheel(tmp_path, "pkg", [f"cp312-cp312-{tag}"], {"pkg/_ext.so": read_bytes(module)})
    result = musldetect.audit(wheel, target=musldetect.target())
    assert result.loads is False
    assert "this interpreter (" in (result.target or "") and info.family in (result.target or "")
    assert "cannot be loaded into it" in result.resolutions[0][1].reason
    assert ".musldetect-audit" not in json.dumps(result.as_dict())


def test_resolve_names_another_arch_for_the_interpreter():
    """An aarch64 binary (Debian's arm64 getconf, from the corpus) does not load into an x86_64 interpreter."""
    from oracle import corpus_manifest, skip_or_fail

    if musldetect.libc().arch != "x86_64":
        pytest.skip("the corpus program used here is arm64; the host must be another arch")
    programs = [
        f"{row['dir']}/usr/bin/getconf"
        for row in corpus_manifest()
        if row["pkg"] == "libc-bin" and row["arch"] == "arm64"
    ]
    if not programs:
        skip_or_fail("no arm64 libc-bin in the corpus (tests/musl/fetch-corpus.sh)")
    result = musldetect.audit(programs[0], target=musldetect.target())
    ((_entry, found),) = result.resolutions
    assert result.loads is False
    assert found.reason.startswith("it is aarch64; the interpreter's process is x86_64, so it cannot be loaded")


# WHEEL files as build tools write them, read by Python's email parser as pip, pypa's
# installer and auditwheel read them: the oracle for which tags a WHEEL file declares.
WHEEL_FILES = [
    # ziglang 0.13.0: the email generator folds a header longer than 78 characters.
    "Wheel-Version: 1.0\nTag:\n py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.musllinux_1_1_x86_64\n",
    "Wheel-Version: 1.0\ntag: py3-none-any\nTAG: py2-none-any\n",  # names of any case
    "Tag: py3-none-any\n\nTag: py2-none-any\n",  # a blank line ends the headers
    "Tag: py3-none-\n any\n",  # folded inside the tag: no tag at all
    "Generator: x\r\nTag: py3-none-any\r\n",
]


def _email_tags(text: str) -> set:
    import email.parser

    tags = set()
    for value in email.parser.Parser().parsestr(text).get_all("Tag") or []:
        parts = value.strip().split("-")
        if len(parts) == 3:
            pythons, abis, platforms = (part.split(".") for part in parts)
            tags |= {f"{p}-{a}-{t}" for p in pythons for a in abis for t in platforms}
    return tags


@pytest.mark.parametrize("text", WHEEL_FILES)
def test_wheel_file_tags_read_as_installers_read_them(tmp_path, text):
    """The tags an audit reads from WHEEL are the email parser's; a folded Tag header is
    one tag, not a disagreement with the file name."""
    name = "zz-1.0-py3-none-any.whl"
    wheel = make_wheel(tmp_path, "zz", ["py3-none-any"], {"zz/__init__.py": b""}, file_name=name, wheel_file=text)
    result = musldetect.audit(wheel)
    declared = _email_tags(text)
    assert result.tags_agree == (declared == {"py3-none-any"}), (declared, result.reasons)
    if declared and declared != {"py3-none-any"}:
        assert ", ".join(sorted(declared)) in " ".join(result.reasons)
