# SPDX-License-Identifier: GPL-2.0-or-later
"""Names of the addon on Anaconda's bus and in kickstart files."""
from dasbus.identifier import DBusServiceIdentifier
from pyanaconda.core.dbus import DBus
from pyanaconda.modules.common.constants.namespaces import ADDONS_NAMESPACE

from org_ovirt_node.kickstart.addon import ADDON_NAME
from org_ovirt_node.rules import MODE_ENFORCE, MODE_OFF, MODE_WARN, MODES

__all__ = ["ADDON_NAME", "OVIRT_NODE", "SERVICE_NAME", "OBJECT_PATH", "MODES",
           "MODE_ENFORCE", "MODE_WARN", "MODE_OFF"]

# org.fedoraproject.Anaconda.Addons.OvirtNode at /org/fedoraproject/Anaconda/Addons/OvirtNode
OVIRT_NODE = DBusServiceIdentifier(namespace=(*ADDONS_NAMESPACE, "OvirtNode"), message_bus=DBus)
SERVICE_NAME = OVIRT_NODE.service_name
OBJECT_PATH = OVIRT_NODE.object_path
