"""The checks `apply` makes before it writes anything, on fake /proc and /sys trees and on
real blivet trees of sparse images (nothing is executed: do_it runs only in the e2e guest).
"""
import pytest
from blivet_helpers import anaconda_thinp_autopart, blivet_with_disks

from org_ovirt_node import layout as L
from org_ovirt_node.apply import (
    ApplyError,
    created_devices,
    disk_name,
    foreign_actions,
    fstab_text,
    in_use,
)
from org_ovirt_node.cli import main

GiB = 1024 ** 3


def fake_system(tmp_path, mounts="", swaps="", holders=None):
    """/sys/block with disk vda (partitions vda1, vda2) and sdb, plus /proc files."""
    sys_root = tmp_path / "sys"
    for disk, parts in (("vda", ("vda1", "vda2")), ("sdb", ())):
        (sys_root / "block" / disk / "holders").mkdir(parents=True)
        for part in parts:
            (sys_root / "block" / disk / part / "holders").mkdir(parents=True)
            (sys_root / "block" / disk / part / "partition").write_text("1\n")
    (sys_root / "block" / "dm-0" / "dm").mkdir(parents=True)
    (sys_root / "block" / "dm-0" / "dm" / "name").write_text("onn-root\n")
    for member, holder in (holders or {}).items():
        disk = "vda" if member.startswith("vda") else member
        base = sys_root / "block" / disk
        if member != disk:
            base = base / member
        (base / "holders" / holder).write_text("")
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "mounts").write_text(mounts)
    (proc / "swaps").write_text("Filename Type Size Used Priority\n" + swaps)
    return str(sys_root), str(proc)


def test_idle_disk_is_not_in_use(tmp_path):
    sys_root, proc = fake_system(tmp_path, mounts="/dev/sdb /srv xfs rw 0 0\n"
                                                  "proc /proc proc rw 0 0\n")
    assert in_use("vda", sys_root, proc) == []
    assert in_use("sdb", sys_root, proc) == ["sdb is mounted on /srv"]


def test_mounted_partition_swap_and_holders_are_reported(tmp_path):
    sys_root, proc = fake_system(
        tmp_path, mounts="/dev/vda1 /boot ext4 rw 0 0\n",
        swaps="/dev/vda2 partition 1000 0 -2\n", holders={"vda2": "dm-0"})
    reasons = in_use("vda", sys_root, proc)
    assert reasons == ["vda1 is mounted on /boot", "vda2 is in use as swap",
                       "vda2 is held by dm-0 (onn-root)"]


def test_disk_names_must_be_whole_disks(tmp_path):
    sys_root, _ = fake_system(tmp_path)
    assert disk_name("vda", sys_root) == "vda"
    with pytest.raises(ApplyError, match="not a whole disk"):
        disk_name("/dev/nonexistent-disk", sys_root)


@pytest.fixture
def planned(tmp_path):
    b, disks = blivet_with_disks(str(tmp_path), [64 * GiB, 8 * GiB])
    anaconda_thinp_autopart(b, disks[:1], mountopts="discard")
    return b, disks


def test_actions_on_the_named_disks_only(planned):
    b, disks = planned
    actions = b.devicetree.actions.find()
    assert actions
    # blivet_with_disks initialized (relabeled) both disks: exactly those two actions on
    # the second disk are caught when only the first is named.
    foreign = foreign_actions(actions, [disks[0].name])
    assert len(foreign) == 2 and all(disks[1].name in a for a in foreign)
    assert foreign_actions(actions, [d.name for d in disks]) == []
    # Naming only the other disk makes every action of the install disk foreign.
    assert len(foreign_actions(actions, [disks[1].name])) == len(actions) - 2
    # Nothing was executed, so nothing was created.
    assert created_devices(actions) == []


def test_fstab_from_a_planned_layout(planned):
    b, _ = planned
    layout = L.Layout.from_blivet(b)
    paths = {d.name: d.path for d in b.devicetree.devices}
    text = fstab_text(layout, paths, uuid_of=lambda path: "U-" + path.rsplit("/", 1)[-1]
                      if not path.startswith("/dev/mapper") else None)
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["/dev/mapper/onn-root", "/", "xfs", "defaults,discard"]
    boot = [ln for ln in lines if ln.split()[1] == "/boot"][0]
    assert boot.startswith("UUID=U-")
    assert lines[-1].split()[1:3] == ["none", "swap"]
    points = [ln.split()[1] for ln in lines]
    assert points.index("/var") < points.index("/var/log") < points.index("/var/log/audit")
    assert len(lines) == 10  # / /boot, 7 data mounts, swap


def test_apply_usage_errors(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["apply"])
    assert exc.value.code == 2
    assert main(["apply", "--disk", "vda", "--clear", ","]) == 2
    assert "--clear" in capsys.readouterr().err
    assert main(["apply", "--disk", "/dev/no-such-disk-here"]) == 2
    assert "not a whole disk" in capsys.readouterr().err
