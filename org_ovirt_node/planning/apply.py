# SPDX-License-Identifier: GPL-2.0-or-later
"""Apply a plan to real disks: for building disk images and for the end-to-end tests.

Inside the installer Anaconda writes the disks; this is the stand-alone path. It works on
exactly the objects named and is careful in this order:

- **Which object.** A block device is identified by its device number (``st_rdev`` ->
  ``/sys/dev/block/MAJ:MIN`` -> kernel name), never by a name taken from the path, and must
  be a whole disk. An image file is attached to a loop device of its own (``losetup --find
  --show --partscan``), which must be backed by that very file (device and inode), and is
  detached afterwards, also on failure; a dry run (no ``--yes``) plans on the file directly,
  with no loop device. A bare name (``vda``) means ``/dev/vda``. Anything else (a missing
  path, a partition, a directory, a FIFO...) is an :class:`ApplyUsageError` (exit 2).
- **Idle.** Nothing on the disk, its partitions or what is stacked on them (``holders``,
  recursively) may be mounted (by device number, so ``/dev/root`` counts), used as swap, a
  member of a mounted multi-device btrfs, or claimed (an exclusive open fails); lsblk's mount
  points are a second opinion. An image must not be attached to a loop device already.
- **Only there.** blivet is restricted to the named disks *before* it scans
  (``exclusive_disks``); an image's loop device is the only disk its tree ever holds.
- **Sound.** The plan must have no errors and every scheduled action must touch only the
  named disks; only then, and only when asked, it executes. On a failure it stops and lists
  what it had already created.

blivet's ``reset()``/``do_it()`` run here, so nothing here runs in unit tests except the pure
checks (fake /proc, /sys and /dev trees, fstab text, the loop life cycle with a fake losetup).
"""
import contextlib
import errno
import json
import os
import re
import stat
import subprocess
import sys
from typing import Dict, List, NamedTuple, Optional, Sequence

from org_ovirt_node import layout as L
from org_ovirt_node.i18n import _
from org_ovirt_node.names import InvalidNameError, check_lvm_name
from org_ovirt_node.sanitize import excerpt

BLOCK, IMAGE = "block", "image"
PATH_EXCERPT = 80               # paths quoted in messages: longer than names, still bounded
SYSFS_LIMIT = 1 << 16           # bytes read from one sysfs attribute
TABLE_LIMIT = 64 << 20          # bytes read from mountinfo, /proc/mounts, /proc/swaps
STACK_LIMIT = 4096              # devices followed up through holders
TOOL_TIMEOUT = 300              # seconds for losetup, lsblk, udevadm, blkid
LOOP_MAJOR = 7                  # fixed in Linux (Documentation/admin-guide/devices.txt)
_DEVNUM = re.compile(r"[0-9]{1,10}:[0-9]{1,10}\Z")
_LOOP_PATH = re.compile(r"/dev/loop[0-9]{1,10}\Z")
_OCTAL = re.compile(rb"\\([0-7]{3})")


class ApplyError(Exception):
    """Apply refused or failed; *created* lists devices made before a failure."""

    def __init__(self, message, created=()):
        super().__init__(message)
        self.created = tuple(created)


class ApplyUsageError(ApplyError):
    """The input names nothing apply may work on (a missing path, a partition, a FIFO, a bad
    volume group name...): a usage error (exit 2); nothing was written."""


class Applied(NamedTuple):
    actions: List[str]            # what was (or would be) done, in order
    executed: bool
    plan: object                  # the planner's Plan
    fstab: Optional[str] = None   # fstab text for the new layout (after execution)


class DiskTarget(NamedTuple):
    """One ``--disk``, resolved to the object it names."""
    arg: str       # as given
    kind: str      # BLOCK or IMAGE
    path: str      # /dev/<kernel name>, or the image file's absolute real path
    name: str      # the kernel name, or the image file's name
    ident: tuple   # (major, minor) of the device, or (st_dev, st_ino) of the image

    def describe(self):
        if self.kind == BLOCK:
            return _("%(path)s (block device %(major)d:%(minor)d)") % {
                "path": _shown(self.path), "major": self.ident[0], "minor": self.ident[1]}
        return _("%(path)s (image file)") % {"path": _shown(self.path)}


