# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.ui.helpers`` (same on rhel-9, rhel-10, main): the storage checker's
report that Installation Destination shows, as class attributes the storage spokes set."""
from abc import ABCMeta

__all__ = ["StorageCheckHandler"]


class StorageCheckHandler(metaclass=ABCMeta):  # noqa: B024 - as Anaconda declares it
    errors = []
    warnings = []
