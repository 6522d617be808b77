# SPDX-License-Identifier: GPL-2.0-or-later
"""Live-host health: what only a running (or installed) oVirt Node shows.

The layout checker judges the shape of a layout; these rules judge how full its thin pool
is, from the ``data_percent``/``metadata_percent`` lvs reports and the data ``/`` holds:

- ONN201 pool-data-usage: pool data use below the profile's ``max_data_percent``
  (``nodectl check`` fails at imgbased's 80 %);
- ONN202 pool-metadata-usage: the same for metadata and ``max_metadata_percent``;
- ONN203 update-room: the pool can take one more image (about the data ``/`` uses now)
  without crossing the data limit.

Whether the metadata can still grow to ``min_metadata`` (VG free space) is the checker's
ONN014, which a live layout feeds with real figures. :func:`verify` runs both.
Layouts without live figures (plans, kickstarts) make these rules say nothing, and so does
a figure that is not a finite, non-negative number (unknown, whatever source built the layout).
"""
import math
from collections import OrderedDict

from org_ovirt_node import checker
from org_ovirt_node.findings import Report
from org_ovirt_node.i18n import _
from org_ovirt_node.units import format_size as fs

HEALTH_RULES = OrderedDict()


def health_rule(slug):
    """Register a live-host rule (see :func:`org_ovirt_node.checker.rule`)."""
    return checker.rule(slug, HEALTH_RULES)


def _pct(value):
    return "%.1f" % value


def _figure(dev, attr):
    """*dev*'s figure *attr*, or None when *dev* is None or the figure is unknown: None,
    NaN, infinite or negative (arithmetic on those would raise or mislead)."""
    value = getattr(dev, attr, None) if dev is not None else None
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if value >= 0 else None


def _vg_room(ctx):
    return _figure(ctx.root_vg, "free")


def _grow_hint(ctx, pool, need):
    """How to add *need* bytes to *pool*: from VG free space if there is enough."""
    free = _vg_room(ctx)
    vg = ctx.root_vg.name if ctx.root_vg is not None else ctx.profile.vg_name
    lv = pool.name
    if free is not None and free >= need:
        return _("Extend the pool from the free space of %(vg)s: lvextend -L +%(need)s "
                 "%(lv)s (or remove unused image layers with imgbase).") % {
                     "vg": vg, "need": fs(need), "lv": "/dev/mapper/" + lv}
    return _("Add a disk to %(vg)s (vgextend) and extend the pool by %(need)s, or remove "
             "unused image layers with imgbase.") % {"vg": vg, "need": fs(need)}


@health_rule("pool-data-usage")
def pool_data_usage(ctx):
    pool, limit = ctx.root_pool, ctx.profile.max_data_percent
    percent, size = _figure(pool, "data_percent"), _figure(pool, "size")
    if percent is None or not limit or percent < limit:
        return
    need = 0
    if size:
        used = size * percent / 100.0
        need = max(0, int(used * 100.0 / limit) - size) + 1
    yield (None, pool,
           _("Thin pool %(pool)s data is %(pct)s %% full, at or above the health limit of "
             "%(limit)s %%: nodectl check fails and updates may not fit.") % {
               "pool": pool.name, "pct": _pct(percent), "limit": "%g" % limit},
           _grow_hint(ctx, pool, need))


@health_rule("pool-metadata-usage")
def pool_metadata_usage(ctx):
    pool, limit = ctx.root_pool, ctx.profile.max_metadata_percent
    percent = _figure(pool, "metadata_percent")
    if percent is None or not limit or percent < limit:
        return
    target = ctx.profile.min_metadata or 0
    current = _figure(pool, "metadata_size") or 0
    need = max(target - current, current)  # at least double it
    yield (None, pool,
           _("Thin pool %(pool)s metadata is %(pct)s %% full, at or above the health limit "
             "of %(limit)s %%: a full metadata LV stops every thin LV.") % {
               "pool": pool.name, "pct": _pct(percent), "limit": "%g" % limit},
           _("Grow the metadata: lvextend --poolmetadatasize +%(need)s %(lv)s.") % {
               "need": fs(need), "lv": "/dev/mapper/" + pool.name})


@health_rule("update-room")
def update_room(ctx):
    pool, limit = ctx.root_pool, ctx.profile.max_data_percent
    size, percent = _figure(pool, "size"), _figure(pool, "data_percent")
    root_used = _figure(ctx.root, "used")
    if size is None or percent is None or root_used is None:
        return
    limit = 100.0 if not limit else limit
    allowed = size * limit / 100.0
    used = size * percent / 100.0
    room = allowed - used
    if room >= root_used:
        return
    need = int((root_used - room) * 100.0 / limit) + 1
    yield ("/", pool,
           _("Thin pool %(pool)s has room for %(room)s below its %(limit)s %% limit, but an "
             "update needs about %(need)s (the data / holds now) for the new image.") % {
               "pool": pool.name, "room": fs(max(0, int(room))), "limit": "%g" % limit,
               "need": fs(root_used)},
           _grow_hint(ctx, pool, need))


def health_findings(layout, profile, only=None):
    """Findings of the live-host rules alone."""
    return checker.run_rules(checker.Context(layout, profile), HEALTH_RULES, only)


def verify(layout, profile, only=None) -> Report:
    """The layout rules plus the live-host rules, in one report (errors first)."""
    ctx = checker.Context(layout, profile)
    findings = checker.run_rules(ctx, checker.RULES, only) \
        + checker.run_rules(ctx, HEALTH_RULES, only)
    return checker.make_report(findings, layout.origin)


