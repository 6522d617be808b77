# SPDX-License-Identifier: GPL-2.0-or-later
"""What the text and graphical spokes share: the cached layout report and the two actions.

:class:`LayoutMonitor` holds the addon's answer (``GetLayoutReport()``, one D-Bus call that
reads Anaconda's device tree once) and refreshes it once per storage change, in a thread,
the way Anaconda's own spokes wait for storage: not ready while storage is scanned or
executed, then ready (the GUI spoke then calls ``hubQ.send_ready``). A change is Storage's
``AppliedPartitioning`` being set (every applied or reset partitioning, from Installation
Destination or from this addon) or the addon's mode or profile changing. The spokes'
property getters only read the cache: no D-Bus there.

:func:`create_layout` and :func:`fix_layout` execute the service's ``GetDeviceRequests`` /
``GetRepairPlan`` answers through Anaconda's Storage D-Bus API (an INTERACTIVE partitioning,
``AddDevice``/``ChangeDevice``/``SetDeviceMountOptions``, then ``apply_partitioning``) and
update the storage checker's report as Anaconda's storage spoke does. They are slow (storage
tasks): callers run them in a thread.
"""
import itertools
import threading

from dasbus.client.proxy import get_object_path
from dasbus.error import DBusError
from dasbus.typing import get_native
from pyanaconda.core.constants import (
    PARTITIONING_METHOD_INTERACTIVE,
    THREAD_EXECUTE_STORAGE,
    THREAD_STORAGE,
)
from pyanaconda.modules.common.constants.objects import DISK_SELECTION
from pyanaconda.modules.common.constants.services import STORAGE
from pyanaconda.modules.common.structures.device_factory import DeviceFactoryRequest
from pyanaconda.modules.common.structures.validation import ValidationReport
from pyanaconda.ui.helpers import StorageCheckHandler
from pyanaconda.ui.lib.storage import create_partitioning

from org_ovirt_node.i18n import _
from org_ovirt_node.installer import ui_model
from org_ovirt_node.tui import compat

__all__ = ["LayoutMonitor", "fetch_report", "create_layout", "fix_layout", "storage_busy",
           "get_device_requests", "get_repair_plan", "selected_disks", "THREAD_LAYOUT"]

THREAD_LAYOUT = "AnaOvirtNodeLayoutThread"
"""The thread that re-reads the layout report after a storage change (one per monitor:
this name and a number, as Anaconda's thread manager wants unique names)."""
_instances = itertools.count(1)


def storage_busy():
    """Anaconda is scanning storage or executing a partitioning (no D-Bus: thread names)."""
    return bool(compat.thread_manager.get(THREAD_STORAGE)
                or compat.thread_manager.get(THREAD_EXECUTE_STORAGE))


def fetch_report(addon):
    """One refresh: ``GetLayoutReport()`` (a single validation of the planned layout) as a
    native dict; a service without that method (older addon service) is asked ``Mode``,
    ``Profile`` and ``ValidateLayout()`` instead (still one validation).

    :return: (report dict, failure text or None)
    """
    try:
        get_report = getattr(addon, "GetLayoutReport", None)
    except DBusError as exc:    # introspection failed: the addon is absent
        return {}, str(exc)
    try:
        if get_report is not None:
            return get_native(get_report()), None
        mode = addon.Mode
        report = {"mode": mode, "profile": "", "findings": [], "mounts": [], "pool": {}}
        if mode != ui_model.MODE_OFF:
            report["profile"] = addon.Profile
            report["findings"] = get_native(addon.ValidateLayout())
        return report, None
    except DBusError as exc:
        return {}, str(exc)


