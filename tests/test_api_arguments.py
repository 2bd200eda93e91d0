"""The public functions take what a user would reasonably pass, or say which argument is wrong;
their results read well in help() and in JSON."""

from __future__ import annotations

import json
import pydoc
import sys
from typing import Any

import pytest

import musldetect


def test_paths_as_bytes_and_pathlike(tmp_path):
    import pathlib

    for path in (sys.executable.encode(), pathlib.Path(sys.executable)):
        assert musldetect.inspect(path) == musldetect.inspect(sys.executable)
        assert musldetect.resolve(path).loads
        assert musldetect.audit(path).files


WRONG: Any = (3, None, 3.12, 2014)  # what a user may pass, typed as the checker would refuse it


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: musldetect.audit(WRONG[0]), "path="),
        (lambda: musldetect.inspect(WRONG[1]), "path="),
        (lambda: musldetect.target(platform="manylinux2014_x86_64", python=WRONG[2]), "python="),
        (lambda: musldetect.target(platform=WRONG[3]), "platform="),
    ],
)
def test_wrong_types_raise_type_error_naming_the_argument(call, argument):
    with pytest.raises(TypeError, match=argument):
        call()


def test_a_platform_is_no_target_to_resolve_in():
    with pytest.raises(ValueError, match="target='manylinux2014_x86_64' is not a directory"):
        musldetect.audit(sys.executable, target="manylinux2014_x86_64")


@pytest.mark.parametrize("name", ["Audit", "AuditedFile", "Blame", "Resolution"])
def test_help_shows_real_types(name):
    text = pydoc.render_doc(getattr(musldetect, name), renderer=pydoc.plaintext)
    assert "ForwardRef" not in text and "path: str" in text or "tag: str" in text


def test_as_dict_gives_named_fields_for_every_result():
    target = musldetect.target(platform="musllinux_1_2_aarch64", python="3.12")
    data = json.loads(json.dumps(target.as_dict()))
    assert data["libc"]["family"] == "musl" and data["tags"] == list(target.sys_tags)
    assert json.loads(json.dumps(musldetect.target().as_dict()))["source"] == "process"
    assert json.loads(json.dumps(musldetect.audit(sys.executable).as_dict()))["kind"] == "file"
    assert json.loads(json.dumps(musldetect.resolve(sys.executable).as_dict()))["loads"] is True


@pytest.mark.parametrize("name", ["LibcInfo", "Target", "PythonFacts", "BackendStatus", "Audit", "Resolution"])
def test_every_result_type_has_as_dict(name):
    assert callable(getattr(getattr(musldetect, name), "as_dict", None))
    statuses = [status.as_dict() for status in musldetect.backends()]
    assert json.loads(json.dumps(statuses))[0]["name"] == "native"
    python = musldetect.target(platform="manylinux_2_28_x86_64", python="3.12").python
    assert python is not None and json.loads(json.dumps(python.as_dict()))["version"] == [3, 12]
