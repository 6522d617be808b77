# SPDX-License-Identifier: GPL-2.0-or-later
""""Fix my layout" (org_ovirt_node/installer/repair.py) on layouts built by real blivet on
sparse images, read by the blivet reader and by the D-Bus tree reader (names and IDs): what
is added, grown and given options, what is refused and why; and the per-mount table and pool
usage the spokes show."""
import pytest
import service_helpers as H
from blivet.size import Size
from blivet_helpers import (
    OVIRT_AUTOPART,
    anaconda_thinp_autopart,
    blivet_with_disks,
    compliant_tree,
    grow_pvs,
)

from org_ovirt_node import layout as L
from org_ovirt_node.checker import check
from org_ovirt_node.installer.dbus_reader import layout_and_keys
from org_ovirt_node.installer.repair import (
    ADD,
    GROW,
    OPTIONS,
    mount_rows,
    plan_repair,
    pool_usage,
)
from org_ovirt_node.planning.blivet_reader import layout_from_blivet
from org_ovirt_node.profile import load_profile
from org_ovirt_node.units import format_size

GiB = 1024 ** 3
PROFILE = load_profile("ovirt-node")
THIN_MOUNTS = ["/"] + [m for m, _size in OVIRT_AUTOPART]
READERS = ["blivet", "dbus-names", "dbus-ids"]


def read(b, reader):
    """The layout of blivet tree *b* through *reader*."""
    if reader == "blivet":
        return layout_from_blivet(b)
    records = H.records_from_blivet(b, id_based=reader == "dbus-ids")
    layout, _keys = layout_and_keys(H.FakeDeviceTree(records))
    return layout


def _autopart(tmp_path, size=100 * GiB, **kwargs):
    b, disks = blivet_with_disks(str(tmp_path), [size])
    return anaconda_thinp_autopart(b, disks, **kwargs)


def _without(b, *names):
    for name in names:
        b.destroy_device(b.devicetree.get_device_by_name(name))
    return b


def _plan(b, reader):
    layout = read(b, reader)
    return layout, plan_repair(layout, PROFILE)


def _by_action(plan, action):
    return {c.mountpoint: c for c in plan.changes if c.action == action}


@pytest.mark.parametrize("reader", READERS)
def test_autopart_layout_only_gets_discard(tmp_path, reader):
    """Anaconda's own autopart sets no discard: every thin mount gets it, nothing else."""
    layout, plan = _plan(compliant_tree(str(tmp_path)), reader)
    assert plan.refusals == () and plan.can_apply
    options = _by_action(plan, OPTIONS)
    assert sorted(options) == sorted(THIN_MOUNTS)      # /boot wants no options
    assert {c.options for c in options.values()} == {("discard",)}
    assert options["/var"].device == "onn-var"
    assert not _by_action(plan, ADD) and not _by_action(plan, GROW)


@pytest.mark.parametrize("reader", READERS)
def test_layout_with_discard_needs_nothing(tmp_path, reader):
    layout, plan = _plan(_autopart(tmp_path, mountopts="defaults,discard"), reader)
    assert plan.changes == () and plan.refusals == () and not plan.can_apply


@pytest.mark.parametrize("reader", READERS)
def test_missing_mounts_are_added_as_thin_lvs_in_the_pool_of_root(tmp_path, reader):
    b = _without(_autopart(tmp_path, mountopts="defaults,discard"), "onn-var", "onn-var_log")
    layout, plan = _plan(b, reader)
    adds = _by_action(plan, ADD)
    assert sorted(adds) == ["/var", "/var/log"] and plan.refusals == ()
    var = adds["/var"]
    assert (var.name, var.vg, var.pool, var.fstype, var.size, var.options) == \
        ("var", "onn", "onn-pool00", "xfs", 5 * GiB, ("discard",))
    assert adds["/var/log"].name == "var_log" and adds["/var/log"].size == 8 * GiB
    assert plan.needed == 13 * GiB and plan.available >= plan.needed
    assert plan.changes[0].action == ADD            # adds come first
    assert "/var" in var.description and "5 GiB" in var.description


@pytest.mark.parametrize("reader", READERS)
def test_undersized_thin_lv_is_grown_never_shrunk(tmp_path, reader):
    b = _autopart(tmp_path, mountopts="defaults,discard")
    b.devicetree.get_device_by_name("onn-var").size = Size("2 GiB")
    layout, plan = _plan(b, reader)
    grows = _by_action(plan, GROW)
    assert list(grows) == ["/var"]
    assert (grows["/var"].old_size, grows["/var"].size) == (2 * GiB, 5 * GiB)
    assert grows["/var"].device == "onn-var" and grows["/var"].name == "var"
    assert plan.needed == 3 * GiB
    for change in plan.changes:
        assert change.size >= change.old_size


@pytest.mark.parametrize("reader", READERS)
def test_no_pool_holds_root(tmp_path, reader):
    """/ as a thick LV: missing thin mounts cannot be added; the options still can."""
    b = _without(_autopart(tmp_path), "onn-root", "onn-var")
    vg = b.devicetree.get_device_by_name("onn")
    vg.thpool_reserve = None
    root = b.new_lv(name="root", parents=[vg], size=Size("6 GiB"), fmt_type="xfs",
                    mountpoint="/")
    b.create_device(root)
    layout, plan = _plan(b, reader)
    assert not _by_action(plan, ADD)
    assert len(plan.refusals) == 1
    assert "/var" in plan.refusals[0] and "no thin pool holds /" in plan.refusals[0]
    assert "onn-root" in plan.refusals[0]
    assert _by_action(plan, OPTIONS) and plan.can_apply


