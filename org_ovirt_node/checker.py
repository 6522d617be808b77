# SPDX-License-Identifier: GPL-2.0-or-later
"""The checker: judges a :class:`~org_ovirt_node.layout.Layout` against a
:class:`~org_ovirt_node.profile.Profile`.

Every rule is one small pure function ``rule(ctx) -> iterable of RuleResult`` registered
in :data:`RULES` under a slug of the rule catalog; the catalog gives the stable code and the
profile the severity. Nothing here names a mount point or a size: all of it comes from the
profile. The :class:`Context` indexes the layout once, so a check is linear in the number
of devices.

A rule declares the :class:`~org_ovirt_node.layout.Fact` s it needs (``needs=``): where the
layout lacks one (Anaconda's D-Bus tree has no pool metadata size, a kickstart no disk
sizes), the rule does not run and says so in an info finding ("not checked: ... is not
available from ...") instead of passing in silence.
"""
from typing import Callable, Dict

from org_ovirt_node import layout as L
from org_ovirt_node import profile as P
from org_ovirt_node import rules as catalog
from org_ovirt_node.findings import Report, RuleResult, make_finding
from org_ovirt_node.findings import make_report as _make_report
from org_ovirt_node.i18n import P_, _
from org_ovirt_node.units import format_size as fs

RULES: Dict[str, Callable] = {}
KICKSTART_SIZE_UNIT = 1 << 20   # kickstart sizes are in MiB (for hints)


def rule(slug, table=None, needs=()):
    """Register a rule function under *slug* (which must be in the rule catalog) in *table*
    (default: :data:`RULES`, the layout rules). *needs*: the facts it cannot judge without
    (kept as the function's ``needs`` attribute)."""
    assert all(isinstance(f, L.Fact) for f in needs), needs
    return catalog.register(slug, RULES if table is None else table, needs)


class Context:
    """What every rule needs, computed once per check."""

    def __init__(self, layout, profile):
        self.layout = layout
        self.profile = profile
        self.root = layout.mounted("/")
        self.root_pool = layout.thin_pool_of(self.root) if self.root else None
        self.root_vg = layout.vg_of(self.root) if self.root else None
        # Rounding slack for LVM sizes: one extent either way is not a policy violation.
        self.slack = (self.root_vg.extent_size or 0) if self.root_vg else 0
        self.install_disks = layout.disks_under(
            *(dev for devices in layout.mountpoints.values() for dev in devices))
        self.swaps = tuple(d for d in layout if d.format == L.SWAP)

    def present(self):
        """(rule, device) for each profile mount that is a separate mount."""
        for point, mrule in self.profile.mounts.items():
            dev = self.layout.mounted(point)
            if dev is not None:
                yield mrule, dev

    def kind_name(self, dev):
        return describe_kind(dev.kind)


def describe_kind(kind):
    return {
        L.DISK: _("a whole disk"), L.PARTITION: _("a partition"), L.LUKS: _("a LUKS device"),
        L.MDRAID: _("an MD RAID array"), L.VG: _("a volume group"),
        L.LV: _("an ordinary (thick) LV"), L.THINPOOL: _("a thin pool"),
        L.THINLV: _("a thin LV"), L.BTRFS: _("a btrfs volume"), L.OTHER: _("another device"),
    }[kind]


def describe_wanted(kind):
    return {
        P.KIND_THIN: _("a thin LV in the thin pool of /"),
        P.KIND_LV: _("an ordinary LV"),
        P.KIND_PARTITION: _("a partition that is not on LVM"),
        P.KIND_ANY: _("any device"),
    }[kind]


def kind_matches(ctx, dev, wanted):
    """Whether *dev* is of the profile kind *wanted*."""
    if wanted == P.KIND_ANY:
        return True
    if wanted == P.KIND_THIN:
        return dev.kind == L.THINLV
    if wanted == P.KIND_LV:
        return dev.kind == L.LV
    if wanted == P.KIND_PARTITION:
        return dev.kind in (L.PARTITION, L.MDRAID) and not ctx.layout.is_on_lvm(dev)
    return False


