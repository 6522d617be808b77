# SPDX-License-Identifier: GPL-2.0-or-later
"""One design, every output: a matrix of profiles x disk sets x overrides rendered through the
blivet planner (sparse disks), the kickstart (parsed back with pykickstart RHEL9), the
service's GetPlan entries and the Anaconda drop-in's default_partitioning (parsed back as
Anaconda reads it); they agree on mount points, filesystems, sizes/grow and swap wherever the
output can say them. Plus the design's own policy and the autopart verdict."""
import dataclasses
import subprocess
import sys

import pytest
from test_anaconda_conf import partitioning, read_conf
from test_render import parse

from org_ovirt_node import design as D
from org_ovirt_node import layout as L
from org_ovirt_node.installer.dropin import render_dropin
from org_ovirt_node.installer.requests import (
    DEVICE_TYPE_LVM,
    DEVICE_TYPE_LVM_THINP,
    DEVICE_TYPE_PARTITION,
    plan_entries,
)
from org_ovirt_node.planning.planner import PlanError, plan
from org_ovirt_node.planning.render import render_kickstart
from org_ovirt_node.profile import load_profile
from org_ovirt_node.units import GiB, MiB, TiB

RAM = 20 * GiB
EXTENT = 4 * MiB   # LVM rounds LV sizes up to whole extents

SITE = {"mounts": {"/var/lib/libvirt": {"kind": "thin", "min": "20 GiB", "default": "20 GiB"},
                   "/srv": {"kind": "thin", "min": "2 GiB", "default": "3 GiB", "grow": True},
                   "/var": {"min": "8 GiB", "default": "8 GiB"}}}
PROFILES = {
    "ovirt-node": lambda: load_profile("ovirt-node"),
    "ovirt-node-minimal": lambda: load_profile("ovirt-node-minimal"),
    "site": lambda: load_profile("ovirt-node").derive(SITE, "site.yaml"),
    "thick-root": lambda: load_profile("ovirt-node").derive(
        {"mounts": {"/": {"kind": "lv"}}}, "thick.yaml"),
}
DISK_SETS = [  # (sizes, firmware)
    ((64 * GiB,), "bios"),
    ((100 * GiB,), "uefi"),
    ((100 * GiB,), "bios"),
    ((80 * GiB, 40 * GiB), "uefi"),
    ((2 * TiB,), "bios"),
]
# (%addon overrides merged into the profile, planner options)
OVERRIDES = {
    "none": ({}, {}),
    "ext4+swap.min": ({"filesystems": {"default": "ext4"}, "swap": {"min": "12 GiB"}}, {}),
    "swap=2GiB": ({}, {"swap": 2 * GiB}),
}

_CACHE = {}


def profile_for(name, override):
    key = (name, override)
    if key not in _CACHE:
        profile = PROFILES[name]()
        data = OVERRIDES[override][0]
        _CACHE[key] = profile.derive(data, "ks:2") if data else profile
    return _CACHE[key]


def mount_requests(design, platform=True):
    """``{mount point or 'swap': request}`` of a design (without the platform's boot
    partitions unless *platform*)."""
    out = {}
    for req in design.requests:
        if req.fstype in ("efi", "biosboot") and not platform:
            continue
        if req.fstype in ("swap", "biosboot"):
            out[req.fstype] = req
        elif req.mountpoint:
            out[req.mountpoint] = req
    return out


# --- each output read back as {mount: (size, grow, fstype)} ---------------------------------
def from_layout(result):
    """The planned tree: every device the plan creates with a mount point or swap."""
    out = {}
    for dev in result.layout:
        if dev.name not in result.new_devices:
            continue
        if dev.format in ("swap", "biosboot"):
            out[dev.format] = dev
        elif dev.mountpoint:
            out[dev.mountpoint] = dev
    return out


def from_kickstart(text):
    handler = parse(text)
    out = {}
    for part in handler.partition.partitions:
        if not part.mountpoint.startswith("pv."):
            key = part.mountpoint  # a path, or the keyword swap / biosboot
            out[key] = (part.size * MiB, bool(part.grow), part.fstype, D.PARTITION)
    for lv in handler.logvol.lvList:
        if lv.thin_pool:
            continue
        out[lv.mountpoint] = (lv.size * MiB, bool(lv.grow), lv.fstype,
                              D.THINLV if lv.thin_volume else D.LV)
    return out


_TYPES = {DEVICE_TYPE_PARTITION: D.PARTITION, DEVICE_TYPE_LVM: D.LV,
          DEVICE_TYPE_LVM_THINP: D.THINLV}