# --- what a running host is, and what to run on it ----------------------------------------
IMGBASED_TAG_PREFIX = "imgbased:"


def node_signs(layout):
    """(whether ``/`` is a thin LV in a thin pool, whether any VG or LV carries imgbased's
    tags): the two marks of an oVirt Node host."""
    ctx = checker.Context(layout, None)
    facts = layout.facts or {}
    tags = [t for ts in (facts.get("vg_tags") or {}).values() for t in ts or ()]
    tags += [t for lv in (facts.get("lvm") or {}).values() if isinstance(lv, dict)
             for t in lv.get("tags") or ()]
    return (ctx.root_pool is not None,
            any(isinstance(t, str) and t.startswith(IMGBASED_TAG_PREFIX) for t in tags))


def not_a_node(layout):
    """One line saying that *layout* (a live host) is not an oVirt Node host and why, or
    None when it has a thin pool under ``/`` or imgbased's tags."""
    pool, tags = node_signs(layout)
    if pool or tags:
        return None
    return _("not an oVirt Node host (no thin pool under /, no imgbased tags): the findings "
             "below show what the oVirt Node layout needs; a running system cannot be "
             "converted in place, reinstall it with that layout (ovirt-node-layout plan "
             "--format kickstart writes its partitioning)")


def _fstab_hint(point):
    return _("then copy the files of %(mount)s there and add it to /etc/fstab (with "
             "discard)") % {"mount": point}


def running_host_hint(finding, layout, profile):
    """A hint for *finding* on a running host: the commands to run there instead of the
    installer advice the layout rules give (kickstart lines, partitioning). ``None``: keep
    the finding's own hint (the live-host rules already speak of commands)."""
    ctx = checker.Context(layout, profile)
    vg = ctx.root_vg.name if ctx.root_vg is not None else profile.vg_name
    pool = ctx.root_pool.name if ctx.root_pool is not None else profile.pool_name
    if pool.startswith(vg.replace("-", "--") + "-"):  # the device-mapper name: vg-lv
        pool = pool[len(vg.replace("-", "--")) + 1:].replace("--", "-")
    point = finding.mountpoint
    rule = profile.mounts.get(point) if point else None
    size = lvm_size(rule.default_size or rule.min_size or 0) if rule is not None else None
    if ctx.root_pool is None and finding.rule in ("root-kind", "required-mount",
                                                  "device-kind", "same-pool",
                                                  "created-mount", "optional-mount"):
        return _("Needs a reinstall with the oVirt Node layout (see the first line).")
    if finding.rule in ("required-mount", "optional-mount", "created-mount") and point \
            and rule is not None and rule.kind == "thin":
        lv = point.strip("/").replace("/", "_") or "root"
        return _("Run: lvcreate --thin --virtualsize %(size)s --name %(lv)s %(vg)s/%(pool)s "
                 "&& mkfs.xfs /dev/%(vg)s/%(lv)s; %(fstab)s.") % {
                     "size": size, "lv": lv, "vg": vg, "pool": pool,
                     "fstab": _fstab_hint(point)}
    if finding.rule in ("min-size", "recommended-size") and finding.device \
            and rule is not None:
        wanted = rule.min_size if finding.rule == "min-size" else rule.default_size
        return _("Run: lvextend --resizefs --size %(size)s /dev/mapper/%(dev)s (an LV), or "
                 "grow the partition with the system stopped.") % {
                     "size": lvm_size(wanted or 0), "dev": finding.device}
    if finding.rule == "pool-overcommit" and ctx.root_pool is not None:
        return _("Run: lvextend --size +%(size)s %(vg)s/%(pool)s when %(vg)s has that much "
                 "free (vgs), else add a disk first: vgextend %(vg)s /dev/NEWDISK.") % {
                     "size": lvm_size(_overcommit(layout, ctx.root_pool)), "vg": vg,
                     "pool": pool}
    if finding.rule == "mount-options" and point:
        return _("Add the option to %(mount)s in /etc/fstab, then run: mount -o remount "
                 "%(mount)s.") % {"mount": point}
    if finding.rule == "swap":
        return _("Run: lvcreate --size %(size)s --name swap %(vg)s && mkswap "
                 "/dev/%(vg)s/swap && swapon /dev/%(vg)s/swap; add it to /etc/fstab.") % {
                     "size": lvm_size(profile.swap_min or 1024 ** 3), "vg": vg}
    if finding.rule in ("vg-reserve", "pool-metadata", "disk-size"):
        return _("Add a disk to the volume group: pvcreate /dev/NEWDISK && vgextend %(vg)s "
                 "/dev/NEWDISK.") % {"vg": vg}
    return None


def lvm_size(size):
    """*size* as LVM's tools take it: whole GiB as ``8G``, else MiB rounded up (``600M``)."""
    size = int(size)
    if size and size % (1024 ** 3) == 0:
        return "%dG" % (size // 1024 ** 3)
    return "%dM" % -(-size // 1024 ** 2)


def _overcommit(layout, pool):
    """Bytes the thin LVs of *pool* take beyond its size (at least 1 MiB)."""
    thin = sum(_figure(d, "size") or 0 for d in layout.children_of(pool))
    return max(thin - (_figure(pool, "size") or 0), 1024 ** 2)


def for_running_host(report, layout, profile):
    """*report* with the hints of a running host (:func:`running_host_hint`)."""
    import dataclasses
    findings = []
    for finding in report.findings:
        hint = running_host_hint(finding, layout, profile)
        findings.append(dataclasses.replace(finding, hint=hint) if hint else finding)
    return dataclasses.replace(report, findings=tuple(findings))
