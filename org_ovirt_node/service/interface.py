"""The addon's D-Bus interface (``org.fedoraproject.Anaconda.Addons.OvirtNode``)."""
from dasbus.server.interface import dbus_interface
from dasbus.server.property import emits_properties_changed
from dasbus.typing import List, Str, Structure
from pyanaconda.modules.common.base import KickstartModuleInterface
from pyanaconda.modules.common.errors.general import InvalidValueError

from org_ovirt_node.i18n import _
from org_ovirt_node.service.constants import MODES, OVIRT_NODE
from org_ovirt_node.service.structures import FindingData, PlanRequestData

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

        :raise: InvalidValueError if it cannot be loaded
        """
        from org_ovirt_node.profile import ProfileError
        try:
            self.implementation.set_profile(profile)
        except ProfileError as exc:
            raise InvalidValueError("; ".join(str(p) for p in exc.problems)) from None

    @property
    def Mode(self) -> Str:  # noqa: N802
        """enforce, warn or off."""
        return self.implementation.mode

    @emits_properties_changed
    def SetMode(self, mode: Str):  # noqa: N802
        """:raise: InvalidValueError for anything but enforce, warn, off"""
        if mode not in MODES:
            raise InvalidValueError(_("Invalid mode %(mode)r: expected one of %(modes)s.")
                                    % {"mode": mode, "modes": ", ".join(MODES)})
        self.implementation.set_mode(mode)

    def ValidateLayout(self) -> List[Structure]:  # noqa: N802
        """Judge the layout Anaconda plans now (Storage DeviceTree) against the profile.

        :return: a list of findings (code, severity, mount-point, message, hint, rule, device)
        """
        report = self.implementation.validate_layout()
        return FindingData.to_structure_list(
            [FindingData.from_finding(f) for f in report.findings])

    def GetPlan(self, disks: List[Str]) -> List[Structure]:  # noqa: N802
        """The devices the profile asks for on *disks*, as device-factory request data
        (device-type, mount-point, device-size, format-type, device-name, container-name,
        disks; plus grow and kind)."""
        requests = []
        for entry in self.implementation.get_plan(disks):
            data = PlanRequestData()
            for key, value in entry.items():
                setattr(data, key, value)
            requests.append(data)
        return PlanRequestData.to_structure_list(requests)
