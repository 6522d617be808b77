# SPDX-License-Identifier: GPL-2.0-or-later
""""Fix my layout": what to change in the layout the operator made so it meets the profile,
without destroying or shrinking anything.

From the current :class:`~org_ovirt_node.layout.Layout` (read from Anaconda's device tree)
and the :class:`~org_ovirt_node.profile.Profile`, :func:`plan_repair` proposes:

- **add**: each mount the design creates (required, or ``created`` by imgbased later) that
  is missing and may be a thin LV (``kind: thin`` or ``any``), as a thin LV in the pool of
  ``/``, sized, named, formatted and mounted as the design makes it
  (:mod:`org_ovirt_node.design`: one size policy);
- **grow**: each mount below its minimum (or below the size the profile recommends) that is
  a thin LV in the pool of ``/`` (or a thick LV in its volume group) to the design's size;
- **options**: each mount lacking mount options the profile wants (e.g. ``discard``): its
  options plus the missing ones.

Space: what the additions and growths need comes from the pool's free space (its size minus
its thin LVs), then from the volume group's free space beyond the profile's reserve (the
device factory grows a pool it creates). When it does not fit, or when there is no pool of
``/``, those changes are refused with the exact reason (sizes included); the option changes
stay possible. Nothing else is changed: a device of the wrong kind, a filesystem that is not
allowed, a forbidden mount or swap are left to the operator and named in the refusals.

Pure: standard library and the core only (the service turns the result into D-Bus
structures).
"""
from dataclasses import dataclass
from typing import Optional, Tuple

from org_ovirt_node import design as D
from org_ovirt_node import layout as L
from org_ovirt_node import profile as P
from org_ovirt_node.checker import describe_kind, describe_wanted
from org_ovirt_node.i18n import _
from org_ovirt_node.names import lv_name_for_mountpoint
from org_ovirt_node.units import format_size

ADD, GROW, OPTIONS = "add", "grow", "options"
ACTIONS = (ADD, GROW, OPTIONS)


@dataclass(frozen=True)
class Change:
    """One change. *device* is the layout name of the device changed ("" for ``add``);
    *size* the size it gets (``add``, ``grow``; else its size), *old_size* its size now;
    *name* the LV name, *vg* its volume group, *fstype* its filesystem; *options* the full
    mount options it gets (``defaults`` dropped; empty: none)."""

    action: str
    mountpoint: str
    description: str
    device: str = ""
    kind: str = L.THINLV
    size: int = 0
    old_size: int = 0
    name: str = ""
    vg: str = ""
    pool: str = ""
    fstype: str = ""
    options: Tuple[str, ...] = ()


@dataclass(frozen=True)
class RepairPlan:
    """The changes, in the order to apply them (adds, grows, options), and the refusals
    (translated, one sentence each)."""

    changes: Tuple[Change, ...] = ()
    refusals: Tuple[str, ...] = ()
    needed: int = 0                   # bytes the adds and grows take from the pool
    available: Optional[int] = None   # pool free + VG free beyond the reserve (None: unknown)

    @property
    def can_apply(self):
        """There is something to apply (refused changes are left out of :attr:`changes`)."""
        return bool(self.changes)


def _fs(size):
    return format_size(size)


def _planned(rule):
    """The design creates the mount (required, or one imgbased would create later)."""
    planned = getattr(rule, "planned", None)
    return rule.required if planned is None else planned


def _floor(rule):
    """The size below which a mount is undersized: its minimum, or the size the profile
    recommends (a warning below it) when higher."""
    return max(rule.min_size or 0, getattr(rule, "recommended_size", None) or 0)


def _target(rule):
    """The size an added or grown mount gets: the design's, never below :func:`_floor`."""
    return max(D.request_size(rule), _floor(rule))


def _fstype(profile, root):
    """The filesystem of an added mount: the one of ``/`` when the profile allows it."""
    if root is not None and root.format in profile.filesystems:
        return root.format
    return profile.default_filesystem


def _lv_name(vg, name):
    """The device name blivet gives LV *name* of VG *vg* (dashes doubled)."""
    return "%s-%s" % (vg.replace("-", "--"), name.replace("-", "--"))


def _options_changes(layout, profile):
    changes = []
    for point, rule in profile.mounts.items():
        dev = layout.mounted(point)
        if dev is None or not rule.options:
            continue
        missing = tuple(o for o in rule.options if o not in dev.mount_options)
        if not missing:
            continue
        options = tuple(o for o in dev.mount_options if o != "defaults") + missing
        changes.append(Change(
            OPTIONS, point, _("Mount %(point)s with %(options)s (adds %(missing)s).")
            % {"point": point, "options": ",".join(("defaults",) + options),
               "missing": ",".join(missing)},
            device=dev.name, kind=dev.kind, size=dev.size or 0, old_size=dev.size or 0,
            fstype=dev.format or "", options=options))
    return changes


