# SPDX-License-Identifier: GPL-2.0-or-later
"""Real blivet trees on sparse image files, for tests and benchmarks. Never a real disk,
never ``reset()``/``populate()``/``do_it()``: everything stays scheduled in memory.

:func:`anaconda_thinp_autopart` rebuilds, independently of the planner, the layout Anaconda's
automatic partitioning makes for the oVirt profile (scheme LVM_THINP, the profile's
``default_partitioning``, a VG thin-pool reserve of 20 % / 1 GiB / 100 GiB, swap as an
ordinary LV, ``/boot`` 1 GiB): the distribution's official layout, used as an oracle.
"""
import os

import blivet
import parted
from blivet.devices import DiskFile, LUKSDevice, LVMLogicalVolumeDevice, LVMVolumeGroupDevice
from blivet.devices.lvm import ThPoolReserveSpec
from blivet.formats import get_format
from blivet.partitioning import do_partitioning, grow_lvm
from blivet.size import Size

GiB = 1024 ** 3
MiB = 1024 ** 2

# Anaconda's oVirt default_partitioning (shared/reference/anaconda-profiles): mount -> size,
# "/" grows from 6 GiB.
OVIRT_AUTOPART = (("/home", "1 GiB"), ("/tmp", "1 GiB"), ("/var", "5 GiB"),
                  ("/var/crash", "10 GiB"), ("/var/log", "8 GiB"),
                  ("/var/log/audit", "2 GiB"), ("/var/tmp", "10 GiB"))


def sparse_disk(directory, size, name="disk"):
    """A sparse image file of *size* bytes in *directory*; returns its path."""
    path = os.path.join(directory, "%s.img" % name)
    with open(path, "wb") as handle:
        handle.truncate(int(size))
    return path


def blivet_with_disks(directory, sizes, label="gpt"):
    """A ``Blivet`` whose tree holds one initialized :class:`DiskFile` per size."""
    b = blivet.Blivet()
    disks = []
    for i, size in enumerate(sizes):
        disk = DiskFile(sparse_disk(directory, size, "disk%d" % i))
        b.devicetree._add_device(disk)
        b.initialize_disk(disk)
        disks.append(disk)
    return b, disks


def grow_pvs(b, disks):
    """One growing LVM PV partition per disk, partitioned (with whatever is scheduled)."""
    pvs = []
    for disk in disks:
        pv = b.new_partition(size=Size("1 GiB"), grow=True, fmt_type="lvmpv", parents=[disk])
        b.create_device(pv)
        pvs.append(pv)
    do_partitioning(b)
    return pvs


def luks_pv(b, disk, name="luks-pv", passphrase="secret"):
    """A growing LUKS partition on *disk*, partitioned, and its mapping formatted as an LVM
    PV (the mapping is created after partitioning, when the partition has its name)."""
    part = b.new_partition(size=Size("1 GiB"), grow=True, fmt_type="luks",
                           fmt_args={"passphrase": passphrase}, parents=[disk])
    b.create_device(part)
    do_partitioning(b)
    luks = LUKSDevice(name, parents=[part], fmt=get_format("lvmpv"))
    b.create_device(luks)
    return luks


def compliant_tree(directory, size=100 * GiB):
    """Anaconda's oVirt autopart on one sparse disk of *size*: a layout with zero errors."""
    b, disks = blivet_with_disks(directory, [size])
    return anaconda_thinp_autopart(b, disks)


