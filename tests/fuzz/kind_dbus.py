# SPDX-License-Identifier: GPL-2.0-or-later
"""Fuzz kind ``dbus``: hostile device-tree data in the shape Anaconda's Storage ``DeviceTree``
returns (``GetDevices``, ``GetDeviceData``, ``GetFormatData``, ``GetDeviceMountOptions``), fed
in-process through :mod:`org_ovirt_node.installer.dbus_reader` (a fake proxy, no bus), the
checker, and the conversion of the findings into the ``ValidateLayout`` reply.

Each input is a real-looking tree (disks, /boot, PVs, a VG, a thin pool and thin LVs, swap,
sometimes LUKS, MD and old btrfs volumes; keyed by name as on rhel-9/10 or by device ID as on
Fedora main) with a few mutations: missing keys, wrong types, sizes out of range, cycles and
dangling parents, duplicate names, labels and keys, unknown types, odd mount points and
options, unicode (control and bidi characters, lone surrogates, NUL), thousands of devices.
The structures travel as plain dicts, as dicts of ``GLib.Variant`` (a dasbus proxy) or as the
service's own ``LazyStructure`` over an ``a{sv}`` variant (its pipelined reads).

Expected clean rejection: :class:`~org_ovirt_node.installer.dbus_reader.DeviceTreeError` (and
the fake proxy's own error for a device it does not know, as Anaconda answers then).
Invariants: a layout that is built has unique, printable names, sizes that fit a ``UInt64``,
and findings that D-Bus can carry. ``GetActions`` is not generated: the adapter never asks.
"""
import random

KIND = "dbus"
DEFAULT_COUNT = 100_000
SLICE_COUNT = 200

GiB = 1024 ** 3
UINT64_MAX = 2 ** 64 - 1

TYPES = ("disk", "partition", "lvmvg", "lvmlv", "lvmthinpool", "lvmthinlv", "luks/dm-crypt",
         "mdarray", "btrfs volume", "btrfs subvolume", "lvmthinsnapshot", "nvdimm namespace",
         "dm-multipath", "iscsi", "", "md", "lvm", "zfs?")
FORMATS = ("xfs", "ext4", "swap", "lvmpv", "luks", "mdmember", "btrfs", "disklabel", "",
           "efi", "biosboot", "vfat", "ntfs", "crypto_LUKS", "x" * 300)
MOUNTS = ("/", "/boot", "/var", "/var/log", "/var/log/audit", "/var/tmp", "/var/crash",
          "/home", "/tmp", "/boot/efi", "/srv", "/var/", "//", "var", "", " /var", "/var\n",
          "/../etc", "/\u202evar", "/" + "a" * 5000, "/usr")
TEXTS = ("", " ", "a" * 4097, "a" * 4096, "\x00", "a\x00b", "\ud800", "\udcff", "\x1b[2J",
         "\u202e", "\u0301", "\U0001f4a9", "onn-root", "sda", "../../etc/passwd", "\n",
         "%addon", "name (key)", "BTRFS-x", "\ufeff", "data", "root", "\\x1b")
WRONG = (None, 0, -1, 1.5, True, False, b"bytes", [], {}, ["a"], [1], {"a": 1}, "x",
         2 ** 64, -(2 ** 63), 10 ** 30, (), object, [[]], {"mount-point": 5})
SIZES = (0, 1, -1, -(2 ** 63), UINT64_MAX, 2 ** 64, 2 ** 63, 10 ** 30, 10 ** 5000, 512,
         GiB, 10 ** 19)

_PROFILES = {}


class UnknownDeviceError(Exception):
    """What the fake proxy raises for a key it does not serve (Anaconda answers a D-Bus
    error then; the adapter passes it on, the service turns it into LayoutCheckError)."""


