"""Anaconda's DeviceTree data (name-based rhel-9/rhel-10, ID-based main) -> Layout, checked
against the blivet adapter on the same real blivet tree."""
import pytest
import service_helpers as H
from blivet_helpers import anaconda_thinp_autopart, blivet_with_disks
from dasbus.typing import get_variant

from org_ovirt_node import layout as L
from org_ovirt_node.adapters.dbus_tree import layout_from_device_tree, mount_options
from org_ovirt_node.checker import check
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


def _shape(layout):
    return {d.name: (d.kind, d.size, d.parents, d.format, d.mountpoint, d.mount_options)
            for d in layout}


@pytest.mark.parametrize("id_based", [False, True], ids=["names", "ids"])
@pytest.mark.parametrize("variants", [False, True], ids=["plain", "variants"])
def test_same_layout_as_blivet_adapter(tree, id_based, variants):
    proxy = FakeDeviceTree(H.records_from_blivet(tree, id_based), variants)
    got = layout_from_device_tree(proxy)
    want = L.Layout.from_blivet(tree)
    assert _shape(got) == _shape(want)
    assert got.mounted("/").kind == L.THINLV
    assert got.thin_pool_of(got.mounted("/")).name == "onn-pool00"


def test_vg_free_is_estimated_never_below_the_real_free(tree):
    got = layout_from_device_tree(FakeDeviceTree(H.records_from_blivet(tree)))
    real = L.Layout.from_blivet(tree)["onn"].free
    estimate = got["onn"].free
    assert real <= estimate <= real + 2 * GiB


def test_compliant_tree_passes_the_checker_like_blivet(tree):
    profile = load_profile("ovirt-node")
    got = check(layout_from_device_tree(FakeDeviceTree(H.records_from_blivet(tree, True))),
                profile)
    want = check(L.Layout.from_blivet(tree), profile)
    assert got.errors == () and want.errors == ()
    assert got.codes() == want.codes()


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
