"""The root a user names may itself be a symlink (to an unpacked image): it is the image,
and only what lies inside it is confined."""

from __future__ import annotations

import shutil

import musldetect


def test_a_symlinked_root_reads_as_the_directory_it_names(tmp_path):
    image = tmp_path / "image"
    (image / "bin").mkdir(parents=True)
    shutil.copy("/bin/sh", image / "bin" / "sh")
    link = tmp_path / "link"
    link.symlink_to(image)
    direct, through = musldetect.target(root=str(image)), musldetect.target(root=str(link))
    assert (through.libc.family, through.arch, through.platform_tags) == (
        direct.libc.family,
        direct.arch,
        direct.platform_tags,
    )
    assert musldetect.inspect("/bin/sh", root=str(link)).family == direct.libc.family
    assert musldetect.inspect(str(link / "bin" / "sh"), root=str(link)).family == direct.libc.family


def test_a_directory_that_is_no_image_says_what_was_looked_for(tmp_path):
    import pytest

    (tmp_path / "etc").mkdir()
    with pytest.raises(FileNotFoundError, match="neither usr/local/bin/python3, usr/bin/python3 nor bin/sh"):
        musldetect.target(root=str(tmp_path))
