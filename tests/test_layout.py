# SPDX-License-Identifier: GPL-2.0-or-later
"""The neutral layout model and the blivet adapter, on real blivet trees over sparse files."""
import dataclasses

import pytest
from blivet.partitioning import do_partitioning, grow_lvm
from blivet.size import Size
from blivet_helpers import anaconda_thinp_autopart, grow_pvs, luks_pv

from org_ovirt_node import layout as L
from org_ovirt_node.layout import Device, Layout
from org_ovirt_node.planning.blivet_reader import layout_from_blivet
from org_ovirt_node.units import GiB, MiB


def small_layout():
    return Layout((
        Device("sda", L.DISK, 100 * GiB),
        Device("sda1", L.PARTITION, GiB, ("sda",), "xfs", "/boot"),
        Device("sda2", L.PARTITION, 99 * GiB, ["sda"], "lvmpv"),
        Device("vg", L.VG, 99 * GiB, ("sda2",), free=20 * GiB, extent_size=4 * MiB),
        Device("vg-pool", L.THINPOOL, 70 * GiB, ("vg",), metadata_size=GiB),
        Device("vg-root", L.THINLV, 10 * GiB, ("vg-pool",), "xfs", "/", ["discard"]),
        Device("vg-swap", L.LV, 2 * GiB, ("vg",), "swap"),
    ), origin="test")


# --- the model ------------------------------------------------------------------------------
def test_devices_and_layout_are_immutable():
    lay = small_layout()
    with pytest.raises(dataclasses.FrozenInstanceError):
        lay["sda"].size = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        lay.devices = ()
    with pytest.raises(TypeError):
        lay.facts["x"] = 1
    with pytest.raises(TypeError):
        lay.mountpoints["/x"] = ()
    assert isinstance(lay.devices, tuple)
    assert lay["vg-root"].mount_options == ("discard",)   # lists become tuples
    assert lay["sda2"].parents == ("sda",)


def test_facts_are_a_read_only_copy():
    facts = {"autopart": True}
    lay = Layout((), facts=facts)
    facts["autopart"] = False
    assert lay.facts["autopart"] is True


def test_indexes():
    lay = small_layout()
    assert len(lay) == 7 and [d.name for d in lay][0] == "sda"
    assert lay.get("nope") is None
    assert lay.mounted("/").name == "vg-root"
    assert lay.mounted("/boot").name == "sda1"
    assert lay.mounted("/var") is None
    assert set(lay.mountpoints) == {"/", "/boot"}
    assert [d.name for d in lay.children_of(lay["vg"])] == ["vg-pool", "vg-swap"]
    assert [d.name for d in lay.parents_of(lay["vg-root"])] == ["vg-pool"]
    assert [d.name for d in lay if d.kind in (L.LV, L.THINLV)] == ["vg-root", "vg-swap"]


def test_ancestors_and_helpers():
    lay = small_layout()
    root = lay["vg-root"]
    assert [d.name for d in lay.ancestors(root)] == ["vg-pool", "vg", "sda2", "sda"]
    assert lay.thin_pool_of(root).name == "vg-pool"
    assert lay.thin_pool_of(lay["vg-swap"]) is None           # not a thin LV
    assert lay.vg_of(root).name == "vg"
    assert lay.vg_of(lay["vg"]).name == "vg"
    assert lay.vg_of(lay["sda1"]) is None
    assert [d.name for d in lay.disks_under(root)] == ["sda"]
    assert [d.name for d in lay.disks_under(lay["sda"])] == ["sda"]
    assert lay.is_on_lvm(root) and lay.is_on_lvm(lay["vg"])
    assert not lay.is_on_lvm(lay["sda1"])
    assert lay.nearest(root, L.PARTITION).name == "sda2"


def test_ancestors_visit_shared_parents_once():
    lay = Layout((
        Device("a", L.DISK, GiB), Device("b", L.DISK, GiB),
        Device("a1", L.PARTITION, GiB, ("a",), "mdmember"),
        Device("b1", L.PARTITION, GiB, ("b",), "mdmember"),
        Device("md", L.MDRAID, GiB, ("a1", "b1"), "lvmpv"),
        Device("vg", L.VG, GiB, ("md", "md")),
    ))
    names = [d.name for d in lay.ancestors(lay["vg"])]
    assert names == ["md", "a1", "a", "b1", "b"]
    assert [d.name for d in lay.disks_under(lay["vg"])] == ["a", "b"]


def test_unknown_parents_are_skipped():
    lay = Layout((Device("lv", L.LV, GiB, ("ghost",)),))
    assert lay.parents_of(lay["lv"]) == ()
    assert lay.vg_of(lay["lv"]) is None


def test_duplicate_names_are_rejected():
    with pytest.raises(ValueError, match="duplicate device name 'sda'"):
        Layout((Device("sda", L.DISK, GiB), Device("sda", L.DISK, GiB)))


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="unknown device kind 'tape'"):
        Device("st0", "tape")


