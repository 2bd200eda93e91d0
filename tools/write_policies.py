"""Writes musldetect/_audit/_policies.json: the manylinux (PEP 600) and musllinux (PEP 656) policies
that ``musldetect.audit()`` holds wheels to.

Source: auditwheel's published policy files (``auditwheel/policy/manylinux-policy.json``
and ``musllinux-policy.json`` in the installed auditwheel, the data pypa/auditwheel
derives from the manylinux reference images). Facts only are taken: per policy its tag,
legacy aliases, the libraries a wheel may link without vendoring, per architecture the
symbol versions each of those libraries provides (GLIBC_, GLIBCXX_, CXXABI_, GCC_, ZLIB_,
...), and the symbols a library exports but a wheel must not use. tests/test_policies.py
regenerates the data from whichever auditwheel is installed and fails when it differs, so
a new manylinux release is a failing check, not a silent gap.

    python tools/write_policies.py           # rewrite musldetect/_audit/_policies.json
    python tools/write_policies.py --check   # exit 1 when it would change
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(os.path.dirname(HERE), "musldetect", "_audit", "_policies.json")
FAMILIES = {"manylinux": "manylinux-policy.json", "musllinux": "musllinux-policy.json"}


def _version(name: str) -> List[int]:
    _family, major, minor = name.split("_")
    return [int(major), int(minor)]


def policies_from_auditwheel() -> Dict[str, Any]:
    from importlib.metadata import version

    import auditwheel

    directory = os.path.join(os.path.dirname(auditwheel.__file__), "policy")
    data: Dict[str, Any] = {
        "source": f"auditwheel {version('auditwheel')}: auditwheel/policy/{{manylinux,musllinux}}-policy.json",
        "written_by": "tools/write_policies.py",
    }
    for family, file_name in FAMILIES.items():
        with open(os.path.join(directory, file_name)) as fh:
            raw = json.load(fh)
        entries = []
        for policy in raw:
            if policy["name"] == "linux":
                continue
            entries.append(
                {
                    "name": policy["name"],
                    "aliases": list(policy.get("aliases", [])),
                    "version": _version(policy["name"]),
                    "libraries": sorted(policy["lib_whitelist"]),
                    "symbol_versions": {
                        arch: {prefix: sorted(versions) for prefix, versions in sorted(table.items())}
                        for arch, table in sorted(policy["symbol_versions"].items())
                    },
                    "blacklist": {lib: sorted(names) for lib, names in sorted(policy.get("blacklist", {}).items())},
                }
            )
        data[family] = sorted(entries, key=lambda entry: entry["version"])
    return data


def render(data: Dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"


def write_or_check(target: str, text: str, check: bool, source: str) -> int:
    """Writes a data file, or with ``check`` says (exit 1) that it would change; shared by
    the data writers of tools/."""
    if check:
        with open(target) as fh:
            if fh.read() != text:
                print(f"{target} differs from {source}: rewrite it with its tools/ script")
                return 1
        return 0
    with open(target, "w") as fh:
        fh.write(text)
    print(target)
    return 0


def main(argv: List[str]) -> int:
    return write_or_check(
        TARGET, render(policies_from_auditwheel()), "--check" in argv, "the installed auditwheel's policies"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
