# SPDX-License-Identifier: GPL-2.0-or-later
"""The plan the addon would apply, as device-factory data: the profile's
:class:`~org_ovirt_node.design.Design` on the "no disk facts" path.

No blivet here (the service must start fast and the plan is needed before any disk is
scanned): the sizes are the design's requests, ``grow`` marks what grows, and the actual
growing into free space stays with Anaconda's own planner. Swap is the installer's
recommendation at install time; its entry carries the design's floor (``swap.min``). The
platform's boot partitions (BIOS boot, EFI) are left to Anaconda, as the drop-in leaves them.
"""
from org_ovirt_node import design as D
from org_ovirt_node.installer.dbus_reader import UINT64_MAX

# blivet.devicefactory.DEVICE_TYPE_* (stable public values; a test compares them with blivet).
DEVICE_TYPE_LVM = 0
DEVICE_TYPE_PARTITION = 2
DEVICE_TYPE_LVM_THINP = 5

_DEVICE_TYPES = {D.THINLV: DEVICE_TYPE_LVM_THINP, D.LV: DEVICE_TYPE_LVM,
                 D.PARTITION: DEVICE_TYPE_PARTITION}

SWAP_KIND = "swap"


def sizes_out_of_range(profile):
    """``[(where, key, size)]`` for each size of *profile* that a D-Bus ``UInt64`` cannot
    carry (below 0 or above 2^64-1 bytes): every size the addon hands to Anaconda, puts in a
    plan or prints must fit. *where* is ``file:line`` of the mount, or the profile's source;
    *key* is the key in the profile schema (``mounts./var.default``)."""
    out = []

    def test(where, key, size):
        if size is not None and not 0 <= size <= UINT64_MAX:
            out.append((where, key, size))

    for point, rule in profile.mounts.items():
        test(rule.where or profile.source, "mounts.%s.min" % point, rule.min_size)
        test(rule.where or profile.source, "mounts.%s.default" % point, rule.default_size)
    for key, size in (("swap.min", profile.swap_min), ("disk.min_total", profile.min_disk_total),
                      ("volume_group.reserve_min", profile.reserve_min),
                      ("volume_group.reserve_max", profile.reserve_max),
                      ("thin_pool.min_metadata", profile.min_metadata)):
        test(profile.source, key, size)
    return out


def plan_entries(profile, disks):
    """One dict per device of the profile's design on *disks* (a list of disk names), with
    the keys of :class:`~org_ovirt_node.service.structures.PlanRequestData`, in the design's
    order: partitions first (Anaconda allocates them before the volume group), then the
    thin LVs, then the thick LVs (swap among them where its kind puts it). ``kind`` is the
    profile's kind of the mount, ``swap`` for swap."""
    design = D.design(profile, None, disk_names=disks)
    entries = []
    for req in design.partitions + design.volumes:
        dtype = _DEVICE_TYPES[req.kind]
        on_lvm = dtype != DEVICE_TYPE_PARTITION
        entries.append({
            "device_type": dtype,
            "mount_point": req.mountpoint or "",
            "device_size": int(req.size),
            "format_type": req.fstype,
            "device_name": req.name if on_lvm else "",
            "container_name": design.vg.name if on_lvm else "",
            "disks": list(disks),
            "grow": bool(req.grow),
            "kind": SWAP_KIND if req.fstype == "swap" else profile.mounts[req.mountpoint].kind,
        })
    return entries