def printable(text):
    """*text* with every control or non-printable character escaped (``\\x1b``), for
    messages that carry names from the disks or other modules."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else excerpt(c)[1:-1] for c in text)


def _quote(path):
    return excerpt(path, PATH_EXCERPT)


def _shown(text):
    """*text* as found on the system (a mount point, a device name), sanitised if needed."""
    return text if text.isprintable() and len(text) <= 200 else excerpt(text, PATH_EXCERPT)


# --- which object: block device by device number, image file, or an error ---------------
def resolve_disk(arg, sys_root="/sys", dev_root="/dev") -> DiskTarget:
    """The object ``--disk ARG`` names; :class:`ApplyUsageError` when it is not a whole-disk
    block device nor a regular file. A bare name (no ``/``) means ``/dev/NAME``."""
    if not isinstance(arg, str) or not arg:
        raise ApplyUsageError(_("--disk: the disk name is empty; expected a block device "
                                "such as /dev/vda or an image file"))
    path = arg
    if "/" not in arg and arg not in (".", ".."):
        path = os.path.join(dev_root, arg)
        _refuse_ambiguous(arg, path)
    shown = _quote(path)
    if "\0" in arg:
        raise ApplyUsageError(_("%(disk)s: contains a NUL character; expected a path")
                              % {"disk": shown})
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ApplyUsageError(_("%(disk)s: no such file") % {"disk": shown}) from None
    except NotADirectoryError:
        raise ApplyUsageError(_("%(disk)s: no such file (a part of the path is not a "
                                "directory)") % {"disk": shown}) from None
    except (OSError, ValueError) as exc:
        raise ApplyUsageError(_("%(disk)s: cannot use it: %(error)s") % {
            "disk": shown, "error": getattr(exc, "strerror", None) or exc}) from None
    if stat.S_ISBLK(st.st_mode):
        return _block_target(arg, st.st_rdev, sys_root, dev_root, shown)
    if stat.S_ISREG(st.st_mode):
        real = os.path.realpath(path)
        try:
            real.encode("utf-8")
        except UnicodeEncodeError:  # parted and blivet take file names as text
            raise ApplyUsageError(_("%(disk)s: the image file's path is not valid UTF-8; "
                                    "rename it") % {"disk": _quote(real)}) from None
        return DiskTarget(arg, IMAGE, real, os.path.basename(real), (st.st_dev, st.st_ino))
    kind = (_("a directory") if stat.S_ISDIR(st.st_mode) else
            _("a FIFO") if stat.S_ISFIFO(st.st_mode) else
            _("a character device") if stat.S_ISCHR(st.st_mode) else
            _("a socket") if stat.S_ISSOCK(st.st_mode) else _("not a regular file"))
    raise ApplyUsageError(_("%(disk)s: %(kind)s; expected a whole-disk block device or an "
                            "image file") % {"disk": shown, "kind": kind})


def _refuse_ambiguous(arg, dev_path):
    """A bare name means /dev/NAME. When the current folder holds a file of that name the
    user may have meant the file: refuse rather than guess."""
    if not os.path.lexists(arg):
        return
    try:
        if os.path.samefile(arg, dev_path):
            return
    except (OSError, ValueError):
        pass
    facts = {"name": _quote(arg), "dev": _quote(dev_path), "local": _quote("./" + arg)}
    if os.path.lexists(dev_path):
        raise ApplyUsageError(_("%(name)s is ambiguous: it means %(dev)s, but the current "
                                "folder holds a file of that name; write %(dev)s or "
                                "%(local)s") % facts)
    raise ApplyUsageError(_("%(dev)s: no such file (a bare name means a device under /dev; "
                            "for the file in the current folder write %(local)s)") % facts)


def _block_target(arg, rdev, sys_root, dev_root, shown):
    major, minor = os.major(rdev), os.minor(rdev)
    number = "%d:%d" % (major, minor)
    kobj = os.path.join(sys_root, "dev", "block", number)
    if not os.path.isdir(kobj):
        raise ApplyUsageError(_("%(disk)s: the kernel has no block device %(number)s (no "
                                "%(sys)s)") % {"disk": shown, "number": number, "sys": kobj})
    real = os.path.realpath(kobj)
    name = os.path.basename(real)
    facts = {"disk": shown, "name": _shown(name), "number": number}
    if os.path.exists(os.path.join(real, "partition")):
        facts["parent"] = _shown(os.path.basename(os.path.dirname(real)))
        raise ApplyUsageError(_("%(disk)s: %(name)s is a partition of %(parent)s, not a whole "
                                "disk; name the disk") % facts)
    if major == LOOP_MAJOR or os.path.isdir(os.path.join(real, "loop")):
        raise ApplyUsageError(_("%(disk)s: %(name)s is a loop device; name its image file "
                                "instead (apply attaches a loop device itself)") % facts)
    if os.path.isdir(os.path.join(real, "dm")):
        raise ApplyUsageError(_("%(disk)s: %(name)s is a device-mapper device, not a whole "
                                "disk") % facts)
    node = os.path.join(dev_root, name.replace("!", "/"))  # cciss!c0d0 -> /dev/cciss/c0d0
    try:
        node_st = os.stat(node)
    except (OSError, ValueError):
        node_st = None
    if node_st is None or not stat.S_ISBLK(node_st.st_mode) or node_st.st_rdev != rdev:
        facts["node"] = _quote(node)
        raise ApplyUsageError(_("%(disk)s: device %(number)s is %(name)s, but %(node)s is not "
                                "that device") % facts)
    return DiskTarget(arg, BLOCK, node, name, (major, minor))


def resolve_disks(args, sys_root="/sys", dev_root="/dev") -> List[DiskTarget]:
    """Every ``--disk`` resolved (already resolved ones pass through), the same object named
    twice kept once; block devices and image files do not mix in one run."""
    targets = []
    for arg in args:
        target = arg if isinstance(arg, DiskTarget) else resolve_disk(arg, sys_root, dev_root)
        if not any(t.kind == target.kind and t.ident == target.ident for t in targets):
            targets.append(target)
    if not targets:
        raise ApplyUsageError(_("--disk: no disk named"))
    kinds = {t.kind for t in targets}
    if len(kinds) > 1:
        raise ApplyUsageError(_("%(block)s is a block device and %(image)s an image file: name "
                                "block devices or image files, not both") % {
            "block": _quote(next(t.path for t in targets if t.kind == BLOCK)),
            "image": _quote(next(t.path for t in targets if t.kind == IMAGE))})
    return targets


def check_vg_name(name):
    """*name* if LVM accepts it as a volume group name (None passes), else ApplyUsageError."""
    if name is None:
        return None
    try:
        return check_lvm_name(name, "VG")
    except InvalidNameError as exc:
        raise ApplyUsageError("--vg-name: %s" % exc) from None


# --- is it idle: the kernel's own view ---------------------------------------------------
def _read(path, limit=SYSFS_LIMIT):
    """The text of a file, None when it cannot be read; undecodable bytes are kept as
    surrogates (a mount point is bytes to the kernel)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit)
    except (OSError, ValueError):
        return None
    return data.decode("utf-8", "surrogateescape")


