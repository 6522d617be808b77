# SPDX-License-Identifier: GPL-2.0-or-later
"""The addon's D-Bus interface (``org.fedoraproject.Anaconda.Addons.OvirtNode``)."""
from dasbus.server.interface import dbus_interface
from dasbus.server.property import emits_properties_changed
from dasbus.typing import List, Str, Structure
from pyanaconda.anaconda_loggers import get_module_logger
from pyanaconda.modules.common.base import KickstartModuleInterface
from pyanaconda.modules.common.errors.general import AnacondaError, InvalidValueError

from org_ovirt_node.i18n import _
from org_ovirt_node.sanitize import excerpt
from org_ovirt_node.service.constants import MODES, OVIRT_NODE
from org_ovirt_node.service.errors import LayoutCheckError, PlanError, describe
from org_ovirt_node.service.structures import (
    FindingData,
    LayoutReportData,
    MountRowData,
    PlanRequestData,
    PoolUsageData,
    repair_classes,
    to_structure,
)

log = get_module_logger(__name__)

__all__ = ["OvirtNodeInterface"]


@dbus_interface(OVIRT_NODE.interface_name)
class OvirtNodeInterface(KickstartModuleInterface):
    """Profile and mode, the layout findings, and the plan for the spokes."""

    def connect_signals(self):
        super().connect_signals()
        self.watch_property("Profile", self.implementation.profile_changed)
        self.watch_property("Mode", self.implementation.mode_changed)

    @property
    def Profile(self) -> Str:  # noqa: N802 - D-Bus names are CamelCase
        """The profile: a built-in name or a path."""
        return self.implementation.profile_name

    @emits_properties_changed
    def SetProfile(self, profile: Str):  # noqa: N802
        """Use another profile (without kickstart overrides).

        :raise: InvalidValueError saying why if it cannot be loaded (nothing changes then)
        """
        self.implementation.set_profile(profile)

    @property
    def Mode(self) -> Str:  # noqa: N802
        """enforce, warn or off."""
        return self.implementation.mode

    @emits_properties_changed
    def SetMode(self, mode: Str):  # noqa: N802
        """:raise: InvalidValueError for anything but enforce, warn, off"""
        if mode not in MODES:
            raise InvalidValueError(_("Invalid mode %(mode)s: expected one of %(modes)s.")
                                    % {"mode": excerpt(mode), "modes": ", ".join(MODES)})
        self.implementation.set_mode(mode)

    def ValidateLayout(self) -> List[Structure]:  # noqa: N802
        """Judge the layout Anaconda plans now (Storage DeviceTree) against the profile.

        :return: a list of findings (code, severity, mount-point, message, hint, rule, device,
            missing: what is missing as data, e.g. the mount options)
        :raise: LayoutCheckError saying why the layout could not be read or judged
        """
        report = self.implementation.validate_layout()
        return _reply(LayoutCheckError, FindingData, [FindingData.from_finding(f)
                                                      for f in report.findings])

    def GetPlan(self, disks: List[Str]) -> List[Structure]:  # noqa: N802
        """The devices the profile asks for on *disks*, as device-factory request data
        (device-type, mount-point, device-size, format-type, device-name, container-name,
        disks; plus grow and kind).

        :raise: PlanError (an InvalidValueError) if the profile cannot be expressed so
        """
        try:
            entries = self.implementation.get_plan(disks)
        except AnacondaError:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. the profile cannot be resolved
            log.exception("Cannot compute the plan.")
            raise PlanError(_("Cannot compute the plan: %(error)s")
                            % {"error": describe(exc)}) from None
        requests = []
        for entry in entries:
            data = PlanRequestData()
            for key, value in entry.items():
                setattr(data, key, value)
            requests.append(data)
        return _reply(PlanError, PlanRequestData, requests)

    def GetLayoutReport(self) -> Structure:  # noqa: N802
        """Everything a spoke refresh needs, from ONE read of Anaconda's device tree:
        ``findings`` (as :meth:`ValidateLayout`), ``mounts`` (mount-point, device-kind,
        size, minimum, status, pool), ``pool`` (the pool of /: name, vg, size, used, free,
        vg-reserve, vg-free), ``mode``, ``profile``.

        :raise: LayoutCheckError saying why the layout could not be read or judged
        """
        report, rows, pool = self.implementation.layout_report()
        data = LayoutReportData()
        data.findings = [FindingData.from_finding(f) for f in report.findings]
        data.mounts = [_row_data(row) for row in rows]
        data.pool = _pool_data(pool)
        data.mode = self.implementation.mode
        data.profile = self.implementation.profile_name
        return _reply(LayoutCheckError, LayoutReportData, [data])[0]

    def GetDeviceRequests(self, disks: List[Str]) -> List[Structure]:  # noqa: N802
        """"Create the required layout": the design (profile, overrides, the facts of
        *disks*) as Anaconda ``DeviceFactoryRequest`` structures in creation order (boot
        partitions, thin LVs of one pool in the profile's VG, swap), for ``AddDevice``.
        The device factory carries no mount options: set them afterwards with
        ``SetDeviceMountOptions`` (the profile's options, see ``GetRepairPlan``).

        :raise: PlanError (an InvalidValueError) saying why it cannot be made
        """
        from pyanaconda.modules.common.structures.device_factory import DeviceFactoryRequest
        try:
            fields, _options = self.implementation.get_device_requests(disks)
        except AnacondaError:
            raise
        except Exception as exc:  # noqa: BLE001
            log.exception("Cannot compute the device requests.")
            raise PlanError(_("Cannot compute the device requests: %(error)s")
                            % {"error": describe(exc)}) from None
        return _reply(PlanError, DeviceFactoryRequest,
                      [_factory_request(DeviceFactoryRequest, f) for f in fields])

    def GetRepairPlan(self) -> Structure:  # noqa: N802
        """"Fix my layout" for the planned layout: ``changes`` (action add/grow/options,
        mount-point, description, device, request, original-request, mount-options),
        ``refusals`` (translated reasons), ``can-apply``. Never destroys or shrinks.

        :raise: LayoutCheckError saying why the layout could not be read or judged
        """
        from pyanaconda.modules.common.structures.device_factory import DeviceFactoryRequest
        change_class, plan_class = repair_classes()
        plan, keys, layout = self.implementation.repair_plan()
        data = plan_class()
        data.changes = [_change_data(change_class, DeviceFactoryRequest, change, keys, layout)
                        for change in plan.changes]
        data.refusals = list(plan.refusals)
        data.can_apply = plan.can_apply
        return _reply(LayoutCheckError, plan_class, [data])[0]


