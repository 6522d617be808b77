# SPDX-License-Identifier: GPL-2.0-or-later
"""Renderings of plans: kickstart that pykickstart (RHEL9) parses back to the same layout and
the linter finds clean; the lsblk-like text view with its summary."""
import os
import re
import subprocess

import blivet
import pytest
from pykickstart.parser import KickstartParser
from pykickstart.version import RHEL9, makeVersion

from org_ovirt_node.planning.discovery import discover_disks
from org_ovirt_node.planning.planner import plan
from org_ovirt_node.planning.render import render_kickstart, render_text
from org_ovirt_node.units import GiB, MiB

RAM = 20 * GiB


def parse(text):
    handler = makeVersion(RHEL9)
    KickstartParser(handler).readKickstartFromString(text)
    return handler


def lint_clean(text, profile):
    linter = pytest.importorskip("org_ovirt_node.kickstart.linter")
    report = linter.lint_text(text, "plan.ks", profile=profile)
    assert report.errors == (), [f.message for f in report.errors]
    return report


@pytest.mark.parametrize("options", [
    {"firmware": "bios"}, {"firmware": "uefi"}, {}, {"passphrase": "pw"},
    {"swap": 0, "clear": "all"},
])
def test_kickstart_parses_back_to_the_plan(blivet_disks, ovirt_profile, options):
    b, disks = blivet_disks([100 * GiB, 64 * GiB])
    result = plan(ovirt_profile, b, disks, ram=RAM, **options)
    text = render_kickstart(result, ovirt_profile)
    handler = parse(text)

    lvs = {lv.name: lv for lv in handler.logvol.lvList}
    planned = [r for r in result.requests if r.kind in ("thinlv", "lv")]
    assert sorted(lvs) == sorted([r.name for r in planned] + [result.pool_name])
    pool = lvs[result.pool_name]
    assert pool.thin_pool and pool.grow and pool.vgname == result.vg_name
    for req in planned:
        lv = lvs[req.name]
        assert lv.mountpoint == (req.mountpoint or "swap")
        assert lv.size * MiB == req.size and bool(lv.grow) == req.grow
        assert lv.vgname == result.vg_name and lv.fstype == req.fstype
        assert lv.thin_volume == (req.kind == "thinlv")
        if lv.thin_volume:
            assert lv.pool_name == result.pool_name
            assert lv.fsopts == "defaults,discard"
    # Every thin mount of the plan's layout is in the kickstart, with the same pool.
    thin_mounts = {d.mountpoint for d in result.layout if d.kind == "thinlv"}
    assert thin_mounts == {lv.mountpoint for lv in lvs.values() if lv.thin_volume}

    (vg,) = handler.volgroup.vgList
    assert vg.vgname == result.vg_name and vg.reserved_percent == 20
    parts = {p.mountpoint: p for p in handler.partition.partitions}
    pvs = [p for p in handler.partition.partitions if p.mountpoint.startswith("pv.")]
    assert sorted(vg.physvols) == sorted(p.mountpoint for p in pvs)
    assert sorted(p.disk for p in pvs) == sorted(result.disks)
    assert all(p.grow and p.encrypted == bool(options.get("passphrase")) for p in pvs)
    assert parts["/boot"].size == 1024 and parts["/boot"].fstype == "xfs"
    if options.get("firmware") == "uefi":
        assert parts["/boot/efi"].size == 600 and parts["/boot/efi"].fstype == "efi"
    assert handler.reqpart.reqpart == ("firmware" not in options)
    assert handler.ignoredisk.onlyuse == list(result.disks)
    if options.get("clear") == "all":
        assert handler.clearpart.drives == list(result.disks)
    assert "--passphrase" not in text  # secrets never go into the file
    lint_clean(text, ovirt_profile)


def test_kickstart_of_a_minimal_profile_lints_clean(blivet_disks):
    from org_ovirt_node.profile import load_profile
    profile = load_profile("ovirt-node-minimal")
    b, disks = blivet_disks([64 * GiB])
    text = render_kickstart(plan(profile, b, disks, ram=RAM, fstype="ext4"), profile)
    handler = parse(text)
    assert {lv.mountpoint for lv in handler.logvol.lvList} == {"none", "/", "/var", "swap"}
    assert {lv.fstype for lv in handler.logvol.lvList if lv.thin_volume} == {"ext4"}
    lint_clean(text, profile)


