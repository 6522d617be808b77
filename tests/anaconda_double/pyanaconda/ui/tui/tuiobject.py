# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.ui.tui.tuiobject``: a simpleline screen that is an Anaconda UI object."""
from simpleline.render.screen import UIScreen

from pyanaconda.ui import common

__all__ = ["TUIObject"]


class TUIObject(UIScreen, common.UIObject):
    def __init__(self, data):
        UIScreen.__init__(self)
        common.UIObject.__init__(self, data)
        self.title = "Default title"

    def refresh(self, args=None):
        """Put everything to display into self.window."""
        UIScreen.refresh(self, args)
