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
import fnmatch
import os
import stat
import subprocess
from typing import NamedTuple, Tuple

from org_ovirt_node.i18n import N_, P_, _
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


# --- --disks=auto: which disks of this machine, in the kernel's own view --------------------
class Candidate(NamedTuple):
    """A whole disk the kernel lists in /sys/block."""
    name: str                   # kernel name (sda, nvme0n1)
    path: str                   # its node under the /dev root
    size: int                   # bytes
    links: Tuple[str, ...]      # /dev/disk/by-id/... and /dev/disk/by-path/... naming it


class Skipped(NamedTuple):
    name: str
    size: int
    reason: str


class Selection(NamedTuple):
    chosen: Tuple[Candidate, ...]
    skipped: Tuple[Skipped, ...]
    needed: int                 # bytes the selection aimed for


# Mount points whose disk is the running system's (or the installer's boot medium).
BOOT_MOUNTS = ("/", "/boot", "/boot/efi", "/run/initramfs/live", "/run/install/repo")
# Kernel devices that are never install disks, by the folder sysfs gives them.
_VIRTUAL = (("dm", N_("a device-mapper device")), ("md", N_("an MD RAID array")),
            ("loop", N_("a loop device")))
_NOT_DISKS = (("zram", N_("a compressed RAM disk")), ("ram", N_("a RAM disk")),
              ("sr", N_("an optical drive")), ("fd", N_("a floppy drive")),
              ("nbd", N_("a network block device")))
SECTOR = 512                    # /sys/block/*/size counts 512-byte sectors, always


def _sys_text(path):
    try:
        with open(path, "rb") as handle:
            return handle.read(4096).decode("ascii", "replace").strip()
    except (OSError, ValueError):
        return ""


def kernel_disks(sys_root="/sys", dev_root="/dev"):
    """([Candidate], [Skipped]) of every block device in /sys/block: whole disks with a
    medium, writable and fixed; the rest skipped with why."""
    by_name = {}
    for kind in ("by-id", "by-path"):
        folder = os.path.join(dev_root, "disk", kind)
        try:
            entries = sorted(os.listdir(folder))
        except OSError:
            continue
        for entry in entries:
            target = os.path.basename(os.path.realpath(os.path.join(folder, entry)))
            by_name.setdefault(target, []).append(os.path.join("/dev/disk", kind, entry))
    disks, skipped = [], []
    base = os.path.join(sys_root, "block")
    try:
        names = sorted(os.listdir(base))
    except OSError as exc:
        raise DiscoveryError(_("cannot list the disks of this machine (%(path)s: %(err)s)")
                             % {"path": base, "err": exc.strerror or exc}) from None
    for name in names:
        folder = os.path.join(base, name)
        try:
            size = int(_sys_text(os.path.join(folder, "size")) or 0) * SECTOR
        except ValueError:
            size = 0
        reason = next((_(words) for sub, words in _VIRTUAL
                       if os.path.isdir(os.path.join(folder, sub))), None)
        reason = reason or next((_(words) for prefix, words in _NOT_DISKS
                                 if name.startswith(prefix)), None)
        if reason is None and size <= 0:
            reason = _("no medium (size 0)")
        if reason is None and _sys_text(os.path.join(folder, "removable")) == "1":
            reason = _("removable")
        if reason is None and _sys_text(os.path.join(folder, "ro")) == "1":
            reason = _("read-only")
        if reason is not None:
            skipped.append(Skipped(name, size, reason))
            continue
        disks.append(Candidate(name, os.path.join(dev_root, name.replace("!", "/")), size,
                               tuple(by_name.get(name, ()))))
    return disks, skipped


def _matches(candidate, patterns):
    """Whether a glob of *patterns* matches the disk's kernel name, its /dev path or one of
    its by-id/by-path links (whole path or the link's own name)."""
    names = [candidate.name, "/dev/" + candidate.name]
    for link in candidate.links:
        names += [link, os.path.basename(link)]
    return any(fnmatch.fnmatchcase(n, p) for n in names for p in patterns)


