# SPDX-License-Identifier: GPL-2.0-or-later
"""D-Bus structures of the addon's API (dasbus ``DBusData``; field ``mount_point`` is the
D-Bus key ``mount-point``)."""
from dasbus.structure import DBusData
from dasbus.typing import Bool, Int, Int64, List, Str, Structure, UInt64

__all__ = ["FindingData", "PlanRequestData", "MountRowData", "PoolUsageData",
           "LayoutReportData", "repair_classes"]


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
        self._missing = []

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

    @property
    def missing(self) -> List[Str]:
        """What the message says is missing, untranslated (e.g. the mount options
        ``["discard"]``); empty when the rule gives none. Spokes read it with a default:
        older services do not send it."""
        return self._missing

    @missing.setter
    def missing(self, value: List[Str]):
        self._missing = list(value)

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
        data.missing = list(finding.missing)
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


# --- the spokes' refresh, "Create" and "Fix" (issue 12; /work/notes/contract-installer.md) ---
def _prop(name, kind, doc):
    """A typed property over ``self._<name>`` (dasbus reads the D-Bus type from the
    getter's return annotation)."""
    def getter(self):
        return getattr(self, "_" + name)

    def setter(self, value):
        setattr(self, "_" + name, value)
    getter.__annotations__ = {"return": kind}
    getter.__doc__ = doc
    setter.__annotations__ = {"value": kind}
    return property(getter, setter)


def _data_class(name, doc, fields):
    """A ``DBusData`` class with *fields* ``(name, type, default, doc)``."""
    def init(self):
        for field, _kind, default, _doc in fields:
            setattr(self, "_" + field, list(default) if isinstance(default, list)
                    else default() if callable(default) else default)
    namespace = {"__doc__": doc, "__init__": init}
    for field, kind, _default, fdoc in fields:
        namespace[field] = _prop(field, kind, fdoc)
    return type(name, (DBusData,), namespace)


MountRowData = _data_class("MountRowData", "One mount of the per-mount table.", (
    ("mount_point", Str, "", "The mount point."),
    ("device_kind", Str, "", "thin LV, LV, partition, disk, LUKS, MD RAID, btrfs, other or "
                             "missing (untranslated keys)."),
    ("size", UInt64, 0, "Its size in bytes (0: unknown or missing)."),
    ("minimum", UInt64, 0, "The profile's minimum in bytes (0: none)."),
    ("status", Str, "", "ok, warning or error: the worst finding about the mount."),
    ("pool", Str, "", "The thin pool it is in (\"\" if none)."),
))

PoolUsageData = _data_class("PoolUsageData", "The thin pool of / and its volume group "
                                             "(empty name: no pool holds /).", (
    ("name", Str, "", "The pool's device name."),
    ("vg", Str, "", "Its volume group."),
    ("size", UInt64, 0, "Pool size in bytes."),
    ("used", UInt64, 0, "Sum of the sizes of its thin LVs."),
    ("free", UInt64, 0, "size - used (0 when overcommitted)."),
    ("vg_reserve", UInt64, 0, "What the profile wants kept free in the volume group."),
    ("vg_free", UInt64, 0, "The volume group's free space (estimated over D-Bus)."),
))

LayoutReportData = _data_class("LayoutReportData", "Everything a spoke refresh needs, from "
                                                   "one read of the device tree.", (
    ("findings", List[FindingData], [], "The findings, as ValidateLayout returns them."),
    ("mounts", List[MountRowData], [], "One row per mount of the profile or the layout."),
    ("pool", PoolUsageData, PoolUsageData, "The pool of /."),
    ("mode", Str, "", "enforce, warn or off."),
    ("profile", Str, "", "The profile's name or path."),
))


def repair_classes():
    """``(RepairChangeData, RepairPlanData)``: built on first use, because they hold
    Anaconda's ``DeviceFactoryRequest`` (imported only then: start-up stays small)."""
    global _REPAIR_CLASSES
    if _REPAIR_CLASSES is None:
        from pyanaconda.modules.common.structures.device_factory import DeviceFactoryRequest
        change = _data_class("RepairChangeData", "One change of \"Fix my layout\".", (
            ("action", Str, "", "add, grow or options."),
            ("mount_point", Str, "", "The mount point changed."),
            ("description", Str, "", "Translated one line for the operator."),
            ("device", Str, "", "The device changed: its name (rhel-9, rhel-10) or ID "
                                "(main); \"\" for add."),
            ("request", DeviceFactoryRequest, DeviceFactoryRequest,
             "add: for AddDevice; grow: for ChangeDevice (the original with the new size)."),
            ("original_request", DeviceFactoryRequest, DeviceFactoryRequest,
             "grow: the device as the service read it; empty for add and options."),
            ("mount_options", Str, "", "The full mount options to set with "
                                       "SetDeviceMountOptions (\"\": leave them)."),
        ))
        plan = _data_class("RepairPlanData", "\"Fix my layout\": the changes and refusals.", (
            ("changes", List[change], [], "In the order to apply them."),
            ("refusals", List[Str], [], "Translated: why something cannot be fixed here."),
            ("can_apply", Bool, False, "There is at least one change."),
        ))
        _REPAIR_CLASSES = (change, plan)
    return _REPAIR_CLASSES


_REPAIR_CLASSES = None


# --- packing replies fast -----------------------------------------------------------------
_STRUCTURE = "a{sv}"


def _simple_packers():
    from gi.repository import GLib
    return {Str: GLib.Variant.new_string, UInt64: GLib.Variant.new_uint64,
            Bool: GLib.Variant.new_boolean, Int: GLib.Variant.new_int32,
            Int64: GLib.Variant.new_int64}


_PACKERS = None


def _packed(structure):
    """An ``a{sv}`` variant of *structure* (text -> variant), with GLib's constructors."""
    from gi.repository import GLib
    entry, string, variant = GLib.Variant.new_dict_entry, GLib.Variant.new_string, \
        GLib.Variant.new_variant
    return GLib.Variant.new_array(GLib.VariantType.new("{sv}"),
                                  [entry(string(k), variant(v)) for k, v in structure.items()])


def to_structure(data):
    """``type(data).to_structure(data)``, built with GLib's own constructors: dasbus makes
    every field's variant from its type hint in Python (a report of 200 mounts took 40 ms
    there, a few here). Same keys and D-Bus types as dasbus; fields of other types (lists
    of text, ...) go through dasbus as before."""
    from dasbus.structure import get_fields
    from gi.repository import GLib
    global _PACKERS
    if _PACKERS is None:
        _PACKERS = _simple_packers()
    structure = {}
    for name, field in get_fields(type(data)).items():
        nested = getattr(field, "data_type", None)
        if nested is not None:
            value = field.get_data(data)
            if field.type_hint == Structure:
                structure[name] = _packed(to_structure(value))
            else:
                structure[name] = GLib.Variant.new_array(
                    GLib.VariantType.new(_STRUCTURE),
                    [_packed(to_structure(v)) for v in value])
            continue
        packer = _PACKERS.get(field.type_hint)
        if packer is None:
            structure[name] = field.get_data_variant(data)
        else:
            structure[name] = packer(field.get_data(data))
    return structure