def _listdir(path):
    try:
        return sorted(os.listdir(path))
    except (OSError, ValueError):
        return []


def _unescape(text):
    """/proc's octal escapes decoded (``\\040`` is a space), as mount(8) does."""
    raw = text.encode("utf-8", "surrogateescape")
    raw = _OCTAL.sub(lambda m: bytes((int(m.group(1), 8) & 0xFF,)), raw)
    return raw.decode("utf-8", "surrogateescape")


def _devnum(sys_dir):
    text = (_read(os.path.join(sys_dir, "dev")) or "").strip()
    return text if _DEVNUM.match(text) else None


def partitions_of(name, sys_root="/sys"):
    base = os.path.join(sys_root, "block", name)
    return [e for e in _listdir(base) if os.path.isfile(os.path.join(base, e, "partition"))]


class _Node(NamedTuple):
    devnum: Optional[str]   # MAJ:MIN
    label: str              # how messages name it: "vda1", "dm-1 (onn-var) on vda2"


def _holder_label(name, sys_root):
    dm_name = (_read(os.path.join(sys_root, "block", name, "dm", "name")) or "").strip()
    return "%s (%s)" % (_shown(name), _shown(dm_name)) if dm_name else _shown(name)


def _device_stack(name, sys_root):
    """({kernel name: _Node} of the disk, its partitions and everything stacked on them,
    {member: [holder names, breadth first]})."""
    disk_dir = os.path.join(sys_root, "block", name)
    members = [(name, disk_dir)] + [(p, os.path.join(disk_dir, p))
                                    for p in partitions_of(name, sys_root)]
    nodes = {m: _Node(_devnum(d), _shown(m)) for m, d in members}
    held = {}
    for member, sys_dir in members:
        found, queue = [], _listdir(os.path.join(sys_dir, "holders"))
        while queue and len(nodes) < STACK_LIMIT:
            holder = queue.pop(0)
            if holder in found or any(holder == m for m, _dir in members):
                continue
            found.append(holder)
            holder_dir = os.path.join(sys_root, "block", holder)
            if holder not in nodes:
                nodes[holder] = _Node(_devnum(holder_dir), "%s on %s" % (
                    _holder_label(holder, sys_root), _shown(member)))
            queue.extend(_listdir(os.path.join(holder_dir, "holders")))
        if found:
            held[member] = found
    return nodes, held


def _source_device(source, sys_root, dev_root):
    """(MAJ:MIN, kernel name) of a /dev path from a mount table or /proc/swaps."""
    if not source.startswith("/dev/"):
        return None, None
    local = os.path.join(dev_root, source[len("/dev/"):])
    devnum = None
    try:
        st = os.stat(local)
        if stat.S_ISBLK(st.st_mode):
            devnum = "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
        return devnum, os.path.basename(os.path.realpath(local))
    except (OSError, ValueError):
        try:
            return None, os.path.basename(os.path.realpath(local))
        except (OSError, ValueError):
            return None, None


