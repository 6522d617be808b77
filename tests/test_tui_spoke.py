# SPDX-License-Identifier: GPL-2.0-or-later
"""The text-mode spoke against the addon service on a private dbus-daemon.

The service runs as Anaconda starts it; a peer publishes Storage's DeviceTree (real blivet
layouts) and a small Storage module (CreatePartitioning, an automatic partitioning with
Request/SetRequest and configure/validate tasks, ApplyPartitioning). The spoke runs in this
process on the real simpleline with the pyanaconda contract double, and is read the way
Anaconda's hub reads it: mandatory, completed, status, and the screen text.

Only what the spoke itself produces is asserted: its properties, the lines it puts on its
screen and what it asks Storage for. The hub's checkbox (``[x]``/``[!]``) is drawn by
``NormalTUISpoke.render``, which is the double's (Anaconda's code in production), so it is
not asserted here.
"""
import shutil

import pytest
import service_helpers as H
from blivet.size import Size
from blivet_helpers import compliant_tree

H.use_double()

from dasbus.server.interface import dbus_interface  # noqa: E402
from dasbus.typing import ObjPath, Str, Structure, Variant, get_variant  # noqa: E402
from pyanaconda.core.dbus import DBus, error_mapper  # noqa: E402 - the double
from pyanaconda.modules.common.structures.partitioning import (  # noqa: E402
    PartitioningRequest,
)
from pyanaconda.modules.common.structures.validation import ValidationReport  # noqa: E402
from pyanaconda.threading import threadMgr  # noqa: E402

pytestmark = [pytest.mark.dbus,
              pytest.mark.skipif(not shutil.which("dbus-daemon"), reason="needs dbus-daemon")]

SERVICE, PATH = H.ADDON_SERVICE, H.ADDON_PATH
STORAGE_PATH = "/org/fedoraproject/Anaconda/Modules/Storage"
GiB = 1024 ** 3


def _compliant(tmpdir):
    return compliant_tree(str(tmpdir))


def _broken(tmpdir):
    """Autopart without /var, and / on an ordinary (thick) LV: two errors."""
    b = _compliant(tmpdir)
    b.destroy_device(b.devicetree.get_device_by_name("onn-var"))
    b.destroy_device(b.devicetree.get_device_by_name("onn-root"))
    vg = b.devicetree.get_device_by_name("onn")
    vg.thpool_reserve = None
    b.create_device(b.new_lv(name="root", parents=[vg], size=Size("6 GiB"), fmt_type="xfs",
                             mountpoint="/"))
    return b


# --- a minimal Storage module: just what the spoke's "generate" action calls ------------
@dbus_interface("org.fedoraproject.Anaconda.Task")
class _DoneTask:
    """A task that is over once started; GetResult gives a ValidationReport."""

    def __init__(self, report=None):
        self.report = report or ValidationReport()

    @property
    def IsRunning(self) -> bool:  # noqa: N802
        return False

    def Start(self):  # noqa: N802
        pass

    def Finish(self):  # noqa: N802
        pass

    def GetResult(self) -> Variant:  # noqa: N802
        return get_variant(Structure, ValidationReport.to_structure(self.report))


@dbus_interface("org.fedoraproject.Anaconda.Modules.Storage.Partitioning.Automatic")
class _AutoPartitioning:
    def __init__(self, storage, number):
        self.storage, self.number = storage, number
        self.request = PartitioningRequest()

    @property
    def Request(self) -> Structure:  # noqa: N802
        return PartitioningRequest.to_structure(self.request)

    def SetRequest(self, request: Structure):  # noqa: N802
        self.request = PartitioningRequest.from_structure(request)

    def ConfigureWithTask(self) -> ObjPath:  # noqa: N802
        return self.storage.publish_task(_DoneTask())

    def ValidateWithTask(self) -> ObjPath:  # noqa: N802
        return self.storage.publish_task(_DoneTask(self.storage.validation))


