"""The plan the addon would apply, as device-factory data, computed from the profile alone.

No blivet here (the service must start fast and the plan is needed before any disk is
scanned): sizes are the profile's default sizes, ``grow`` marks what the profile lets grow,
and the actual growing into free space stays with Anaconda's own planner.
"""
from org_ovirt_node import profile as P
from org_ovirt_node.adapters.dbus_tree import UINT64_MAX

# blivet.devicefactory.DEVICE_TYPE_* (stable public values; a test compares them with blivet).
DEVICE_TYPE_LVM = 0
DEVICE_TYPE_PARTITION = 2
DEVICE_TYPE_LVM_THINP = 5

_DEVICE_TYPES = {P.KIND_THIN: DEVICE_TYPE_LVM_THINP, P.KIND_LV: DEVICE_TYPE_LVM,
                 P.KIND_PARTITION: DEVICE_TYPE_PARTITION}

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


def lv_name(mountpoint):
    """Anaconda's LV naming: ``/`` -> root, ``/var/log`` -> var_log."""
    return "root" if mountpoint == "/" else mountpoint.strip("/").replace("/", "_")


def _filesystem(profile, rule):
    if not rule.filesystems or profile.default_filesystem in rule.filesystems:
        return profile.default_filesystem
    return rule.filesystems[0]


def plan_entries(profile, disks):
    """One dict per device of the profile's layout on *disks* (a list of disk names), with
    the keys of :class:`~org_ovirt_node.service.structures.PlanRequestData`. Partitions come
    first (Anaconda allocates them before the volume group), then the mounts in profile
    order, then swap."""
    root_type = _DEVICE_TYPES.get(profile.root_kind, DEVICE_TYPE_LVM_THINP)
    entries = []
    for point, rule in profile.mounts.items():
        if not rule.required:
            continue
        dtype = _DEVICE_TYPES.get(rule.kind, root_type)
        size = rule.default_size if rule.default_size is not None else rule.min_size
        entries.append({
            "device_type": dtype,
            "mount_point": point,
            "device_size": int(size or 0),
            "format_type": _filesystem(profile, rule),
            "device_name": "" if dtype == DEVICE_TYPE_PARTITION else lv_name(point),
            "container_name": "" if dtype == DEVICE_TYPE_PARTITION else profile.vg_name,
            "disks": list(disks),
            "grow": bool(rule.grow),
            "kind": rule.kind,
        })
    entries.sort(key=lambda e: e["device_type"] != DEVICE_TYPE_PARTITION)
    if profile.swap_policy != "none":
        dtype = _DEVICE_TYPES.get(profile.swap_kind, DEVICE_TYPE_LVM)
        entries.append({
            "device_type": dtype,
            "mount_point": "",
            "device_size": int(profile.swap_min or 0),
            "format_type": "swap",
            "device_name": "" if dtype == DEVICE_TYPE_PARTITION else "swap",
            "container_name": "" if dtype == DEVICE_TYPE_PARTITION else profile.vg_name,
            "disks": list(disks),
            "grow": False,
            "kind": SWAP_KIND,
        })
    return entries
