# SPDX-License-Identifier: GPL-2.0-or-later
"""Adapters: each turns one kind of input into the neutral :class:`~org_ovirt_node.layout.Layout`.

- :mod:`.blivet_tree`: a ``blivet.Blivet`` / device tree (planner, installer, tests)
- :mod:`.kickstart`: pykickstart partitioning commands (the linter; never imports blivet)
- :mod:`.dbus_tree`: Anaconda's Storage ``DeviceTree`` D-Bus API (the addon service)
- :mod:`.host`: a live system's ``lsblk``/``lvs``/``findmnt`` output (``verify``)
"""

from org_ovirt_node import layout as L

# blivet's ``Device.type`` names, which Anaconda's D-Bus ``GetDeviceData`` passes on as they are.
_BLIVET_KINDS = {
    "disk": L.DISK, "partition": L.PARTITION, "lvmvg": L.VG, "lvmlv": L.LV,
    "lvmthinpool": L.THINPOOL, "lvmthinlv": L.THINLV, "lvmthinsnapshot": L.THINLV,
    "luks/dm-crypt": L.LUKS, "integrity/dm-crypt": L.LUKS, "mdarray": L.MDRAID,
    "btrfs volume": L.BTRFS, "btrfs subvolume": L.BTRFS, "btrfs snapshot": L.BTRFS,
}


def kind_from_blivet_type(type_name, is_disk=False):
    """The layout kind for a blivet device type name (``is_disk`` covers disk-like types such
    as ``nvme``, ``dasd`` or an image file, which blivet flags rather than names alike)."""
    if is_disk:
        return L.DISK
    if type_name in _BLIVET_KINDS:
        return _BLIVET_KINDS[type_name]
    if type_name.startswith("md"):
        return L.MDRAID
    if type_name.startswith("lvm"):
        return L.LV
    return L.OTHER
