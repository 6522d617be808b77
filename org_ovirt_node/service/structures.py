# SPDX-License-Identifier: GPL-2.0-or-later
"""D-Bus structures of the addon's API (dasbus ``DBusData``; field ``mount_point`` is the
D-Bus key ``mount-point``)."""
from dasbus.structure import DBusData
from dasbus.typing import Bool, Int, List, Str, UInt64

__all__ = ["FindingData", "PlanRequestData"]


class FindingData(DBusData):
    """One finding of the layout checker."""

    def __init__(self):
        self._code = ""
        self._severity = ""
        self._mount_point = ""
        self._message = ""
        self._hint = ""
        self._rule = ""
        self._device = ""

    @property
    def code(self) -> Str:
        """Stable code, e.g. ONN002."""
        return self._code

    @code.setter
    def code(self, value: Str):
        self._code = value

    @property
    def severity(self) -> Str:
        """error, warning or info."""
        return self._severity

    @severity.setter
    def severity(self, value: Str):
        self._severity = value

    @property
    def mount_point(self) -> Str:
        """The mount point it is about ("" if none)."""
        return self._mount_point

    @mount_point.setter
    def mount_point(self, value: Str):
        self._mount_point = value

    @property
    def message(self) -> Str:
        """Translated message."""
        return self._message

    @message.setter
    def message(self, value: Str):
        self._message = value

    @property
    def hint(self) -> Str:
        """Translated fix."""
        return self._hint

    @hint.setter
    def hint(self, value: Str):
        self._hint = value

    @property
    def rule(self) -> Str:
        """Rule slug in the catalog."""
        return self._rule

    @rule.setter
    def rule(self, value: Str):
        self._rule = value

    @property
    def device(self) -> Str:
        """Device name ("" if none)."""
        return self._device

    @device.setter
    def device(self, value: Str):
        self._device = value

    @classmethod
    def from_finding(cls, finding):
        data = cls()
        data.code = finding.code
        data.severity = finding.severity
        data.mount_point = finding.mountpoint or ""
        data.message = finding.message
        data.hint = finding.hint or ""
        data.rule = finding.rule or ""
        data.device = finding.device or ""
        return data


class PlanRequestData(DBusData):
    """One device of the plan, with the fields (and D-Bus keys) of Anaconda's
    ``DeviceFactoryRequest`` so a spoke can copy them into one; ``grow`` and ``kind`` are
    extra (the device factory has no grow flag: growing stays with Anaconda's planner)."""

    def __init__(self):
        self._device_type = 0
        self._mount_point = ""
        self._device_size = 0
        self._format_type = ""
        self._device_name = ""
        self._container_name = ""
        self._disks = []
        self._grow = False
        self._kind = ""

    @property
    def device_type(self) -> Int:
        """blivet.devicefactory.DEVICE_TYPE_* of the device."""
        return self._device_type

    @device_type.setter
    def device_type(self, value: Int):
        self._device_type = value

    @property
    def mount_point(self) -> Str:
        """Mount point, or "" for swap."""
        return self._mount_point

    @mount_point.setter
    def mount_point(self, value: Str):
        self._mount_point = value

    @property
    def device_size(self) -> UInt64:
        """Size in bytes (the profile's default size)."""
        return UInt64(self._device_size)

    @device_size.setter
    def device_size(self, value: UInt64):
        self._device_size = value

    @property
    def format_type(self) -> Str:
        return self._format_type

    @format_type.setter
    def format_type(self, value: Str):
        self._format_type = value

    @property
    def device_name(self) -> Str:
        return self._device_name

    @device_name.setter
    def device_name(self, value: Str):
        self._device_name = value

    @property
    def container_name(self) -> Str:
        """The volume group ("" for partitions)."""
        return self._container_name

    @container_name.setter
    def container_name(self, value: Str):
        self._container_name = value

    @property
    def disks(self) -> List[Str]:
        return self._disks

    @disks.setter
    def disks(self, value: List[Str]):
        self._disks = list(value)

    @property
    def grow(self) -> Bool:
        """The profile lets it grow into free space."""
        return self._grow

    @grow.setter
    def grow(self, value: Bool):
        self._grow = value

    @property
    def kind(self) -> Str:
        """The profile's kind: thin, lv, partition or swap."""
        return self._kind

    @kind.setter
    def kind(self, value: Str):
        self._kind = value
