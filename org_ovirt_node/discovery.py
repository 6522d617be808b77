"""Read-only discovery of the disks a plan may use.

- An **image file** becomes a ``DiskFile`` whose existing partition table is read with
  libparted (``get_format("disklabel", exists=True)``) and whose partitions become existing
  ``PartitionDevice``\\ s, with the filesystem parted recognizes. Nothing is scanned or
  activated: this is what the unit tests use to put pre-existing data on a disk.
- **Block devices** and ``auto`` (every usable disk of the machine) need blivet's device
  scan (``Blivet.reset()``, which reads udev, LVM and MD metadata). It writes nothing and
  nothing here calls ``do_it()``; still, it is for the command line and the installer's
  ``%pre``, never for unit tests.
"""
import os
import stat
import subprocess

from org_ovirt_node.i18n import _

AUTO = "auto"

# parted's filesystem names -> blivet format types.
_PARTED_FS = {"ext2": "ext2", "ext3": "ext3", "ext4": "ext4", "xfs": "xfs", "btrfs": "btrfs",
              "fat16": "vfat", "fat32": "vfat", "linux-swap(v1)": "swap",
              "linux-swap(v0)": "swap", "ntfs": "ntfs"}


class DiscoveryError(ValueError):
    """A disk that cannot be used as given (missing, unreadable, a duplicate)."""


def has_signature(path):
    """Whether *path* holds anything blkid recognizes (a partition table, a filesystem, an
    LVM or RAID member...): ``blkid -p`` probes the device itself, read-only. A device we
    cannot probe counts as not blank."""
    try:
        result = subprocess.run(["blkid", "-p", path], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, check=False)
    except OSError:
        return True
    return result.returncode != 2  # 2: nothing found


def discover_disks(blivet, paths_or_auto):
    """Add the disks named by *paths_or_auto* (a list of image files / block devices, or
    ``"auto"``) to *blivet*'s tree without changing anything on them; return them."""
    if paths_or_auto == AUTO or paths_or_auto == [AUTO]:
        return _scan(blivet, None)
    files, blocks = [], []
    for path in paths_or_auto:
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            raise DiscoveryError(_("%(path)s: cannot use it as a disk: %(err)s")
                                 % {"path": path, "err": exc.strerror}) from None
        if stat.S_ISBLK(mode):
            blocks.append(path)
        elif stat.S_ISREG(mode):
            files.append(path)
        else:
            raise DiscoveryError(_("%(path)s: neither an image file nor a block device")
                                 % {"path": path})
    disks = _scan(blivet, blocks) if blocks else []
    disks.extend(image_disk(blivet, path) for path in files)
    names = [d.name for d in disks]
    if len(set(names)) != len(names):
        raise DiscoveryError(_("a disk is named twice: %(disks)s") % {"disks": ", ".join(names)})
    return disks


def image_disk(blivet, path):
    """An image file as a ``DiskFile`` in *blivet*'s tree, with its existing partitions."""
    from blivet.devices import DiskFile, PartitionDevice
    from blivet.formats import get_format
    from blivet.size import Size

    if not os.access(path, os.R_OK):
        raise DiscoveryError(_("%(path)s: not readable") % {"path": path})
    disk = DiskFile(os.path.abspath(path))
    blivet.devicetree._add_device(disk)
    label = get_format("disklabel", device=disk.path, exists=True)
    if label.parted_disk is None or label.parted_disk.type in (None, "", "loop"):
        if has_signature(disk.path):
            # Something we do not read (a whole-disk filesystem or PV): keep it opaque but
            # visible, so the planner never takes the disk for blank.
            disk.format = _whole_disk_format(disk.path)
        return disk
    disk.format = label
    for ppart in label.partitions:
        if not ppart.active:  # free space / metadata pseudo-partitions
            continue
        fs = _PARTED_FS.get(getattr(ppart.fileSystem, "type", None))
        part = PartitionDevice(os.path.basename(ppart.path), exists=True, parents=[disk],
                               size=Size(ppart.getLength(unit="B")))
        if fs and part.format.type is None:
            part.format = get_format(fs, device=part.path, exists=True)
        blivet.devicetree._add_device(part)
    return disk


def _whole_disk_format(path):
    """The existing format of a disk without a partition table, as blkid names it. A type
    blivet does not know still gets a named format, so it is never mistaken for blank."""
    from blivet.formats import DeviceFormat, get_device_format_class, get_format
    try:
        found = subprocess.run(["blkid", "-p", "-o", "value", "-s", "TYPE", path],
                               capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        found = ""
    if found and get_device_format_class(found) is not None:
        return get_format(found, device=path, exists=True)

    class Opaque(DeviceFormat):
        _type = "unknown"
        _name = found or "unknown"
    return Opaque(device=path, exists=True)


def _scan(blivet, paths):
    """blivet's read-only device scan, limited to *paths* (None: every disk)."""
    if paths is not None:
        blivet.exclusive_disks = [os.path.basename(os.path.realpath(p)) for p in paths]
    blivet.reset()
    disks = [d for d in blivet.disks
             if d.size > 0 and not d.protected and not getattr(d, "removable", False)
             and d.type != "zram"]
    if paths is not None:
        wanted = {os.path.basename(os.path.realpath(p)) for p in paths}
        disks = [d for d in disks if d.name in wanted]
        missing = wanted - {d.name for d in disks}
        if missing:
            raise DiscoveryError(_("not usable as install disks: %(disks)s")
                                 % {"disks": ", ".join(sorted(missing))})
    if not disks:
        raise DiscoveryError(_("no usable disks found"))
    return disks