def recommended_swap(ram, disk_space):
    """Anaconda's swap recommendation, capped at 10 % of the disk space (as autopart does).
    Deliberately not the planner's copy: this module is the independent oracle the planner
    is compared with."""
    ram = int(ram)
    if ram < 2 * GiB:
        swap = 2 * ram
    elif ram < 8 * GiB:
        swap = ram
    elif ram < 64 * GiB:
        swap = ram // 2
    else:
        swap = 4 * GiB
    return Size(min(swap, int(disk_space) // 10))


def anaconda_thinp_autopart(b, disks, fstype="xfs", ram=20 * GiB, boot_size="1 GiB",
                            biosboot=True, mountopts=None):
    """Schedule Anaconda's LVM_THINP autopart for the oVirt profile on *disks*."""
    if biosboot:
        part = b.new_partition(size=Size("1 MiB"), fmt_type="biosboot", parents=[disks[0]])
        b.create_device(part)
    boot = b.new_partition(size=Size(boot_size), fmt_type=fstype, mountpoint="/boot",
                           parents=[disks[0]])
    b.create_device(boot)
    pvs = grow_pvs(b, disks)
    vg = b.new_vg(name="onn", parents=pvs)
    vg.thpool_reserve = ThPoolReserveSpec(20, Size("1 GiB"), Size("100 GiB"))
    b.create_device(vg)
    pool = b.new_lv(name="pool00", thin_pool=True, parents=[vg], size=Size("1 GiB"), grow=True)
    b.create_device(pool)
    fmt_args = {"mountopts": mountopts} if mountopts else {}
    root = b.new_lv(name="root", thin_volume=True, parents=[pool], size=Size("6 GiB"),
                    grow=True, fmt_type=fstype, mountpoint="/", fmt_args=fmt_args)
    b.create_device(root)
    for mount, size in OVIRT_AUTOPART:
        name = mount.strip("/").replace("/", "_")
        lv = b.new_lv(name=name, thin_volume=True, parents=[pool], size=Size(size),
                      fmt_type=fstype, mountpoint=mount, fmt_args=fmt_args)
        b.create_device(lv)
    disk_space = sum((d.size for d in disks), Size(0))
    swap = b.new_lv(name="swap", parents=[vg], size=recommended_swap(ram, disk_space),
                    fmt_type="swap")
    b.create_device(swap)
    grow_lvm(b)
    return b


# --- pre-existing data, written the way a real disk holds it ---------------------------------
PRIMARY, EXTENDED, LOGICAL = "primary", "extended", "logical"
_PARTED_TYPES = {PRIMARY: parted.PARTITION_NORMAL, EXTENDED: parted.PARTITION_EXTENDED,
                 LOGICAL: parted.PARTITION_LOGICAL}


def write_label(path, label, partitions=()):
    """Write a real *label* (``gpt``/``msdos``) with *partitions* ``(kind, start_mib,
    end_mib)`` (kind: primary, extended, logical; end exclusive) into the image *path*, with
    libparted in this process (parted(8) takes ~0.2 s a call; this ~2 ms). Only ever an image
    file: refuses anything else."""
    if not os.path.isfile(path) or os.path.realpath(path).startswith("/dev/"):
        raise ValueError("not an image file outside /dev: %s" % path)
    device = parted.getDevice(path)
    try:
        disk = parted.freshDisk(device, label)
        per_mib = MiB // device.sectorSize
        for kind, start, end in partitions:
            geometry = parted.Geometry(device=device, start=start * per_mib,
                                       end=end * per_mib - 1)
            part = parted.Partition(disk=disk, type=_PARTED_TYPES[kind], geometry=geometry)
            disk.addPartition(part, constraint=parted.Constraint(exactGeom=geometry))
        disk.commitToDevice()
    finally:
        # libparted caches a device by path, with its length: forget it, so an image of
        # the same name and another size is read afresh.
        device.removeFromCache()


class OfflineLV(LVMLogicalVolumeDevice):
    """An existing LV as blivet's scan presents it, on a machine without device-mapper
    (blivet asks device-mapper whether an existing LV is active; here it never is)."""

    status = False


def existing_lvm(b, pvs, vg_name, pool=None, thin=(), thick=()):
    """Declare an existing VG *vg_name* on the existing partitions (or disks) *pvs*, with an
    existing thin pool ``(name, size)`` holding thin LVs ``(name, size, fstype)`` and thick
    LVs ``(name, size, fstype)``: what blivet's scan would find. Returns the VG."""
    for pv in pvs:
        pv.format = get_format("lvmpv", device=pv.path, exists=True, vg_name=vg_name)
    extents = sum(int(pv.size) for pv in pvs) // (4 * MiB) - len(pvs)
    vg = LVMVolumeGroupDevice(vg_name, parents=list(pvs), exists=True, pe_size=Size("4 MiB"),
                              pe_count=extents, pe_free=0)
    b.devicetree._add_device(vg)
    parent = vg
    if pool is not None:
        parent = OfflineLV(pool[0], parents=[vg], size=Size(pool[1]), exists=True,
                           seg_type="thin-pool")
        b.devicetree._add_device(parent)
    for name, size, fstype in thin:
        b.devicetree._add_device(OfflineLV(
            name, parents=[parent], size=Size(size), exists=True, seg_type="thin",
            fmt=get_format(fstype, exists=True) if fstype else None))
    for name, size, fstype in thick:
        b.devicetree._add_device(OfflineLV(
            name, parents=[vg], size=Size(size), exists=True,
            fmt=get_format(fstype, exists=True) if fstype else None))
    return vg
