# SPDX-License-Identifier: GPL-2.0-or-later
"""What the spoke tests (tests/test_tui_spoke.py, tests/test_gui_spoke.py) share: a small
Storage module on the bus, a counting wrapper around the addon's proxy, and the environment
fixture (private dbus-daemon, the real addon service, Storage's DeviceTree serving real
blivet layouts). No tests here; the module is named for the folder's naming rule.

The Storage module has what the spokes call: ``CreatePartitioning`` (an INTERACTIVE
partitioning whose device tree records ``DestroyDevice``/``AddDevice``/``ChangeDevice``,
configure and validate tasks), ``DiskSelection.SelectedDisks``, ``ApplyPartitioning``
(serves the layout of the test's choice from then on and emits ``AppliedPartitioning``
changed, as Anaconda's Storage module does), ``ResetPartitioning`` and
``ScanDevicesWithTask``. It is not Anaconda's storage code (that needs blivet and
libblockdev versions Debian 12 lacks for main); only the spokes' calls are real.
"""
import pytest
import service_helpers as H
from blivet.size import Size
from blivet_helpers import compliant_tree

H.use_double()

from dasbus.server.interface import dbus_interface  # noqa: E402
from dasbus.server.property import PropertiesInterface, emits_properties_changed  # noqa: E402
from dasbus.typing import (  # noqa: E402
    Bool,
    List,
    ObjPath,
    Str,
    Structure,
    Variant,
    get_native,
    get_variant,
)
from pyanaconda.modules.common.structures.validation import ValidationReport  # noqa: E402

STORAGE_PATH = "/org/fedoraproject/Anaconda/Modules/Storage"
GiB = 1024 ** 3


def broken_tree(tmpdir):
    """Autopart without /var, and / on an ordinary (thick) LV: two errors."""
    b = compliant_tree(str(tmpdir))
    b.destroy_device(b.devicetree.get_device_by_name("onn-var"))
    b.destroy_device(b.devicetree.get_device_by_name("onn-root"))
    vg = b.devicetree.get_device_by_name("onn")
    vg.thpool_reserve = None
    b.create_device(b.new_lv(name="root", parents=[vg], size=Size("6 GiB"), fmt_type="xfs",
                             mountpoint="/"))
    return b


def var_missing_tree(tmpdir):
    """Autopart without /var: what "Fix my layout" repairs by adding a thin LV."""
    b = compliant_tree(str(tmpdir))
    b.destroy_device(b.devicetree.get_device_by_name("onn-var"))
    return b


@dbus_interface("org.fedoraproject.Anaconda.Task")
class DoneTask:
    """A task that is over once started; GetResult gives a ValidationReport."""

    def __init__(self, report=None):
        self.report = report or ValidationReport()

    @property
    def IsRunning(self) -> Bool:  # noqa: N802
        return False

    def Start(self):  # noqa: N802
        pass

    def Finish(self):  # noqa: N802
        pass

    def GetResult(self) -> Variant:  # noqa: N802
        return get_variant(Structure, ValidationReport.to_structure(self.report))


@dbus_interface("org.fedoraproject.Anaconda.Modules.Storage.DeviceTree.Handler")
class Scheduler:
    """The device tree of one interactive partitioning: records what the spoke does."""

    def __init__(self, storage):
        self.storage = storage
        self.calls = []

    def DestroyDevice(self, device_name: Str):  # noqa: N802
        self.calls.append(("DestroyDevice", device_name))

    def AddDevice(self, request: Structure):  # noqa: N802
        self.calls.append(("AddDevice", get_native(request)))

    def ChangeDevice(self, request: Structure, original_request: Structure):  # noqa: N802
        self.calls.append(("ChangeDevice", get_native(request), get_native(original_request)))


@dbus_interface("org.fedoraproject.Anaconda.Modules.Storage.Partitioning.Interactive")
class Partitioning:
    def __init__(self, storage, tree_path):
        self.storage, self.tree_path = storage, tree_path

    def GetDeviceTree(self) -> ObjPath:  # noqa: N802
        return self.tree_path

    def ConfigureWithTask(self) -> ObjPath:  # noqa: N802
        return self.storage.publish(DoneTask())

    def ValidateWithTask(self) -> ObjPath:  # noqa: N802
        return self.storage.publish(DoneTask(self.storage.validation))


@dbus_interface("org.fedoraproject.Anaconda.Modules.Storage.DiskSelection")
class DiskSelection:
    def __init__(self):
        self.disks = []

    @property
    def SelectedDisks(self) -> List[Str]:  # noqa: N802
        return self.disks


@dbus_interface("org.fedoraproject.Anaconda.Modules.Storage")
class Storage(PropertiesInterface):
    """Records the partitionings the spokes create and apply."""

    def __init__(self, peer):
        super().__init__()
        self.peer = peer
        self.created = []       # (method, path, Partitioning, Scheduler)
        self.applied = []       # paths
        self.objects = {}
        self.validation = ValidationReport()    # what validating a partitioning reports
        self.next_layout = None                 # records served once a partitioning applies
        self._applied = ""

    def publish(self, obj, kind="Task"):
        path = "%s/%s/%d" % (STORAGE_PATH, kind, len(self.objects) + 1)
        self.peer.bus.publish_object(path, obj)
        self.objects[path] = obj
        return path

    def CreatePartitioning(self, method: Str) -> ObjPath:  # noqa: N802
        tree = Scheduler(self)
        tree_path = self.publish(tree, "DeviceTree")
        part = Partitioning(self, tree_path)
        path = self.publish(part, "Partitioning")
        self.created.append((method, path, part, tree))
        return path

    @property
    def AppliedPartitioning(self) -> Str:  # noqa: N802
        return self._applied

    @emits_properties_changed
    def ApplyPartitioning(self, partitioning: ObjPath):  # noqa: N802
        self.applied.append(partitioning)
        if self.next_layout is not None:
            self.peer.serve(self.next_layout)
        self._applied = partitioning
        self.report_changed_property("AppliedPartitioning")

    @emits_properties_changed
    def ResetPartitioning(self):  # noqa: N802
        self._applied = ""
        self.report_changed_property("AppliedPartitioning")

    def ScanDevicesWithTask(self) -> ObjPath:  # noqa: N802
        return self.publish(DoneTask())


