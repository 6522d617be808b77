# SPDX-License-Identifier: GPL-2.0-or-later
"""The checks `apply` makes before it writes anything, on fake /proc and /sys trees and on
real blivet trees of sparse images (nothing is executed: do_it runs only in the e2e guest).
"""
import json
import os

import pytest
from blivet_helpers import anaconda_thinp_autopart, blivet_with_disks

from org_ovirt_node.cli import main
from org_ovirt_node.planning.apply import (
    created_devices,
    foreign_actions,
    fstab_text,
    in_use,
)
from org_ovirt_node.planning.blivet_reader import layout_from_blivet

GiB = 1024 ** 3


# Device numbers of the fake machine below.
DEVNUMS = {"vda": "250:0", "vda1": "250:1", "vda2": "250:2", "sdb": "250:16", "vdc": "250:32",
           "dm-0": "253:0", "dm-1": "253:1", "dm-2": "253:2"}
DM_NAMES = {"dm-0": "luks-vda2", "dm-1": "onn-var", "dm-2": "onn-swap"}


def mountinfo_line(number, devnum, target, fstype, source):
    return "%d 1 %s / %s rw,relatime shared:1 - %s %s rw\n" % (number, devnum, target, fstype,
                                                               source)


def fake_system(tmp_path, mounts="", swaps="", holders=None, mountinfo=None):
    """/sys/block with disk vda (partitions vda1, vda2), sdb, vdc and dm-0..2, /proc files
    (``mounts`` and ``self/mountinfo``; by default the mountinfo of the given mounts, device
    numbers from :data:`DEVNUMS`) and /dev with the /dev/mapper symlinks.
    *holders* maps a device to the devices stacked on it."""
    sys_root = tmp_path / "sys"
    for disk, parts in (("vda", ("vda1", "vda2")), ("sdb", ()), ("vdc", ()),
                        ("dm-0", ()), ("dm-1", ()), ("dm-2", ())):
        (sys_root / "block" / disk / "holders").mkdir(parents=True)
        (sys_root / "block" / disk / "dev").write_text(DEVNUMS[disk] + "\n")
        for part in parts:
            (sys_root / "block" / disk / part / "holders").mkdir(parents=True)
            (sys_root / "block" / disk / part / "partition").write_text("1\n")
            (sys_root / "block" / disk / part / "dev").write_text(DEVNUMS[part] + "\n")
    for dm, name in DM_NAMES.items():
        (sys_root / "block" / dm / "dm").mkdir(parents=True)
        (sys_root / "block" / dm / "dm" / "name").write_text(name + "\n")
    for member, stacked in (holders or {}).items():
        base = sys_root / "block" / member
        if member.startswith("vda") and member != "vda":
            base = sys_root / "block" / "vda" / member
        for holder in ([stacked] if isinstance(stacked, str) else stacked):
            (base / "holders" / holder).write_text("")
    dev = tmp_path / "dev"
    (dev / "mapper").mkdir(parents=True)
    for dm, name in DM_NAMES.items():
        os.symlink("../" + dm, str(dev / "mapper" / name))
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "mounts").write_text(mounts)
    if mountinfo is None:
        lines = []
        for i, line in enumerate(mounts.splitlines()):
            source, target, fstype = line.split()[:3]
            name = os.path.basename(source)
            lines.append(mountinfo_line(20 + i, DEVNUMS.get(name, "0:%d" % (40 + i)), target,
                                        fstype, source))
        mountinfo = "".join(lines)
    (proc / "self" / "mountinfo").write_text(mountinfo)
    (proc / "swaps").write_text("Filename Type Size Used Priority\n" + swaps)
    return str(sys_root), str(proc), str(dev)


def busy(name, system, lsblk_json=""):
    sys_root, proc, dev = system
    return in_use(name, sys_root, proc, dev, lsblk_json=lsblk_json)


def test_idle_disk_is_not_in_use(tmp_path):
    system = fake_system(tmp_path, mounts="/dev/sdb /srv xfs rw 0 0\n"
                                          "proc /proc proc rw 0 0\n")
    assert busy("vda", system) == []
    assert busy("sdb", system) == ["sdb is mounted on /srv"]


def test_mounted_partition_swap_and_holders_are_reported(tmp_path):
    system = fake_system(
        tmp_path, mounts="/dev/vda1 /boot ext4 rw 0 0\n",
        swaps="/dev/vda2 partition 1000 0 -2\n", holders={"vda2": "dm-0"})
    assert busy("vda", system) == ["vda1 is mounted on /boot", "vda2 is in use as swap",
                                   "vda2 is held by dm-0 (luks-vda2)"]


def test_root_listed_as_dev_root_is_found_by_its_device_number(tmp_path):
    """/proc/mounts says /dev/root, which names no device node: mountinfo's MAJ:MIN does."""
    system = fake_system(
        tmp_path, mounts="/dev/root / ext4 rw 0 0\n",
        mountinfo=mountinfo_line(1, DEVNUMS["vda1"], "/", "ext4", "/dev/root"))
    assert busy("vda", system) == ["vda1 is mounted on /"]
    assert busy("sdb", system) == []


def test_mount_points_with_spaces_are_unescaped(tmp_path):
    system = fake_system(tmp_path, mountinfo=mountinfo_line(
        1, DEVNUMS["sdb"], "/srv/my\\040data", "xfs", "/dev/sdb"))
    assert busy("sdb", system) == ["sdb is mounted on /srv/my data"]


