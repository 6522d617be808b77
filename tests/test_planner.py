# SPDX-License-Identifier: GPL-2.0-or-later
"""The planner on real blivet trees over sparse image files (nothing executed)."""
import os
import subprocess

import blivet
import pytest
from blivet_helpers import anaconda_thinp_autopart

from org_ovirt_node import layout as L
from org_ovirt_node.checker import check
from org_ovirt_node.design import recommended_swap, vg_size_for
from org_ovirt_node.planning.blivet_reader import layout_from_blivet
from org_ovirt_node.planning.discovery import discover_disks
from org_ovirt_node.planning.planner import PlanError, plan, tree_state
from org_ovirt_node.profile import load_profile
from org_ovirt_node.units import GiB, MiB, TiB

RAM = 20 * GiB


def image(directory, name, size, parted=()):
    """A sparse image, optionally with a real partition table written by parted(8)."""
    path = os.path.join(directory, name)
    with open(path, "wb") as handle:
        handle.truncate(size)
    if parted:
        subprocess.run(["parted", "-s", path] + list(parted), check=True)
    return path


def by_mount(layout):
    return {d.mountpoint: d for d in layout if d.mountpoint}


def created_on(b, disk):
    """Names of the devices the tree would create on *disk*."""
    return sorted(d.name for d in b.devices if not d.exists and disk in d.ancestors)


def destructive(b, before=()):
    """Actions (not in *before*) that destroy, resize or format a device that exists."""
    return [a for a in b.devicetree.actions if a not in before
            and a.device.exists and (a.is_destroy or a.is_resize or a.is_format)]


def test_100_gib_lands_near_anacondas_autopart(blivet_disks, ovirt_profile):
    b, disks = blivet_disks([100 * GiB])
    result = plan(ovirt_profile, b, disks, ram=RAM)
    ours = by_mount(result.layout)
    oracle_b, oracle_disks = blivet_disks([100 * GiB])
    anaconda_thinp_autopart(oracle_b, oracle_disks, ram=RAM)
    theirs = layout_from_blivet(oracle_b)
    pool, their_pool = (next(d for d in lay if d.kind == L.THINPOOL)
                        for lay in (result.layout, theirs))
    vg, their_vg = (next(d for d in lay if d.kind == L.VG) for lay in (result.layout, theirs))
    print("planner: pool %.2f GiB, / %.2f GiB, VG free %.2f GiB; anaconda: %.2f, %.2f, %.2f"
          % (pool.size / GiB, ours["/"].size / GiB, vg.free / GiB, their_pool.size / GiB,
             by_mount(theirs)["/"].size / GiB, their_vg.free / GiB))
    # The reference measurements (shared/reference): pool 68.98, / 31.98, reserve 19.87 GiB.
    assert abs(pool.size - 68.98 * GiB) < 0.25 * GiB
    assert abs(ours["/"].size - 31.98 * GiB) < 0.25 * GiB
    assert abs(vg.free - 19.87 * GiB) < 0.25 * GiB
    assert abs(pool.size - their_pool.size) <= 64 * MiB
    assert set(ours) == set(by_mount(theirs))  # the same mount points
    assert result.report.errors == ()
    assert result.summary["pool_size"] == pool.size
    assert ours["/"].mount_options == ("discard",)  # the profile's option, unlike Anaconda


@pytest.mark.parametrize("sizes", [[64 * GiB], [2 * TiB], [40 * GiB, 40 * GiB],
                                   [64 * GiB, 1 * TiB, 8 * GiB]])
def test_plans_pass_the_checker(blivet_disks, ovirt_profile, sizes):
    b, disks = blivet_disks(sizes)
    before = list(b.devicetree.actions)  # the helper's own disk labels
    result = plan(ovirt_profile, b, disks, ram=RAM, firmware="bios")
    assert check(layout_from_blivet(b), ovirt_profile).errors == ()
    assert result.report.errors == ()
    vg = result.layout[result.vg_name]
    assert len(vg.parents) == len(sizes)  # one PV per disk
    for point, rule in ovirt_profile.mounts.items():
        dev = result.layout.mounted(point)
        # The planner asks for the default: at least the minimum and the recommended size.
        wanted = max(rule.min_size or 0, rule.recommended_size or 0)
        assert dev is not None and dev.size >= wanted, point
        if rule.kind == "thin":
            assert dev.kind == L.THINLV and result.layout.thin_pool_of(dev).name == "onn-pool00"
    assert b.devicetree.actions and destructive(b, before) == []  # scheduled, nothing destroyed


