# SPDX-License-Identifier: GPL-2.0-or-later
"""The layout design: a profile and the disk facts -> the device requests every output renders.

One pure step (standard library and the project's core modules only: no blivet, pyanaconda or
pykickstart) between a profile (already merged with ``%addon`` overrides,
:meth:`~org_ovirt_node.profile.Profile.derive`) and its renderings: the blivet planner
(:mod:`~org_ovirt_node.planning.planner`), the kickstart
(:mod:`~org_ovirt_node.planning.render`), the service's
``GetPlan`` (:mod:`~org_ovirt_node.installer.requests`) and the Anaconda drop-in's
``default_partitioning`` (:mod:`~org_ovirt_node.installer.dropin`). They cannot disagree about
a profile because none of them sizes anything itself.

The size policy (the planner's, which matches Anaconda's LVM_THINP autopart; see
docs/planner.md: 100 GiB disk, 20 GiB RAM -> pool 68.98 GiB, ``/`` 31.98 GiB, VG free
19.87 GiB, swap 10 GiB):

- **Mounts**: every *planned* mount (``presence`` required or created: what imgbased would
  create later is created now), in profile order. Its request is its ``default`` size (which
  defaults to ``recommended``, else ``min``), else :data:`PV_MIN`; it grows when the profile
  says ``grow``. Kind ``partition`` -> a partition on the boot disk; ``lv`` -> a thick LV
  in the VG; ``thin`` and ``any`` -> a thin LV in the pool (what imgbased wants). LV names
  are :func:`~org_ovirt_node.names.lv_name_for_mountpoint`'s.
- **Filesystem**: the chosen one (``fstype``, else the profile's default) when the mount
  allows it, else the mount's first allowed (:func:`filesystem_for`). **Options**:
  ``defaults`` plus the mount's options, or none when it has none.
- **Swap** (:func:`swap_size`): an explicit size wins (0 = no swap, refused when the profile
  requires swap); else none for policy ``none``; else Anaconda's recommendation for the RAM
  (:func:`recommended_swap`, capped at 10 % of the disks' total size, as autopart caps it)
  and never below ``swap.min``. Placed by ``swap.kind`` (``thin``/``any`` in the pool).
- **Boot**: UEFI -> an EFI system partition of 600 MiB on the boot disk (a required
  ``/boot/efi`` mount of the profile is then that partition); BIOS on a GPT label -> a 1 MiB
  BIOS boot partition; BIOS on msdos -> none.
- **LVM**: one PV partition per disk with room (1 GiB, growing; LUKS2 when encrypted), one
  VG with the profile's reserve (percent, min, max), one thin pool asking for the sum of
  its thin LVs and growing. What it all needs (:attr:`Design.needed`) is an upper bound:
  requests, pool metadata and its spare (:func:`thin_metadata_estimate`), the reserve
  (:func:`vg_size_for`), alignment, LVM and LUKS overhead.
- **Growth**: the requests are minimums; what grows takes the room left beyond the reserve
  by blivet's growth (the planner's ``grow_lvm``, a kickstart's ``--grow``, Anaconda's
  autopart). :func:`resolve_growth` computes those final sizes on the design's facts for
  outputs that cannot ask for growth (the device factory behind ``GetDeviceRequests``).

**No disk facts** (:func:`design` with ``facts=None``: the drop-in, ``GetPlan`` before any
disk is scanned): the same mounts, filesystems, options, names and kinds; the boot
partitions are left to the platform (kickstart ``reqpart``, Anaconda's platform
requirements); one PV per named disk (or one ``pv.01`` on any disk); the VG's size and
:attr:`Design.needed` are unknown (``None``); swap, unless given explicitly, is
:attr:`Swap.recommended`: the installer picks the size from the target's RAM and disks at
install time, and :attr:`Swap.size` holds the floor (``swap.min``) every output reports.

:func:`autopart_shortfalls` says whether Anaconda's autopart, driven by the drop-in rendered
from the shipped profile, builds a layout that satisfies a (derived) profile, and what it
builds instead where it does not; the kickstart handling refuses such ``%addon`` overrides.
"""
import dataclasses
from dataclasses import dataclass
from typing import Optional, Tuple

