# SPDX-License-Identifier: GPL-2.0-or-later
"""Device requests from the design (org_ovirt_node/installer/requests.py): GetPlan's entries
and GetDeviceRequests' device-factory fields come from one design; and "Create the required
layout" done the way Anaconda's AddDevice/ChangeDevice do it (blivet's device factory on a
sparse image), followed by "Fix my layout", gives a layout the checker passes."""
import pytest
from blivet.devicefactory import SIZE_POLICY_MAX
from blivet.size import Size
from blivet_helpers import blivet_with_disks

from org_ovirt_node import design as D
from org_ovirt_node.checker import check
from org_ovirt_node.installer import requests as R
from org_ovirt_node.installer.repair import GROW, OPTIONS, plan_repair
from org_ovirt_node.kickstart.addon import OvirtNodeData
from org_ovirt_node.planning.blivet_reader import layout_from_blivet
from org_ovirt_node.profile import load_profile

GiB = 1024 ** 3
MiB = 1024 ** 2
PROFILE = load_profile("ovirt-node")


def _facts(firmware, label="gpt", sizes=(("sda", 100 * GiB),), ram=8 * GiB):
    return R.disk_facts(list(sizes), firmware=firmware, ram=ram, label=label)


def test_size_policy_constant_is_blivets():
    assert R.SIZE_POLICY_MAX == SIZE_POLICY_MAX


@pytest.mark.parametrize("firmware,label,first", [
    ("uefi", None, ("efi", "/boot/efi")),
    ("bios", "gpt", ("biosboot", "")),
    ("bios", None, ("xfs", "/boot")),          # msdos below 2 TiB: no BIOS boot partition
])
def test_platform_boot_partition_comes_first(firmware, label, first):
    design = D.design(PROFILE, _facts(firmware, label))
    requests = R.device_requests(design, ["sda"])
    assert (requests[0]["format_type"], requests[0]["mount_point"]) == first
    assert requests[0]["device_type"] == R.DEVICE_TYPE_PARTITION
    assert requests[0]["disks"] == ["sda"] and requests[0]["container_name"] == ""


def test_order_and_containers():
    design = D.design(PROFILE, _facts("bios", "gpt", sizes=(("sda", 60 * GiB),
                                                            ("sdb", 60 * GiB))))
    requests = R.device_requests(design, ["sda", "sdb"])
    types = [r["device_type"] for r in requests]
    # partitions, then thin LVs, then thick LVs (swap): never back
    assert types == sorted(types, key=[R.DEVICE_TYPE_PARTITION, R.DEVICE_TYPE_LVM_THINP,
                                       R.DEVICE_TYPE_LVM].index)
    lvs = [r for r in requests if r["device_type"] != R.DEVICE_TYPE_PARTITION]
    assert {r["container_name"] for r in lvs} == {"onn"}
    assert {r["container_size_policy"] for r in lvs} == {SIZE_POLICY_MAX}
    assert all(r["disks"] == ["sda", "sdb"] for r in lvs)
    assert [r["disks"] for r in requests if r["mount_point"] == "/boot"] == [["sda"]]
    swap = [r for r in requests if r["format_type"] == "swap"]
    assert len(swap) == 1 and swap[0]["device_type"] == R.DEVICE_TYPE_LVM
    assert swap[0]["device_size"] == 4 * GiB          # the RAM's recommendation (8 GiB)


def test_plan_and_requests_agree_on_every_mount():
    """One design: the same mounts, types, names, filesystems and sizes in both outputs; a
    growing mount (GetPlan: its minimum and ``grow``) is requested at its grown size."""
    plan = {e["mount_point"]: e for e in R.plan_entries(PROFILE, ["sda"]) if e["mount_point"]}
    design = D.design(PROFILE, _facts("bios", None))
    requests = {r["mount_point"]: r for r in R.device_requests(design, ["sda"])
                if r["mount_point"]}
    assert set(plan) == set(requests)
    for point, entry in plan.items():
        for key in ("device_type", "format_type", "device_name", "container_name"):
            assert entry[key] == requests[point][key], (point, key)
        if entry["grow"]:
            assert requests[point]["device_size"] > entry["device_size"], point
        else:
            assert requests[point]["device_size"] == entry["device_size"], point
    assert [p for p, e in plan.items() if e["grow"]] == ["/"]


