# SPDX-License-Identifier: GPL-2.0-or-later
"""The planner's invariant, with hypothesis: a plan that fails leaves the tree exactly as it
was (checked first, before anything else about the failure), a plan that succeeds passes the
checker with zero errors and never destroys, resizes or formats a pre-existing device outside
the clear option.

Pre-existing data is real: libparted writes partition tables (gpt, msdos with primary,
extended and logical partitions) into sparse image files, random bytes stand for data blkid
does not recognise, and :func:`discover_disks` reads it all back (libparted, no device scan);
an existing VG with a thin pool is declared on a partition the way blivet's scan presents it.
The wider search, over 10,000 trees, is the fuzz kind ``planner`` (tests/fuzz/kind_planner.py).
"""
import os
import random
import tempfile

import blivet
from blivet_helpers import EXTENDED, LOGICAL, PRIMARY, existing_lvm, write_label
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from org_ovirt_node.checker import check
from org_ovirt_node.layout import Layout
from org_ovirt_node.planning.blivet_reader import device_record
from org_ovirt_node.planning.discovery import discover_disks
from org_ovirt_node.planning.planner import PlanError, plan, tree_state
from org_ovirt_node.profile import load_profile
from org_ovirt_node.units import GiB, MiB, TiB

PROFILE = load_profile("ovirt-node")

# ext4 (where the images live) caps a file just below 16 TiB.
disk_size = st.builds(lambda exp, frac: min(int(2 ** exp * (1 + frac)) * GiB, 16 * TiB - MiB),
                      st.integers(3, 14), st.floats(0, 0.99))
partitions = st.lists(st.tuples(st.floats(0, 0.95), st.floats(0.01, 0.6)), max_size=3)
disk_spec = st.tuples(disk_size,
                      st.sampled_from(["gpt", "gpt", "blank", "msdos", "extended", "data"]),
                      partitions, st.booleans())


def write_disk(directory, index, size, kind, parts, lvm):
    """A sparse image with a real label and non-overlapping partitions (or random data, or
    nothing); returns its path, whether its first partition carries an existing VG and
    whether it is blank (all zeros)."""
    path = os.path.join(directory, "d%d.img" % index)
    with open(path, "wb") as handle:
        handle.truncate(size)
    if kind == "data":
        with open(path, "r+b") as handle:
            handle.write(random.Random(index).randbytes(64 * 1024))
        return path, False, False
    if kind == "blank" or (kind in ("msdos", "extended") and size > 2 * TiB):
        return path, False, True
    end_mib, taken, spans = size // MiB - 1, 1, []
    for start_frac, len_frac in sorted(parts)[:3]:
        start = max(int(end_mib * start_frac), taken)
        stop = min(start + max(int(end_mib * len_frac), 1), end_mib)
        if stop - start < 2:
            continue
        spans.append((start, stop))
        taken = stop + 1
    if kind == "extended" and spans:
        # The last span becomes an extended partition holding one or two logical ones.
        start, stop = spans.pop()
        middle = (start + stop) // 2
        layout = [(PRIMARY, a, b) for a, b in spans] + [(EXTENDED, start, stop),
                                                        (LOGICAL, start + 1, middle)]
        if stop - middle > 2:
            layout.append((LOGICAL, middle + 1, stop))
    else:
        layout = [(PRIMARY, a, b) for a, b in spans]
    write_label(path, "msdos" if kind == "extended" else kind, layout)
    return path, lvm and kind == "gpt" and bool(spans), False


def snapshot(b):
    return {d.id: (d.name, int(d.size), d.format.type) for d in b.devices if d.exists}


def installed(b):
    """The layout the plan installs, computed here independently of the planner: every new
    device and everything it is built on."""
    wanted = set()
    for dev in b.devicetree.devices:
        if not dev.exists:
            wanted.update(a.id for a in dev.ancestors)
    return Layout(tuple(device_record(d) for d in b.devicetree.devices
                        if d.id in wanted and not getattr(d, "is_internal_lv", False)))


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(specs=st.lists(disk_spec, min_size=1, max_size=6),
       firmware=st.sampled_from(["bios", "uefi"]),
       clear_mode=st.sampled_from(["none", "all", "some"]),
       clear_pick=st.integers(0, 255))
def test_plans_pass_the_checker_and_keep_existing_data(specs, firmware, clear_mode,
                                                       clear_pick):
    with tempfile.TemporaryDirectory() as directory:
        written = [write_disk(directory, i, *spec) for i, spec in enumerate(specs)]
        b = blivet.Blivet()
        disks = discover_disks(b, [path for path, _lvm, _blank in written])
        blank = {d.name for d, (_p, _l, is_blank) in zip(disks, written) if is_blank}
        for disk, (_path, lvm, _blank) in zip(disks, written):
            if lvm:
                part = disk.children[0]
                existing_lvm(b, [part], "old%s" % disk.name.split(".")[0], pool=(
                    "pool", int(part.size) // 2), thin=[("data", int(part.size), "xfs")])
        names = [d.name for d in disks]
        clear = {"none": "none", "all": "all",
                 "some": [n for i, n in enumerate(names) if clear_pick >> i & 1]}[clear_mode]
        cleared = set(names) if clear == "all" else set(clear if clear != "none" else ())
        existing = snapshot(b)
        on_disks = {d.id: {a.name for a in d.ancestors if a.is_disk} for d in b.devices}
        before = tree_state(b)
        try:
            result, failure = plan(PROFILE, b, disks, clear=clear, firmware=firmware,
                                   ram=16 * GiB), None
        except Exception as exc:  # noqa: BLE001 - judged below, the tree first
            result, failure = None, exc
        if failure is not None:
            # First of all, whatever was raised: the tree is exactly as it was.
            assert tree_state(b) == before, "a failed plan changed the tree: %r" % failure
            assert isinstance(failure, PlanError), "plan() raised %r" % failure
            event("refused")
            assert failure.disks and str(failure)
            if failure.needed is not None and failure.found is not None:
                assert "blivet could not" in str(failure) or failure.found < failure.needed
            # Liveness: with everything cleared and room to spare it must not fail.
            assert not (clear == "all" and sum(spec[0] for spec in specs) >= 80 * GiB
                        and specs[0][0] >= 16 * GiB), str(failure)
            return

        event("planned%s" % (" beside existing devices" if existing.keys() - {
            d.id for d in disks} else ""))
        assert check(installed(b), PROFILE).errors == ()
        assert result.report.errors == ()
        for action in b.devicetree.actions:
            dev = action.device
            if dev.id in existing and (action.is_destroy or action.is_resize
                                       or action.is_format):
                labelled = dev.is_disk and dev.name in blank  # nothing to lose
                assert on_disks[dev.id] <= cleared or labelled, \
                    "touched %s outside clear: %s" % (dev.name, action)
        survivors = snapshot(b)
        for dev_id, state in existing.items():
            if on_disks[dev_id] & cleared or state[0] in blank:
                continue
            assert survivors.get(dev_id) == state, "%s changed or is gone" % state[0]
