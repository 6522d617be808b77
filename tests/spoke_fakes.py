# SPDX-License-Identifier: GPL-2.0-or-later
"""What the spoke tests (tests/test_tui_spoke.py, tests/test_gui_spoke.py) share: a small
Storage module on the bus, a counting wrapper around the addon's proxy, and the environment
fixture (private dbus-daemon, the real addon service, Storage's DeviceTree serving real
blivet layouts). No tests here; the module is named for the folder's naming rule.

The Storage module has what the spokes call: ``CreatePartitioning`` (an INTERACTIVE
partitioning), ``DiskSelection.SelectedDisks``, ``ApplyPartitioning`` (serves what the
partitioning built from then on and emits ``AppliedPartitioning`` changed, as Anaconda's
Storage module does), ``ResetPartitioning`` and ``ScanDevicesWithTask``. A partitioning's
device tree (:class:`Scheduler`: the Viewer, Handler and Scheduler members the spokes use,
each in the interface Anaconda declares it in) works on a copy of the applied layout's real
blivet model, as Anaconda's interactive partitioning works on a copy of the storage:
``AddDevice``/``ChangeDevice`` run blivet's device factory with the arguments Anaconda's
``AddDeviceTask``/``ChangeDeviceTask`` give it (so the factory trims thin LVs as it does in
the installer), ``DestroyDevice`` follows Anaconda's rules (a disk is only initialized: it
must be empty), ``SetDeviceMountOptions`` sets the format's options,
``GenerateDeviceFactoryRequest`` describes a device as Anaconda's ``utils`` does. Every
call is also recorded (``calls``). Not Anaconda's storage code (that needs blivet and
libblockdev versions Debian 12 lacks for main; checked against rhel-9, rhel-10 and main's
``handler_interface.py``, ``viewer_interface.py``, ``scheduler_interface.py`` and
``partitioning/interactive/{add_device,change_device,utils}.py``).
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
    Dict,
    List,
    ObjPath,
    Str,
    Structure,
    Variant,
    get_native,
    get_variant,
)
from pyanaconda.modules.common.structures.device_factory import (  # noqa: E402
    DeviceFactoryRequest,
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


class Records(dict):
    """``{key: (device data, format data, mount options)}`` (as
    ``service_helpers.records_from_blivet``) and the blivet model they were read from."""

    def __init__(self, b):
        super().__init__(H.records_from_blivet(b))
        self.blivet = b


_TREE = "org.fedoraproject.Anaconda.Modules.Storage.DeviceTree"
# blivet.devicefactory.DEVICE_TYPE_*: LVM, BTRFS, LVM_THINP (pyanaconda.core.storage)
_CONTAINER_TYPES = (0, 3, 5)
_PARTITION_ONLY = ("efi", "macefi", "prepboot", "biosboot", "appleboot")


@dbus_interface(_TREE + ".Viewer")
class SchedulerViewer:
    """The Viewer members of a partitioning's device tree, read from its blivet model."""

    def __init__(self, storage, b):
        self.storage, self.blivet = storage, b
        self.calls = []

    def _device(self, key):
        device = self.blivet.devicetree.get_device_by_name(key, hidden=True)
        if device is None:
            raise ValueError("Unknown device %s." % key)    # UnknownDeviceError there
        return device

    def _record(self, key):
        return H.records_from_blivet(self.blivet)[key]

    def GetDevices(self) -> List[Str]:  # noqa: N802
        return [d.name for d in self.blivet.devices]

    def GetMountPoints(self) -> Dict[Str, Str]:  # noqa: N802
        return {d.format.mountpoint: d.name for d in self.blivet.devices
                if getattr(d.format, "mountpoint", None)}

    def GetDeviceData(self, name: Str) -> Structure:  # noqa: N802
        return H._variant_dict(self._record(name)[0])


@dbus_interface(_TREE + ".Handler")
class SchedulerHandler(SchedulerViewer):
    def GetDeviceMountOptions(self, name: Str) -> Str:  # noqa: N802
        return self._device(name).format.options or ""

    def SetDeviceMountOptions(self, name: Str, mount_options: Str):  # noqa: N802
        """As Anaconda's handler: the format's options, None for "" (blivet's default)."""
        self.calls.append(("SetDeviceMountOptions", name, mount_options))
        self._device(name).format.options = mount_options or None