def _kind_refusal(point, rule):
    return _("%(point)s is missing and must be %(wanted)s: Fix my layout only adds thin LVs "
             "to the pool of /; create it yourself.") % {
        "point": point, "wanted": describe_wanted(rule.kind)}


def plan_repair(layout, profile):
    """The :class:`RepairPlan` that brings *layout* closer to *profile* without destroying
    or shrinking anything."""
    refusals = []
    root = layout.mounted("/")
    pool = layout.thin_pool_of(root) if root is not None else None
    vg = layout.vg_of(pool) if pool is not None else None
    fstype = _fstype(profile, root)
    wanted = []             # (point, rule, device or None) that need space
    for point, rule in profile.mounts.items():
        dev = layout.mounted(point)
        if dev is None:
            if not _planned(rule):
                continue
            if rule.kind in (P.KIND_PARTITION, P.KIND_LV):
                refusals.append(_kind_refusal(point, rule))
            else:
                wanted.append((point, rule, None))
        elif dev.size is not None and dev.size < _floor(rule):
            wanted.append((point, rule, dev))
    space_changes = []
    if wanted:
        space_changes = _space_changes(layout, profile, wanted, root, pool, vg, fstype,
                                       refusals)
    needed = sum(c.size - c.old_size for c in space_changes)
    available = _available(layout, profile, pool, vg)
    if space_changes and available is None:
        refusals.append(_("The free space of thin pool %(pool)s or of its volume group is "
                          "not known: nothing is added or grown.") % {"pool": pool.name})
        space_changes = []
    elif space_changes and needed > available:
        refusals.append(_(
            "The changes need %(needed)s; thin pool %(pool)s and volume group %(vg)s have "
            "%(available)s free beyond the reserve of %(reserve)s: nothing is added or "
            "grown. Free space in %(vg)s, or make the mounts yourself.")
            % {"needed": _fs(needed), "pool": pool.name, "vg": vg.name,
               "available": _fs(available),
               "reserve": _fs(profile.reserve_for(vg.size or 0))})
        space_changes = []
    changes = tuple(c for c in space_changes if c.action == ADD) + \
        tuple(c for c in space_changes if c.action == GROW) + \
        tuple(_options_changes(layout, profile))
    return RepairPlan(changes, tuple(refusals), needed if space_changes else 0, available)


def _available(layout, profile, pool, vg):
    """Bytes the pool can give: its free space plus the VG's free space beyond the
    profile's reserve; ``None`` when a size is not known."""
    if pool is None or vg is None or pool.size is None or vg.size is None or vg.free is None:
        return None
    thin = sum(d.size or 0 for d in layout.children_of(pool) if d.kind == L.THINLV)
    pool_free = max(pool.size - thin, 0)
    return pool_free + max(vg.free - profile.reserve_for(vg.size), 0)


def _space_changes(layout, profile, wanted, root, pool, vg, fstype, refusals):
    """The adds and grows of *wanted*; refusals for those that cannot be done here."""
    out = []
    for point, rule, dev in wanted:
        size = _target(rule)
        if dev is None:
            if pool is None:
                refusals.append(_no_pool(point, root))
                continue
            name = lv_name_for_mountpoint(point)
            if layout.get(_lv_name(vg.name, name)) is not None:
                refusals.append(_(
                    "%(point)s is missing, but volume group %(vg)s already has an LV named "
                    "%(name)s: rename or remove it, then try again.")
                    % {"point": point, "vg": vg.name, "name": name})
                continue
            fs = D.filesystem_for(rule, fstype)
            out.append(Change(
                ADD, point, _("Add %(point)s: a thin LV %(name)s of %(size)s in pool "
                              "%(pool)s, %(fs)s.")
                % {"point": point, "name": name, "size": _fs(size), "pool": pool.name,
                   "fs": fs},
                kind=L.THINLV, size=size, name=name, vg=vg.name, pool=pool.name, fstype=fs,
                options=tuple(o for o in D.mount_options(rule) if o != "defaults")))
            continue
        if dev.kind == L.THINLV and pool is not None and \
                layout.thin_pool_of(dev) is not None and layout.thin_pool_of(dev).name == \
                pool.name:
            where = pool.name
        elif dev.kind == L.LV and vg is not None and layout.vg_of(dev) is not None and \
                layout.vg_of(dev).name == vg.name:
            where = vg.name
        else:
            refusals.append(_(
                "%(point)s is %(size)s, below %(min)s, and it is not an LV in the pool or "
                "volume group of /: grow it yourself.")
                % {"point": point, "size": _fs(dev.size), "min": _fs(_floor(rule))})
            continue
        out.append(Change(
            GROW, point, _("Grow %(point)s (%(name)s) from %(old)s to %(size)s in %(where)s.")
            % {"point": point, "name": dev.name, "old": _fs(dev.size), "size": _fs(size),
               "where": where},
            device=dev.name, kind=dev.kind, size=size, old_size=dev.size,
            name=_short_name(dev.name, vg.name), vg=vg.name,
            pool=pool.name if dev.kind == L.THINLV else "", fstype=dev.format or "",
            options=tuple(o for o in dev.mount_options if o != "defaults")))
    return out


