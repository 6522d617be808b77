# SPDX-License-Identifier: GPL-2.0-or-later
"""The checker against real blivet trees (sparse disks) and hand-built layouts.

Anaconda's own oVirt autopart is the oracle for "good"; every rule of checker.RULES has a
layout where it fires and one where it does not.
"""
import ast
import dataclasses
import inspect
import re

import pytest
from blivet.devices.lvm import ThPoolReserveSpec
from blivet.partitioning import do_partitioning, grow_lvm
from blivet.size import Size
from blivet_helpers import anaconda_thinp_autopart, luks_pv

from org_ovirt_node import checker
from org_ovirt_node import layout as L
from org_ovirt_node import rules as catalog
from org_ovirt_node.checker import check
from org_ovirt_node.layout import Device, Layout
from org_ovirt_node.planning.blivet_reader import layout_from_blivet
from org_ovirt_node.profile import load_profile
from org_ovirt_node.units import GiB, MiB, TiB, format_size

OPTS = "defaults,discard"


@pytest.fixture(scope="module")
def minimal_profile():
    return load_profile("ovirt-node-minimal")


def autopart(blivet_disks, sizes, **kwargs):
    b, disks = blivet_disks(sizes)
    anaconda_thinp_autopart(b, disks, **kwargs)
    return layout_from_blivet(b)


def codes(report, severity=None):
    return sorted({f.code for f in report.findings if severity in (None, f.severity)})


def only(report, code):
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, [(f.code, f.mountpoint, f.message) for f in report.findings]
    return found[0]


