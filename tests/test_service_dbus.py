# SPDX-License-Identifier: GPL-2.0-or-later
"""The addon service end to end on a private dbus-daemon: the service runs as Anaconda starts
it (``python -m org_ovirt_node.service``, pyanaconda contract double on its path), a peer
publishes the Storage DeviceTree serving real blivet layouts (name- and ID-based), and the
test drives the addon's D-Bus API and its configure task in each mode."""
import shutil

import pytest
import service_helpers as H
from blivet.size import Size
from blivet_helpers import compliant_tree
from dasbus.typing import get_native

H.use_double()

from pyanaconda.core.dbus import error_mapper  # noqa: E402 - the double, after use_double()
from pyanaconda.modules.common.errors.installation import (  # noqa: E402
    StorageInstallationError,
)

from org_ovirt_node.design import request_size  # noqa: E402
from org_ovirt_node.profile import load_profile  # noqa: E402

pytestmark = [pytest.mark.dbus,
              pytest.mark.skipif(not shutil.which("dbus-daemon"), reason="needs dbus-daemon")]

SERVICE, PATH = H.ADDON_SERVICE, H.ADDON_PATH
GiB = 1024 ** 3


def _compliant(tmpdir):
    return compliant_tree(str(tmpdir))


def _root_thick(tmpdir):
    """Autopart, then / replaced by an ordinary (thick) LV in the VG."""
    b = _compliant(tmpdir)
    root = b.devicetree.get_device_by_name("onn-root")
    vg = b.devicetree.get_device_by_name("onn")
    b.destroy_device(root)
    vg.thpool_reserve = None    # let the thick LV take (part of) the pool's growth reserve
    thick = b.new_lv(name="root", parents=[vg], size=Size("6 GiB"), fmt_type="xfs",
                     mountpoint="/")
    b.create_device(thick)
    return b


def _var_missing(tmpdir):
    """Autopart without its /var LV."""
    b = _compliant(tmpdir)
    b.destroy_device(b.devicetree.get_device_by_name("onn-var"))
    return b


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    """name -> (name-based records, ID-based records)."""
    out = {}
    for name, build in (("compliant", _compliant), ("root-thick", _root_thick),
                        ("var-missing", _var_missing)):
        b = build(tmp_path_factory.mktemp(name))
        out[name] = (H.records_from_blivet(b, False), H.records_from_blivet(b, True))
    return out


@pytest.fixture(scope="module")
def env(layouts):
    """(client bus, addon proxy, storage peer) on a private bus; service in a subprocess."""
    from dasbus.connection import AddressedMessageBus
    bus = H.PrivateBus()
    peer = H.StoragePeer(bus.address, layouts["compliant"][0])
    service = H.start_service(bus.address)
    client = AddressedMessageBus(bus.address, error_mapper=error_mapper)
    try:
        H.wait_for_name(client, SERVICE)
        yield client, client.get_proxy(SERVICE, PATH), peer
    finally:
        try:
            client.get_proxy(SERVICE, PATH).Quit()
        except Exception:  # noqa: BLE001 - the process is stopped below anyway
            pass
        service.terminate()
        service.wait(10)
        client.disconnect()
        peer.stop()
        bus.stop()


@pytest.fixture
def addon(env):
    """The addon proxy, reset to the default profile in enforce mode."""
    client, proxy, peer = env
    proxy.SetProfile("ovirt-node")
    proxy.SetMode("enforce")
    return proxy


def _errors(findings):
    return {(f["code"], f["mount-point"]) for f in findings if f["severity"] == "error"}


def test_service_is_published_with_its_kickstart_addon(env, addon):
    client, proxy, peer = env
    assert proxy.KickstartAddons == ["org_ovirt_node"]
    assert proxy.Profile == "ovirt-node"
    assert proxy.Mode == "enforce"