class LayoutMonitor:
    """The cached layout state of one spoke (see the module docstring).

    :param addon: the addon service's proxy
    :param on_ready: called (from the refresh thread) once a fresh state is cached
    :param on_not_ready: called when a storage change makes the cached state stale
    """

    def __init__(self, addon, on_ready=None, on_not_ready=None):
        self._addon = addon
        self._on_ready = on_ready or (lambda: None)
        self._on_not_ready = on_not_ready or (lambda: None)
        self._lock = threading.Lock()
        self._report, self._failure = {}, None
        self._state = None
        self._mode = None         # of the last good answer
        self._fresh = False       # the cached state belongs to the current storage
        self._running = False     # a refresh thread is on its way
        self._generation = 0      # counts changes; a read is fresh if none came meanwhile
        self._watched = []
        self._own = set()         # partitionings this spoke applies itself
        self.thread_name = "%s%d" % (THREAD_LAYOUT, next(_instances))

    # --- what the property getters read (no D-Bus) -----------------------------------------
    @property
    def ready(self):
        return self._fresh and not storage_busy()

    @property
    def state(self):
        """The cached :class:`ui_model.SpokeState` (None before the first refresh)."""
        return self._state

    @property
    def report(self):
        return self._report

    @property
    def mandatory(self):
        """Enforce mode (from the cache; before the first answer: not mandatory)."""
        return self._state.mandatory if self._state is not None else False

    # --- refreshing ------------------------------------------------------------------------
    def watch(self):
        """Subscribe to Storage's and the addon's property changes (signals arrive in the
        UI's GLib main loop, which both Anaconda UIs run)."""
        try:
            storage = STORAGE.get_proxy()
            storage.PropertiesChanged.connect(self._storage_changed)
            self._addon.PropertiesChanged.connect(self._addon_changed)
            self._watched = [storage, self._addon]
        except (DBusError, AttributeError):     # no Storage (tests) / addon absent
            self._watched = []

    def _storage_changed(self, interface, changed, invalidated):
        if "AppliedPartitioning" in changed:
            path = get_native(changed["AppliedPartitioning"])
            with self._lock:
                if path in self._own:       # our own action re-reads after applying it
                    self._own.discard(path)
                    return
            self.invalidate()
        elif "AppliedPartitioning" in invalidated:
            self.invalidate()

    def expect_own_apply(self, partitioning_path):
        """The spoke applies *partitioning_path* itself and re-reads afterwards
        (:meth:`refresh_now`): its AppliedPartitioning signal is not a change to re-read."""
        with self._lock:
            self._own.add(str(partitioning_path))

    def _addon_changed(self, interface, changed, invalidated):
        if {"Mode", "Profile"} & (set(changed) | set(invalidated)):
            self.invalidate()

    def invalidate(self):
        """Storage (or the addon's settings) changed: not ready until re-read, in a thread."""
        with self._lock:
            self._generation += 1
            self._fresh = False
            start = not self._running
            self._running = True
        self._on_not_ready()
        if start:
            compat.start_thread(self.thread_name, self._run)

    def _run(self):
        """Wait for storage like Anaconda's spokes, then read until nothing changed meanwhile."""
        while True:
            compat.thread_manager.wait(THREAD_STORAGE)
            compat.thread_manager.wait(THREAD_EXECUTE_STORAGE)
            with self._lock:
                generation = self._generation
            self._fetch()
            with self._lock:
                if generation == self._generation:  # no change while reading: done
                    self._fresh, self._running = True, False
                    break
        self._on_ready()

    def refresh_now(self):
        """Re-read synchronously (the user asked to check again): one GetLayoutReport."""
        self._fetch()
        with self._lock:
            self._fresh = not self._running

    def _fetch(self):
        report, failure = fetch_report(self._addon)
        state = None
        if failure is None:
            try:
                state = ui_model.evaluate_report(report)
                self._mode = report.get("mode")
            except Exception as exc:  # noqa: BLE001 - a malformed answer must not hang us
                failure = _("The addon service sent an answer the spoke cannot read: "
                            "%(error)s") % {"error": exc}
        if state is None:   # the mode of the last answer decides whether the failure blocks
            state = ui_model.evaluate(self._mode, failure=failure)
        self._report, self._failure, self._state = report, failure, state


# --- "Create the required layout" and "Fix my layout" ------------------------------------------
def selected_disks():
    """The disks selected in Installation Destination (names on rhel-9/10, IDs on main)."""
    return list(STORAGE.get_proxy(DISK_SELECTION).SelectedDisks)


def get_device_requests(addon, disks):
    """The service's requests for *disks*: (D-Bus structures, native dicts)."""
    structures = addon.GetDeviceRequests(disks)
    return structures, [get_native(s) for s in structures]


def get_repair_plan(addon):
    """The service's repair plan, native (``changes``, ``refusals``, ``can-apply``)."""
    return get_native(addon.GetRepairPlan())


def _request_structure(native):
    """A native DeviceFactoryRequest dict back as a D-Bus structure (fields this branch's
    DeviceFactoryRequest does not know are left out)."""
    request = DeviceFactoryRequest()
    for key, value in native.items():
        name = key.replace("-", "_")
        if hasattr(request, name):
            setattr(request, name, value)
    return DeviceFactoryRequest.to_structure(request)


def _fail(text):
    report = ValidationReport()
    report.error_messages = [text]
    return report


def _apply(partitioning, show_message, monitor):
    """Apply *partitioning* and record Anaconda's report where Installation Destination
    reads it (as Anaconda's storage spoke does after its own apply)."""
    if monitor is not None:
        monitor.expect_own_apply(get_object_path(partitioning))
    report = compat.apply_partitioning(partitioning, show_message)
    StorageCheckHandler.errors = list(report.error_messages)
    StorageCheckHandler.warnings = list(report.warning_messages)
    return report


def _device_of(tree, mount_point, known=""):
    """The device-tree key (name on rhel-9/rhel-10, ID on main) of the device mounted at
    *mount_point* in the scheduler's *tree*; *known* when the service already named it."""
    if known:
        return known
    device = get_native(tree.GetMountPoints()).get(mount_point, "")
    if not device:
        raise ValueError(_("No device is mounted at %(mount)s after the change.")
                         % {"mount": mount_point})
    return device


