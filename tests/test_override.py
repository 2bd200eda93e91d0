"""MUSLDETECT_LIBC and MUSLDETECT_BACKEND, checked in fresh interpreters."""

from __future__ import annotations

import pytest

import musldetect
from oracle import run_json, run_python

REPORT = "import json, musldetect; i = musldetect.libc(); print(json.dumps([i.family, i.version, i.backend, list(musldetect.platform_tags())]))"


def test_musl_override_gives_musllinux_tags():
    family, version, backend, tags = run_json(REPORT, env={"MUSLDETECT_LIBC": "musl-1.1"})
    assert (family, version, backend) == ("musl", [1, 1], "override")
    assert [t for t in tags if t.startswith("musllinux")][-2:] == [
        f"musllinux_1_1_{tags[0][6:]}", f"musllinux_1_0_{tags[0][6:]}"]
    assert not [t for t in tags if t.startswith("manylinux")]


def test_glibc_override_gives_manylinux_tags_down_to_the_oldest():
    family, version, backend, tags = run_json(REPORT, env={"MUSLDETECT_LIBC": "glibc-2.28"})
    assert (family, version, backend) == ("glibc", [2, 28], "override")
    arch = tags[0][len("linux_"):]
    many = [t for t in tags if t.startswith("manylinux")]
    # From 2.28 down to manylinux_2_5 (x86) or manylinux_2_17, with the legacy aliases.
    oldest = (2, 5) if arch in ("x86_64", "i686") else (2, 17)
    expected = []
    for minor in range(28, oldest[1] - 1, -1):
        expected.append(f"manylinux_2_{minor}_{arch}")
        expected += {17: [f"manylinux2014_{arch}"], 12: [f"manylinux2010_{arch}"], 5: [f"manylinux1_{arch}"]}.get(minor, [])
    assert many == expected


def test_none_override_leaves_only_the_linux_tag():
    family, version, backend, tags = run_json(REPORT, env={"MUSLDETECT_LIBC": "none"})
    assert (family, version, backend) == (None, None, "override")
    assert len(tags) == 1 and tags[0].startswith("linux_")


@pytest.mark.parametrize("value", ["musl", "musl-1", "glibc-2.x", "uclibc-1.0", "musl-1.2.3.4"])
def test_malformed_override_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("MUSLDETECT_LIBC", value)
    with pytest.raises(musldetect.ConfigurationError, match="MUSLDETECT_LIBC"):
        musldetect.libc()


def test_unknown_backend_lists_the_valid_ones():
    proc = run_python("import musldetect; musldetect.libc()", env={"MUSLDETECT_BACKEND": "turbo"})
    assert proc.returncode != 0
    assert "MUSLDETECT_BACKEND='turbo'" in proc.stderr
    assert "auto, native, cffi, python" in proc.stderr


def test_naming_the_python_backend_is_honoured():
    assert run_json("import json, musldetect; print(json.dumps(musldetect.libc().backend))",
                    env={"MUSLDETECT_BACKEND": "python"}) == "python"