@pytest.mark.parametrize("id_based", [False, True], ids=["names", "ids"])
def test_compliant_layout_has_no_errors(env, addon, layouts, id_based):
    client, proxy, peer = env
    peer.serve(layouts["compliant"][id_based])
    findings = get_native(proxy.ValidateLayout())
    assert _errors(findings) == set()
    # Anaconda's autopart sets no "discard": the profile's mount-options rule warns; the
    # D-Bus tree has no pool metadata size, so ONN014 says it was not checked.
    assert {f["code"] for f in findings} == {"ONN011", "ONN014"}
    unchecked = [f for f in findings if f["code"] == "ONN014"]
    assert [f["severity"] for f in unchecked] == ["info"]
    assert "not checked" in unchecked[0]["message"].lower()
    assert all(set(f) >= {"code", "severity", "mount-point", "message", "hint"}
               for f in findings)


@pytest.mark.parametrize("id_based", [False, True], ids=["names", "ids"])
@pytest.mark.parametrize("layout,expected", [
    ("root-thick", ("ONN001", "/")),
    ("var-missing", ("ONN002", "/var")),
])
def test_broken_layout_findings_read_back(env, addon, layouts, id_based, layout, expected):
    client, proxy, peer = env
    peer.serve(layouts[layout][id_based])
    findings = get_native(proxy.ValidateLayout())
    assert expected in _errors(findings)
    finding = next(f for f in findings if (f["code"], f["mount-point"]) == expected)
    assert finding["message"] and finding["hint"]


def _configure(env, mode):
    client, proxy, peer = env
    proxy.SetMode(mode)
    paths = proxy.ConfigureWithTasks()
    assert len(paths) == 1
    return H.run_task(client, SERVICE, paths[0])


def test_enforce_fails_the_install_listing_every_error_with_its_fix(env, addon, layouts):
    client, proxy, peer = env
    peer.serve(layouts["root-thick"][0])
    expected = _errors(get_native(proxy.ValidateLayout()))
    with pytest.raises(StorageInstallationError) as err:
        _configure(env, "enforce")
    text = str(err.value)
    assert "ovirt-node" in text
    for code, mount in expected:
        assert "%s %s" % (code, mount) in text
    assert text.count("Fix: ") >= len(expected)


def test_enforce_passes_a_compliant_layout(env, addon, layouts):
    client, proxy, peer = env
    peer.serve(layouts["compliant"][1])
    task = _configure(env, "enforce")
    assert task.Name == "Validate the oVirt Node storage layout"


@pytest.mark.parametrize("mode", ["warn", "off"])
def test_warn_and_off_let_a_broken_layout_through(env, addon, layouts, mode):
    client, proxy, peer = env
    peer.serve(layouts["var-missing"][0])
    assert _errors(get_native(proxy.ValidateLayout()))      # it is broken ...
    _configure(env, mode)                       # ... and the task does not fail


def test_kickstart_round_trip_over_dbus(env, addon):
    client, proxy, peer = env
    ks = ("%addon org_ovirt_node --profile=ovirt-node --mode=warn\n"
          "mount /var min=8GiB default=8GiB\n%end\n")
    report = get_native(proxy.ReadKickstart(ks))
    assert report["error-messages"] == []
    assert proxy.Mode == "warn" and proxy.Kickstarted
    generated = proxy.GenerateKickstart()
    assert "%addon org_ovirt_node --profile=ovirt-node --mode=warn" in generated
    assert "mount /var min=8GiB default=8GiB" in generated
    # The override is in effect: the plan sizes /var from it.
    plan = {p["mount-point"]: p for p in get_native(proxy.GetPlan(["sda"]))}
    assert plan["/var"]["device-size"] == 8 * GiB


def test_bad_profile_is_a_kickstart_error_with_its_line(env, addon):
    client, proxy, peer = env
    ks = "# comment\n%addon org_ovirt_node --profile=no-such\n%end\n"
    report = get_native(proxy.ReadKickstart(ks))
    assert len(report["error-messages"]) == 1
    message = report["error-messages"][0]
    assert message["line-number"] == 2
    assert "no-such" in message["message"]


