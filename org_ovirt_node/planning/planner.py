# SPDX-License-Identifier: GPL-2.0-or-later
"""The planner: schedules the layout a profile requires on a ``Blivet`` (nothing executed).

:func:`plan` builds, on the chosen disks only, what Anaconda's oVirt thin autopart builds,
driven by the profile: the boot partitions the firmware needs, ``/boot``, one PV per disk
(LUKS2 when a passphrase is given), one VG with the profile's thin-pool reserve, one growing
thin pool, a thin LV per required mount (``/`` growing), swap as the profile says.

Data safety comes first: an existing device is destroyed only when ``clear`` covers its disk;
otherwise only free space is used, and a disk without a partition table only when it is
provably empty. Whether the layout fits is computed *before* the tree is touched
(:class:`PlanError` with needed/found/disks); if blivet, the checker or the audit still
refuses, or the plan is interrupted, the tree is restored from a snapshot taken before, so it
is left exactly as it was (:func:`tree_state` is the witness). blivet is imported lazily:
importing this module is cheap.
"""
import contextlib
import os
import re
import types
from dataclasses import dataclass, field
from typing import Mapping, Optional, Tuple

from org_ovirt_node import design as D
from org_ovirt_node.design import (  # noqa: F401 - the planner's public names
    BIOS,
    FIRMWARES,
    LABEL_OVERHEAD,
    PART_ALIGN,
    PV_MIN,
    UEFI,
    Request,
)
from org_ovirt_node.i18n import _
from org_ovirt_node.names import check_lvm_name
from org_ovirt_node.planning.blivet_reader import layout_from_blivet
from org_ovirt_node.units import format_size

CLEAR_NONE, CLEAR_ALL = "none", "all"


class PlanError(Exception):
    """The layout cannot be planned. ``needed``/``found`` are bytes (``None`` when the
    reason is not space), ``disks`` the names of the disks considered."""

    def __init__(self, message, needed=None, found=None, disks=()):
        super().__init__(message)
        self.needed = needed
        self.found = found
        self.disks = tuple(disks)


@dataclass(frozen=True)
class Plan:
    """A scheduled layout: the planned tree as a :class:`~org_ovirt_node.layout.Layout`, the
    checker's verdict on it, and what was asked for (:attr:`requests`, from :attr:`design`)."""

    layout: object
    report: object
    disks: Tuple[str, ...]
    requests: Tuple[Request, ...]
    clear: Tuple[str, ...]
    firmware: str
    vg_name: str
    pool_name: str
    reserve_percent: float
    encrypted: bool
    new_devices: Tuple[str, ...]
    actions: Tuple[str, ...]
    profile_name: str = ""
    summary: Mapping[str, object] = field(default_factory=dict)
    design: Optional[D.Design] = None     # what the requests come from
    # The actions as plain data (:func:`action_record`) and what existed before and is
    # destroyed by the plan (:func:`_lost_record`): the data a --clear erases.
    action_records: Tuple[Mapping[str, object], ...] = ()
    destroyed: Tuple[Mapping[str, object], ...] = ()

    def to_dict(self):
        return {
            "profile": self.profile_name, "disks": list(self.disks),
            "clear": list(self.clear), "firmware": self.firmware,
            "encrypted": self.encrypted, "vg": self.vg_name, "pool": self.pool_name,
            "summary": dict(self.summary),
            "requests": [dict(r.__dict__, options=list(r.options)) for r in self.requests],
            "new_devices": list(self.new_devices),
            "actions": [dict(a) for a in self.action_records],
            "destroyed": [dict(d) for d in self.destroyed],
            "layout": self.layout.to_dict(), "report": self.report.to_dict(),
        }


