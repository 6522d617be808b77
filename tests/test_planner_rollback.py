# SPDX-License-Identifier: GPL-2.0-or-later
"""A plan that fails leaves the device tree exactly as it was, whatever failed and wherever:
cleared disks with partitions, msdos labels with extended and logical partitions, existing
VGs with thin pools, interrupted plans. ``tree_state`` is the witness; the first tests prove
it sees what a careless rollback leaves behind."""
import os

import blivet
import pytest
from blivet_helpers import EXTENDED, LOGICAL, PRIMARY, existing_lvm, write_label

from org_ovirt_node.findings import Finding, Report
from org_ovirt_node.planning import planner
from org_ovirt_node.planning.blivet_reader import layout_from_blivet
from org_ovirt_node.planning.discovery import discover_disks
from org_ovirt_node.planning.planner import PlanError, plan, tree_state
from org_ovirt_node.units import GiB

RAM = 16 * GiB


def image(directory, name, size_gib, label=None, partitions=()):
    path = os.path.join(directory, name)
    with open(path, "wb") as handle:
        handle.truncate(size_gib * GiB)
    if label:
        write_label(path, label, partitions)
    return path


def parted_geometry(disk):
    return [(p.number, p.type, p.geometry.start, p.geometry.end)
            for p in disk.format.parted_disk.partitions]


def rich_tree(directory):
    """msdos with a primary, an extended and two logical partitions; GPT with an existing VG
    (thin pool, thin LV, thick swap LV) on its one partition; a blank disk."""
    paths = [image(directory, "m.img", 100, "msdos",
                   [(PRIMARY, 1, 10 * 1024), (EXTENDED, 10 * 1024, 50 * 1024),
                    (LOGICAL, 11 * 1024, 20 * 1024), (LOGICAL, 21 * 1024, 30 * 1024)]),
             image(directory, "v.img", 100, "gpt", [(PRIMARY, 1, 30 * 1024)]),
             image(directory, "w.img", 80)]
    b = blivet.Blivet()
    disks = discover_disks(b, paths)
    existing_lvm(b, [b.devicetree.get_device_by_name("v.img1")], "old",
                 pool=("pool", 20 * GiB), thin=[("data", 50 * GiB, "xfs")],
                 thick=[("plain", 5 * GiB, "swap")])
    return b, disks


# --- the witness ---------------------------------------------------------------------------
def test_tree_state_sees_a_partition_missing_from_its_label(disk_dir):
    b, disks = rich_tree(disk_dir)
    before = tree_state(b)
    label = disks[0].format.parted_disk
    label.removePartition(label.getLogicalPartitions()[-1])
    assert tree_state(b) != before


@pytest.mark.parametrize("change", ["rename", "format", "exists", "parent", "action"])
def test_tree_state_sees_device_changes(disk_dir, change):
    from blivet.formats import get_format
    b, _disks = rich_tree(disk_dir)
    before = tree_state(b)
    part = b.devicetree.get_device_by_name("m.img5")
    if change == "rename":
        part._name = "m.img6"
    elif change == "format":
        part.format = get_format("xfs", exists=True)
    elif change == "exists":
        b.devicetree.get_device_by_name("old-data").exists = False
    elif change == "parent":
        b.devicetree.get_device_by_name("old").parents.remove(
            b.devicetree.get_device_by_name("v.img1"))
    else:
        b.recursive_remove(part)
    assert tree_state(b) != before


def test_the_snapshot_records_everything_but_values(disk_dir, ovirt_profile):
    """What the snapshot does not copy must be a value nothing edits in place (or one of
    libparted's objects, restored through the label duplicates): otherwise a restore could
    not be exact. Checked on a tree holding every kind of device a plan makes or meets."""
    import types

    from blivet.size import Size
    b, disks = rich_tree(disk_dir)
    plan(ovirt_profile, b, disks[2:], ram=RAM, firmware="uefi", passphrase="secret")
    seen, stack, skipped = set(), [b], set()
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, (list, set, tuple, frozenset)):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(list(obj) + list(obj.values()))
        elif isinstance(obj, types.MethodType):
            stack.append(obj.__self__)
        elif planner._is_state(obj):
            stack.extend(vars(obj).values())
        else:
            skipped.add(type(obj))
    values = (str, bytes, int, float, type(None), Size, type)
    odd = {t for t in skipped if not issubclass(t, values)
           and t.__module__.split(".")[0] != "parted"}
    assert not odd, "not snapshotted, not a value: %s" % odd


