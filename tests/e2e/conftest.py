# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures of the end-to-end tests: a qemu guest on this machine's kernel (see guest.py).

Every test here is marked ``e2e``. They skip only when qemu, a kernel with modules,
busybox or udev are missing (and say which); TCG needs no KVM.
"""
import os
import sys
from pathlib import Path

import pytest

from e2e import guest

REPO = Path(__file__).resolve().parents[2]
# How the guest runs the project: the same interpreter (the venv) and source tree, which
# it sees read-only at the same path over 9p.
CLI = "env PYTHONPATH=%s %s -m org_ovirt_node" % (REPO, sys.executable)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().parent == here:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def guest_ready():
    missing = guest.missing_requirements()
    if missing:
        reason = "e2e guest cannot boot here: " + "; ".join(missing)
        sys.stderr.write("\n%s\n" % reason)
        pytest.skip(reason)
    return True


class Boot:
    """One finished guest run, with helpers that fail with the console log."""

    def __init__(self, result, workdir):
        self.result = result
        self.workdir = workdir

    def failure(self, what):
        tail = self.result.console[-12000:]
        return "%s\n--- guest console (last part; full log in %s) ---\n%s" % (
            what, os.path.join(self.workdir, "console.log"), tail)

    def step(self, name, rc=0):
        """The stdout of step *name*, asserting it ran and exited with *rc* (None: any)."""
        if not self.result.ok:
            pytest.fail(self.failure("the guest did not finish its script"))
        got = self.result.text(name + ".rc")
        if got is None:
            pytest.fail(self.failure("step %s did not run" % name))
        if rc is not None and int(got) != rc:
            pytest.fail(self.failure("step %s exited %s, expected %s:\n%s\n%s" % (
                name, got.strip(), rc, self.result.text(name + ".out", ""),
                self.result.text(name + ".err", ""))))
        return self.result.text(name + ".out", "")

    def rc(self, name):
        self.step(name, rc=None)
        return int(self.result.text(name + ".rc"))

    def err(self, name):
        return self.result.text(name + ".err", "")
