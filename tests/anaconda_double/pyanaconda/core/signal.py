# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.core.signal``: a list of callbacks."""


class Signal:
    def __init__(self):
        self._slots = []

    def emit(self, *args, **kwargs):
        for slot in list(self._slots):
            slot(*args, **kwargs)

    def connect(self, slot):
        if slot not in self._slots:
            self._slots.append(slot)

    def disconnect(self, slot):
        if slot in self._slots:
            self._slots.remove(slot)

    def clear(self):
        self._slots = []
