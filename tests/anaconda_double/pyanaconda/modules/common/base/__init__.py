# SPDX-License-Identifier: GPL-2.0-or-later
from pyanaconda.modules.common.base.base import KickstartService, Service
from pyanaconda.modules.common.base.base_interface import KickstartModuleInterface
from pyanaconda.modules.common.base.base_template import (
    KickstartModuleInterfaceTemplate,
    ModuleInterfaceTemplate,
)

__all__ = ["KickstartService", "Service", "KickstartModuleInterface",
           "KickstartModuleInterfaceTemplate", "ModuleInterfaceTemplate"]