from org_ovirt_node import profile as P
from org_ovirt_node.i18n import _
from org_ovirt_node.names import lv_name_for_mountpoint
from org_ovirt_node.rules import DEFAULT_PROFILE, SWAP_NONE, SWAP_REQUIRED
from org_ovirt_node.units import EiB, GiB, MiB, TiB, format_size

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

SWAP_NAME = "swap"

# Request kinds (Request.kind).
PARTITION, PV, VG, THINPOOL, THINLV, LV = "partition", "pv", "vg", "thinpool", "thinlv", "lv"

# What Anaconda's LVM_THINP autopart keeps free in the VG for the pool (blivet's
# AUTOPART_THPOOL_RESERVE): 20 %, at least 1 GiB, at most 100 GiB. A drop-in cannot change it.
AUTOPART_RESERVE = (20, 1 * GiB, 100 * GiB)
# The /boot Anaconda's platform requirements add on x86 (RHEL 9); the drop-in leaves it to them.
PLATFORM_BOOT_SIZE = 1 * GiB


# --- the design -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    """One device of the design (what blivet or a kickstart is asked for)."""

    kind: str                      # partition | pv | vg | thinpool | thinlv | lv
    name: str
    size: int                      # requested (minimum) size in bytes
    grow: bool = False
    mountpoint: Optional[str] = None
    fstype: Optional[str] = None
    options: Tuple[str, ...] = ()
    disk: Optional[str] = None     # partitions and PVs (None: left to the installer)
    parent: Optional[str] = None   # VG of an LV or pool, pool of a thin LV
    encrypted: bool = False


@dataclass(frozen=True)
class Disk:
    """The facts about one disk: its *size*, the bytes *usable* in the region a PV would
    take (default: all of it but the label), and the label type it will have (``gpt``,
    ``msdos``; ``None``: unknown)."""

    name: str
    size: int
    usable: Optional[int] = None
    label: Optional[str] = None

    @property
    def room(self):
        return self.usable if self.usable is not None else max(self.size - LABEL_OVERHEAD, 0)


@dataclass(frozen=True)
class DiskFacts:
    """What is known about the target: its disks (in the order given), its firmware
    (``bios``/``uefi``; ``None``: left to the platform) and its RAM in bytes."""

    disks: Tuple[Disk, ...]
    firmware: Optional[str] = None
    ram: Optional[int] = None

    @property
    def total(self):
        return sum(d.size for d in self.disks)


@dataclass(frozen=True)
class Swap:
    """Swap as designed: *kind* (a profile kind), *size* in bytes (the floor when
    *recommended*), *recommended*: the installer picks the size at install time."""

    kind: str
    size: int
    recommended: bool = False


@dataclass(frozen=True)
class Design:
    """The device requests for a profile on a target, under the module's size policy.

    *partitions* (platform, ``kind: partition`` mounts, swap on a partition), *pvs*, *vg*,
    *pool*, *volumes* (thin, then thick LVs; swap on LVM included), *swap* (``None``: no
    swap). *needed*, *boot_bytes* and the VG's size are ``None`` without disk facts;
    *boot_disk* is ``None`` when no disk has room for the boot partitions and a PV."""

    profile_name: str
    firmware: Optional[str]
    fstype: str
    partitions: Tuple[Request, ...]
    pvs: Tuple[Request, ...]
    vg: Request
    pool: Request
    volumes: Tuple[Request, ...]
    swap: Optional[Swap]
    reserve: Tuple[float, int, Optional[int]]  # percent, min, max (None: no maximum)
    boot_disk: Optional[str]
    boot_bytes: Optional[int]
    needed: Optional[int]
    has_facts: bool
    facts: Optional[DiskFacts] = None   # what the design was made on (``None``: no facts)

    @property
    def requests(self):
        """Every request in the order blivet and a kickstart create them."""
        return self.partitions + self.pvs + (self.vg, self.pool) + self.volumes

    @property
    def mounts(self):
        """``{mount point: request}`` of every request with a mount point."""
        return {r.mountpoint: r for r in self.requests if r.mountpoint}

    @property
    def swap_request(self):
        return next((r for r in self.requests if r.fstype == "swap"), None)


