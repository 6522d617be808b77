# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers for the addon service tests and bench: the pyanaconda contract double on the
path, a private dbus-daemon, and a peer that publishes Anaconda's Storage DeviceTree
(Viewer + Handler members the addon reads) serving device data from a real blivet tree.
"""
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLE = os.path.join(HERE, "anaconda_double")
REPO = os.path.dirname(HERE)
ANACONDA_SRC = os.path.abspath(os.environ["ANACONDA_SRC"]) if os.environ.get("ANACONDA_SRC") else ""
"""A checkout of rhinstaller/anaconda (``make anaconda-compat``, docs/anaconda-compat.md):
when set, its real ``pyanaconda`` replaces the double, here and in the started service."""
PYANACONDA = ANACONDA_SRC or DOUBLE
"""The folder whose ``pyanaconda`` the tests and the started service import."""

# The addon's bus name and object path, as Anaconda expects them (spelled out, not imported
# from the service, so a change there fails the tests).
ADDON_SERVICE = "org.fedoraproject.Anaconda.Addons.OvirtNode"
ADDON_PATH = "/org/fedoraproject/Anaconda/Addons/OvirtNode"
STORAGE_SERVICE = "org.fedoraproject.Anaconda.Modules.Storage"
DEVICE_TREE_PATH = "/org/fedoraproject/Anaconda/Modules/Storage/DeviceTree"


def use_double():
    """Put the contract double first on sys.path (tests only) or, with ``ANACONDA_SRC``,
    the checkout's real ``pyanaconda``, reading the checkout's own configuration."""
    if ANACONDA_SRC:
        os.environ.setdefault("ANACONDA_CONFIG_TMP",
                              os.path.join(ANACONDA_SRC, "data", "anaconda.conf"))
    if PYANACONDA not in sys.path:
        sys.path.insert(0, PYANACONDA)
    if ANACONDA_SRC:
        # As in every Anaconda process, the bus module comes first: importing one of the real
        # pyanaconda.modules.common.errors modules before it is a circular import.
        import pyanaconda.core.dbus  # noqa: F401


class PrivateBus:
    """A dbus-daemon of our own (session configuration), stopped by :meth:`stop`."""

    def __init__(self):
        self.process = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.address = self.process.stdout.readline().strip()
        if not self.address:
            raise RuntimeError("dbus-daemon printed no address")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


# --- device data as Anaconda's DeviceTree viewer gives it -------------------------------
def device_key(device, id_based):
    """rhel-9/rhel-10 name devices; main uses device IDs (imitated: class-name)."""
    return "%s-%s" % (type(device).__name__, device.name) if id_based else device.name


def records_from_blivet(b, id_based=False):
    """``{key: (device data, format data, mount options)}`` in the D-Bus shape of
    ``GetDeviceData``/``GetFormatData``/``GetDeviceMountOptions``, from a blivet tree."""
    out = {}
    for dev in b.devices:
        fmt = dev.format
        data = {
            "type": dev.type, "name": dev.name, "path": dev.path,
            "size": int(dev.size),
            "parents": [device_key(p, id_based) for p in dev.parents],
            "children": [device_key(c, id_based) for c in dev.children],
            "is-disk": bool(dev.is_disk), "protected": bool(dev.protected),
            "removable": bool(dev.removable), "attrs": {}, "description": "",
        }
        if id_based:
            data["device-id"] = device_key(dev, id_based)
            data["links"] = []
        attrs = {}
        if getattr(fmt, "mountpoint", None):
            attrs["mount-point"] = fmt.mountpoint
        fdata = {"type": fmt.type or "", "mountable": bool(fmt.mountable),
                 "formattable": bool(fmt.formattable), "attrs": attrs,
                 "description": fmt.name or ""}
        if not id_based:
            del fdata["formattable"]
        options = fmt.options if fmt.mountable else ""
        out[device_key(dev, id_based)] = (data, fdata, options or "")
    return out


def synthetic_records(count, id_based=False, mount_prefix="/srv/data"):
    """A compliant-looking tree of *count* devices (disk, /boot, PV, VG, pool, root and
    thin LVs) for the bench, in the same shape as :func:`records_from_blivet`."""
    GiB = 1024 ** 3  # noqa: N806
    devs = [("disk", "sda", 4096 * GiB, [], "disklabel", None),
            ("partition", "sda1", 1 * GiB, ["sda"], "xfs", "/boot"),
            ("partition", "sda2", 4095 * GiB, ["sda"], "lvmpv", None),
            ("lvmvg", "onn", 4094 * GiB, ["sda2"], "", None),
            ("lvmthinpool", "onn-pool00", 3000 * GiB, ["onn"], "", None),
            ("lvmthinlv", "onn-root", 6 * GiB, ["onn-pool00"], "xfs", "/")]
    i = 0
    while len(devs) < count:
        devs.append(("lvmthinlv", "onn-data%d" % i, 1 * GiB, ["onn-pool00"], "xfs",
                     "%s%d" % (mount_prefix, i)))
        i += 1
    out = {}
    for dtype, name, size, parents, fmt, mount in devs:
        key = ("X-%s" % name) if id_based else name
        data = {"type": dtype, "name": name, "path": "/dev/" + name, "size": size,
                "parents": [("X-%s" % p) if id_based else p for p in parents],
                "children": [], "is-disk": dtype == "disk", "protected": False,
                "removable": False, "attrs": {}, "description": ""}
        if id_based:
            data["device-id"] = key
        fdata = {"type": fmt, "mountable": fmt == "xfs",
                 "attrs": {"mount-point": mount} if mount else {}, "description": ""}
        out[key] = (data, fdata, "defaults,discard" if mount else "")
    return out


def old_btrfs_twins(records, label="data"):
    """*records* plus a spare disk holding two old btrfs volumes that share *label*, each
    with a subvolume ``root`` (Fedora main names them by device ID, ``BTRFS-<uuid>`` and
    ``BTRFS-<uuid>-root``, exactly because names and labels repeat). Nothing is mounted."""
    GiB = 1024 ** 3  # noqa: N806
    out = dict(records)
    uuids = ("0b5e6f1c-0000-4000-8000-000000000001", "0b5e6f1c-0000-4000-8000-000000000002")

    def add(key, dtype, name, size, parents, fmt_type, is_disk=False):
        data = {"type": dtype, "name": name, "path": "/dev/" + name, "size": size,
                "parents": list(parents), "children": [], "is-disk": is_disk,
                "protected": False, "removable": False, "attrs": {}, "description": "",
                "device-id": key}
        fdata = {"type": fmt_type, "mountable": fmt_type == "btrfs",
                 "attrs": {"label": label} if fmt_type == "btrfs" else {},
                 "description": ""}
        out[key] = (data, fdata, "")

    add("sdz", "disk", "sdz", 20 * GiB, [], "disklabel", is_disk=True)
    for number, uuid in enumerate(uuids, 1):
        part = "sdz%d" % number
        volume = "BTRFS-%s" % uuid
        add(part, "partition", part, 10 * GiB, ["sdz"], "btrfs")
        add(volume, "btrfs volume", label, 10 * GiB, [part], "btrfs")
        add("%s-root" % volume, "btrfs subvolume", "root", 10 * GiB, [volume], "btrfs")
    return out


class FakeDeviceTree:
    """The DeviceTree calls the readers make, served in-process from records (no bus)."""

    def __init__(self, records):
        self.records = records

    def GetDevices(self):  # noqa: N802
        return list(self.records)

    def GetDisks(self):  # noqa: N802
        return [k for k, (d, f, o) in self.records.items() if d["is-disk"]]

    def GetDeviceData(self, key):  # noqa: N802
        return self.records[key][0]

    def GetFormatData(self, key):  # noqa: N802
        return self.records[key][1]

    def GetDeviceMountOptions(self, key):  # noqa: N802
        return self.records[key][2]


def _variant_dict(data):
    """Plain values as the D-Bus types Anaconda uses; a ``Variant`` is passed as it is (so a
    test can serve wrongly typed data)."""
    from dasbus.typing import Variant, get_variant
    types = {str: "s", bool: "b", int: "t"}
    out = {}
    for key, value in data.items():
        if isinstance(value, Variant):
            out[key] = value
        elif isinstance(value, dict):
            out[key] = get_variant("a{ss}", value)
        elif isinstance(value, list):
            out[key] = get_variant("as", value)
        else:
            out[key] = get_variant(types[type(value)], value)
    return out


def make_device_tree_interface():
    """The peer's interface class (built lazily: dasbus must be importable)."""
    from dasbus.server.interface import dbus_interface
    from dasbus.typing import Dict, List, Str, Structure

    @dbus_interface("org.fedoraproject.Anaconda.Modules.Storage.DeviceTree.Viewer")
    class DeviceTreeViewer:
        """Answers are prepared once per layout, so timings measure the addon's side."""

        def __init__(self, records):
            self.records = records

        @property
        def records(self):
            return self._records

        @records.setter
        def records(self, records):
            self._records = records
            self._structures = {key: (_variant_dict(d), _variant_dict(f))
                                for key, (d, f, o) in records.items()}

        def GetDevices(self) -> List[Str]:  # noqa: N802
            return list(self.records)

        def GetDisks(self) -> List[Str]:  # noqa: N802
            return [k for k, (d, f, o) in self.records.items() if d["is-disk"]]

        def GetMountPoints(self) -> Dict[Str, Str]:  # noqa: N802
            return {f["attrs"]["mount-point"]: key for key, (d, f, o) in self.records.items()
                    if "mount-point" in f["attrs"]}

        def GetDeviceData(self, name: Str) -> Structure:  # noqa: N802
            return self._structures[name][0]

        def GetFormatData(self, name: Str) -> Structure:  # noqa: N802
            return self._structures[name][1]

    @dbus_interface("org.fedoraproject.Anaconda.Modules.Storage.DeviceTree.Handler")
    class DeviceTreeHandler(DeviceTreeViewer):
        def GetDeviceMountOptions(self, name: Str) -> Str:  # noqa: N802
            return self.records[name][2]

    return DeviceTreeHandler


