# SPDX-License-Identifier: GPL-2.0-or-later
"""Anaconda's Storage ``DeviceTree`` (D-Bus) -> :class:`~org_ovirt_node.layout.Layout`.

Pure: takes any object with ``GetDevices()``, ``GetDeviceData(key)``, ``GetFormatData(key)``
and ``GetDeviceMountOptions(key)`` (a dasbus proxy of
``/org/fedoraproject/Anaconda/Modules/Storage/DeviceTree`` or a test double); imports neither
``pyanaconda`` nor blivet.

Keys: rhel-9 and rhel-10 name devices by name; Fedora main (since 41.28) by device ID, and
its device data carries ``device-id`` next to ``name``. Either way the layout uses device
names, so parents given as IDs are mapped back to names. Names are not unique on main (two
old btrfs volumes with one label, and their subvolumes, share a name: that is what device
IDs are for), so a name that several devices carry is told apart by the device ID.

Everything read is checked before it is used: a field of the wrong type, a size outside
D-Bus' ``UInt64``, text that is not short Unicode, or more devices than :data:`MAX_DEVICES`
raise :class:`DeviceTreeError` naming the device and the field. Missing fields take
defaults (unknown size, no parents); unknown device types become ``other``; parents that
are not listed, and even cycles, are kept as they are (every walk over a layout is
cycle-safe), so the checker judges what it can. Work is linear in the size of the data.

Limits of what D-Bus tells: no VG free space and no thin-pool metadata size. A VG's free
space is estimated as its size minus the sizes of the LVs and pools in it, which overstates
it by the pool metadata and the pmspare LV (a few hundred MiB at most): a compliant layout is
never reported short of its reserve, a marginal one may pass that one rule. The rules that
need the metadata size (ONN014) report that they were not checked (``Layout.source``).
"""
from collections import namedtuple

from org_ovirt_node import layout as L
from org_ovirt_node.i18n import N_, _
from org_ovirt_node.layout import kind_from_blivet_type
from org_ovirt_node.sanitize import MAX_SCALAR, excerpt

__all__ = ["DeviceTreeError", "DeviceRecord", "read_tree", "layout_from_records",
           "layout_from_device_tree", "layout_and_keys", "mount_options", "MAX_DEVICES",
           "UINT64_MAX"]

MAX_DEVICES = 100_000
"""More devices than any installer sees (thousands of multipath LUNs with partitions)."""
MAX_PARENT_LINKS = 10 * MAX_DEVICES
"""Parent references in the whole tree (a VG of many PVs, an MD array of many members)."""
UINT64_MAX = 2 ** 64 - 1

# Format types that are not meaningful as a "format" of the layout model.
_FORMAT_NAMES = {"": None, "disklabel": None}
_MISSING = object()

DeviceRecord = namedtuple("DeviceRecord", "key name type is_disk size parents format "
                                          "mountable mountpoint options")
DeviceRecord.__doc__ = """One device as read and checked: ``key`` is what the DeviceTree
calls it (name or ID), ``format`` the format type ("" for none), ``options`` the mount
options text ("" unless mounted)."""


class DeviceTreeError(ValueError):
    """Data from Anaconda's DeviceTree that cannot describe a layout; the (translated)
    message names the device and the field and says what was expected."""


_PLAIN_TYPES = frozenset((str, int, bool, list, tuple, dict, type(None)))


def _plain(value):
    """A D-Bus value as plain Python (a proxy may hand out GLib.Variant values)."""
    if type(value) in _PLAIN_TYPES:
        return value
    unpack = getattr(value, "unpack", None)
    return unpack() if callable(unpack) else value


def _shown(value):
    """*value* for a message: a short sanitised excerpt and its type."""
    return "%s (%s)" % (excerpt(value), type(value).__name__)


# What is read, for messages (translated only when one is raised: reading is the hot path).
DEVICE_DATA = N_("the device data")
FORMAT_DATA = N_("the format data")
MOUNT_OPTIONS = N_("the mount options")


def _wrong(key, what, field, value, expected):
    return DeviceTreeError(
        _("Anaconda's device tree: %(what)s of device %(device)s: %(field)s is %(value)s, "
          "expected %(expected)s.")
        % {"what": _(what), "device": excerpt(key), "field": field, "value": _shown(value),
           "expected": expected})


def _is_text(value):
    """Short text D-Bus can carry (valid Unicode, no NUL): what names and paths must be."""
    if not isinstance(value, str) or len(value) > MAX_SCALAR or "\0" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:      # lone surrogates
        return False
    return True


