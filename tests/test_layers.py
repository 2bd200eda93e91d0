"""The package's structure: imports point down the layers, and every backend keeps the contract."""

from __future__ import annotations

import ast
import inspect
import os

import pytest

import musldetect
from musldetect import _dispatch
from musldetect._types import RawLibc


def layers_from_picture(docstring: str) -> list:
    """The layer picture in the package docstring, lowest layer first: the indented block
    after "::", a layer a line (a deeper-indented line continues the one above), the
    modules before the first run of two spaces, separated by commas."""
    block = docstring.split("::\n", 1)[1]
    lines = []
    for line in block.split("\n")[1:]:
        if not line.strip():
            break
        lines.append(line)
    base = min(len(line) - len(line.lstrip()) for line in lines)
    layers: list = []
    for line in lines:
        names = {name.strip() for name in line.strip().split("  ")[0].split(",") if name.strip()}
        if len(line) - len(line.lstrip()) > base:
            layers[-1] |= names
        else:
            layers.append(names)
    return layers[::-1]


# Lowest first; a module may import only from a lower layer.
LAYERS = layers_from_picture(musldetect.__doc__)
LAYER = {module: level for level, modules in enumerate(LAYERS) for module in modules}
PACKAGE = os.path.dirname(musldetect.__file__)


SUBPACKAGES = sorted(name for name in os.listdir(PACKAGE) if os.path.isfile(os.path.join(PACKAGE, name, "__init__.py")))


def package_files(module: str) -> list:
    """The source files of a layer's entry: one module, or every module of a subpackage
    (a cold domain is one room in the picture; its own docstring orders its inside)."""
    if module in SUBPACKAGES:
        folder = os.path.join(PACKAGE, module)
        return sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".py"))
    return [os.path.join(PACKAGE, module + ".py")]


def _imported_from(node: ast.ImportFrom, inside: bool) -> set:
    """The layer entries one ``from`` import names; ``inside`` says the file is in a subpackage."""
    top_level = 2 if inside else 1
    if node.level == top_level:
        if node.module:
            return {node.module.split(".")[0]}
        # from . import X: a module of the package, or a public name of __init__
        return {
            alias.name if alias.name.startswith("_") and alias.name != "__version__" else "__init__"
            for alias in node.names
        }
    if node.level == 0 and node.module and node.module.startswith("musldetect."):
        return {node.module.split(".")[1]}
    return set()  # inside a subpackage, "from . import": its own rooms