def test_uefi_gets_an_esp_and_bios_gpt_a_biosboot(disk_dir, ovirt_profile):
    b = blivet.Blivet()
    gpt = discover_disks(b, [image(disk_dir, "g.img", 80 * GiB, ["mklabel", "gpt"])])
    result = plan(ovirt_profile, b, gpt, firmware="bios", ram=RAM)
    formats = [d.format for d in result.layout if d.kind == L.PARTITION]
    assert "biosboot" in formats and "efi" not in formats

    b = blivet.Blivet()
    disk = discover_disks(b, [image(disk_dir, "u.img", 80 * GiB, ["mklabel", "gpt"])])
    result = plan(ovirt_profile, b, disk, firmware="uefi", ram=RAM)
    esp = result.layout.mounted("/boot/efi")
    assert esp.format == "efi" and esp.size == 600 * MiB and esp.kind == L.PARTITION
    assert result.layout.mounted("/boot").size == 1 * GiB
    assert "biosboot" not in [d.format for d in result.layout]


def test_too_small_is_refused_up_front(blivet_disks, ovirt_profile):
    b, disks = blivet_disks([40 * GiB])
    before = tree_state(b)
    with pytest.raises(PlanError) as info:
        plan(ovirt_profile, b, disks, ram=RAM)
    err = info.value
    assert (err.needed, err.found, err.disks) == (64 * GiB, 40 * GiB, ("disk0.img",))
    assert "40 GiB" in str(err) and "64 GiB" in str(err) and "disk0.img" in str(err)
    assert tree_state(b) == before


def test_existing_partitions_are_kept_and_only_free_space_used(disk_dir, ovirt_profile):
    path = image(disk_dir, "a.img", 200 * GiB,
                 ["mklabel", "gpt", "mkpart", "data", "1MiB", "20GiB",
                  "mkpart", "keep", "50GiB", "60GiB"])
    b = blivet.Blivet()
    disks = discover_disks(b, [path])
    existing = sorted(d.name for d in b.devices if d.exists)
    result = plan(ovirt_profile, b, disks, ram=RAM, firmware="bios")
    assert destructive(b) == []
    assert sorted(d.name for d in b.devices if d.exists) == existing
    pv = result.layout[result.layout[result.vg_name].parents[0]]
    assert 139 * GiB < pv.size <= 140 * GiB  # the largest free region: 60..200 GiB
    assert result.report.errors == ()


def test_not_enough_free_space_names_needed_found_disks(disk_dir, ovirt_profile):
    path = image(disk_dir, "a.img", 100 * GiB,
                 ["mklabel", "gpt", "mkpart", "data", "1MiB", "60GiB"])
    b = blivet.Blivet()
    disks = discover_disks(b, [path])
    before = tree_state(b)
    with pytest.raises(PlanError) as info:
        plan(ovirt_profile, b, disks, ram=RAM)
    err = info.value
    assert err.disks == ("a.img",)
    assert 39 * GiB < err.found <= 40 * GiB
    assert err.needed > err.found and err.needed > 50 * GiB
    assert "not enough space" in str(err)
    assert tree_state(b) == before


def test_clear_all_may_replace_existing_partitions(disk_dir, ovirt_profile):
    path = image(disk_dir, "a.img", 100 * GiB,
                 ["mklabel", "gpt", "mkpart", "data", "1MiB", "60GiB"])
    b = blivet.Blivet()
    disks = discover_disks(b, [path])
    result = plan(ovirt_profile, b, disks, clear="all", ram=RAM)
    assert result.clear == ("a.img",)
    destroyed = [a.device.name for a in b.devicetree.actions
                 if a.is_destroy and a.is_device]
    assert destroyed == ["a.img1"]
    assert result.report.errors == ()


def test_clear_only_covers_named_disks(disk_dir, ovirt_profile):
    paths = [image(disk_dir, "a.img", 100 * GiB, ["mklabel", "gpt", "mkpart", "x", "1MiB",
                                                   "90GiB"]),
             image(disk_dir, "b.img", 100 * GiB, ["mklabel", "gpt", "mkpart", "y", "1MiB",
                                                   "90GiB"])]
    b = blivet.Blivet()
    disks = discover_disks(b, paths)
    result = plan(ovirt_profile, b, disks, clear=["b.img"], ram=RAM)
    for action in destructive(b):
        assert action.device.name == "b.img" or action.device.disk.name == "b.img"
    assert b.devicetree.get_device_by_name("a.img1").exists
    assert result.report.errors == ()
    with pytest.raises(ValueError):
        plan(ovirt_profile, blivet.Blivet(), disks[:1], clear=["sdz"])


