# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.modules.common.base.base_interface`` (rhel-9 members)."""
from dasbus.server.interface import dbus_interface
from dasbus.server.property import emits_properties_changed
from dasbus.typing import Bool, List, ObjPath, Str, Structure

from pyanaconda.modules.common.base.base_template import KickstartModuleInterfaceTemplate
from pyanaconda.modules.common.constants.interfaces import KICKSTART_MODULE
from pyanaconda.modules.common.containers import TaskContainer
from pyanaconda.modules.common.structures.kickstart import KickstartReport


@dbus_interface(KICKSTART_MODULE.interface_name)
class KickstartModuleInterface(KickstartModuleInterfaceTemplate):
    def connect_signals(self):
        super().connect_signals()
        self.watch_property("Kickstarted", self.implementation.kickstarted_changed)

    @property
    def KickstartCommands(self) -> List[Str]:  # noqa: N802
        return self.implementation.kickstart_command_names

    @property
    def KickstartSections(self) -> List[Str]:  # noqa: N802
        return self.implementation.kickstart_section_names

    @property
    def KickstartAddons(self) -> List[Str]:  # noqa: N802
        return self.implementation.kickstart_addon_names

    @property
    def Kickstarted(self) -> Bool:  # noqa: N802
        return self.implementation.kickstarted

    def SetKickstarted(self, kickstarted: Bool):  # noqa: N802
        self.implementation.kickstarted = kickstarted

    @emits_properties_changed
    def ReadKickstart(self, kickstart: Str) -> Structure:  # noqa: N802
        return KickstartReport.to_structure(self.implementation.read_kickstart(kickstart))

    def GenerateKickstart(self) -> Str:  # noqa: N802
        return self.implementation.generate_kickstart()

    def SetLocale(self, locale: Str):  # noqa: N802
        self.implementation.set_locale(locale)

    def ConfigureWithTasks(self) -> List[ObjPath]:  # noqa: N802
        return TaskContainer.to_object_path_list(self.implementation.configure_with_tasks())

    def InstallWithTasks(self) -> List[ObjPath]:  # noqa: N802
        return TaskContainer.to_object_path_list(self.implementation.install_with_tasks())

    def TeardownWithTasks(self) -> List[ObjPath]:  # noqa: N802
        return TaskContainer.to_object_path_list(self.implementation.teardown_with_tasks())

    def Quit(self):  # noqa: N802
        self.implementation.stop()