def package_imports(module: str) -> set:
    """Every musldetect module or subpackage ``module`` imports, at the top or inside a function."""
    found = set()
    for path in package_files(module):
        with open(path) as fh:
            tree = ast.parse(fh.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                found |= _imported_from(node, module in SUBPACKAGES)
    return found - {"_native", module}  # the extension: a backend's own part


def test_every_module_has_a_layer():
    modules = {name[:-3] for name in os.listdir(PACKAGE) if name.endswith(".py")} | set(SUBPACKAGES)
    assert modules == set(LAYER), "place new modules in the layer picture in musldetect/__init__.py"
    assert sum(len(layer) for layer in LAYERS) == len(LAYER), "a module is in two layers of the picture"


def test_the_picture_is_read_as_drawn():
    """The reader of the picture must see a moved line: two lines swapped swap two layers."""
    doc = musldetect.__doc__
    assert LAYERS[0] == {"_types", "_version", "_cffi_decls"} and LAYERS[-1] == {"__main__"}
    assert {"_backend_python", "_inspect", "_backend_native"} <= LAYERS[LAYER["_inspect"]]
    lines = doc.split("\n")
    result = next(i for i, line in enumerate(lines) if line.startswith("    _result"))
    libcfile = next(i for i, line in enumerate(lines) if line.startswith("    _libcfile"))
    lines[result], lines[libcfile] = lines[libcfile], lines[result]
    moved = layers_from_picture("\n".join(lines))
    assert moved.index(LAYERS[LAYER["_result"]]) < moved.index(LAYERS[LAYER["_libcfile"]])


def test_imports_point_down():
    upward = []
    for module in LAYER:
        for target in package_imports(module):
            if LAYER[target] >= LAYER[module]:
                upward.append(f"{module} (layer {LAYER[module]}) imports {target} (layer {LAYER[target]})")
    assert not upward, upward


# The faces over the library: they may use what a user may use, their own words, and how
# tags are spelled (the grammar is vocabulary, not a fact of the library).
FACES = {
    "_cli": {"__init__", "_explain", "_grammar"},
    "_explain": {"__init__"},
    "_pytest_plugin": {"__init__"},
    "__main__": {"_cli"},
}


def test_the_command_uses_only_the_public_package():
    """The CLI and the pytest plugin are faces: whatever they need is public API first."""
    for module, allowed in FACES.items():
        assert package_imports(module) <= allowed, (module, package_imports(module) - allowed)
        assert package_imports(module), module  # the check reads the imports at all


def subpackage_layers(subpackage: str) -> dict:
    """A subpackage's inner picture (its own docstring's, in the same form): module -> level."""
    with open(os.path.join(PACKAGE, subpackage, "__init__.py")) as fh:
        docstring = ast.get_docstring(ast.parse(fh.read()))
    assert docstring, subpackage
    return {module: level for level, modules in enumerate(layers_from_picture(docstring)) for module in modules}


def inner_imports(subpackage: str, module: str) -> set:
    """The modules of its own subpackage that ``module`` (one file of it) imports."""
    with open(os.path.join(PACKAGE, subpackage, module + ".py")) as fh:
        tree = ast.parse(fh.read())
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 1:
            found |= {node.module.split(".")[0]} if node.module else {alias.name for alias in node.names}
        elif node.level == 0 and node.module and node.module.startswith(f"musldetect.{subpackage}."):
            found.add(node.module.split(".")[2])
    return found - {module}


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_every_module_of_a_subpackage_has_an_inner_layer(subpackage):
    modules = {name[:-3] for name in os.listdir(os.path.join(PACKAGE, subpackage)) if name.endswith(".py")}
    assert modules == set(subpackage_layers(subpackage)), f"place them in musldetect/{subpackage}/__init__.py's picture"


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_imports_inside_a_subpackage_point_down(subpackage):
    layer = subpackage_layers(subpackage)
    upward = [
        f"{subpackage}.{module} (layer {layer[module]}) imports {target}"
        for module in layer
        for target in inner_imports(subpackage, module)
        if layer.get(target, len(layer)) >= layer[module]
    ]
    assert not upward, upward


def test_the_inner_layer_test_sees_an_upward_import(tmp_path, monkeypatch):
    """The inner check reads both spellings of an import of a sibling module."""
    folder = tmp_path / "_audit"
    folder.mkdir()
    with open(os.path.join(PACKAGE, "_audit", "_records.py")) as fh:
        source = fh.read()
    (folder / "_records.py").write_text(
        source + "\nfrom ._judge import judge\nfrom . import _read\nfrom musldetect._audit._in_target import resolved\n"
    )
    monkeypatch.setattr(__import__(__name__), "PACKAGE", str(tmp_path))
    assert {"_judge", "_read", "_in_target"} <= inner_imports("_audit", "_records")


def test_the_layer_test_sees_an_upward_import(tmp_path, monkeypatch):
    """The check above is only worth something if it can see a bad edge."""
    with open(os.path.join(PACKAGE, "_result.py")) as fh:
        source = fh.read() + "\nfrom ._api import libc\n"
    (tmp_path / "_result.py").write_text(source)
    monkeypatch.setattr(__import__(__name__), "PACKAGE", str(tmp_path))
    assert "_api" in package_imports("_result")


def test_every_backend_keeps_the_contract(backend_module):
    assert backend_module.NAME in _dispatch.BACKEND_ORDER
    assert backend_module.__name__.endswith("_backend_" + backend_module.NAME)
    assert not inspect.signature(backend_module.detect_libc).parameters
    raw = backend_module.detect_libc()
    assert type(raw) is RawLibc and raw.family in ("musl", "glibc")
    assert isinstance(raw.reason, str) and isinstance(raw.static, bool)
    assert raw.min_version is None or (len(raw.min_version) == 3 and all(isinstance(n, int) for n in raw.min_version))
    assert raw.time64_symbols is None or isinstance(raw.time64_symbols, bool)
    assert raw.requires is None  # inspect()'s field, not a process fact
    self_check = getattr(backend_module, "self_check", None)
    assert self_check is None or self_check() == ""
    partial = getattr(backend_module, "partial", None)  # where /proc is mounted, every answer is whole
    assert partial is None or partial() == ""