def test_blank_disk_is_labelled_but_a_filesystem_is_not(disk_dir, ovirt_profile):
    blank = image(disk_dir, "blank.img", 80 * GiB)
    used = image(disk_dir, "used.img", 80 * GiB)
    subprocess.run(["mkfs.ext4", "-q", "-F", used], check=True)
    b = blivet.Blivet()
    disks = discover_disks(b, [blank, used])
    assert disks[1].format.type == "ext4" and disks[1].format.exists
    result = plan(ovirt_profile, b, disks, ram=RAM)
    assert [p[:len("blank.img")] for p in result.layout[result.vg_name].parents] == \
        ["blank.img"]
    assert created_on(b, disks[1]) == [] and disks[1].format.type == "ext4"
    b = blivet.Blivet()
    only_used = discover_disks(b, [used])
    with pytest.raises(PlanError) as info:
        plan(ovirt_profile, b, only_used, ram=RAM)
    assert info.value.found == 0
    assert plan(ovirt_profile, b, only_used, clear="all", ram=RAM).report.errors == ()


def with_data(path, offset, length, seed=0):
    """Write *length* random bytes at *offset* of *path* (what plain dm-crypt, a raw
    database volume or a label nobody knows look like to blkid: nothing)."""
    import random
    data = random.Random(seed).randbytes(length)
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(data)
    return path


def test_unrecognised_data_at_the_start_is_not_blank(disk_dir, ovirt_profile):
    """8 MiB of random bytes: blkid finds nothing, and the disk used to be labelled and
    planned on with the default clear option none."""
    path = with_data(image(disk_dir, "x.img", 80 * GiB), 0, 8 * MiB)
    assert subprocess.run(["blkid", "-p", path]).returncode == 2  # blkid sees nothing
    b = blivet.Blivet()
    disks = discover_disks(b, [path])
    before = tree_state(b)
    with pytest.raises(PlanError) as info:
        plan(ovirt_profile, b, disks, ram=RAM)
    assert "x.img: 8 MiB of unrecognised data at the start; name it in --clear to use it" \
        in str(info.value)
    assert info.value.found == 0 and tree_state(b) == before
    assert plan(ovirt_profile, b, disks, clear=["x.img"], ram=RAM).report.errors == ()


def test_unrecognised_data_at_the_end_is_not_blank(disk_dir, ovirt_profile):
    path = with_data(image(disk_dir, "x.img", 80 * GiB), 80 * GiB - 4096, 512)
    b = blivet.Blivet()
    with pytest.raises(PlanError) as info:
        plan(ovirt_profile, b, discover_disks(b, [path]), ram=RAM)
    assert "x.img: unrecognised data in the last 1 MiB" in str(info.value)


def test_a_damaged_partition_table_is_not_blank(disk_dir, ovirt_profile):
    """libparted cannot read it, blkid still sees a GPT: refused, saying so."""
    path = image(disk_dir, "g.img", 80 * GiB, ["mklabel", "gpt", "mkpart", "a", "1MiB",
                                                "10GiB"])
    with open(path, "r+b") as handle:  # a partition entry no longer matches its CRC
        handle.seek(1024)
        handle.write(b"\xff")
    b = blivet.Blivet()
    with pytest.raises(PlanError) as info:
        plan(ovirt_profile, b, discover_disks(b, [path]), ram=RAM)
    assert "g.img: a gpt partition table that cannot be read (damaged?); name it in " \
        "--clear to use it" in str(info.value)


def test_a_disk_with_unrecognised_data_is_left_out_and_said_so(disk_dir, ovirt_profile):
    paths = [with_data(image(disk_dir, "x.img", 80 * GiB), 0, 64 * 1024),
             image(disk_dir, "new.img", 80 * GiB)]
    b = blivet.Blivet()
    disks = discover_disks(b, paths)
    result = plan(ovirt_profile, b, disks, ram=RAM)
    assert created_on(b, disks[0]) == []
    assert not [a for a in b.devicetree.actions if a.device is disks[0]]
    assert result.summary["refused_disks"] == {
        "x.img": "x.img: 64 KiB of unrecognised data at the start; name it in --clear to use "
                 "it"}
    assert result.summary["unused_disks"] == []