# --- sizes ----------------------------------------------------------------------------------
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


def swap_size(profile, swap=None, ram=None, disk_space=None):
    """The swap of the policy: ``(size, recommended)``. *swap* (bytes) wins; without *ram*
    or *disk_space* the size is the installer's recommendation (``recommended=True``) and
    *size* its floor. Raises ``ValueError`` for a negative size or no swap where the profile
    requires it."""
    if swap is not None:
        if int(swap) < 0:
            raise ValueError(_("swap size cannot be negative"))
        if swap == 0 and profile.swap_policy == SWAP_REQUIRED:
            raise ValueError(_("profile %(profile)s requires swap") % {"profile": profile.name})
        return int(swap), False
    if profile.swap_policy == SWAP_NONE:
        return 0, False
    floor = profile.swap_min or 0
    if ram is None or disk_space is None:
        return floor, True
    return max(recommended_swap(ram, disk_space), floor), False


# --- per mount ------------------------------------------------------------------------------
def filesystem_for(rule, fstype):
    """The filesystem of a mount: *fstype* when the rule allows it (or allows any), else the
    rule's first."""
    allowed = rule.filesystems or (fstype,)
    return fstype if fstype in allowed else allowed[0]


def mount_options(rule):
    """The mount options a mount is created with: ``defaults`` plus the rule's, or none."""
    return ("defaults",) + tuple(rule.options) if rule.options else ()


def request_size(rule):
    """The size a mount is asked for: its default, else its minimum, else :data:`PV_MIN`."""
    return rule.default_size or rule.min_size or PV_MIN


def lvm_kind(kind):
    """Where a profile kind puts a device: :data:`PARTITION`, :data:`LV` or :data:`THINLV`
    (``thin`` and ``any``)."""
    return {P.KIND_PARTITION: PARTITION, P.KIND_LV: LV}.get(kind, THINLV)


def choose_filesystem(profile, fstype=None):
    """*fstype* (default: the profile's default filesystem) if the profile allows it, else
    ``ValueError``."""
    fstype = fstype or profile.default_filesystem
    if fstype not in profile.filesystems:
        raise ValueError(_("filesystem %(fs)s is not allowed by profile %(profile)s "
                           "(allowed: %(allowed)s)") % {
            "fs": fstype, "profile": profile.name, "allowed": ", ".join(profile.filesystems)})
    return fstype


# --- the step -------------------------------------------------------------------------------
def design(profile, facts=None, fstype=None, vg_name=None, swap=None, encrypted=False,
           disk_names=()):
    """The :class:`Design` of *profile* on the target *facts* describes (:class:`DiskFacts`;
    ``None``: the "no disk facts" path, with *disk_names* naming the disks if known).

    *fstype* (default: the profile's), *vg_name* (default: the profile's), *swap* (bytes, an
    explicit swap size), *encrypted* (LUKS2 PVs). Raises ``ValueError`` for a filesystem
    the profile does not allow or a bad swap size."""
    fstype = choose_filesystem(profile, fstype)
    vg_name = vg_name or profile.vg_name
    if facts is None:
        size, recommended = swap_size(profile, swap)
        return _build(profile, None, fstype, vg_name, size, recommended, encrypted,
                      pv_disks=tuple(disk_names) or (None,), boot_disk=None, labels={},
                      has_facts=False)
    size, recommended = swap_size(profile, swap, facts.ram, facts.total)
    labels = {d.name: d.label for d in facts.disks}
    pv_disks = tuple(d.name for d in facts.disks if d.room >= PV_MIN + PART_ALIGN)
    first = facts.disks[0].name if facts.disks else None
    probe = _build(profile, facts.firmware, fstype, vg_name, size, recommended, encrypted,
                   pv_disks, first, labels)
    # The boot partitions go on the first disk with room for them and a PV.
    room = {d.name: d.room for d in facts.disks}
    boot_disk = next((n for n in pv_disks if room[n] >= probe.boot_bytes + PV_MIN), None)
    if boot_disk is None:
        return dataclasses.replace(probe, boot_disk=None, facts=facts)
    if boot_disk == first:
        return dataclasses.replace(probe, facts=facts)
    return dataclasses.replace(_build(profile, facts.firmware, fstype, vg_name, size,
                                      recommended, encrypted, pv_disks, boot_disk, labels),
                               facts=facts)


