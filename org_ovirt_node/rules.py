# SPDX-License-Identifier: GPL-2.0-or-later
"""The catalog of finding codes: stable code, slug and default severity of every rule.

Profiles refer to rules by slug or code (``rules: {mount-options: error}``), so the catalog
lives apart from the checker that implements the layout rules: the profile loader and the
kickstart linter need it without importing rule code. Codes never change meaning; new rules
get new codes. Ranges: ONN0xx layout rules, ONN1xx kickstart linter, ONN2xx live-host health.
"""
from collections import OrderedDict
from typing import NamedTuple

from org_ovirt_node.i18n import N_

ERROR = "error"
WARNING = "warning"
INFO = "info"
OFF = "off"
SEVERITIES = (ERROR, WARNING, INFO, OFF)

# Words shared by profiles, the %addon section, the installer service and its spokes,
# defined once here (this module is the one every side already imports, with no
# dependencies of its own).
DEFAULT_PROFILE = "ovirt-node"
MODE_ENFORCE, MODE_WARN, MODE_OFF = "enforce", "warn", "off"    # the addon's --mode
MODES = (MODE_ENFORCE, MODE_WARN, MODE_OFF)
DEFAULT_MODE = MODE_ENFORCE
SWAP_REQUIRED, SWAP_RECOMMENDED, SWAP_NONE = "required", "recommended", "none"
SWAP_POLICIES = (SWAP_REQUIRED, SWAP_RECOMMENDED, SWAP_NONE)    # a profile's swap.policy


class RuleInfo(NamedTuple):
    code: str
    slug: str
    severity: str      # default; a profile's ``rules:`` map overrides it
    summary: str       # N_-marked, translate on display


CATALOG = OrderedDict()


def _add(code, slug, severity, summary):
    CATALOG[slug] = RuleInfo(code, slug, severity, summary)


_add("ONN001", "root-kind", ERROR, N_("/ is on the device kind the profile requires"))
_add("ONN002", "required-mount", ERROR, N_("every required mount point is a separate mount"))
_add("ONN003", "same-pool", ERROR, N_("every thin mount is in the thin pool of /"))
_add("ONN004", "device-kind", ERROR, N_("each mount is on the device kind the profile says"))
_add("ONN005", "min-size", ERROR, N_("each mount is at least its minimum size"))
_add("ONN006", "filesystem", ERROR, N_("each mount uses an allowed filesystem"))
_add("ONN007", "forbidden-mount", ERROR, N_("mount points that must not be separate are not"))
_add("ONN008", "pool-overcommit", ERROR, N_("the thin LVs fit in the pool of /"))
_add("ONN009", "vg-reserve", WARNING,
     N_("the volume group of / keeps the profile's reserve free"))
_add("ONN010", "disk-size", ERROR, N_("the disks of the layout reach the minimum total"))
_add("ONN011", "mount-options", WARNING, N_("mounts carry the mount options the profile needs"))
_add("ONN012", "swap", WARNING, N_("swap is present as the profile's swap policy says"))
_add("ONN013", "optional-mount", WARNING, N_("optional mount points are separate mounts"))
_add("ONN014", "pool-metadata", WARNING,
     N_("the pool's metadata can grow to the profile's minimum"))
_add("ONN015", "duplicate-mount", ERROR, N_("each mount point is used once"))
_add("ONN016", "created-mount", WARNING,
     N_("mounts imgbased would create at the first update are separate mounts already"))
_add("ONN017", "recommended-size", WARNING, N_("each mount is at least its recommended size"))
_add("ONN018", "vg-no-reserve", ERROR,
     N_("the volume group of a growing thin pool keeps room for its metadata to grow"))

# Kickstart linter (ONN1xx).
_add("ONN101", "ks-autopart", INFO, N_("automatic thin partitioning is checked at install time"))
_add("ONN102", "ks-autopart-type", ERROR, N_("automatic partitioning uses the thin scheme"))
_add("ONN103", "ks-dynamic", WARNING,
     N_("partitioning produced at install time cannot be judged statically"))
_add("ONN104", "ks-no-partitioning", INFO,
     N_("without partitioning commands the installer default applies"))
_add("ONN105", "ks-inconsistent", ERROR, N_("partitioning commands refer to each other correctly"))
_add("ONN106", "ks-addon", ERROR, N_("the org_ovirt_node addon section of the kickstart is valid"))
_add("ONN107", "ks-syntax", ERROR, N_("the kickstart file parses"))

# Live hosts (ONN2xx).
_add("ONN201", "pool-data-usage", WARNING, N_("pool data use is below the health limit"))
_add("ONN202", "pool-metadata-usage", WARNING, N_("pool metadata use is below the health limit"))
_add("ONN203", "update-room", WARNING, N_("the pool has room for one more image"))
# The pre-upgrade gate (`verify --pre-upgrade`): what imgbased checks or does at an update.
_add("ONN204", "upgrade-var", ERROR, N_("/var is a separate mount (imgbased refuses otherwise)"))
_add("ONN205", "upgrade-volumes", INFO, N_("the volumes imgbased will create at the update"))
_add("ONN206", "upgrade-volume-room", ERROR,
     N_("the thin pool has room for the volumes imgbased will create"))
_add("ONN207", "upgrade-metadata", ERROR,
     N_("the pool metadata can grow to the 1 GiB imgbased sets at an update"))
_add("ONN208", "upgrade-image-room", ERROR, N_("the thin pool has room for one more image"))
_add("ONN209", "upgrade-autoextend", WARNING,
     N_("the pool's autoextend threshold is below 100 % (nodectl check)"))
_add("ONN210", "upgrade-tags", ERROR, N_("imgbased's tags on the VG, the pool and the layer of /"))
_add("ONN211", "upgrade-boot-space", ERROR,
     N_("/boot has room for the kernel and initramfs of one more layer"))

BY_CODE = {info.code: info for info in CATALOG.values()}


def register(slug, table, needs=()):
    """A decorator that registers a rule function under *slug* (which must be in the
    catalog) in *table* (slug -> function), with the facts (:class:`~org_ovirt_node.layout.
    Fact`) it *needs* as its ``needs`` attribute. The layout rules use
    :func:`org_ovirt_node.checker.rule`; other rule tables (the kickstart linter's, the
    live-host ones) this or that, without importing the checker at start-up."""
    assert slug in CATALOG, slug

    def decorate(func):
        func.needs = tuple(needs)
        table[slug] = func
        return func
    return decorate


def lookup(key):
    """The :class:`RuleInfo` for a slug or a code, or ``None``."""
    return CATALOG.get(key) or BY_CODE.get(key)


def names():
    """Every name :func:`lookup` knows: the slugs, then the codes (for ``did you mean``)."""
    return tuple(CATALOG) + tuple(BY_CODE)
