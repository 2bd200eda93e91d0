"""What ``musldetect audit WHEEL`` costs beyond the audit (issue 33): a command line of a
command and paths alone is read without argparse, and reads as argparse reads it; no command
line makes the parser ask the terminal's width (shutil, which imports bz2 and lzma); and a
Linux wheel's audit never imports the macOS, Windows or Android judges. The imports are read
from a fresh interpreter's ``sys.modules`` after the command ran on real wheels: one built
here with gcc, and with MUSLDETECT_WHEELS (.ci/run's gate stage) the first PyPI ones."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import formatwriter as fw
import pytest

import musldetect._cli as cli

from builders import compile_c, make_wheel, read_bytes

TAG = f"cp312-cp312-linux_{os.uname().machine}"
JUDGES = {f"musldetect._audit._judge_{name}" for name in ("android", "macos", "windows")}
PARSING = {"argparse", "gettext", "locale"}
TERMINAL = {"shutil", "bz2", "lzma"}  # shutil.get_terminal_size's module, and what shutil imports
LOADER = {"musldetect._loader", "musldetect._loader._resolve"}  # an audit names its records, resolves nothing

CHILD = """
import json, sys
bare = set(sys.modules)
from musldetect._cli import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "modules": sorted(set(sys.modules) - bare)}), file=sys.stderr)
"""


def run_command(*argv: str) -> set:
    """The modules a fresh interpreter imported for the command (beyond its own start-up)."""
    proc = subprocess.run([sys.executable, "-c", CHILD, *argv], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr, proc.stderr
    found = json.loads(proc.stderr.splitlines()[-1])
    assert found["status"] in (0, 1), proc.stderr  # judged, whatever the verdict
    return set(found["modules"])


@pytest.fixture(scope="module")
def linux_wheels(tmp_path_factory) -> list:
    directory = tmp_path_factory.mktemp("startup")
    library = read_bytes(compile_c(directory, "gcc", "int f(void) { return 1; }\n", "_m.so", "-shared", "-fPIC"))
    built = make_wheel(directory, "plain", [TAG], {"plain/_m.so": library})
    real = sorted(glob.glob(os.path.join(os.environ.get("MUSLDETECT_WHEELS", "/nonexistent"), "*linux*.whl")))
    return [built] + real[:2]


def test_one_linux_wheel_imports_no_parser_no_terminal_and_no_other_platforms_judge(linux_wheels):
    for wheel in linux_wheels:
        loaded = run_command("audit", wheel)
        assert "musldetect._audit._judge" in loaded, loaded  # the report is read: the audit ran here
        unwanted = PARSING | TERMINAL | JUDGES | LOADER
        assert not loaded & unwanted, (wheel, loaded & unwanted)


def _imported_by_argparse() -> set:
    """What ``import argparse`` alone loads in a fresh interpreter: on 3.8 its gettext
    import brings shutil (and bz2, lzma) whatever the command does."""
    child = (
        "import json, sys; bare = set(sys.modules); import argparse; print(json.dumps(sorted(set(sys.modules) - bare)))"
    )
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(proc.stdout))


def test_an_option_goes_to_argparse_which_still_asks_no_terminal(linux_wheels):
    loaded = run_command("audit", "--strict", linux_wheels[0])
    assert "argparse" in loaded  # the control: the plain command line above is what skipped it
    unwanted = (TERMINAL - _imported_by_argparse()) | JUDGES
    assert not loaded & unwanted, loaded & unwanted


@pytest.mark.parametrize("platform", ["windows", "macos"])
def test_another_platforms_wheel_imports_its_judge_alone(tmp_path, platform):
    """The control of the lazy import: the judge a wheel goes to is imported, no other."""
    if platform == "windows":
        wheel = make_wheel(tmp_path, "demo", ["cp39-abi3-win_amd64"], {"demo/_demo.pyd": fw.pe()})
    else:
        wheel = make_wheel(tmp_path, "demo", ["cp39-abi3-macosx_11_0_arm64"], {"demo/_demo.abi3.so": fw.macho()})
    assert run_command("audit", wheel) & JUDGES == {f"musldetect._audit._judge_{platform}"}


NAMES = [name for command in cli.COMMANDS for name in (command.name, *command.aliases)]


@pytest.mark.parametrize("name", NAMES)
def test_every_command_and_paths_read_as_argparse_reads_them(name):
    """Each command's own defaults (a new option's too), for one path and several; a
    command that takes no path is left to argparse."""
    for argv in ([name, "a.whl"], [name, "a.whl", "b.whl", "", name]):
        plain = cli._plain_arguments(argv)
        try:
            parsed = cli._parser(argv).parse_args(argv)
        except SystemExit:  # argparse refuses it (the command takes no path): so must the plain reading
            assert plain is None
            continue
        assert plain is not None
        assert vars(plain) == vars(parsed) == vars(cli._parser().parse_args(argv))
    assert any(cli._plain_arguments([name, "a.whl"]) for name in NAMES)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["audit"],
        ["audit", "--strict", "a.whl"],
        ["audit", "a.whl", "--json"],
        ["--json", "audit", "a.whl"],
        ["audit", "--", "a.whl"],
        ["audit", "-"],
        ["inspect", "-h"],
        ["target", "x"],
        ["tags", "x"],
        ["backends", "x"],
        ["nothing", "a.whl"],
    ],
)
def test_anything_else_goes_to_argparse(argv):
    """Options, no path, a command that takes none, an unknown one: argparse decides."""
    assert cli._plain_arguments(argv) is None