def test_text_view_shows_the_tree_and_the_summary(blivet_disks, ovirt_profile):
    b, disks = blivet_disks([100 * GiB])
    result = plan(ovirt_profile, b, disks, ram=RAM)
    text = render_text(result)
    print(text)
    for point in ovirt_profile.mounts:
        assert " %s" % point in text
    assert "Pool pool00 68.98 GiB: thin LVs take 68.98 GiB (100 %)" in text
    assert "VG onn 99 GiB keeps 19.87 GiB free" in text
    assert "+    ├─onn-pool00" in text
    assert "passes every check" in text


def test_text_view_marks_what_exists_and_shows_a_shared_vg_once(disk_dir, ovirt_profile):
    paths = []
    for name, cmds in (("a.img", ["mklabel", "gpt", "mkpart", "keep", "1MiB", "5GiB"]),
                       ("b.img", [])):
        path = os.path.join(disk_dir, name)
        with open(path, "wb") as handle:
            handle.truncate(64 * GiB)
        if cmds:
            subprocess.run(["parted", "-s", path] + cmds, check=True)
        paths.append(path)
    b = blivet.Blivet()
    result = plan(ovirt_profile, b, discover_disks(b, paths), ram=RAM)
    lines = render_text(result).splitlines()
    assert any(line.startswith(" ├─a.img1 ") for line in lines)  # existing: no "+"
    vg_rows = [line for line in lines if re.match(r"^[+ ][│├└─ ]*onn ", line)]
    assert len(vg_rows) == 2 and vg_rows[1].endswith("(see above)")
    assert any("(see above)" in line for line in lines)


def test_clearing_an_existing_vg_lists_what_is_lost_from_the_disk_up(disk_dir,
                                                                       ovirt_profile):
    from blivet_helpers import existing_lvm
    path = os.path.join(disk_dir, "lv.img")
    with open(path, "wb") as handle:
        handle.truncate(100 * GiB)
    subprocess.run(["parted", "-s", path, "mklabel", "gpt", "mkpart", "p", "1MiB", "50GiB"],
                   check=True)
    b = blivet.Blivet()
    disks = discover_disks(b, [path])
    existing_lvm(b, [b.devicetree.get_device_by_name("lv.img1")], "data",
                 pool=("pool", 40 * GiB), thin=(("vms", 30 * GiB, "xfs"),),
                 thick=(("iso", 5 * GiB, "ext4"),))
    result = plan(ovirt_profile, b, disks, clear="all", ram=RAM, firmware="bios")
    assert [(r["device"], r["vg"] or r["format"]) for r in result.destroyed] == [
        ("lv.img1", "data"), ("data", None), ("data-iso", "ext4"), ("data-pool", None),
        ("data-vms", "xfs")]
    text = render_text(result)
    assert ("Lost by clearing lv.img: lv.img1 (LVM physical volume of data, 50 GiB); data "
            "(vg, 50 GiB); data-iso (ext4, 5 GiB); data-pool (thinpool, 40 GiB); data-vms "
            "(xfs, 30 GiB)") in text
    assert "-├─data-vms" in text and "(destroyed)" in text
    kinds = {(a["action"], a["object"], a["type"]) for a in
             (dict(r) for r in result.action_records)}
    assert ("destroy", "device", "lvmvg") in kinds and ("create", "device", "lvmthinlv") in kinds


# --- hostile names (issue 9) ----------------------------------------------------------------
@pytest.fixture(scope="module")
def small_plan(tmp_path_factory):
    """One real plan of the default profile, to alter field by field."""
    from blivet_helpers import blivet_with_disks

    from org_ovirt_node.profile import load_profile
    profile = load_profile("ovirt-node")
    b, disks = blivet_with_disks(str(tmp_path_factory.mktemp("disks")), [100 * GiB])
    return plan(profile, b, disks, ram=RAM), profile


