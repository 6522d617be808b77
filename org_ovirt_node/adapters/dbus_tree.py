"""Anaconda's Storage ``DeviceTree`` (D-Bus) -> :class:`~org_ovirt_node.layout.Layout`.

Pure: takes any object with ``GetDevices()``, ``GetDeviceData(key)``, ``GetFormatData(key)``
and ``GetDeviceMountOptions(key)`` (a dasbus proxy of
``/org/fedoraproject/Anaconda/Modules/Storage/DeviceTree`` or a test double); imports neither
``pyanaconda`` nor blivet.

Keys: rhel-9 and rhel-10 name devices by name; Fedora main (since 41.28) by device ID, and
its device data carries ``device-id`` next to ``name``. Either way the layout uses device
names, so parents given as IDs are mapped back to names.

Limits of what D-Bus tells: no VG free space and no thin-pool metadata size. A VG's free
space is estimated as its size minus the sizes of the LVs and pools in it, which overstates
it by the pool metadata and the pmspare LV (a few hundred MiB at most): a compliant layout is
never reported short of its reserve, a marginal one may pass that one rule.
"""
from org_ovirt_node import layout as L
from org_ovirt_node.adapters import kind_from_blivet_type

# Format types that are not meaningful as a "format" of the layout model.
_FORMAT_NAMES = {"": None, "disklabel": None}


def _plain(value):
    """A D-Bus value as plain Python (a proxy may hand out GLib.Variant values)."""
    unpack = getattr(value, "unpack", None)
    return unpack() if callable(unpack) else value


def _field(structure, key, default=None):
    value = structure.get(key, default)
    return default if value is None else _plain(value)


def device_kind(data):
    """The layout kind of one ``GetDeviceData`` structure."""
    return kind_from_blivet_type(_field(data, "type", ""), _field(data, "is-disk", False))


def mount_options(text):
    """``GetDeviceMountOptions`` text as a tuple, without the no-op ``defaults``."""
    return tuple(o.strip() for o in (text or "").split(",")
                 if o.strip() and o.strip() != "defaults")


def call_each(proxy, method, keys):
    """The default way to make many calls: one after the other."""
    func = getattr(proxy, method)
    return [func(key) for key in keys]


def read_tree(proxy, call_many=call_each):
    """Fetch what the layout needs: ``[(key, device data, format data, options text)]``
    (structures are dicts or anything with a dict-like ``get``).

    *call_many(proxy, method, keys)* returns the results of ``method(key)`` for each key in
    order; the service passes one that pipelines the calls (three round trips in all)."""
    keys = list(proxy.GetDevices())
    datas = [_plain(d) for d in call_many(proxy, "GetDeviceData", keys)]
    fmts = [_plain(f) for f in call_many(proxy, "GetFormatData", keys)]
    mounted = [key for key, fmt in zip(keys, fmts)
               if _field(fmt, "mountable", False)
               and (_field(fmt, "attrs", {}) or {}).get("mount-point")]
    options = dict(zip(mounted, call_many(proxy, "GetDeviceMountOptions", mounted)))
    return [(key, data, fmt, options.get(key, ""))
            for key, data, fmt in zip(keys, datas, fmts)]


def layout_from_records(records, origin="anaconda"):
    """Build the layout from :func:`read_tree` records (name- or ID-keyed)."""
    names = {}
    for key, data, _fmt, _opts in records:
        names[key] = _field(data, "name", "") or key
    devices = []
    sizes = {}
    for key, data, fmt, options in records:
        name = names[key]
        kind = device_kind(data)
        size = _field(data, "size")
        sizes[name] = None if size is None else int(size)
        fmt_type = _field(fmt, "type", "") or ""
        fmt_type = _FORMAT_NAMES.get(fmt_type, fmt_type)
        attrs = _field(fmt, "attrs", {}) or {}
        devices.append(dict(
            name=name, kind=kind, size=sizes[name],
            parents=tuple(names.get(p, p) for p in _field(data, "parents", []) or []),
            format=fmt_type, mountpoint=attrs.get("mount-point") or None,
            mount_options=mount_options(options)))
    _estimate_vg_free(devices, sizes)
    return L.Layout(tuple(L.Device(**d) for d in devices), origin=origin)


def _estimate_vg_free(devices, sizes):
    """VG free = VG size - LVs and pools directly in it (see the module doc)."""
    used = {}
    for dev in devices:
        if dev["kind"] in (L.LV, L.THINPOOL):
            for parent in dev["parents"]:
                used[parent] = used.get(parent, 0) + (dev["size"] or 0)
    for dev in devices:
        if dev["kind"] == L.VG and dev["size"] is not None:
            dev["free"] = max(0, dev["size"] - used.get(dev["name"], 0))


def layout_from_device_tree(proxy, origin="anaconda", call_many=call_each):
    """The layout the DeviceTree behind *proxy* describes (planned after partitioning)."""
    return layout_from_records(read_tree(proxy, call_many), origin=origin)