def test_multi_device_btrfs_mounted_through_another_member(tmp_path):
    """btrfs shows an anonymous device number (0:NN) and only one member as the source:
    /sys/fs/btrfs/<fsid>/devices lists every member of the mounted filesystem."""
    system = fake_system(tmp_path, mountinfo=mountinfo_line(
        1, "0:45", "/srv", "btrfs", "/dev/vdc"))
    sys_root = system[0]
    fsid = os.path.join(sys_root, "fs", "btrfs", "0b4e1a7c-2f1d-4d4e-9d1e-1c0ffee00001")
    os.makedirs(os.path.join(fsid, "devices"))
    for member in ("vdc", "sdb"):
        open(os.path.join(fsid, "devices", member), "w").close()
    os.makedirs(os.path.join(sys_root, "fs", "btrfs", "features"))
    reasons = busy("sdb", system)
    assert len(reasons) == 1
    assert "sdb is a member of the mounted btrfs filesystem 0b4e1a7c" in reasons[0]
    assert "sdb, vdc" in reasons[0] and "/srv" in reasons[0]
    assert busy("vdc", system)[0] == "vdc is mounted on /srv"
    assert busy("vda", system) == []


def test_holders_are_followed_through_device_mapper_stacks(tmp_path):
    """vda2 -> dm-0 (LUKS) -> dm-1, dm-2 (LVs): the LVs' mounts and swap are the disk's."""
    system = fake_system(
        tmp_path, holders={"vda2": "dm-0", "dm-0": ["dm-1", "dm-2"]},
        mountinfo=mountinfo_line(1, DEVNUMS["dm-1"], "/var", "xfs", "/dev/mapper/onn-var"),
        swaps="/dev/mapper/onn-swap partition 1000 0 -2\n")
    assert busy("vda", system) == [
        "dm-1 (onn-var) on vda2 is mounted on /var",
        "dm-2 (onn-swap) on vda2 is in use as swap",
        "vda2 is held by dm-0 (luks-vda2), dm-1 (onn-var), dm-2 (onn-swap)"]


def test_lsblk_mountpoints_are_an_extra_source(tmp_path):
    system = fake_system(tmp_path)
    tree = {"blockdevices": [
        {"name": "sdb", "maj:min": "250:16", "mountpoints": [None], "children": [
            {"name": "sdb1", "maj:min": "250:17", "mountpoints": ["/a", "/b"]},
            {"name": "sdb2", "maj:min": "250:18", "mountpoints": ["[SWAP]"]}]},
        {"name": "vda", "maj:min": "250:0", "mountpoints": [None]}]}
    assert busy("sdb", system, json.dumps(tree)) == [
        "sdb1 is mounted on /a", "sdb1 is mounted on /b", "sdb2 is in use as swap"]
    assert busy("vda", system, json.dumps(tree)) == []
    # util-linux before 2.37 has MOUNTPOINT (one string) instead of MOUNTPOINTS.
    old = {"blockdevices": [{"name": "sdb", "maj:min": "250:16", "mountpoint": "/srv"}]}
    assert busy("sdb", system, json.dumps(old)) == ["sdb is mounted on /srv"]


@pytest.mark.parametrize("broken", ["directory", "dangling", "binary", "garbage"])
def test_unreadable_or_garbled_files_do_not_crash(tmp_path, broken):
    system = fake_system(tmp_path, mounts="/dev/sdb /srv xfs rw 0 0\n")
    sys_root, proc, _ = system
    victims = [os.path.join(proc, "self", "mountinfo"), os.path.join(proc, "swaps"),
               os.path.join(sys_root, "block", "vda", "vda1", "dev"),
               os.path.join(sys_root, "block", "dm-0", "dm", "name"),
               os.path.join(sys_root, "block", "vda", "holders")]
    for path in victims:
        if os.path.isdir(path):
            os.rmdir(path)
        elif os.path.exists(path):
            os.unlink(path)
        if broken == "directory":
            os.makedirs(path)
        elif broken == "dangling":
            os.symlink(os.path.join(str(tmp_path), "nowhere"), path)
        elif broken == "binary":
            with open(path, "wb") as handle:
                handle.write(b"\xff\xfe\x00 \x80 250:1 / - \xc3\n" * 3)
        else:
            with open(path, "w") as handle:
                handle.write("x\n 1 2\n-\n250:1\n\n")
    for bad in ("{", "[]", '{"blockdevices": 3}', '{"blockdevices": [7, {"children": 1}]}',
                '{"blockdevices": [{"maj:min": "250:16", "mountpoints": 5}]}'):
        assert isinstance(busy("vda", system, bad), list)
        assert isinstance(busy("sdb", system, bad), list)
    # /proc/mounts still answers when mountinfo cannot be read.
    if broken in ("directory", "dangling"):
        assert "sdb is mounted on /srv" in busy("sdb", system)


def test_no_readable_mount_table_is_a_reason_to_refuse(tmp_path):
    system = fake_system(tmp_path)
    _, proc, _ = system
    os.unlink(os.path.join(proc, "self", "mountinfo"))
    os.unlink(os.path.join(proc, "mounts"))
    reasons = busy("vdc", system)
    assert len(reasons) == 1 and "cannot read the mount table" in reasons[0]


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
    layout = layout_from_blivet(b)
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
    assert "/dev/no-such-disk-here': no such file" in capsys.readouterr().err
