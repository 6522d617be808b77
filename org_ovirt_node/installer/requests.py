# SPDX-License-Identifier: GPL-2.0-or-later
"""The design as Anaconda device-factory requests: what ``GetPlan`` and ``GetDeviceRequests``
send, both rendered from one :class:`~org_ovirt_node.design.Design` (never a size policy of
their own).

- :func:`plan_entries` (``GetPlan``): the "no disk facts" design, before any disk is scanned;
  the platform's boot partitions are left to Anaconda, swap carries the design's floor
  (``swap.min``) and ``grow`` marks what grows.
- :func:`device_requests` (``GetDeviceRequests``, "Create the required layout"): the design on
  the selected disks' facts (:func:`disk_facts`: sizes, firmware, RAM, label), as the fields of
  Anaconda's ``DeviceFactoryRequest`` in creation order: the platform's boot partition (EFI
  system partition or BIOS boot), the other partitions (``/boot``), then the thin LVs (one
  pool: the factory names it ``pool00`` and sizes it), then the thick LVs (swap). The device
  factory has no grow flag and no mount options: a growing request carries its final size
  (:func:`~org_ovirt_node.design.resolve_growth`: what blivet's growth gives it on these
  disks), the others the design's size, and the mount options go through
  ``SetDeviceMountOptions`` (:func:`request_mount_options`).

No blivet here (the service must start fast); sizes are checked against D-Bus' ``UInt64``.
"""
import os

from org_ovirt_node import design as D
from org_ovirt_node.installer.dbus_reader import UINT64_MAX

# blivet.devicefactory.DEVICE_TYPE_* (stable public values; a test compares them with blivet).
DEVICE_TYPE_LVM = 0
DEVICE_TYPE_PARTITION = 2
DEVICE_TYPE_LVM_THINP = 5
# blivet.devicefactory.SIZE_POLICY_MAX: the volume group takes all the selected disks, as
# Anaconda's automatic partitioning makes it (the profile's reserve then stays free in it).
SIZE_POLICY_MAX = -1

_DEVICE_TYPES = {D.THINLV: DEVICE_TYPE_LVM_THINP, D.LV: DEVICE_TYPE_LVM,
                 D.PARTITION: DEVICE_TYPE_PARTITION}

SWAP_KIND = "swap"
MSDOS_LIMIT = 2 * 1024 ** 4
"""An msdos label cannot address disks beyond 2 TiB: blivet labels them GPT."""


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


def _fields(design, req, disks):
    """The ``DeviceFactoryRequest`` fields of one request of *design* on *disks*."""
    dtype = _DEVICE_TYPES[req.kind]
    on_lvm = dtype != DEVICE_TYPE_PARTITION
    if on_lvm or req.disk is None:
        where = list(disks)
    else:
        where = [req.disk]
    return {
        "device_type": dtype,
        "mount_point": req.mountpoint or "",
        "device_size": int(req.size),
        "format_type": req.fstype or "",
        "device_name": req.name if on_lvm else "",
        "container_name": design.vg.name if on_lvm else "",
        "disks": where,
    }


def _ordered(design):
    """Partitions first (Anaconda allocates them before the volume group), then the thin
    LVs, then the thick ones: the design's order."""
    return design.partitions + design.volumes


def plan_entries(profile, disks):
    """One dict per device of the profile's design without disk facts on *disks* (a list of
    disk names), with the keys of :class:`~org_ovirt_node.service.structures.PlanRequestData`,
    in the design's order. ``kind`` is the profile's kind of the mount, ``swap`` for swap."""
    design = D.design(profile, None, disk_names=disks)
    entries = []
    for req in _ordered(design):
        entry = _fields(design, req, disks)
        entry["grow"] = bool(req.grow)
        entry["kind"] = SWAP_KIND if req.fstype == "swap" else \
            profile.mounts[req.mountpoint].kind
        entries.append(entry)
    return entries


def device_requests(design, disks):
    """The ``DeviceFactoryRequest`` fields (dicts) of every device of *design* (made with
    disk facts, :func:`disk_facts`) on *disks*, in creation order; LV requests share the
    design's volume group as their container, which takes all of *disks*
    (``container_size_policy``). The factory cannot grow: a growing request carries the
    final size blivet's growth would give it (:func:`~org_ovirt_node.design.resolve_growth`),
    so the pool holds it and the volume group keeps the reserve, as autopart leaves them."""
    design = D.resolve_growth(design)
    out = []
    for req in _ordered(design):
        fields = _fields(design, req, disks)
        if fields["container_name"]:
            fields["container_size_policy"] = SIZE_POLICY_MAX
        out.append(fields)
    return out


def request_mount_options(design):
    """``{mount point: options text}`` for every request of *design* with mount options
    (what ``SetDeviceMountOptions`` is given after the device is added)."""
    return {r.mountpoint: ",".join(r.options) for r in _ordered(design)
            if r.mountpoint and r.options}


def bios_label(size, requested=None):
    """The label a cleared disk of *size* bytes gets on a BIOS machine: *requested*
    (``gpt``/``msdos``, Anaconda's configuration) if given, else msdos up to 2 TiB."""
    if requested in ("gpt", "msdos"):
        return requested if size <= MSDOS_LIMIT or requested == "gpt" else "gpt"
    return "gpt" if size > MSDOS_LIMIT else "msdos"


def disk_facts(sizes, firmware=None, ram=None, label=None):
    """:class:`~org_ovirt_node.design.DiskFacts` for disks to be cleared: *sizes* is
    ``[(name, bytes)]`` in the order given; *firmware* and *ram* default to this machine's
    (:func:`host_firmware`, :func:`host_ram`); *label* is the label Anaconda is configured
    to give disks (``None``: the platform's choice, :func:`bios_label`)."""
    firmware = firmware or host_firmware()
    ram = host_ram() if ram is None else ram
    disks = []
    for name, size in sizes:
        kind = "gpt" if firmware == D.UEFI else bios_label(size, label)
        disks.append(D.Disk(name, int(size), label=kind))
    return D.DiskFacts(tuple(disks), firmware=firmware, ram=ram)


def host_firmware(sys_root="/sys"):
    """``uefi`` when the machine booted with UEFI, else ``bios``."""
    return D.UEFI if os.path.isdir(os.path.join(sys_root, "firmware", "efi")) else D.BIOS


def host_ram(meminfo="/proc/meminfo"):
    """The machine's RAM in bytes (``MemTotal``), ``None`` if it cannot be read."""
    try:
        with open(meminfo, encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None
