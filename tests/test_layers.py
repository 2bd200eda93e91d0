"""The package's structure: imports point down the layers, and every backend keeps the contract."""

from __future__ import annotations

import ast
import inspect
import os

import musldetect
from musldetect import _dispatch
from musldetect._types import RawLibc

# Lowest first; a module may import only from a lower layer (see musldetect/__init__.py).
LAYERS = [
    {"_types", "_version", "_cffi_decls"},
    {"_rootfs"},
    {"_elf", "_rules", "_override"},
    {"_libcfile"},
    {"_backend_native", "_backend_cffi", "_backend_python", "_inspect"},
    {"_result"},
    {"_tags", "_dispatch", "_python"},
    {"_platform"},
    {"_target"},
    {"_api"},
    {"__init__"},
    {"_cli", "_pytest_plugin"},
    {"__main__"},
]
LAYER = {module: level for level, modules in enumerate(LAYERS) for module in modules}
PACKAGE = os.path.dirname(musldetect.__file__)


def package_imports(module: str) -> set:
    """Every musldetect module ``module`` imports, at the top or inside a function."""
    with open(os.path.join(PACKAGE, module + ".py")) as fh:
        tree = ast.parse(fh.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module)
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("musldetect."):
            found.add(node.module.split(".", 1)[1])
    return found - {"_native"}  # the extension: a backend's own part


def test_every_module_has_a_layer():
    modules = {name[:-3] for name in os.listdir(PACKAGE) if name.endswith(".py")}
    assert modules == set(LAYER), "place new modules in LAYERS (and the picture in musldetect/__init__.py)"


def test_imports_point_down():
    upward = []
    for module in LAYER:
        for target in package_imports(module):
            if LAYER[target] >= LAYER[module]:
                upward.append(f"{module} (layer {LAYER[module]}) imports {target} (layer {LAYER[target]})")
    assert not upward, upward


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
