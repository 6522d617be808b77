# SPDX-License-Identifier: GPL-2.0-or-later
"""The addon service without a bus: kickstart round trip through the D-Bus interface object
(``ReadKickstart``/``GenerateKickstart``), every bad ``%addon`` input as a kickstart error
report, the configure task's three modes, and the plan."""
import dataclasses
from types import MappingProxyType

import pytest
import service_helpers as H
from dasbus.typing import Structure, get_native

H.use_double()

from pyanaconda.modules.common.errors.general import InvalidValueError  # noqa: E402
from pyanaconda.modules.common.errors.installation import (  # noqa: E402 - the double
    StorageInstallationError,
)

from org_ovirt_node import layout as L  # noqa: E402
from org_ovirt_node.checker import check  # noqa: E402
from org_ovirt_node.installer.requests import (  # noqa: E402
    DEVICE_TYPE_LVM,
    DEVICE_TYPE_LVM_THINP,
    DEVICE_TYPE_PARTITION,
)
from org_ovirt_node.profile import load_profile  # noqa: E402
from org_ovirt_node.service.errors import LayoutCheckError  # noqa: E402
from org_ovirt_node.service.interface import OvirtNodeInterface  # noqa: E402
from org_ovirt_node.service.service import OvirtNodeService  # noqa: E402
from org_ovirt_node.service.tasks import ValidateLayoutTask  # noqa: E402

GiB = 1024 ** 3


@pytest.fixture
def iface():
    return OvirtNodeInterface(OvirtNodeService())


def read(iface, text):
    return get_native(iface.ReadKickstart(text))


def test_defaults_without_kickstart(iface):
    assert iface.Profile == "ovirt-node" and iface.Mode == "enforce"
    assert iface.KickstartAddons == ["org_ovirt_node"]
    assert iface.GenerateKickstart() == ""


def test_kickstart_round_trip(iface):
    ks = ("%addon org_ovirt_node --profile=ovirt-node-minimal --mode=warn\n"
          "require /var/lib/libvirt min=20GiB kind=thin\n"
          "forbid /opt\n"
          "rule mount-options error\n"
          "%end\n")
    assert read(iface, ks) == {"error-messages": [], "warning-messages": []}
    generated = iface.GenerateKickstart()
    again = OvirtNodeInterface(OvirtNodeService())
    assert read(again, generated)["error-messages"] == []
    assert again.GenerateKickstart() == generated
    assert again.Profile == "ovirt-node-minimal" and again.Mode == "warn"
    profile = again.implementation.profile
    assert profile.mounts["/var/lib/libvirt"].min_size == 20 * GiB
    assert "/opt" in profile.forbidden_mounts
    assert profile.severity("mount-options") == "error"


@pytest.mark.parametrize("ks,line,words", [
    ("%addon org_ovirt_node --profile=nope\n%end\n", 1, "nope"),
    ("\n\n%addon org_ovirt_node --mode=sometimes\n%end\n", 3, "sometimes"),
    ("%addon org_ovirt_node --bogus\n%end\n", 1, "--bogus"),
    ("%addon org_ovirt_node\nmount /nowhere min=1GiB\n%end\n", 2, "/nowhere"),
    ("%addon org_ovirt_node\nmount /var min=lots\n%end\n", 2, "lots"),
    ("%addon org_ovirt_node\nmount /var min=1GiB default=10MiB\n%end\n", 2, "/var"),
    ("%addon org_ovirt_node\nfrobnicate /var\n%end\n", 2, "frobnicate"),
    ("%addon org_ovirt_node\nrule no-such-rule error\n%end\n", 2, "no-such-rule"),
    ("%addon org_ovirt_node\nmount /var min=\"1GiB\n%end\n", 2, ""),
    ("%addon org_ovirt_node\n%end\n%addon org_ovirt_node\n%end\n", 3, "more than once"),
    ("%addon org_ovirt_node --profile=/nonexistent/p.yaml\n%end\n", 1, "p.yaml"),
    ("%addon\n%end\n", 1, ""),
    ("%addon com_example_unknown\n%end\n", 1, ""),
])
def test_bad_addon_input_is_a_kickstart_error_report(iface, ks, line, words):
    report = read(iface, ks)
    assert len(report["error-messages"]) == 1, report
    message = report["error-messages"][0]
    assert message["line-number"] == line
    assert words in message["message"]
    # The previous (default) state is kept.
    assert iface.Profile == "ovirt-node" and iface.Mode == "enforce"
    assert not iface.Kickstarted


