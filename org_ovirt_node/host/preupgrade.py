# SPDX-License-Identifier: GPL-2.0-or-later
"""The pre-upgrade gate (``verify --pre-upgrade``): will the next imgbased update succeed here?

An oVirt Node update (``dnf update ovirt-node-ng-image-update``, whose scriptlet runs
``imgbase update``) does this, in this order (sources: oVirt/imgbased ``src/imgbased/``):

1. ``plugins/update.py`` ``LiveimgExtractor.extract``: a new base, a thin LV of the current
   layer's virtual size (``_recommend_size_for_tree``), created in the pool tagged
   ``imgbased:pool`` (``imgbase.py`` ``ImageLayers.add_base`` -> ``lvm.py``
   ``Thinpool.create_thinvol``), then the image's tree is written into it: the pool must take
   about the data the current ``/`` holds (or ``--image-size``).
2. ``imgbase.py`` ``ImageLayers.add_layer``: first ``Thinpool.check_metadata_size(resize=True)``
   (``lvm.py``) grows the pool metadata to 1024 MiB if the VG has the free space, and only
   logs "Not resizing metadata" otherwise; then a thin snapshot of the base (the new layer).
3. ``plugins/osupdater.py`` ``on_new_layer``: ``preprocess`` raises ``SeparateVarPartition``
   unless ``/var`` is a mount point; ``set_thinpool_profile`` gives the pool the LVM profile
   ``imgbased-pool`` (``data/imgbased-pool.profile``: autoextend threshold 70 %) if it has
   none; ``check_nist_layout`` creates every volume of ``constants.volume_paths()`` that is
   not a mount point as a thin LV of its default size (``volume.py`` ``Volumes.create``);
   ``migrate_boot`` -> ``bootsetup.py`` ``BootSetupHandler._install_kernel`` copies the
   kernel files into ``/boot/<layer>/`` and ``vmlinuz`` into ``/boot``.

LVM itself refuses a new thin LV (base, layer snapshot, volume) once the pool's data or
metadata use is above ``activation/thin_pool_autoextend_threshold`` of the pool's profile
(lvm2 ``lib/metadata/lv_manip.c``: "Cannot create new thin volume, free space in thin pool
... reached threshold"; ``thin_manip.c`` ``thin_pool_below_threshold``). So "room" below is
room below that threshold, in the pool as it is now: the gate does not count on dmeventd
extending the pool during the update; where the VG has the space, the fix is one
``lvextend``.

Facts come from the host's own tools through :mod:`org_ovirt_node.host.reader`
(lsblk/lvs/vgs/findmnt for the layout with tags and profiles, ``lvmconfig`` for the
threshold, as ``nodectl check`` reads it) and a few bounded file reads (``/proc/cmdline``,
``/var/imgbased/.skip-volumes``, the kernel files of the current layer in ``/boot``).
:func:`read_upgrade_facts` gathers them; :func:`check` judges; every finding's hint is a
command to run on the host.
"""
import math
import os
import re
import stat
from collections import OrderedDict
from typing import NamedTuple, Optional, Tuple

from org_ovirt_node import checker
from org_ovirt_node.host import health
from org_ovirt_node.i18n import _
from org_ovirt_node.units import GiB, MiB
from org_ovirt_node.units import format_size as fs

PREUPGRADE_RULES = OrderedDict()

# imgbased constants.py(.in): IMGBASED_DEFAULT_VOLUMES / IMGBASED_MINIMUM_VOLUMES. Sizes are
# LVM's "5G" (binary units). /var is listed first: imgbased stops at it (SeparateVarPartition)
# before it creates anything, so it is judged by its own rule.
DEFAULT_VOLUMES = (("/var", 5 * GiB), ("/var/crash", 10 * GiB), ("/var/log", 8 * GiB),
                   ("/var/log/audit", 2 * GiB), ("/var/tmp", 10 * GiB), ("/home", 1 * GiB),
                   ("/tmp", 1 * GiB))