def test_only_the_chosen_disks_are_partitioned(blivet_disks, ovirt_profile):
    b, disks = blivet_disks([100 * GiB, 100 * GiB, 100 * GiB])
    plan(ovirt_profile, b, disks[1:2], ram=RAM)
    assert created_on(b, disks[0]) == [] and created_on(b, disks[2]) == []
    assert created_on(b, disks[1])
    assert not any(d.protected for d in disks)  # the temporary shield is lifted


def test_a_failure_inside_blivet_leaves_the_tree_exactly_as_it_was(
        disk_dir, ovirt_profile, monkeypatch):
    path = image(disk_dir, "a.img", 100 * GiB, ["mklabel", "gpt", "mkpart", "x", "1MiB",
                                                 "10GiB"])
    b = blivet.Blivet()
    disks = discover_disks(b, [path, image(disk_dir, "b.img", 50 * GiB)])
    before = tree_state(b)
    free_before = [r.length for r in blivet.partitioning.get_free_regions(disks[:1])]

    def broken_grow(storage):
        raise blivet.errors.DeviceError("simulated failure after partitioning")
    monkeypatch.setattr(blivet.partitioning, "grow_lvm", broken_grow)
    with pytest.raises(PlanError) as info:
        plan(ovirt_profile, b, disks, clear=["b.img"], ram=RAM)
    assert "simulated failure" in str(info.value)
    assert tree_state(b) == before
    assert [r.length for r in blivet.partitioning.get_free_regions(disks[:1])] == free_before
    monkeypatch.undo()
    # ... and the same tree still plans fine afterwards.
    assert plan(ovirt_profile, b, disks, clear=["b.img"], ram=RAM).report.errors == ()


def test_luks2_on_every_pv(blivet_disks, ovirt_profile):
    b, disks = blivet_disks([80 * GiB, 80 * GiB])
    result = plan(ovirt_profile, b, disks, passphrase="secret", ram=RAM)
    luks = [d for d in b.devices if d.format.type == "luks"]
    assert len(luks) == 2 and all(d.format.luks_version == "luks2" for d in luks)
    vg = result.layout[result.vg_name]
    assert all(result.layout[p].kind == L.LUKS for p in vg.parents)
    assert result.encrypted and result.report.errors == ()


def test_swap_options(blivet_disks, ovirt_profile):
    b, disks = blivet_disks([100 * GiB])
    result = plan(ovirt_profile, b, disks, swap=0, ram=RAM)
    assert not [d for d in result.layout if d.format == "swap"]
    b, disks = blivet_disks([100 * GiB])
    result = plan(ovirt_profile, b, disks, swap=3 * GiB, ram=RAM)
    assert [d.size for d in result.layout if d.format == "swap"] == [3 * GiB]
    # RAM-based like Anaconda, never below the profile's minimum.
    assert recommended_swap(1 * GiB, 1 * TiB) == 2 * GiB
    assert recommended_swap(32 * GiB, 1 * TiB) == 16 * GiB
    assert recommended_swap(32 * GiB, 64 * GiB) == int(6.4 * GiB)
    b, disks = blivet_disks([100 * GiB])
    result = plan(ovirt_profile, b, disks, ram=256 * MiB)
    assert [d.size for d in result.layout if d.format == "swap"] == [1 * GiB]


def test_minimal_profile_and_options(blivet_disks):
    profile = load_profile("ovirt-node-minimal")
    b, disks = blivet_disks([64 * GiB])
    result = plan(profile, b, disks, ram=RAM, fstype="ext4", vg_name="hostvg")
    mounts = by_mount(result.layout)
    assert set(mounts) == {"/", "/boot", "/var"}
    assert mounts["/var"].size == 8 * GiB and mounts["/"].format == "ext4"
    assert result.vg_name == "hostvg" and result.report.errors == ()
    with pytest.raises(ValueError):
        plan(profile, b, [])


