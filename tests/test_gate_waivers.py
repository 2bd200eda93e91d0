"""Waivers on real audits: wheels built here with gcc, audited, their causes split by
waivers written in a real pyproject.toml and on the command line."""

from __future__ import annotations

import sys

import pytest

import musldetect
from musldetect._audit import _waivers

from builders import compile_c, make_wheel, read_bytes
from oracle import running_on_musl

RECENT_GLIBC = (
    "#include <sys/random.h>\nunsigned draw(void) { unsigned x = 0; getrandom(&x, sizeof x, 0); return x; }\n"
)
OPENMP = "#include <omp.h>\nint threads(void) { return omp_get_max_threads(); }\n"


def causes(result: musldetect.Audit) -> list:
    """The audit's blamed causes: each names its rule and file, all a waiver looks at."""
    return list(result.blame)


@pytest.fixture(scope="module")
def two_problem_path(tmp_path_factory) -> str:
    """A manylinux_2_17 wheel with an extension needing glibc 2.25 (getrandom) and one
    needing libgomp, which no policy allows."""
    if running_on_musl():
        pytest.skip("built with the host's gcc against glibc")
    tmp_path = tmp_path_factory.mktemp("waivers")
    draw = compile_c(tmp_path, "gcc", RECENT_GLIBC, "_draw.so", "-shared", "-fPIC")
    omp = compile_c(tmp_path, "gcc", OPENMP, "_omp.so", "-shared", "-fPIC", "-fopenmp")
    return make_wheel(
        tmp_path,
        "pair",
        ["cp312-cp312-manylinux_2_17_x86_64"],
        {"pair/_draw.so": read_bytes(draw), "pair/sub/_omp.so": read_bytes(omp)},
    )


@pytest.fixture(scope="module")
def two_problem_wheel(two_problem_path):
    return musldetect.audit(two_problem_path)


def test_a_waiver_sets_aside_only_its_rule_and_files(two_problem_wheel):
    found = causes(two_problem_wheel)
    assert {c.rule for c in found} == {"symbol-version-too-new", "library-not-allowed"}
    waivers = _waivers.from_command_line(
        [
            "symbol-version-too-new:pair/_draw*.so=getrandom is guarded by a runtime check",
            "library-not-allowed:pair/_draw.so=a waiver for the wrong file",
            "forbidden-symbol:*=matches nothing here",
        ]
    )
    applied = _waivers.apply(found, waivers)
    assert [c.cause for c in applied.kept] == ["libgomp.so.1"]
    assert [(w.cause.cause, w.waiver.reason) for w in applied.waived] == [
        ("getrandom@GLIBC_2.25", "getrandom is guarded by a runtime check")
    ]
    assert [w.rule for w in applied.unused] == ["library-not-allowed", "forbidden-symbol"]


def test_a_glob_reaches_into_folders_and_star_waives_every_file(two_problem_wheel):
    found = causes(two_problem_wheel)
    waivers = _waivers.from_command_line(
        [
            "library-not-allowed:pair/*.so=OpenMP comes from the system",
            "symbol-version-too-new:*=the wheel is tagged by hand",
        ]
    )
    applied = _waivers.apply(found, waivers)
    assert applied.kept == () and applied.unused == ()
    assert {w.cause.file for w in applied.waived} == {"pair/_draw.so", "pair/sub/_omp.so"}


def test_strict_ignores_every_waiver(two_problem_wheel):
    found = causes(two_problem_wheel)
    waivers = _waivers.from_command_line(["symbol-version-too-new:*=x", "library-not-allowed:*=y"])
    applied = _waivers.apply(found, waivers, strict=True)
    assert list(applied.kept) == found and applied.waived == () and applied.unused == ()


def test_waivers_from_pyproject(tmp_path, two_problem_wheel):
    if sys.version_info < (3, 11):
        pytest.importorskip("tomli")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "pair"\n\n[tool.musldetect.audit]\nwaive = [\n'
        '  { rule = "library-not-allowed", file = "pair/sub/_omp.so", reason = "libgomp: see #12" },\n'
        "]\n"
    )
    (waiver,) = _waivers.from_pyproject(str(pyproject))
    assert waiver == _waivers.Waiver(
        "library-not-allowed", "pair/sub/_omp.so", "libgomp: see #12", f"{pyproject}: waive[0]"
    )
    applied = _waivers.apply(causes(two_problem_wheel), (waiver,))
    assert [c.rule for c in applied.kept] == ["symbol-version-too-new"]
    assert [w.waiver.reason for w in applied.waived] == ["libgomp: see #12"]


