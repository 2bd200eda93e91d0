"""Image reads stay inside their root and never block: checked in the code, then recorded.

The code check reads the package: only ``_rootfs`` opens, lists or stats files, apart
from the few modules that read the running process's own files (never an image's). The
recorder (``rootfs_harness``) then watches every open, listing and stat while
``target(root=)`` and ``inspect(root=)`` run over named hostile images and over trees
hypothesis generates (MUSLDETECT_ROOTFS_TREES of them, 300 by default; CI's rootfs stage
runs 10,000): any access outside the root, any hang and any undocumented exception fails.
"""

from __future__ import annotations

import ast
import os
import shutil
import tempfile

import pytest

import musldetect

from rootfs_harness import (
    BASES,
    FILE_KINDS,
    INTERESTING,
    NAMES,
    NODE_KINDS,
    SYSCONFIG,
    Recorder,
    build_tree,
    exercise,
    link_targets,
    make_canary,
)

PACKAGE = os.path.dirname(musldetect.__file__)
FS_CALLS = {
    "open",
    "io.open",
    "os.open",
    "os.listdir",
    "os.scandir",
    "os.walk",
    "os.stat",
    "os.lstat",
    "os.readlink",
    "os.access",
    "os.path.exists",
    "os.path.lexists",
    "os.path.isdir",
    "os.path.isfile",
    "os.path.islink",
    "os.path.realpath",
    "os.path.getsize",
    "os.path.samefile",
}
# The running process's own files: /proc/self, the interpreter's prefix, the null device.
HOST_ONLY = {
    ("_backend_python", "open"): "/proc/self/maps of this process",
    ("_backend_python", "os.readlink"): "/proc/self/exe and the mapped loader of this process",
    ("_override", "open"): "the override file in sys.prefix / sys.base_prefix",
    ("_cli", "os.open"): "os.devnull, for a closed stdout",
    ("_cli", "open"): "./pyproject.toml, looked at for musldetect's waivers table (the host project's, no image)",
    ("_cli", "os.path.isdir"): "the folder of wheels audit --wheels-in names (a host folder, no image)",
    ("_cli", "os.walk"): "the wheels under that folder",
    ("_cli", "os.stat"): "the size of each input the command names, to hand the largest out first (opens nothing)",
    ("_gate", "os.path.isdir"): "the dist folder the pre-commit hook is told to audit (a host folder, no image)",
}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def filesystem_calls() -> set:
    found = set()
    for name in sorted(os.listdir(PACKAGE)):
        if not name.endswith(".py") or name == "_rootfs.py":
            continue
        with open(os.path.join(PACKAGE, name)) as fh:
            tree = ast.parse(fh.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _dotted(node.func) in FS_CALLS:
                found.add((name[:-3], _dotted(node.func)))
    return found


def test_only_rootfs_touches_files():
    """Nothing but ``_rootfs`` opens, lists or stats a path, except the reads of this
    process's own files named in HOST_ONLY (each with its reason)."""
    assert filesystem_calls() == set(HOST_ONLY)


def test_the_code_check_sees_a_stray_call(tmp_path, monkeypatch):
    """The check can fail: a module that lists a directory itself is found."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "_stray.py").write_text("import os\n\ndef f(root):\n    return os.listdir(root)\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", str(package))
    assert filesystem_calls() == {("_stray", "os.listdir")}


# -- named hostile images ----------------------------------------------------------------


@pytest.fixture
def canary(tmp_path):
    """A Python install outside the image that an escape would read (VERSION 3.99)."""
    outside = tmp_path / "outside"
    make_canary(str(outside))
    data = outside / "usr" / "lib" / "python3.11" / "_sysconfigdata__linux_x86_64-linux-gnu.py"
    data.write_bytes(SYSCONFIG.replace(b"'3.11'", b"'3.99'"))
    return str(outside)


def image(tmp_path, ops):
    root = tmp_path / "img"
    root.mkdir(parents=True)
    build_tree(
        str(root),
        [
            ("program", ("usr", "bin", "python3"), "/lib/ld-musl-x86_64.so.1"),
            ("musl_loader", ("lib", "ld-musl-x86_64.so.1"), ""),
        ]
        + ops,
    )
    return str(root)


def recorded(root, call):
    with Recorder(root) as recorder:
        result = call()
    assert not recorder.escapes, recorder.escapes
    assert recorder.accesses > 0  # it did watch
    return result


def test_absolute_lib_link_is_the_images(tmp_path, canary):
    """usr/lib -> <a host directory>: the image's own directory at that path is read, not
    the host's (before, the host's sysconfig data answered)."""
    twin = tuple(canary.lstrip("/").split("/")) + (
        "usr",
        "lib",
        "python3.11",
        "_sysconfigdata__linux_x86_64-linux-gnu.py",
    )
    root = image(tmp_path, [("symlink", ("usr", "lib"), canary + "/usr/lib"), ("sysconfig", twin, "")])
    target = recorded(root, lambda: musldetect.target(root=root))
    assert target.libc.family == "musl" and target.python is not None
    assert target.python.version == (3, 11)  # the image's data (VERSION 3.11), not the canary's 3.99


def test_a_syntax_error_in_sysconfig_data_reads_no_host_file(tmp_path, canary):
    """Older CPythons' parser opens the file named in ast.parse() to quote a bad line: the
    image's path must not be given as that name (the generated trees found it on 3.9)."""
    twin = tuple(canary.lstrip("/").split("/")) + (
        "usr",
        "lib",
        "python3.11",
        "_sysconfigdata__linux_x86_64-linux-gnu.py",
    )
    root = image(tmp_path, [("symlink", ("usr", "lib"), canary + "/usr/lib"), ("sysconfig_junk", twin, "x = (")])
    with pytest.raises(musldetect.ELFError, match="sysconfig data"):
        recorded(root, lambda: musldetect.target(root=root))