def test_duplicate_mount_points_are_all_kept():
    lay = Layout((Device("a", L.PARTITION, GiB, (), "xfs", "/var"),
                  Device("b", L.PARTITION, GiB, (), "xfs", "/var")))
    assert [d.name for d in lay.mountpoints["/var"]] == ["a", "b"]
    assert lay.mounted("/var").name == "a"


def test_to_dict():
    data = small_layout().to_dict()
    assert data["origin"] == "test"
    vg = [d for d in data["devices"] if d["name"] == "vg"][0]
    assert vg["free"] == 20 * GiB and vg["parents"] == ["sda2"] and "grow" not in vg
    import json
    json.dumps(data)


# --- the blivet adapter ---------------------------------------------------------------------
def autopart_layout(blivet_disks, sizes, **kwargs):
    b, disks = blivet_disks(sizes)
    anaconda_thinp_autopart(b, disks, **kwargs)
    return b, layout_from_blivet(b)


def test_blivet_autopart_kinds_and_sizes(blivet_disks):
    b, lay = autopart_layout(blivet_disks, [100 * GiB])
    assert lay.origin == "blivet"
    kinds = {d.name: d.kind for d in lay}
    assert kinds["disk0.img"] == L.DISK
    assert kinds["onn"] == L.VG
    assert kinds["onn-pool00"] == L.THINPOOL
    assert kinds["onn-root"] == L.THINLV
    assert kinds["onn-swap"] == L.LV
    # internal LVs (pool data and metadata) are not devices of the layout
    assert not any("_tdata" in n or "_tmeta" in n for n in kinds)
    for dev in b.devicetree.devices:
        if dev.name in kinds:
            assert lay[dev.name].size == int(dev.size), dev.name
    root = lay.mounted("/")
    assert root.name == "onn-root" and root.format == "xfs" and root.grow
    boot = lay.mounted("/boot")
    assert boot.kind == L.PARTITION and boot.size == GiB and boot.parents == ("disk0.img",)
    assert not lay.is_on_lvm(boot)
    assert lay.mounted("/var").size == 5 * GiB
    assert lay["onn-swap"].format == "swap" and lay["onn-swap"].mountpoint is None
    assert [d.format for d in lay if d.kind == L.PARTITION] == ["biosboot", "xfs", "lvmpv"]
    assert lay["disk0.img"].format is None     # the disklabel is not a format of interest
    assert lay.thin_pool_of(root).name == "onn-pool00"
    assert lay.vg_of(root).name == "onn"
    assert [d.name for d in lay.disks_under(root)] == ["disk0.img"]
    pool = b.devicetree.get_device_by_name("onn-pool00")
    assert lay["onn-pool00"].metadata_size == int(pool.metadata_size) > 0


def test_blivet_vg_free_is_unallocated_space(blivet_disks):
    b, lay = autopart_layout(blivet_disks, [100 * GiB])
    vg = b.devicetree.get_device_by_name("onn")
    allocated = sum(int(lv.vg_space_used) for lv in vg.lvs) + int(vg.pmspare_size)
    assert lay["onn"].free == int(vg.size) - allocated
    assert lay["onn"].extent_size == int(vg.pe_size) == 4 * MiB
    # That unallocated space is Anaconda's thin-pool reserve (20 % here).
    assert abs(lay["onn"].free - int(vg.size) * 0.2) < 128 * MiB


def test_blivet_vg_free_without_lvs(blivet_disks):
    b, disks = blivet_disks([20 * GiB])
    pv = b.new_partition(size=Size("1 GiB"), grow=True, fmt_type="lvmpv", parents=[disks[0]])
    b.create_device(pv)
    do_partitioning(b)
    vg = b.new_vg(name="data", parents=[pv])
    b.create_device(vg)
    lv = b.new_lv(name="big", parents=[vg], size=Size("4 GiB"), fmt_type="xfs",
                  mountpoint="/srv")
    b.create_device(lv)
    lay = layout_from_blivet(b)
    assert lay["data"].free == int(vg.size) - 4 * GiB
    assert lay["data"].size == int(vg.size)


@pytest.mark.parametrize("mountopts, expected", [
    ("defaults,discard", ("discard",)),
    ("discard,noatime", ("discard", "noatime")),
    ("defaults", ()),
    (None, ()),
])
def test_blivet_mount_options(blivet_disks, mountopts, expected):
    _, lay = autopart_layout(blivet_disks, [64 * GiB], mountopts=mountopts)
    assert lay.mounted("/").mount_options == expected
    assert lay.mounted("/var/log").mount_options == expected
    assert lay["onn-swap"].mount_options == ()


def test_blivet_device_tree_is_accepted(blivet_disks):
    b, _ = autopart_layout(blivet_disks, [64 * GiB])
    assert layout_from_blivet(b.devicetree, origin="tree").to_dict()["devices"] == \
        layout_from_blivet(b).to_dict()["devices"]