@dbus_interface(_TREE + ".Scheduler")
class Scheduler(SchedulerHandler):
    """The device tree of one interactive partitioning: changes a copy of the applied
    blivet model the way Anaconda's scheduler does, and records each call."""

    def IsDevice(self, name: Str) -> Bool:  # noqa: N802
        return self.blivet.devicetree.get_device_by_name(name, hidden=True) is not None

    def GenerateDeviceFactoryRequest(self, name: Str) -> Structure:  # noqa: N802
        self.calls.append(("GenerateDeviceFactoryRequest", name))
        return DeviceFactoryRequest.to_structure(self._generate(self._device(name)))

    def DestroyDevice(self, device_name: Str):  # noqa: N802
        """Anaconda's ``utils.destroy_device``: a disk is (re)initialized, which blivet
        refuses while it holds partitions; any other device must be a leaf."""
        self.calls.append(("DestroyDevice", device_name))
        device = self._device(device_name)
        if device.is_disk:
            self.blivet.initialize_disk(device)
            return
        self.blivet.destroy_device(device)
        if device.type == "partition" and device.disk and \
                not all(p.exists for p in device.disk.children):
            from blivet.partitioning import do_partitioning
            do_partitioning(self.blivet)

    def AddDevice(self, request: Structure):  # noqa: N802
        """Anaconda's ``AddDeviceTask``: complete the request, find a new (else the
        existing) container, ``factory_device`` with the request's arguments."""
        from blivet import devicefactory
        from blivet.errors import StorageError
        from blivet.size import Size
        self.calls.append(("AddDevice", get_native(request)))
        data = DeviceFactoryRequest.from_structure(request)
        if not data.format_type:
            data.format_type = self.blivet.get_fstype(data.mount_point)
        if data.mount_point.lower() in ("swap", "biosboot", "prepboot"):
            data.mount_point = ""
        if data.mount_point.startswith("/boot") or data.format_type in _PARTITION_ONLY:
            data.device_type = devicefactory.DEVICE_TYPE_PARTITION
            data.device_encrypted = False
        for existing in (False, True):
            factory = devicefactory.get_device_factory(
                self.blivet, device_type=data.device_type,
                size=Size(data.device_size) if data.device_size else None)
            container = factory.get_container(allow_existing=existing)
            if existing and not container:
                raise ValueError("No existing container found.")
            if container:
                data.disks = [d.name for d in container.disks]
                data.container_size_policy = self._size_policy(container)
                if existing:
                    data.container_name = container.name
            try:
                self.blivet.factory_device(**self._factory_arguments(data))
                return
            except StorageError:
                if existing:
                    raise

    def ChangeDevice(self, request: Structure, original_request: Structure):  # noqa: N802
        """Anaconda's ``ChangeDeviceTask`` for a device not on disk yet (the test layouts
        are all scheduled): nothing if both requests are equal, else the device replaced
        through ``factory_device`` (removed first if its type or container changes)."""
        self.calls.append(("ChangeDevice", get_native(request), get_native(original_request)))
        new = DeviceFactoryRequest.from_structure(request)
        old = DeviceFactoryRequest.from_structure(original_request)
        if get_native(request) == get_native(original_request):
            return
        device = self._device(new.device_spec)
        if device.raw_device.exists:
            raise ValueError("The stand-in changes only devices not on disk yet.")
        if old.device_type != new.device_type or (
                old.container_name and new.container_name != old.container_name):
            self.DestroyDevice(new.device_spec)
            new.device_spec = ""
        self.blivet.factory_device(**self._factory_arguments(new))

    # --- Anaconda's partitioning/interactive/utils.py, for the devices of the tests ---------
    @staticmethod
    def _size_policy(container):
        from blivet import devicefactory
        from blivet.size import Size
        size = getattr(container, "size_policy", container.size)
        if size is None:
            return devicefactory.SIZE_POLICY_AUTO
        return Size(size).get_bytes() if size > 0 else size

    def _factory_arguments(self, data):
        """``get_device_factory_arguments`` (no RAID in the test layouts)."""
        from blivet.size import Size
        tree = self.blivet.devicetree
        policy = data.container_size_policy
        return dict(
            device_type=data.device_type,
            device=tree.get_device_by_name(data.device_spec) if data.device_spec else None,
            disks=[tree.get_device_by_name(d) for d in data.disks],
            mountpoint=data.mount_point or None, fstype=data.format_type or None,
            label=data.label or None, luks_version=data.luks_version or None,
            device_name=data.device_name or None, size=Size(data.device_size) or None,
            encrypted=data.device_encrypted, container_name=data.container_name or None,
            container_size=policy if policy <= 0 else Size(policy),
            container_encrypted=data.container_encrypted)

    def _generate(self, device):
        """``generate_device_factory_request``: the device as a request to change it."""
        from blivet import devicefactory
        from blivet.devices import LUKSDevice
        device_type = devicefactory.get_device_type(device)
        if device_type is None:
            raise ValueError("Unsupported type of %s." % device.name)
        data = DeviceFactoryRequest()
        raw = device.raw_device
        data.device_spec = device.name
        data.device_name = getattr(raw, "lvname", raw.name)
        data.device_size = device.size.get_bytes()
        data.device_type = device_type
        data.reformat = not device.format.exists
        data.format_type = device.format.type or ""
        data.device_encrypted = isinstance(device, LUKSDevice)
        data.luks_version = raw.format.luks_version if raw.format.type == "luks" else ""
        data.label = getattr(device.format, "label", "") or ""
        data.mount_point = getattr(device.format, "mountpoint", "") or ""
        level = getattr(raw, "level", None) or getattr(raw, "data_level", None)
        data.device_raid_level = level.name if level else ""
        disks = device.req_disks if hasattr(device, "req_disks") and not device.exists \
            else device.disks
        data.disks = [d.name for d in disks]
        if device_type not in _CONTAINER_TYPES:
            return data
        container = devicefactory.get_device_factory(
            self.blivet, device_type=device_type, device=raw).get_container()
        if container:
            data.container_spec = container.name
            data.container_name = container.name
            data.container_encrypted = container.encrypted
            data.container_raid_level = ""
            data.container_size_policy = self._size_policy(container)
        return data


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

    def __init__(self, peer, model):
        super().__init__()
        self.peer = peer
        self.model = model      # the applied layout's blivet model (a partitioning copies it)
        self.created = []       # (method, path, Partitioning, Scheduler)
        self.applied = []       # paths
        self.objects = {}
        self.validation = ValidationReport()    # what validating a partitioning reports
        self._applied = ""

    def publish(self, obj, kind="Task"):
        path = "%s/%s/%d" % (STORAGE_PATH, kind, len(self.objects) + 1)
        self.peer.bus.publish_object(path, obj)
        self.objects[path] = obj
        return path

    def CreatePartitioning(self, method: Str) -> ObjPath:  # noqa: N802
        tree = Scheduler(self, self.model.copy())
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
        tree = next(t for _m, path, _p, t in self.created if path == partitioning)
        self.peer.serve(Records(tree.blivet))
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
    """A ``GetRepairPlan()`` answer as dasbus hands it to the client. *changes*: tuples
    ``(action, mount point, description, request fields[, device[, mount options]])``."""
    items = []
    for action, mount, description, fields, *rest in changes:
        device, options = (tuple(rest) + ("", ""))[:2]
        request = DeviceFactoryRequest()
        for key, value in fields.items():
            setattr(request, key, value)
        items.append({
            "action": get_variant(Str, action), "mount-point": get_variant(Str, mount),
            "description": get_variant(Str, description),
            "device": get_variant(Str, device), "mount-options": get_variant(Str, options),
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
        self.storage = Storage(self, self._records.blivet)
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
        """Serve another layout (:class:`Records`) from now on; partitionings start from it."""
        self.obj.records = records
        self.storage.model = records.blivet

    def stop(self):
        self.loop.quit()
        self.thread.join(5)


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    return {name: Records(build(tmp_path_factory.mktemp(name)))
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
