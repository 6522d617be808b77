# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.modules.common.base.base``.

Contract kept: ``read_kickstart`` parses with the specification's handler and parser, calls
``process_kickstart(handler)`` and turns only ``KickstartError`` into report errors (any other
exception escapes); ``generate_kickstart`` calls ``setup_kickstart(handler)`` and returns
``str(handler)``; ``run()`` publishes and runs a GLib main loop.
"""
import warnings

from gi.repository import GLib
from pykickstart.errors import KickstartError, KickstartParseWarning

from pyanaconda.core.dbus import DBus
from pyanaconda.core.kickstart.specification import (
    KickstartSpecificationHandler,
    KickstartSpecificationParser,
    NoKickstartSpecification,
)
from pyanaconda.core.signal import Signal
from pyanaconda.modules.common.structures.kickstart import KickstartMessage, KickstartReport


class BaseModule:
    def __init__(self):
        super().__init__()
        self._module_properties_changed = Signal()

    @property
    def module_properties_changed(self):
        return self._module_properties_changed

    def publish(self):
        pass


class Service(BaseModule):
    def __init__(self):
        super().__init__()
        self._loop = GLib.MainLoop()

    @property
    def loop(self):
        return self._loop

    def run(self):
        self.publish()
        self._loop.run()

    def stop(self):
        DBus.disconnect()
        GLib.timeout_add_seconds(1, self._loop.quit)

    def set_locale(self, locale):
        pass


class KickstartBaseModule(BaseModule):
    def process_kickstart(self, data):
        pass

    def setup_kickstart(self, data):
        pass

    def collect_requirements(self):
        return []


class KickstartService(Service, KickstartBaseModule):
    def __init__(self):
        super().__init__()
        self.kickstarted_changed = Signal()
        self._kickstarted = False

    @property
    def kickstart_specification(self):
        return NoKickstartSpecification

    @property
    def kickstart_command_names(self):
        return list(self.kickstart_specification.commands.keys())

    @property
    def kickstart_section_names(self):
        return list(self.kickstart_specification.sections.keys())

    @property
    def kickstart_addon_names(self):
        return list(self.kickstart_specification.addons.keys())

    @property
    def kickstarted(self):
        return self._kickstarted

    @kickstarted.setter
    def kickstarted(self, value):
        self._kickstarted = value
        self.kickstarted_changed.emit()

    def get_kickstart_handler(self):
        return KickstartSpecificationHandler(self.kickstart_specification)

    def get_kickstart_parser(self, handler):
        return KickstartSpecificationParser(handler, self.kickstart_specification)

    def read_kickstart(self, s):
        report = KickstartReport()
        try:
            handler = self.get_kickstart_handler()
            parser = self.get_kickstart_parser(handler)
            with warnings.catch_warnings(record=True) as warns:
                warnings.simplefilter(action="always", category=KickstartParseWarning)
                parser.readKickstartFromString(s)
                self.process_kickstart(handler)
                for warn in warns:
                    if issubclass(warn.category, KickstartParseWarning):
                        report.warning_messages.append(
                            KickstartMessage.for_warning(str(warn.message)))
        except KickstartError as e:
            report.error_messages.append(KickstartMessage.for_error(e))
        else:
            self.kickstarted = True
        return report

    def generate_kickstart(self):
        handler = self.get_kickstart_handler()
        self.setup_kickstart(handler)
        return str(handler)

    def generate_temporary_kickstart(self):
        return self.generate_kickstart()

    def configure_with_tasks(self):
        return []

    def configure_bootloader_with_tasks(self, kernel_versions):
        return []

    def install_with_tasks(self):
        return []

    def teardown_with_tasks(self):
        return []
