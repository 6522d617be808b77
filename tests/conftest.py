# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared fixtures: a directory for sparse disk images, the built-in profiles, and a
factory for blivet trees on sparse disks (never a real block device)."""
import os

import pytest

# With ANACONDA_SRC (``make anaconda-compat``, docs/anaconda-compat.md) the service tests run
# against a checkout's real pyanaconda; these only make sense with the double.
DOUBLE_ONLY = {
    "tests/test_service.py::test_service_starts_without_blivet":
        "runs the double by design; the real pyanaconda.core.util imports blivet itself",
}


def pytest_collection_modifyitems(config, items):
    if not os.environ.get("ANACONDA_SRC"):
        return
    for item in items:
        reason = DOUBLE_ONLY.get(item.nodeid)
        if reason:
            item.add_marker(pytest.mark.skip(reason="ANACONDA_SRC: " + reason))


@pytest.fixture
def disk_dir(tmp_path):
    """A fresh directory for the sparse image files of one test."""
    path = tmp_path / "disks"
    path.mkdir()
    return str(path)


@pytest.fixture
def blivet_disks(disk_dir):
    """``blivet_disks([sizes]) -> (Blivet, [DiskFile])``: a tree of initialized sparse disks.

    Each call gets its own sub-directory, so two trees in one test never share image files.
    """
    import os

    from blivet_helpers import blivet_with_disks
    counter = [0]

    def make(sizes, label="gpt"):
        counter[0] += 1
        sub = os.path.join(disk_dir, "tree%d" % counter[0])
        os.mkdir(sub)
        return blivet_with_disks(sub, sizes, label=label)
    return make


@pytest.fixture(scope="session")
def ovirt_profile():
    from org_ovirt_node.profile import load_profile
    return load_profile("ovirt-node")