def _find(nodes, by_devnum, devnum, name):
    if devnum and devnum in by_devnum:
        return by_devnum[devnum]
    return nodes.get(name) if name else None


def _mount_table(proc_root):
    """[(MAJ:MIN or None, source, target, fstype)] from mountinfo (which has the device
    number of every mount: ``/dev/root`` included) and /proc/mounts; None when neither can
    be read."""
    entries = []
    info = _read(os.path.join(proc_root, "self", "mountinfo"), TABLE_LIMIT)
    for line in (info or "").splitlines():
        fields = line.split()
        if "-" not in fields[6:]:
            continue
        sep = fields.index("-", 6)
        if len(fields) < sep + 3:
            continue
        devnum = fields[2] if _DEVNUM.match(fields[2]) else None
        entries.append((devnum, _unescape(fields[sep + 2]), _unescape(fields[4]),
                        fields[sep + 1]))
    mounts = _read(os.path.join(proc_root, "mounts"), TABLE_LIMIT)
    for line in (mounts or "").splitlines():
        fields = line.split()
        if len(fields) >= 3:
            entries.append((None, _unescape(fields[0]), _unescape(fields[1]), fields[2]))
    if info is None and mounts is None:
        return None
    return entries


def in_use(name, sys_root="/sys", proc_root="/proc", dev_root="/dev",
           lsblk_json=None) -> List[str]:
    """Why disk *name* (a kernel name), one of its partitions or anything stacked on them is
    busy; empty when it is idle. Sources: holders (recursively), mountinfo device numbers,
    /proc/mounts, /proc/swaps, /sys/fs/btrfs membership, and lsblk's mount points
    (*lsblk_json*; None runs lsblk when *sys_root* is the real /sys). Files that cannot be
    read count as empty, except the mount tables: with neither readable, that is a reason."""
    nodes, held = _device_stack(name, sys_root)
    by_devnum = {n.devnum: n for n in nodes.values() if n.devnum}
    reasons = []

    table = _mount_table(proc_root)
    if table is None:
        reasons.append(_("cannot read the mount table (%(path)s)") % {
            "path": os.path.join(proc_root, "self", "mountinfo")})
    for devnum, source, target, _fstype in table or ():
        # By the mount's device number first; by its source too (btrfs shows an anonymous
        # device number; /proc/mounts has none).
        node = (_find(nodes, by_devnum, devnum, None)
                or _find(nodes, by_devnum, *_source_device(source, sys_root, dev_root)))
        if node is not None:
            reasons.append(_("%(dev)s is mounted on %(target)s") % {
                "dev": node.label, "target": _shown(target)})

    swaps = _read(os.path.join(proc_root, "swaps"), TABLE_LIMIT)
    for line in (swaps or "").splitlines():
        fields = line.split()
        if not fields or fields[0] == "Filename":
            continue
        node = _find(nodes, by_devnum, *_source_device(_unescape(fields[0]), sys_root,
                                                       dev_root))
        if node is not None:
            reasons.append(_("%(dev)s is in use as swap") % {"dev": node.label})

    reasons.extend(_btrfs_reasons(nodes, table or (), sys_root, dev_root))
    for member, holders in held.items():
        reasons.append(_("%(dev)s is held by %(holders)s") % {
            "dev": _shown(member),
            "holders": ", ".join(_holder_label(h, sys_root) for h in holders)})
    if lsblk_json is None:
        lsblk_json = run_lsblk() if sys_root == "/sys" else ""
    reasons.extend(_lsblk_reasons(nodes, by_devnum, lsblk_json))
    return list(dict.fromkeys(reasons))


def boot_mounts_on(name, sys_root="/sys", proc_root="/proc", dev_root="/dev",
                   mounts=None) -> List[str]:
    """Which of the running system's own mount points (*mounts*, default
    :data:`~org_ovirt_node.planning.discovery.BOOT_MOUNTS`: ``/``, ``/boot``, the
    installer's medium...) lie on disk *name* or anything stacked on it."""
    if mounts is None:
        from org_ovirt_node.planning import discovery
        mounts = discovery.BOOT_MOUNTS
    nodes, _held = _device_stack(name, sys_root)
    by_devnum = {n.devnum: n for n in nodes.values() if n.devnum}
    found = []
    for devnum, source, target, _fstype in _mount_table(proc_root) or ():
        if target not in mounts or target in found:
            continue
        if (_find(nodes, by_devnum, devnum, None)
                or _find(nodes, by_devnum, *_source_device(source, sys_root, dev_root))):
            found.append(target)
    return found