def covering_mount(layout, point):
    """The nearest mount point above *point* that exists in *layout* (``/`` at last)."""
    parent = point
    while parent not in ("/", ""):
        parent = parent.rsplit("/", 1)[0] or "/"
        if layout.mounted(parent) is not None:
            return parent
    return None


# --- rules ------------------------------------------------------------------------------
@rule("root-kind")
def root_kind(ctx):
    want = ctx.profile.root_kind
    if ctx.root is not None and not kind_matches(ctx, ctx.root, want):
        yield RuleResult(
            "/", ctx.root,
            _("/ is on %(actual)s (%(name)s), but it must be on %(wanted)s: imgbased keeps "
              "every OS image as a thin LV in that pool.")
            % {"actual": ctx.kind_name(ctx.root), "name": ctx.root.name,
               "wanted": describe_wanted(want)},
            _("Use LVM Thin Provisioning for /: automatic partitioning with the thin "
              "scheme, or a thin LV in a thin pool (kickstart: logvol --thin --poolname)."))


@rule("required-mount")
def required_mount(ctx):
    for point, mrule in ctx.profile.mounts.items():
        if not mrule.required or ctx.layout.mounted(point) is not None:
            continue
        yield RuleResult(point, None, *_missing_mount_text(ctx, mrule))


@rule("optional-mount")
def optional_mount(ctx):
    for point, mrule in ctx.profile.mounts.items():
        if mrule.presence != P.OPTIONAL or ctx.layout.mounted(point) is not None:
            continue
        yield RuleResult(point, None, *_missing_mount_text(ctx, mrule))


@rule("created-mount")
def created_mount(ctx):
    """Mounts imgbased creates at the first update when they are missing
    (``check_nist_layout``): a warning saying what it will create and whether the pool of
    / has the room, not an error."""
    missing = [m for p, m in ctx.profile.mounts.items()
               if m.presence == P.CREATED and ctx.layout.mounted(p) is None]
    if not missing:
        return
    total = sum(m.created_size or 0 for m in missing)
    room = _pool_room_text(ctx, total, len(missing))
    pool = ctx.root_pool.name if ctx.root_pool is not None else ctx.profile.pool_name
    for mrule in missing:
        point, size = mrule.mountpoint, mrule.created_size
        above = covering_mount(ctx.layout, point) or "/"
        message = _("%(point)s is not a separate mount (its files live on %(above)s): at the "
                    "first update imgbased creates it as a %(size)s thin LV in pool "
                    "%(pool)s and moves its files there.") % {
                        "point": point, "above": above, "size": fs(size), "pool": pool}
        yield RuleResult(point, None, message + " " + room, _(
            "Create %(point)s now, as a thin LV of at least %(size)s in pool %(pool)s, so "
            "that its size is yours and the pool is sized for it.") % {
                "point": point, "size": fs(size), "pool": pool})


def _pool_room_text(ctx, total, count):
    """Whether the pool of / can take the *total* bytes of *count* volumes imgbased will
    create (a thin pool must hold its thin LVs for them not to overcommit it)."""
    pool = ctx.root_pool
    values = {"total": fs(total), "count": count}
    if pool is None:
        return _("There is no thin pool for / yet.")
    if pool.size is None:
        if pool.grow:
            return P_(
                "The pool grows to what the disks allow, so whether it takes the %(total)s "
                "of this volume depends on their size.",
                "The pool grows to what the disks allow, so whether it takes the %(total)s "
                "of these %(count)d volumes depends on their size.", count) % values
        return _("The size of the pool is not known here.")
    used = sum(d.size for d in _thin_children(ctx, pool) if d.size is not None)
    free = max(0, pool.size - used)
    values.update(free=fs(free), pool=pool.name, short=fs(total - free))
    if free + ctx.slack >= total:
        return P_(
            "Pool %(pool)s has %(free)s not given to thin LVs: room for the %(total)s.",
            "Pool %(pool)s has %(free)s not given to thin LVs: room for the %(total)s of "
            "these %(count)d volumes.", count) % values
    return P_(
        "Pool %(pool)s has %(free)s not given to thin LVs, %(short)s short of the "
        "%(total)s: the new volume overcommits it (it works while the pool's data use stays "
        "below its limit).",
        "Pool %(pool)s has %(free)s not given to thin LVs, %(short)s short of the "
        "%(total)s of these %(count)d volumes: they overcommit it (they work while the "
        "pool's data use stays below its limit).", count) % values