@pytest.mark.parametrize(
    "text, words",
    [
        (
            '[tool.musldetect.audit]\nwaive = [{ rule = "library-not-allowed", file = "*", reason = " " }]\n',
            "gives no reason",
        ),
        ('[tool.musldetect.audit]\nwaive = [{ rule = "library-not-allowed", file = "*" }]\n', "three strings"),
        (
            '[tool.musldetect.audit]\nwaive = [{ rule = "no-such-rule", file = "*", reason = "r" }]\n',
            "the rules are abi-tag-malformed, android-api-too-new, arch-mismatch",
        ),
        (
            '[tool.musldetect.audit]\nwaive = [{ rule = "library-not-allowed", file = "", reason = "r" }]\n',
            "names no files",
        ),
        ('[tool.musldetect.audit]\nwaive = "library-not-allowed"\n', "array of tables"),
        ("[tool.musldetect]\naudit = 3\n", "is not a table"),
        ("[tool.musldetect.audit\n", "not readable TOML"),
        (b'[tool]\nx = "\xff"\n', "not readable TOML"),
    ],
)
def test_bad_pyproject_waivers_are_refused_clearly(tmp_path, text, words):
    if sys.version_info < (3, 11):
        pytest.importorskip("tomli")
    pyproject = tmp_path / "pyproject.toml"
    if isinstance(text, bytes):
        pyproject.write_bytes(text)
    else:
        pyproject.write_text(text)
    with pytest.raises(_waivers.WaiverError, match=words):
        _waivers.from_pyproject(str(pyproject))


def test_a_pyproject_without_the_table_waives_nothing(tmp_path):
    if sys.version_info < (3, 11):
        pytest.importorskip("tomli")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n[tool.other]\nwaive = 1\n')
    assert _waivers.from_pyproject(str(pyproject)) == ()


def test_a_huge_pyproject_is_refused_without_reading_it_all(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    with open(pyproject, "wb") as fh:
        fh.write(b"# " + b"x" * (_waivers.MAX_PYPROJECT + 10) + b"\n")
    with pytest.raises(_waivers.WaiverError, match="larger than"):
        _waivers.from_pyproject(str(pyproject))


@pytest.mark.parametrize(
    "text, words",
    [
        ("library-not-allowed:*", "is not written RULE:FILE-GLOB=REASON"),
        ("library-not-allowed=*:reason", "is not written"),
        ("library-not-allowed:*=", "gives no reason"),
        ("library_not_allowed:*=r", "no rule 'library_not_allowed'"),
    ],
)
def test_bad_command_line_waivers_are_refused_clearly(text, words):
    with pytest.raises(_waivers.WaiverError, match=words):
        _waivers.from_command_line([text])


def test_a_reason_may_hold_colons_and_equals_signs():
    (waiver,) = _waivers.from_command_line(["forbidden-symbol:pkg/x.so=see https://example.org/a?b=c"])
    assert waiver.files == "pkg/x.so" and waiver.reason == "see https://example.org/a?b=c"


# -- in the audit itself -----------------------------------------------------------------


# Where each record the judges make carries its rule id: Cause(rule, ...), Blame(..., rule)
# and Fault(..., rule), positionally or by keyword.
RULE_ARGUMENT = {"Cause": 0, "Blame": 4, "Fault": 5}


def rules_made_in_the_audit_package() -> set:
    import ast
    import os

    from musldetect import _audit

    made = set()
    folder = os.path.dirname(_audit.__file__)
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".py"):
            continue
        with open(os.path.join(folder, name)) as fh:
            tree = ast.parse(fh.read())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            record = getattr(node.func, "id", None)
            if record not in RULE_ARGUMENT:
                continue
            where = RULE_ARGUMENT[record]
            given = node.args[where] if len(node.args) > where else None
            given = next((k.value for k in node.keywords if k.arg == "rule"), given)
            if isinstance(given, ast.Constant):
                made.add(given.value)
    return made


def test_the_judges_name_only_known_rules_and_every_rule_has_a_cause():
    """RULES and the audit agree: each Cause, Blame and Fault the audit's modules make with
    a literal rule names a rule of RULES, and every rule is made somewhere (read from the
    sources of the whole audit package: the Linux policies, the python and ABI parts, the
    macOS, Windows and Android judges)."""
    made = rules_made_in_the_audit_package()
    assert made and sorted(made) == sorted(_waivers.RULES)


def test_an_audit_with_waivers_lists_them_and_blames_the_rest(two_problem_path, two_problem_wheel):
    assert two_problem_wheel.verdict == "inconsistent"  # libgomp: no policy provides it
    waivers = musldetect.load_waivers(
        command_line=["library-not-allowed:pair/sub/*=OpenMP is the system's", "forbidden-symbol:*=stale"]
    )
    result = musldetect.audit(two_problem_path, waivers=waivers)
    assert result.verdict == "over-promises"
    assert [(b.rule, b.cause) for b in result.blame] == [("symbol-version-too-new", "getrandom@GLIBC_2.25")]
    assert [(w.rule, w.file, w.cause, w.waiver.reason) for w in result.waived] == [
        ("library-not-allowed", "pair/sub/_omp.so", "libgomp.so.1", "OpenMP is the system's")
    ]
    assert [w.rule for w in result.unused_waivers] == ["forbidden-symbol"]
    every = musldetect.load_waivers(command_line=["library-not-allowed:*=r1", "symbol-version-too-new:*=r2"])
    assert musldetect.audit(two_problem_path, waivers=every).verdict == "honest"
    strict = musldetect.audit(two_problem_path, waivers=every, strict=True)
    assert strict == two_problem_wheel


