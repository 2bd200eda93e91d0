"""Writes musldetect/_audit/_windows_dlls.json: which DLLs a Windows wheel may import without
vendoring them, because Windows or the Python install provides them.

Source: delvewheel's ``delvewheel/_dll_list.py`` (the list delvewheel, the Windows
counterpart of auditwheel, repairs wheels by): per machine the DLLs present on every
Windows 7 SP1 or later, the name patterns it never vendors (the interpreters' own DLLs,
API sets), and per ABI and platform tag the runtime DLLs the Python install ships
(``vcruntime140.dll`` and, on 64-bit, ``vcruntime140_1.dll``; never ``msvcp140.dll``).
Facts only; the file is read as data (loaded by path, without delvewheel's own imports).
tests/test_formats.py regenerates it from an installed delvewheel and fails when it differs.

    python tools/write_windows_dlls.py [DELVEWHEEL_DLL_LIST]   # rewrite the JSON
    python tools/write_windows_dlls.py --check                 # exit 1 when it would change
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from typing import Any, Dict, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(os.path.dirname(HERE), "musldetect", "_audit", "_windows_dlls.json")
MACHINES = {"I386": "x86", "AMD64": "amd64", "ARM64": "arm64"}


def installed_list() -> str:
    """The _dll_list.py of the installed delvewheel (found without importing the package)."""
    spec = importlib.util.find_spec("delvewheel")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("delvewheel is not installed (pip install delvewheel)")
    return os.path.join(list(spec.submodule_search_locations)[0], "_dll_list.py")


def lists_from_delvewheel(path: Optional[str] = None) -> Dict[str, Any]:
    path = path or installed_list()
    spec = importlib.util.spec_from_file_location("_delvewheel_dll_list", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("delvewheel")
    except PackageNotFoundError:
        release = "unknown"
    return {
        "source": f"delvewheel {release}: delvewheel/_dll_list.py",
        "written_by": "tools/write_windows_dlls.py",
        "system": {MACHINES[machine.name]: sorted(names) for machine, names in module.ignore_names.items()},
        "never_vendored": sorted(pattern.pattern for pattern in module.ignore_regexes),
        "python_runtime": {key: sorted(names) for key, names in module.ignore_by_abi_platform.items()},
        "python_runtime_abi3": {key: sorted(names) for key, names in module.ignore_abi3.items()},
    }


def render(data: Dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def main(argv: list) -> int:
    check = "--check" in argv
    paths = [arg for arg in argv if not arg.startswith("--")]
    text = render(lists_from_delvewheel(paths[0] if paths else None))
    if check:
        with open(TARGET) as fh:
            same = fh.read() == text
        print("up to date" if same else f"{TARGET} differs from delvewheel's lists")
        return 0 if same else 1
    with open(TARGET, "w") as fh:
        fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