# --- real-looking trees ------------------------------------------------------------------------
def _tree(rng):
    """``[(key, device data, format data, options)]`` of a plausible planned layout."""
    id_based = rng.random() < 0.5
    devs = []                          # (type, name, size, parents (names), fmt, mount, id)

    def add(dtype, name, size, parents, fmt="", mount=None, dev_id=None):
        devs.append((dtype, name, size, list(parents), fmt, mount, dev_id))

    disks = ["sd%s" % "abcd"[i] for i in range(rng.randint(1, 4))]
    for disk in disks:
        add("disk", disk, rng.choice((20, 64, 500, 4096)) * GiB, [], "disklabel")
    first = disks[0]
    add("partition", first + "1", GiB, [first], rng.choice(("xfs", "ext4")), "/boot")
    pvs = []
    for disk in disks:
        pv = disk + "2" if disk == first else disk + "1"
        pvs.append(pv)
        if rng.random() < 0.15:        # encrypted PV
            add("partition", pv, 50 * GiB, [disk], "luks")
            add("luks/dm-crypt", "luks-" + pv, 50 * GiB, [pv], "lvmpv", dev_id="LUKS-luks-" + pv)
            pvs[-1] = "luks-" + pv
        else:
            add("partition", pv, 50 * GiB, [disk], "lvmpv")
    if len(pvs) > 1 and rng.random() < 0.2:
        add("mdarray", "md127", 50 * GiB, pvs[:2], "lvmpv", dev_id="MDRAID-md127")
        pvs = ["md127"] + pvs[2:]
    vg = rng.choice(("onn", "rhel", "onn_host"))
    add("lvmvg", vg, 49 * GiB * len(pvs), pvs, "", dev_id="LVM-" + vg)
    pool = vg + "-pool00"
    add("lvmthinpool", pool, 40 * GiB, [vg], "", dev_id="LVM-" + pool)
    mounts = ["/", "/var", "/var/log", "/var/log/audit", "/var/tmp", "/var/crash", "/home",
              "/tmp"]
    for mount in mounts[:rng.randint(1, len(mounts))]:
        name = "%s-%s" % (vg, "root" if mount == "/" else mount.strip("/").replace("/", "_"))
        add("lvmthinlv", name, rng.choice((1, 2, 5, 6, 10, 15)) * GiB, [pool],
            rng.choice(("xfs", "xfs", "ext4")), mount, dev_id="LVM-" + name)
    if rng.random() < 0.7:
        add("lvmlv", vg + "-swap", 4 * GiB, [vg], "swap", dev_id="LVM-%s-swap" % vg)
    if rng.random() < 0.3:             # old btrfs volumes that share a label
        label = rng.choice(("data", "fedora", "root"))
        for i in range(rng.randint(1, 3)):
            uuid = "%08x-0000-4000-8000-%012x" % (rng.getrandbits(32), i)
            part = "%s%d" % (disks[-1], 5 + i)
            add("partition", part, 5 * GiB, [disks[-1]], "btrfs")
            add("btrfs volume", label, 5 * GiB, [part], "btrfs", dev_id="BTRFS-" + uuid)
            add("btrfs subvolume", "root", 5 * GiB, ["BTRFS-" + uuid], "btrfs",
                dev_id="BTRFS-%s-root" % uuid)
    # Keys: names, or device IDs (disks and partitions keep their names on main).
    key_of = {}
    for _t, name, _s, _p, _f, _m, dev_id in devs:
        key_of.setdefault(name, dev_id if id_based and dev_id else name)
    records = []
    for dtype, name, size, parents, fmt, mount, dev_id in devs:
        key = dev_id if id_based and dev_id else name
        data = {"type": dtype, "name": name, "path": "/dev/" + name, "size": size,
                "parents": [p if p.startswith("BTRFS-") else key_of.get(p, p)
                            for p in parents],
                "children": [], "is-disk": dtype == "disk", "protected": False,
                "removable": False, "attrs": {}, "description": ""}
        if id_based:
            data["device-id"] = key
        fdata = {"type": fmt, "mountable": fmt in ("xfs", "ext4", "btrfs", "vfat"),
                 "attrs": {"mount-point": mount} if mount else {}, "description": ""}
        records.append([key, data, fdata, "defaults,discard" if mount else ""])
    return records, id_based


# --- mutations ---------------------------------------------------------------------------------
DEVICE_FIELDS = ("type", "name", "size", "parents", "is-disk", "device-id")
FORMAT_FIELDS = ("type", "mountable", "attrs")


def _pick(rng, records):
    """A record whose device and format data are still dicts (an earlier mutation may have
    replaced one with something else): those are given new dicts."""
    rec = rng.choice(records)
    for index in (1, 2):
        if not isinstance(rec[index], dict):
            rec[index] = {}
    return rec


def _structure(rng, case):
    """(a structure, its field names): device or format data of some device."""
    rec = _pick(rng, case["records"])
    which = rng.randrange(2) + 1
    return rec[which], DEVICE_FIELDS if which == 1 else FORMAT_FIELDS


def m_drop_field(rng, case):
    structure, fields = _structure(rng, case)
    structure.pop(rng.choice(fields), None)


def m_wrong_type(rng, case):
    structure, fields = _structure(rng, case)
    structure[rng.choice(fields)] = rng.choice(WRONG)


def m_size(rng, case):
    rec = _pick(rng, case["records"])
    rec[1]["size"] = rng.choice(SIZES)


def m_cycle(rng, case):
    a, b = _pick(rng, case["records"]), _pick(rng, case["records"])
    parents = a[1].get("parents")
    a[1]["parents"] = (parents if isinstance(parents, list) else []) + [b[0]]
    b[1]["parents"] = [a[0]]


def m_self_parent(rng, case):
    rec = _pick(rng, case["records"])
    rec[1]["parents"] = [rec[0], rec[0]]