def test_dotdot_above_the_root_stays_at_the_root(tmp_path):
    """The loader's rule for "/..": it is "/". Every way of climbing out lands on the root."""
    from musldetect._rootfs import Root

    root = tmp_path / "img"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "x").write_text("inside")
    (root / "etc" / "up").symlink_to("../../../../etc")
    found = Root(str(root))
    for path in ("../../../etc/x", "etc/../../etc/x", "/../etc/x", "etc/up/x", "etc/up/../../../etc/x"):
        assert found.resolve(path) == "/etc/x", path
        assert found.read_file(path, 100) == b"inside", path


def test_relative_escape_is_clamped(tmp_path, canary):
    relative = "../" * 12 + canary.lstrip("/") + "/usr/lib/python3.11"
    root = image(tmp_path, [("symlink", ("usr", "lib", "python3.11"), relative)])
    target = recorded(root, lambda: musldetect.target(root=root))
    assert target.python is None and any("sysconfig" in reason for reason in target.reasons)


def test_sysconfig_link_to_host_file_is_rerooted(tmp_path, canary):
    data = canary + "/usr/lib/python3.11/_sysconfigdata__linux_x86_64-linux-gnu.py"
    root = image(
        tmp_path, [("symlink", ("usr", "lib", "python3.11", "_sysconfigdata__linux_x86_64-linux-gnu.py"), data)]
    )
    with pytest.raises(musldetect.ELFError, match="No such file or directory"):  # none inside the image
        recorded(root, lambda: musldetect.target(root=root))


@pytest.mark.parametrize(
    "kind,message",
    [("fifo", "a FIFO"), ("socket", "a socket"), ("chardev", "device" if os.geteuid() == 0 else "a FIFO")],
)
def test_special_files_are_refused_without_blocking(tmp_path, kind, message):
    root = image(tmp_path, [(kind, ("usr", "lib", "python3.11", "_sysconfigdata__linux_x86_64-linux-gnu.py"), "")])
    with pytest.raises(musldetect.ELFError, match=message):
        recorded(root, lambda: musldetect.target(root=root))
    other = image(tmp_path / "b", [(kind, ("usr", "local", "bin", "python3"), "")])
    with pytest.raises(musldetect.ELFError, match=message):
        recorded(other, lambda: musldetect.target(root=other))