def test_bare_addon_header_failing_in_anacondas_parser_is_reported_at_its_line(iface,
                                                                              monkeypatch):
    """Anaconda's own AddonSection (rhel-9, rhel-10, main) reads ``args[1]`` of a bare
    ``%addon`` header: an IndexError, not a kickstart error. The guard reports it on that
    line (found with ANACONDA_SRC, docs/anaconda-compat.md)."""
    from pyanaconda.core.kickstart.addon import AddonSection

    def handle_header(self, lineno, args):
        return args[1]      # what the real handleHeader does first

    monkeypatch.setattr(AddonSection, "handleHeader", handle_header)
    report = read(iface, "# comment\n%addon\n%end\n")
    assert [m["line-number"] for m in report["error-messages"]] == [2], report
    assert "IndexError" in report["error-messages"][0]["message"]


def test_profile_file_with_problems_is_a_kickstart_error(iface, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nmounts:\n  /:\n    kind: sideways\n")
    report = read(iface, "%%addon org_ovirt_node --profile=%s\n%%end\n" % bad)
    assert report["error-messages"][0]["line-number"] == 1
    assert "mounts./.kind" in report["error-messages"][0]["message"]
    assert "sideways" in report["error-messages"][0]["message"]


def test_unexpected_exception_becomes_a_report_error_at_the_header(iface, monkeypatch):
    def boom(self, base=None):
        raise RuntimeError("disk on fire")
    from org_ovirt_node.kickstart.addon import OvirtNodeData
    monkeypatch.setattr(OvirtNodeData, "resolve_profile", boom)
    report = read(iface, "# a comment\n%addon org_ovirt_node\n%end\n")
    message = report["error-messages"][0]
    assert "disk on fire" in message["message"] and message["line-number"] == 2
    assert not iface.Kickstarted


def test_exception_escaping_the_section_parser_gets_a_line_and_a_short_message(iface,
                                                                               monkeypatch):
    """Even a failure outside the addon's own guards (here: the header handler itself) is a
    kickstart error on the %addon line, quoting a short sanitised excerpt only."""
    def boom(self, args, line_number=None):
        raise ValueError("\x1b[2J" + "secret " * 2000)
    from org_ovirt_node.kickstart.addon import OvirtNodeData
    monkeypatch.setattr(OvirtNodeData, "handle_header", boom)
    report = read(iface, "\n\n%addon   org_ovirt_node --mode=warn\n%end\n")
    message = report["error-messages"][0]
    assert message["line-number"] == 3
    assert "ValueError" in message["message"] and "secret" in message["message"]
    assert len(message["message"]) < 300 and message["message"].isprintable()
    assert iface.Mode == "enforce" and not iface.Kickstarted


# --- sizes D-Bus cannot carry (issue 9) -------------------------------------------------
EIB_16 = "16384PiB"      # 2**64 bytes: one more than a D-Bus UInt64 holds


def test_override_beyond_uint64_is_a_kickstart_error_at_its_line(iface):
    ks = ("%%addon org_ovirt_node\nmount /var min=1GiB\nmount /var default=%s\n%%end\n"
          % EIB_16)
    report = read(iface, ks)
    assert len(report["error-messages"]) == 1, report
    assert report["error-messages"][0]["line-number"] == 3
    assert not iface.Kickstarted
    assert get_native(iface.GetPlan(["sda"]))       # the default profile is kept


def test_profile_file_beyond_uint64_is_refused(iface, tmp_path):
    huge = tmp_path / "huge.yaml"
    huge.write_text("extends: ovirt-node\nmounts:\n  /var: {min: 1 GiB, default: %s}\n"
                    % EIB_16)
    with pytest.raises(InvalidValueError) as err:
        iface.SetProfile(str(huge))
    assert "huge.yaml" in str(err.value) and "/var" in str(err.value)
    assert iface.Profile == "ovirt-node"
    report = read(iface, "%%addon org_ovirt_node --profile=%s\n%%end\n" % huge)
    assert report["error-messages"][0]["line-number"] == 1
    assert "huge.yaml" in report["error-messages"][0]["message"]


def _with_mount_size(service, point, **sizes):
    """Force sizes into the service's profile, past every check on the way in."""
    profile = service.profile
    rule = dataclasses.replace(profile.mounts[point], **sizes)
    service._profile = dataclasses.replace(
        profile, mounts=MappingProxyType(dict(profile.mounts, **{point: rule})))


@pytest.mark.parametrize("size", [2 ** 64, -1])
def test_plan_never_holds_a_size_beyond_uint64(iface, size):
    _with_mount_size(iface.implementation, "/var", default_size=size)
    with pytest.raises(InvalidValueError) as err:
        iface.GetPlan(["sda"])
    assert "/var" in str(err.value)


# --- the configure task never lets anything but StorageInstallationError out ------------
@pytest.mark.parametrize("mode", ["enforce", "warn"])
def test_task_turns_an_unexpected_failure_into_a_storage_error(mode, caplog):
    def validate():
        raise OverflowError("integer division result too large for a float")
    task = ValidateLayoutTask(validate, "ovirt-node", mode)
    if mode == "enforce":
        with pytest.raises(StorageInstallationError) as err:
            task.run_with_signals()
        assert "too large for a float" in str(err.value)
        assert "ovirt-node" in str(err.value)
    else:
        assert task.run_with_signals() is None
        assert "too large for a float" in caplog.text


def test_task_with_sizes_beyond_float_range(iface):
    """The realistic path: a profile size no float holds reaches the checker's messages."""
    service = iface.implementation
    _with_mount_size(service, "/var", min_size=10 ** 400, default_size=10 ** 400)
    service.read_planned_layout = lambda: _layout(L.THINLV)
    with pytest.raises(StorageInstallationError):
        service.configure_with_tasks()[0].run_with_signals()


def test_task_on_a_malformed_device_tree(iface):
    from org_ovirt_node.installer.dbus_reader import DeviceTreeError
    service = iface.implementation

    def unreadable():
        raise DeviceTreeError("Anaconda's device tree: size is '6 GiB' (str)")
    service.read_planned_layout = unreadable
    with pytest.raises(StorageInstallationError) as err:
        service.configure_with_tasks()[0].run_with_signals()
    assert "size is '6 GiB'" in str(err.value)
    with pytest.raises(LayoutCheckError) as err:
        iface.ValidateLayout()
    assert "size is '6 GiB'" in str(err.value)


def test_configure_with_tasks_survives_a_profile_that_cannot_load(iface, monkeypatch):
    """The queue is built even so; the task then stops the install with the reason."""
    from org_ovirt_node.kickstart.addon import OvirtNodeData

    def broken(self, base=None):
        raise RuntimeError("profile directory missing")
    monkeypatch.setattr(OvirtNodeData, "resolve_profile", broken)
    tasks = iface.implementation.configure_with_tasks()
    with pytest.raises(StorageInstallationError) as err:
        tasks[0].run_with_signals()
    assert "profile directory missing" in str(err.value)


# --- SetProfile: InvalidValueError, whatever is wrong with the file ----------------------
@pytest.mark.parametrize("content,words", [
    ("mounts: [\n", "not valid YAML"),
    ("&a [*a]\n", ""),
    ("a: &a [*a]\n", ""),
    (None, ""),                 # a directory
])
def test_set_profile_with_a_broken_file_is_an_invalid_value(iface, tmp_path, content, words):
    path = tmp_path / "p.yaml"
    if content is None:
        path.mkdir()
    else:
        path.write_text(content)
    with pytest.raises(InvalidValueError) as err:
        iface.SetProfile(str(path))
    assert str(path) in str(err.value) and words in str(err.value)
    assert iface.Profile == "ovirt-node"


def test_set_profile_dev_zero_is_an_invalid_value(iface):
    with pytest.raises(InvalidValueError) as err:
        iface.SetProfile("/dev/zero")
    assert "/dev/zero" in str(err.value)


def test_set_profile_unexpected_loader_failure_is_an_invalid_value(iface, monkeypatch):
    import org_ovirt_node.profile as P

    def boom(name):
        raise KeyError("\x1b]0;pwned\x07")
    monkeypatch.setattr(P, "load_profile", boom)
    with pytest.raises(InvalidValueError) as err:
        iface.SetProfile("ovirt-node-minimal")
    assert "ovirt-node-minimal" in str(err.value) and "KeyError" in str(err.value)
    assert str(err.value).isprintable()
    assert iface.Profile == "ovirt-node"


# --- the configure task ---------------------------------------------------------------------
def _layout(root_kind):
    """/ only, thin or thick: enough for ONN001 and ONN002 findings."""
    devs = [L.Device("sda", L.DISK, 100 * GiB), L.Device("sda1", L.PARTITION, 99 * GiB,
                                                        ("sda",), "lvmpv"),
            L.Device("onn", L.VG, 99 * GiB, ("sda1",), free=30 * GiB),
            L.Device("onn-pool00", L.THINPOOL, 60 * GiB, ("onn",))]
    if root_kind == L.THINLV:
        devs.append(L.Device("onn-root", L.THINLV, 10 * GiB, ("onn-pool00",), "xfs", "/"))
    else:
        devs.append(L.Device("onn-root", L.LV, 10 * GiB, ("onn",), "xfs", "/"))
    return L.Layout(tuple(devs))


@pytest.mark.parametrize("mode", ["enforce", "warn", "off"])
def test_task_modes(mode):
    profile = load_profile("ovirt-node")
    calls = []

    def validate():
        calls.append(1)
        return check(_layout(L.LV), profile)

    task = ValidateLayoutTask(validate, profile.name, mode)
    if mode == "enforce":
        with pytest.raises(StorageInstallationError) as err:
            task.run_with_signals()
        report = validate()
        for finding in report.errors:
            assert finding.code in str(err.value)
    else:
        assert task.run_with_signals() is None
    assert len(calls) == (0 if mode == "off" else 1) + (mode == "enforce")


def test_configure_with_tasks_uses_current_mode(iface):
    read(iface, "%addon org_ovirt_node --mode=off\n%end\n")
    tasks = iface.implementation.configure_with_tasks()
    assert len(tasks) == 1 and tasks[0]._mode == "off"


# --- the plan -------------------------------------------------------------------------------
def test_plan_device_types_are_blivets():
    from blivet import devicefactory
    assert DEVICE_TYPE_LVM == devicefactory.DEVICE_TYPE_LVM
    assert DEVICE_TYPE_PARTITION == devicefactory.DEVICE_TYPE_PARTITION
    assert DEVICE_TYPE_LVM_THINP == devicefactory.DEVICE_TYPE_LVM_THINP


def test_plan_follows_profile_kinds(iface):
    plan = get_native(iface.GetPlan(["vda"]))
    by_mount = {p["mount-point"]: p for p in plan}
    profile = load_profile("ovirt-node")
    for point, rule in profile.mounts.items():
        expected = {"thin": DEVICE_TYPE_LVM_THINP, "partition": DEVICE_TYPE_PARTITION,
                    "lv": DEVICE_TYPE_LVM}[rule.kind]
        assert by_mount[point]["device-type"] == expected
        assert by_mount[point]["format-type"] in rule.filesystems
    assert plan[0]["device-type"] == DEVICE_TYPE_PARTITION   # partitions first
    assert by_mount["/"]["device-name"] == "root" and by_mount["/"]["grow"]
    assert by_mount["/var/log/audit"]["device-name"] == "var_log_audit"


def test_service_starts_without_blivet():
    """Start-up stays fast: building the service imports neither blivet nor the checker."""
    import subprocess
    import sys
    code = ("import sys\n"
            "from org_ovirt_node.service.service import OvirtNodeService\n"
            "OvirtNodeService()\n"
            "print(sorted(m for m in ('blivet', 'org_ovirt_node.checker') if m in sys.modules))")
    env = {"PYTHONPATH": "%s:%s" % (H.DOUBLE, H.REPO), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name", ["", "x" * 5000, "\x1b[2J.yaml", "a\nb"])
def test_set_profile_name_is_short_printable_text(iface, name):
    with pytest.raises(InvalidValueError) as err:
        iface.SetProfile(name)
    assert str(err.value).isprintable() and len(str(err.value)) < 300
    assert iface.Profile == "ovirt-node"


def test_set_profile_problems_are_listed_briefly(iface, tmp_path):
    bad = tmp_path / "many.yaml"
    bad.write_text("name: many\n" + "".join("k%d: 1\n" % i for i in range(500)))
    with pytest.raises(InvalidValueError) as err:
        iface.SetProfile(str(bad))
    assert "more problems" in str(err.value) and len(str(err.value)) < 2200


def test_plan_for_too_many_disks_is_refused(iface):
    with pytest.raises(InvalidValueError, match="disks"):
        iface.GetPlan(["sd%d" % i for i in range(100_001)])


# --- %addon overrides autopart cannot honour (issue 12 item 3, issue 10) --------------------
AUTOPART_VAR = "\n%addon org_ovirt_node{mode}\nmount /var min=8GiB\n%end\nautopart{opts}\n"


def test_override_autopart_cannot_honour_is_refused_at_its_line(iface):
    report = read(iface, AUTOPART_VAR.format(mode="", opts=" --type=thinp"))
    assert len(report["error-messages"]) == 1, report
    message = report["error-messages"][0]
    assert message["line-number"] == 3                      # the 'mount /var' line
    text = message["message"]
    assert "autopart creates /var at 5 GiB" in text and "8 GiB" in text   # what it builds
    assert "Fix:" in text and "ovirt-node-layout plan --format kickstart" in text
    assert not iface.Kickstarted and iface.Profile == "ovirt-node"


def test_same_override_without_autopart_is_accepted(iface):
    # (Anaconda hands this module only %addon and autopart: part lines stay with Storage.)
    report = read(iface, "%addon org_ovirt_node\nmount /var min=8GiB\n%end\n")
    assert report["error-messages"] == [], report
    assert iface.implementation.profile.mounts["/var"].min_size == 8 * GiB


@pytest.mark.parametrize("ks", [
    "autopart\n%addon org_ovirt_node\n%end\n",
    "autopart --type=thinp --fstype=ext4\n%addon org_ovirt_node --mode=enforce\n%end\n",
])
def test_shipped_profile_with_autopart_is_accepted(iface, ks):
    """The drop-in is rendered from the shipped profile: autopart honours it."""
    assert read(iface, ks)["error-messages"] == []
    assert iface.Kickstarted


@pytest.mark.parametrize("opts,words", [
    (" --type=lvm", "autopart --type=lvm creates no thin pool"),
    (" --type=plain", "autopart --type=plain creates no thin pool"),
    (" --fstype=ext2", "autopart formats / as ext2"),
])
def test_autopart_options_the_profile_refuses_are_reported_at_the_header(iface, opts, words):
    report = read(iface, "\nautopart%s\n%%addon org_ovirt_node\n%%end\n" % opts)
    assert [m["line-number"] for m in report["error-messages"]] == [3], report
    assert words in report["error-messages"][0]["message"]


def test_warn_mode_makes_it_a_kickstart_warning_and_off_mode_silent(iface):
    report = read(iface, AUTOPART_VAR.format(mode=" --mode=warn", opts=""))
    assert report["error-messages"] == []
    assert len(report["warning-messages"]) == 1
    assert "autopart creates /var at 5 GiB" in report["warning-messages"][0]["message"]
    again = OvirtNodeInterface(OvirtNodeService())
    assert read(again, AUTOPART_VAR.format(mode=" --mode=off", opts="")) == \
        {"error-messages": [], "warning-messages": []}


def test_autopart_check_failing_unexpectedly_is_a_kickstart_error(iface, monkeypatch):
    import org_ovirt_node.design as design

    def boom(*args, **kwargs):
        raise ZeroDivisionError("float division by zero")
    monkeypatch.setattr(design, "autopart_shortfalls", boom)
    report = read(iface, "autopart\n%addon org_ovirt_node\n%end\n")
    assert [m["line-number"] for m in report["error-messages"]] == [2]
    assert "ZeroDivisionError" in report["error-messages"][0]["message"]


def test_autopart_is_read_but_never_written_back(iface):
    read(iface, "autopart --type=thinp\n%addon org_ovirt_node --mode=warn\n%end\n")
    assert iface.KickstartCommands == ["autopart"]
    assert "autopart" not in iface.GenerateKickstart()


# --- GetLayoutReport, GetRepairPlan, GetDeviceRequests (without a bus) ------------------------
def _compliant_layout(tmp_path, **kwargs):
    from blivet_helpers import compliant_tree

    from org_ovirt_node.planning.blivet_reader import layout_from_blivet
    return layout_from_blivet(compliant_tree(str(tmp_path), **kwargs))


def test_layout_report_reads_the_tree_once(iface, tmp_path):
    layout = _compliant_layout(tmp_path)
    reads = []
    iface.implementation.read_planned_layout = lambda: reads.append(1) or layout
    report = get_native(iface.GetLayoutReport())
    assert reads == [1]
    assert report["mode"] == "enforce" and report["profile"] == "ovirt-node"
    assert {f["code"] for f in report["findings"]} == \
        {f["code"] for f in get_native(iface.ValidateLayout())}
    rows = {r["mount-point"]: r for r in report["mounts"]}
    assert rows["/"]["device-kind"] == "thin LV" and rows["/"]["pool"] == "onn-pool00"
    assert rows["/var"]["minimum"] == 5 * GiB and rows["/var"]["status"] == "warning"
    assert rows["/boot"]["status"] == "ok"
    pool = report["pool"]
    assert pool["name"] == "onn-pool00" and pool["vg"] == "onn"
    assert pool["used"] + pool["free"] == pool["size"] and pool["vg-reserve"] > 0


def test_layout_report_on_a_malformed_tree_is_a_layout_check_error(iface):
    from org_ovirt_node.installer.dbus_reader import DeviceTreeError

    def unreadable():
        raise DeviceTreeError("Anaconda's device tree: size is '6 GiB' (str)")
    iface.implementation.read_planned_layout = unreadable
    with pytest.raises(LayoutCheckError, match="size is '6 GiB'"):
        iface.GetLayoutReport()


def test_repair_plan_structures(iface, tmp_path):
    from blivet.size import Size
    from blivet_helpers import compliant_tree
    b = compliant_tree(str(tmp_path))
    b.destroy_device(b.devicetree.get_device_by_name("onn-var"))
    b.devicetree.get_device_by_name("onn-tmp").size = Size("512 MiB")
    records = H.records_from_blivet(b, id_based=True)
    from org_ovirt_node.installer.dbus_reader import layout_and_keys
    iface.implementation.read_planned_tree = lambda: layout_and_keys(H.FakeDeviceTree(records))
    plan = get_native(iface.GetRepairPlan())
    assert plan["can-apply"] and plan["refusals"] == []
    by = {(c["action"], c["mount-point"]): c for c in plan["changes"]}
    add = by[("add", "/var")]
    assert add["device"] == "" and add["original-request"]["device-size"] == 0
    request = add["request"]
    assert (request["device-type"], request["device-size"], request["device-name"],
            request["container-name"], request["format-type"], request["mount-point"]) == \
        (DEVICE_TYPE_LVM_THINP, 5 * GiB, "var", "onn", "xfs", "/var")
    assert request["reformat"] and add["mount-options"] == "defaults,discard"
    assert request["disks"] == [H.device_key(b.devicetree.get_device_by_name("disk0.img"),
                                             True)]
    grow = by[("grow", "/tmp")]
    tmp_id = H.device_key(b.devicetree.get_device_by_name("onn-tmp"), True)
    assert grow["device"] == tmp_id == grow["request"]["device-spec"]
    assert grow["original-request"]["device-size"] == 512 * 1024 ** 2
    assert grow["request"]["device-size"] == 1 * GiB
    assert not grow["request"]["reformat"] and not grow["original-request"]["reformat"]
    options = by[("options", "/")]
    assert options["mount-options"] == "defaults,discard"
    assert options["device"] == H.device_key(b.devicetree.get_device_by_name("onn-root"),
                                             True)
    assert [c["action"] for c in plan["changes"]][:2] == ["add", "grow"]


def test_device_requests(iface, monkeypatch):
    monkeypatch.setattr(iface.implementation, "_disk_sizes",
                        lambda disks: [(d, 100 * GiB) for d in disks])
    import org_ovirt_node.installer.requests as R
    monkeypatch.setattr(R, "host_firmware", lambda: "uefi")
    monkeypatch.setattr(R, "host_ram", lambda: 8 * GiB)
    requests = get_native(iface.GetDeviceRequests(["sda"]))
    assert (requests[0]["format-type"], requests[0]["mount-point"]) == ("efi", "/boot/efi")
    by_mount = {r["mount-point"]: r for r in requests if r["mount-point"]}
    assert by_mount["/"]["device-type"] == DEVICE_TYPE_LVM_THINP
    assert by_mount["/"]["container-name"] == "onn"
    assert by_mount["/"]["container-size-policy"] == -1
    assert by_mount["/boot"]["device-type"] == DEVICE_TYPE_PARTITION
    swap = [r for r in requests if r["format-type"] == "swap"]
    assert swap[0]["device-type"] == DEVICE_TYPE_LVM and swap[0]["device-size"] == 4 * GiB
    # every field of Anaconda's DeviceFactoryRequest is there
    assert len(requests[0]) == 17


def test_device_requests_honour_the_kickstart_overrides(iface, monkeypatch):
    read(iface, "%addon org_ovirt_node\nmount /var min=8GiB\n%end\n")
    monkeypatch.setattr(iface.implementation, "_disk_sizes",
                        lambda disks: [(d, 100 * GiB) for d in disks])
    requests = get_native(iface.GetDeviceRequests(["sda"]))
    assert [r["device-size"] for r in requests if r["mount-point"] == "/var"] == [8 * GiB]


def test_device_requests_on_too_small_disks_say_how_much(iface, monkeypatch):
    monkeypatch.setattr(iface.implementation, "_disk_sizes",
                        lambda disks: [(d, 20 * GiB) for d in disks])
    with pytest.raises(InvalidValueError) as err:
        iface.GetDeviceRequests(["sda"])
    assert "sda" in str(err.value) and "20 GiB" in str(err.value)


def test_fast_packing_equals_dasbus_packing(iface, tmp_path):
    """The service packs replies with GLib's constructors: the same keys, types and values
    as dasbus' own to_structure, for every structure it sends."""
    from dasbus.typing import get_variant

    from org_ovirt_node.service import structures as S
    layout = _compliant_layout(tmp_path)
    iface.implementation.read_planned_layout = lambda: layout
    report, rows, pool = iface.implementation.layout_report()
    data = S.LayoutReportData()
    data.findings = [S.FindingData.from_finding(f) for f in report.findings]
    data.mounts = [S.MountRowData() for _row in rows]
    data.mounts[0].size = 2 ** 64 - 1
    data.pool.name = "pool00"
    change_class, plan_class = S.repair_classes()
    change = change_class()
    change.request.disks = ["sda", "sdb"]
    change.request.container_size_policy = -1
    plan = plan_class()
    plan.changes = [change]
    plan.refusals = ["why"]
    for item in (data, plan, change.request):
        fast = get_variant(Structure, S.to_structure(item))
        slow = get_variant(Structure, type(item).to_structure(item))
        assert fast.equal(slow) and get_native(fast) == get_native(slow)