# --- a configurable oVirt tree in blivet -----------------------------------------------------
def ovirt_tree(blivet_disks, profile, disk_sizes=(100 * GiB,), tweaks=None, boot="1 GiB",
               boot_kind="partition", swap="lv", reserve=True, fstype="xfs", mountopts=OPTS,
               pvs=None):
    """Schedule, in a real blivet tree, every mount of *profile* as it asks (thin LVs of
    their default size in one growing pool, /boot a partition, swap an ordinary LV, the VG
    reserve set) with *tweaks* per mount point: ``None`` leaves it out, or a dict of
    ``kind`` (thin|lv|partition), ``size``, ``fstype``, ``pool`` (a second pool
    ``pool01``), ``vg`` (a second VG ``other`` on the last disk). Mounts not in the profile
    may be added the same way; ``"/var#2"`` is a second device mounted on /var.
    *pvs* = callable(b, disks) -> PV devices replaces plain PV partitions (LUKS, MD RAID)."""
    tweaks = dict(tweaks or {})
    b, disks = blivet_disks(list(disk_sizes))
    b.create_device(b.new_partition(size=Size("1 MiB"), fmt_type="biosboot",
                                    parents=[disks[0]]))
    wanted = {point: {"kind": rule.kind if rule.kind != "any" else "thin",
                      "size": rule.default_size}
              for point, rule in profile.mounts.items() if point != "/boot"}
    for point, tweak in tweaks.items():
        if tweak is None:
            wanted.pop(point, None)
        else:
            wanted[point] = dict(wanted.get(point, {}), **tweak)
    specs = list(wanted.items())
    if boot_kind == "partition":
        b.create_device(b.new_partition(size=Size(boot), fmt_type=fstype, mountpoint="/boot",
                                        parents=[disks[0]]))
    for point, spec in specs:
        if spec["kind"] == "partition":
            b.create_device(b.new_partition(size=Size(spec["size"]),
                                            fmt_type=spec.get("fstype", fstype),
                                            mountpoint=point, parents=[disks[-1]]))
    need_other = any(s.get("vg") == "other" for _, s in specs)
    if pvs is None:
        pv_list = []
        for disk in disks:
            pv = b.new_partition(size=Size("1 GiB"), grow=True, fmt_type="lvmpv",
                                 parents=[disk])
            b.create_device(pv)
            pv_list.append(pv)
        do_partitioning(b)
    else:
        pv_list = pvs(b, disks)
    other_pvs = pv_list[-1:] if need_other else []
    vg = b.new_vg(name="onn", parents=[p for p in pv_list if p not in other_pvs])
    if reserve:
        vg.thpool_reserve = ThPoolReserveSpec(profile.reserve_percent, Size(profile.reserve_min),
                                              Size(profile.reserve_max))
    b.create_device(vg)
    vgs = {"onn": vg}
    if need_other:
        vgs["other"] = b.new_vg(name="other", parents=other_pvs)
        b.create_device(vgs["other"])
    pools = {}
    if any(s.get("pool") == "pool01" for _, s in specs):
        pools[("onn", "pool01")] = b.new_lv(name="pool01", thin_pool=True, parents=[vg],
                                            size=Size("12 GiB"))
        b.create_device(pools[("onn", "pool01")])
    if need_other:
        pools[("other", "pool00")] = b.new_lv(name="pool00", thin_pool=True,
                                              parents=[vgs["other"]],
                                              size=vgs["other"].size * 7 // 10)
        b.create_device(pools[("other", "pool00")])
    pools[("onn", "pool00")] = b.new_lv(name="pool00", thin_pool=True, parents=[vg],
                                        size=Size("1 GiB"), grow=True)
    b.create_device(pools[("onn", "pool00")])
    fmt_args = {"mountopts": mountopts} if mountopts else {}
    lv_specs = list(specs)
    if boot_kind == "lv":
        lv_specs.append(("/boot", {"kind": "lv", "size": Size(boot)}))
    for point, spec in lv_specs:
        name = (point.strip("/") or "root").replace("/", "_").replace("#", "")
        point = point.split("#")[0]
        vg_name = spec.get("vg", "onn")
        size = Size(spec["size"])
        fmt = spec.get("fstype", fstype)
        args = {} if point == "/boot" else fmt_args
        if spec["kind"] == "thin":
            pool = pools[(vg_name, spec.get("pool", "pool00"))]
            lv = b.new_lv(name=name, thin_volume=True, parents=[pool], size=size,
                          grow=point == "/", fmt_type=fmt, mountpoint=point, fmt_args=args)
        elif spec["kind"] == "lv":
            lv = b.new_lv(name=name, parents=[vgs[vg_name]], size=size, fmt_type=fmt,
                          mountpoint=point, fmt_args=args)
        else:
            continue
        b.create_device(lv)
    if swap == "lv":
        b.create_device(b.new_lv(name="swap", parents=[vg], size=Size("2 GiB"),
                                 fmt_type="swap"))
    elif swap == "thin":
        b.create_device(b.new_lv(name="swap", thin_volume=True,
                                 parents=[pools[("onn", "pool00")]], size=Size("2 GiB"),
                                 fmt_type="swap"))
    grow_lvm(b)
    return layout_from_blivet(b)


# --- the oracle: Anaconda's own autopart ----------------------------------------------------
@pytest.mark.parametrize("fstype", ["xfs", "ext4"])
@pytest.mark.parametrize("size", [64 * GiB, 100 * GiB, 2 * TiB], ids=["64G", "100G", "2T"])
def test_anaconda_autopart_has_no_errors(blivet_disks, ovirt_profile, size, fstype):
    report = check(autopart(blivet_disks, [size], fstype=fstype), ovirt_profile)
    assert report.errors == ()
    assert report.ok and report.exit_code() == 0 and report.exit_code(strict=True) == 1
    # Anaconda sets no discard: one warning per thin mount, nothing else.
    assert {f.code for f in report.warnings} == {"ONN011"}
    assert sorted(f.mountpoint for f in report.warnings) == sorted(
        p for p, r in ovirt_profile.mounts.items() if r.options)
    assert all(f.severity == "warning" and f.rule == "mount-options" for f in report.warnings)


def test_anaconda_autopart_with_discard_is_clean(blivet_disks, ovirt_profile):
    report = check(autopart(blivet_disks, [100 * GiB], mountopts=OPTS), ovirt_profile)
    assert report.findings == ()


def test_configurable_tree_is_clean(blivet_disks, ovirt_profile):
    # The builder itself must produce a layout the checker accepts, or the negative tests
    # below would prove nothing.
    assert check(ovirt_tree(blivet_disks, ovirt_profile), ovirt_profile).findings == ()


def test_minimal_profile_accepts_minimal_tree(blivet_disks, minimal_profile):
    lay = ovirt_tree(blivet_disks, minimal_profile,
                     tweaks={p: None for p, r in minimal_profile.mounts.items()
                             if not r.required})
    assert check(lay, minimal_profile).findings == ()
    # The default profile warns: imgbased creates these volumes at the first update.
    default = check(lay, load_profile("ovirt-node"))
    assert default.ok and codes(default) == ["ONN016"]
    assert {f.mountpoint for f in default.findings} == {
        p for p, r in minimal_profile.mounts.items() if not r.required}


# --- every rule fires, and does not -----------------------------------------------------------
def assert_finding(report, code, severity, mountpoint, message_parts=(), hint_parts=()):
    f = only(report, code)
    assert (f.severity, f.mountpoint) == (severity, mountpoint)
    assert f.rule == [s for s, i in catalog.CATALOG.items() if i.code == code][0]
    if mountpoint is not None:
        assert mountpoint in f.message and mountpoint in f.hint
    for part in message_parts:
        assert part in f.message, (part, f.message)
    for part in hint_parts:
        assert part in f.hint, (part, f.hint)
    return f


def test_root_kind(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, tweaks={"/": {"kind": "lv", "size": "20 GiB"}})
    report = check(lay, ovirt_profile)
    assert_finding(report, "ONN001", "error", "/",
                   ["an ordinary (thick) LV", "onn-root", "a thin LV in the thin pool of /"],
                   ["Thin Provisioning", "--thin"])
    assert "ONN001" not in codes(check(ovirt_tree(blivet_disks, ovirt_profile), ovirt_profile))


def test_root_on_partition(blivet_disks, ovirt_profile):
    # blivet names a 4th partition of a DiskFile after its full path (an invalid name), so
    # the extra partition goes on a second disk.
    lay = ovirt_tree(blivet_disks, ovirt_profile, disk_sizes=(100 * GiB, 30 * GiB),
                     tweaks={"/": {"kind": "partition", "size": "20 GiB"}})
    f = assert_finding(check(lay, ovirt_profile), "ONN001", "error", "/", ["a partition"])
    assert f.device == "disk1.img1"


def test_required_mount_missing_var(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, tweaks={"/var": None})
    report = check(lay, ovirt_profile)
    assert_finding(report, "ONN002", "error", "/var",
                   ["not a separate mount", "would live on /."],
                   ["thin LV", "at least 5 GiB"])
    assert codes(report, "error") == ["ONN002"]


def test_required_mount_names_the_covering_mount(blivet_disks, ovirt_profile):
    strict = load_profile("ovirt-node-strict")
    lay = ovirt_tree(blivet_disks, strict, tweaks={"/var/log/audit": None})
    f = assert_finding(check(lay, strict), "ONN002", "error", "/var/log/audit",
                       ["would live on /var/log."], ["at least 2 GiB"])
    assert f.device is None


def test_created_mount_missing(blivet_disks, ovirt_profile):
    # imgbased creates a missing /var/log/audit at the first update: a warning saying what
    # it creates, where, and whether the pool has the room.
    lay = ovirt_tree(blivet_disks, ovirt_profile, tweaks={"/var/log/audit": None})
    report = check(lay, ovirt_profile)
    f = assert_finding(report, "ONN016", "warning", "/var/log/audit",
                       ["its files live on /var/log", "first update imgbased creates it",
                        "2 GiB thin LV in pool onn-pool00", "not given to thin LVs"],
                       ["at least 2 GiB", "pool onn-pool00"])
    assert report.ok and f.device is None
    # The pool's room: a pool with room says so, one without says by how much it is short.
    roomy = synthetic(ovirt_profile, pool_size=100 * GiB)
    roomy = Layout(tuple(d for d in roomy if d.mountpoint not in ("/var/crash", "/tmp")))
    findings = [f for f in check(roomy, ovirt_profile).findings if f.code == "ONN016"]
    assert [f.mountpoint for f in findings] == ["/var/crash", "/tmp"]
    assert all("room for the 11 GiB of these 2 volumes" in f.message for f in findings)
    full = synthetic(ovirt_profile)
    exact = full["vg-pool00"].size - full.mounted("/home").size    # what the others take
    tight = Layout(tuple(d for d in synthetic(ovirt_profile, pool_size=exact)
                         if d.mountpoint != "/home"))
    (f,) = [f for f in check(tight, ovirt_profile).findings if f.code == "ONN016"]
    assert "1 GiB short of the 1 GiB" in f.message and "overcommits" in f.message
    # The strict profile makes the same layout an error; the minimal one says nothing.
    assert "ONN002" in codes(check(lay, load_profile("ovirt-node-strict")), "error")


def test_boot_missing(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, boot_kind=None)
    assert_finding(check(lay, ovirt_profile), "ONN002", "error", "/boot",
                   ["/boot is not a separate mount"],
                   ["a partition that is not on LVM", "at least 1 GiB"])


def test_boot_on_lvm(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, boot_kind="lv")
    report = check(lay, ovirt_profile)
    assert_finding(report, "ONN004", "error", "/boot",
                   ["an ordinary (thick) LV", "onn-boot", "a partition that is not on LVM"],
                   ["Recreate /boot as a partition"])
    assert codes(report, "error") == ["ONN004"]


def test_var_as_thick_lv(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, tweaks={"/var": {"kind": "lv"}})
    assert_finding(check(lay, ovirt_profile), "ONN004", "error", "/var",
                   ["an ordinary (thick) LV (onn-var)", "a thin LV in the thin pool of /"],
                   ["Recreate /var as a thin LV"])


def test_swap_as_thin_lv(blivet_disks, ovirt_profile):
    report = check(ovirt_tree(blivet_disks, ovirt_profile, swap="thin"), ovirt_profile)
    # The swap rule's severity (policy recommended: a warning): the install and imgbased
    # work with swap anywhere.
    f = assert_finding(report, "ONN012", "warning", None,
                       ["Swap is on a thin LV (onn-swap)", "an ordinary LV"],
                       ["Recreate swap as an ordinary LV"])
    assert f.device == "onn-swap" and report.ok and "ONN004" not in codes(report)


def test_device_kind_any_accepts_everything(blivet_disks, ovirt_profile):
    profile = ovirt_profile.derive({"mounts": {"/var": {"kind": "any"}}}, "test")
    lay = ovirt_tree(blivet_disks, profile, disk_sizes=(100 * GiB, 30 * GiB),
                     tweaks={"/var": {"kind": "partition"}})
    assert "ONN004" not in codes(check(lay, profile))
    assert "ONN004" in codes(check(lay, ovirt_profile))


def test_var_in_second_pool(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, tweaks={"/var": {"pool": "pool01"}})
    report = check(lay, ovirt_profile)
    assert_finding(report, "ONN003", "error", "/var",
                   ["pool onn-pool01", "not in the pool of / (onn-pool00)"],
                   ["Move /var into thin pool onn-pool00"])
    assert codes(report, "error") == ["ONN003"]


def test_var_in_other_vg(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, disk_sizes=(100 * GiB, 30 * GiB),
                     tweaks={"/var": {"vg": "other"}})
    assert_finding(check(lay, ovirt_profile), "ONN003", "error", "/var",
                   ["other-pool00 (VG other)", "(onn-pool00)"], ["onn-pool00"])


def test_same_pool_can_be_relaxed(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, tweaks={"/var": {"pool": "pool01"}})
    profile = ovirt_profile.derive({"thin_pool": {"all_thin_in_root_pool": False}}, "t")
    assert "ONN003" not in codes(check(lay, profile))


def test_boot_below_minimum(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, boot="512 MiB")
    report = check(lay, ovirt_profile)
    assert_finding(report, "ONN005", "error", "/boot",
                   ["/boot is 512 MiB", "minimum of 1 GiB"], ["at least 1 GiB"])
    assert codes(report, "error") == ["ONN005"]


def test_var_below_minimum(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, tweaks={"/var": {"size": "2 GiB"}})
    assert_finding(check(lay, ovirt_profile), "ONN005", "error", "/var",
                   ["/var is 2 GiB", "minimum of 5 GiB"], ["Make /var at least 5 GiB"])


def test_min_size_allows_one_extent_of_rounding(ovirt_profile):
    lay = synthetic(ovirt_profile, sizes={"/var": 5 * GiB - 4 * MiB})
    assert "ONN005" not in codes(check(lay, ovirt_profile))
    lay = synthetic(ovirt_profile, sizes={"/var": 5 * GiB - 8 * MiB})
    assert "ONN005" in codes(check(lay, ovirt_profile))


def test_swap_below_minimum(ovirt_profile):
    lay = synthetic(ovirt_profile, swap_size=512 * MiB)
    f = assert_finding(check(lay, ovirt_profile), "ONN005", "error", None,
                       ["Swap vg-swap is 512 MiB", "minimum of 1 GiB"], ["at least 1 GiB"])
    assert f.device == "vg-swap"


@pytest.mark.parametrize("fstype", ["vfat", "btrfs", "ext3"])
def test_filesystem_not_allowed(blivet_disks, ovirt_profile, fstype):
    lay = ovirt_tree(blivet_disks, ovirt_profile, tweaks={"/var": {"fstype": fstype}},
                     mountopts=None)
    report = check(lay, ovirt_profile)
    assert_finding(report, "ONN006", "error", "/var",
                   ["/var uses %s" % fstype, "allowed: ext4, xfs"], ["Format /var as ext4"])
    assert codes(report, "error") == ["ONN006"]


def test_filesystem_per_mount_list(blivet_disks, ovirt_profile):
    profile = ovirt_profile.derive({"mounts": {"/var": {"filesystems": ["xfs"]}}}, "t")
    lay = ovirt_tree(blivet_disks, profile, fstype="ext4")
    f = assert_finding(check(lay, profile), "ONN006", "error", "/var", ["allowed: xfs"])
    assert "Format /var as xfs" in f.hint


def test_missing_discard(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, tweaks={"/var/log": {}}, mountopts=None)
    report = check(lay, ovirt_profile)
    assert report.ok
    f = [f for f in report.warnings if f.mountpoint == "/var/log"][0]
    assert (f.code, f.severity, f.rule) == ("ONN011", "warning", "mount-options")
    assert "/var/log is not mounted with discard" in f.message
    assert 'defaults,discard' in f.hint and "/var/log" in f.hint
    assert not any(f.mountpoint == "/boot" for f in report.findings)   # /boot: no options


def test_mount_options_findings_carry_the_missing_options_as_data(blivet_disks,
                                                                  ovirt_profile):
    """The missing options are data on the finding (a spoke says "8 mounts lack discard"
    from it, never from the translated message), in the profile's order, only those that
    are missing; other rules' findings carry none."""
    profile = ovirt_profile.derive(
        {"mounts": {"/var": {"options": ["noatime", "discard", "nodev"]}}}, "t")
    lay = ovirt_tree(blivet_disks, profile, tweaks={"/var": {}}, mountopts="defaults,nodev")
    report = check(lay, profile)
    by_point = {f.mountpoint: f for f in report.findings if f.code == "ONN011"}
    assert by_point["/var"].missing == ("noatime", "discard")
    assert by_point["/var"].to_dict()["missing"] == ("noatime", "discard")
    assert "/" in by_point and by_point["/"].missing == ("discard",)
    assert all(f.missing == () for f in report.findings if f.code != "ONN011")


def test_usr_separate(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, tweaks={"/usr": {"kind": "thin",
                                                                   "size": "5 GiB"}})
    report = check(lay, ovirt_profile)
    assert_finding(report, "ONN007", "error", "/usr", ["must not be a separate mount",
                                                        "onn-usr"], ["Remove the /usr mount"])
    assert codes(report, "error") == ["ONN007"]


def test_duplicate_mount(blivet_disks, ovirt_profile):
    # blivet lets two formats claim one mount point; Blivet.mountpoints would hide that.
    lay = ovirt_tree(blivet_disks, ovirt_profile, tweaks={"/var#2": {"kind": "thin",
                                                                     "size": "5 GiB"}})
    report = check(lay, ovirt_profile)
    assert_finding(report, "ONN015", "error", "/var", ["2 devices", "onn-var, onn-var2"],
                   ["Give /var to one device only"])


def test_overcommitted_pool(ovirt_profile):
    # blivet refuses to grow thin LVs past their pool at scheduling time, so build directly.
    lay = synthetic(ovirt_profile, pool_size=40 * GiB)
    report = check(lay, ovirt_profile)
    f = assert_finding(report, "ONN008", "error", None,
                       ["Thin pool vg-pool00 is overcommitted", "take 43 GiB", "has 40 GiB"],
                       ["Grow the pool by 3 GiB"])
    assert f.device == "vg-pool00"
    assert "ONN008" not in codes(check(synthetic(ovirt_profile, pool_size=43 * GiB),
                                       ovirt_profile))
    allowed = ovirt_profile.derive({"thin_pool": {"overcommit": True}}, "t")
    assert "ONN008" not in codes(check(lay, allowed))


def test_overcommit_judges_the_pool_of_root_only(ovirt_profile):
    devices = list(synthetic(ovirt_profile))
    devices += [Device("vg-other", L.THINPOOL, GiB, ("vg",), metadata_size=MiB),
                Device("vg-big", L.THINLV, 50 * GiB, ("vg-other",))]
    assert "ONN008" not in codes(check(Layout(tuple(devices)), ovirt_profile))


def test_no_vg_reserve(blivet_disks, ovirt_profile):
    # No reserve at all while the pool grows: an error (the pool and its metadata cannot
    # grow), reported once, not also as a reserve below the percentage.
    lay = ovirt_tree(blivet_disks, ovirt_profile, reserve=False)
    report = check(lay, ovirt_profile)
    f = assert_finding(report, "ONN018", "error", None,
                       ["Volume group onn keeps only %s free" % format_size(lay["onn"].free),
                        "thin pool onn-pool00 grows", "cannot grow to 1 GiB"],
                       ["--reserved-percent=20"])
    assert f.device == "onn"
    assert codes(report, "error") == ["ONN018"] and "ONN009" not in codes(report)
    # ... and with nothing free the pool metadata cannot reach 1 GiB.
    assert_finding(report, "ONN014", "warning", None,
                   ["metadata of thin pool onn-pool00", "grow to 1 GiB"], ["free in onn"])


def test_small_vg_reserve_is_a_warning(blivet_disks, ovirt_profile):
    # 5 GiB free of a ~98 GiB VG: below the 20 %, but the metadata can grow: a warning.
    lay = synthetic(ovirt_profile, vg_free=5 * GiB)
    vg = lay["vg"]
    report = check(lay, ovirt_profile)
    f = assert_finding(report, "ONN009", "warning", None,
                       ["Volume group vg keeps 5 GiB free",
                        "reserve of %s" % format_size(ovirt_profile.reserve_for(vg.size)),
                        "20 %% of %s" % format_size(vg.size)],
                       ["--reserved-percent=20"])
    assert f.device == "vg" and report.ok
    assert only(check(lay, load_profile("ovirt-node-strict")), "ONN009").severity == "error"
    # A kickstart says what it reserves, not what is free: no reserve on a growing pool.
    pool = dataclasses.replace(lay["vg-pool00"], grow=True)
    asked = dataclasses.replace(vg, free=None, size=None, reserved_percent=0.0,
                                reserved_space=0)
    ks = Layout(tuple(asked if d is vg else pool if d.name == pool.name else d for d in lay))
    assert only(check(ks, ovirt_profile), "ONN018").severity == "error"
    some = dataclasses.replace(asked, reserved_space=1024 * MiB)
    ks = Layout(tuple(some if d.name == "vg" else d for d in ks))
    assert "ONN018" not in codes(check(ks, ovirt_profile))


def test_recommended_size(ovirt_profile):
    # Below imgbased's size, above the hard minimum (none for /var/log): a warning that
    # says imgbased would have made it bigger and never resizes it.
    lay = synthetic(ovirt_profile, sizes={"/var/log": 8000 * MiB, "/var/tmp": 9 * GiB})
    report = check(lay, ovirt_profile)
    f = assert_finding(report, "ONN017", "warning", "/var/log",
                       ["7.81 GiB, below the recommended 8 GiB", "created it with 8 GiB",
                        "never resizes"], ["at least 8 GiB"])
    assert f.device == "vg-var_log"
    # Below the hard minimum it is the error of min-size, not also this warning.
    assert only(report, "ONN005").mountpoint == "/var/tmp"
    lower = ovirt_profile.derive({"mounts": {"/var/log": {"recommended": "7 GiB"}}}, "t")
    assert "ONN017" not in codes(check(lay, lower))


def test_reserve_from_profile(ovirt_profile):
    lay = synthetic(ovirt_profile, vg_free=15 * GiB)          # VG of 100 GiB
    assert "ONN009" in codes(check(lay, ovirt_profile))
    relaxed = ovirt_profile.derive({"volume_group": {"reserve_percent": 10}}, "t")
    assert "ONN009" not in codes(check(lay, relaxed))


def test_pool_metadata(ovirt_profile):
    lay = synthetic(ovirt_profile, vg_free=512 * MiB, metadata=256 * MiB)
    profile = ovirt_profile.derive({"rules": {"vg-reserve": "off"}}, "t")
    f = assert_finding(check(lay, profile), "ONN014", "warning", None,
                       ["only 768 MiB", "256 MiB now", "512 MiB free in vg"],
                       ["Leave at least 768 MiB free in vg"])
    assert f.device == "vg-pool00"
    lay = synthetic(ovirt_profile, vg_free=800 * MiB, metadata=256 * MiB)
    assert "ONN014" not in codes(check(lay, profile))


def test_small_disk(blivet_disks, minimal_profile):
    lay = ovirt_tree(blivet_disks, minimal_profile, disk_sizes=(32 * GiB,),
                     tweaks={p: None for p, r in minimal_profile.mounts.items()
                             if not r.required})
    report = check(lay, minimal_profile)
    assert_finding(report, "ONN010", "error", None,
                   ["disk0.img", "hold 32 GiB", "minimum of 64 GiB"], ["at least 64 GiB"])
    assert codes(report) == ["ONN010"]


def test_disk_total_counts_the_disks_in_use(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, disk_sizes=(40 * GiB, 40 * GiB))
    assert "ONN010" not in codes(check(lay, ovirt_profile))
    # An unused disk does not count towards the minimum.
    devices = [d for d in synthetic(ovirt_profile, disk_size=40 * GiB)]
    devices.append(Device("spare", L.DISK, 100 * GiB))
    f = only(check(Layout(tuple(devices)), ovirt_profile), "ONN010")
    assert "spare" not in f.message and "40 GiB" in f.message


def test_no_swap(blivet_disks, ovirt_profile):
    report = check(ovirt_tree(blivet_disks, ovirt_profile, swap=None), ovirt_profile)
    f = assert_finding(report, "ONN012", "warning", None, ["There is no swap"],
                       ["Add swap as an ordinary LV"])
    assert report.ok
    required = ovirt_profile.derive({"swap": {"policy": "required"}}, "t")
    assert only(check(ovirt_tree(blivet_disks, ovirt_profile, swap=None), required),
                "ONN012").severity == "error"
    none = ovirt_profile.derive({"swap": {"policy": "none"}}, "t")
    assert check(ovirt_tree(blivet_disks, ovirt_profile, swap=None), none).findings == ()
    assert f.device is None


def test_optional_mount_missing(blivet_disks, ovirt_profile):
    profile = ovirt_profile.derive({"mounts": {"/home": {"presence": "optional"}}}, "t")
    lay = ovirt_tree(blivet_disks, profile, tweaks={"/home": None})
    report = check(lay, profile)
    assert_finding(report, "ONN013", "warning", "/home", ["/home is not a separate mount"],
                   ["at least 1 GiB"])
    assert "ONN016" not in codes(report)
    assert report.ok
    assert "ONN013" not in codes(check(ovirt_tree(blivet_disks, profile), profile))
    # The minimal profile switches the rule off.
    assert "ONN013" not in codes(check(lay, load_profile("ovirt-node-minimal")))


def test_no_root_at_all(ovirt_profile):
    lay = Layout((Device("sda", L.DISK, 100 * GiB),
                  Device("sda1", L.PARTITION, GiB, ("sda",), "xfs", "/boot")))
    report = check(lay, ovirt_profile)
    f = [f for f in report.errors if f.mountpoint == "/"][0]
    assert f.code == "ONN002" and "There is no / mount point" in f.message
    assert "ONN001" not in codes(report)   # nothing to judge the kind of


# --- every rule is exercised -----------------------------------------------------------------
FIRING_TESTS = {
    "root-kind": test_root_kind, "required-mount": test_required_mount_missing_var,
    "same-pool": test_var_in_second_pool, "device-kind": test_boot_on_lvm,
    "min-size": test_var_below_minimum, "filesystem": test_filesystem_not_allowed,
    "forbidden-mount": test_usr_separate, "pool-overcommit": test_overcommitted_pool,
    "vg-reserve": test_no_vg_reserve, "disk-size": test_small_disk,
    "mount-options": test_missing_discard, "swap": test_no_swap,
    "optional-mount": test_optional_mount_missing, "pool-metadata": test_pool_metadata,
    "duplicate-mount": test_duplicate_mount, "created-mount": test_created_mount_missing,
    "recommended-size": test_recommended_size, "vg-no-reserve": test_no_vg_reserve,
}


# The smallest break of each rule on the clean synthetic layout: profile overrides (the
# profile key that governs the rule) or a change of the layout (see _broken), and the
# (mount point, device) the one finding names.
_THIN_MOUNT = {"kind": "thin", "min": "1 GiB", "default": "1 GiB"}
BREAKS = {
    "root-kind": ({"mounts": {"/": {"kind": "lv"}}}, None, ("/", "vg-root")),
    "required-mount": ({"mounts": {"/srv": _THIN_MOUNT}}, None, ("/srv", None)),
    "optional-mount": ({"mounts": {"/srv": dict(_THIN_MOUNT, presence="optional")}}, None,
                       ("/srv", None)),
    "device-kind": ({"mounts": {"/var": {"kind": "lv"}}}, None, ("/var", "vg-var")),
    "min-size": ({"mounts": {"/var": {"min": "50 GiB", "default": "50 GiB"}}}, None,
                 ("/var", "vg-var")),
    "filesystem": ({"mounts": {"/var": {"filesystems": ["ext4"]}}}, None, ("/var", "vg-var")),
    "mount-options": ({"mounts": {"/var": {"options": ["discard", "noatime"]}}}, None,
                      ("/var", "vg-var")),
    "disk-size": ({"disk": {"min_total": "1 TiB"}}, None, (None, None)),
    "vg-reserve": ({"volume_group": {"reserve_percent": 60}}, None, (None, "vg")),
    "pool-metadata": ({"thin_pool": {"min_metadata": "100 GiB"}}, None, (None, "vg-pool00")),
    "pool-overcommit": ({"thin_pool": {"overcommit": False}}, "small-pool", (None, "vg-pool00")),
    "swap": ({}, "no-swap", (None, None)),
    "forbidden-mount": ({}, "usr", ("/usr", "vg-usr")),
    "same-pool": ({}, "second-pool", ("/var", "vg-var")),
    "duplicate-mount": ({}, "duplicate", ("/var", "vg-var2")),
    "created-mount": ({"mounts": {"/srv": dict(_THIN_MOUNT, presence="created")}}, None,
                      ("/srv", None)),
    "recommended-size": ({"mounts": {"/var": {"recommended": "6 GiB"}}}, None,
                         ("/var", "vg-var")),
    "vg-no-reserve": ({}, "no-reserve", (None, "vg")),
}


def _broken(profile, change):
    """The clean synthetic layout of *profile* with *change* (a key of BREAKS) applied."""
    if change == "small-pool":
        return synthetic(profile, pool_size=10 * GiB)
    # room in the pool for the LV a change adds, so only the rule under test fires
    devs = list(synthetic(profile, pool_size=100 * GiB if change else None))
    var = next(d for d in devs if d.mountpoint == "/var")
    if change == "no-reserve":
        devs = [dataclasses.replace(d, free=0) if d.kind == L.VG else
                dataclasses.replace(d, grow=True) if d.kind == L.THINPOOL else d for d in devs]
    elif change == "no-swap":
        devs = [d for d in devs if d.format != "swap"]
    elif change == "usr":
        devs.append(dataclasses.replace(var, name="vg-usr", mountpoint="/usr"))
    elif change == "duplicate":
        devs.append(dataclasses.replace(var, name="vg-var2"))
    elif change == "second-pool":
        pool = next(d for d in devs if d.name == "vg-pool00")
        devs.append(dataclasses.replace(pool, name="vg-pool01"))
        devs = [dataclasses.replace(d, parents=("vg-pool01",)) if d is var else d for d in devs]
    return Layout(tuple(devs), origin="synthetic")


def test_every_rule_has_a_firing_test():
    # every layout rule (ONN0xx) of the catalogue is implemented, has a firing test and a break
    layout_rules = {s for s, info in catalog.CATALOG.items() if info.code.startswith("ONN0")}
    assert layout_rules == set(checker.RULES) == set(FIRING_TESTS) == set(BREAKS)
    for slug, test in FIRING_TESTS.items():
        # the registered test really is about this rule
        assert catalog.CATALOG[slug].code in inspect.getsource(test), slug


def test_the_clean_layout_is_clean(ovirt_profile):
    assert check(synthetic(ovirt_profile), ovirt_profile).findings == ()


@pytest.mark.parametrize("slug", sorted(BREAKS))
def test_each_rule_is_quiet_on_the_clean_layout_and_fires_alone_on_its_break(slug,
                                                                            ovirt_profile):
    rule = checker.RULES[slug]
    clean = synthetic(ovirt_profile)
    assert all(clean.has(f) for f in rule.needs)      # it runs here, no "not checked"
    assert list(rule(checker.Context(clean, ovirt_profile))) == []
    overrides, change, where = BREAKS[slug]
    profile = ovirt_profile.derive(overrides, "break.yaml") if overrides else ovirt_profile
    report = check(_broken(ovirt_profile, change), profile)
    # this rule's finding, and nothing else
    assert len(report.findings) == 1, [(f.code, f.mountpoint, f.message) for f in report.findings]
    (f,) = report.findings
    assert (f.code, f.rule) == (catalog.CATALOG[slug].code, slug)
    assert (f.mountpoint, f.device) == where
    assert f.severity == profile.severity(slug) != catalog.INFO and f.message and f.hint


def test_only_limits_the_rules(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, boot="512 MiB", tweaks={"/var": None})
    assert codes(check(lay, ovirt_profile)) == ["ONN002", "ONN005"]
    assert codes(check(lay, ovirt_profile, only={"min-size"})) == ["ONN005"]


def test_errors_come_first(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, swap=None, boot="512 MiB")
    sev = [f.severity for f in check(lay, ovirt_profile).findings]
    assert sev == sorted(sev, key=["error", "warning", "info"].index) and len(set(sev)) == 2


# --- severities from the profile -------------------------------------------------------------
def test_severity_override_to_error(blivet_disks, ovirt_profile):
    lay = autopart(blivet_disks, [100 * GiB])
    strict = ovirt_profile.derive({"rules": {"mount-options": "error"}}, "site.yaml")
    report = check(lay, strict)
    assert {f.code for f in report.errors} == {"ONN011"}
    assert report.warnings == () and report.exit_code() == 1


def test_severity_off_disables(blivet_disks, ovirt_profile):
    lay = autopart(blivet_disks, [100 * GiB])
    off = ovirt_profile.derive({"rules": {"mount-options": "off"}}, "site.yaml")
    assert check(lay, off).findings == ()
    by_code = ovirt_profile.derive({"rules": {"ONN011": "info"}}, "site.yaml")
    report = check(lay, by_code)
    assert report.infos and report.warnings == () and report.errors == ()


def test_error_can_be_relaxed(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, boot="512 MiB")
    relaxed = ovirt_profile.derive({"rules": {"min-size": "warning"}}, "t")
    report = check(lay, relaxed)
    assert report.ok and only(report, "ONN005").severity == "warning"


# --- LUKS, MD RAID, several disks, several VGs -----------------------------------------------
def luks_pvs(b, disks):
    return [luks_pv(b, disks[0])]


def md_pvs(b, disks):
    members = []
    for disk in disks:
        part = b.new_partition(size=Size("1 GiB"), grow=True, fmt_type="mdmember",
                               parents=[disk])
        b.create_device(part)
        members.append(part)
    do_partitioning(b)
    md = b.new_mdarray(name="pv00", level="raid1", parents=members, total_devices=2,
                       member_devices=2, fmt_type="lvmpv")
    b.create_device(md)
    return [md]


def test_luks_under_pv(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, pvs=luks_pvs)
    assert [d for d in lay if d.kind == L.LUKS]
    assert check(lay, ovirt_profile).findings == ()
    bad = ovirt_tree(blivet_disks, ovirt_profile, pvs=luks_pvs, tweaks={"/var": {"kind": "lv"}})
    assert codes(check(bad, ovirt_profile)) == ["ONN004"]


def test_md_raid_pvs(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, disk_sizes=(80 * GiB, 80 * GiB), pvs=md_pvs)
    assert lay["pv00"].kind == L.MDRAID
    assert check(lay, ovirt_profile).findings == ()
    minimal = load_profile("ovirt-node-minimal")
    small = ovirt_tree(blivet_disks, minimal, disk_sizes=(33 * GiB, 33 * GiB), pvs=md_pvs,
                       tweaks={p: None for p, r in minimal.mounts.items() if not r.required})
    # RAID1 halves the space, but both disks are in use: 66 GiB of disks >= 64 GiB.
    assert small["pv00"].size < 33 * GiB
    assert check(small, minimal).findings == ()


def test_boot_on_md_raid_is_a_partition(ovirt_profile):
    devices = [d for d in synthetic(ovirt_profile) if d.mountpoint != "/boot"]
    devices += [Device("sdb", L.DISK, 100 * GiB),
                Device("sda9", L.PARTITION, GiB, ("sda",), "mdmember"),
                Device("sdb9", L.PARTITION, GiB, ("sdb",), "mdmember"),
                Device("md-boot", L.MDRAID, GiB, ("sda9", "sdb9"), "xfs", "/boot")]
    assert check(Layout(tuple(devices)), ovirt_profile).findings == ()


def test_several_disks(blivet_disks, ovirt_profile):
    lay = autopart(blivet_disks, [40 * GiB, 40 * GiB, 40 * GiB])
    assert len(lay["onn"].parents) == 3
    assert check(lay, ovirt_profile).errors == ()
    small = autopart(blivet_disks, [31 * GiB, 31 * GiB], mountopts=OPTS, ram=GiB)
    f = only(check(small, ovirt_profile), "ONN010")
    assert "disk0.img, disk1.img" in f.message and "62 GiB" in f.message


def test_several_vgs_pool_of_root_counts(ovirt_profile):
    # The data VG comes first, has no reserve and an overcommitted pool: not the pool of /.
    data = [Device("sdb", L.DISK, 500 * GiB),
            Device("sdb1", L.PARTITION, 500 * GiB, ("sdb",), "lvmpv"),
            Device("data", L.VG, 500 * GiB, ("sdb1",), free=0, extent_size=4 * MiB),
            Device("data-pool", L.THINPOOL, 100 * GiB, ("data",), metadata_size=MiB),
            Device("data-vm", L.THINLV, 400 * GiB, ("data-pool",)),
            Device("data-srv", L.LV, 300 * GiB, ("data",), "xfs", "/srv")]
    lay = Layout(tuple(data) + synthetic(ovirt_profile).devices)
    assert check(lay, ovirt_profile).findings == ()
    # but a required mount in that VG's pool is in the wrong pool
    moved = [d if d.mountpoint != "/var" else Device(**{**d.__dict__, "parents": ("data-pool",)})
             for d in lay]
    f = only(check(Layout(tuple(moved)), ovirt_profile), "ONN003")
    assert "data-pool (VG data)" in f.message and f.mountpoint == "/var"


def test_several_vgs_in_blivet(blivet_disks, ovirt_profile):
    lay = ovirt_tree(blivet_disks, ovirt_profile, disk_sizes=(100 * GiB, 30 * GiB),
                     tweaks={"/srv": {"kind": "lv", "size": "5 GiB", "vg": "other"}})
    assert [d.name for d in lay if d.kind == L.VG] == ["onn", "other"]
    assert check(lay, ovirt_profile).findings == ()


# --- a synthetic layout, built from the profile ----------------------------------------------
def synthetic(profile, sizes=None, disk_size=100 * GiB, pool_size=None, vg_free=None,
              metadata=GiB, swap_size=2 * GiB):
    """A correct layout for *profile* made of Device records: one disk, /boot partition,
    one VG with the reserve free, one pool holding a thin LV per thin mount."""
    sizes = dict(sizes or {})
    thin = {p: sizes.get(p, r.default_size) for p, r in profile.mounts.items()
            if r.kind == "thin"}
    vg_size = disk_size - 2 * GiB
    if vg_free is None:
        vg_free = profile.reserve_for(vg_size)
    if pool_size is None:
        pool_size = sum(thin.values())
    devices = [
        Device("sda", L.DISK, disk_size),
        Device("sda1", L.PARTITION, profile.mounts["/boot"].default_size, ("sda",), "xfs",
               "/boot"),
        Device("sda2", L.PARTITION, vg_size, ("sda",), "lvmpv"),
        Device("vg", L.VG, vg_size, ("sda2",), free=vg_free, extent_size=4 * MiB),
        Device("vg-pool00", L.THINPOOL, pool_size, ("vg",), metadata_size=metadata),
        Device("vg-swap", L.LV, swap_size, ("vg",), "swap"),
    ]
    for point, size in thin.items():
        name = "vg-" + ((point.strip("/") or "root").replace("/", "_"))
        devices.append(Device(name, L.THINLV, size, ("vg-pool00",), "xfs", point,
                              profile.mounts[point].options))
    return Layout(tuple(devices), origin="synthetic")


# --- no hard-coded mount point or size in the rules ------------------------------------------
_PATH = re.compile(r"(?:^|[\s(\"'=,])/[A-Za-z0-9_-]")
_SIZE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:[KMGTPE]i?B|[kKMGTPE]|B)\b")
_UNIT_NAMES = {"KiB", "MiB", "GiB", "TiB", "PiB"}