class StoragePeer:
    """Publishes the DeviceTree on *address* from a thread running a GLib main loop."""

    def __init__(self, address, records):
        from dasbus.connection import AddressedMessageBus
        from gi.repository import GLib
        self.bus = AddressedMessageBus(address)
        self.obj = make_device_tree_interface()(records)
        self.bus.publish_object(DEVICE_TREE_PATH, self.obj)
        self.bus.register_service(STORAGE_SERVICE)
        self.loop = GLib.MainLoop()
        self.thread = threading.Thread(target=self.loop.run, daemon=True)
        self.thread.start()

    def serve(self, records):
        """Serve another layout from now on."""
        self.obj.records = records

    def stop(self):
        self.loop.quit()
        self.thread.join(5)
        self.bus.disconnect()


_VIEWER = "org.fedoraproject.Anaconda.Modules.Storage.DeviceTree.Viewer"
_HANDLER = "org.fedoraproject.Anaconda.Modules.Storage.DeviceTree.Handler"
_PREPARED_XML = """<node>
<interface name="%s">
 <method name="GetDevices"><arg type="as" direction="out"/></method>
 <method name="GetDisks"><arg type="as" direction="out"/></method>
 <method name="GetMountPoints"><arg type="a{ss}" direction="out"/></method>
 <method name="GetDeviceData"><arg type="s" direction="in"/>
  <arg type="a{sv}" direction="out"/></method>
 <method name="GetFormatData"><arg type="s" direction="in"/>
  <arg type="a{sv}" direction="out"/></method>
</interface>
<interface name="%s">
 <method name="GetDeviceMountOptions"><arg type="s" direction="in"/>
  <arg type="s" direction="out"/></method>
</interface>
</node>""" % (_VIEWER, _HANDLER)