def _tight(tmp_path):
    """100 GiB disk: a 40 GiB pool that does not grow holding autopart's thin LVs but /var
    (38 GiB), and a thick LV taking the rest of the VG down to 10 GiB free (below the 20 %
    reserve): 2 GiB to give, /var needs 5 GiB."""
    b, disks = blivet_with_disks(str(tmp_path), [100 * GiB])
    boot = b.new_partition(size=Size("1 GiB"), fmt_type="xfs", mountpoint="/boot",
                           parents=[disks[0]])
    b.create_device(boot)
    pvs = grow_pvs(b, disks)
    vg = b.new_vg(name="onn", parents=pvs)
    b.create_device(vg)
    pool = b.new_lv(name="pool00", thin_pool=True, parents=[vg], size=Size("40 GiB"))
    b.create_device(pool)
    for mount, size in (("/", "6 GiB"),) + OVIRT_AUTOPART:
        if mount == "/var":
            continue
        name = "root" if mount == "/" else mount.strip("/").replace("/", "_")
        b.create_device(b.new_lv(name=name, thin_volume=True, parents=[pool], size=Size(size),
                                 fmt_type="xfs", mountpoint=mount,
                                 fmt_args={"mountopts": "defaults,discard"}))
    free = vg.free_space
    b.create_device(b.new_lv(name="data", parents=[vg], size=free - Size("10 GiB"),
                             fmt_type="swap"))
    return b


@pytest.mark.parametrize("reader", READERS)
def test_not_enough_room_says_how_much(tmp_path, reader):
    layout, plan = _plan(_tight(tmp_path), reader)
    assert plan.changes == () and not plan.can_apply
    assert len(plan.refusals) == 1
    refusal = plan.refusals[0]
    assert 1.9 * GiB < plan.available < 2 * GiB          # 40 GiB pool less its metadata
    assert "need 5 GiB" in refusal and "have %s free" % format_size(plan.available) in refusal
    assert "onn-pool00" in refusal and "volume group onn" in refusal


def test_partition_mount_missing_is_refused_not_added(tmp_path):
    b = _autopart(tmp_path, mountopts="defaults,discard")
    boot = [d for d in b.devicetree.devices if getattr(d.format, "mountpoint", None) == "/boot"]
    b.destroy_device(boot[0])
    layout = read(b, "dbus-names")
    plan = plan_repair(layout, PROFILE)
    assert plan.changes == ()
    assert len(plan.refusals) == 1 and "/boot" in plan.refusals[0]
    assert "partition" in plan.refusals[0]


def test_dbus_ids_map_layout_names_to_device_ids(tmp_path):
    b = _autopart(tmp_path)
    records = H.records_from_blivet(b, id_based=True)
    layout, keys = layout_and_keys(H.FakeDeviceTree(records))
    plan = plan_repair(layout, PROFILE)
    var = _by_action(plan, OPTIONS)["/var"]
    assert keys[var.device] == H.device_key(b.devicetree.get_device_by_name("onn-var"), True)


# --- the per-mount table and the pool bar -----------------------------------------------------
@pytest.mark.parametrize("reader", READERS)
def test_mount_rows_and_pool_usage(tmp_path, reader):
    b = _without(_autopart(tmp_path, mountopts="defaults,discard"), "onn-home")
    b.devicetree.get_device_by_name("onn-var").size = Size("2 GiB")
    layout = read(b, reader)
    report = check(layout, PROFILE)
    rows = {r.mountpoint: r for r in mount_rows(layout, PROFILE, report.findings)}
    planned = [p for p, r in PROFILE.mounts.items() if getattr(r, "planned", r.required)]
    assert list(rows) == planned
    home = rows["/home"]
    assert (home.kind, home.size, home.pool) == ("missing", 0, "")
    assert home.status == ("error" if PROFILE.mounts["/home"].required else "warning")
    var = rows["/var"]
    assert (var.kind, var.size, var.minimum, var.status, var.pool) == \
        ("thin LV", 2 * GiB, 5 * GiB, "error", "onn-pool00")
    assert rows["/"].status == "ok" and rows["/var/log"].status == "ok"
    assert rows["/boot"].kind == "partition" and rows["/boot"].pool == ""
    pool = pool_usage(layout, PROFILE)
    thin = [d for d in layout if d.kind == L.THINLV]
    assert pool.name == "onn-pool00" and pool.vg == "onn"
    assert pool.used == sum(d.size for d in thin)
    assert pool.free == pool.size - pool.used > 0
    vg = layout.get("onn")
    assert pool.vg_reserve == PROFILE.reserve_for(vg.size) > 0


def test_pool_usage_without_a_pool_is_empty():
    layout = L.Layout((L.Device("sda", L.DISK, 10 * GiB),
                       L.Device("sda1", L.PARTITION, 9 * GiB, ("sda",), "xfs", "/")))
    assert pool_usage(layout, PROFILE).name == ""
    plan = plan_repair(layout, PROFILE)
    assert not _by_action(plan, ADD)
    assert any("no thin pool holds /" in r for r in plan.refusals)


def test_other_mounts_are_listed_only_when_a_finding_is_about_them(tmp_path):
    b = _autopart(tmp_path, mountopts="defaults,discard")
    pool = b.devicetree.get_device_by_name("onn-pool00")
    for name, mount in (("usr", "/usr"), ("srv", "/srv")):
        b.create_device(b.new_lv(name=name, thin_volume=True, parents=[pool],
                                 size=Size("512 MiB"), fmt_type="xfs", mountpoint=mount))
    layout = read(b, "dbus-names")
    rows = {r.mountpoint: r for r in mount_rows(layout, PROFILE, check(layout, PROFILE).findings)}
    assert rows["/usr"].status == "error" and rows["/usr"].minimum == 0    # forbidden
    assert "/srv" not in rows