def _with_request(result, kind, **changes):
    """*result* with its design's requests of *kind* changed (of thin LVs, /var's only)."""
    import dataclasses

    def change(r):
        return dataclasses.replace(r, **changes) if r.kind == kind and \
            (kind != "thinlv" or r.mountpoint == "/var") else r
    design = result.design
    design = dataclasses.replace(
        design, partitions=tuple(map(change, design.partitions)),
        pvs=tuple(map(change, design.pvs)), vg=change(design.vg), pool=change(design.pool),
        volumes=tuple(map(change, design.volumes)))
    return dataclasses.replace(result, design=design, requests=design.requests)


@pytest.mark.parametrize("kind, changes, fragment", [
    ("thinlv", {"mountpoint": "/var\n%pre\ntouch /tmp/pwned\n%end"}, "mount point"),
    ("thinlv", {"mountpoint": "/var --fstype=ext4"}, "mount point"),
    ("thinlv", {"options": ("discard\n%pre",)}, "mount option"),
    ("thinlv", {"options": ('x" --grow "',)}, "mount option"),
    ("thinlv", {"name": "var log"}, "LV name"),
    ("thinlv", {"name": "var_tmeta"}, "LV name"),
    ("thinlv", {"fstype": "xfs\n%pre"}, "filesystem"),
    ("thinpool", {"name": "pool\n%pre"}, "thin pool name"),
    ("partition", {"mountpoint": "/boot\r\n%pre"}, "mount point"),
    ("partition", {"disk": "sda\n%pre"}, "disk name"),
    ("pv", {"name": "pv.01\n%pre"}, "kickstart name"),
    ("pv", {"disk": "sda sdb"}, "disk name"),
])
def test_kickstart_refuses_values_that_break_its_lines(small_plan, kind, changes, fragment):
    result, profile = small_plan
    with pytest.raises(ValueError) as exc:
        render_kickstart(_with_request(result, kind, **changes), profile)
    message = str(exc.value)
    assert "cannot write the kickstart" in message and fragment in message
    assert "\n" not in message and "\r" not in message


def test_kickstart_refuses_a_bad_vg_name(small_plan):
    for name in ("my vg", "onn\n%pre"):
        with pytest.raises(ValueError) as exc:
            render_kickstart(_with_request(small_plan[0], "vg", name=name), small_plan[1])
        assert "VG name" in str(exc.value) and "\n" not in str(exc.value)


@pytest.mark.parametrize("changes, fragment", [
    ({"disks": ("sda", "sdb\n%pre")}, "disk name"),
    ({"clear": ("sda,sdb",)}, "disk name"),
    ({"profile_name": "x\n%pre\ntouch /tmp/pwned\n%end"}, "profile name"),
])
def test_kickstart_refuses_bad_plan_fields(small_plan, changes, fragment):
    import dataclasses
    result, profile = small_plan
    with pytest.raises(ValueError) as exc:
        render_kickstart(dataclasses.replace(result, **changes), profile)
    assert fragment in str(exc.value) and "\n" not in str(exc.value)


def test_kickstart_quotes_what_shlex_would_split(small_plan):
    """A mount point pykickstart would read as a comment or split is quoted, and reads back
    the same."""
    result, profile = small_plan
    odd = "/srv/a#b"
    text = render_kickstart(_with_request(result, "thinlv", mountpoint=odd,
                                          options=("defaults", "uid=0")), profile)
    handler = parse(text)
    lvs = {lv.name: lv for lv in handler.logvol.lvList}
    var = [r for r in result.requests if r.mountpoint == "/var"][0]
    assert lvs[var.name].mountpoint == odd
    assert lvs[var.name].fsopts == "defaults,uid=0"
    assert '"/srv/a#b"' in text


def test_kickstart_of_a_real_plan_is_unchanged_by_quoting(small_plan):
    result, profile = small_plan
    text = render_kickstart(result, profile)
    assert '--fsoptions="defaults,discard"' in text
    assert "logvol /var --vgname=onn --name=var --thin --poolname=pool00" in text