def _build(profile, firmware, fstype, vg_name, swap, recommended, encrypted, pv_disks,
           boot_disk, labels, has_facts=True):
    parts, thin, thick = [], [], []

    def part(name, size, mountpoint, fs, options=(), grow=False):
        parts.append(Request(PARTITION, name, size, grow, mountpoint, fs, tuple(options),
                             disk=boot_disk))

    if firmware == UEFI:
        part("efi", ESP_SIZE, ESP_MOUNT, "efi")
    elif firmware == BIOS and labels.get(boot_disk) == "gpt":
        part("biosboot", BIOSBOOT_SIZE, None, "biosboot")
    for point, rule in profile.mounts.items():
        if not rule.planned or point == ESP_MOUNT and firmware == UEFI:
            continue
        size, fs, name = request_size(rule), filesystem_for(rule, fstype), \
            lv_name_for_mountpoint(point)
        kind = lvm_kind(rule.kind)
        if kind == PARTITION:
            part(name, size, point, fs, mount_options(rule), rule.grow)
        elif kind == LV:
            thick.append(Request(LV, name, size, False, point, fs, mount_options(rule),
                                 parent=vg_name))
        else:
            thin.append(Request(THINLV, name, size, rule.grow, point, fs, mount_options(rule),
                                parent=profile.pool_name))
    swap_design = None
    if swap or recommended:
        swap_design = Swap(profile.swap_kind, swap, recommended)
        kind = lvm_kind(profile.swap_kind)
        if kind == PARTITION:
            part(SWAP_NAME, swap, None, "swap")
        elif kind == THINLV:
            thin.append(Request(THINLV, SWAP_NAME, swap, False, None, "swap",
                                parent=profile.pool_name))
        else:
            thick.append(Request(LV, SWAP_NAME, swap, False, None, "swap", parent=vg_name))
    thin_total = sum(r.size for r in thin)
    pvs = tuple(Request(PV, "pv.%02d" % number, PV_MIN, True, fstype="lvmpv", disk=disk,
                        encrypted=bool(encrypted)) for number, disk in enumerate(pv_disks, 1))
    boot_bytes = needed = vg_bytes = None
    if has_facts:
        boot_bytes = sum(r.size + PART_ALIGN for r in parts)
        metadata = thin_metadata_estimate(thin_total)
        lv_bytes = (thin_total + 2 * metadata  # pool metadata + pmspare
                    + sum(r.size for r in thick) + LV_ROUNDING * (len(thin) + len(thick) + 2))
        vg_bytes = vg_size_for(profile, lv_bytes)
        pv_overhead = (PV_OVERHEAD + (LUKS2_HEADER if encrypted else 0) + PART_ALIGN) \
            * len(pv_disks)
        needed = boot_bytes + vg_bytes + pv_overhead
    return Design(
        profile_name=profile.name, firmware=firmware, fstype=fstype, partitions=tuple(parts),
        pvs=pvs, vg=Request(VG, vg_name, vg_bytes or 0),
        pool=Request(THINPOOL, profile.pool_name, thin_total, True, parent=vg_name),
        volumes=tuple(thin) + tuple(thick), swap=swap_design,
        reserve=(profile.reserve_percent, profile.reserve_min, profile.reserve_max),
        boot_disk=boot_disk, boot_bytes=boot_bytes, needed=needed, has_facts=has_facts)


