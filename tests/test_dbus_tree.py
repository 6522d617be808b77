# SPDX-License-Identifier: GPL-2.0-or-later
"""Anaconda's DeviceTree data (name-based rhel-9/rhel-10, ID-based main) -> Layout, checked
against the blivet adapter on the same real blivet tree."""
import pytest
import service_helpers as H
from blivet_helpers import anaconda_thinp_autopart, blivet_with_disks
from dasbus.typing import get_variant

from org_ovirt_node import layout as L
from org_ovirt_node.checker import check
from org_ovirt_node.installer.dbus_reader import (
    DeviceTreeError,
    layout_from_device_tree,
    mount_options,
)
from org_ovirt_node.planning.blivet_reader import layout_from_blivet
from org_ovirt_node.profile import load_profile

GiB = 1024 ** 3


class FakeDeviceTree:
    """The four DeviceTree calls the adapter makes, served from records; counts calls."""

    def __init__(self, records, variants=False):
        self.records = records
        self.variants = variants
        self.calls = []

    def _wrap(self, data):
        if not self.variants:
            return data
        return H._variant_dict(data)

    def GetDevices(self):  # noqa: N802
        return list(self.records)

    def GetDeviceData(self, key):  # noqa: N802
        self.calls.append(("GetDeviceData", key))
        return self._wrap(self.records[key][0])

    def GetFormatData(self, key):  # noqa: N802
        self.calls.append(("GetFormatData", key))
        return self._wrap(self.records[key][1])

    def GetDeviceMountOptions(self, key):  # noqa: N802
        self.calls.append(("GetDeviceMountOptions", key))
        return self.records[key][2]


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    b, disks = blivet_with_disks(str(tmp_path_factory.mktemp("t")), [100 * GiB, 50 * GiB])
    return anaconda_thinp_autopart(b, disks, mountopts="defaults,discard")


def _codes(report):
    return sorted({f.code for f in report.findings})


def _shape(layout):
    return {d.name: (d.kind, d.size, d.parents, d.format, d.mountpoint, d.mount_options)
            for d in layout}


@pytest.mark.parametrize("id_based", [False, True], ids=["names", "ids"])
@pytest.mark.parametrize("variants", [False, True], ids=["plain", "variants"])
def test_same_layout_as_blivet_adapter(tree, id_based, variants):
    proxy = FakeDeviceTree(H.records_from_blivet(tree, id_based), variants)
    got = layout_from_device_tree(proxy)
    want = layout_from_blivet(tree)
    assert _shape(got) == _shape(want)
    assert got.mounted("/").kind == L.THINLV
    assert got.thin_pool_of(got.mounted("/")).name == "onn-pool00"


def test_vg_free_is_estimated_never_below_the_real_free(tree):
    got = layout_from_device_tree(FakeDeviceTree(H.records_from_blivet(tree)))
    real = layout_from_blivet(tree)["onn"].free
    estimate = got["onn"].free
    assert real <= estimate <= real + 2 * GiB


def test_compliant_tree_passes_the_checker_like_blivet(tree):
    profile = load_profile("ovirt-node")
    got = check(layout_from_device_tree(FakeDeviceTree(H.records_from_blivet(tree, True))),
                profile)
    want = check(layout_from_blivet(tree), profile)
    assert got.errors == () and want.errors == ()
    # D-Bus carries no pool metadata size: ONN014 says it was not checked (test_facts.py).
    assert _codes(got) == sorted(set(_codes(want)) | {"ONN014"})


def test_mount_options_fetched_only_for_mounted_formats(tree):
    proxy = FakeDeviceTree(H.records_from_blivet(tree))
    layout = layout_from_device_tree(proxy)
    asked = {k for c, k in proxy.calls if c == "GetDeviceMountOptions"}
    assert asked == {d.name for d in layout if d.mountpoint}


def test_mount_options_text():
    assert mount_options("defaults") == ()
    assert mount_options("defaults, discard,noatime") == ("discard", "noatime")
    assert mount_options("") == ()