MINIMUM_VOLUMES = (("/var", 8 * GiB),)
SKIP_VOLUMES_PATH = "/var/imgbased/.skip-volumes"   # IMGBASED_SKIP_VOLUMES_PATH
STORAGE_BOOT_ARG = "node_storage"                    # IMGBASED_STORAGE_BOOT_ARG
STORAGE_MINIMAL = "minimal"                          # IMGBASED_STORAGE_MINIMAL_PROFILE
METADATA_TARGET = 1024 * MiB    # lvm.py Thinpool.check_metadata_size: min_size_mb = 1024
IMGBASED_POOL_PROFILE = "imgbased-pool"              # imgbase.py ImageLayers.thinpool_profile
IMGBASED_POOL_THRESHOLD = 70.0  # data/imgbased-pool.profile thin_pool_autoextend_threshold
LVM_THRESHOLD_KEY = "activation/thin_pool_autoextend_threshold"
# imgbase.py ImageLayers: the tags imgbased finds its objects by.
TAG_VG, TAG_POOL, TAG_LAYER, TAG_BASE = ("imgbased:vg", "imgbased:pool", "imgbased:layer",
                                         "imgbased:base")
TAG_INIT, TAG_VOLUME = "imgbased:init", "imgbased:volume"
# One kernel set when /boot shows none to measure (RHEL 8/9 oVirt Node: vmlinuz ~10 MiB,
# initramfs with multipath ~35 MiB, System.map, config, symvers, a kdump initramfs ~25 MiB).
DEFAULT_KERNEL_SET = 128 * MiB
MAX_BOOT_ENTRIES = 4096         # entries read from one /boot directory
MAX_CMDLINE = 64 * 1024
_LAYER_NAME_RE = re.compile(r".+-.+-.+\+[0-9]+\Z")  # naming.py: <name>-<version>-<release>+<n>
_PROFILE_NAME_RE = re.compile(r"[A-Za-z0-9_+.][A-Za-z0-9_+.-]{0,127}\Z")


class UpgradeFacts(NamedTuple):
    """What the gate knows about the host besides its layout."""

    volumes: Tuple[Tuple[str, int], ...] = DEFAULT_VOLUMES  # imgbased's volume list here
    volume_set: str = "default"          # "default", "node_storage=minimal", ".skip-volumes"
    threshold: Optional[float] = None    # lvmconfig's autoextend threshold for the pool
    threshold_error: Optional[str] = None
    image_size: Optional[int] = None     # --image-size; None: the data / holds
    boot_avail: Optional[int] = None     # bytes free in /boot (findmnt AVAIL)
    kernel_set: int = DEFAULT_KERNEL_SET  # bytes one more kernel set takes in /boot
    kernel_source: str = ""              # where kernel_set was measured ("" = estimate)


def preupgrade_rule(slug):
    """Register a pre-upgrade rule (see :func:`org_ovirt_node.checker.rule`)."""
    return checker.rule(slug, PREUPGRADE_RULES)


# --- facts: LVM names and tags -------------------------------------------------------------
def _lvm(layout, dev):
    return layout.facts.get("lvm", {}).get(dev.name, {}) if dev is not None else {}


def lvm_name(layout, dev):
    """``VG/LV`` of *dev* as LVM commands take it (its device-mapper name if unknown)."""
    info = _lvm(layout, dev)
    return "%s/%s" % (info["vg"], info["lv"]) if info else dev.name


def _lv_tags(layout, dev):
    return _lvm(layout, dev).get("tags", ())


# --- budget ----------------------------------------------------------------------------------
class Budget(NamedTuple):
    """The thin-pool arithmetic of one update, in bytes (see the module docstring)."""

    pool_size: int
    used: int                       # pool data in use now
    threshold: float                # % above which LVM refuses new thin LVs (base, layer)
    volume_threshold: float         # the same when imgbased creates the volumes
    image: Optional[int]            # the new image's data (None: unknown)
    volumes: Tuple[Tuple[str, int], ...]  # volumes imgbased will create (/var excepted)
    metadata_need: int              # VG space the metadata growth to 1 GiB takes
    vg_free: Optional[int]

    @property
    def image_room(self):
        return self.pool_size * self.threshold / 100.0 - self.used

    @property
    def volumes_total(self):
        return sum(size for _, size in self.volumes)

    @property
    def volume_room(self):
        return self.pool_size * self.volume_threshold / 100.0 - self.used - (self.image or 0)

    def pool_growth(self, need, threshold):
        """Bytes to add to the pool so that *need* more fits below *threshold* %."""
        wanted = (self.used + need) * 100.0 / threshold
        return max(0, int(math.ceil(wanted - self.pool_size)))

    def to_dict(self):
        return {"pool_size": self.pool_size, "used": self.used, "threshold": self.threshold,
                "volume_threshold": self.volume_threshold, "image": self.image,
                "image_room": max(0, int(self.image_room)),
                "volumes": [{"mountpoint": p, "size": s} for p, s in self.volumes],
                "volume_room": max(0, int(self.volume_room)),
                "metadata_need": self.metadata_need, "vg_free": self.vg_free}