# --- the defects, as found -----------------------------------------------------------------
def test_a_refusal_after_clearing_restores_the_cleared_partitions(
        disk_dir, ovirt_profile, monkeypatch):
    """As found: a.img (two partitions) cleared, b.img kept with a swap partition, and the
    whole tree judged (as the planner used to): the refusal ("Swap is on a partition")
    left a.img's partitions renamed and missing from its label, so that the next plan saw
    the whole disk as free."""
    from blivet.formats import get_format

    paths = [image(disk_dir, "a.img", 100, "gpt", [(PRIMARY, 1, 30720),
                                                   (PRIMARY, 30720, 61440)]),
             image(disk_dir, "b.img", 50, "gpt", [(PRIMARY, 1, 2048)])]
    b = blivet.Blivet()
    disks = discover_disks(b, paths)
    swap = b.devicetree.get_device_by_name("b.img1")
    swap.format = get_format("swap", device=swap.path, exists=True)
    a_parts = parted_geometry(disks[0])
    before = tree_state(b)
    monkeypatch.setattr(planner, "installed_layout", layout_from_blivet)
    # Swap on a partition is a warning in the shipped profile; the defect needs a refusal.
    strict = ovirt_profile.derive({"rules": {"swap": "error"}}, "test")
    with pytest.raises(PlanError) as info:
        plan(strict, b, disks, clear=["a.img"], firmware="bios", ram=RAM)
    assert "b.img1" in str(info.value)
    assert tree_state(b) == before
    assert parted_geometry(disks[0]) == a_parts
    assert sorted(c.name for c in disks[0].children) == ["a.img1", "a.img2"]
    monkeypatch.undo()
    # The next plan on a.img alone sees its 40 GiB of free space, not 100 GiB.
    with pytest.raises(PlanError) as info:
        plan(ovirt_profile, b, disks[:1], ram=RAM, firmware="bios")
    assert 39 * GiB < info.value.found <= 40 * GiB


def test_a_refusal_on_msdos_with_an_extended_partition_restores_it(
        disk_dir, ovirt_profile, monkeypatch):
    """Clearing msdos with logical partitions, then a refusal: the undo used to raise
    PartitionException out of plan() (removing an extended partition before its logical
    ones)."""
    b, disks = rich_tree(disk_dir)
    geometry = parted_geometry(disks[0])
    before = tree_state(b)
    monkeypatch.setattr(planner, "installed_layout", _failing_check)
    with pytest.raises(PlanError):
        plan(ovirt_profile, b, disks, clear=["m.img"], firmware="bios", ram=RAM)
    assert tree_state(b) == before
    assert parted_geometry(disks[0]) == geometry
    assert [p.number for p in disks[0].format.parted_disk.getLogicalPartitions()] == [5, 6]


def _failing_check(_b):
    raise PlanError("simulated refusal after scheduling")


def test_clearing_msdos_with_logical_partitions_works(disk_dir, ovirt_profile):
    b, disks = rich_tree(disk_dir)
    result = plan(ovirt_profile, b, disks[:1], clear="all", firmware="bios", ram=RAM)
    destroyed = sorted(a.device.name for a in b.devicetree.actions
                       if a.is_destroy and a.is_device)
    assert destroyed == ["m.img1", "m.img2", "m.img5", "m.img6"]
    assert result.report.errors == ()


def test_devices_outside_the_new_system_do_not_fail_its_checks(disk_dir, ovirt_profile):
    """A swap partition on a disk the plan keeps (and an existing VG with a thick swap LV)
    is no part of the layout being installed: it used to refuse the plan with "Swap is on a
    partition (b.img1)"."""
    from blivet.formats import get_format
    paths = [image(disk_dir, "a.img", 100),
             image(disk_dir, "b.img", 50, "gpt", [(PRIMARY, 1, 2048)])]
    b = blivet.Blivet()
    disks = discover_disks(b, paths)
    swap = b.devicetree.get_device_by_name("b.img1")
    swap.format = get_format("swap", device=swap.path, exists=True)
    result = plan(ovirt_profile, b, disks, ram=RAM, firmware="bios")
    assert result.report.errors == ()
    assert b.devicetree.get_device_by_name("b.img1").format.type == "swap"
    # ... and on a disk that is not chosen at all.
    b, disks = rich_tree(_sub(disk_dir, "rich"))
    result = plan(ovirt_profile, b, disks[2:], ram=RAM, firmware="bios")
    assert result.report.errors == ()


