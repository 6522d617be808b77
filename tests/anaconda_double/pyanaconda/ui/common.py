# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.ui.common``: the spoke base classes (constructor signatures and
the default ``mandatory``/``ready``/``completed``/``status`` of rhel-9)."""
__all__ = ["UIObject", "Spoke", "NormalSpoke"]


class UIObject:
    def __init__(self, data):
        self.skipTo = None  # noqa: N815 - Anaconda's name
        self._data = data

    def initialize(self):
        """Called once after construction, before the spoke is shown."""

    @property
    def showable(self):
        return True

    @property
    def data(self):
        return self._data


class Screen:
    @staticmethod
    def get_screen_id():
        return None


class Spoke(Screen):
    category = None
    title = None
    icon = None

    def __init__(self, storage, payload):
        self._storage = storage
        self._payload = payload
        self.applyOnSkip = False  # noqa: N815 - Anaconda's name

    @property
    def storage(self):
        return self._storage

    @property
    def payload(self):
        return self._payload

    def apply(self):
        """Store the UI state in the data."""

    @property
    def completed(self):
        return False

    @property
    def mandatory(self):
        return True

    def execute(self):
        """Act on the applied data."""

    @property
    def status(self):
        return None


class NormalSpoke(Spoke):
    def __init__(self, storage, payload):
        super().__init__(storage, payload)
        self.selector = None

    @property
    def indirect(self):
        return False

    @property
    def ready(self):
        return True