def _btrfs_reasons(nodes, table, sys_root, dev_root):
    """A btrfs spanning several devices shows one of them as its mount source and an
    anonymous device number: /sys/fs/btrfs/<fsid>/devices (present while the filesystem is
    mounted) lists every member, and all of them are in use."""
    base = os.path.join(sys_root, "fs", "btrfs")
    reasons = []
    for fsid in _listdir(base):
        members = _listdir(os.path.join(base, fsid, "devices"))
        ours = [m for m in members if m in nodes]
        if not ours:
            continue
        targets = sorted({_shown(target) for _devnum, source, target, fstype in table
                          if fstype == "btrfs"
                          and _source_device(source, sys_root, dev_root)[1] in members})
        for member in ours:
            facts = {"dev": nodes[member].label, "fsid": _shown(fsid),
                     "members": ", ".join(_shown(m) for m in members),
                     "targets": ", ".join(targets)}
            if targets:
                reasons.append(_("%(dev)s is a member of the mounted btrfs filesystem "
                                 "%(fsid)s (devices %(members)s), mounted on %(targets)s")
                               % facts)
            else:
                reasons.append(_("%(dev)s is a member of the mounted btrfs filesystem "
                                 "%(fsid)s (devices %(members)s)") % facts)
    return reasons


def run_lsblk(run=subprocess.run):
    """``lsblk --json`` with device numbers and mount points ('' when lsblk fails);
    util-linux before 2.37 knows MOUNTPOINT only."""
    for column in ("MOUNTPOINTS", "MOUNTPOINT"):
        proc = _tool(run, ["lsblk", "--json", "--output", "NAME,MAJ:MIN," + column])
        if proc.returncode == 0:
            return proc.stdout
    return ""


def _lsblk_reasons(nodes, by_devnum, text):
    """Mount points lsblk shows on the disk or anything below it in its tree."""
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return []
    devices = data.get("blockdevices") if isinstance(data, dict) else None
    reasons = []
    pending = [(node, False, 0) for node in devices] if isinstance(devices, list) else []
    while pending:
        node, inside, depth = pending.pop(0)
        if not isinstance(node, dict) or depth > 64 or len(reasons) > STACK_LIMIT:
            continue
        devnum, name = node.get("maj:min"), node.get("name")
        ours = by_devnum.get(devnum) if isinstance(devnum, str) else None
        if ours is None and isinstance(name, str) and "/" not in name:
            ours = nodes.get(name)
        inside = inside or ours is not None
        if inside:
            label = ours.label if ours is not None else _shown(str(name))
            points = node.get("mountpoints", node.get("mountpoint"))
            for point in (points if isinstance(points, list) else [points]):
                if not isinstance(point, str) or not point:
                    continue
                if point == "[SWAP]":
                    reasons.append(_("%(dev)s is in use as swap") % {"dev": label})
                else:
                    reasons.append(_("%(dev)s is mounted on %(target)s") % {
                        "dev": label, "target": _shown(point)})
        children = node.get("children")
        if isinstance(children, list):
            pending.extend((child, inside, depth + 1) for child in children)
    return reasons


def exclusive_open_busy(path):
    """True when the kernel refuses an exclusive open of block device *path* (EBUSY: a
    mounted filesystem, swap, device-mapper, RAID or another program holds it or one of its
    partitions), False when it opens, None when it cannot tell. Read-only, closed at once."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_EXCL | os.O_CLOEXEC)
    except OSError as exc:
        return True if exc.errno == errno.EBUSY else None
    except ValueError:
        return None
    os.close(fd)
    return False


def refuse_busy(targets, sys_root="/sys", proc_root="/proc", dev_root="/dev"):
    """ApplyError naming the first block device in use and why."""
    for target in targets:
        reasons = in_use(target.name, sys_root, proc_root, dev_root)
        if not reasons and exclusive_open_busy(target.path):
            reasons = [_("the kernel refuses to open it exclusively (a mount, swap, "
                         "device-mapper, RAID or another program holds it)")]
        if reasons:
            raise ApplyError(_("refusing %(disk)s: %(why)s") % {
                "disk": _quote(target.path), "why": "; ".join(reasons)})


def existing_vg_names(run=subprocess.run):
    """Names of the volume groups LVM sees on this machine (empty when vgs fails)."""
    proc = _tool(run, ["vgs", "--reportformat", "json", "--options", "vg_name"])
    try:
        return {row["vg_name"] for report in json.loads(proc.stdout)["report"]
                for row in report["vg"]}
    except (ValueError, KeyError, TypeError):
        return set()


def refuse_existing_vg(vg_name, run=subprocess.run):
    """blivet's tree holds only the named disks, so it cannot see a volume group of the same
    name elsewhere; LVM would refuse to create it half-way through: refuse now."""
    if vg_name in existing_vg_names(run):
        raise ApplyError(_("a volume group named %(vg)s already exists on this machine; "
                           "choose another name with --vg-name") % {"vg": _shown(vg_name)})


# --- image files: a loop device of their own ---------------------------------------------
def _tool(run, cmd):
    """Run a tool; a tool that cannot start is a failed CompletedProcess, not an exception."""
    try:
        return run(cmd, capture_output=True, encoding="utf-8", errors="replace", check=False,
                   timeout=TOOL_TIMEOUT)
    except (OSError, subprocess.SubprocessError) as exc:
        return subprocess.CompletedProcess(cmd, 127, "", str(exc))


def _tool_error(proc):
    lines = (proc.stderr or "").strip().splitlines()
    return excerpt(lines[-1] if lines else "exit status %d" % proc.returncode, 200)


def _settle(run):
    _tool(run, ["udevadm", "settle", "--timeout=60"])


def loop_attachments(target, sys_root="/sys") -> List[str]:
    """Names of the loop devices already backed by *target*'s image file (by inode)."""
    found = []
    for name in _listdir(os.path.join(sys_root, "block")):
        text = _read(os.path.join(sys_root, "block", name, "loop", "backing_file"), 8192)
        if not text or not text.strip():
            continue
        try:
            st = os.stat(text.rstrip("\n"))
        except (OSError, ValueError):
            continue
        if (st.st_dev, st.st_ino) == tuple(target.ident):
            found.append(name)
    return found