def m_dangling(rng, case):
    rec = _pick(rng, case["records"])
    rec[1]["parents"] = [rng.choice(TEXTS), "gone-%d" % rng.randrange(100)]


def m_many_parents(rng, case):
    rec = _pick(rng, case["records"])
    keys = [r[0] for r in case["records"]]
    rec[1]["parents"] = [rng.choice(keys) for _ in range(rng.randint(50, 2000))]


def m_duplicate_name(rng, case):
    a, b = _pick(rng, case["records"]), _pick(rng, case["records"])
    a[1]["name"] = b[1].get("name", b[0])


def m_duplicate_key(rng, case):
    rec = _pick(rng, case["records"])
    case["extra_keys"].append(rec[0])


def m_key_is_other_name(rng, case):
    """A device named like another device's ID (and so on): names and keys collide."""
    a, b = _pick(rng, case["records"]), _pick(rng, case["records"])
    a[1]["name"] = "%s (%s)" % (b[1].get("name"), b[0]) if rng.random() < 0.5 else b[0]


def m_unknown_type(rng, case):
    _pick(rng, case["records"])[1]["type"] = rng.choice(TYPES + TEXTS)


def m_unicode(rng, case):
    rec = _pick(rng, case["records"])
    text = "".join(rng.choice(TEXTS) for _ in range(rng.randint(1, 3)))
    target = rng.choice(("name", "type", "format", "mount", "options", "parent"))
    if target == "name":
        rec[1]["name"] = text
    elif target == "type":
        rec[1]["type"] = text
    elif target == "format":
        rec[2]["type"] = text
    elif target == "mount":
        rec[2]["attrs"] = {"mount-point": text}
        rec[2]["mountable"] = True
    elif target == "options":
        rec[3] = text
    else:
        rec[1]["parents"] = [text]


def m_mount(rng, case):
    rec = _pick(rng, case["records"])
    rec[2]["attrs"] = {"mount-point": rng.choice(MOUNTS), "label": rng.choice(TEXTS)}
    rec[2]["mountable"] = rng.random() < 0.8
    rec[3] = rng.choice(("defaults", "", ",,,", "discard," * 500, "defaults,\x1b", 5))


def m_not_a_structure(rng, case):
    rec = _pick(rng, case["records"])
    rec[rng.randrange(2) + 1] = rng.choice((None, [], "a{sv}", 5, ("type", "disk")))


def m_device_list(rng, case):
    case["device_list"] = rng.choice((None, "sda", 5, {"sda": 1}, [5], [None], ["\ud800"]))


def m_unknown_key(rng, case):
    case["extra_keys"].append("not-served-%d" % rng.randrange(10))


def m_thousands(rng, case):
    """A few thousand thin LVs in the pool (bounded work: linear in the devices)."""
    pool = next((r for r in case["records"]
                 if isinstance(r[1], dict) and r[1].get("type") == "lvmthinpool"), None)
    if pool is None:
        return
    for i in range(rng.randint(1000, 3000)):
        name = "onn-data%d" % i
        case["records"].append([name, {"type": "lvmthinlv", "name": name, "size": GiB,
                                       "parents": [pool[0]], "is-disk": False},
                                {"type": "xfs", "mountable": True,
                                 "attrs": {"mount-point": "/srv/d%d" % i}}, "discard"])


MUTATIONS = (m_drop_field, m_wrong_type, m_size, m_cycle, m_self_parent, m_dangling,
             m_many_parents, m_duplicate_name, m_duplicate_key, m_key_is_other_name,
             m_unknown_type, m_unicode, m_mount, m_not_a_structure, m_device_list,
             m_unknown_key, m_thousands)
WEIGHTS = (8, 8, 6, 5, 3, 4, 1, 6, 3, 3, 4, 8, 6, 2, 1, 1, 0.3)


def generate(rng):
    records, id_based = _tree(rng)
    case = {"records": records, "extra_keys": [], "device_list": None, "id_based": id_based,
            "transport": rng.choice(("plain", "plain", "plain", "variants", "lazy")),
            "profile": rng.choice(("ovirt-node", "ovirt-node", "ovirt-node-minimal")),
            "mutations": []}
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
        mutation = rng.choices(MUTATIONS, WEIGHTS)[0]
        mutation(rng, case)
        case["mutations"].append(mutation.__name__[2:])
    return case


def describe(case):
    return "%d devices (%s keys, %s), profile %s, mutations: %s" % (
        len(case["records"]), "ID" if case["id_based"] else "name", case["transport"],
        case["profile"], ", ".join(case["mutations"]) or "none")


