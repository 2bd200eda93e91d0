"""The gate where users plug it in, driven by the real tools: pre-commit runs this
checkout's .pre-commit-hooks.yaml, and the README's pasted configuration, on a project
whose dist/ holds an honest and a dishonest wheel, and cibuildwheel's own code expands its
audit-command for musldetect and decides which wheels get audited. The tools come from
PyPI; the tests run with MUSLDETECT_GATE=1 (.ci/run's gate stage), and then fail when a
tool is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Tuple

import pytest

from builders import compile_c, make_wheel, read_bytes
from oracle import require_gate, running_on_musl

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECENT_GLIBC = (
    "#include <sys/random.h>\nunsigned draw(void) { unsigned x = 0; getrandom(&x, sizeof x, 0); return x; }\n"
)


def glibc_wheels(directory) -> tuple:
    """(honest, dishonest): one extension needing glibc 2.25, tagged 2_26 and 2_17."""
    if running_on_musl():
        pytest.skip("built with the host's gcc against glibc")
    module = read_bytes(compile_c(directory, "gcc", RECENT_GLIBC, "_draw.so", "-shared", "-fPIC"))
    honest = make_wheel(directory, "fine", ["cp312-cp312-manylinux_2_26_x86_64"], {"fine/_draw.so": module})
    over = make_wheel(directory, "over", ["cp312-cp312-manylinux_2_17_x86_64"], {"over/_draw.so": module})
    return honest, over


def git(cwd, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True, capture_output=True
    )


# -- pre-commit -------------------------------------------------------------------------


def hook_repository(directory) -> str:
    """This checkout's files as a fresh git repository, which pre-commit installs from (the
    checkout itself may be an unpacked sdist or a scratch copy without .git)."""
    copy = os.path.join(str(directory), "musldetect-hooks")
    shutil.copytree(
        CHECKOUT,
        copy,
        ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__", "*.so", ".*_cache", ".mypy_cache"),
    )
    git(copy, "init", "-q")
    git(copy, "add", ".")
    git(copy, "commit", "-q", "-m", "the checkout")
    return copy


def require_pre_commit() -> None:
    require_gate()
    if shutil.which("git") is None:
        pytest.fail("git is missing")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.fail("pre-commit is not installed (pip install pre-commit; .ci/run's gate stage does)")


def project_with_dist(tmp_path, *files: Tuple[str, str]):
    """A git project whose ignored dist/ holds ``files``, committed with nothing staged."""
    project = tmp_path / "project"
    (project / "dist").mkdir(parents=True)
    (project / ".gitignore").write_text("dist/\n")
    (project / "README").write_text("a project\n")
    for name, text in files:
        (project / name).write_text(text)
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "start")
    return project


def pre_commit(tmp_path, project, *args: str):
    """pre-commit itself in ``project``; a pure install of the gate, as on a host without a compiler."""
    env = dict(
        os.environ,
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        MUSLDETECT_BUILD_EXT="never",
        SKIP="",
        PRE_COMMIT_COLOR="never",
    )
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_pre_commit_runs_the_hook_on_dist_without_staged_files(tmp_path):
    require_pre_commit()
    project = project_with_dist(tmp_path)
    honest, over = glibc_wheels(tmp_path)
    hooks = hook_repository(tmp_path)
    shutil.copy(honest, project / "dist")

    def try_repo(*args: str):
        return pre_commit(tmp_path, project, "try-repo", hooks, "musldetect-audit", "--verbose", *args)

    passed = try_repo()
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-2000:]
    assert "fine-1.0-cp312-cp312-manylinux_2_26_x86_64.whl: honest" in passed.stdout
    shutil.copy(over, project / "dist")
    failed = try_repo()
    assert failed.returncode == 1, failed.stdout[-3000:]
    assert "over-1.0-cp312-cp312-manylinux_2_17_x86_64.whl: over-promises" in failed.stdout
    assert "getrandom@GLIBC_2.25" in failed.stdout
    # Over every file of the repository too, the hook is given no file names: the verdict is dist/'s.
    every = try_repo("--all-files")
    assert every.returncode == 1 and "README" not in every.stdout, every.stdout[-3000:]


README = os.path.join(CHECKOUT, "README.md")
DOCS = os.path.join(CHECKOUT, "docs", "gate.md")


def fenced_block(path: str, language: str) -> str:
    """The first ```language block of ``path``: what users paste."""
    with open(path) as fh:
        text = fh.read()
    return text.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_the_readmes_pre_commit_configuration_works_when_pasted(tmp_path):
    require_pre_commit()
    pasted = fenced_block(README, "yaml")
    assert "additional_dependencies: [musldetect]" in pasted and "id: musldetect-audit" in pasted
    assert pasted == fenced_block(DOCS, "yaml"), "docs/gate.md gives another pre-commit configuration than the README"
    # The hook's environment installs this checkout where users get "musldetect" from PyPI.
    local = pasted.replace("[musldetect]", f"[{hook_repository(tmp_path)!r}]")
    project = project_with_dist(tmp_path, (".pre-commit-config.yaml", local))
    honest, over = glibc_wheels(tmp_path)
    missing = pre_commit(tmp_path, project, "run", "--verbose")  # before any build: dist/ is empty
    assert missing.returncode == 0, missing.stdout[-3000:] + missing.stderr[-2000:]
    shutil.copy(honest, project / "dist")
    passed = pre_commit(tmp_path, project, "run", "--verbose")  # nothing staged: the hook runs all the same
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-2000:]
    assert "fine-1.0-cp312-cp312-manylinux_2_26_x86_64.whl: honest" in passed.stdout
    shutil.copy(over, project / "dist")
    failed = pre_commit(tmp_path, project, "run", "--all-files", "--verbose")
    assert failed.returncode == 1, failed.stdout[-3000:]
    assert "over-1.0-cp312-cp312-manylinux_2_17_x86_64.whl: over-promises" in failed.stdout


# -- cibuildwheel -----------------------------------------------------------------------


def documented_cibuildwheel_table() -> str:
    """The first ```toml block of the README, which docs/gate.md repeats word for word."""
    block = fenced_block(README, "toml")
    assert block == fenced_block(DOCS, "toml"), "docs/gate.md gives another cibuildwheel table than the README"
    assert block.startswith("[tool.cibuildwheel]\n") and 'audit-requires = ["musldetect"]' in block
    return block


def cibuildwheel_options(project, platform: str, table: str):
    """cibuildwheel's own reading of ``table`` in ``project``'s pyproject.toml."""
    from cibuildwheel.options import CommandLineArguments, Options

    (project / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1"\n\n' + table)
    args = CommandLineArguments.defaults()
    args.platform, args.package_dir = platform, project
    options = Options(platform, args, env={})
    return options.build_options(None)


def test_cibuildwheel_audits_every_wheel_with_the_documented_configuration(tmp_path, monkeypatch, capfd):
    require_gate()
    try:
        from cibuildwheel import errors
        from cibuildwheel.audit import needs_audit, run_audit
    except ImportError:
        pytest.fail("cibuildwheel is not installed (pip install cibuildwheel uv; .ci/run's gate stage does)")
    from pathlib import Path

    project = tmp_path / "project"
    project.mkdir()
    table = documented_cibuildwheel_table()
    for platform in ("linux", "macos", "windows"):
        found = cibuildwheel_options(project, platform, table)
        assert found.audit_requires == ["musldetect"] and found.audit_command == ["musldetect audit {wheel}"]
        # {wheel}: every wheel is audited; cibuildwheel's default audits abi3 wheels only.
        assert needs_audit(found.audit_command, "p-1-cp312-cp312-manylinux_2_17_x86_64.whl")
        assert not needs_audit(
            cibuildwheel_options(project, platform, "").audit_command, "p-1-cp312-cp312-manylinux_2_17_x86_64.whl"
        )
    # The audit venv installs this checkout where users install "musldetect" from PyPI, built
    # pure as on a host without a compiler; uv makes the venv (no download of virtualenv.pyz).
    local = table.replace('audit-requires = ["musldetect"]', f"audit-requires = [{CHECKOUT!r}]")
    linux = cibuildwheel_options(project, "linux", local + 'build-frontend = "build[uv]"\n')
    monkeypatch.setenv("MUSLDETECT_BUILD_EXT", "never")
    honest, over = glibc_wheels(tmp_path)
    run_audit(tmp_dir=tmp_path / "cibw", build_options=linux, wheel=Path(honest))
    assert "fine-1.0-cp312-cp312-manylinux_2_26_x86_64.whl: honest" in capfd.readouterr().out
    with pytest.raises(errors.AuditCommandFailedError) as failed:
        run_audit(tmp_dir=tmp_path / "cibw", build_options=linux, wheel=Path(over))
    assert isinstance(failed.value.__cause__, subprocess.CalledProcessError)
    assert failed.value.__cause__.returncode == 1
    assert "getrandom@GLIBC_2.25" in capfd.readouterr().out
    # cibuildwheel runs the command from where it was started, the project's root: the
    # waivers of the project's pyproject.toml apply with no other option.
    with open(project / "pyproject.toml", "a") as fh:
        fh.write(
            '\n[tool.musldetect.audit]\nwaive = [{ rule = "symbol-version-too-new", file = "over/*", '
            'reason = "getrandom is looked up at run time" }]\n'
        )
    monkeypatch.chdir(project)
    run_audit(tmp_dir=tmp_path / "cibw", build_options=linux, wheel=Path(over))
    out = capfd.readouterr().out
    assert "over-1.0-cp312-cp312-manylinux_2_17_x86_64.whl: honest" in out
    assert "[symbol-version-too-new]: getrandom is looked up at run time" in out