def _loop_backing(loop, run):
    """(st_dev, st_ino) of the file behind *loop*, from the kernel's loop status."""
    proc = _tool(run, ["losetup", "--json", "--list", "--output",
                       "NAME,BACK-FILE,BACK-INO,BACK-MAJ:MIN", loop])
    try:
        rows = json.loads(proc.stdout)["loopdevices"]
        row = next(r for r in rows if r.get("name") == loop)
        major, minor = (int(x) for x in str(row["back-maj:min"]).split(":"))
        return os.makedev(major, minor), int(row["back-ino"])
    except (ValueError, KeyError, TypeError, StopIteration, AttributeError):
        return None


@contextlib.contextmanager
def attached_loop(target, run=subprocess.run, sys_root="/sys", warn=None):
    """Attach *target*'s image file to a free loop device with partition scanning, check it
    is backed by exactly that file, yield ``/dev/loopN``; detach it afterwards, also when
    the body fails."""
    proc = _tool(run, ["losetup", "--find", "--show", "--partscan", target.path])
    loop = (proc.stdout or "").strip()
    if proc.returncode != 0 or not _LOOP_PATH.match(loop):
        raise ApplyError(_("%(image)s: cannot attach a loop device: %(error)s") % {
            "image": _quote(target.path), "error": _tool_error(proc)})
    try:
        backing = _loop_backing(loop, run)
        if backing != tuple(target.ident):
            raise ApplyError(_("%(loop)s is not attached to %(image)s as expected (the file "
                               "changed, or its loop status cannot be read); nothing was "
                               "written") % {"loop": loop, "image": _quote(target.path)})
        yield loop
    finally:
        _detach(loop, run, sys_root, warn or _warn)


def _warn(message):
    sys.stderr.write(message + "\n")


def _detach(loop, run, sys_root, warn):
    _settle(run)
    proc = _tool(run, ["losetup", "--detach", loop])
    _settle(run)
    backing = os.path.join(sys_root, "block", os.path.basename(loop), "loop", "backing_file")
    if proc.returncode != 0 or os.path.exists(backing):
        warn(_("warning: %(loop)s is still attached (%(error)s); detach it with: losetup "
               "--detach %(loop)s") % {"loop": loop, "error": _tool_error(proc)
                                       if proc.returncode else _("still in use")})


def loop_clear(clear, mapping):
    """The ``--clear`` names of a dry run (the image's name, its partitions ``disk.img2``)
    as the loop device's (``loop7``, ``loop7p2``); other names are unchanged."""
    if not isinstance(clear, (list, tuple)):
        return clear
    return [_loop_name(name, mapping) for name in clear]


def _loop_name(name, mapping):
    for image, loop in mapping.items():
        sep = "p" if image[-1:] in "0123456789" else ""  # how parted names partitions
        if name == image:
            return loop
        number = name[len(image) + len(sep):]
        if name.startswith(image + sep) and re.fullmatch("[0-9]+", number):
            return "%sp%s" % (loop, number)
    return name


def loop_disk(b, loop, sys_root="/sys"):
    """The loop device *loop* as a disk of *b*'s tree, with the partitions it has. (blivet's
    own scan would make it a LoopDevice, which blivet never partitions.)"""
    from blivet.devices import DiskDevice

    from org_ovirt_node.planning.discovery import read_existing_label

    name = os.path.basename(loop)
    disk = DiskDevice(name, exists=True)
    if int(disk.size) <= 0:
        raise ApplyError(_("%(loop)s: cannot read its size") % {"loop": loop})
    b.devicetree._add_device(disk)
    return read_existing_label(b, disk)