def test_deep_nesting_and_long_link_chains(tmp_path):
    deep = ("d",) * 300
    chain = [("symlink", (f"l{i}",), f"/l{i + 1}") for i in range(39)]
    root = image(
        tmp_path,
        [("dir", deep, ""), ("symlink", deep + ("x",), "/" + "/".join(deep))]
        + chain
        + [("symlink", ("l39",), "/lib/ld-musl-x86_64.so.1")],
    )
    assert len(os.path.join(root, *deep)) > 600  # longer than many path buffers: no host path is used
    info = recorded(root, lambda: musldetect.inspect("/l0", root=root))
    assert info.family == "musl" and info.version == (1, 2, 4)
    os.symlink("/l0", os.path.join(root, "l40"))  # 41 links: one too many
    with pytest.raises(OSError, match="symbolic links"):
        recorded(root, lambda: musldetect.inspect("/l40", root=root))


def test_a_path_under_root_keeps_its_dot_names(tmp_path):
    """An absolute path already under the root is taken as it is, dot-names included."""
    root = image(
        tmp_path,
        [
            ("musl_loader", (".hidden", "ld-musl-x86_64.so.1"), ""),
            ("musl_loader", ("hidden", "ld-musl-x86_64.so.1"), "junk"),
        ],
    )
    given = os.path.join(root, ".hidden", "ld-musl-x86_64.so.1")
    info = recorded(root, lambda: musldetect.inspect(given, root=root))
    assert info.path == given


def test_huge_sparse_sysconfig_is_refused_by_size(tmp_path):
    root = image(tmp_path, [("sparse", ("usr", "lib", "python3.11", "_sysconfigdata__linux_x86_64-linux-gnu.py"), "")])
    with pytest.raises(musldetect.ELFError, match="larger than 8 MiB"):
        recorded(root, lambda: musldetect.target(root=root))


def test_the_recorder_sees_an_escape(tmp_path, canary):
    """The harness can fail: a read outside the root is reported."""
    root = image(tmp_path, [("symlink", ("away",), canary)])
    with Recorder(root) as recorder:
        os.listdir(canary)
        os.stat(os.path.join(canary, "usr"))
        fd = os.open(canary, os.O_RDONLY)
        os.close(fd)
        os.listdir(os.path.join(root, "away"))  # reads as inside, leads outside
    seen = {escape.split(":")[0] for escape in recorder.escapes}
    assert {"os.listdir", "os.stat", "os.open"} <= seen, recorder.escapes
    assert sum(canary in escape for escape in recorder.escapes if escape.startswith("os.listdir")) >= 2


# -- generated trees ---------------------------------------------------------------------

TREES = int(os.environ.get("MUSLDETECT_ROOTFS_TREES", "300"))


def test_generated_trees_stay_inside(tmp_path):
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import HealthCheck, settings
    from hypothesis import strategies as st

    outside = str(tmp_path / "outside")
    make_canary(outside)
    names = st.sampled_from(NAMES)
    paths = st.one_of(st.sampled_from(INTERESTING), st.lists(names, min_size=1, max_size=6).map(tuple))
    link_text = st.one_of(
        st.sampled_from(link_targets(outside)),
        st.tuples(st.booleans(), st.lists(names, min_size=1, max_size=5)).map(
            lambda t: ("/" if t[0] else "") + "/".join(t[1])
        ),
    )
    ops = st.one_of(
        st.tuples(st.just("dir"), paths, st.just("")),
        st.tuples(
            st.sampled_from(FILE_KINDS),
            paths,
            st.one_of(
                st.sampled_from(["/lib/ld-musl-x86_64.so.1", "/lib/loop", "/nope", "../../x"]), st.text(max_size=12)
            ),
        ),
        st.tuples(st.just("symlink"), paths, link_text),
        st.tuples(st.sampled_from(NODE_KINDS), paths, st.just("")),
    )
    base = str(tmp_path / "trees")
    os.mkdir(base)
    count = [0]

    @settings(
        max_examples=TREES, deadline=None, database=None, derandomize=False, suppress_health_check=list(HealthCheck)
    )
    @hypothesis.given(st.lists(ops, max_size=24), st.sampled_from(BASES))
    def one_tree(tree, base_ops):
        root = tempfile.mkdtemp(dir=base)
        try:
            build_tree(root, list(tree) + list(base_ops))
            exercise(root)  # raises Escape, Hang or an undocumented exception
            count[0] += 1
        finally:
            shutil.rmtree(root)

    one_tree()
    print(f"{count[0]} generated trees: no escape, no hang, no undocumented exception")
    assert count[0] >= TREES