def _threshold(value):
    """LVM clamps the threshold to 100 (thin_manip.c); 0 or less is not a usable limit."""
    if value is None or not 0 < value <= 100:
        return 100.0
    return float(value)


def missing_volumes(layout, facts):
    """(mount point, size) of each volume imgbased will create: ``check_nist_layout``
    creates every path of ``volume_paths()`` that is not a mount point."""
    return tuple((point, size) for point, size in facts.volumes
                 if point != "/var" and layout.mounted(point) is None)


def make_budget(ctx):
    """The :class:`Budget` of *ctx*'s pool, or None without live pool figures."""
    pool, facts = ctx.root_pool, ctx.facts
    size = health._figure(pool, "size")
    percent = health._figure(pool, "data_percent")
    if not size or percent is None:
        return None
    threshold = _threshold(facts.threshold)
    has_profile = bool(_lvm(ctx.layout, pool).get("profile"))
    # set_thinpool_profile runs before check_nist_layout: a pool without a profile gets
    # imgbased-pool (70 %) by the time the volumes are created.
    volume_threshold = threshold if has_profile else IMGBASED_POOL_THRESHOLD
    image = facts.image_size if facts.image_size is not None \
        else health._figure(ctx.root, "used")
    meta = health._figure(pool, "metadata_size")
    return Budget(pool_size=size, used=int(size * percent / 100.0), threshold=threshold,
                  volume_threshold=volume_threshold, image=image,
                  volumes=missing_volumes(ctx.layout, facts),
                  metadata_need=max(0, METADATA_TARGET - meta) if meta is not None else 0,
                  vg_free=health._figure(ctx.root_vg, "free"))


class UpgradeContext(checker.Context):
    """The checker's context plus the upgrade facts and the pool budget."""

    def __init__(self, layout, profile, facts):
        super().__init__(layout, profile)
        self.facts = facts
        self.budget = make_budget(self)

    def pool_lvm(self):
        return lvm_name(self.layout, self.root_pool) if self.root_pool else \
            "%s/%s" % (self.profile.vg_name, self.profile.pool_name)

    def vg_name(self):
        return self.root_vg.name if self.root_vg is not None else self.profile.vg_name


def _grow_pool_hint(ctx, grow):
    """The command that adds *grow* bytes to the pool: from VG free space (what is left after
    the metadata growth imgbased will take) when there is enough, else after a vgextend."""
    budget = ctx.budget
    grow_mib = max(1, int(math.ceil(grow / float(MiB))))
    free = (budget.vg_free or 0) - budget.metadata_need
    command = "lvextend -L +%dm %s" % (grow_mib, ctx.pool_lvm())
    if budget.vg_free is not None and free >= grow:
        return _("Extend the pool by %(grow)s from the free space of %(vg)s: %(cmd)s; or "
                 "remove an old image first: imgbase layout, then imgbase base --remove "
                 "<NVR>.") % {"grow": fs(grow), "vg": ctx.vg_name(), "cmd": command}
    return _("%(vg)s has %(free)s free, not the %(grow)s the pool must grow by: add a disk "
             "(pvcreate /dev/NEWDISK; vgextend %(vg)s /dev/NEWDISK), then %(cmd)s; or remove "
             "an old image first: imgbase layout, then imgbase base --remove <NVR>.") % {
                 "vg": ctx.vg_name(), "free": fs(max(0, free)), "grow": fs(grow),
                 "cmd": command}