def test_unknown_types_and_missing_fields():
    records = {
        "X-1": ({"name": "weird0", "type": "nvdimm namespace", "size": get_variant("t", 5),
                 "parents": []}, {}, ""),
        "X-2": ({"type": "lvmlv"}, {"type": "xfs", "mountable": True,
                                    "attrs": {"mount-point": "/srv"}}, "defaults"),
    }
    layout = layout_from_device_tree(FakeDeviceTree(records))
    assert layout["weird0"].kind == L.OTHER and layout["weird0"].size == 5
    assert layout["X-2"].kind == L.LV and layout["X-2"].size is None
    assert layout.mounted("/srv").name == "X-2"


# --- hostile and unusual device data (issue 9) ----------------------------------------------
def _dev(dtype, name, size=GiB, parents=(), fmt="", mount=None, **extra):
    """One record in the D-Bus shape (ID = name unless ``device-id`` is given)."""
    data = {"type": dtype, "name": name, "size": size, "parents": list(parents),
            "is-disk": dtype == "disk"}
    data.update(extra)
    fdata = {"type": fmt, "mountable": mount is not None,
             "attrs": {"mount-point": mount} if mount else {}}
    return data.get("device-id", name), (data, fdata, "defaults" if mount else "")


def _records(*devs):
    return dict(_dev(*d) if isinstance(d, tuple) else d for d in devs)


def test_btrfs_volumes_sharing_a_label_keep_apart_by_device_id(tree):
    """Fedora main: two old btrfs volumes labelled alike (and their subvolumes, named alike)
    are told apart by their device IDs, not collapsed into one name."""
    records = H.old_btrfs_twins(H.records_from_blivet(tree, True))
    layout = layout_from_device_tree(FakeDeviceTree(records))
    btrfs = [d for d in layout if d.kind == L.BTRFS]
    assert len(btrfs) == 4 and len({d.name for d in btrfs}) == 4
    for uuid in ("0b5e6f1c-0000-4000-8000-000000000001", "0b5e6f1c-0000-4000-8000-000000000002"):
        volume = next(d for d in btrfs if uuid in d.name and "root" not in d.name)
        subvolume = next(d for d in btrfs if uuid in d.name and "root" in d.name)
        assert volume.name.startswith("data") and subvolume.name.startswith("root")
        assert subvolume.parents == (volume.name,)
        assert [p.name for p in layout.parents_of(volume)] == ["sdz%s" % uuid[-1]]
    # Everything else is as before, and the checker judges it alike.
    profile = load_profile("ovirt-node")
    plain = layout_from_device_tree(FakeDeviceTree(H.records_from_blivet(tree, True)))
    assert _codes(check(layout, profile)) == _codes(check(plain, profile))


def test_a_name_taken_twice_on_rhel9_is_one_device():
    """Name-keyed trees cannot repeat a name; a key listed twice is read once."""
    records = _records(("disk", "sda", 10 * GiB))
    proxy = FakeDeviceTree(records)
    proxy.GetDevices = lambda: ["sda", "sda"]
    assert [d.name for d in layout_from_device_tree(proxy)] == ["sda"]


def test_cycles_and_dangling_parents_give_findings_in_bounded_work():
    records = _records(
        ("disk", "sda", 10 * GiB),
        ("lvmvg", "onn", 9 * GiB, ["onn-pool00"]),                 # VG <-> pool cycle
        ("lvmthinpool", "onn-pool00", 8 * GiB, ["onn"]),
        ("lvmthinlv", "onn-root", 6 * GiB, ["onn-pool00"], "xfs", "/"),
        ("lvmlv", "loop", GiB, ["loop"], "xfs", "/var"),             # its own parent
        ("partition", "sdb1", GiB, ["sdb", "gone"], "xfs", "/boot"),  # parents never listed
    )
    layout = layout_from_device_tree(FakeDeviceTree(records))
    assert layout["loop"].parents == ("loop",)
    assert layout["sdb1"].parents == ("sdb", "gone")
    report = check(layout, load_profile("ovirt-node"))
    assert "ONN004" in _codes(report)           # /var is a thick LV
    assert any(f.mountpoint == "/var/log" for f in report.findings)     # and missing mounts


