# SPDX-License-Identifier: GPL-2.0-or-later
from dasbus.identifier import DBusServiceIdentifier

from pyanaconda.core.dbus import DBus
from pyanaconda.modules.common.constants.namespaces import STORAGE_NAMESPACE

STORAGE = DBusServiceIdentifier(namespace=STORAGE_NAMESPACE, message_bus=DBus)
