# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.core.kickstart.addon``: the %addon section and its registry.

Contract: the header's ``args[2:]`` go to ``handle_header(args, line_number)``; each body
line to ``handle_line(line, line_number)`` with a counter incremented here; ``handle_end()``
at %end. An unknown addon name is ``KickstartParseError`` with the line. A bare ``%addon``
header (no name) is an ``IndexError``, as in the real code of rhel-9, rhel-10 and main
(verified with ``make anaconda-compat``): Anaconda tests ``if not args``, but ``args`` always
holds ``%addon`` itself, and then reads ``args[1]``.
"""
from types import SimpleNamespace

from pykickstart.errors import KickstartParseError
from pykickstart.ko import KickstartObject
from pykickstart.sections import Section

__all__ = ["AddonData", "AddonSection", "AddonRegistry"]


class AddonData(KickstartObject):
    def handle_header(self, args, line_number=None):
        raise NotImplementedError

    def handle_line(self, line, line_number=None):
        raise NotImplementedError

    def handle_end(self):
        pass


class AddonSection(Section):
    sectionOpen = "%addon"  # noqa: N815 - pykickstart's API

    def __init__(self, handler, **kwargs):
        super().__init__(handler, **kwargs)
        self.data = None
        self.line_number = None

    def handleHeader(self, lineno, args):  # noqa: N802 - pykickstart's API
        super().handleHeader(lineno, args)
        if not args:     # never true (args[0] is "%addon"), as in Anaconda
            raise KickstartParseError("Missing name of the %addon section.", lineno=lineno)
        name = args[1]   # IndexError on a bare %addon: Anaconda's behaviour, kept on purpose
        data = getattr(self.handler.addons, name, None)
        if not data:
            raise KickstartParseError("Unknown name of the %addon section.", lineno=lineno)
        self.data = data
        self.line_number = lineno
        self.data.handle_header(args[2:], self.line_number)

    def handleLine(self, line):  # noqa: N802
        if not self.handler:
            return
        self.line_number += 1
        self.data.handle_line(line, self.line_number)

    def finalize(self):
        super().finalize()
        self.data.handle_end()
        self.data = None


class AddonRegistry(SimpleNamespace):
    pass
