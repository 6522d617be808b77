# SPDX-License-Identifier: GPL-2.0-or-later
from dasbus.identifier import DBusInterfaceIdentifier

from pyanaconda.modules.common.constants.namespaces import (
    ANACONDA_NAMESPACE,
    DEVICE_TREE_NAMESPACE,
    MODULES_NAMESPACE,
)

KICKSTART_MODULE = DBusInterfaceIdentifier(namespace=MODULES_NAMESPACE)
TASK = DBusInterfaceIdentifier(namespace=ANACONDA_NAMESPACE, basename="Task")
DEVICE_TREE_VIEWER = DBusInterfaceIdentifier(namespace=DEVICE_TREE_NAMESPACE, basename="Viewer")
DEVICE_TREE_HANDLER = DBusInterfaceIdentifier(namespace=DEVICE_TREE_NAMESPACE,
                                              basename="Handler")
