# SPDX-License-Identifier: GPL-2.0-or-later
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
from org_ovirt_node.sanitize import excerpt
from org_ovirt_node.units import MiB, format_size

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


# How much of a disk must be zeros for it to count as provably empty (with no signature):
# partition tables, LVM/LUKS/MD headers and filesystem superblocks live in the first MiB,
# GPT backups and some RAID/ZFS labels in the last.
BLANK_PROBE = 1 * MiB
# How far unrecognised data at the start is measured, for the message (bounded work).
DATA_PROBE_MAX = 64 * MiB


def _data_end(handle, offset, length):
    """How many of the *length* bytes at *offset* reach up to the last non-zero one (0: all
    zeros)."""
    handle.seek(offset)
    return len(handle.read(length).rstrip(b"\0"))


def unrecognised_data(path, size):
    """``None`` if the first and last MiB of *path* (*size* bytes) are all zeros, else what
    is there, for a message ("8 MiB of unrecognised data at the start"). Call it only when
    blkid found nothing: this is what tells a blank disk from plain dm-crypt, a raw database
    volume or a label nobody knows. The extent is measured MiB by MiB up to
    :data:`DATA_PROBE_MAX` and rounded up to 4 KiB. A disk that cannot be read is not
    provably empty."""
    size = int(size)
    try:
        with open(path, "rb", buffering=0) as handle:
            end = _data_end(handle, 0, min(BLANK_PROBE, size))
            if end:
                offset = BLANK_PROBE
                while offset < min(DATA_PROBE_MAX, size):
                    more = _data_end(handle, offset, BLANK_PROBE)
                    if not more:
                        break
                    end, offset = offset + more, offset + BLANK_PROBE
                if offset >= DATA_PROBE_MAX:
                    return _("at least %(size)s of unrecognised data at the start") % {
                        "size": format_size(DATA_PROBE_MAX)}
                return _("%(size)s of unrecognised data at the start") % {
                    "size": format_size(-(-end // 4096) * 4096)}
            tail = min(BLANK_PROBE, size)
            if size > BLANK_PROBE and _data_end(handle, size - tail, tail):
                return _("unrecognised data in the last %(size)s") % {
                    "size": format_size(tail)}
    except OSError as exc:
        return _("cannot read it to prove it is empty (%(err)s)") % {
            "err": exc.strerror or exc}
    return None


def disk_contents(disk):
    """What is on *disk* (a blivet disk), as words for a message ("xfs on the whole disk"),
    or ``None`` when it is provably empty (no format, no device on it, no signature blkid
    knows, zeros in its first and last MiB): only then may a plan label it without the
    clear option naming it."""
    fmt = disk.format
    if fmt is not None and fmt.type == "disklabel":
        return _("a %(label)s partition table") % {
            "label": getattr(fmt, "label_type", None) or "?"}
    if fmt is not None and getattr(fmt, "contents", None):
        return fmt.contents
    if fmt is not None and fmt.type:
        return _("%(format)s on the whole disk") % {
            "format": getattr(fmt, "name", None) or fmt.type}
    if disk.children:
        return _("devices on it: %(devices)s") % {
            "devices": ", ".join(sorted(c.name for c in disk.children))}
    if has_signature(disk.path):
        return _("a signature blkid recognises")
    return unrecognised_data(disk.path, disk.size)


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
            if _under_dev(path):
                # blivet and libparted name partitions after their path relative to /dev
                # ("shm/x/disk1"): the plan would be wrong, or name a device that exists.
                raise DiscoveryError(
                    _("%(path)s: an image file under /dev cannot be used (its partitions "
                      "would be named like device nodes); copy or move it elsewhere")
                    % {"path": path})
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


def _under_dev(path):
    """Whether *path* resolves to a place under ``/dev`` (as libparted will see it)."""
    return os.path.realpath(path).startswith("/dev/")


def image_disk(blivet, path):
    """An image file as a ``DiskFile`` in *blivet*'s tree, with its existing partitions."""
    from blivet.devices import DiskFile

    if not os.access(path, os.R_OK):
        raise DiscoveryError(_("%(path)s: not readable") % {"path": path})
    try:  # parted and libblockdev take device paths as UTF-8 text only
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise DiscoveryError(_("%(path)s: the path is not valid UTF-8; rename the image")
                             % {"path": excerpt(path, 200)}) from None
    disk = DiskFile(os.path.abspath(path))
    blivet.devicetree._add_device(disk)
    return read_existing_label(blivet, disk)


def read_existing_label(blivet, disk):
    """Give *disk* (already in *blivet*'s tree) its existing label and partitions, read with
    parted; a disk without a label that holds something else gets an opaque whole-disk
    format. Shared by image files here and by the loop devices ``apply`` attaches."""
    from blivet.devices import PartitionDevice
    from blivet.formats import get_format
    from blivet.size import Size

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


def _blkid_types(path):
    """(TYPE, PTTYPE) that ``blkid -p`` reports for *path* ("" when none)."""
    try:
        out = subprocess.run(["blkid", "-p", "-o", "export", path], capture_output=True,
                             check=False).stdout.decode("ascii", "replace")
    except OSError:
        return "", ""
    found = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return found.get("TYPE", ""), found.get("PTTYPE", "")


def _whole_disk_format(path):
    """The existing format of a disk without a partition table libparted reads, as blkid
    names it. A type blivet does not know, or a partition table libparted cannot read
    (damaged), still gets a named format, so it is never mistaken for blank."""
    from blivet.formats import DeviceFormat, get_device_format_class, get_format
    fs_type, table = _blkid_types(path)
    if fs_type and get_device_format_class(fs_type) is not None:
        return get_format(fs_type, device=path, exists=True)
    if fs_type:
        words = _("%(type)s on the whole disk") % {"type": fs_type}
    elif table:
        words = _("a %(table)s partition table that cannot be read (damaged?)") % {
            "table": table}
    else:
        words = _("a signature blkid recognises")

    class Opaque(DeviceFormat):
        _type = "unknown"
        _name = fs_type or table or "unknown"
        contents = words  # for disk_contents()
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
