# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.core.threads`` (rhel-10 and main; rhel-9 has these in
``pyanaconda.threading``): ``thread_manager`` knows Anaconda's named threads, and
``AnacondaThread`` removes itself from it when its target returns.

Test hooks: ``add_name(name)``/``remove(name)`` pretend a thread (e.g. storage still being
scanned) is running; ``get(name)`` returns it (or None), as Anaconda's ThreadManager does.
Unlike Anaconda's, an exception in a thread is kept in ``errors`` (no exception handler
here) so a test can fail on it.
"""
import threading

__all__ = ["thread_manager", "AnacondaThread", "ThreadManager"]


class ThreadManager:
    def __init__(self):
        self._threads = {}
        self._lock = threading.Lock()
        self.errors = []

    def add_name(self, name, thread=True):
        """Test hook: pretend thread *name* is running."""
        self._threads[name] = thread

    def add(self, obj):
        """Register and start *obj* (an AnacondaThread); its name must be unique."""
        with self._lock:
            if self._threads.get(obj.name):
                raise KeyError("Cannot add thread: thread %s already exists" % obj.name)
            self._threads[obj.name] = obj
        obj.start()

    def add_thread(self, *args, **kwargs):
        """rhel-10/main only: ``add(AnacondaThread(*args, **kwargs))``."""
        self.add(AnacondaThread(*args, **kwargs))

    def remove(self, name):
        with self._lock:
            self._threads.pop(name, None)

    def get(self, name):
        return self._threads.get(name)

    def wait(self, name):
        thread = self.get(name)
        if isinstance(thread, threading.Thread) and thread is not threading.current_thread():
            thread.join()


class AnacondaThread(threading.Thread):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.daemon = True

    def run(self):
        try:
            super().run()
        except BaseException as exc:  # noqa: BLE001 - kept for the test to see
            thread_manager.errors.append(exc)
            raise
        finally:
            thread_manager.remove(self.name)


thread_manager = ThreadManager()