def hard_coded(source):
    """(line, text) of every mount point, size string, size constant or big number in
    *source* (Python code)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _PATH.search(node.value) or _SIZE.search(node.value):
                found.append((node.lineno, node.value))
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool) and abs(node.value) >= 100:
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.Name) and node.id in _UNIT_NAMES:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.alias) and node.name in _UNIT_NAMES:
            found.append((getattr(node, "lineno", 0), node.name))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            found.append((node.lineno, "a power"))
    return found


def test_the_scanner_finds_hard_coding():
    sample = '''
from org_ovirt_node.units import GiB
def rule(ctx):
    if ctx.layout.mounted("/var") is None or dev.size < 5 * GiB:
        yield ("/", None, "Make it 6 GiB", 1024 ** 3)
    if dev.size < 1073741824 or dev.size < parse_size("2G"):
        yield ("x", None, _("see /var/log for details"), "")
'''
    found = {text for _, text in hard_coded(sample)}
    assert {"/var", "GiB", "Make it 6 GiB", "a power", 1073741824, "2G",
            "see /var/log for details"} <= found
    assert "/" not in found


def test_checker_has_no_hard_coded_mount_point_or_size():
    sources = {inspect.getsourcefile(checker)}
    sources.update(inspect.getsourcefile(func) for func in checker.RULES.values())
    for path in sources:
        with open(path) as handle:
            assert hard_coded(handle.read()) == [], path


def test_severity_from_site_yaml(blivet_disks):
    from org_ovirt_node.profile import load_profile_text
    lay = autopart(blivet_disks, [64 * GiB])
    strict = load_profile_text("extends: ovirt-node\nrules:\n  mount-options: error\n", "s.yaml")
    assert {f.code for f in check(lay, strict).errors} == {"ONN011"}
    quiet = load_profile_text("extends: ovirt-node\nrules:\n  mount-options: off\n", "q.yaml")
    assert check(lay, quiet).findings == ()