class CountingAddon:
    """The addon's proxy, counting each method call and property read by name; ``extra``
    adds methods the service does not have (yet)."""

    def __init__(self, proxy, extra=None):
        self._proxy, self._extra = proxy, dict(extra or {})
        self.calls = {}

    def __getattr__(self, name):
        if name in self._extra:
            target = self._extra[name]
        else:
            target = getattr(self._proxy, name)     # AttributeError if the service lacks it
        self.calls[name] = self.calls.get(name, 0) + 1
        if callable(target):
            def call(*args):
                return target(*args)
            return call
        return target

    @property
    def validations(self):
        """How often the service read Anaconda's device tree for the spoke."""
        return self.calls.get("GetLayoutReport", 0) + self.calls.get("ValidateLayout", 0)


def repair_plan_structure(changes, refusals=(), can_apply=True):
    """A ``GetRepairPlan()`` answer as dasbus hands it to the client."""
    from pyanaconda.modules.common.structures.device_factory import DeviceFactoryRequest
    items = []
    for action, mount, description, fields in changes:
        request = DeviceFactoryRequest()
        for key, value in fields.items():
            setattr(request, key, value)
        items.append({
            "action": get_variant(Str, action), "mount-point": get_variant(Str, mount),
            "description": get_variant(Str, description),
            "request": get_variant(Structure, DeviceFactoryRequest.to_structure(request)),
            "original-request": get_variant(Structure, DeviceFactoryRequest.to_structure(
                DeviceFactoryRequest()))})
    return {"changes": get_variant(List[Structure], items),
            "refusals": get_variant(List[Str], list(refusals)),
            "can-apply": get_variant(Bool, can_apply)}


class Peer:
    """Storage's DeviceTree (what the service reads) and the Storage module above, served
    from a thread with a GLib main context of its own: the test's main thread stays free
    to run the UI's default main context (GTK, signals to the spokes), as in Anaconda where
    Storage is another process."""

    def __init__(self, address, records):
        import threading

        from gi.repository import GLib
        self._started = threading.Event()
        self._address, self._records = address, records
        self.context = GLib.MainContext()
        self.loop = GLib.MainLoop(self.context)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self._started.wait(30)

    def _run(self):
        from dasbus.connection import AddressedMessageBus
        self.context.push_thread_default()
        self.bus = AddressedMessageBus(self._address)
        self.obj = H.make_device_tree_interface()(self._records)
        self.bus.publish_object(H.DEVICE_TREE_PATH, self.obj)
        self.storage = Storage(self)
        self.bus.publish_object(STORAGE_PATH, self.storage)
        self.selection = DiskSelection()
        self.selection.disks = sorted(k for k, (d, _f, _o) in self._records.items()
                                      if d["is-disk"])
        self.bus.publish_object(STORAGE_PATH + "/DiskSelection", self.selection)
        self.bus.register_service(H.STORAGE_SERVICE)
        self._started.set()
        self.loop.run()
        self.bus.disconnect()

    def serve(self, records):
        """Serve another layout from now on."""
        self.obj.records = records

    def stop(self):
        self.loop.quit()
        self.thread.join(5)


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    return {name: H.records_from_blivet(build(tmp_path_factory.mktemp(name)))
            for name, build in (("compliant", compliant_tree), ("broken", broken_tree),
                                ("var-missing", var_missing_tree))}


@pytest.fixture(scope="module")
def env(layouts):
    """(addon proxy, storage peer, Storage) on a private bus, the addon service running."""
    from dasbus.connection import AddressedMessageBus
    from pyanaconda.core.dbus import DBus, error_mapper
    mp = pytest.MonkeyPatch()
    bus = H.PrivateBus()
    peer = Peer(bus.address, layouts["broken"])
    storage = peer.storage
    service = H.start_service(bus.address)
    client = AddressedMessageBus(bus.address, error_mapper=error_mapper)
    mp.setenv("DBUS_ANACONDA_SESSION_BUS_ADDRESS", bus.address)
    mp.delenv("DBUS_STARTER_ADDRESS", raising=False)
    DBus.disconnect()       # pyanaconda's bus singleton: connect to this private bus
    try:
        H.wait_for_name(client, H.ADDON_SERVICE)
        yield client.get_proxy(H.ADDON_SERVICE, H.ADDON_PATH), peer, storage
    finally:
        try:
            client.get_proxy(H.ADDON_SERVICE, H.ADDON_PATH).Quit()
        except Exception:  # noqa: BLE001 - the process is stopped below anyway
            pass
        service.terminate()
        service.wait(10)
        DBus.disconnect()
        client.disconnect()
        peer.stop()
        bus.stop()
        mp.undo()