# --- the plan, checked and executed -------------------------------------------------------
def action_disks(action) -> set:
    """Names of the disks a blivet action touches."""
    device = action.device
    disks = {d.name for d in getattr(device, "disks", ())}
    return disks or {device.name}


def foreign_actions(actions, names) -> List[str]:
    """Actions that touch a disk not in *names* (must be none)."""
    allowed = set(names)
    return [str(a) for a in actions if not action_disks(a) <= allowed]


def describe_action(record):
    """One action record (:func:`~org_ovirt_node.planning.planner.action_record`) in words:
    ``create device partition sda1 (1 GiB, xfs, /boot)``."""
    from org_ovirt_node.units import format_size
    details = [format_size(record["size"])] if record.get("size") else []
    details += [v for v in (record.get("format"), record.get("mountpoint")) if v]
    return "%s %s %s %s%s" % (record["action"], record["object"], record["type"],
                              record["device"],
                              " (%s)" % ", ".join(details) if details else "")


def created_devices(actions) -> List[str]:
    """Devices (and formats) the executed part of *actions* created."""
    made = []
    for action in actions:
        if not action.is_create:
            continue
        device = action.device
        if action.is_device and device.exists:
            made.append(device.path if hasattr(device, "path") else device.name)
        elif action.is_format and device.format.exists:
            made.append("%s (%s)" % (getattr(device, "path", device.name), device.format.type))
    return made


def fstab_text(layout, paths: Dict[str, str], uuid_of=None) -> str:
    """fstab lines for the mounts and swaps of a planned *layout*.

    *paths* maps device names to device paths; *uuid_of(path)* may give a filesystem UUID
    (partitions are then mounted by UUID, LVs by their stable /dev/mapper path).
    """
    lines = []
    devices = sorted((d for d in layout if d.mountpoint or d.format == L.SWAP),
                     key=lambda d: (d.format == L.SWAP, (d.mountpoint or "").count("/"),
                                    d.mountpoint or ""))
    for dev in devices:
        path = paths.get(dev.name, "/dev/" + dev.name)
        source = path
        if dev.kind == L.PARTITION and uuid_of is not None:
            uuid = uuid_of(path)
            if uuid:
                source = "UUID=" + uuid
        options = ",".join(("defaults",) + tuple(dev.mount_options))
        if dev.format == L.SWAP:
            lines.append("%s none swap %s 0 0" % (source, options))
            continue
        passno = 0 if dev.format == "xfs" else (1 if dev.mountpoint == "/" else 2)
        lines.append("%s %s %s %s 0 %d" % (source, dev.mountpoint, dev.format or "auto",
                                           options, passno))
    return "\n".join(lines) + "\n"


def blkid_uuid(path, run=subprocess.run):
    proc = _tool(run, ["blkid", "-s", "UUID", "-o", "value", path])
    uuid = (proc.stdout or "").strip()
    return uuid if uuid and uuid.isprintable() and " " not in uuid else None


def apply_plan(profile, disk_args: Sequence, clear="none", yes=False, vg_name=None,
               fstype=None, log=print, sys_root="/sys", proc_root="/proc", dev_root="/dev",
               run=subprocess.run, firmware=None) -> Applied:
    """Plan on the named disks and, with *yes*, execute. *disk_args* are ``--disk`` values
    or :class:`DiskTarget`\\ s. :class:`ApplyUsageError` for input that names nothing usable,
    :class:`ApplyError` when refused or failed, ``ValueError`` for the planner's bad
    arguments (``--fstype``, ``--clear`` names). *firmware* (``bios``/``uefi``; None:
    this machine's) decides the boot partitions."""
    targets = resolve_disks(disk_args, sys_root, dev_root)
    vg_name = check_vg_name(vg_name)
    if targets[0].kind == BLOCK:
        refuse_busy(targets, sys_root, proc_root, dev_root)
        if yes:
            refuse_existing_vg(vg_name or profile.vg_name, run)
        return _apply_on_block_devices(profile, targets, clear, yes, vg_name, fstype, log,
                                       firmware)
    for target in targets:
        attached = loop_attachments(target, sys_root)
        if attached:
            raise ApplyError(_("refusing %(image)s: it is already attached to %(loops)s; "
                               "detach it first (losetup --detach)") % {
                "image": _quote(target.path),
                "loops": ", ".join("/dev/" + _shown(n) for n in attached)})
    if yes:
        refuse_existing_vg(vg_name or profile.vg_name, run)
    if not yes:
        # A dry run reads the image files themselves, as ``plan --disk PATH`` does: no loop
        # device, nothing attached, nothing scanned.
        import blivet

        from org_ovirt_node.planning.discovery import DiscoveryError, discover_disks
        b = blivet.Blivet()
        try:
            disks = discover_disks(b, [t.path for t in targets])
        except DiscoveryError as exc:
            raise ApplyUsageError(str(exc)) from None
        return _plan_checked(profile, b, disks, clear, vg_name, fstype, log, firmware)[0]
    return _apply_on_images(profile, targets, clear, vg_name, fstype, log, sys_root,
                            proc_root, dev_root, run, firmware)


