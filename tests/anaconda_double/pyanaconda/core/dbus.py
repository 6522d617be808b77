# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.core.dbus``: the Anaconda bus found through the environment."""
import os

from dasbus.connection import MessageBus
from dasbus.error import ErrorMapper, get_error_decorator

DBUS_STARTER_ADDRESS = "DBUS_STARTER_ADDRESS"
DBUS_ANACONDA_SESSION_ADDRESS = "DBUS_ANACONDA_SESSION_BUS_ADDRESS"

__all__ = ["DBus", "error_mapper", "dbus_error"]


class DefaultMessageBus(MessageBus):
    """The bus at $DBUS_STARTER_ADDRESS, else $DBUS_ANACONDA_SESSION_BUS_ADDRESS."""

    @property
    def address(self):
        return self._find_bus_address()

    def _find_bus_address(self):
        for name in (DBUS_STARTER_ADDRESS, DBUS_ANACONDA_SESSION_ADDRESS):
            if name in os.environ:
                return os.environ[name]
        raise ConnectionError("Can't find Anaconda bus address!")

    def _get_connection(self):
        return self._provider.get_addressed_bus_connection(self._find_bus_address())


error_mapper = ErrorMapper()
DBus = DefaultMessageBus(error_mapper=error_mapper)
dbus_error = get_error_decorator(error_mapper)
