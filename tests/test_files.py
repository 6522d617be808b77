# SPDX-License-Identifier: GPL-2.0-or-later
"""The one bounded reader: nothing but a regular file is opened, and never more is read
than the limit allows."""
import os

import pytest

from org_ovirt_node.files import (
    LARGE,
    MISSING,
    SPECIAL,
    UNREADABLE,
    FileReadError,
    read_regular_file,
)


def test_a_regular_file_within_the_limit_is_read(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc\xff")
    assert read_regular_file(str(path), 4) == b"abc\xff"


@pytest.mark.parametrize("make, reason", [
    (lambda p: p, MISSING),
    (lambda p: (os.mkfifo(p), p)[1], SPECIAL),
    (lambda p: (os.mkdir(p), p)[1], SPECIAL),
    (lambda p: "/dev/zero", SPECIAL),
    (lambda p: (open(p, "wb").write(b"x" * 11), p)[1], LARGE),
    (lambda p: p + "\0", UNREADABLE),
], ids=["missing", "fifo", "directory", "dev-zero", "too-large", "nul-in-path"])
def test_anything_else_is_refused_without_blocking(tmp_path, make, reason):
    path = make(str(tmp_path / "f"))
    with pytest.raises(FileReadError) as info:
        read_regular_file(path, 10)
    assert info.value.reason == reason
    assert str(info.value)


def test_a_file_whose_size_lies_is_cut_at_the_limit():
    # /proc files report size 0 and can be longer than any limit.
    with pytest.raises(FileReadError) as info:
        read_regular_file("/proc/self/maps", 16)
    assert info.value.reason == LARGE
