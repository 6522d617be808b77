# SPDX-License-Identifier: GPL-2.0-or-later
"""Entry point: ``python3 -m org_ovirt_node.service`` (Anaconda's ``start-module``)."""
from pyanaconda.modules.common import init

init()

from org_ovirt_node.service.service import OvirtNodeService  # noqa: E402 - after init()

service = OvirtNodeService()
service.run()
