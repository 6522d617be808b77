# SPDX-License-Identifier: GPL-2.0-or-later
from dasbus.server.template import InterfaceTemplate

__all__ = ["InterfaceTemplate", "ModuleInterfaceTemplate", "KickstartModuleInterfaceTemplate"]


class ModuleInterfaceTemplate(InterfaceTemplate):
    def connect_signals(self):
        self.implementation.module_properties_changed.connect(self.flush_changes)


class KickstartModuleInterfaceTemplate(ModuleInterfaceTemplate):
    pass
