"""The addon's Anaconda module: kickstart state, the D-Bus API's logic, the configure task."""
from pyanaconda.anaconda_loggers import get_module_logger
from pyanaconda.core.dbus import DBus
from pyanaconda.core.kickstart import KickstartSpecification
from pyanaconda.core.signal import Signal
from pyanaconda.modules.common.base import KickstartService
from pyanaconda.modules.common.containers import TaskContainer
from pyanaconda.modules.common.structures.kickstart import KickstartMessage, KickstartReport

from org_ovirt_node.kickstart import ADDON_NAME, OvirtNodeData
from org_ovirt_node.service.constants import MODES, OVIRT_NODE

log = get_module_logger(__name__)

__all__ = ["OvirtNodeService", "OvirtNodeKickstartSpecification"]


class OvirtNodeKickstartSpecification(KickstartSpecification):
    """This module handles exactly ``%addon org_ovirt_node``."""

    addons = {ADDON_NAME: OvirtNodeData}


class OvirtNodeService(KickstartService):
    """Holds the effective profile (resolved when the kickstart is read) and the mode."""

    def __init__(self):
        super().__init__()
        self.profile_changed = Signal()
        self.mode_changed = Signal()
        self._data = OvirtNodeData()     # what the kickstart said (written back as is)
        self._profile = None             # the resolved Profile, loaded lazily by default

    def publish(self):
        """Publish the module on Anaconda's bus (imports the interface only now)."""
        from org_ovirt_node.service.interface import OvirtNodeInterface
        TaskContainer.set_namespace(OVIRT_NODE.namespace)
        DBus.publish_object(OVIRT_NODE.object_path, OvirtNodeInterface(self))
        DBus.register_service(OVIRT_NODE.service_name)

    @property
    def kickstart_specification(self):
        return OvirtNodeKickstartSpecification

    # --- kickstart ----------------------------------------------------------------------
    def read_kickstart(self, s):
        """Anaconda's reading, plus a guard: only ``KickstartError`` becomes a report error
        upstream, anything else would escape the D-Bus call and break kickstart processing."""
        try:
            return super().read_kickstart(s)
        except Exception as exc:  # noqa: BLE001 - turn the unexpected into a report error
            log.exception("Unexpected error while reading the kickstart.")
            report = KickstartReport()
            message = KickstartMessage()
            message.message = "%%addon %s: %s" % (ADDON_NAME, exc)
            report.error_messages = [message]
            return report

    def process_kickstart(self, data):
        """Resolve the profile at once: a missing or invalid profile, or an override that
        does not fit it, is a ``KickstartParseError`` with its line (a kickstart error)."""
        addon = getattr(data.addons, ADDON_NAME)
        if not addon.seen:
            return
        profile = addon.resolve_profile()
        self._data = addon
        self._profile = profile
        log.info("Profile %s, mode %s (from the kickstart).", profile.name, addon.mode)
        self.profile_changed.emit()
        self.mode_changed.emit()

    def setup_kickstart(self, data):
        addon = getattr(data.addons, ADDON_NAME)
        addon.profile = self._data.profile
        addon.mode = self._data.mode
        addon.overrides = list(self._data.overrides)
        addon.seen = self._data.seen

    # --- state --------------------------------------------------------------------------
    @property
    def profile_name(self):
        """The ``--profile`` value (a built-in name or a path)."""
        return self._data.profile

    @property
    def mode(self):
        return self._data.mode

    def set_profile(self, name):
        """Use profile *name* (no overrides); ``ProfileError`` if it cannot be loaded."""
        from org_ovirt_node.profile import load_profile
        profile = load_profile(name)
        data = OvirtNodeData()
        data.profile, data.mode, data.seen = name, self._data.mode, True
        self._data, self._profile = data, profile
        self.profile_changed.emit()

    def set_mode(self, mode):
        if mode not in MODES:
            raise ValueError(mode)
        self._data.mode = mode
        self._data.seen = True
        self.mode_changed.emit()

    @property
    def profile(self):
        """The effective :class:`~org_ovirt_node.profile.Profile`."""
        if self._profile is None:
            self._profile = self._data.resolve_profile()
        return self._profile

    # --- the API ------------------------------------------------------------------------
    def read_planned_layout(self):
        """The layout Anaconda plans now, read from the Storage module's DeviceTree (the
        per-device calls pipelined: see :mod:`org_ovirt_node.service.pipeline`)."""
        from pyanaconda.modules.common.constants.interfaces import (
            DEVICE_TREE_HANDLER,
            DEVICE_TREE_VIEWER,
        )
        from pyanaconda.modules.common.constants.objects import DEVICE_TREE
        from pyanaconda.modules.common.constants.services import STORAGE

        from org_ovirt_node.adapters.dbus_tree import layout_from_device_tree
        from org_ovirt_node.service.pipeline import Pipeline
        viewer = DEVICE_TREE_VIEWER.interface_name
        pipeline = Pipeline(DBus.connection, STORAGE.service_name, DEVICE_TREE.object_path,
                            {"GetDeviceData": viewer, "GetFormatData": viewer,
                             "GetDeviceMountOptions": DEVICE_TREE_HANDLER.interface_name})
        return layout_from_device_tree(STORAGE.get_proxy(DEVICE_TREE), origin="anaconda",
                                       call_many=pipeline)

    def validate_layout(self):
        """A :class:`~org_ovirt_node.findings.Report` on the planned layout."""
        from org_ovirt_node.checker import check
        return check(self.read_planned_layout(), self.profile)

    def get_plan(self, disks):
        from org_ovirt_node.service.plan import plan_entries
        return plan_entries(self.profile, disks)

    def configure_with_tasks(self):
        """One task, run before any disk is written, that judges the applied layout."""
        from org_ovirt_node.service.tasks import ValidateLayoutTask
        profile_name = self.profile.name
        return [ValidateLayoutTask(self.validate_layout, profile_name, self.mode)]