def _short_name(device_name, vg_name):
    """The LV name of device *device_name* (``onn-var_log`` -> ``var_log``)."""
    prefix = vg_name.replace("-", "--") + "-"
    if device_name.startswith(prefix):
        return device_name[len(prefix):].replace("--", "-")
    return device_name


def _no_pool(point, root):
    if root is None:
        return _("%(point)s is missing, and there is no / to find the thin pool by: create "
                 "/ as a thin LV first.") % {"point": point}
    return _("%(point)s is missing, and no thin pool holds / (it is %(kind)s %(name)s): "
             "Fix my layout adds thin LVs only to the pool of /.") % {
        "point": point, "kind": describe_kind(root.kind), "name": root.name}


# --- what a spoke shows: the per-mount table and the pool of / ---------------------------
MISSING = "missing"
_KIND_KEYS = {L.THINLV: "thin LV", L.LV: "LV", L.PARTITION: "partition", L.DISK: "disk",
              L.LUKS: "LUKS", L.MDRAID: "MD RAID", L.BTRFS: "btrfs"}
"""Untranslated keys of the device kinds (the spokes translate them for display)."""
OK, WARNING, ERROR = "ok", "warning", "error"


@dataclass(frozen=True)
class MountRow:
    """One mount: *kind* a key of :data:`_KIND_KEYS` or ``missing``, *size* and *minimum*
    in bytes (0: unknown / none), *status* the worst finding about it, *pool* the thin pool
    it is in."""

    mountpoint: str
    kind: str
    size: int
    minimum: int
    status: str
    pool: str


@dataclass(frozen=True)
class PoolUsage:
    """The thin pool of ``/`` (empty *name*: none) and its VG, in bytes."""

    name: str = ""
    vg: str = ""
    size: int = 0
    used: int = 0
    free: int = 0
    vg_reserve: int = 0
    vg_free: int = 0


def mount_rows(layout, profile, findings):
    """A :class:`MountRow` per mount of *profile* (in its order; those the design does not
    create only when present), then per other mount of *layout* that a finding is about
    (sorted: a forbidden ``/usr``, a duplicate), each with the status of the worst of
    *findings* (:class:`~org_ovirt_node.findings.Finding`) about it. Other mounts are left
    out: the profile asks nothing of them (a tree of hundreds of data mounts stays a short
    table and a small D-Bus reply)."""
    status = {}
    rank = {WARNING: 1, ERROR: 2}
    for finding in findings:
        point = finding.mountpoint
        if point and rank.get(finding.severity, 0) > rank.get(status.get(point), 0):
            status[point] = finding.severity
    points = [p for p, r in profile.mounts.items() if _planned(r) or layout.mounted(p)]
    points += sorted(p for p in layout.mountpoints if p not in profile.mounts and p in status)
    rows = []
    for point in points:
        dev = layout.mounted(point)
        rule = profile.mounts.get(point)
        pool = layout.thin_pool_of(dev) if dev is not None else None
        rows.append(MountRow(
            point, MISSING if dev is None else _KIND_KEYS.get(dev.kind, "other"),
            (dev.size or 0) if dev is not None else 0,
            (rule.min_size or 0) if rule is not None else 0,
            status.get(point, OK), pool.name if pool is not None else ""))
    return rows


def pool_usage(layout, profile):
    """The :class:`PoolUsage` of the pool of ``/`` (all zero without one)."""
    root = layout.mounted("/")
    pool = layout.thin_pool_of(root) if root is not None else None
    if pool is None:
        return PoolUsage()
    vg = layout.vg_of(pool)
    used = sum(d.size or 0 for d in layout.children_of(pool) if d.kind == L.THINLV)
    size = pool.size or 0
    vg_size = (vg.size or 0) if vg is not None else 0
    return PoolUsage(pool.name, vg.name if vg is not None else "", size, used,
                     max(size - used, 0), profile.reserve_for(vg_size) if vg_size else 0,
                     (vg.free or 0) if vg is not None else 0)