def from_getplan(entries):
    return {e["mount_point"] or "swap": (e["device_size"], e["grow"], e["format_type"],
                                         _TYPES[e["device_type"]]) for e in entries}


def from_dropin(text):
    conf = read_conf(text)
    out = {}
    for attrs in partitioning(conf["Storage"]["default_partitioning"]):
        size = attrs.get("min", attrs.get("size"))
        out[attrs["name"]] = (int(size) if size is not None else None, "min" in attrs)
    return conf["Storage"]["default_scheme"], out


# --- growth: the design's final sizes against blivet's ---------------------------------------
def assert_resolved(design, resolved):
    """What :func:`~org_ovirt_node.design.resolve_growth` promises whatever blivet does: the
    same requests, only the growing ones changed, never below their minimum nor beyond their
    filesystem's largest size, and all of it fits: partitions and PVs in each disk, the LVs,
    the pool's metadata twice and the reserve in the VG, the thin LVs in the pool."""
    if design.boot_disk is None:
        assert resolved == design
        return
    assert len(resolved.requests) == len(design.requests)
    for old, new in zip(design.requests, resolved.requests):
        if old.kind == D.VG:
            continue
        assert dataclasses.replace(new, size=old.size, grow=old.grow) == old
        assert not new.grow
        if old.grow:
            assert new.size >= old.size, old.name
            assert new.size <= D.FS_MAX_SIZE.get(old.fstype, new.size), old.name
        else:
            assert new.size == old.size, old.name
    for disk in design.facts.disks:
        on_disk = [r for r in resolved.partitions + resolved.pvs if r.disk == disk.name]
        assert sum(r.size + D.PART_ALIGN for r in on_disk) <= max(disk.room, 0) \
            or not any(r.grow for r in design.partitions + design.pvs if r.disk == disk.name)
    thin = sum(r.size for r in resolved.volumes if r.kind == D.THINLV)
    thick = sum(r.size for r in resolved.volumes if r.kind == D.LV)
    grew = resolved.pool.size > design.pool.size
    assert thin <= resolved.pool.size or not grew
    metadata = D.thin_metadata_size(resolved.pool.size)
    vg = resolved.vg.size
    percent, low, high = design.reserve
    reserve = min(max(int(vg * percent / 100), low), high if high is not None else vg)
    assert resolved.pool.size + 2 * metadata + thick + reserve <= vg or not grew


def assert_grown_like_blivet(resolved, result):
    """The final sizes are blivet's own (the planner grows with ``grow_lvm``) within two
    extents, and never above them: the device factory must find room for them."""
    layout = result.layout
    built = from_layout(result)
    vg = layout.get(resolved.vg.name)
    assert -2 * D.EXTENT <= resolved.vg.size - vg.size <= 0
    (pool,) = [d for d in layout.children_of(vg) if d.kind == L.THINPOOL]
    pairs = [(resolved.pool, pool.size)] + [
        (r, built[r.mountpoint or r.fstype].size) for r in resolved.volumes]
    for req, size in pairs:
        assert -2 * D.EXTENT <= req.size - size <= 0, (req.name, req.size, size)