def _missing_mount_text(ctx, mrule):
    point = mrule.mountpoint
    wanted = mrule.recommended_size or mrule.min_size
    size = fs(wanted) if wanted else None
    if point == "/":
        message = _("There is no / mount point.")
    else:
        above = covering_mount(ctx.layout, point)
        if above:
            message = _("%(point)s is not a separate mount: its files would live on "
                        "%(above)s.") % {"point": point, "above": above}
        else:
            message = _("%(point)s is not a separate mount.") % {"point": point}
    if size:
        hint = _("Create %(wanted)s for %(point)s of at least %(size)s.") % {
            "wanted": describe_wanted(mrule.kind), "point": point, "size": size}
    else:
        hint = _("Create %(wanted)s for %(point)s.") % {
            "wanted": describe_wanted(mrule.kind), "point": point}
    return message, hint


@rule("device-kind")
def device_kind(ctx):
    for mrule, dev in ctx.present():
        if mrule.mountpoint == "/" or kind_matches(ctx, dev, mrule.kind):
            continue
        on_lvm = mrule.kind == P.KIND_PARTITION and ctx.layout.is_on_lvm(dev)
        yield RuleResult(
            mrule.mountpoint, dev,
            _("%(point)s is on %(actual)s (%(name)s)%(lvm)s, but it must be on "
              "%(wanted)s.") % {
                "point": mrule.mountpoint, "actual": ctx.kind_name(dev), "name": dev.name,
                "lvm": _(" on LVM") if on_lvm and dev.kind not in (L.LV, L.THINLV) else "",
                "wanted": describe_wanted(mrule.kind)},
            _("Recreate %(point)s as %(wanted)s.") % {
                "point": mrule.mountpoint, "wanted": describe_wanted(mrule.kind)})


@rule("same-pool")
def same_pool(ctx):
    if not ctx.profile.all_thin_in_root_pool or ctx.root_pool is None:
        return
    for point, devices in ctx.layout.mountpoints.items():
        for dev in devices:
            if dev.kind != L.THINLV:
                continue
            pool = ctx.layout.thin_pool_of(dev)
            if pool is None or pool.name == ctx.root_pool.name:
                continue
            vg = ctx.layout.vg_of(dev)
            where = pool.name if vg is None or ctx.root_vg is None or vg.name == \
                ctx.root_vg.name else "%s (VG %s)" % (pool.name, vg.name)
            yield RuleResult(
                point, dev,
                _("%(point)s is a thin LV in pool %(pool)s, not in the pool of / "
                  "(%(root_pool)s): imgbased manages exactly one pool.") % {
                    "point": point, "pool": where, "root_pool": ctx.root_pool.name},
                _("Move %(point)s into thin pool %(root_pool)s.") % {
                    "point": point, "root_pool": ctx.root_pool.name})


@rule("min-size")
def min_size(ctx):
    for mrule, dev in ctx.present():
        if mrule.min_size is None or dev.size is None or dev.size + ctx.slack >= mrule.min_size:
            continue
        yield RuleResult(
            mrule.mountpoint, dev,
            _("%(point)s is %(size)s, below its minimum of %(min)s.") % {
                "point": mrule.mountpoint, "size": fs(dev.size), "min": fs(mrule.min_size)},
            _("Make %(point)s at least %(min)s.") % {
                "point": mrule.mountpoint, "min": fs(mrule.min_size)})
    minimum = ctx.profile.swap_min
    if minimum is not None:
        for dev in ctx.swaps:
            if dev.size is not None and dev.size + ctx.slack < minimum:
                yield RuleResult(
                    None, dev,
                    _("Swap %(name)s is %(size)s, below its minimum of %(min)s.") % {
                        "name": dev.name, "size": fs(dev.size), "min": fs(minimum)},
                    _("Make swap at least %(min)s.") % {"min": fs(minimum)})


