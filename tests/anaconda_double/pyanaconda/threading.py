# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.threading``: ``threadMgr`` knows Anaconda's named threads.

Tests register a running thread under a name (``threadMgr.add_name``) to imitate storage
still being scanned; ``get(name)`` returns it (or None), as Anaconda's ThreadManager does.
"""
__all__ = ["threadMgr"]


class ThreadManager:
    def __init__(self):
        self._threads = {}

    def add_name(self, name, thread=True):
        """Test hook: pretend thread *name* is running."""
        self._threads[name] = thread

    def remove(self, name):
        self._threads.pop(name, None)

    def get(self, name):
        return self._threads.get(name)

    def wait(self, name):
        """Nothing runs for real in the double."""


threadMgr = ThreadManager()  # noqa: N816 - Anaconda's name