def luks_pv_tree(blivet_disks, size=100 * GiB):
    """/boot plus a LUKS partition whose mapping is the only PV of VG onn."""
    b, disks = blivet_disks([size])
    boot = b.new_partition(size=Size("1 GiB"), fmt_type="xfs", mountpoint="/boot",
                           parents=[disks[0]])
    b.create_device(boot)
    return b, [luks_pv(b, disks[0])]


def md_pv_tree(blivet_disks, size=80 * GiB):
    """/boot on the first disk, one mdmember partition per disk, RAID1 array as the PV."""
    b, disks = blivet_disks([size, size])
    boot = b.new_partition(size=Size("1 GiB"), fmt_type="xfs", mountpoint="/boot",
                           parents=[disks[0]])
    b.create_device(boot)
    members = []
    for disk in disks:
        part = b.new_partition(size=Size("70 GiB"), fmt_type="mdmember", parents=[disk])
        b.create_device(part)
        members.append(part)
    do_partitioning(b)
    md = b.new_mdarray(name="pv00", level="raid1", parents=members, total_devices=2,
                       member_devices=2, fmt_type="lvmpv")
    b.create_device(md)
    return b, [md]


def thin_stack(b, pvs, vg_name="onn", mounts=(("/", "10 GiB"), ("/var", "5 GiB"))):
    """A VG over *pvs* with one thin pool (80 % of the VG) and thin LVs for *mounts*."""
    vg = b.new_vg(name=vg_name, parents=pvs)
    b.create_device(vg)
    pool = b.new_lv(name="pool00", thin_pool=True, parents=[vg],
                    size=vg.size * 7 // 10)
    b.create_device(pool)
    for mount, size in mounts:
        name = (mount.strip("/") or "root").replace("/", "_")
        lv = b.new_lv(name=name, thin_volume=True, parents=[pool], size=Size(size),
                      fmt_type="xfs", mountpoint=mount)
        b.create_device(lv)
    grow_lvm(b)
    return vg


def test_blivet_luks_under_pv(blivet_disks):
    b, pvs = luks_pv_tree(blivet_disks)
    thin_stack(b, pvs)
    lay = layout_from_blivet(b)
    assert lay["luks-pv"].kind == L.LUKS and lay["luks-pv"].format == "lvmpv"
    assert lay["disk0.img2"].format == "luks"
    root = lay.mounted("/")
    assert [d.kind for d in lay.ancestors(root)] == \
        [L.THINPOOL, L.VG, L.LUKS, L.PARTITION, L.DISK]
    assert lay.vg_of(root).parents == ("luks-pv",)
    assert lay.disks_under(root)[0].name == "disk0.img"


def test_blivet_md_raid_pv(blivet_disks):
    b, pvs = md_pv_tree(blivet_disks)
    thin_stack(b, pvs)
    lay = layout_from_blivet(b)
    md = lay["pv00"]
    assert md.kind == L.MDRAID and md.format == "lvmpv"
    assert {lay[p].format for p in md.parents} == {"mdmember"}
    root = lay.mounted("/")
    assert [d.name for d in lay.disks_under(root)] == ["disk0.img", "disk1.img"]
    assert lay.vg_of(root).parents == ("pv00",)


def test_blivet_several_disks_one_vg(blivet_disks):
    _, lay = autopart_layout(blivet_disks, [40 * GiB, 40 * GiB, 40 * GiB])
    vg = lay["onn"]
    assert len(vg.parents) == 3
    assert [d.name for d in lay.disks_under(vg)] == ["disk0.img", "disk1.img", "disk2.img"]
    assert vg.size > 110 * GiB


def test_blivet_several_vgs(blivet_disks):
    b, disks = blivet_disks([60 * GiB, 60 * GiB])
    pvs = grow_pvs(b, disks)
    thin_stack(b, pvs[:1], "onn")
    thin_stack(b, pvs[1:], "data", mounts=(("/srv", "5 GiB"),))
    lay = layout_from_blivet(b)
    assert [d.name for d in lay if d.kind == L.VG] == ["onn", "data"]
    assert [d.name for d in lay if d.kind == L.THINPOOL] == ["onn-pool00", "data-pool00"]
    assert lay.vg_of(lay.mounted("/srv")).name == "data"
    assert lay.thin_pool_of(lay.mounted("/")).name == "onn-pool00"
    assert [d.name for d in lay.disks_under(lay.mounted("/srv"))] == ["disk1.img"]


def test_vg_reserve_a_kickstart_asks_for_is_kept_and_shown():
    from org_ovirt_node.layout import VG, Device, Layout
    vg = Device("HostVG", VG, reserved_percent=20.0, reserved_space=0)
    lay = Layout((vg,))
    assert (lay["HostVG"].reserved_percent, lay["HostVG"].reserved_space) == (20.0, 0)
    item = lay.to_dict()["devices"][0]
    assert item["reserved_percent"] == 20.0 and "reserved_space" not in item  # 0: not shown
    assert Device("d", VG).reserved_percent is None        # unknown unless a kickstart says