def test_plan_over_dbus_follows_the_profile(env, addon):
    client, proxy, peer = env
    profile = load_profile("ovirt-node")
    plan = get_native(proxy.GetPlan(["sda", "sdb"]))
    mounts = {p["mount-point"]: p for p in plan if p["mount-point"]}
    assert set(mounts) == {m for m, r in profile.mounts.items()
                           if getattr(r, "planned", r.required)}
    for point, entry in mounts.items():
        rule = profile.mounts[point]
        assert entry["device-size"] == request_size(rule)
        assert entry["disks"] == ["sda", "sdb"]
        assert entry["grow"] == rule.grow
    assert mounts["/boot"]["device-type"] == 2 and mounts["/boot"]["container-name"] == ""
    assert mounts["/var"]["container-name"] == profile.vg_name
    swap = [p for p in plan if p["format-type"] == "swap"]
    assert len(swap) == 1 and swap[0]["device-size"] == profile.swap_min


def test_invalid_mode_and_profile_are_refused(env, addon):
    from pyanaconda.modules.common.errors.general import InvalidValueError
    client, proxy, peer = env
    with pytest.raises(InvalidValueError):
        proxy.SetMode("sometimes")
    with pytest.raises(InvalidValueError):
        proxy.SetProfile("/nonexistent/profile.yaml")
    assert proxy.Mode == "enforce" and proxy.Profile == "ovirt-node"


# --- hostile and unusual data (issue 9) -----------------------------------------------------
def test_btrfs_volumes_sharing_a_label_on_fedora_main(env, addon, layouts):
    """Two old btrfs volumes with one label (told apart only by device ID) beside a
    compliant layout: findings as for the compliant layout, no error."""
    client, proxy, peer = env
    peer.serve(H.old_btrfs_twins(layouts["compliant"][1]))
    findings = get_native(proxy.ValidateLayout())
    assert {f["code"] for f in findings} == {"ONN011", "ONN014"}
    assert _errors(findings) == set()
    _configure(env, "enforce")                  # and the install goes on


def _malformed(records):
    """*records* with the size of / sent as text, as no Anaconda sends it."""
    from dasbus.typing import get_variant
    out = dict(records)
    key = next(k for k, (d, f, o) in out.items() if f["attrs"].get("mount-point") == "/")
    data, fdata, options = out[key]
    out[key] = (dict(data, size=get_variant("s", "6 GiB")), fdata, options)
    return out


def test_malformed_device_data_is_a_clean_dbus_error(env, addon, layouts):
    from org_ovirt_node.service.errors import LayoutCheckError
    client, proxy, peer = env
    peer.serve(_malformed(layouts["compliant"][1]))
    with pytest.raises(LayoutCheckError) as err:
        proxy.ValidateLayout()
    assert "size is '6 GiB' (str)" in str(err.value)
    with pytest.raises(StorageInstallationError) as err:
        _configure(env, "enforce")
    assert "size is '6 GiB' (str)" in str(err.value)
    _configure(env, "warn")                     # logged, not blocking
    peer.serve(layouts["compliant"][1])         # the service is still there
    assert _errors(get_native(proxy.ValidateLayout())) == set()


def test_set_profile_with_a_broken_file_over_dbus(env, addon, tmp_path):
    from pyanaconda.modules.common.errors.general import InvalidValueError
    client, proxy, peer = env
    recursive = tmp_path / "recursive.yaml"
    recursive.write_text("&a [*a]\n")
    huge = tmp_path / "huge.yaml"
    huge.write_text("extends: ovirt-node\nmounts:\n  /var: {default: 16384 PiB}\n")
    for path in (recursive, huge, tmp_path):
        with pytest.raises(InvalidValueError) as err:
            proxy.SetProfile(str(path))
        assert str(path) in str(err.value)
    assert proxy.Profile == "ovirt-node"
    plan = get_native(proxy.GetPlan(["sda"]))
    assert all(0 <= p["device-size"] < 2 ** 64 for p in plan)


# --- the spokes' methods (issue 12) -----------------------------------------------------------
@pytest.mark.parametrize("id_based", [False, True], ids=["names", "ids"])
def test_layout_report_over_dbus(env, addon, layouts, id_based):
    client, proxy, peer = env
    peer.serve(layouts["var-missing"][id_based])
    report = get_native(proxy.GetLayoutReport())
    assert ("ONN002", "/var") in _errors(report["findings"])
    assert _errors(report["findings"]) == _errors(get_native(proxy.ValidateLayout()))
    rows = {r["mount-point"]: r for r in report["mounts"]}
    assert (rows["/var"]["device-kind"], rows["/var"]["status"]) == ("missing", "error")
    assert rows["/"]["device-kind"] == "thin LV" and rows["/"]["pool"] == "onn-pool00"
    assert report["pool"]["name"] == "onn-pool00" and report["pool"]["vg"] == "onn"
    assert report["pool"]["size"] > report["pool"]["used"] > 0
    assert (report["mode"], report["profile"]) == ("enforce", "ovirt-node")