@rule("recommended-size")
def recommended_size(ctx):
    """Below the recommended size but not below the hard minimum (``min-size`` reports
    that): a warning. A growing device is left alone (it asks for at least its size)."""
    for mrule, dev in ctx.present():
        want = mrule.recommended_size
        if want is None or dev.size is None or dev.grow or dev.size + ctx.slack >= want:
            continue
        if mrule.min_size is not None and dev.size + ctx.slack < mrule.min_size:
            continue
        if mrule.presence == P.CREATED and mrule.created_size:
            why = _(" imgbased would have created it with %(created)s, and it never resizes "
                    "a volume that exists.") % {"created": fs(mrule.created_size)}
        else:
            why = ""
        yield RuleResult(
            mrule.mountpoint, dev,
            _("%(point)s is %(size)s, below the recommended %(want)s.%(why)s") % {
                "point": mrule.mountpoint, "size": fs(dev.size), "want": fs(want),
                "why": why},
            _("Make %(point)s at least %(want)s.") % {
                "point": mrule.mountpoint, "want": fs(want)})


@rule("filesystem")
def filesystem(ctx):
    for mrule, dev in ctx.present():
        if dev.format is None or not mrule.filesystems or dev.format in mrule.filesystems:
            continue
        yield RuleResult(
            mrule.mountpoint, dev,
            _("%(point)s uses %(fs)s; allowed: %(allowed)s.") % {
                "point": mrule.mountpoint, "fs": dev.format,
                "allowed": ", ".join(mrule.filesystems)},
            _("Format %(point)s as %(first)s.") % {
                "point": mrule.mountpoint, "first": mrule.filesystems[0]})


@rule("mount-options")
def mount_options(ctx):
    for mrule, dev in ctx.present():
        missing = [o for o in mrule.options if o not in dev.mount_options]
        if not missing:
            continue
        yield RuleResult(
            mrule.mountpoint, dev,
            _("%(point)s is not mounted with %(options)s.") % {
                "point": mrule.mountpoint, "options": ",".join(missing)},
            _("Add %(options)s to the mount options of %(point)s (kickstart: "
              "--fsoptions=\"defaults,%(options)s\").") % {
                "point": mrule.mountpoint, "options": ",".join(missing)},
            missing=tuple(missing))


@rule("forbidden-mount")
def forbidden_mount(ctx):
    for point in ctx.profile.forbidden_mounts:
        dev = ctx.layout.mounted(point)
        if dev is not None:
            yield RuleResult(
                point, dev,
                _("%(point)s must not be a separate mount (it is on %(name)s).") % {
                    "point": point, "name": dev.name},
                _("Remove the %(point)s mount; keep its files on /.") % {"point": point})


@rule("duplicate-mount")
def duplicate_mount(ctx):
    for point, devices in ctx.layout.mountpoints.items():
        if len(devices) > 1:
            yield RuleResult(
                point, devices[1],
                _("%(point)s is the mount point of %(count)d devices: %(names)s.") % {
                    "point": point, "count": len(devices),
                    "names": ", ".join(d.name for d in devices)},
                _("Give %(point)s to one device only.") % {"point": point})


def _thin_children(ctx, pool):
    return [d for d in ctx.layout.children_of(pool) if d.kind == L.THINLV]


@rule("pool-overcommit", needs=(L.POOL_SIZE,))
def pool_overcommit(ctx):
    pool = ctx.root_pool
    if ctx.profile.overcommit or pool is None or pool.size is None:
        return
    thin = _thin_children(ctx, pool)
    total = sum(d.size for d in thin if d.size is not None)
    if total > pool.size + ctx.slack:
        yield RuleResult(
            None, pool,
            _("Thin pool %(pool)s is overcommitted: its thin LVs take %(total)s, the pool "
              "has %(size)s.") % {"pool": pool.name, "total": fs(total),
                                  "size": fs(pool.size)},
            _("Grow the pool by %(diff)s or shrink its thin LVs.") % {
                "diff": fs(total - pool.size)})


