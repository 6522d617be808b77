"""The planner: schedules the layout a profile requires on a ``Blivet`` (nothing executed).

:func:`plan` builds, on the chosen disks only, what Anaconda's oVirt thin autopart builds,
driven by the profile: the boot partitions the firmware needs, ``/boot``, one PV per disk
(LUKS2 when a passphrase is given), one VG with the profile's thin-pool reserve, one growing
thin pool, a thin LV per required mount (``/`` growing), swap as the profile says.

Data safety comes first: an existing device is destroyed only when ``clear`` covers its disk;
otherwise only free space is used. Whether the layout fits is computed *before* the tree is
touched (:class:`PlanError` with needed/found/disks); if blivet still fails, every action the
planner added is cancelled, so the tree is left exactly as it was. blivet is imported lazily:
importing this module is cheap.
"""
from dataclasses import dataclass, field
from typing import Mapping, Optional, Tuple

from org_ovirt_node import profile as P
from org_ovirt_node.i18n import _
from org_ovirt_node.units import GiB, MiB, format_size

CLEAR_NONE, CLEAR_ALL = "none", "all"
BIOS, UEFI = "bios", "uefi"
FIRMWARES = (BIOS, UEFI)

# Platform boot partitions (Anaconda's reqpart on x86): GPT on BIOS needs a BIOS boot
# partition for GRUB's core image; UEFI needs an EFI system partition.
BIOSBOOT_SIZE = 1 * MiB
ESP_SIZE = 600 * MiB
ESP_MOUNT = "/boot/efi"
# Anaconda's autopart asks 1 GiB per PV partition and grows it.
PV_MIN = 1 * GiB
# Space lost around what we ask for: partition alignment (1 MiB each, plus the label at the
# disk start and the GPT backup at its end), LVM metadata area and extent rounding per PV,
# the LUKS2 header, extent rounding per LV. Upper bounds, so "fits" errs on the safe side.
LABEL_OVERHEAD = 2 * MiB
PART_ALIGN = 1 * MiB
PV_OVERHEAD = 1 * MiB + 4 * MiB
LUKS2_HEADER = 16 * MiB
LV_ROUNDING = 4 * MiB


class PlanError(Exception):
    """The layout cannot be planned. ``needed``/``found`` are bytes (``None`` when the
    reason is not space), ``disks`` the names of the disks considered."""

    def __init__(self, message, needed=None, found=None, disks=()):
        super().__init__(message)
        self.needed = needed
        self.found = found
        self.disks = tuple(disks)


@dataclass(frozen=True)
class Request:
    """One thing the planner asked for (what a kickstart must ask for to get the same)."""

    kind: str                      # partition | pv | vg | thinpool | thinlv | lv
    name: str
    size: int                      # requested (minimum) size in bytes
    grow: bool = False
    mountpoint: Optional[str] = None
    fstype: Optional[str] = None
    options: Tuple[str, ...] = ()
    disk: Optional[str] = None     # partitions and PVs
    parent: Optional[str] = None   # VG of an LV or pool, pool of a thin LV
    encrypted: bool = False


@dataclass(frozen=True)
class Plan:
    """A scheduled layout: the planned tree as a :class:`~org_ovirt_node.layout.Layout`, the
    checker's verdict on it, and what was asked for (:attr:`requests`)."""

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

    def to_dict(self):
        return {
            "profile": self.profile_name, "disks": list(self.disks),
            "clear": list(self.clear), "firmware": self.firmware,
            "encrypted": self.encrypted, "vg": self.vg_name, "pool": self.pool_name,
            "summary": dict(self.summary),
            "requests": [dict(r.__dict__, options=list(r.options)) for r in self.requests],
            "new_devices": list(self.new_devices), "actions": list(self.actions),
            "layout": self.layout.to_dict(), "report": self.report.to_dict(),
        }