def test_missing_mount_options_arrive_as_data(env, addon, layouts):
    """ONN011 findings carry the options the mount lacks (``missing``, ``as``) in both
    ValidateLayout and GetLayoutReport; other findings an empty list. The spokes build "N
    mounts lack discard: /, ..." from it."""
    from org_ovirt_node.installer import ui_model
    client, proxy, peer = env
    peer.serve(layouts["compliant"][0])
    for findings in (get_native(proxy.ValidateLayout()),
                     get_native(proxy.GetLayoutReport())["findings"]):
        lacking = {f["mount-point"]: f["missing"] for f in findings if f["code"] == "ONN011"}
        assert len(lacking) > 1 and set(map(tuple, lacking.values())) == {("discard",)}
        assert all(f["missing"] == [] for f in findings if f["code"] != "ONN011")
        (group,) = [g for g in ui_model.group_findings(findings) if g.code == "ONN011"]
        assert group.title.startswith("ONN011 %d mounts lack discard: " % len(lacking))


@pytest.mark.parametrize("id_based", [False, True], ids=["names", "ids"])
def test_repair_plan_over_dbus(env, addon, layouts, id_based):
    client, proxy, peer = env
    peer.serve(layouts["var-missing"][id_based])
    plan = get_native(proxy.GetRepairPlan())
    assert plan["can-apply"] and plan["refusals"] == []
    by = {(c["action"], c["mount-point"]): c for c in plan["changes"]}
    add = by[("add", "/var")]["request"]
    assert (add["device-type"], add["mount-point"], add["device-size"], add["container-name"]) \
        == (5, "/var", 5 * GiB, "onn")
    root = by[("options", "/")]
    assert root["mount-options"] == "defaults,discard"
    keys = layouts["var-missing"][id_based]
    assert root["device"] in keys and keys[root["device"]][0]["name"] == "onn-root"


def test_repair_plan_refuses_without_a_pool_of_root(env, addon, layouts):
    client, proxy, peer = env
    peer.serve(layouts["root-thick"][0])
    plan = get_native(proxy.GetRepairPlan())
    assert not any(c["action"] == "add" for c in plan["changes"])


@pytest.mark.parametrize("id_based", [False, True], ids=["names", "ids"])
def test_device_requests_over_dbus(env, addon, layouts, id_based):
    client, proxy, peer = env
    records = layouts["compliant"][id_based]
    peer.serve(records)
    disk = next(k for k, (d, f, o) in records.items() if d["is-disk"])
    requests = get_native(proxy.GetDeviceRequests([disk]))
    mounts = [r["mount-point"] for r in requests if r["mount-point"]]
    assert "/" in mounts and "/var" in mounts and "/boot" in mounts
    assert all(r["disks"] == [disk] for r in requests)
    assert {r["container-name"] for r in requests if r["device-type"] != 2} == {"onn"}


def test_device_requests_for_an_unknown_disk_are_refused(env, addon, layouts):
    from pyanaconda.modules.common.errors.general import InvalidValueError
    client, proxy, peer = env
    peer.serve(layouts["compliant"][0])
    for disks in (["nvme9n9"], [], ["disk0.img", "disk0.img"]):
        with pytest.raises(InvalidValueError):
            proxy.GetDeviceRequests(disks)


def test_override_autopart_cannot_honour_is_refused_over_dbus(env, addon):
    client, proxy, peer = env
    ks = "autopart --type=thinp\n%addon org_ovirt_node\nmount /var min=8GiB\n%end\n"
    report = get_native(proxy.ReadKickstart(ks))
    assert [m["line-number"] for m in report["error-messages"]] == [3]
    assert "autopart creates /var at 5 GiB" in report["error-messages"][0]["message"]
    assert proxy.KickstartCommands == ["autopart"]