def test_overrides_reach_the_requests():
    data = OvirtNodeData()
    data.handle_header(["--profile=ovirt-node"], 1)
    data.handle_line("mount /var min=8GiB", 2)
    data.handle_line("require /var/lib/libvirt min=20GiB kind=thin", 3)
    profile = data.resolve_profile()
    design = D.design(profile, _facts("bios", None))
    requests = {r["mount_point"]: r for r in R.device_requests(design, ["sda"])}
    assert requests["/var"]["device_size"] == 8 * GiB
    assert requests["/var/lib/libvirt"]["device_size"] == 20 * GiB
    assert requests["/var/lib/libvirt"]["device_name"] == "var_lib_libvirt"
    assert R.request_mount_options(design)["/var/lib/libvirt"] == "defaults,discard"


@pytest.mark.parametrize("size,requested,label", [
    (100 * GiB, None, "msdos"), (3 * 1024 * GiB, None, "gpt"), (100 * GiB, "gpt", "gpt"),
    (3 * 1024 * GiB, "msdos", "gpt"), (100 * GiB, "msdos", "msdos"),
])
def test_bios_label(size, requested, label):
    assert R.bios_label(size, requested) == label


def test_host_facts(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemFree: 1 kB\nMemTotal:       16303428 kB\n")
    assert R.host_ram(str(meminfo)) == 16303428 * 1024
    assert R.host_ram(str(tmp_path / "nope")) is None
    meminfo.write_text("MemTotal: lots\n")
    assert R.host_ram(str(meminfo)) is None
    assert R.host_firmware(str(tmp_path)) == D.BIOS
    (tmp_path / "firmware" / "efi").mkdir(parents=True)
    assert R.host_firmware(str(tmp_path)) == D.UEFI


# --- "Create" then "Fix", as Anaconda's device factory executes them ------------------------
def _factory_args(b, request):
    """What Anaconda's get_device_factory_arguments passes blivet for a request."""
    return dict(device_type=request["device_type"], size=Size(request["device_size"]),
                disks=[b.devicetree.get_device_by_name(n) for n in request["disks"]],
                fstype=request["format_type"] or None,
                mountpoint=request["mount_point"] or None,
                device_name=request["device_name"] or None,
                container_name=request["container_name"] or None,
                container_size=request.get("container_size_policy", 0))


# What the VG may keep beyond its reserve: blivet keeps the pool's metadata free once more
# (the pmspare it reserves), extents round, and the factory trims each thin LV by an extent
# or two ("Fix" grows them back).
SLACK = 256 * MiB


def _assert_grown_to_the_reserve(layout, resolved):
    """``/`` is built at its grown size, and the VG keeps its reserve free, hardly more
    (before the grow flag was resolved: ``/`` at 6 GiB and ~26 GiB free beyond the reserve
    on 100 GiB)."""
    vg = layout.get("onn")
    reserve = PROFILE.reserve_for(vg.size)
    assert reserve <= vg.free <= reserve + SLACK, (vg.free, reserve)
    want = [r.size for r in resolved.volumes if r.mountpoint == "/"][0]
    assert abs(layout.mounted("/").size - want) <= 4 * D.EXTENT
    assert want > 30 * GiB


@pytest.mark.parametrize("firmware", ["bios", "uefi"])
def test_create_then_fix_passes_the_checker(tmp_path, firmware):
    b, disks = blivet_with_disks(str(tmp_path), [100 * GiB])
    disk = disks[0]
    design = D.design(PROFILE, R.disk_facts([(disk.name, int(disk.size))], firmware=firmware,
                                            ram=8 * GiB, label="gpt"))
    for request in R.device_requests(design, [disk.name]):
        b.factory_device(**_factory_args(b, request))           # AddDevice
    created = layout_from_blivet(b)
    _assert_grown_to_the_reserve(created, D.resolve_growth(design))
    plan = plan_repair(created, PROFILE)
    assert plan.refusals == ()
    # The factory trims each thin LV to what its auto-sized pool holds: "Fix" grows them.
    for change in plan.changes:
        dev = b.devicetree.get_device_by_name(change.device)
        if change.action == GROW:                               # ChangeDevice
            b.factory_device(device_type=R.DEVICE_TYPE_LVM_THINP, size=Size(change.size),
                             disks=[disk], fstype=change.fstype, mountpoint=change.mountpoint,
                             device_name=change.name, container_name=change.vg,
                             container_size=SIZE_POLICY_MAX, device=dev)
        if change.action == OPTIONS:                            # SetDeviceMountOptions
            dev.format.options = ",".join(("defaults",) + change.options)
    layout = layout_from_blivet(b)
    report = check(layout, PROFILE)
    assert [(f.code, f.mountpoint) for f in report.findings if f.severity != "info"] == []
    assert plan_repair(layout, PROFILE).changes == ()
    _assert_grown_to_the_reserve(layout, D.resolve_growth(design))
    if firmware == "uefi":
        assert layout.mounted("/boot/efi").format == "efi"