def no_reserve(ctx):
    """Whether the pool of / grows while its VG keeps nothing free, or less than the pool's
    metadata needs to grow to the profile's ``min_metadata`` (``None``: not known). A layout
    that knows the VG's free space answers by it, a kickstart by what ``volgroup`` asks for
    (any reserve leaves that room on a disk of the profile's minimum size)."""
    vg, pool = ctx.root_vg, ctx.root_pool
    if vg is None or pool is None or not pool.grow:
        return False
    if vg.free is not None:
        need = 0
        if ctx.profile.min_metadata and pool.metadata_size is not None:
            need = ctx.profile.min_metadata - pool.metadata_size
        return vg.free <= ctx.slack or vg.free + ctx.slack < need
    if vg.reserved_percent is None and vg.reserved_space is None:
        return None
    return not vg.reserved_percent and not vg.reserved_space


@rule("vg-no-reserve")
def vg_no_reserve(ctx):
    """A growing thin pool in a VG with nothing free: the pool's metadata cannot grow to
    what imgbased sets (it skips that when the VG has no free space) and the pool cannot be
    extended when it fills, so the host's thin LVs stop. An error; a reserve that is there
    but below the profile's is the warning of ``vg-reserve``."""
    profile = ctx.profile
    if not (profile.reserve_percent or profile.reserve_min) or not no_reserve(ctx):
        return
    vg, pool = ctx.root_vg, ctx.root_pool
    if profile.reserve_percent:
        option = "--reserved-percent=%s" % _num(profile.reserve_percent)
    else:
        option = "--reserved-space=%d" % (profile.reserve_min // KICKSTART_SIZE_UNIT)
    if vg.free:
        message = _("Volume group %(vg)s keeps only %(free)s free while thin pool %(pool)s "
                    "grows to fill it: the pool's metadata cannot grow to %(meta)s and the "
                    "pool cannot be extended when it fills.")
    else:
        message = _("Volume group %(vg)s keeps no space free while thin pool %(pool)s grows "
                    "to fill it: the pool's metadata cannot grow to %(meta)s and the pool "
                    "cannot be extended when it fills.")
    yield RuleResult(
        None, vg,
        message % {"vg": vg.name, "pool": pool.name, "free": fs(vg.free or 0),
                   "meta": fs(profile.min_metadata) if profile.min_metadata else "?"},
        _("Keep part of %(vg)s free (kickstart: volgroup %(vg)s ... %(option)s).") % {
            "vg": vg.name, "option": option})


@rule("vg-reserve", needs=(L.VG_SIZE, L.VG_FREE))
def vg_reserve(ctx):
    vg = ctx.root_vg
    if vg is None or vg.size is None or vg.free is None or no_reserve(ctx):
        return
    wanted = ctx.profile.reserve_for(vg.size)
    if vg.free + ctx.slack < wanted:
        yield RuleResult(
            None, vg,
            _("Volume group %(vg)s keeps %(free)s free, below its reserve of %(want)s "
              "(%(pct)s %% of %(size)s): the thin pool cannot grow.") % {
                "vg": vg.name, "free": fs(vg.free), "want": fs(wanted),
                "pct": _num(ctx.profile.reserve_percent), "size": fs(vg.size)},
            _("Leave %(want)s of %(vg)s unallocated (kickstart: volgroup "
              "--reserved-percent=%(pct)s).") % {
                "want": fs(wanted), "vg": vg.name, "pct": _num(ctx.profile.reserve_percent)})


@rule("pool-metadata", needs=(L.POOL_METADATA_SIZE, L.VG_FREE))
def pool_metadata(ctx):
    pool, vg, want = ctx.root_pool, ctx.root_vg, ctx.profile.min_metadata
    if pool is None or want is None or pool.metadata_size is None or vg is None \
            or vg.free is None:
        return
    reachable = pool.metadata_size + vg.free
    if reachable < want:
        yield RuleResult(
            None, pool,
            _("The metadata of thin pool %(pool)s can reach only %(reach)s (%(meta)s now, "
              "%(free)s free in %(vg)s); it should be able to grow to %(want)s.") % {
                "pool": pool.name, "reach": fs(reachable), "meta": fs(pool.metadata_size),
                "free": fs(vg.free), "vg": vg.name, "want": fs(want)},
            _("Leave at least %(need)s free in %(vg)s.") % {
                "need": fs(want - pool.metadata_size), "vg": vg.name})


@rule("disk-size", needs=(L.DISK_SIZE,))
def disk_size(ctx):
    minimum = ctx.profile.min_disk_total
    disks = ctx.install_disks
    if minimum is None or not disks or any(d.size is None for d in disks):
        return
    total = sum(d.size for d in disks)
    if total < minimum:
        yield RuleResult(
            None, None,
            _("The disks of this layout (%(names)s) hold %(total)s, below the minimum of "
              "%(min)s.") % {"names": ", ".join(d.name for d in disks),
                             "total": fs(total), "min": fs(minimum)},
            _("Install on disks of at least %(min)s in total.") % {"min": fs(minimum)})


@rule("swap")
def swap(ctx):
    """Swap as the profile's swap policy and kind say. Its severity follows the policy
    (``recommended``: a warning), for a missing swap and for swap on another kind of device
    alike: neither the install nor imgbased depends on swap."""
    want = ctx.profile.swap_kind
    for dev in ctx.swaps:
        if not kind_matches(ctx, dev, want):
            yield RuleResult(
                None, dev,
                _("Swap is on %(actual)s (%(name)s), but it should be on %(wanted)s.") % {
                    "actual": ctx.kind_name(dev), "name": dev.name,
                    "wanted": describe_wanted(want)},
                _("Recreate swap as %(wanted)s.") % {"wanted": describe_wanted(want)})
    if ctx.profile.swap_policy == catalog.SWAP_NONE or ctx.swaps:
        return
    yield RuleResult(
        None, None, _("There is no swap."),
        _("Add swap as %(wanted)s (kickstart: logvol swap --recommended).") % {
            "wanted": describe_wanted(ctx.profile.swap_kind)})


def _num(value):
    return ("%g" % value)


# --- entry point ------------------------------------------------------------------------
def not_checked(ctx, missing):
    """The result that stands for a rule the layout lacks the *missing* facts for."""
    names = {"facts": ", ".join(_(f.label) for f in missing),
             "source": ctx.layout.source_label()}
    if len(missing) == 1:
        message = _("Not checked: %(facts)s is not available from %(source)s.") % names
    else:
        message = _("Not checked: %(facts)s are not available from %(source)s.") % names
    return RuleResult(None, None, message)


def run_rules(ctx, table, only=None):
    """Findings of the rules in *table* (slug -> function) on *ctx*, each with the code from
    the catalog and the severity from the profile; rules the profile turns off do not run,
    rules whose facts the layout lacks give one info finding instead."""
    findings = []
    layout = ctx.layout
    for slug, func in table.items():
        if only is not None and slug not in only:
            continue
        severity = ctx.profile.severity(slug)
        if severity == catalog.OFF:
            continue
        info = catalog.CATALOG[slug]
        missing = [f for f in getattr(func, "needs", ()) if not layout.has(f)]
        if missing:
            findings.append(make_finding(info, catalog.INFO, not_checked(ctx, missing)))
            continue
        findings.extend(make_finding(info, severity, result) for result in func(ctx))
    return findings


make_report = _make_report   # kept here for the rule modules that build reports


def check(layout, profile, only=None) -> Report:
    """Judge *layout* against *profile*; *only* limits the run to some rule slugs."""
    return make_report(run_rules(Context(layout, profile), RULES, only), layout.origin)