def printable(text):
    """*text* with control and other non-printable characters escaped (``\\x1b``): names,
    mount points and format names end up in messages, and a btrfs label (which blivet
    uses as the volume's name) may hold anything."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _expected_text():
    return _("text of at most %(max)d characters") % {"max": MAX_SCALAR}


class _Fields:
    """Typed reads of one structure (``a{sv}`` as a dict, or anything with ``get``) of one
    device; a missing field gives the default, a wrong one a :class:`DeviceTreeError`."""

    def __init__(self, key, structure, what):
        structure = _plain(structure)
        if not callable(getattr(structure, "get", None)):
            raise DeviceTreeError(
                _("Anaconda's device tree: %(what)s of device %(device)s is %(value)s, "
                  "expected a structure.")
                % {"what": _(what), "device": excerpt(key), "value": _shown(structure)})
        self.key, self.structure, self.what = key, structure, what

    def _get(self, field):
        return _plain(self.structure.get(field, _MISSING))

    def wrong(self, field, value, expected):
        return _wrong(self.key, self.what, field, value, expected)

    def text(self, field, default=""):
        value = self._get(field)
        if value is _MISSING:
            return default
        if not _is_text(value):
            raise self.wrong(field, value, _expected_text())
        return value

    def boolean(self, field):
        value = self._get(field)
        if value is _MISSING:
            return False
        if not isinstance(value, bool):
            raise self.wrong(field, value, _("true or false"))
        return value

    def size(self, field):
        value = self._get(field)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int) \
                or not 0 <= value <= UINT64_MAX:
            raise self.wrong(field, value, _("a size in bytes from 0 to 2^64-1"))
        return value

    def text_list(self, field):
        value = self._get(field)
        if value is _MISSING:
            return ()
        if not isinstance(value, (list, tuple)) or len(value) > MAX_DEVICES \
                or not all(_is_text(v) for v in value):
            raise self.wrong(field, value, _("a list of device names or IDs"))
        return tuple(dict.fromkeys(value))      # each parent once, in order

    def mapping(self, field):
        value = self._get(field)
        if value is _MISSING:
            return {}
        if not isinstance(value, dict):
            raise self.wrong(field, value, _("a dictionary of text"))
        return value


def _device_keys(keys):
    """``GetDevices()``: a list of text, each key once, at most :data:`MAX_DEVICES`."""
    keys = _plain(keys)
    if not isinstance(keys, (list, tuple)):
        raise DeviceTreeError(_("Anaconda's device tree: the device list is %(value)s, "
                                "expected a list of device names or IDs.")
                              % {"value": _shown(keys)})
    if len(keys) > MAX_DEVICES:
        raise DeviceTreeError(_("Anaconda's device tree lists %(count)d devices; at most "
                                "%(max)d are supported.")
                              % {"count": len(keys), "max": MAX_DEVICES})
    for key in keys:
        if not _is_text(key):
            raise DeviceTreeError(_("Anaconda's device tree: the device list holds "
                                    "%(value)s, expected %(expected)s.")
                                  % {"value": _shown(key), "expected": _expected_text()})
    return list(dict.fromkeys(keys))


def _read_device(key, data, fmt):
    """A :class:`DeviceRecord` (without options) from ``GetDeviceData``/``GetFormatData``."""
    data = _Fields(key, data, DEVICE_DATA)
    fmt = _Fields(key, fmt, FORMAT_DATA)
    attrs = fmt.mapping("attrs")
    mountpoint = _plain(attrs.get("mount-point", ""))
    if not _is_text(mountpoint):
        raise fmt.wrong("attrs[mount-point]", mountpoint, _expected_text())
    return DeviceRecord(
        key=key, name=printable(data.text("name") or key), type=data.text("type"),
        is_disk=data.boolean("is-disk"), size=data.size("size"),
        parents=data.text_list("parents"), format=printable(fmt.text("type")),
        mountable=fmt.boolean("mountable"), mountpoint=printable(mountpoint) or None,
        options="")


def device_kind(record):
    """The layout kind of one :class:`DeviceRecord`."""
    return kind_from_blivet_type(record.type, record.is_disk)


def mount_options(text):
    """``GetDeviceMountOptions`` text as a tuple, without the no-op ``defaults``."""
    return tuple(o.strip() for o in (text or "").split(",")
                 if o.strip() and o.strip() != "defaults")


def call_each(proxy, method, keys):
    """The default way to make many calls: one after the other."""
    func = getattr(proxy, method)
    return [func(key) for key in keys]


def read_tree(proxy, call_many=call_each, options_for=None):
    """Fetch and check what the layout needs: a list of :class:`DeviceRecord`.

    *call_many(proxy, method, keys)* returns the results of ``method(key)`` for each key in
    order; the service passes one that pipelines the calls and, with its ``call_batches``,
    sends the device and format calls together (two round trips in all). Mount options are
    read for the mounted devices, or only for those mounted at one of *options_for* (a set
    of mount points: the profile's that ask for options, all the checker and the repair
    read; the other devices get none). Raises :class:`DeviceTreeError` for data that
    cannot describe a layout."""
    keys = _device_keys(proxy.GetDevices())
    batches = getattr(call_many, "call_batches", None)
    if batches is not None:
        datas, fmts = batches(proxy, [("GetDeviceData", keys), ("GetFormatData", keys)])
    else:
        datas = call_many(proxy, "GetDeviceData", keys)
        fmts = call_many(proxy, "GetFormatData", keys)
    read = [_read_device(key, data, fmt) for key, data, fmt in zip(keys, datas, fmts)]
    links = sum(len(r.parents) for r in read)
    if links > MAX_PARENT_LINKS:
        raise DeviceTreeError(_("Anaconda's device tree links its devices to %(count)d "
                                "parents; at most %(max)d are supported.")
                              % {"count": links, "max": MAX_PARENT_LINKS})
    mounted = [r.key for r in read if r.mountable and r.mountpoint
               and (options_for is None or r.mountpoint in options_for)]
    texts = dict(zip(mounted, call_many(proxy, "GetDeviceMountOptions", mounted)))
    records = []
    for record in read:
        options = _plain(texts.get(record.key, ""))
        if not _is_text(options):
            raise _wrong(record.key, MOUNT_OPTIONS, _("the value"), options,
                         _expected_text())
        records.append(record._replace(options=options))
    return records


def unique_names(records):
    """``{key: layout name}``: the device's name, or ``name (key)`` for a name that several
    devices carry (device IDs exist for exactly that); never two alike."""
    count = {}
    for record in records:
        count[record.name] = count.get(record.name, 0) + 1
    taken = {name for name, n in count.items() if n == 1}
    names = {}
    for record in records:
        name = record.name
        if count[name] > 1:
            base = name if record.key == name else "%s (%s)" % (name, printable(record.key))
            name, number = base, 1
            while name in taken:
                number += 1
                name = "%s #%d" % (base, number)
            taken.add(name)
        names[record.key] = name
    return names


def layout_from_records(records, origin="anaconda"):
    """Build the layout from :func:`read_tree` records (name- or ID-keyed)."""
    return _layout(records, unique_names(records), origin)


def _layout(records, names, origin):
    devices = []
    for record in records:
        fmt_type = _FORMAT_NAMES.get(record.format, record.format)
        devices.append(dict(
            name=names[record.key], kind=device_kind(record), size=record.size,
            parents=tuple(names.get(p, p) for p in record.parents),
            format=fmt_type, mountpoint=record.mountpoint,
            mount_options=mount_options(record.options)))
    _estimate_vg_free(devices)
    return L.Layout(tuple(L.Device(**d) for d in devices), origin=origin, source=L.SOURCE_DBUS)


def _estimate_vg_free(devices):
    """VG free = VG size - LVs and pools directly in it (see the module doc)."""
    used = {}
    for dev in devices:
        if dev["kind"] in (L.LV, L.THINPOOL):
            for parent in dev["parents"]:
                used[parent] = used.get(parent, 0) + (dev["size"] or 0)
    for dev in devices:
        if dev["kind"] == L.VG and dev["size"] is not None:
            dev["free"] = max(0, dev["size"] - used.get(dev["name"], 0))


def layout_from_device_tree(proxy, origin="anaconda", call_many=call_each, options_for=None):
    """The layout the DeviceTree behind *proxy* describes (planned after partitioning);
    :class:`DeviceTreeError` if its data cannot describe one. *options_for*: see
    :func:`read_tree`."""
    return layout_from_records(read_tree(proxy, call_many, options_for), origin=origin)


def layout_and_keys(proxy, origin="anaconda", call_many=call_each, options_for=None):
    """``(layout, keys)``: the layout as :func:`layout_from_device_tree` reads it, and
    ``{layout name: key}``, the key being what the DeviceTree calls the device (its name on
    rhel-9/rhel-10, its ID on main): what a request to change it must name."""
    records = read_tree(proxy, call_many, options_for)
    names = unique_names(records)
    return _layout(records, names, origin), {name: key for key, name in names.items()}