def _fewest_smallest(disks, needed, max_count):
    """The fewest disks (at most *max_count*) that together hold *needed* bytes, each as
    small as it can be; None when even the largest *max_count* do not."""
    ordered = sorted(disks, key=lambda d: (d.size, d.name))
    for count in range(1, min(max_count, len(ordered)) + 1):
        chosen = ordered[-count:]
        if sum(d.size for d in chosen) < needed:
            continue
        # Swap each (largest first) for the smallest unused disk that still fits.
        for i in range(len(chosen) - 1, -1, -1):
            rest = sum(d.size for j, d in enumerate(chosen) if j != i)
            for disk in ordered:
                if disk not in chosen and rest + disk.size >= needed \
                        and (disk.size, disk.name) < (chosen[i].size, chosen[i].name):
                    chosen[i] = disk
                    break
        return chosen
    return None


def select_disks(needed, min_size=None, max_count=1, patterns=(), sys_root="/sys",
                 proc_root="/proc", dev_root="/dev", lsblk_json=None) -> Selection:
    """The disks ``--disks=auto`` uses, and every disk it skips with why.

    Never a disk in use in the kernel's view (a mount, swap, a device-mapper or MD holder,
    :func:`~org_ovirt_node.planning.apply.in_use`), the running system's boot disk, a
    removable, read-only or virtual one. Of the rest (filtered by *min_size* and the globs
    *patterns*): the fewest, smallest disks that together hold *needed* bytes, at most
    *max_count* (``None``: all of them). When none suffice, the largest *max_count* are
    chosen, so the plan says precisely how much is missing."""
    from org_ovirt_node.planning.apply import boot_mounts_on, in_use, run_lsblk

    disks, skipped = kernel_disks(sys_root, dev_root)
    if lsblk_json is None:  # once for all disks (in_use would run it for each)
        lsblk_json = run_lsblk() if sys_root == "/sys" else ""
    eligible = []
    for disk in disks:
        reason = None
        boot = boot_mounts_on(disk.name, sys_root, proc_root, dev_root)
        if boot:
            reason = _("the running system's disk (%(mounts)s on it)") % {
                "mounts": ", ".join(boot)}
        else:
            busy = in_use(disk.name, sys_root, proc_root, dev_root, lsblk_json)
            if busy:
                reason = _("in use: %(why)s") % {"why": "; ".join(busy)}
        if reason is None and min_size is not None and disk.size < min_size:
            reason = _("smaller than --min-disk-size %(size)s") % {
                "size": format_size(min_size)}
        if reason is None and patterns and not _matches(disk, patterns):
            reason = _("matches no --disk-match pattern")
        if reason is not None:
            skipped.append(Skipped(disk.name, disk.size, reason))
        else:
            eligible.append(disk)
    if max_count is None:
        chosen = list(eligible)
    else:
        chosen = _fewest_smallest(eligible, needed, max_count) \
            or sorted(eligible, key=lambda d: (d.size, d.name))[-max_count:]
    for disk in eligible:
        if disk in chosen:
            continue
        if max_count == 1 and disk.size < needed:
            reason = _("too small to hold the layout alone (%(needed)s); --max-disks 2 or "
                       "more combines disks") % {"needed": format_size(needed)}
        else:
            reason = P_("not needed: %(chosen)s holds the %(needed)s the profile needs "
                        "(--max-disks %(max)s)",
                        "not needed: %(chosen)s hold the %(needed)s the profile needs "
                        "(--max-disks %(max)s)", len(chosen)) % {
                "chosen": ", ".join(d.name for d in chosen),
                "needed": format_size(needed), "max": max_count}
        skipped.append(Skipped(disk.name, disk.size, reason))
    chosen = sorted(chosen, key=lambda d: d.name)
    skipped.sort(key=lambda s: s.name)
    return Selection(tuple(chosen), tuple(skipped), needed)