def test_a_waiver_of_one_file_does_not_waive_the_same_rule_elsewhere(tmp_path):
    if running_on_musl():
        pytest.skip("built with the host's gcc against glibc")
    draw = read_bytes(compile_c(tmp_path, "gcc", RECENT_GLIBC, "_draw.so", "-shared", "-fPIC"))
    wheel = make_wheel(
        tmp_path, "two", ["cp312-cp312-manylinux_2_17_x86_64"], {"two/a/_draw.so": draw, "two/b/_draw.so": draw}
    )
    result = musldetect.audit(
        wheel,
        waivers=musldetect.load_waivers(
            command_line=["symbol-version-too-new:two/a/*=a checks the glibc version first"]
        ),
    )
    assert [b.file for b in result.blame] == ["two/b/_draw.so"] and result.verdict == "over-promises"
    assert [w.file for w in result.waived] == ["two/a/_draw.so"]


# -- the rules of the other parts of the tag and of the other OSes ------------------------


def test_an_abi3_symbol_outside_the_stable_abi_is_waivable(tmp_path):
    """A known false positive of the abi3 check (a symbol called only after a runtime
    version check) is waived by its rule, per file, and blocks again under --strict."""
    if running_on_musl():
        pytest.skip("built with the host's gcc against glibc")
    from test_wholetag import build, module

    so = build(tmp_path, module({"PyCode_New": "int", "PyLong_FromLong": "long"}), "_m.abi3.so")
    wheel = make_wheel(tmp_path, "m", ["cp310-abi3-manylinux_2_5_x86_64"], {"m/_m.abi3.so": so})
    blamed = musldetect.audit(wheel)
    assert [(b.rule, b.file) for b in blamed.blame] == [("not-in-stable-abi", "m/_m.abi3.so")]
    waivers = musldetect.load_waivers(
        command_line=["not-in-stable-abi:m/*=called only on the CPython it was built for", "extension-suffix:*=stale"]
    )
    waived = musldetect.audit(wheel, waivers=waivers)
    # Nothing left to blame; a binary free of any C library could be musllinux too: under-promises.
    assert waived.verdict == "under-promises" and not waived.blame
    assert [(w.rule, w.cause, w.waiver.reason) for w in waived.waived] == [
        ("not-in-stable-abi", "PyCode_New (not in the stable ABI)", "called only on the CPython it was built for")
    ]
    assert [w.rule for w in waived.unused_waivers] == ["extension-suffix"]
    assert musldetect.audit(wheel, waivers=waivers, strict=True) == blamed


def test_a_windows_dll_fault_is_waivable_and_its_inconsistency_goes_with_it(tmp_path):
    import formatwriter as fw

    pe = fw.pe(imports=(("python3.dll", ("PyList_New",)), ("msvcp140.dll", ("f",))))
    wheel = make_wheel(tmp_path, "demo", ["cp39-abi3-win_amd64"], {"demo/_d.pyd": pe})
    blamed = musldetect.audit(wheel)
    assert blamed.verdict == "inconsistent"
    assert [(b.rule, b.file, b.cause) for b in blamed.blame] == [("library-not-allowed", "demo/_d.pyd", "msvcp140.dll")]
    waivers = musldetect.load_waivers(command_line=["library-not-allowed:demo/_d.pyd=the VC++ redistributable"])
    waived = musldetect.audit(wheel, waivers=waivers)
    assert waived.verdict == "honest" and [w.waiver.reason for w in waived.waived] == ["the VC++ redistributable"]
    assert not waived.unused_waivers
    assert musldetect.audit(wheel, waivers=waivers, strict=True) == blamed


def test_a_macos_fault_names_its_rule(tmp_path):
    import formatwriter as fw

    one = fw.macho(fw.CPU_X86_64, minimum=(10, 13, 0))
    wheel = make_wheel(tmp_path, "demo", ["cp312-cp312-macosx_10_9_x86_64"], {"demo/_d.so": one})
    result = musldetect.audit(wheel)
    assert [(b.rule, b.cause) for b in result.blame] == [("minimum-os-too-new", "x86_64 needs macos 10.13")]
    waivers = musldetect.load_waivers(command_line=["minimum-os-too-new:*=only run on 10.13+ in practice"])
    assert musldetect.audit(wheel, waivers=waivers).verdict == "honest"
