"""Apply a plan to real disks: for building disk images and for the end-to-end tests.

Inside the installer Anaconda writes the disks; this is the stand-alone path. It is careful
in this order: the named disks must exist and be idle (nothing mounted, no swap, no
holders such as device-mapper on them or their partitions); blivet is restricted to them
*before* it scans (``exclusive_disks``); the plan must have no errors; every scheduled
action must touch only the named disks; only then, and only when asked, it executes. On a
failure it stops and lists what it had already created.

blivet's ``reset()``/``do_it()`` run here, so nothing here runs in unit tests except the
pure checks (in-use detection on fake /proc and /sys trees, fstab text).
"""
import os
import subprocess
from typing import Dict, List, NamedTuple, Optional, Sequence

from org_ovirt_node import layout as L
from org_ovirt_node.i18n import _


class ApplyError(Exception):
    """Apply refused or failed; *created* lists devices made before a failure."""

    def __init__(self, message, created=()):
        super().__init__(message)
        self.created = tuple(created)


class Applied(NamedTuple):
    actions: List[str]            # what was (or would be) done, in order
    executed: bool
    plan: object                  # the planner's Plan
    fstab: Optional[str] = None   # fstab text for the new layout (after execution)


# --- which disk, and is it idle ----------------------------------------------------------
def disk_name(arg, sys_root="/sys"):
    """The kernel name of a whole disk given as ``/dev/vda``, ``vda`` or a symlink."""
    path = arg if arg.startswith("/") else "/dev/" + arg
    name = os.path.basename(os.path.realpath(path))
    if not os.path.isdir(os.path.join(sys_root, "block", name)):
        raise ApplyError(_("%(disk)s: not a whole disk (no %(sys)s/block/%(name)s)") % {
            "disk": arg, "sys": sys_root, "name": name})
    return name


def partitions_of(name, sys_root="/sys"):
    base = os.path.join(sys_root, "block", name)
    try:
        entries = sorted(os.listdir(base))
    except OSError:
        return []
    return [e for e in entries if os.path.isfile(os.path.join(base, e, "partition"))]


def _holders(sys_dir, sys_root):
    try:
        held = sorted(os.listdir(os.path.join(sys_dir, "holders")))
    except OSError:
        return []
    names = []
    for h in held:
        try:
            with open(os.path.join(sys_root, "block", h, "dm", "name"), encoding="utf-8") as f:
                names.append("%s (%s)" % (h, f.read().strip()))
        except OSError:
            names.append(h)
    return names


def _first_fields(path, skip=0):
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()[skip:]
    except OSError:
        return []
    return [line.split() for line in lines if line.split()]


def in_use(name, sys_root="/sys", proc_root="/proc", dev_root="/dev") -> List[str]:
    """Why disk *name* (or one of its partitions) is busy; empty when it is idle."""
    parts = partitions_of(name, sys_root)
    members = [name] + parts
    reasons = []

    def base(source):
        if not source.startswith("/"):
            return None
        if source.startswith(dev_root + "/"):
            source = os.path.realpath(source)
        return os.path.basename(source)

    for fields in _first_fields(os.path.join(proc_root, "mounts")):
        if len(fields) > 1 and base(fields[0]) in members:
            reasons.append(_("%(dev)s is mounted on %(target)s") % {
                "dev": base(fields[0]), "target": fields[1]})
    for fields in _first_fields(os.path.join(proc_root, "swaps"), skip=1):
        if base(fields[0]) in members:
            reasons.append(_("%(dev)s is in use as swap") % {"dev": base(fields[0])})
    for member in members:
        sys_dir = os.path.join(sys_root, "block", name)
        if member != name:
            sys_dir = os.path.join(sys_dir, member)
        held = _holders(sys_dir, sys_root)
        if held:
            reasons.append(_("%(dev)s is held by %(holders)s") % {
                "dev": member, "holders": ", ".join(held)})
    return reasons


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


def blkid_uuid(path):
    try:
        proc = subprocess.run(["blkid", "-s", "UUID", "-o", "value", path],
                              capture_output=True, text=True, check=False)
    except OSError:
        return None
    return proc.stdout.strip() or None


def apply_plan(profile, disk_args: Sequence[str], clear="none", yes=False, vg_name=None,
               fstype=None, log=print) -> Applied:
    """Plan on the named disks and, with *yes*, execute; ApplyError when refused/failed."""
    names = []
    for arg in disk_args:
        name = disk_name(arg)
        if name not in names:
            names.append(name)
    for name in names:
        busy = in_use(name)
        if busy:
            raise ApplyError(_("refusing /dev/%(disk)s: %(why)s") % {
                "disk": name, "why": "; ".join(busy)})

    import blivet

    from org_ovirt_node.discovery import DiscoveryError, discover_disks
    from org_ovirt_node.planner import PlanError, plan

    b = blivet.Blivet()
    try:
        # discover_disks restricts blivet to the named disks (exclusive_disks) before its
        # scan: other disks are never seen, activated or torn down.
        disks = discover_disks(b, ["/dev/" + name for name in names])
    except DiscoveryError as exc:
        raise ApplyError(str(exc)) from exc
    try:
        result = plan(profile, b, disks, clear=clear, vg_name=vg_name, fstype=fstype)
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
    described = [str(a) for a in actions]
    for line in described:
        log("  " + line)
    if not yes:
        return Applied(described, False, result)
    try:
        b.do_it()
    except Exception as exc:  # blivet raises many kinds; all mean "stopped half-way"
        raise ApplyError(_("applying failed: %(error)s") % {"error": exc},
                         created=created_devices(actions)) from exc
    paths = {d.name: d.path for d in b.devicetree.devices}
    return Applied(described, True, result, fstab_text(result.layout, paths, blkid_uuid))