# --- the transport: what a dasbus proxy or the service's pipeline hands the adapter -------------
def _variant(value):
    """*value* as the GLib.Variant Anaconda would send, or ``None`` if D-Bus cannot carry it
    (built with GLib's constructors: PyGObject's ``GLib.Variant(format, value)`` parses the
    format in Python and would dominate the time of an input)."""
    from gi.repository import GLib
    V = GLib.Variant  # noqa: N806
    try:
        if isinstance(value, bool):
            return V.new_boolean(value)
        if isinstance(value, int):
            if 0 <= value <= UINT64_MAX:
                return V.new_uint64(value)
            return V.new_int64(value) if -(2 ** 63) <= value < 2 ** 63 else None
        if isinstance(value, float):
            return V.new_double(value)
        if isinstance(value, str):
            return V.new_string(value) if "\0" not in value else None
        if isinstance(value, list) and all(isinstance(v, str) and "\0" not in v
                                           for v in value):
            return V.new_strv(value)
        if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str)
                                           and "\0" not in k + v for k, v in value.items()):
            return V.new_array(GLib.VariantType.new("{ss}"), [
                V.new_dict_entry(V.new_string(k), V.new_string(v)) for k, v in value.items()])
    except (OverflowError, TypeError, ValueError, UnicodeError):
        return None
    return None


# Fields the adapter reads: only these are turned into variants (each costs microseconds).
CARRIED = frozenset(DEVICE_FIELDS + FORMAT_FIELDS)


def _carry(structure, transport):
    """*structure* as the transport would deliver it; the plain dict when D-Bus could not
    carry it (the adapter must cope with any of the three)."""
    if transport == "plain" or not isinstance(structure, dict):
        return structure
    variants = {}
    for key, value in structure.items():
        if key not in CARRIED:
            continue
        variant = _variant(value)
        if variant is None:
            return structure
        variants[key] = variant
    if transport == "variants":
        return variants
    from gi.repository import GLib

    from org_ovirt_node.service.pipeline import LazyStructure
    V = GLib.Variant  # noqa: N806
    return LazyStructure(V.new_array(GLib.VariantType.new("{sv}"), [
        V.new_dict_entry(V.new_string(k), V.new_variant(v)) for k, v in variants.items()]))


class FakeDeviceTree:
    """The four DeviceTree calls, served from a case."""

    def __init__(self, case):
        # Variants for a few thousand devices would only time the test's own GLib calls.
        transport = case["transport"] if len(case["records"]) <= 200 else "plain"
        self.keys = case["device_list"]
        if self.keys is None:
            self.keys = [r[0] for r in case["records"]] + case["extra_keys"]
        self.served = {}
        for key, data, fdata, options in case["records"]:
            self.served.setdefault(key, (_carry(data, transport), _carry(fdata, transport),
                                         options))

    def _get(self, key, index):
        try:
            return self.served[key][index]
        except (KeyError, TypeError):
            raise UnknownDeviceError(key) from None

    def GetDevices(self):  # noqa: N802 - D-Bus names
        return self.keys

    def GetDeviceData(self, key):  # noqa: N802
        return self._get(key, 0)

    def GetFormatData(self, key):  # noqa: N802
        return self._get(key, 1)

    def GetDeviceMountOptions(self, key):  # noqa: N802
        return self._get(key, 2)


def _profile(name):
    if name not in _PROFILES:
        from org_ovirt_node.profile import load_profile
        _PROFILES[name] = load_profile(name)
    return _PROFILES[name]


def run(case):
    from org_ovirt_node import layout as L
    from org_ovirt_node.checker import check
    from org_ovirt_node.installer.dbus_reader import DeviceTreeError, layout_from_device_tree
    from org_ovirt_node.service.structures import FindingData
    try:
        layout = layout_from_device_tree(FakeDeviceTree(case))
    except (DeviceTreeError, UnknownDeviceError):
        return
    names = [d.name for d in layout]
    assert len(set(names)) == len(names), "duplicate names"
    for dev in layout:
        assert isinstance(dev.name, str) and dev.name.isprintable(), dev.name
        assert dev.kind in L.DEVICE_KINDS
        assert dev.size is None or 0 <= dev.size <= UINT64_MAX, dev.size
        assert all(isinstance(p, str) for p in dev.parents)
        assert dev.mountpoint is None or dev.mountpoint.isprintable()
    report = check(layout, _profile(case["profile"]))
    # What ValidateLayout sends back must be something D-Bus carries.
    FindingData.to_structure_list([FindingData.from_finding(f) for f in report.findings])


if __name__ == "__main__":      # a quick local loop: python tests/fuzz/kind_dbus.py [count]
    import sys
    import time
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    start = time.perf_counter()
    for index in range(count):
        run(generate(random.Random("0:dbus:%d" % index)))
    elapsed = time.perf_counter() - start
    print("%d inputs, %.2f ms each" % (count, 1000 * elapsed / count))