def test_bad_arguments(blivet_disks, ovirt_profile):
    b, disks = blivet_disks([100 * GiB])
    before = tree_state(b)
    for kwargs in ({"fstype": "btrfs"}, {"firmware": "coreboot"}, {"swap": -1},
                   {"clear": ["nope"]}):
        with pytest.raises(ValueError):
            plan(ovirt_profile, b, disks, **kwargs)
    with pytest.raises(ValueError):
        plan(ovirt_profile, b, disks + disks)
    assert tree_state(b) == before
    plan(ovirt_profile, b, disks, ram=RAM)
    with pytest.raises(PlanError) as info:  # the VG name is taken now
        plan(ovirt_profile, b, disks, ram=RAM)
    assert "onn" in str(info.value)


def test_vg_size_for_includes_the_reserve(ovirt_profile):
    size = vg_size_for(ovirt_profile, 80 * GiB)
    assert size == 80 * GiB + ovirt_profile.reserve_for(size)
    assert abs(size - 100 * GiB) < 1 * MiB  # 20 % of 100 GiB
    assert vg_size_for(ovirt_profile, 2 * GiB) == 3 * GiB  # reserve_min 1 GiB
    assert vg_size_for(ovirt_profile, 1000 * GiB) == 1100 * GiB  # reserve_max 100 GiB


def test_an_msdos_image_gets_the_extended_partition_it_needs(disk_dir, ovirt_profile):
    """msdos with three primaries: the ESP, /boot and the PV need an extended partition,
    which blivet adds to the parted disk itself. On an image file it used to fail to name it
    (pyparted's getDeviceNodeName is path[5:]): the planner names it like blivet does."""
    path = image(disk_dir, "m.img", 200 * GiB,
                 ["mklabel", "msdos", "mkpart", "primary", "1MiB", "10GiB",
                  "mkpart", "primary", "10GiB", "20GiB", "mkpart", "primary", "20GiB",
                  "30GiB"])
    b = blivet.Blivet()
    disks = discover_disks(b, [path])
    result = plan(ovirt_profile, b, disks, firmware="uefi", ram=RAM)
    assert result.report.errors == ()
    label = disks[0].format.parted_disk
    assert label.getExtendedPartition() is not None
    assert [p.number for p in label.getLogicalPartitions()] == [5, 6, 7]
    assert destructive(b) == []
    assert {"m.img1", "m.img2", "m.img3"} <= {d.name for d in b.devices if d.exists}


def test_a_full_disk_is_left_out_and_said_so(disk_dir, ovirt_profile):
    from org_ovirt_node.planning.render import render_text
    full = image(disk_dir, "full.img", 20 * GiB, ["mklabel", "gpt", "mkpart", "all", "1MiB",
                                                   "100%"])
    b = blivet.Blivet()
    disks = discover_disks(b, [full, image(disk_dir, "new.img", 80 * GiB)])
    result = plan(ovirt_profile, b, disks, ram=RAM)
    assert result.summary["unused_disks"] == ["full.img"]
    assert created_on(b, disks[0]) == []
    assert [a.device.name for a in destructive(b)] == ["new.img", "new.img"]  # blank: label
    assert "Not used (no free region of at least 1 GiB): full.img" in render_text(result)


def test_clearing_half_of_a_spanning_vg_is_refused(disk_dir, ovirt_profile):
    """An existing VG over a partition of each disk: clearing one disk would destroy data
    on the other. (The PVs and the VG are declared existing on the parted partitions, the
    way blivet's scan would present them.)"""
    from blivet.devices import LVMVolumeGroupDevice
    from blivet.formats import get_format
    paths = [image(disk_dir, name, 80 * GiB, ["mklabel", "gpt", "mkpart", "p", "1MiB",
                                              "10GiB"]) for name in ("xa.img", "xb.img")]
    b = blivet.Blivet()
    disks = discover_disks(b, paths)
    parts = [b.devicetree.get_device_by_name(n) for n in ("xa.img1", "xb.img1")]
    for part in parts:
        part.format = get_format("lvmpv", device=part.path, exists=True, vg_name="oldvg")
    b.devicetree._add_device(LVMVolumeGroupDevice("oldvg", parents=parts, exists=True))
    before = tree_state(b)
    with pytest.raises(PlanError) as info:
        plan(ovirt_profile, b, disks, clear=["xa.img"], ram=RAM)
    assert "oldvg" in str(info.value) and "xb.img" in str(info.value)
    assert tree_state(b) == before
    plan(ovirt_profile, b, disks, clear="all", ram=RAM)  # both cleared: allowed
    assert "oldvg" in [a.device.name for a in b.devicetree.actions if a.is_destroy]
