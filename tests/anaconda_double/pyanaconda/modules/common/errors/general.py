# SPDX-License-Identifier: GPL-2.0-or-later
from dasbus.error import DBusError

from pyanaconda.core.dbus import dbus_error
from pyanaconda.modules.common.constants.namespaces import ANACONDA_NAMESPACE


@dbus_error("Error", namespace=ANACONDA_NAMESPACE)
class AnacondaError(DBusError):
    pass


@dbus_error("InvalidValueError", namespace=ANACONDA_NAMESPACE)
class InvalidValueError(AnacondaError):
    pass