def _grow(tree, change):
    """ChangeDevice with Anaconda's own picture of the device (``reformat``, ``label``,
    LUKS and container fields exactly as the scheduler has them), only the size changed.
    The service's requests are the fallback when the scheduler cannot describe the device
    (an unsupported device type: then ChangeDevice reports what is wrong)."""
    wanted = (change.get("request") or {}).get("device-size")
    try:
        original = get_native(tree.GenerateDeviceFactoryRequest(change.get("device", "")))
        request = dict(original, **{"device-size": wanted}) if wanted else original
    except DBusError:
        original = change.get("original-request") or {}
        request = change.get("request") or {}
    tree.ChangeDevice(_request_structure(request), _request_structure(original))


def _execute(tree, changes):
    """Execute repair *changes* (native RepairChange dicts) on an interactive partitioning's
    device *tree* (the scheduler: Viewer, Handler and Scheduler members):

    - "add": ``AddDevice(request)``;
    - "grow": ``ChangeDevice`` (:func:`_grow`);
    - "options": nothing structural (a DeviceFactoryRequest has no mount options);

    then, for every action, ``SetDeviceMountOptions`` when ``mount-options`` is not "" (a new
    device's key is known only after AddDevice: looked up with ``GetMountPoints``).
    """
    for change in changes:
        action = change.get("action")
        if action == "add":
            tree.AddDevice(_request_structure(change.get("request") or {}))
        elif action == "grow":
            _grow(tree, change)
        elif action != "options":
            raise ValueError(_("The repair plan holds an unknown change: %(action)s")
                             % {"action": action})
        options = change.get("mount-options") or ""
        if options:
            known = change.get("device", "") if action == "options" else ""
            tree.SetDeviceMountOptions(_device_of(tree, change.get("mount-point", ""), known),
                                       options)


def _clear_disk(tree, disk):
    """Remove everything on *disk* in the scheduler's *tree*, as the custom spoke's "delete
    all" does: ``DestroyDevice`` of one leaf at a time (Anaconda destroys only leaves and
    initializes only an empty disk), then of the disk itself, which gives it a new label.
    The leaf is looked up again after each removal (``GetDeviceData(...)["children"]``):
    removing a partition re-partitions the disk, and the others may change their names."""
    for _attempt in range(len(tree.GetDevices()) + 1):
        key = disk
        children = get_native(tree.GetDeviceData(key)).get("children")
        if not children:
            tree.DestroyDevice(disk)
            return
        while children:
            key = children[0]
            children = get_native(tree.GetDeviceData(key)).get("children")
        tree.DestroyDevice(key)
    raise ValueError(_("%(disk)s could not be emptied.") % {"disk": disk})


def create_layout(structures, disks, show_message, monitor=None, addon=None):
    """Replace the layout of *disks* with the service's device requests (*structures*, in
    creation order) through an INTERACTIVE partitioning: clear each selected disk
    (:func:`_clear_disk`), ``AddDevice`` each request, apply. Then, with the *addon* proxy,
    the service's repair plan of what was created is executed and applied as well: blivet's
    device factory trims each thin LV to what its auto-sized pool holds, and a request
    carries no mount options, so "Create" alone would leave undersized LVs and missing
    ``discard``. *monitor*: the spoke's :class:`LayoutMonitor`, re-read by the caller.

    :return: Anaconda's ValidationReport (a D-Bus failure is an error in it, not raised)
    """
    try:
        partitioning = create_partitioning(PARTITIONING_METHOD_INTERACTIVE)
        tree = STORAGE.get_proxy(partitioning.GetDeviceTree())
        for disk in disks:
            _clear_disk(tree, disk)
        for structure in structures:
            tree.AddDevice(structure)
        report = _apply(partitioning, show_message, monitor)
    except (DBusError, ValueError) as exc:
        return _fail(_("Creating the layout failed: %(error)s") % {"error": exc})
    if addon is None or not report.is_valid():
        return report
    try:
        plan = get_repair_plan(addon)
    except DBusError as exc:
        return _fail(_("The layout was created, but completing it failed: %(error)s")
                     % {"error": exc})
    if not (plan.get("can-apply") and plan.get("changes")):
        return report       # nothing to complete: the re-check shows what is left
    return fix_layout(plan, show_message, monitor)


def fix_layout(plan, show_message, monitor=None):
    """Execute a repair plan (native, as :func:`get_repair_plan` returns it) on the current
    layout: a new INTERACTIVE partitioning starts from what is applied now; its changes as
    :func:`_execute` does them; then apply.

    :return: Anaconda's ValidationReport (a refused plan or D-Bus failure is an error)
    """
    if not plan.get("can-apply", False):
        return _fail(_("The layout cannot be fixed automatically."))
    try:
        partitioning = create_partitioning(PARTITIONING_METHOD_INTERACTIVE)
        tree = STORAGE.get_proxy(partitioning.GetDeviceTree())
        _execute(tree, plan.get("changes") or ())
        return _apply(partitioning, show_message, monitor)
    except (DBusError, ValueError) as exc:
        return _fail(_("Fixing the layout failed: %(error)s") % {"error": exc})