def test_a_plan_leaves_other_volume_groups_alone(disk_dir, ovirt_profile):
    """blivet's grow_lvm grows every VG of the tree: given it, the planner set an existing,
    overcommitted thin pool of another VG to the sum of its thin LVs (20 -> 50 GiB)."""
    b, disks = rich_tree(disk_dir)
    sizes = {d.name: int(d.size) for d in b.devices if d.exists}
    result = plan(ovirt_profile, b, disks[2:], ram=RAM, firmware="bios")
    assert result.report.errors == ()
    assert {d.name: int(d.size) for d in b.devices if d.exists} == sizes
    assert int(b.devicetree.get_device_by_name("old-pool").size) == 20 * GiB


def _sub(directory, name):
    path = os.path.join(directory, name)
    os.mkdir(path)
    return path


# --- every stage, every way of failing -----------------------------------------------------
# (what to patch, in which module; None: a Blivet method). The patched call does its work
# first and fails after, so there is something to undo.
STAGES = {
    "clear": ("initialize_disk", None),
    "partitioning": ("do_partitioning", "blivet.partitioning"),
    "vg": ("create_device", None),
    "grow": ("grow_lvm", "blivet.partitioning"),
}


class SimulatedError(Exception):
    pass


@pytest.mark.parametrize("stage", sorted(STAGES) + ["check", "audit", "interrupt"])
@pytest.mark.parametrize("clear", ["none", "all", ["m.img", "v.img"]])
def test_a_failure_at_any_stage_leaves_the_tree_exactly_as_it_was(
        disk_dir, ovirt_profile, monkeypatch, stage, clear):
    import importlib
    b, disks = rich_tree(disk_dir)
    before = tree_state(b)
    geometries = [parted_geometry(d) if d.partitioned else None for d in disks]
    failed = []

    def after(real, error):
        def patched(*args, **kwargs):
            result = real(*args, **kwargs)
            if stage != "vg" or type(args[-1]).__name__ == "LVMVolumeGroupDevice":
                failed.append(stage)
                raise error
            return result
        return patched

    if stage in STAGES or stage == "interrupt":
        name, module = STAGES.get(stage, ("do_partitioning", "blivet.partitioning"))
        target = importlib.import_module(module) if module else type(b)
        error = KeyboardInterrupt() if stage == "interrupt" else SimulatedError(stage)
        monkeypatch.setattr(target, name, after(getattr(target, name), error))
    elif stage == "check":
        def check(layout, profile):
            failed.append(stage)
            return Report((Finding("ONN000", "error", None, "simulated check failure"),))
        monkeypatch.setattr("org_ovirt_node.checker.check", check)
    else:
        def audit(*_args):
            failed.append(stage)
            raise PlanError("simulated audit refusal")
        monkeypatch.setattr(planner, "_audit", audit)

    with pytest.raises((PlanError, KeyboardInterrupt)):
        plan(ovirt_profile, b, disks, clear=clear, firmware="bios", ram=RAM)
    assert failed == [stage]  # it failed where meant, after blivet had changed the tree
    assert tree_state(b) == before
    assert [parted_geometry(d) if d.partitioned else None for d in disks] == geometries
    monkeypatch.undo()
    # The restored tree plans exactly like a fresh one.
    fresh, fresh_disks = rich_tree(_sub(disk_dir, "fresh"))
    ours = plan(ovirt_profile, b, disks, clear=clear, firmware="bios", ram=RAM)
    theirs = plan(ovirt_profile, fresh, fresh_disks, clear=clear, firmware="bios", ram=RAM)
    assert ours.layout.to_dict() == theirs.layout.to_dict()
    assert ours.report.errors == ()
