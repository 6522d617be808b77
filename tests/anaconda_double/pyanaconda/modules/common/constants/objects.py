# SPDX-License-Identifier: GPL-2.0-or-later
from dasbus.identifier import DBusObjectIdentifier

from pyanaconda.modules.common.constants.namespaces import DEVICE_TREE_NAMESPACE

DEVICE_TREE = DBusObjectIdentifier(namespace=DEVICE_TREE_NAMESPACE)
