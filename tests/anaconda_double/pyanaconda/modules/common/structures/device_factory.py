# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.modules.common.structures.device_factory``: ``DeviceFactoryRequest``
with the fields (names, D-Bus types, defaults) of rhel-9, rhel-10 and main (the same on all
three; ``device_spec`` holds a device name on rhel-9/rhel-10 and a device ID on main)."""
from dasbus.structure import DBusData
from dasbus.typing import Bool, Int, Int64, List, Str, UInt64

__all__ = ["DeviceFactoryRequest"]

_FIELDS = (
    ("device_type", Int, 0), ("device_spec", Str, ""), ("disks", List[Str], []),
    ("mount_point", Str, ""), ("reformat", Bool, False), ("format_type", Str, ""),
    ("label", Str, ""), ("luks_version", Str, ""), ("device_name", Str, ""),
    ("device_size", UInt64, 0), ("device_raid_level", Str, ""),
    ("device_encrypted", Bool, False), ("container_spec", Str, ""),
    ("container_name", Str, ""), ("container_size_policy", Int64, 0),
    ("container_raid_level", Str, ""), ("container_encrypted", Bool, False),
)


def _field(name, kind):
    def getter(self):
        return getattr(self, "_" + name)

    def setter(self, value):
        setattr(self, "_" + name, value)
    getter.__annotations__ = {"return": kind}
    setter.__annotations__ = {"value": kind}
    return property(getter, setter)


def _init(self):
    for name, _kind, default in _FIELDS:
        setattr(self, "_" + name, list(default) if isinstance(default, list) else default)


# dasbus collects a DBusData's fields when the class is created: build it with them.
DeviceFactoryRequest = type("DeviceFactoryRequest", (DBusData,), dict(
    {name: _field(name, kind) for name, kind, _default in _FIELDS},
    __init__=_init, __doc__="Device factory request data.", __module__=__name__))