# --- facts of this machine ------------------------------------------------------------------
def system_ram():
    """Total RAM of this machine in bytes (what Anaconda bases its recommendation on)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 4 * 1024 ** 3


# --- reading the tree (no changes) ---------------------------------------------------------
def _free_regions(disk):
    """Byte sizes of the free regions of a partitioned disk, largest first."""
    from blivet.partitioning import get_free_regions
    sector = disk.format.parted_device.sectorSize
    sizes = [r.length * sector for r in get_free_regions([disk])]
    return sorted(sizes, reverse=True)


def _descendants(disk):
    out, stack = [], list(disk.children)
    while stack:
        dev = stack.pop()
        if dev not in out:
            out.append(dev)
            stack.extend(dev.children)
    return out


def _disks_of(device):
    return {d.name for d in device.ancestors if getattr(d, "is_disk", False)}


def _refusal(disk, what):
    return _("%(disk)s: %(what)s; name it in --clear to use it") % {"disk": disk.name,
                                                                      "what": what}


@dataclass(frozen=True)
class _DiskUse:
    """What a plan may do with one disk: *usable* bytes in the region a PV would take, the
    label type the disk will have (``None``: blivet's default for a new label), whether the
    plan writes a new label (cleared, or provably empty), and why it is not usable."""

    usable: int
    label: Optional[str]
    relabel: bool
    refused: Optional[str] = None


def _disk_use(disk, clear):
    """How *disk* may be used. Without the clear option naming it, a disk is labelled only if
    it is provably empty (:func:`~org_ovirt_node.planning.discovery.disk_contents`); a partition
    table lends its largest free region; anything else (a whole-disk filesystem or PV,
    data nobody recognises) is refused with what was found."""
    if disk.name in clear:
        return _DiskUse(max(int(disk.size) - LABEL_OVERHEAD, 0), None, True)
    if disk.partitioned:
        if not disk.format.supported:
            return _DiskUse(0, None, False, _refusal(
                disk, _("a %(label)s partition table this installer cannot edit")
                % {"label": disk.format.label_type}))
        regions = _free_regions(disk)
        return _DiskUse(regions[0] if regions else 0, disk.format.label_type, False)
    from org_ovirt_node.planning.discovery import disk_contents
    found = disk_contents(disk)
    if found is None:
        return _DiskUse(max(int(disk.size) - LABEL_OVERHEAD, 0), None, True)
    return _DiskUse(0, None, False, _refusal(disk, found))


# --- the tree snapshot: proof that a failed plan leaves no trace -----------------------------
def _parted_state(label):
    """Type, device length and every partition (extended and logical included) of a parted
    disk: number, type, geometry, flags, filesystem, name."""
    # The attribute, not the property: reading must not create a parted disk lazily.
    pd = getattr(label, "_parted_disk", None)
    if pd is None:
        return None
    import parted
    named = pd.supportsFeature(parted.DISK_TYPE_PARTITION_NAME)
    return (pd.type, pd.device.length, tuple(
        (part.number, part.type, part.geometry.start, part.geometry.end,
         part.getFlagsAsString(), getattr(part.fileSystem, "type", None),
         part.name if named else None) for part in pd.partitions))


def _device_state(dev):
    fmt = dev.format
    parted_part = getattr(dev, "parted_partition", None) if dev.type == "partition" \
        else None
    return (dev.id, id(dev), dev.name, dev.type, int(dev.size), dev.exists, dev.protected,
            tuple(p.id for p in dev.parents),
            (id(fmt), fmt.type, fmt.uuid, getattr(fmt, "mountpoint", None), fmt.exists)
            if fmt is not None else None,
            (parted_part.number, parted_part.geometry.start, parted_part.geometry.end)
            if parted_part is not None else None,
            _parted_state(fmt) if fmt is not None and fmt.type == "disklabel" else None)


def tree_state(b):
    """A comparable snapshot of everything a plan may change in a ``Blivet``: the actions
    (which, and on what), every device, hidden ones included (id, name, type, size, exists,
    protected, parents), its format (object, type, UUID, mount point, exists), a partition's
    parted geometry, and every disk label's parted partitions (extended and logical ones
    included: number, type, geometry, flags, filesystem, name)."""
    tree = b.devicetree
    actions = tuple((id(a), type(a).__name__, a.device.id) for a in tree.actions)
    hidden = list(getattr(tree, "_hidden", ()))  # blivet has no public list of them
    devices = tuple(_device_state(d) for d in list(tree.devices) + hidden)
    return (actions, devices)


class _Snapshot:
    """The state of every object a plan can change, taken before it starts, so a failed plan
    can put it all back, whatever blivet did.

    Walks everything reachable from the ``Blivet``: the attributes of each blivet object (of
    a class derived from blivet's) and the contents of each list, dict and set are copied
    shallowly; :meth:`restore` puts them back into the same objects, so what callers hold
    (the Blivet, its disks and devices) stays valid. libparted's disks are C objects blivet
    edits in place: each label's parted disk is duplicated, and on restore the label gets
    the duplicate and each of its partitions the duplicate's partition of the same number.
    Values are not walked: ``Size`` (immutable; it owns a C object), strings, numbers,
    classes, functions, parted objects.
    """

    def __init__(self, root):
        from blivet.devices import PartitionDevice
        from blivet.formats.disklabel import DiskLabel
        self.objects, self.labels, self.partitions = [], [], []
        seen = set()
        stack = [root]
        while stack:
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if isinstance(obj, list):
                self.objects.append((obj, list(obj)))
                stack.extend(obj)
            elif isinstance(obj, dict):
                items = list(obj.items())
                self.objects.append((obj, items))
                stack.extend(k for k, _v in items)
                stack.extend(v for _k, v in items)
            elif isinstance(obj, set):
                self.objects.append((obj, list(obj)))
                stack.extend(obj)
            elif isinstance(obj, (tuple, frozenset)):
                stack.extend(obj)
            elif isinstance(obj, types.MethodType):
                stack.append(obj.__self__)
            elif _is_state(obj):
                state = dict(vars(obj))
                self.objects.append((obj, state))
                if isinstance(obj, DiskLabel):
                    self.labels.append((obj, {
                        key: state[key].duplicate() for key in ("_parted_disk",
                                                                "_orig_parted_disk")
                        if state.get(key) is not None}))
                elif isinstance(obj, PartitionDevice):
                    self.partitions.append((obj,) + _label_and_number(state))
                stack.extend(state.values())

    def restore(self):
        for obj, state in self.objects:
            if isinstance(obj, list):
                obj[:] = state
            elif isinstance(obj, (dict, set)):
                obj.clear()
                obj.update(state)
            else:
                attrs = vars(obj)
                attrs.clear()
                attrs.update(state)
        for label, disks in self.labels:
            vars(label).update(disks)
        for part, label, number in self.partitions:
            if number is not None:  # it was one of its label's partitions: the duplicate's
                vars(part)["_parted_partition"] = _numbered(vars(label)["_parted_disk"],
                                                            number)


def _numbered(parted_disk, number):
    return next((p for p in parted_disk.partitions if p.number == number), None)


def _label_and_number(state):
    """(the disk label, the partition number) of a partition device whose *state* binds a
    parted partition that is one of its disk label's partitions (on restore it is bound to
    the same partition of the label's duplicate); ``(None, None)`` if it binds none or a
    detached one (kept as it is)."""
    parted_part, parents = state.get("_parted_partition"), state.get("_parents")
    label = parents[0].format if parents is not None and len(parents) else None
    parted_disk = vars(label).get("_parted_disk") if label is not None else None
    if parted_part is None or parted_disk is None or parted_part.number <= 0:
        return None, None
    same = _numbered(parted_disk, parted_part.number)
    if same is None or (same.geometry.start, same.geometry.end) != (
            parted_part.geometry.start, parted_part.geometry.end):
        return None, None
    return label, parted_part.number


_STATE_TYPES = {}


def _is_state(obj):
    """Whether *obj* is a blivet object (of a blivet class or one derived from it, such as
    the installer's) whose attributes a plan may change: not a value (``Size``), not a
    class."""
    kind = type(obj)
    known = _STATE_TYPES.get(kind)
    if known is None:
        from blivet.size import Size
        known = (hasattr(obj, "__dict__") and not issubclass(kind, (type, Size))
                 and any(c.__module__.split(".", 1)[0] == "blivet" for c in kind.__mro__))
        _STATE_TYPES[kind] = known
    return known


# --- the plan as data ------------------------------------------------------------------------
def action_record(action, sizes=None):
    """One blivet action as plain data: ``action`` (create, destroy, resize, add, remove,
    configure), ``object`` (device, format, container), the ``device`` name and ``type``,
    its ``size`` in bytes, the ``format`` (the one created, or the one destroyed) and its
    ``mountpoint``. No blivet-internal ids. *sizes* (device id -> bytes, taken before the
    plan) gives the size of existing devices: a destroyed VG cannot compute its own."""
    dev = action.device
    fmt = action.format
    fmt_type = getattr(fmt, "type", None) if fmt is not None else None
    return {"action": action.type_string.lower(), "object": action.object_string.lower(),
            "device": dev.name, "type": dev.type, "size": _size_of(dev, sizes),
            "format": fmt_type, "mountpoint": getattr(fmt, "mountpoint", None) or None}


def _size_of(dev, sizes=None):
    if sizes and dev.id in sizes:
        return sizes[dev.id]
    return int(dev.size)


def _sizes(devices):
    """{id: bytes} of *devices*, before the plan changes them (0 where blivet cannot say)."""
    out = {}
    for dev in devices:
        try:
            out[dev.id] = int(dev.size)
        except (AttributeError, TypeError, ValueError):  # e.g. a VG with an unread PV
            out[dev.id] = 0
    return out


def _before(disks):
    """{device id: what it is before the plan} for the chosen disks and everything on them
    (destroyed devices leave the tree, and blivet clears a PV's VG name when the VG goes):
    the first disk it lies on, its depth below the disk (partitions 1, a VG 2, its LVs 3...)
    and its format's type, label, mount point and VG."""
    info = {}
    for disk in disks:
        level = [(disk, 0)]
        while level:
            dev, depth = level.pop(0)
            if dev.id in info:
                continue
            fmt = dev.format
            info[dev.id] = {"disk": disk.name, "depth": depth,
                            "format": getattr(fmt, "type", None) if fmt is not None else None,
                            "label": getattr(fmt, "label", None) or None,
                            "mountpoint": getattr(fmt, "mountpoint", None) or None,
                            "vg": getattr(fmt, "vg_name", None) or None}
            level.extend((child, depth + 1) for child in dev.children)
    return info


def _lost_record(dev, before, fmt=None, sizes=None):
    """What is lost when the existing *dev* (or only its format *fmt*) is destroyed; the
    facts of *before* (:func:`_before`) win over what the device shows after the plan."""
    fmt = dev.format if fmt is None else fmt
    was = before.get(dev.id, {})
    record = {"device": dev.name, "type": dev.type, "size": _size_of(dev, sizes),
              "disk": was.get("disk", "")}
    for key, attr in (("format", "type"), ("label", "label"), ("mountpoint", "mountpoint"),
                      ("vg", "vg_name")):
        record[key] = was.get(key) or (getattr(fmt, attr, None) if fmt is not None
                                       else None) or None
    return record


def _destroyed(actions, existing, before, disks, sizes=None):
    """Records of the pre-existing devices (and whole-disk formats) *actions* destroy, in
    disk order and from the disk up (partitions, then what is built on them), each once; a
    new disk label replacing an old one is not data."""
    # A destroyed device's format is destroyed first (the device then shows none): the
    # format that was there is the one its destroy-format action keeps.
    old_format = {a.device.id: a.format for a in actions if a.is_destroy and a.is_format}
    gone = {a.device.id for a in actions if a.is_destroy and a.is_device}
    out, seen = [], set()
    for action in actions:
        dev = action.device
        if dev.id not in existing or not action.is_destroy or dev.id in seen:
            continue
        fmt = old_format.get(dev.id)
        if action.is_format and dev.id in gone:
            continue  # the device goes, and its format with it: one record
        if action.is_format and (fmt is None or fmt.type is None or fmt.type == "disklabel"):
            continue  # a label is replaced, not data lost (its partitions are listed)
        seen.add(dev.id)
        out.append((before.get(dev.id, {}).get("depth", 0), _lost_record(dev, before, fmt,
                                                                         sizes)))
    order = {d.name: i for i, d in enumerate(disks)}

    def key(item):  # disk order, depth, then sda2 before sda10
        depth, record = item
        parts = re.split(r"([0-9]+)", record["device"])
        return (order.get(record["disk"], len(order)), depth,
                [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts])
    return tuple(record for _depth, record in sorted(out, key=key))


# --- the plan --------------------------------------------------------------------------------
def _resolve_clear(clear, names):
    if clear in (None, CLEAR_NONE):
        return ()
    if clear == CLEAR_ALL:
        return tuple(names)
    if isinstance(clear, str):
        clear = [clear]
    unknown = [c for c in clear if c not in names]
    if unknown:
        raise ValueError(_("cannot clear %(unknown)s: not among the chosen disks (%(disks)s)")
                         % {"unknown": ", ".join(unknown), "disks": ", ".join(names)})
    return tuple(c for c in names if c in clear)


def _resolve_firmware(firmware):
    if firmware is None:
        from blivet import arch
        return UEFI if arch.is_efi() else BIOS
    if firmware not in FIRMWARES:
        raise ValueError(_("unknown firmware %(fw)r (expected %(choices)s)")
                         % {"fw": firmware, "choices": " or ".join(FIRMWARES)})
    return firmware


def _check_clear_is_contained(disks, clear):
    """Clearing a disk must not destroy a device that also lives on a disk not cleared
    (a VG spanning two disks, an MD array): refuse instead."""
    for disk in disks:
        if disk.name not in clear:
            continue
        for dev in _descendants(disk):
            outside = sorted(_disks_of(dev) - set(clear))
            if outside:
                raise PlanError(
                    _("clearing %(disk)s would destroy %(dev)s, which also uses %(other)s "
                      "(not cleared); clear %(other)s too or leave %(disk)s alone")
                    % {"disk": disk.name, "dev": dev.name, "other": ", ".join(outside)},
                    disks=[d.name for d in disks])


def _not_enough(needed, found, disks, detail=""):
    message = _("not enough space: the layout needs %(needed)s, %(found)s is usable on "
                "%(disks)s") % {"needed": format_size(needed), "found": format_size(found),
                                "disks": ", ".join(disks)}
    if detail:
        message += " (%s)" % detail
    return PlanError(message, needed=needed, found=found, disks=disks)


def plan(profile, blivet, disks, clear="none", firmware=None, passphrase=None, swap=None,
         fstype=None, vg_name=None, ram=None):
    """Schedule *profile*'s layout on *disks* of *blivet* and return a :class:`Plan`.

    Raises :class:`PlanError` (tree untouched) when it does not fit or cannot be planned
    safely, ``ValueError`` for bad arguments.
    """
    disks = list(disks)
    names = [d.name for d in disks]
    if not disks:
        raise ValueError(_("no disks to plan on"))
    if len(set(names)) != len(names):
        raise ValueError(_("a disk is given twice: %(disks)s") % {"disks": ", ".join(names)})
    clear = _resolve_clear(clear, names)
    from_platform = firmware is None
    firmware = _resolve_firmware(firmware)
    fstype = D.choose_filesystem(profile, fstype)
    vg_name = check_lvm_name(vg_name or profile.vg_name, "VG")
    total = sum(int(d.size) for d in disks)
    if profile.min_disk_total and total < profile.min_disk_total:
        raise PlanError(_("the disks (%(disks)s) hold %(found)s, below the minimum of "
                          "%(needed)s of profile %(profile)s") % {
            "disks": ", ".join(names), "found": format_size(total),
            "needed": format_size(profile.min_disk_total), "profile": profile.name},
            needed=profile.min_disk_total, found=total, disks=names)
    if blivet.devicetree.get_device_by_name(vg_name) is not None:
        raise PlanError(_("a device named %(vg)s already exists; choose another volume group "
                          "name") % {"vg": vg_name}, disks=names)
    _check_clear_is_contained(disks, clear)

    D.swap_size(profile, swap)  # a bad swap size is refused before blivet is read
    uses = {d.name: _disk_use(d, clear) for d in disks}
    labels = {}
    for disk in disks:
        labels[disk.name] = uses[disk.name].label
        if labels[disk.name] is None and uses[disk.name].relabel:
            from blivet.formats import get_format
            labels[disk.name] = get_format("disklabel", device=disk.path).label_type
    refused = {n: use.refused for n, use in uses.items() if use.refused}
    facts = D.DiskFacts(tuple(D.Disk(d.name, int(d.size), uses[d.name].usable, labels[d.name])
                              for d in disks), firmware=firmware,
                        ram=ram if ram is not None else system_ram())
    design = D.design(profile, facts, fstype=fstype, vg_name=vg_name, swap=swap,
                      encrypted=bool(passphrase))
    pv_disks = [r.disk for r in design.pvs]
    found = sum(uses[n].usable for n in pv_disks)
    if design.boot_disk is None:
        raise _not_enough(design.needed, found, names, "; ".join(
            [_("no disk has %(size)s free in one piece for the boot partitions")
             % {"size": format_size(design.boot_bytes + PV_MIN)}] + list(refused.values())))
    if found < design.needed:
        raise _not_enough(design.needed, found, names, "; ".join(refused.values()))

    relabel = {n for n, use in uses.items() if use.relabel}
    snapshot = _Snapshot(blivet)
    before = list(blivet.devicetree.actions)
    existing = {d.id for d in blivet.devicetree.devices if d.exists}
    before_plan = _before(disks)
    sizes = _sizes(d for d in blivet.devicetree.devices if d.exists)
    try:
        _schedule(blivet, disks, clear, relabel, design, passphrase)
        from org_ovirt_node.checker import check
        layout = layout_from_blivet(blivet, origin=_("plan"))
        report = check(installed_layout(blivet), profile)
        new_actions = [a for a in blivet.devicetree.actions if a not in before]
        _audit(new_actions, existing, relabel)
        records = tuple(action_record(a, sizes) for a in new_actions)
        destroyed = _destroyed(new_actions, existing, before_plan, disks, sizes)
        if report.errors:
            raise PlanError(_("the planned layout fails the profile's checks: %(errors)s")
                            % {"errors": "; ".join(f.message for f in report.errors)},
                            needed=design.needed, found=found, disks=names)
    except PlanError:
        snapshot.restore()
        raise
    except Exception as exc:  # blivet's own errors: space, alignment, sizes
        snapshot.restore()
        raise PlanError(_("blivet could not schedule the layout on %(disks)s: %(reason)s "
                          "(the layout needs %(needed)s, %(found)s is usable)") % {
            "disks": ", ".join(names), "reason": exc, "needed": format_size(design.needed),
            "found": format_size(found)}, needed=design.needed, found=found,
            disks=names) from exc
    except BaseException:  # interrupted (Ctrl-C, a time limit): still leave no trace
        snapshot.restore()
        raise

    new_names = tuple(d.name for d in blivet.devicetree.devices if d.id not in existing)
    return Plan(layout=layout, report=report, disks=tuple(names),
                requests=tuple(design.requests), clear=clear, firmware=firmware,
                vg_name=vg_name, pool_name=profile.pool_name,
                reserve_percent=profile.reserve_percent, encrypted=bool(passphrase),
                new_devices=new_names, actions=tuple(str(a) for a in new_actions),
                profile_name=profile.name, design=design,
                action_records=records, destroyed=destroyed,
                summary=dict(_summary(layout, profile, vg_name), needed=design.needed,
                             found=found, firmware_from_platform=from_platform,
                             unused_disks=[n for n in names
                                           if n not in pv_disks and n not in refused],
                             refused_disks=refused))


def installed_layout(b):
    """The layout being installed: every device the plan creates and what it is built on
    (the chosen disks, their new partitions), not what merely exists beside it (a swap
    partition on another disk is no part of the new system and must not fail its checks)."""
    from org_ovirt_node.layout import Layout
    from org_ovirt_node.planning.blivet_reader import device_record
    wanted = set()
    for dev in b.devicetree.devices:
        if not dev.exists:
            wanted.update(a.id for a in dev.ancestors)
    return Layout(tuple(device_record(d) for d in b.devicetree.devices
                        if d.id in wanted and not getattr(d, "is_internal_lv", False)),
                  origin=_("plan"))


def _schedule(b, disks, clear, relabel, design, passphrase):
    """Put *design* on the tree: clear, label, partitions, LVM, grow. Raises on any
    failure."""
    from blivet.devices import LUKSDevice
    from blivet.devices.lvm import ThPoolReserveSpec
    from blivet.formats import get_format
    from blivet.partitioning import grow_lvm
    from blivet.size import Size

    by_name = {d.name: d for d in disks}
    for disk in disks:
        if disk.name in clear:
            _clear(b, disk)
        if disk.name in relabel:
            b.initialize_disk(disk)

    pvs = []
    for req in design.partitions:
        fmt_args = {"mountopts": ",".join(req.options)} if req.options else {}
        part = b.new_partition(size=Size(req.size), grow=req.grow, fmt_type=req.fstype,
                               mountpoint=req.mountpoint, fmt_args=fmt_args,
                               parents=[by_name[req.disk]])
        b.create_device(part)
    for req in design.pvs:
        fmt = ("luks", {"passphrase": passphrase, "luks_version": "luks2"}) \
            if passphrase else ("lvmpv", {})
        part = b.new_partition(size=Size(req.size), grow=req.grow, fmt_type=fmt[0],
                               fmt_args=fmt[1], parents=[by_name[req.disk]])
        b.create_device(part)
        pvs.append(part)
    _partition_only(b, disks)
    if passphrase:
        # Wrapped only now that the partitions have their final names (as Anaconda does):
        # renaming a LUKS device asks device-mapper, which need not exist where we plan.
        wrapped = []
        for part in pvs:
            luks = LUKSDevice("luks-%s" % part.name, parents=[part], fmt=get_format("lvmpv"))
            b.create_device(luks)
            wrapped.append(luks)
        pvs = wrapped

    vg = b.new_vg(name=design.vg.name, parents=pvs)
    percent, low, high = design.reserve
    vg.thpool_reserve = ThPoolReserveSpec(percent, Size(low),
                                          Size(high) if high is not None else Size(2 ** 62))
    b.create_device(vg)
    pool = b.new_lv(name=design.pool.name, thin_pool=True, parents=[vg],
                    size=Size(design.pool.size), grow=design.pool.grow)
    b.create_device(pool)
    for req in design.volumes:
        fmt_args = {"mountopts": ",".join(req.options)} if req.options else {}
        if req.kind == D.THINLV:
            lv = b.new_lv(name=req.name, thin_volume=True, parents=[pool], size=Size(req.size),
                          grow=req.grow, fmt_type=req.fstype, mountpoint=req.mountpoint,
                          fmt_args=fmt_args)
            b.create_device(lv)
        else:
            lv = b.new_lv(name=req.name, parents=[vg], size=Size(req.size), grow=req.grow,
                          fmt_type=req.fstype, mountpoint=req.mountpoint, fmt_args=fmt_args)
            b.create_device(lv)
    grow_lvm(_OnlyVG(vg))


class _OnlyVG:
    """What ``grow_lvm`` reads of a ``Blivet`` (its ``vgs``), limited to the planned VG:
    given the whole tree it also sets the size of every existing thin pool elsewhere (to
    the sum of its thin LVs when they overcommit it) and trades pool space for pmspare."""

    def __init__(self, vg):
        self.vgs = [vg]


@contextlib.contextmanager
def _image_partition_names():
    """While blivet partitions: name the partitions of an image file as blivet names them.

    blivet finds an msdos extended partition by ``device_path_to_name(
    part.getDeviceNodeName())``, and pyparted's ``getDeviceNodeName`` is ``path[5:]``: right
    for ``/dev/sda2``, but ``tmp/x/disk.img2`` for an image file, a name blivet then refuses
    ("not a valid name"), so no plan on an image with an msdos label could add or keep an
    extended partition. For paths under ``/dev`` nothing changes."""
    import parted
    original = parted.Partition.getDeviceNodeName

    def node_name(part):
        path = part.path
        return original(part) if path.startswith("/dev/") else os.path.basename(path)
    parted.Partition.getDeviceNodeName = node_name
    try:
        yield
    finally:
        parted.Partition.getDeviceNodeName = original


def _clear(b, disk):
    """Schedule the removal of everything on *disk*: logical partitions before their
    extended one (highest numbers first, so none is renumbered), each with what is built
    on it."""
    def number(part):
        parted_part = getattr(part, "parted_partition", None)
        return parted_part.number if parted_part is not None else 0
    for child in sorted(disk.children, key=number, reverse=True):
        if child in b.devicetree.devices:  # an extended partition takes its logicals along
            b.recursive_remove(child)


def _partition_only(b, disks):
    """``do_partitioning`` on the chosen disks only: it considers every partitioned disk that
    is not protected, so the others are protected for the call (unless the caller already
    scheduled new partitions there, which blivet must keep allocating)."""
    from blivet.partitioning import do_partitioning
    chosen = {d.name for d in disks}
    shielded = []
    for disk in b.disks:
        if disk.name in chosen or disk.protected:
            continue
        if any(not p.exists for p in disk.children):
            continue
        disk.protected = True
        shielded.append(disk)
    try:
        with _image_partition_names():
            do_partitioning(b)
    finally:
        for disk in shielded:
            disk.protected = False


def _audit(actions, existing, allowed):
    """Refuse any action that destroys, resizes or formats a device that existed before,
    unless it lies only on *allowed* disks (cleared, or blank: nothing to lose). Defence in
    depth: the tests check the same from outside."""
    for action in actions:
        dev = action.device
        if dev.id not in existing or action.is_create and action.is_device:
            continue
        if action.is_destroy or action.is_resize or action.is_format:
            disks = _disks_of(dev) | ({dev.name} if getattr(dev, "is_disk", False) else set())
            if not disks or not disks <= allowed:
                raise PlanError(_("refusing to touch existing device %(dev)s (%(action)s): "
                                  "its disk is not cleared") % {"dev": dev.name,
                                                                "action": action})


def _summary(layout, profile, vg_name):
    from org_ovirt_node import layout as L
    vg = layout.get(vg_name)
    pools = [d for d in layout.children_of(vg) if d.kind == L.THINPOOL] if vg else []
    pool = pools[0] if pools else None
    thin = [d for d in layout.children_of(pool) if d.kind == L.THINLV] if pool else []
    return {
        "vg_size": vg.size if vg else None,
        "vg_free": vg.free if vg else None,
        "pool_size": pool.size if pool else None,
        "pool_metadata": pool.metadata_size if pool else None,
        "thin_total": sum(d.size or 0 for d in thin),
        "reserve": profile.reserve_for(vg.size) if vg and vg.size else None,
    }