def _row_data(row):
    data = MountRowData()
    data.mount_point, data.device_kind, data.status, data.pool = \
        row.mountpoint, row.kind, row.status, row.pool
    data.size, data.minimum = row.size, row.minimum
    return data


def _pool_data(pool):
    data = PoolUsageData()
    for field in ("name", "vg", "size", "used", "free", "vg_reserve", "vg_free"):
        setattr(data, field, getattr(pool, field))
    return data


def _factory_request(request_class, fields):
    request = request_class()
    for key, value in fields.items():
        setattr(request, key, value)
    return request


def _change_data(change_class, request_class, change, keys, layout):
    """A :class:`~org_ovirt_node.installer.repair.Change` as a RepairChange structure:
    requests name devices by their device-tree key; the LV's disks are its VG's."""
    from org_ovirt_node.installer.requests import DEVICE_TYPE_LVM, DEVICE_TYPE_LVM_THINP
    from org_ovirt_node.layout import THINLV
    data = change_class()
    data.action, data.mount_point, data.description = \
        change.action, change.mountpoint, change.description
    data.device = keys.get(change.device, change.device) if change.device else ""
    vg = layout.get(change.vg) if change.vg else None
    disks = [keys.get(d.name, d.name) for d in layout.disks_under(vg)] if vg else []
    fields = {
        "device_type": DEVICE_TYPE_LVM_THINP if change.kind == THINLV else DEVICE_TYPE_LVM,
        "mount_point": change.mountpoint, "format_type": change.fstype,
        "device_name": change.name, "container_name": change.vg,
        "container_spec": keys.get(change.vg, change.vg) if change.vg else "",
        "disks": disks,
    }
    if change.action == "add":
        data.request = _factory_request(request_class, dict(
            fields, device_size=change.size, reformat=True, container_spec=""))
    elif change.action == "grow":
        # reformat stays False: ChangeDevice must never reformat an existing filesystem.
        data.original_request = _factory_request(request_class, dict(
            fields, device_spec=data.device, device_size=change.old_size))
        data.request = _factory_request(request_class, dict(
            fields, device_spec=data.device, device_size=change.size))
    if change.options or change.action == "options":
        data.mount_options = ",".join(("defaults",) + tuple(change.options))
    return data


def _reply(error_class, data_class, items):
    """*items* (of *data_class*) as D-Bus structures; a value D-Bus cannot carry (the
    service checks sizes before, so this is the last line of defence) is *error_class*, not
    a traceback."""
    try:
        return [to_structure(item) for item in items]
    except Exception as exc:  # noqa: BLE001
        log.exception("Cannot send the reply.")
        raise error_class(_("A value cannot be sent over D-Bus: %(error)s")
                          % {"error": describe(exc)}) from None