@dbus_interface("org.fedoraproject.Anaconda.Modules.Storage")
class _Storage:
    """Records what the spoke asked for; applying serves the autopart layout from then on."""

    def __init__(self, peer, autopart_records):
        self.peer, self.autopart_records = peer, autopart_records
        self.created, self.applied, self.objects = [], [], {}
        self.validation = ValidationReport()    # what validating a partitioning reports

    def publish_task(self, task):
        path = "%s/Task/%d" % (STORAGE_PATH, len(self.objects) + 1)
        self.peer.bus.publish_object(path, task)
        self.objects[path] = task
        return path

    def CreatePartitioning(self, method: Str) -> ObjPath:  # noqa: N802
        path = "%s/Partitioning/Automatic/%d" % (STORAGE_PATH, len(self.created) + 1)
        obj = _AutoPartitioning(self, len(self.created) + 1)
        self.peer.bus.publish_object(path, obj)
        self.objects[path] = obj
        self.created.append((method, path))
        return path

    def ApplyPartitioning(self, partitioning: ObjPath):  # noqa: N802
        self.applied.append((partitioning, self.objects[partitioning].request))
        self.peer.serve(self.autopart_records)


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    return {name: H.records_from_blivet(build(tmp_path_factory.mktemp(name)))
            for name, build in (("compliant", _compliant), ("broken", _broken))}


@pytest.fixture(scope="module")
def env(layouts):
    """(addon proxy, storage peer, storage module) with the double's DBus on a private bus."""
    from dasbus.connection import AddressedMessageBus
    mp = pytest.MonkeyPatch()
    bus = H.PrivateBus()
    peer = H.StoragePeer(bus.address, layouts["broken"])
    storage = _Storage(peer, layouts["compliant"])
    peer.bus.publish_object(STORAGE_PATH, storage)
    service = H.start_service(bus.address)
    client = AddressedMessageBus(bus.address, error_mapper=error_mapper)
    mp.setenv("DBUS_ANACONDA_SESSION_BUS_ADDRESS", bus.address)
    mp.delenv("DBUS_STARTER_ADDRESS", raising=False)
    DBus.disconnect()       # the double's bus singleton: connect to this private bus
    try:
        H.wait_for_name(client, SERVICE)
        yield client.get_proxy(SERVICE, PATH), peer, storage
    finally:
        try:
            client.get_proxy(SERVICE, PATH).Quit()
        except Exception:  # noqa: BLE001 - the process is stopped below anyway
            pass
        service.terminate()
        service.wait(10)
        DBus.disconnect()
        client.disconnect()
        peer.stop()
        bus.stop()
        mp.undo()


@pytest.fixture
def spoke(env, layouts):
    """A fresh spoke; the addon back in enforce mode and the broken layout planned."""
    from org_ovirt_node.tui.spokes.ovirt_node import OvirtNodeSpoke
    addon, peer, storage = env
    addon.SetMode("enforce")
    peer.serve(layouts["broken"])
    s = OvirtNodeSpoke(data=None, storage=None, payload=None)
    s.initialize()
    return s


def _screen(spoke):
    spoke.refresh()
    spoke.window.render(1000)      # wide: one line per message, no wrapping
    return "\n".join(spoke.window.get_lines())


def _findings(addon):
    from dasbus.typing import get_native
    return get_native(addon.ValidateLayout())


def _errors(addon):
    return [f for f in _findings(addon) if f["severity"] == "error"]


def _finding_lines(findings):
    """The two lines the spoke shows for each finding (as ui_model words them)."""
    out = []
    for f in findings:
        where = f["mount-point"] or f["device"]
        if where:
            out.append("%s %s %s: %s" % (f["severity"], f["code"], where, f["message"]))
        else:
            out.append("%s %s: %s" % (f["severity"], f["code"], f["message"]))
        if f["hint"]:
            out.append("    Fix: " + f["hint"])
    return out


def test_spoke_sits_in_the_system_category(spoke):
    from pyanaconda.ui.categories.system import SystemCategory
    assert spoke.category is SystemCategory
    assert spoke.title == "oVirt Node storage layout"


def test_compliant_layout_completes(env, spoke, layouts):
    addon, peer, _storage = env
    peer.serve(layouts["compliant"])
    assert spoke.mandatory and spoke.completed
    # autopart sets no "discard": the profile's mount-options rule warns, and says so
    findings = _findings(addon)
    warnings = [f for f in findings if f["severity"] == "warning"]
    assert warnings and not _errors(addon)
    assert spoke.status == "Layout fits ovirt-node, %d warning%s" % (
        len(warnings), "" if len(warnings) == 1 else "s")
    lines = _screen(spoke).splitlines()
    assert "The planned layout fits profile ovirt-node, with warnings." in lines
    for line in _finding_lines(findings):
        assert line in lines