class PreparedStoragePeer:
    """The same DeviceTree members as :class:`StoragePeer`, answered with replies packed
    once per layout and dispatched by Gio itself (no dasbus in the peer): a Storage module
    that costs next to nothing, so the bench measures the addon's side of a read. Counts
    the calls per method (``calls``)."""

    def __init__(self, address, records):
        from gi.repository import GLib
        self.address = address
        self.calls = {}
        self.replies = {}
        self.serve(records)
        self.context = GLib.MainContext.new()
        self.loop = GLib.MainLoop(self.context)
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self.ready.wait(10):
            raise RuntimeError("the prepared Storage peer did not start")

    def serve(self, records):
        """Serve another layout from now on (all replies packed here)."""
        from gi.repository import GLib
        mounts = {f["attrs"]["mount-point"]: key for key, (d, f, o) in records.items()
                  if "mount-point" in f["attrs"]}
        per_key = {"GetDeviceData": {}, "GetFormatData": {}, "GetDeviceMountOptions": {}}
        for key, (data, fdata, options) in records.items():
            per_key["GetDeviceData"][key] = GLib.Variant("(a{sv})", (_variant_dict(data),))
            per_key["GetFormatData"][key] = GLib.Variant("(a{sv})", (_variant_dict(fdata),))
            per_key["GetDeviceMountOptions"][key] = GLib.Variant("(s)", (options,))
        self.replies = dict(per_key, **{
            "GetDevices": GLib.Variant("(as)", (list(records),)),
            "GetDisks": GLib.Variant("(as)", ([k for k, (d, f, o) in records.items()
                                               if d["is-disk"]],)),
            "GetMountPoints": GLib.Variant("(a{ss})", (mounts,)),
        })

    def _run(self):
        from gi.repository import Gio, GLib
        self.context.push_thread_default()
        self.connection = Gio.DBusConnection.new_for_address_sync(
            self.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        info = Gio.DBusNodeInfo.new_for_xml(_PREPARED_XML)
        for interface in info.interfaces:
            self.connection.register_object(DEVICE_TREE_PATH, interface, self._call, None,
                                            None)
        self.connection.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "RequestName", GLib.Variant("(su)", (STORAGE_SERVICE, 0)), None,
            Gio.DBusCallFlags.NONE, -1, None)
        self.ready.set()
        self.loop.run()

    def _call(self, connection, sender, path, interface, method, parameters, invocation):
        self.calls[method] = self.calls.get(method, 0) + 1
        reply = self.replies[method]
        if parameters.n_children():
            reply = reply[parameters.get_child_value(0).get_string()]
        invocation.return_value(reply)

    def stop(self):
        self.context.invoke_full(0, self.loop.quit)
        self.thread.join(5)
        self.connection.close_sync(None)


def start_service(address, stderr=None):
    """``python -m org_ovirt_node.service`` as Anaconda would start it, on *address*."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([PYANACONDA, REPO, env.get("PYTHONPATH", "")])
    env["DBUS_STARTER_ADDRESS"] = address
    return subprocess.Popen([sys.executable, "-m", "org_ovirt_node.service"], env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=stderr if stderr is not None else subprocess.DEVNULL)


def wait_for_name(bus, name, timeout=20):
    """Wait until *name* has an owner on *bus*."""
    dbus = bus.get_proxy("org.freedesktop.DBus", "/org/freedesktop/DBus")
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if dbus.NameHasOwner(name):
            return
        time.sleep(0.02)
    raise TimeoutError(name)


def run_task(bus, service_name, path, timeout=30):
    """Start a published task, wait for it, and call Finish (which raises its error)."""
    task = bus.get_proxy(service_name, path)
    task.Start()
    end = time.monotonic() + timeout
    while task.IsRunning and time.monotonic() < end:
        time.sleep(0.02)
    task.Finish()
    return task
