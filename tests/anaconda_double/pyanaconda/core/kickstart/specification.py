# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.core.kickstart.specification`` (addons part)."""
from pykickstart.base import KickstartHandler
from pykickstart.parser import KickstartParser

from pyanaconda.core.kickstart.addon import AddonRegistry, AddonSection
from pyanaconda.core.kickstart.version import VERSION

__all__ = ["KickstartSpecification", "NoKickstartSpecification",
           "KickstartSpecificationHandler", "KickstartSpecificationParser"]


class KickstartSpecification:
    version = VERSION
    commands = {}
    commands_data = {}
    sections = {}
    sections_data = {}
    addons = {}


class NoKickstartSpecification(KickstartSpecification):
    pass


class KickstartSpecificationHandler(KickstartHandler):
    def __init__(self, specification):
        super().__init__()
        self.version = specification.version
        for name, command in specification.commands.items():
            self.registerCommand(name, command)
        if specification.addons:
            self.addons = AddonRegistry()
        for name, data in specification.addons.items():
            obj = data()
            setattr(self.addons, name, obj)
            priority = max(self._writeOrder.keys()) + 100 if self._writeOrder else 0
            self._writeOrder[priority] = [obj]


class KickstartSpecificationParser(KickstartParser):
    def __init__(self, handler, specification):
        super().__init__(handler)
        if specification.addons:
            self.registerSection(AddonSection(handler))

    def setupSections(self):  # noqa: N802
        pass
