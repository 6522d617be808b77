# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.modules.common.structures.partitioning``: the automatic
partitioning request (the fields the spokes and the test peer use).

The real default scheme is ``conf.storage.default_scheme``; the double has no configuration
and starts from 0 (callers start from the partitioning's current ``Request``).
"""
from dasbus.structure import DBusData
from dasbus.typing import Int, List, Str

__all__ = ["PartitioningRequest"]


class PartitioningRequest(DBusData):
    def __init__(self):
        self._partitioning_scheme = 0
        self._file_system_type = ""
        self._excluded_mount_points = []

    @property
    def partitioning_scheme(self) -> Int:
        """0 plain, 1 btrfs, 2 lvm, 3 lvm thinp."""
        return self._partitioning_scheme

    @partitioning_scheme.setter
    def partitioning_scheme(self, scheme: Int):
        self._partitioning_scheme = scheme

    @property
    def file_system_type(self) -> Str:
        return self._file_system_type

    @file_system_type.setter
    def file_system_type(self, value: Str):
        self._file_system_type = value

    @property
    def excluded_mount_points(self) -> List[Str]:
        return self._excluded_mount_points

    @excluded_mount_points.setter
    def excluded_mount_points(self, mount_points: List[Str]):
        self._excluded_mount_points = list(mount_points)