@pytest.mark.parametrize("key,field,value,words", [
    ("onn-root", "size", "6 GiB", "size"),
    ("onn-root", "size", -1, "size"),
    ("onn-root", "size", 2 ** 64, "size"),
    ("onn-root", "size", 1.5, "size"),
    ("onn-root", "size", True, "size"),
    ("onn-root", "parents", "onn-pool00", "parents"),
    ("onn-root", "parents", [1], "parents"),
    ("onn-root", "type", 5, "type"),
    ("onn-root", "name", ["root"], "name"),
    ("onn-root", "name", "\ud800", "name"),
    ("onn-root", "name", "x" * 5000, "name"),
    ("onn-root", "is-disk", "yes", "is-disk"),
    ("onn-root", "format:attrs", ["/"], "attrs"),
    ("onn-root", "format:attrs", {"mount-point": 5}, "mount-point"),
    ("onn-root", "format:type", None, "type"),
    ("onn-root", "format:mountable", "yes", "mountable"),
    ("onn-root", "options", 5, "mount options"),
    ("onn-root", "data", None, "device data"),
    ("onn-root", "format", [], "format data"),
])
def test_malformed_device_data_is_a_clean_error_naming_device_and_field(key, field, value,
                                                                          words):
    records = {k: (dict(d), dict(f), o) for k, (d, f, o) in H.synthetic_records(8).items()}
    data, fdata, options = records[key]
    if field == "data":
        data = value
    elif field == "format":
        fdata = value
    elif field == "options":
        options = value
    elif field.startswith("format:"):
        fdata[field[7:]] = value
    else:
        data[field] = value
    records[key] = (data, fdata, options)
    with pytest.raises(DeviceTreeError) as err:
        layout_from_device_tree(FakeDeviceTree(records))
    message = str(err.value)
    assert "onn-root" in message and words in message
    assert len(message) < 400 and message.isprintable()


def test_device_keys_must_be_text():
    proxy = FakeDeviceTree(_records(("disk", "sda")))
    proxy.GetDevices = lambda: ["sda", 7]
    with pytest.raises(DeviceTreeError, match="device list"):
        layout_from_device_tree(proxy)


def test_device_count_is_bounded(monkeypatch):
    import org_ovirt_node.installer.dbus_reader as T
    monkeypatch.setattr(T, "MAX_DEVICES", 50)
    proxy = FakeDeviceTree(H.synthetic_records(51))
    with pytest.raises(DeviceTreeError, match="51"):
        layout_from_device_tree(proxy)
    assert proxy.calls == []                       # refused before a single per-device call
    assert len(layout_from_device_tree(FakeDeviceTree(H.synthetic_records(50)))) == 50


def test_control_characters_in_names_are_escaped():
    """A btrfs label becomes the volume's name: it must not carry terminal escapes into
    messages."""
    records = _records(("disk", "sda", 10 * GiB),
                       ("btrfs volume", "\x1b[2Jdata\n", GiB, ["sda"], "btrfs\r", "/srv"))
    layout = layout_from_device_tree(FakeDeviceTree(records))
    volume = next(d for d in layout if d.kind == L.BTRFS)
    assert volume.name == "\\x1b[2Jdata\\n" and volume.format == "btrfs\\r"
    assert all(d.name.isprintable() for d in layout)


def test_mount_options_are_read_only_where_the_profile_asks_for_them(tree):
    records = H.records_from_blivet(tree)
    proxy = FakeDeviceTree(records)
    layout = layout_from_device_tree(proxy, options_for={"/var", "/nowhere"})
    asked = [key for method, key in proxy.calls if method == "GetDeviceMountOptions"]
    assert asked == ["onn-var"]
    assert layout["onn-var"].mount_options == ("discard",)
    assert layout["onn-root"].mount_options == ()
    everything = layout_from_device_tree(FakeDeviceTree(records))
    assert everything["onn-root"].mount_options == ("discard",)


class Batched:
    """A call_many with ``call_batches``, as the service's pipeline offers it."""

    def __init__(self):
        self.batches = []

    def __call__(self, proxy, method, keys):
        return [getattr(proxy, method)(key) for key in keys]

    def call_batches(self, proxy, batches):
        self.batches.append([method for method, _keys in batches])
        return [self(proxy, method, keys) for method, keys in batches]


@pytest.mark.parametrize("id_based", [False, True])
def test_batched_reading_gives_the_same_layout(tree, id_based):
    records = H.records_from_blivet(tree, id_based)
    batched = Batched()
    layout = layout_from_device_tree(FakeDeviceTree(records), call_many=batched)
    assert batched.batches == [["GetDeviceData", "GetFormatData"]]
    assert _shape(layout) == _shape(layout_from_device_tree(FakeDeviceTree(records)))