# --- growth: the final sizes ----------------------------------------------------------------
# What blivet grows with (blivet 3.7 partitioning.grow_lvm, Chunk.grow_requests; devicelibs/
# lvm.py; libblockdev's thin pool metadata recommendation). Not upper bounds: the figures the
# final sizes are computed with, so they land where blivet's own growth lands.
EXTENT = 4 * MiB               # LVM's physical extent (LVM_PE_SIZE)
PE_START = 1 * MiB             # where a PV's data area starts (LVM_PE_START)
THIN_CHUNK = 64 * 1024         # thin pool chunk per THIN_ADDRESSABLE bytes of pool
THIN_ADDRESSABLE = 17455015526400
THIN_CHUNK_MAX = 1 * GiB
THIN_METADATA_MIN = 4 * MiB
THIN_METADATA_MAX = 16192 * MiB
# The largest filesystem blivet lets a growing device reach (its formats' max_size).
FS_MAX_SIZE = {"ext2": 8 * TiB, "ext3": 16 * TiB, "ext4": EiB, "xfs": 16 * EiB,
               "btrfs": 16 * EiB, "vfat": 1 * TiB, "efi": 1 * TiB, "swap": 16 * TiB,
               "biosboot": 2 * MiB}


def thin_metadata_size(pool_size):
    """The metadata blivet gives a new thin pool of *pool_size* bytes: 64 B per chunk (64 KiB
    per 15.88 TiB of pool, at most 1 GiB), 4 MiB..15.81 GiB, in whole extents. The
    estimate of what LVM will really use, unlike :func:`thin_metadata_estimate`."""
    chunk = min(-(-int(pool_size) // THIN_ADDRESSABLE) * THIN_CHUNK, THIN_CHUNK_MAX) \
        or THIN_CHUNK
    size = min(max(64 * int(pool_size) // chunk, THIN_METADATA_MIN), THIN_METADATA_MAX)
    return _extents(size) * EXTENT


def _extents(size):
    """Whole extents holding *size* bytes (rounded up, as blivet rounds an LV request)."""
    return -(-int(size) // EXTENT)


def share_growth(free, requests):
    """blivet's ``Chunk.grow_requests``: *free* units shared among *requests*, a list of
    ``(base, cap)`` (``cap``: at most this many units of growth; ``None``: no limit) of the
    growing requests (here in the design's order; blivet sorts LVs its own way, which only
    decides who gets the few units truncation leaves). Each round gives every request
    still growing a share of what is left in proportion to its base (truncated); a request
    reaching its cap stops and its excess goes back; what truncation leaves goes to the
    first request still growing. Returns the growth of each request, in units."""
    growth = [0] * len(requests)
    done = [cap is not None and cap <= 0 for _base, cap in requests]
    pool, last = max(int(free), 0), None
    while pool and last != pool and not all(done):
        last = pool
        base = sum(b for (b, _cap), d in zip(requests, done) if not d)
        if base <= 0:
            break
        for i, (b, cap) in enumerate(requests):
            if done[i]:
                continue
            add = b * last // base
            growth[i] += add
            pool -= add
            if cap is not None and growth[i] >= cap:
                pool += growth[i] - cap
                growth[i], done[i] = cap, True
    for i, (_b, cap) in enumerate(requests):
        if pool and not done[i]:
            add = pool if cap is None else min(pool, cap - growth[i])
            growth[i] += add
            pool -= add
    return growth


def _grown(reqs, free, unit, cap_of):
    """``{request: final size}`` of the growing *reqs* sharing *free* units of *unit* bytes
    (their bases rounded up to units); *cap_of(request)* is its largest size or ``None``."""
    growing = [r for r in reqs if r.grow]
    caps = []
    for req in growing:
        cap = cap_of(req)
        caps.append(None if cap is None else cap // unit - -(-req.size // unit))
    bases = [-(-req.size // unit) for req in growing]
    added = share_growth(free, list(zip(bases, caps)))
    return {req: (base + add) * unit for req, base, add in zip(growing, bases, added)}


def _fs_cap(req):
    return FS_MAX_SIZE.get(req.fstype)


def resolve_growth(design, facts=None):
    """*design* with every growing request at the size blivet's growth gives it on *facts*
    (default: the facts the design was made on) and ``grow`` cleared: what an output that
    cannot ask for growth (Anaconda's device factory has no grow flag) requests instead.
    Without facts, or when the design has no boot disk, *design* itself.

    The policy is blivet's, applied as the planner and a kickstart with ``--grow`` get it:

    1. **Disks**: on each disk the partitions (and its PV) take their sizes in whole MiB
       (each may lose :data:`PART_ALIGN` to alignment); the growing ones (the PVs, a
       ``grow`` partition mount) share the rest in proportion to their requests
       (:func:`share_growth`), a filesystem never beyond its largest size.
    2. **Volume group**: each PV's data area (:data:`PE_START`, the LUKS2 header when
       encrypted) in whole extents. The reserve (:attr:`Design.reserve` of that size) and,
       as blivet keeps it, the pool's metadata once more stay free; the pool's metadata
       (:func:`thin_metadata_size`) and LVM's spare copy of it are taken; the non-growing
       LVs take their sizes in whole extents; the pool (and any growing thick LV) shares
       what is left.
    3. **Thin pool**: the thin LVs take their sizes in whole extents; the growing ones
       share what is left of the pool in proportion to their requests (a single growing
       ``/`` takes it all), never beyond their filesystem's largest size.

    A request never ends below its minimum: when the disks are too small the growth is
    zero. The result matches blivet's within a few extents (tests/test_design.py compares
    it with the planner's layouts)."""
    facts = facts if facts is not None else design.facts
    if facts is None or not design.has_facts or design.boot_disk is None:
        return design
    room = {d.name: d.room for d in facts.disks}
    final = {}
    for disk in dict.fromkeys([design.boot_disk] + [p.disk for p in design.pvs]):
        reqs = [r for r in design.partitions + design.pvs if r.disk == disk]
        units = (room.get(disk, 0) - PART_ALIGN * len(reqs)) // MiB
        final.update(_grown(reqs, units - sum(-(-r.size // MiB) for r in reqs), MiB, _fs_cap))
    luks = LUKS2_HEADER if any(p.encrypted for p in design.pvs) else 0
    vg_extents = sum(max(final.get(p, p.size) - PE_START - luks, 0) // EXTENT
                     for p in design.pvs)
    vg_size = vg_extents * EXTENT
    percent, low, high = design.reserve
    reserve = max(int(vg_size * percent / 100), low)
    reserve = min(reserve, high) if high is not None else reserve
    thin = [r for r in design.volumes if r.kind == THINLV]
    thick = [r for r in design.volumes if r.kind != THINLV]
    fixed = sum(_extents(r.size) for r in thick if not r.grow)
    # blivet sizes the metadata from the pool grown with no metadata yet, then keeps it
    # (and the spare) out of the pool and once more out of the VG's free space.
    first = vg_extents - _extents(reserve) - fixed
    metadata = thin_metadata_size(max(first, 0) * EXTENT) if thin or design.pool.grow else 0
    free = vg_extents - _extents(reserve + metadata) - fixed - 2 * (metadata // EXTENT)
    lvs = [design.pool] + [r for r in thick if r.grow]
    final.update(_grown(lvs, free - sum(_extents(r.size) for r in lvs), EXTENT,
                        lambda r: _fs_cap(r) if r.kind == LV else None))
    pool_size = final.get(design.pool, design.pool.size)
    in_pool = pool_size // EXTENT - sum(_extents(r.size) for r in thin)
    final.update(_grown(thin, in_pool, EXTENT, _fs_cap))

    def resolved(req):
        return dataclasses.replace(req, size=final[req], grow=False) if req in final else req
    return dataclasses.replace(
        design, partitions=tuple(map(resolved, design.partitions)),
        pvs=tuple(map(resolved, design.pvs)), vg=dataclasses.replace(design.vg, size=vg_size),
        pool=resolved(design.pool), volumes=tuple(map(resolved, design.volumes)))


# --- Anaconda's autopart with the shipped drop-in -------------------------------------------
@dataclass(frozen=True)
class Shortfall:
    """Where autopart misses a profile: the mount point (``None``: swap or the VG), what
    autopart would create instead (a translated sentence) and the slug of the checker rule
    that would fail at the end of the installation. *profile_yaml*: the profile setting, as
    YAML, that accepts what autopart creates (a hint in the profile's own terms; empty where
    there is none)."""

    mountpoint: Optional[str]
    message: str
    rule: str = ""
    profile_yaml: str = ""


_SCHEME_KINDS = {P.KIND_THIN: THINLV, P.KIND_LV: LV, P.KIND_PARTITION: PARTITION}


def autopart_design(dropin_profile, fstype=None):
    """What Anaconda's autopart builds from the drop-in rendered from *dropin_profile*
    (:func:`~org_ovirt_node.installer.dropin.render_dropin`), without disk facts: the platform's
    ``/boot`` (:data:`PLATFORM_BOOT_SIZE`), the drop-in's mounts at its sizes, each placed by
    the drop-in's scheme (the kind of ``/``) and formatted with *fstype* (``autopart
    --fstype``; default: the profile's), swap as a thick LV of the recommended size, the VG
    reserve blivet's autopart keeps (:data:`AUTOPART_RESERVE`)."""
    base = design(dropin_profile)
    fs = fstype or base.fstype
    kind = _SCHEME_KINDS.get(dropin_profile.root_kind, THINLV)
    parts = [Request(PARTITION, "boot", PLATFORM_BOOT_SIZE, False, "/boot", fs)]
    volumes = []
    for req in base.requests:
        if req.fstype == "swap":
            volumes.append(Request(LV, SWAP_NAME, req.size, False, None, "swap",
                                   parent=base.vg.name))
        elif req.mountpoint and (req.kind != PARTITION or req.mountpoint == "/"):
            volumes.append(Request(kind, req.name, req.size, req.grow, req.mountpoint, fs,
                                   req.options, parent=req.parent))
    swap = dataclasses.replace(base.swap, kind=P.KIND_LV) if base.swap else None
    return dataclasses.replace(base, fstype=fs, partitions=tuple(parts),
                               volumes=tuple(volumes), swap=swap, reserve=AUTOPART_RESERVE)


def autopart_shortfalls(profile, dropin_profile=None, ram=None, fstype=None):
    """Why Anaconda's autopart (``autopart --type=thinp``, with the shipped drop-in rendered
    from *dropin_profile*, default: the default profile) does not satisfy *profile*: a tuple
    of :class:`Shortfall` (empty: it does). Each says what autopart would create instead.

    Judged: every planned mount of *profile* (required or created) exists, on the right kind
    of device, is guaranteed its minimum (the size autopart asks for, growing or not), with
    an allowed filesystem (*fstype*: ``autopart --fstype``); no forbidden mount is created;
    swap exists when wanted, of the right kind and, when *ram* (bytes) is known, of at
    least ``swap.min``; the reserve is at least the profile's. A ``recommended`` size is
    not judged: below it the install-time check only warns."""
    if dropin_profile is None:
        dropin_profile = P.load_profile(DEFAULT_PROFILE)
    made = autopart_design(dropin_profile, fstype=fstype)
    mounts = made.mounts
    out = []
    for point, rule in profile.mounts.items():
        if not rule.planned:
            continue
        req = mounts.get(point)
        if req is None:
            out.append(Shortfall(point, _(
                "autopart does not create %(point)s (the installer's default_partitioning "
                "has no such mount)") % {"point": point},
                "required-mount" if rule.required else "created-mount",
                "%s: {presence: optional}" % point))
            continue
        want = lvm_kind(rule.kind)
        if rule.kind != P.KIND_ANY and req.kind != want:
            out.append(Shortfall(point, _(
                "autopart creates %(point)s as %(actual)s, the profile wants %(wanted)s")
                % {"point": point, "actual": _KIND_WORDS[req.kind](),
                   "wanted": _KIND_WORDS[want]()},
                "root-kind" if point == "/" else "device-kind"))
        # A growing mount may still reach its minimum: the install-time check judges it.
        if rule.min_size is not None and req.size < rule.min_size and not req.grow:
            out.append(Shortfall(point, _(
                "autopart creates %(point)s at %(size)s, below the profile's minimum of "
                "%(min)s") % {"point": point, "size": format_size(req.size),
                              "min": format_size(rule.min_size)}, "min-size",
                "%s: {min: %s}" % (point, format_size(req.size))))
        if rule.filesystems and req.fstype not in rule.filesystems:
            out.append(Shortfall(point, _(
                "autopart formats %(point)s as %(fs)s, the profile allows %(allowed)s")
                % {"point": point, "fs": req.fstype, "allowed": ", ".join(rule.filesystems)},
                "filesystem", "%s: {filesystems: [%s]}" % (
                    point, ", ".join(rule.filesystems + (req.fstype,)))))
    for point in profile.forbidden_mounts:
        if point in mounts:
            out.append(Shortfall(point, _("autopart creates %(point)s, which the profile "
                                          "forbids") % {"point": point},
                                 "forbidden-mount"))
    out.extend(_swap_shortfalls(profile, made, ram))
    percent, low, high = made.reserve
    if profile.reserve_percent > percent or profile.reserve_min > low or (
            high is not None and (profile.reserve_max is None or profile.reserve_max > high)
            and profile.reserve_percent):
        out.append(Shortfall(None, _(
            "autopart keeps %(percent)s %% of the volume group free (at least %(min)s, at most "
            "%(max)s), less than the profile's reserve") % {
                "percent": "%g" % percent, "min": format_size(low), "max": format_size(high)},
            "vg-reserve", "volume_group: {reserve_percent: %g, reserve_min: %s, reserve_max: %s}"
            % (percent, format_size(low), format_size(high))))
    return tuple(out)


def _swap_shortfalls(profile, made, ram):
    if profile.swap_policy == SWAP_NONE:
        return []
    if made.swap is None:
        return [Shortfall(None, _("autopart creates no swap (the installer's "
                                  "default_partitioning has none), the profile wants it"),
                          "swap")]
    out = []
    want = lvm_kind(profile.swap_kind)
    if profile.swap_kind != P.KIND_ANY and want != LV:
        out.append(Shortfall(None, _("autopart creates swap as %(actual)s, the profile wants "
                                     "%(wanted)s") % {"actual": _KIND_WORDS[LV](),
                                                      "wanted": _KIND_WORDS[want]()},
                             "device-kind"))
    if ram is not None and profile.swap_min:
        # autopart's swap is the bare recommendation, capped by the disks: at most this.
        size = recommended_swap(ram, 2 ** 63)
        if size < profile.swap_min:
            out.append(Shortfall(None, _(
                "autopart creates swap of at most %(size)s for %(ram)s of RAM, below the "
                "profile's minimum of %(min)s") % {"size": format_size(size),
                                                   "ram": format_size(ram),
                                                   "min": format_size(profile.swap_min)},
                "min-size"))
    return out


_KIND_WORDS = {PARTITION: lambda: _("a partition"), LV: lambda: _("a thick LV"),
               THINLV: lambda: _("a thin LV")}