# --- sizes --------------------------------------------------------------------------------
def recommended_swap(ram, disk_space):
    """Anaconda's swap recommendation for *ram* bytes, capped at 10 % of *disk_space* (as its
    automatic partitioning does)."""
    ram = int(ram)
    if ram < 2 * GiB:
        swap = 2 * ram
    elif ram < 8 * GiB:
        swap = ram
    elif ram < 64 * GiB:
        swap = ram // 2
    else:
        swap = 4 * GiB
    return min(swap, int(disk_space) // 10)


def system_ram():
    """Total RAM of this machine in bytes (what Anaconda bases its recommendation on)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 4 * GiB


def thin_metadata_estimate(pool_size):
    """An upper bound of the metadata blivet gives a thin pool of *pool_size* (LVM's
    64 B per 64 KiB chunk, twice for safety, clamped to LVM's 4 MiB..16 GiB)."""
    return min(max(2 * 64 * pool_size // (64 * 1024), 4 * MiB), 16 * GiB)


def vg_size_for(profile, allocated):
    """The smallest VG that holds *allocated* bytes of LVs plus the profile's reserve."""
    size = allocated
    for _i in range(64):  # reserve_for has slope <= 1/2 in practice: converges fast
        nxt = allocated + profile.reserve_for(size)
        if nxt <= size:
            break
        size = nxt
    return size


# --- what the planner will build ------------------------------------------------------------
def _filesystem_for(rule, fstype):
    """The filesystem of a mount: the chosen one when the rule allows it, else its first."""
    allowed = rule.filesystems or (fstype,)
    return fstype if fstype in allowed else allowed[0]


def _mount_options(rule):
    return ("defaults",) + tuple(rule.options) if rule.options else ()


def _lv_name(mountpoint):
    return "root" if mountpoint == "/" else mountpoint.strip("/").replace("/", "_")


class _Design:
    """The requests for a profile and options, and the space they need: pure computation."""

    def __init__(self, profile, firmware, label_types, boot_disk, fstype, swap_size,
                 vg_name, encrypted, pv_disks):
        self.profile = profile
        self.requests = []
        self.boot_bytes = 0
        if firmware == UEFI:
            self._part(boot_disk, "efi", ESP_SIZE, ESP_MOUNT, "efi")
        elif label_types.get(boot_disk) == "gpt":
            self._part(boot_disk, "biosboot", BIOSBOOT_SIZE, None, "biosboot")
        thin, thick = [], []
        for point, rule in profile.mounts.items():
            if not rule.required or point == ESP_MOUNT and firmware == UEFI:
                continue
            size = rule.default_size or rule.min_size or PV_MIN
            fs = _filesystem_for(rule, fstype)
            if rule.kind == P.KIND_PARTITION:
                self._part(boot_disk, _lv_name(point), size, point, fs,
                           _mount_options(rule))
            elif rule.kind == P.KIND_LV:
                thick.append(Request("lv", _lv_name(point), size, False, point, fs,
                                     _mount_options(rule), parent=vg_name))
            else:  # thin, or any: thin is what imgbased wants
                thin.append(Request("thinlv", _lv_name(point), size, rule.grow, point, fs,
                                    _mount_options(rule), parent=profile.pool_name))
        if swap_size:
            if profile.swap_kind == P.KIND_PARTITION:
                self._part(boot_disk, "swap", swap_size, None, "swap")
            elif profile.swap_kind in (P.KIND_THIN, P.KIND_ANY):
                thin.append(Request("thinlv", "swap", swap_size, False, None, "swap",
                                    parent=profile.pool_name))
            else:
                thick.append(Request("lv", "swap", swap_size, False, None, "swap",
                                     parent=vg_name))
        self.thin_total = sum(r.size for r in thin)
        metadata = thin_metadata_estimate(self.thin_total)
        self.lv_bytes = (self.thin_total + 2 * metadata  # pool metadata + pmspare
                         + sum(r.size for r in thick)
                         + LV_ROUNDING * (len(thin) + len(thick) + 2))
        self.vg_bytes = vg_size_for(profile, self.lv_bytes)
        pv_overhead = PV_OVERHEAD + (LUKS2_HEADER if encrypted else 0) + PART_ALIGN
        self.pv_overhead = pv_overhead * len(pv_disks)
        self.needed = self.boot_bytes + self.vg_bytes + self.pv_overhead
        for number, disk in enumerate(pv_disks, 1):
            self.requests.append(Request("pv", "pv.%02d" % number, PV_MIN, True,
                                         fstype="lvmpv", disk=disk, encrypted=encrypted))
        self.requests.append(Request("vg", vg_name, self.vg_bytes))
        self.requests.append(Request("thinpool", profile.pool_name, self.thin_total, True,
                                     parent=vg_name))
        self.requests.extend(thin)
        self.requests.extend(thick)

    def _part(self, disk, name, size, mountpoint, fstype, options=()):
        self.requests.append(Request("partition", name, size, False, mountpoint, fstype,
                                     tuple(options), disk=disk))
        self.boot_bytes += size + PART_ALIGN


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


def _is_blank(disk):
    """No partition table and nothing else found, by blivet nor by blkid's own probe:
    labelling it loses no data."""
    if disk.format.type or disk.children:
        return False
    from org_ovirt_node.discovery import has_signature
    return not has_signature(disk.path)


def _space(disk, clear):
    """(usable bytes in the region a PV would take, label type after planning)."""
    if disk.name in clear or _is_blank(disk):
        return max(int(disk.size) - LABEL_OVERHEAD, 0), None
    if disk.partitioned and disk.format.supported:
        regions = _free_regions(disk)
        return (regions[0] if regions else 0), disk.format.label_type
    return 0, None


# --- the tree snapshot: proof that a failed plan leaves no trace -----------------------------
def tree_state(b):
    """A comparable snapshot of a ``Blivet``'s device tree: actions, devices and sizes, and
    the partitions and free regions of every parted disk."""
    tree = b.devicetree
    devices = tuple((d.id, d.name, int(d.size), d.format.type, d.exists)
                    for d in tree.devices)
    parted = []
    for disk in tree.devices:
        if getattr(disk, "is_disk", False) and disk.partitioned:
            pd = disk.format.parted_disk
            parted.append((disk.name, disk.format.type, disk.format.exists,
                           tuple((p.number, p.geometry.start, p.geometry.end)
                                 for p in pd.partitions)))
    return (tuple(id(a) for a in tree.actions), devices, tuple(parted))


def _parted_state(disks):
    """Disk name -> the geometries of its parted partitions (what do_partitioning edits)."""
    state = {}
    for disk in disks:
        if disk.partitioned and disk.format.parted_disk is not None:
            state[disk.name] = {(p.number, p.geometry.start, p.geometry.end)
                                for p in disk.format.parted_disk.partitions}
    return state


def _undo(b, actions_before, disks, parted_before):
    """Cancel, newest first, every action added since *actions_before*; then drop parted
    partitions blivet made without a device of their own (an msdos extended partition)."""
    keep = {id(a) for a in actions_before}
    for action in reversed(list(b.devicetree.actions)):
        if id(action) not in keep:
            b.devicetree.actions.remove(action)
    for disk in disks:
        if disk.name not in parted_before or not disk.partitioned:
            continue
        parted_disk = disk.format.parted_disk
        # Highest numbers first: logical partitions go before their extended one.
        for part in sorted(parted_disk.partitions, key=lambda p: -p.number):
            if (part.number, part.geometry.start, part.geometry.end) \
                    not in parted_before[disk.name]:
                parted_disk.removePartition(part)


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
    fstype = fstype or profile.default_filesystem
    if fstype not in profile.filesystems:
        raise ValueError(_("filesystem %(fs)s is not allowed by profile %(profile)s "
                           "(allowed: %(allowed)s)") % {
            "fs": fstype, "profile": profile.name, "allowed": ", ".join(profile.filesystems)})
    vg_name = vg_name or profile.vg_name
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

    swap_size = _swap_size(profile, swap, ram, total)
    usable, labels = {}, {}
    for disk in disks:
        usable[disk.name], labels[disk.name] = _space(disk, clear)
        if labels[disk.name] is None and usable[disk.name]:
            from blivet.formats import get_format
            labels[disk.name] = get_format("disklabel", device=disk.path).label_type
    pv_disks = [n for n in names if usable[n] >= PV_MIN + PART_ALIGN]
    probe = _Design(profile, firmware, labels, names[0], fstype, swap_size, vg_name,
                    bool(passphrase), pv_disks)
    boot_disk = next((n for n in pv_disks if usable[n] >= probe.boot_bytes + PV_MIN), None)
    found = sum(usable[n] for n in pv_disks)
    if boot_disk is None:
        raise _not_enough(probe.needed, found, names,
                          _("no disk has %(size)s free in one piece for the boot partitions")
                          % {"size": format_size(probe.boot_bytes + PV_MIN)})
    design = _Design(profile, firmware, labels, boot_disk, fstype, swap_size, vg_name,
                     bool(passphrase), pv_disks)
    if found < design.needed:
        raise _not_enough(design.needed, found, names)

    blanks = {d.name for d in disks if _is_blank(d)}
    before = list(blivet.devicetree.actions)
    parted_before = _parted_state(disks)
    existing = {d.id for d in blivet.devicetree.devices if d.exists}
    try:
        _schedule(blivet, disks, clear, design, profile, passphrase)
        from org_ovirt_node.checker import check
        from org_ovirt_node.layout import Layout
        layout = Layout.from_blivet(blivet, origin=_("plan"))
        report = check(layout, profile)
        new_actions = [a for a in blivet.devicetree.actions if a not in before]
        _audit(new_actions, existing, set(clear) | blanks)
        if report.errors:
            raise PlanError(_("the planned layout fails the profile's checks: %(errors)s")
                            % {"errors": "; ".join(f.message for f in report.errors)},
                            needed=design.needed, found=found, disks=names)
    except PlanError:
        _undo(blivet, before, disks, parted_before)
        raise
    except Exception as exc:  # blivet's own errors: space, alignment, sizes
        _undo(blivet, before, disks, parted_before)
        raise PlanError(_("blivet could not schedule the layout on %(disks)s: %(reason)s "
                          "(the layout needs %(needed)s, %(found)s is usable)") % {
            "disks": ", ".join(names), "reason": exc, "needed": format_size(design.needed),
            "found": format_size(found)}, needed=design.needed, found=found,
            disks=names) from exc

    new_names = tuple(d.name for d in blivet.devicetree.devices if d.id not in existing)
    return Plan(layout=layout, report=report, disks=tuple(names),
                requests=tuple(design.requests), clear=clear, firmware=firmware,
                vg_name=vg_name, pool_name=profile.pool_name,
                reserve_percent=profile.reserve_percent, encrypted=bool(passphrase),
                new_devices=new_names, actions=tuple(str(a) for a in new_actions),
                profile_name=profile.name,
                summary=dict(_summary(layout, profile, vg_name), needed=design.needed,
                             found=found, firmware_from_platform=from_platform,
                             unused_disks=[n for n in names if n not in pv_disks]))


def _swap_size(profile, swap, ram, disk_space):
    if swap is not None:
        if int(swap) < 0:
            raise ValueError(_("swap size cannot be negative"))
        if swap == 0 and profile.swap_policy == "required":
            raise ValueError(_("profile %(profile)s requires swap") % {"profile": profile.name})
        return int(swap)
    if profile.swap_policy == "none":
        return 0
    size = recommended_swap(ram if ram is not None else system_ram(), disk_space)
    return max(size, profile.swap_min or 0)


def _schedule(b, disks, clear, design, profile, passphrase):
    """Put *design* on the tree: clear, partitions, LVM, grow. Raises on any failure."""
    from blivet.devices import LUKSDevice
    from blivet.devices.lvm import ThPoolReserveSpec
    from blivet.formats import get_format
    from blivet.partitioning import grow_lvm
    from blivet.size import Size

    by_name = {d.name: d for d in disks}
    for disk in disks:
        if disk.name in clear:
            for child in list(disk.children):
                b.recursive_remove(child)
            b.initialize_disk(disk)
        elif _is_blank(disk):
            b.initialize_disk(disk)

    pvs, vg_req = [], None
    for req in design.requests:
        if req.kind == "partition":
            fmt_args = {"mountopts": ",".join(req.options)} if req.options else {}
            part = b.new_partition(size=Size(req.size), fmt_type=req.fstype,
                                   mountpoint=req.mountpoint, fmt_args=fmt_args,
                                   parents=[by_name[req.disk]])
            b.create_device(part)
        elif req.kind == "pv":
            fmt = ("luks", {"passphrase": passphrase, "luks_version": "luks2"}) \
                if passphrase else ("lvmpv", {})
            part = b.new_partition(size=Size(req.size), grow=True, fmt_type=fmt[0],
                                   fmt_args=fmt[1], parents=[by_name[req.disk]])
            b.create_device(part)
            pvs.append(part)
        elif req.kind == "vg":
            vg_req = req
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

    vg = b.new_vg(name=vg_req.name, parents=pvs)
    vg.thpool_reserve = ThPoolReserveSpec(profile.reserve_percent, Size(profile.reserve_min),
                                          Size(profile.reserve_max or 0) if
                                          profile.reserve_max is not None else Size(2 ** 62))
    b.create_device(vg)
    pool = None
    for req in design.requests:
        fmt_args = {"mountopts": ",".join(req.options)} if req.options else {}
        if req.kind == "thinpool":
            pool = b.new_lv(name=req.name, thin_pool=True, parents=[vg],
                            size=Size(req.size), grow=True)
            b.create_device(pool)
        elif req.kind == "thinlv":
            lv = b.new_lv(name=req.name, thin_volume=True, parents=[pool], size=Size(req.size),
                          grow=req.grow, fmt_type=req.fstype, mountpoint=req.mountpoint,
                          fmt_args=fmt_args)
            b.create_device(lv)
        elif req.kind == "lv":
            lv = b.new_lv(name=req.name, parents=[vg], size=Size(req.size), grow=req.grow,
                          fmt_type=req.fstype, mountpoint=req.mountpoint, fmt_args=fmt_args)
            b.create_device(lv)
    grow_lvm(b)


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
