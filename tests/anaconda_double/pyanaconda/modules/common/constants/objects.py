# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.modules.common.constants.objects`` (same on rhel-9, rhel-10, main)."""
from dasbus.identifier import DBusObjectIdentifier

from pyanaconda.modules.common.constants.namespaces import (
    DEVICE_TREE_NAMESPACE,
    STORAGE_NAMESPACE,
)

DEVICE_TREE = DBusObjectIdentifier(namespace=DEVICE_TREE_NAMESPACE)
DISK_SELECTION = DBusObjectIdentifier(namespace=STORAGE_NAMESPACE, basename="DiskSelection")
