# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.ui.tui.spokes``: ``NormalTUISpoke`` on the real simpleline.

As in Anaconda, the spoke is also a Widget: the hub renders it as a checkbox whose key is
``!`` for a mandatory incomplete spoke, ``x`` when completed, blank otherwise.
"""
from simpleline.render.widgets import CheckboxWidget, Widget

from pyanaconda.ui.common import NormalSpoke, Spoke
from pyanaconda.ui.tui.tuiobject import TUIObject

__all__ = ["TUISpoke", "NormalTUISpoke"]


class TUISpoke(TUIObject, Widget, Spoke):
    def __init__(self, data, storage, payload):
        TUIObject.__init__(self, data)
        Widget.__init__(self)
        Spoke.__init__(self, storage, payload)
        self.input_required = True
        self.title = "Default spoke title"

    @property
    def completed(self):
        return True

    def refresh(self, args=None):
        TUIObject.refresh(self, args)

    def input(self, args, key):
        """Unhandled keys go back to the app (e.g. ``c`` to continue)."""
        return key

    def render(self, width):
        """The hub's summary of the spoke."""
        Widget.render(self, width)
        if self.mandatory and not self.completed:
            key = "!"
        elif self.completed:
            key = "x"
        else:
            key = " "
        box = CheckboxWidget(key=key, completed=True, title=self.title, text=self.status)
        box.render(width)
        self.draw(box)


class NormalTUISpoke(TUISpoke, NormalSpoke):
    pass
