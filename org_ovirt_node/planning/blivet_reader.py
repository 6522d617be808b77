# SPDX-License-Identifier: GPL-2.0-or-later
"""blivet device tree -> :class:`~org_ovirt_node.layout.Layout`.

Walks ``devices`` rather than ``Blivet.mountpoints``, which drops entries (duplicate mount
points collapse, and filesystems the running kernel cannot mount disappear).
"""
from org_ovirt_node import layout as L
from org_ovirt_node.layout import kind_from_blivet_type

_FORMAT_NAMES = {"disklabel": None}


def device_kind(device):
    """The layout kind of a blivet device."""
    return kind_from_blivet_type(device.type, getattr(device, "is_disk", False))


def mount_options(fmt):
    """Mount options of a format as a tuple, without the no-op ``defaults``."""
    options = getattr(fmt, "options", None) or getattr(fmt, "mountopts", None) or ""
    return tuple(o.strip() for o in options.split(",") if o.strip() and o.strip() != "defaults")


def _int(size):
    return None if size is None else int(size)


def device_record(device):
    """One :class:`~org_ovirt_node.layout.Device` for a blivet device."""
    kind = device_kind(device)
    fmt = device.format
    fmt_type = _FORMAT_NAMES.get(fmt.type, fmt.type) if fmt is not None else None
    extra = {}
    if kind == L.VG:
        # blivet's free_space already subtracts the VG's reserve (which includes the pmspare
        # LV that LVM really allocates): what is unallocated is free + reserve - pmspare.
        extra["free"] = int(device.free_space + device.reserved_space
                            - getattr(device, "pmspare_size", 0))
        extra["extent_size"] = _int(device.pe_size)
    elif kind == L.THINPOOL:
        extra["metadata_size"] = _int(getattr(device, "metadata_size", None))
    return L.Device(
        name=device.name,
        kind=kind,
        size=_int(device.size),
        parents=tuple(p.name for p in device.parents),
        format=fmt_type,
        mountpoint=getattr(fmt, "mountpoint", None) or None,
        mount_options=mount_options(fmt) if getattr(fmt, "mountable", False) else (),
        grow=bool(getattr(device, "req_grow", False)),
        **extra,
    )


def layout_from_blivet(blivet, origin="blivet"):
    """Build a layout from a ``Blivet`` (or a ``DeviceTree``): every device, internal LVs
    (thin pool data/metadata) left out."""
    tree = getattr(blivet, "devicetree", blivet)
    records = [device_record(d) for d in tree.devices
               if not getattr(d, "is_internal_lv", False)]
    return L.Layout(tuple(records), origin=origin, source=L.SOURCE_BLIVET)
