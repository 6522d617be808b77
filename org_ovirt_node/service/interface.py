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
from org_ovirt_node.service.structures import FindingData, PlanRequestData

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

        :return: a list of findings (code, severity, mount-point, message, hint, rule, device)
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


def _reply(error_class, data_class, items):
    """*items* as D-Bus structures; a value D-Bus cannot carry (the service checks sizes
    before, so this is the last line of defence) is *error_class*, not a traceback."""
    try:
        return data_class.to_structure_list(items)
    except Exception as exc:  # noqa: BLE001
        log.exception("Cannot send the reply.")
        raise error_class(_("A value cannot be sent over D-Bus: %(error)s")
                          % {"error": describe(exc)}) from None