# --- rules -----------------------------------------------------------------------------------
@preupgrade_rule("upgrade-var")
def upgrade_var(ctx):
    """osupdater.py preprocess: ``os.path.ismount("/var")`` or SeparateVarPartition."""
    if ctx.layout.mounted("/var") is not None or ctx.root is None:
        return
    size = dict(ctx.facts.volumes).get("/var", DEFAULT_VOLUMES[0][1])
    fstype = ctx.root.format or "xfs"
    vg, lv = ctx.pool_lvm().split("/", 1)[0], "var"
    yield ("/var", None,
           _("/var is not a separate mount: imgbased stops every update with \"It's required "
             "/var as separate mountpoint!\" (SeparateVarPartition)."),
           _("Create /var as a thin LV in the pool and move its files there, from rescue or "
             "single-user mode: lvcreate --thin --virtualsize %(size)s --name %(lv)s %(pool)s "
             "&& mkfs.%(fs)s /dev/%(vg)s/%(lv)s && mount /dev/%(vg)s/%(lv)s /mnt && cp -a "
             "/var/. /mnt/ && umount /mnt && echo '/dev/%(vg)s/%(lv)s /var %(fs)s "
             "defaults,discard 0 0' >> /etc/fstab; then reboot.") % {
                 "size": "%dG" % (size // GiB), "lv": lv, "pool": ctx.pool_lvm(), "vg": vg,
                 "fs": fstype})


def _volume_set_text(facts):
    if facts.volume_set == "default":
        return _("imgbased's default volumes")
    return _("imgbased's minimal volumes (%s)") % facts.volume_set


@preupgrade_rule("upgrade-volumes")
def upgrade_volumes(ctx):
    """osupdater.py check_nist_layout: each missing volume becomes a thin LV of its size."""
    if ctx.root_pool is None:
        return
    for point, size in missing_volumes(ctx.layout, ctx.facts):
        yield (point, ctx.root_pool,
               _("%(point)s is not a separate mount: the update will create it as a thin LV "
                 "of %(size)s in %(pool)s and move its files there (%(set)s).") % {
                   "point": point, "size": fs(size), "pool": ctx.pool_lvm(),
                   "set": _volume_set_text(ctx.facts)},
               _("Nothing to do if the pool has room (see the other findings); to give it "
                 "another size, create and mount it before the update."))


@preupgrade_rule("upgrade-volume-room")
def upgrade_volume_room(ctx):
    budget = ctx.budget
    if budget is None or not budget.volumes:
        return
    total, room = budget.volumes_total, budget.volume_room
    if total <= room:
        return
    grow = budget.pool_growth(total + (budget.image or 0), budget.volume_threshold)
    names = ", ".join("%s (%s)" % (p, fs(s)) for p, s in budget.volumes)
    yield (None, ctx.root_pool,
           _("The update will create %(names)s: %(total)s of thin LVs, but %(pool)s has only "
             "%(room)s left below its autoextend threshold of %(threshold)s %% after the new "
             "image; above it LVM refuses new thin LVs and the volumes would fill the pool.") % {
               "names": names, "total": fs(total), "pool": ctx.pool_lvm(),
               "room": fs(max(0, int(room))), "threshold": "%g" % budget.volume_threshold},
           _grow_pool_hint(ctx, grow) + " " + _(
               "Or keep only /var as imgbased's minimal layout does: touch %(path)s.") % {
                   "path": SKIP_VOLUMES_PATH})


@preupgrade_rule("upgrade-metadata")
def upgrade_metadata(ctx):
    """lvm.py check_metadata_size(resize=True) / _resize_metadata, and LVM's threshold check
    on metadata use."""
    budget, pool = ctx.budget, ctx.root_pool
    if budget is None:
        return
    meta = health._figure(pool, "metadata_size")
    need = budget.metadata_need
    if meta is not None and need > 0 and (budget.vg_free or 0) < need:
        yield (None, pool,
               _("The metadata of %(pool)s is %(meta)s; the update grows it to 1 GiB from the "
                 "free space of %(vg)s, which has %(free)s of the %(need)s needed: imgbased "
                 "skips the resize (\"Not resizing metadata\") and the pool keeps metadata "
                 "that can run out (BZ1432359, BZ1473175).") % {
                   "pool": ctx.pool_lvm(), "meta": fs(meta), "vg": ctx.vg_name(),
                   "free": fs(budget.vg_free or 0), "need": fs(need)},
               _("Free %(need)s in %(vg)s (pvcreate /dev/NEWDISK; vgextend %(vg)s "
                 "/dev/NEWDISK), then grow the metadata now: lvextend --poolmetadatasize "
                 "+%(mib)dm %(pool)s.") % {
                   "need": fs(need - (budget.vg_free or 0)), "vg": ctx.vg_name(),
                   "mib": int(math.ceil(need / float(MiB))), "pool": ctx.pool_lvm()})
    percent = health._figure(pool, "metadata_percent")
    if percent is not None and percent > budget.threshold:
        yield (None, pool,
               _("The metadata of %(pool)s is %(pct).1f %% full, above the autoextend "
                 "threshold of %(threshold)s %%: LVM refuses the update's new thin LVs.") % {
                   "pool": ctx.pool_lvm(), "pct": percent, "threshold": "%g" % budget.threshold},
               _("Grow the metadata: lvextend --poolmetadatasize +%(mib)dm %(pool)s.") % {
                   "mib": max(int(math.ceil((meta or 0) / float(MiB))), 64),
                   "pool": ctx.pool_lvm()})


@preupgrade_rule("upgrade-image-room")
def upgrade_image_room(ctx):
    budget = ctx.budget
    if budget is None:
        if ctx.root_pool is not None:  # a gate does not pass what it cannot see
            yield ("/", ctx.root_pool,
                   _("The size or data use of %(pool)s is unknown (LVM reports no data use "
                     "for an inactive pool): the gate cannot tell whether the update fits.")
                   % {"pool": ctx.pool_lvm()},
                   _("Activate the pool and check again: vgchange -ay %(vg)s; lvs -o "
                     "lv_size,data_percent %(pool)s.") % {"vg": ctx.vg_name(),
                                                          "pool": ctx.pool_lvm()})
        return
    if budget.image is None:
        yield ("/", ctx.root_pool,
               _("The size of the next image is unknown (no figure for the data on /)."),
               _("Run again with --image-size SIZE (the size of the new image's root tree)."))
        return
    if budget.image <= budget.image_room:
        return
    what = _("--image-size") if ctx.facts.image_size is not None else _("the data / holds now")
    yield ("/", ctx.root_pool,
           _("%(pool)s has %(room)s left below its autoextend threshold of %(threshold)s %%, "
             "but the new image needs about %(image)s (%(what)s): LVM refuses the new layer "
             "or the pool fills during the update.") % {
               "pool": ctx.pool_lvm(), "room": fs(max(0, int(budget.image_room))),
               "threshold": "%g" % budget.threshold, "image": fs(budget.image), "what": what},
           _grow_pool_hint(ctx, budget.pool_growth(budget.image, budget.threshold)))


@preupgrade_rule("upgrade-autoextend")
def upgrade_autoextend(ctx):
    """plugins/core.py Health.check_thin has_autoextend (nodectl check): ``lvmconfig
    [--metadataprofile P] --type full activation/thin_pool_autoextend_threshold`` < 100."""
    pool, facts = ctx.root_pool, ctx.facts
    if pool is None:
        return
    profile = _lvm(ctx.layout, pool).get("profile")
    if facts.threshold_error:
        yield (None, pool,
               _("The autoextend threshold of %(pool)s cannot be read (%(error)s): nodectl "
                 "check fails \"Checking thinpool auto-extend\".") % {
                   "pool": ctx.pool_lvm(), "error": facts.threshold_error},
               _("Check the pool's LVM profile: lvs -o lv_profile %(pool)s; lvmconfig "
                 "--metadataprofile %(profile)s --type full %(key)s.") % {
                   "pool": ctx.pool_lvm(), "profile": profile or IMGBASED_POOL_PROFILE,
                   "key": LVM_THRESHOLD_KEY})
        return
    if facts.threshold is None or facts.threshold < 100:
        return
    yield (None, pool,
           _("Thin pool autoextend is off for %(pool)s (%(key)s = %(value)s%(profile)s): "
             "nodectl check fails and a full pool is not extended.") % {
               "pool": ctx.pool_lvm(), "key": LVM_THRESHOLD_KEY,
               "value": "%g" % facts.threshold,
               "profile": _(", profile %s") % profile if profile else ""},
           _("Give the pool imgbased's profile (threshold 70 %%, +20 %%): lvchange "
             "--metadataprofile %(name)s %(pool)s (it is in /etc/lvm/profile/%(name)s.profile),"
             " or set thin_pool_autoextend_threshold = 70 in /etc/lvm/lvm.conf.") % {
               "name": IMGBASED_POOL_PROFILE, "pool": ctx.pool_lvm()})


@preupgrade_rule("upgrade-tags")
def upgrade_tags(ctx):
    """imgbase.py: ``_vg()``/``_thinpool()`` assert exactly one VG tagged imgbased:vg and one
    LV tagged imgbased:pool (lvm.py VG.from_tag/LV.from_tag); the layers are found by their
    imgbased:layer/imgbased:base tags (``list_our_lv_names``)."""
    layout, root, pool = ctx.layout, ctx.root, ctx.root_pool
    if root is None or pool is None or not layout.facts.get("lvm"):
        return
    lvm = layout.facts["lvm"]
    vgs = sorted(vg for vg, tags in layout.facts.get("vg_tags", {}).items() if TAG_VG in tags)
    pools = sorted(name for name, info in lvm.items() if TAG_POOL in info["tags"])
    ours = (TAG_VG, TAG_POOL, TAG_LAYER, TAG_BASE, TAG_INIT)
    if not vgs and not pools and not any(set(ours) & set(i["tags"]) for i in lvm.values()):
        yield (None, ctx.root_vg,
               _("No VG or LV carries imgbased's tags (imgbased:vg, imgbased:pool, "
                 "imgbased:layer): imgbased was never initialised on this host and an update "
                 "cannot find its pool."),
               _("Initialise it: imgbase layout --init (or nodectl init)."))
        return
    vg_name = ctx.vg_name()
    if vgs != [vg_name]:
        others = [v for v in vgs if v != vg_name]
        yield (None, ctx.root_vg,
               _("imgbased needs exactly one VG tagged %(tag)s, the VG of / (%(vg)s); tagged: "
                 "%(tagged)s.") % {"tag": TAG_VG, "vg": vg_name,
                                   "tagged": ", ".join(vgs) or _("none")},
               "; ".join(["vgchange --deltag %s %s" % (TAG_VG, v) for v in others]
                         + (["vgchange --addtag %s %s" % (TAG_VG, vg_name)]
                            if vg_name not in vgs else [])))
    if pools != [pool.name]:
        others = [lvm_name(layout, layout.get(p)) if layout.get(p) else p
                  for p in pools if p != pool.name]
        yield (None, pool,
               _("imgbased needs exactly one thin pool tagged %(tag)s, the pool of / "
                 "(%(pool)s); tagged: %(tagged)s.") % {
                   "tag": TAG_POOL, "pool": ctx.pool_lvm(), "tagged": ", ".join(
                       lvm_name(layout, layout.get(p)) if layout.get(p) else p
                       for p in pools) or _("none")},
               "; ".join(["lvchange --deltag %s %s" % (TAG_POOL, o) for o in others]
                         + (["lvchange --addtag %s %s" % (TAG_POOL, ctx.pool_lvm())]
                            if pool.name not in pools else [])))
    if TAG_LAYER not in _lv_tags(layout, root):
        name = lvm_name(layout, root)
        if _LAYER_NAME_RE.match(name.split("/", 1)[-1]):
            hint = "lvchange --addtag %s %s" % (TAG_LAYER, name)
        else:
            hint = _("/ is not an image layer: boot the current layer (imgbase layer "
                     "--current), or initialise this root: imgbase layout --init.")
        yield ("/", root,
               _("/ is on %(lv)s, which carries no %(tag)s tag: imgbased cannot tell the "
                 "current layer the new one is based on.") % {"lv": name, "tag": TAG_LAYER},
               hint)


@preupgrade_rule("upgrade-boot-space")
def upgrade_boot_space(ctx):
    """bootsetup.py BootSetupHandler._install_kernel: the kernel files of the new layer go to
    ``/boot/<layer>/`` and vmlinuz to ``/boot`` as well."""
    avail, need = ctx.facts.boot_avail, ctx.facts.kernel_set
    if avail is None or ctx.layout.mounted("/boot") is None or avail >= need:
        return
    measured = _("measured on %s") % ctx.facts.kernel_source if ctx.facts.kernel_source \
        else _("an estimate: no kernel of the current layer found")
    yield ("/boot", ctx.layout.mounted("/boot"),
           _("/boot has %(avail)s free, but the new layer's kernel and initramfs take about "
             "%(need)s (%(measured)s).") % {"avail": fs(avail), "need": fs(need),
                                            "measured": measured},
           _("Remove an old image (its kernels go with it): imgbase layout, then imgbase base "
             "--remove <NVR>; or remove kernels no entry boots from /boot."))


# --- running ---------------------------------------------------------------------------------
# The live-host rules that still apply before an update (ONN203 is replaced by ONN208, which
# uses the LVM threshold and --image-size), and the layout rule imgbased enforces itself
# (imgbase.py init_tags_on: a / that is no thin LV raises MissingLvmThinPool).
HEALTH_SLUGS = ("pool-data-usage", "pool-metadata-usage")
LAYOUT_SLUGS = ("root-kind",)


def check(layout, profile, facts=None):
    """The pre-upgrade report of *layout* with *facts* (errors first) and the budget."""
    ctx = UpgradeContext(layout, profile, facts or UpgradeFacts())
    findings = checker.run_rules(ctx, checker.RULES, LAYOUT_SLUGS) \
        + checker.run_rules(ctx, health.HEALTH_RULES, HEALTH_SLUGS) \
        + checker.run_rules(ctx, PREUPGRADE_RULES)
    return checker.make_report(findings, layout.origin), ctx.budget


def summary(facts, budget):
    """The gate's figures as JSON-friendly data (``pre_upgrade`` in ``verify`` JSON)."""
    return {"volume_set": facts.volume_set,
            "volumes": [{"mountpoint": p, "size": s} for p, s in facts.volumes],
            "threshold": facts.threshold, "boot_avail": facts.boot_avail,
            "kernel_set": facts.kernel_set, "kernel_source": facts.kernel_source or None,
            "image_size": facts.image_size,
            "budget": budget.to_dict() if budget is not None else None}


# --- reading the facts -----------------------------------------------------------------------
def boot_args(cmdline):
    """imgbased utils.py get_boot_args: ``key=value`` words of a kernel command line (the
    last one of a key wins; a bare word maps to "")."""
    return dict((word.split("=", 1) + [""])[:2] for word in cmdline.split())


def wants_minimal(cmdline):
    """constants.py volume_paths: ``minimal`` among the comma-separated node_storage values."""
    storage = boot_args(cmdline).get(STORAGE_BOOT_ARG, "")
    return STORAGE_MINIMAL in storage.lower().strip().split(",")


def grub_cmdline(text):
    """GRUB_CMDLINE_LINUX of an ``/etc/default/grub`` (what imgbased copies into each layer's
    boot entry: osupdater.py adjust_mounts_and_boot)."""
    value = ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("GRUB_CMDLINE_LINUX="):
            value = line.split("=", 1)[1].strip().strip("\"'")
    return value


def _under(root, path):
    return os.path.join(root, path.lstrip("/")) if root else path


def volume_list(root, read, cmdline_path="/proc/cmdline"):
    """(volumes, why) as constants.volume_paths() decides them on this host: the
    .skip-volumes file, else node_storage=minimal on the command line (the running kernel's;
    with *root*, that root's /etc/default/grub), else the defaults."""
    from org_ovirt_node.host.reader import HostError
    if os.path.exists(_under(root, SKIP_VOLUMES_PATH)):
        return MINIMUM_VOLUMES, ".skip-volumes"
    try:
        if root and os.path.realpath(root) != "/":
            cmdline = grub_cmdline(_decode(read(_under(root, "/etc/default/grub"))))
        else:
            cmdline = _decode(read(cmdline_path))
    except HostError:
        cmdline = ""  # no grub defaults, no /proc: nothing asks for the minimal set
    if wants_minimal(cmdline[:MAX_CMDLINE]):
        return MINIMUM_VOLUMES, "node_storage=minimal"
    return DEFAULT_VOLUMES, "default"


def _decode(raw):
    return raw.decode("utf-8", "surrogateescape") if isinstance(raw, bytes) else raw


def lvmconfig_argv(profile):
    argv = ["lvmconfig"]
    if profile and _PROFILE_NAME_RE.match(profile):
        argv += ["--metadataprofile", profile]
    return argv + ["--type", "full", LVM_THRESHOLD_KEY]


def parse_threshold(raw):
    """``thin_pool_autoextend_threshold=70`` -> 70.0 (ValueError otherwise)."""
    text = _decode(raw).strip()
    key, _sep, value = text.partition("=")
    if key.strip() != LVM_THRESHOLD_KEY.rsplit("/", 1)[1] or not re.match(
            r"-?[0-9]{1,9}\Z", value.strip()):
        raise ValueError(text)
    return float(value.strip())


def read_threshold(layout, run):
    """(threshold, error) for the pool of /: lvmconfig with the pool's profile, as
    ``nodectl check`` asks it."""
    from org_ovirt_node.host.reader import HostError
    from org_ovirt_node.sanitize import excerpt
    root = layout.mounted("/")
    pool = layout.thin_pool_of(root) if root is not None else None
    if pool is None:
        return None, None
    try:
        return parse_threshold(run(lvmconfig_argv(_lvm(layout, pool).get("profile")))), None
    except HostError as exc:
        return None, str(exc)
    except ValueError as exc:
        return None, _("lvmconfig printed %s") % excerpt(str(exc))


def _files(path):
    """(name, size, is_regular) of the entries of directory *path*, at most
    MAX_BOOT_ENTRIES, without following symlinks; [] when it cannot be read."""
    out = []
    try:
        with os.scandir(path) as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_BOOT_ENTRIES:
                    break
                info = entry.stat(follow_symlinks=False)
                out.append((entry.name, info.st_size, stat.S_ISREG(info.st_mode)))
    except OSError:
        return []
    return out


def kernel_set_size(boot, layer):
    """(bytes, where) one more layer's kernel files take in /boot *boot*: the files of the
    current layer's ``/boot/<layer>/`` plus its vmlinuz again (copied to /boot too) plus the
    largest kdump initramfs in /boot (kdump builds one per kernel; osupdater.py remove_boot
    removes it with the layer). (DEFAULT_KERNEL_SET, "") when there is nothing to measure."""
    top = [(n, s) for n, s, regular in _files(boot) if regular]
    kdump = max((s for n, s in top if n.startswith("initramfs-") and "kdump" in n), default=0)
    if layer and "/" not in layer and layer not in (".", ".."):
        files = [(n, s) for n, s, regular in _files(os.path.join(boot, layer)) if regular]
        if files:
            vmlinuz = sum(s for n, s in files if n.startswith("vmlinuz"))
            return sum(s for _, s in files) + vmlinuz + kdump, "/boot/" + layer
    vmlinuz = max((s for n, s in top if n.startswith("vmlinuz-") and "rescue" not in n),
                  default=0)
    initrd = max((s for n, s in top if n.startswith("initramfs-") and "kdump" not in n
                  and "rescue" not in n), default=0)
    if vmlinuz and initrd:
        return 2 * vmlinuz + initrd + kdump, "/boot"
    return DEFAULT_KERNEL_SET, ""


def read_upgrade_facts(layout, root=None, run=None, read=None, image_size=None,
                       cmdline_path="/proc/cmdline") -> UpgradeFacts:
    """The facts of this host (or of the installed *root*) besides its layout. *run* and
    *read* default to the host adapter's bounded :func:`run_tool` and :func:`read_file`."""
    from org_ovirt_node.host import reader as host
    run = run or host.run_tool
    read = read or host.read_file
    volumes, why = volume_list(root, read, cmdline_path)
    threshold, error = read_threshold(layout, run)
    root_dev = layout.mounted("/")
    layer = _lvm(layout, root_dev).get("lv") if root_dev is not None else None
    kernel_set, source = kernel_set_size(_under(root, "/boot"), layer)
    return UpgradeFacts(volumes=volumes, volume_set=why, threshold=threshold,
                        threshold_error=error, image_size=image_size,
                        boot_avail=layout.facts.get("fs_avail", {}).get("/boot"),
                        kernel_set=kernel_set, kernel_source=source)