def _apply_on_block_devices(profile, targets, clear, yes, vg_name, fstype, log,
                            firmware=None):
    import blivet

    from org_ovirt_node.planning.discovery import DiscoveryError, discover_disks

    b = blivet.Blivet()
    try:
        # discover_disks restricts blivet to the named disks (exclusive_disks) before its
        # scan: other disks are never seen, activated or torn down.
        disks = discover_disks(b, [t.path for t in targets])
    except DiscoveryError as exc:
        raise ApplyUsageError(str(exc)) from None
    applied, actions = _plan_checked(profile, b, disks, clear, vg_name, fstype, log,
                                     firmware)
    return _execute(b, applied, actions) if yes else applied


def _apply_on_images(profile, targets, clear, vg_name, fstype, log, sys_root, proc_root,
                     dev_root, run, firmware=None):
    """Attach each image to a loop device of its own, plan and execute on the loop devices
    (the only disks the tree holds), deactivate what was made, detach: also on failure."""
    import blivet

    with contextlib.ExitStack() as stack:
        loops = [stack.enter_context(attached_loop(t, run, sys_root)) for t in targets]
        _settle(run)  # the partitions of the loop devices appear, udev rules run
        for target, loop in zip(targets, loops):
            log(_("%(image)s is attached to %(loop)s") % {"image": _shown(target.path),
                                                          "loop": loop})
            busy = in_use(os.path.basename(loop), sys_root, proc_root, dev_root)
            if busy:  # e.g. an old volume group on the image got activated
                raise ApplyError(_("refusing %(image)s: %(why)s") % {
                    "image": _quote(target.path), "why": "; ".join(busy)})
        b = blivet.Blivet()
        stack.callback(_deactivate, b, log)  # runs before the loop devices are detached
        disks = [loop_disk(b, loop, sys_root) for loop in loops]
        clear = loop_clear(clear, {t.name: os.path.basename(loop)
                                   for t, loop in zip(targets, loops)})
        applied, actions = _plan_checked(profile, b, disks, clear, vg_name, fstype, log,
                                         firmware)
        return _execute(b, applied, actions)


def _deactivate(b, log):
    """Tear down the devices of *b*'s tree (LVs, the VG) so their loop devices are free."""
    try:
        b.devicetree.teardown_all()
    except Exception as exc:  # noqa: BLE001 - detaching still runs; the warning says why
        log(_("warning: deactivating the new devices failed: %(error)s") % {
            "error": excerpt(str(exc), 200)})


def _plan_checked(profile, b, disks, clear, vg_name, fstype, log, firmware=None):
    """(Applied, blivet actions) of a plan that passes the profile and touches only *disks*;
    ApplyError otherwise. The actions are logged."""
    from org_ovirt_node.planning.planner import PlanError, plan

    names = [d.name for d in disks]
    try:
        result = plan(profile, b, disks, clear=clear, vg_name=vg_name, fstype=fstype,
                      firmware=firmware)
    except PlanError as exc:
        raise ApplyError(_("no plan, nothing written: %(error)s") % {"error": exc}) from exc
    report = result.report
    if not report.ok:
        raise ApplyError(_("the plan breaks the profile (%(n)d error(s)): %(first)s") % {
            "n": len(report.errors), "first": report.errors[0].message})
    actions = list(b.devicetree.actions.find())
    foreign = foreign_actions(actions, names)
    if foreign:
        raise ApplyError(_("the plan would touch a disk that was not named: %(action)s")
                         % {"action": foreign[0]})
    described = [printable(describe_action(r)) for r in result.action_records]
    for line in described:
        log("  " + line)
    return Applied(described, False, result), actions


def _execute(b, applied, actions):
    try:
        b.do_it()
    except Exception as exc:  # blivet raises many kinds; all mean "stopped half-way"
        raise ApplyError(_("applying failed: %(error)s") % {"error": exc},
                         created=created_devices(actions)) from exc
    paths = {d.name: d.path for d in b.devicetree.devices}
    return applied._replace(executed=True,
                            fstab=fstab_text(applied.plan.layout, paths, blkid_uuid))