# --- the matrix -----------------------------------------------------------------------------
@pytest.mark.parametrize("override", sorted(OVERRIDES))
@pytest.mark.parametrize("sizes, firmware", DISK_SETS,
                         ids=["%s-%s" % ("+".join("%dG" % (s // GiB) for s in sz), fw)
                              for sz, fw in DISK_SETS])
@pytest.mark.parametrize("profile_name", sorted(PROFILES))
def test_every_output_renders_the_same_design(blivet_disks, profile_name, sizes, firmware,
                                              override):
    profile = profile_for(profile_name, override)
    options = OVERRIDES[override][1]
    b, disks = blivet_disks(list(sizes))
    names = [d.name for d in disks]
    facts = D.DiskFacts(tuple(D.Disk(d.name, int(d.size), label=d.format.label_type)
                              for d in disks),
                        firmware=firmware, ram=RAM)
    expected = D.design(profile, facts, swap=options.get("swap"))
    bare = D.design(profile, None, disk_names=names)   # no disk facts

    # The planner: refuses exactly what the design says does not fit, else builds it.
    usable = sum(d.room for d in facts.disks)
    try:
        result = plan(profile, b, disks, firmware=firmware, ram=RAM, **options)
    except PlanError as exc:
        assert exc.needed is not None and exc.needed > exc.found, exc
        assert expected.needed > usable - 2 * MiB * len(disks) or expected.boot_disk is None \
            or (profile.min_disk_total or 0) > sum(sizes)
        result = None
    resolved = D.resolve_growth(expected)
    assert_resolved(expected, resolved)
    if result is not None:
        assert result.design.requests == expected.requests   # the same design, recomputed
        assert_grown_like_blivet(resolved, result)
        built = from_layout(result)
        want = mount_requests(expected)
        assert set(built) == set(want)
        for key, req in want.items():
            dev = built[key]
            assert dev.format == req.fstype, key
            assert {D.THINLV: L.THINLV, D.LV: L.LV, D.PARTITION: L.PARTITION}[req.kind] \
                == dev.kind, key
            if req.grow:
                assert dev.size >= req.size - EXTENT, key
            elif req.kind == D.PARTITION:
                assert abs(dev.size - req.size) <= MiB, key
            else:
                assert req.size <= dev.size < req.size + EXTENT, key
        # The kickstart: the same requests, in MiB.
        ks = from_kickstart(render_kickstart(result, profile))
        for key, req in want.items():
            assert ks[key] == (-(-req.size // MiB) * MiB, req.grow, req.fstype, req.kind), key
        assert set(ks) == set(want)

    # GetPlan (no disk facts): the same mounts, kinds, filesystems, sizes and grow; swap is
    # the installer's recommendation there, reported at its floor.
    plan_view = from_getplan(plan_entries(profile, names))
    want = mount_requests(expected, platform=False)
    assert set(plan_view) == set(want) | ({"swap"} if bare.swap else set())
    for key, req in want.items():
        if key == "swap":
            continue
        assert plan_view[key] == (req.size, req.grow, req.fstype, req.kind), key
    if "swap" in want:
        assert plan_view["swap"][2:] == ("swap", want["swap"].kind)
        if "swap" not in options:
            assert plan_view["swap"][0] == (profile.swap_min or 0) <= want["swap"].size

    # The drop-in (no disk facts): the same LVM mounts and /, with the same size and grow.
    scheme, dropin = from_dropin(render_dropin(profile))
    assert scheme == {D.THINLV: "LVM_THINP", D.LV: "LVM", D.PARTITION: "PLAIN"}[
        expected.mounts["/"].kind]
    lvm = {k: r for k, r in want.items()
           if k != "swap" and (r.kind != D.PARTITION or k == "/")}
    assert {k for k in dropin if k != "swap"} == set(lvm)
    for key, req in lvm.items():
        assert dropin[key] == (req.size, req.grow), key
    assert ("swap" in dropin) == (bare.swap is not None)


# --- the policy ---------------------------------------------------------------------------
def test_policy_on_the_reference_disk():
    """100 GiB, 20 GiB RAM, BIOS on GPT: the numbers docs/planner.md compares with autopart."""
    profile = load_profile("ovirt-node")
    facts = D.DiskFacts((D.Disk("sda", 100 * GiB, label="gpt"),), firmware="bios", ram=RAM)
    d = D.design(profile, facts)
    reqs = mount_requests(d)
    assert d.swap == D.Swap("lv", 10 * GiB) and reqs["swap"].size == 10 * GiB
    assert (reqs["/"].size, reqs["/"].grow, reqs["/"].kind) == (6 * GiB, True, D.THINLV)
    assert (reqs["/var"].size, reqs["/var"].grow) == (5 * GiB, False)
    assert reqs["/boot"].kind == D.PARTITION and reqs["/boot"].fstype == "xfs"
    assert [r.name for r in d.partitions] == ["biosboot", "boot"]
    assert d.pool.size == 43 * GiB and d.pool.grow
    assert d.reserve == (20, 1 * GiB, 100 * GiB) and d.needed < 100 * GiB
    assert [(p.name, p.disk) for p in d.pvs] == [("pv.01", "sda")]


def test_no_disk_facts_path():
    profile = load_profile("ovirt-node")
    d = D.design(profile)
    assert not d.has_facts and d.needed is None and d.boot_disk is None
    assert [r.name for r in d.partitions] == ["boot"]        # no platform partitions
    assert d.swap == D.Swap("lv", 1 * GiB, recommended=True)  # floor: swap.min
    assert [p.disk for p in d.pvs] == [None]
    # An explicit size is kept even without facts.
    assert D.design(profile, swap=3 * GiB).swap == D.Swap("lv", 3 * GiB)
    none = load_profile("ovirt-node").derive({"swap": {"policy": "none"}}, "t")
    assert D.design(none).swap is None


def test_uefi_puts_an_esp_on_the_disk_that_has_room():
    profile = load_profile("ovirt-node")
    facts = D.DiskFacts((D.Disk("sda", 100 * GiB, usable=512 * MiB),
                         D.Disk("sdb", 100 * GiB)), firmware="uefi", ram=RAM)
    d = D.design(profile, facts)
    assert d.boot_disk == "sdb" and [p.disk for p in d.pvs] == ["sdb"]
    assert [(r.name, r.disk, r.size) for r in d.partitions][0] == ("efi", "sdb", D.ESP_SIZE)


@pytest.mark.parametrize("swap, message", [(-1, "negative"), (0, "requires swap")])
def test_bad_swap_is_refused(swap, message):
    profile = load_profile("ovirt-node").derive({"swap": {"policy": "required"}}, "t")
    with pytest.raises(ValueError, match=message):
        D.design(profile, swap=swap)


def test_design_is_pure():
    """The design step imports neither blivet, pyanaconda nor pykickstart."""
    code = ("import sys; import org_ovirt_node.design as d; from org_ovirt_node.profile import "
            "load_profile; d.design(load_profile()); d.autopart_shortfalls(load_profile()); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('blivet', 'pyanaconda', 'pykickstart', 'parted', 'gi')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# --- growth ---------------------------------------------------------------------------------
def test_growth_on_the_reference_disk():
    """100 GiB, 20 GiB RAM: / and the pool take what blivet gives them (docs/planner.md:
    / 31.98 GiB, pool 68.98 GiB, within an extent) and the VG keeps its reserve and the
    metadata blivet keeps free beside it."""
    profile = load_profile("ovirt-node")
    for label in ("gpt", "msdos"):
        facts = D.DiskFacts((D.Disk("sda", 100 * GiB, label=label),), firmware="bios", ram=RAM)
        d = D.resolve_growth(D.design(profile, facts))
        reqs = mount_requests(d)
        assert abs(reqs["/"].size - 32752 * MiB) <= EXTENT and not reqs["/"].grow
        assert abs(d.pool.size - 70640 * MiB) <= EXTENT
        assert [(r.size, r.grow) for r in (reqs["/var"], reqs["swap"])] == \
            [(5 * GiB, False), (10 * GiB, False)]
        metadata = D.thin_metadata_size(d.pool.size)
        assert metadata == 72 * MiB
        free = d.vg.size - d.pool.size - 2 * metadata - reqs["swap"].size
        reserve = profile.reserve_for(d.vg.size)
        assert reserve <= free <= reserve + metadata + EXTENT


def test_share_growth_is_blivets_chunk_growth():
    # In proportion to the bases; truncation's leftover to the first still growing.
    assert D.share_growth(10, [(2, None), (1, None)]) == [7, 3]
    # A cap stops a request; the rest goes on to the others.
    assert D.share_growth(90, [(1, 10), (1, None), (1, None)]) == [10, 40, 40]
    assert D.share_growth(5, [(1, 0), (3, None)]) == [0, 5]
    # Nothing to share (the disks are too small): nothing grows, nothing shrinks.
    assert D.share_growth(-7, [(1, None)]) == [0] and D.share_growth(0, []) == []


def test_growth_never_goes_below_the_minimums_or_without_facts():
    profile = load_profile("ovirt-node")
    bare = D.design(profile)
    assert D.resolve_growth(bare) is bare                      # no disk facts: unchanged
    small = D.design(profile, D.DiskFacts((D.Disk("sda", 30 * GiB),), "bios", RAM))
    assert small.needed > 30 * GiB
    resolved = D.resolve_growth(small)
    assert_resolved(small, resolved)
    assert [r.size for r in resolved.volumes] == [r.size for r in small.volumes]
    assert resolved.pool.size == small.pool.size
    # The facts given win over those the design was made on.
    big = D.resolve_growth(small, D.DiskFacts((D.Disk("sda", 200 * GiB),), "bios", RAM))
    assert mount_requests(big)["/"].size > 100 * GiB


def test_growth_stops_at_the_filesystem_limit_as_blivet_does(blivet_disks):
    """ext2 holds at most 8 TiB (blivet's Ext2FS.max_size): on 12 TiB, / stops there in
    blivet's plan and in the design; the pool keeps the rest."""
    profile = load_profile("ovirt-node").derive(
        {"filesystems": {"allowed": ["ext2", "xfs"], "default": "ext2"}}, "t")
    b, disks = blivet_disks([12 * TiB])
    result = plan(profile, b, disks, firmware="uefi", ram=RAM)
    resolved = D.resolve_growth(result.design)
    assert mount_requests(resolved)["/"].size == 8 * TiB == from_layout(result)["/"].size
    assert resolved.pool.size > 10 * TiB
    assert_resolved(result.design, resolved)
    assert_grown_like_blivet(resolved, result)


# --- autopart with the shipped drop-in ------------------------------------------------------
def test_autopart_satisfies_the_shipped_profile():
    assert D.autopart_shortfalls(load_profile("ovirt-node"), ram=RAM) == ()


def test_autopart_builds_what_the_dropin_says():
    made = D.autopart_design(load_profile("ovirt-node"))
    reqs = mount_requests(made)
    _scheme, dropin = from_dropin(render_dropin(load_profile("ovirt-node")))
    assert {k: (r.size, r.grow) for k, r in reqs.items() if k not in ("swap", "/boot")} == \
        {k: v for k, v in dropin.items() if k != "swap"}
    assert reqs["/boot"].size == D.PLATFORM_BOOT_SIZE and reqs["swap"].kind == D.LV


@pytest.mark.parametrize("override, point, fragment", [
    ({"mounts": {"/var": {"min": "8 GiB", "default": "8 GiB"}}}, "/var", "5 GiB"),
    ({"mounts": {"/var/lib/libvirt": {"min": "20 GiB"}}}, "/var/lib/libvirt",
     "does not create"),
    ({"mounts": {"/var/log": {"kind": "lv", "presence": "required"}}}, "/var/log",
     "thick LV"),
    ({"mounts": {"/var": {"filesystems": ["ext4"]}}}, "/var", "xfs"),
    ({"mounts": {"/boot": {"min": "2 GiB", "default": "2 GiB"}}}, "/boot", "1 GiB"),
    ({"swap": {"kind": "thin"}}, None, "swap"),
    ({"swap": {"min": "40 GiB"}}, None, "at most 10 GiB"),
    ({"volume_group": {"reserve_percent": 30}}, None, "20 %"),
])
def test_autopart_shortfalls_say_what_autopart_builds(override, point, fragment):
    profile = load_profile("ovirt-node").derive(override, "ks:3")
    found = D.autopart_shortfalls(profile, ram=RAM)
    assert [s.mountpoint for s in found] == [point], found
    assert fragment in found[0].message


def test_autopart_creating_a_forbidden_mount():
    dropin = load_profile("ovirt-node").derive({"mounts": {"/opt": {"min": "1 GiB"}}}, "d")
    profile = load_profile("ovirt-node").derive({"forbidden_mounts": ["/usr", "/opt"]}, "ks:3")
    found = D.autopart_shortfalls(profile, dropin_profile=dropin)
    assert [s.mountpoint for s in found] == ["/opt"] and "forbids" in found[0].message


def test_autopart_and_the_minimal_profile():
    """ovirt-node-minimal recommends /var of 8 GiB; the shipped drop-in makes 5 GiB, which is
    Anaconda's hard minimum: a warning at install time, not a shortfall (which would stop an
    enforcing install). Raising the hard minimum is one."""
    minimal = load_profile("ovirt-node-minimal")
    assert D.autopart_shortfalls(minimal) == ()
    raised = minimal.derive({"mounts": {"/var": {"min": "8 GiB"}}}, "t")
    (short,) = D.autopart_shortfalls(raised)
    assert short.mountpoint == "/var"
    # The hint in the profile's own terms: the YAML that accepts what autopart makes.
    assert short.profile_yaml == "/var: {min: 5 GiB}"
    fixed = raised.derive({"mounts": {"/var": {"min": "5 GiB"}}}, "t")
    assert D.autopart_shortfalls(fixed) == ()


def test_a_growing_mount_below_its_minimum_is_left_to_the_install_time_check():
    profile = load_profile("ovirt-node").derive(
        {"mounts": {"/": {"min": "20 GiB", "default": "20 GiB"}}}, "t")
    assert D.autopart_shortfalls(profile) == ()


def test_linter_refuses_an_override_autopart_cannot_honour():
    """Issue 10: ``mount /var min=8GiB`` with ``autopart --type=thinp`` was accepted, autopart
    built /var at the drop-in's 5 GiB and enforce mode stopped the install at the very end."""
    from org_ovirt_node.kickstart.linter import lint_text
    ks = "autopart --type=thinp\n%addon org_ovirt_node\nmount /var min=8GiB\n%end\n"
    errors = lint_text(ks, "t.ks").errors
    assert [(f.code, f.mountpoint, f.line) for f in errors] == [("ONN005", "/var", 1)]
    assert "5 GiB" in errors[0].message
    assert lint_text(ks.replace("min=8GiB", "min=4GiB"), "t.ks").errors == ()