def test_enforce_blocks_a_broken_layout_listing_each_error_with_its_fix(env, spoke):
    addon, _peer, _storage = env
    errors = _errors(addon)
    assert len(errors) >= 2
    assert spoke.mandatory and not spoke.completed
    assert spoke.status == "%d layout errors block the installation" % len(errors)
    screen = _screen(spoke)
    lines = screen.splitlines()
    for f in errors:
        assert f["hint"], f     # every error says how to fix it
        where = f["mount-point"] or f["device"]
        line = "error %s %s: %s" % (f["code"], where, f["message"])
        assert line in lines
        assert lines[lines.index(line) + 1] == "    Fix: " + f["hint"]
    # its two actions, numbered by the spoke's container
    assert any(x.startswith("1) Use the oVirt Node layout") for x in lines), lines
    assert any(x.startswith("2) Check the layout again") for x in lines), lines


def test_warn_mode_completes_with_the_errors_in_the_status(env, spoke):
    addon, _peer, _storage = env
    addon.SetMode("warn")
    count = len(_errors(addon))
    assert not spoke.mandatory and spoke.completed
    assert spoke.status == "%d layout errors (warn mode: not blocking)" % count
    assert "installs it anyway" in _screen(spoke)


def test_mode_off_checks_nothing(env, spoke):
    addon, _peer, _storage = env
    addon.SetMode("off")
    assert not spoke.mandatory and spoke.completed
    assert spoke.status == "Layout check is off"
    assert "ONN" not in _screen(spoke)


def test_not_ready_while_storage_is_scanned(spoke):
    threadMgr.add_name("AnaStorageThread")
    try:
        assert not spoke.ready and not spoke.completed
        assert spoke.status == "Waiting for the storage configuration..."
    finally:
        threadMgr.remove("AnaStorageThread")
    assert spoke.ready


def test_generate_asks_anaconda_for_thinp_autopart_and_rechecks(env, spoke):
    from simpleline.render.screen import InputState
    _addon, _peer, storage = env
    assert not spoke.completed
    _screen(spoke)
    assert spoke.input(None, "1") == InputState.PROCESSED_AND_REDRAW
    method, path = storage.created[-1]
    assert method == "AUTOMATIC"
    applied_path, request = storage.applied[-1]
    assert applied_path == path
    assert request.partitioning_scheme == 3          # LVM_THINP
    # Anaconda applied its autopart: the spoke now sees the profile's layout
    assert spoke.completed
    screen = _screen(spoke)
    assert "Saving storage configuration..." in screen
    assert "fits profile ovirt-node" in screen


def test_other_keys_go_back_to_the_app_and_ask_nothing(env, spoke):
    _addon, _peer, storage = env
    _screen(spoke)
    created = len(storage.created)
    assert spoke.input(None, "c") == "c"
    assert spoke.input(None, "3") == "3"        # no third action
    assert len(storage.created) == created
    assert not spoke.completed


def test_recheck_redraws_with_the_layout_planned_now(env, spoke, layouts):
    from simpleline.render.screen import InputState
    _addon, peer, storage = env
    assert "breaks profile ovirt-node" in _screen(spoke)
    created = len(storage.created)
    peer.serve(layouts["compliant"])            # the user fixed it in Installation Destination
    assert spoke.input(None, "2") == InputState.PROCESSED_AND_REDRAW
    assert len(storage.created) == created      # rechecking asks Storage for nothing
    screen = _screen(spoke)
    assert "fits profile ovirt-node" in screen and "breaks" not in screen


def test_generate_shows_anaconda_validation_and_applies_nothing_invalid(env, spoke,
                                                                        monkeypatch):
    _addon, _peer, storage = env
    report = ValidationReport()
    report.error_messages = ["Selected disks have too little space"]
    report.warning_messages = ["No swap is configured"]
    monkeypatch.setattr(storage, "validation", report)
    applied = len(storage.applied)
    _screen(spoke)
    spoke.input(None, "1")
    assert len(storage.applied) == applied      # Anaconda refused it: nothing applied
    assert not spoke.completed
    lines = _screen(spoke).splitlines()
    assert "Selected disks have too little space" in lines
    assert "No swap is configured" in lines


def test_generate_failure_is_shown_not_raised(env, spoke, monkeypatch):
    from dasbus.error import DBusError
    _addon, _peer, storage = env

    def refuse(method):
        raise DBusError("no partitioning today")
    monkeypatch.setattr(storage, "CreatePartitioning", refuse)
    _screen(spoke)
    spoke.input(None, "1")
    assert not spoke.completed
    assert "Automatic partitioning failed: " in _screen(spoke)
