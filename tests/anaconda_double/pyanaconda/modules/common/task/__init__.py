# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.modules.common.task``: a task runs ``run()`` in a thread; a failure
is re-raised by ``finish()`` (D-Bus ``Finish``); signals are emitted from the main loop."""
import threading
from abc import abstractmethod

from dasbus.server.interface import dbus_interface, dbus_signal
from dasbus.server.publishable import Publishable
from dasbus.typing import Bool, Int, Str
from gi.repository import GLib

from pyanaconda.core.signal import Signal
from pyanaconda.modules.common.base.base_template import InterfaceTemplate
from pyanaconda.modules.common.constants.interfaces import TASK

__all__ = ["AbstractTask", "Task", "TaskInterface"]


@dbus_interface(TASK.interface_name)
class TaskInterface(InterfaceTemplate):
    def connect_signals(self):
        self.implementation.started_signal.connect(self.Started)
        self.implementation.stopped_signal.connect(self.Stopped)
        self.implementation.failed_signal.connect(self.Failed)
        self.implementation.succeeded_signal.connect(self.Succeeded)

    @property
    def Name(self) -> Str:  # noqa: N802
        return self.implementation.name

    @property
    def Steps(self) -> Int:  # noqa: N802
        return self.implementation.steps

    @property
    def IsRunning(self) -> Bool:  # noqa: N802
        return self.implementation.is_running

    @dbus_signal
    def Started(self):  # noqa: N802
        pass

    @dbus_signal
    def Stopped(self):  # noqa: N802
        pass

    @dbus_signal
    def Failed(self):  # noqa: N802
        pass

    @dbus_signal
    def Succeeded(self):  # noqa: N802
        pass

    def Start(self):  # noqa: N802
        self.implementation.start()

    def Cancel(self):  # noqa: N802
        self.implementation.cancel()

    def Finish(self):  # noqa: N802
        self.implementation.finish()


def _later(signal):
    GLib.idle_add(lambda: signal.emit() and False)


class AbstractTask(Publishable):
    def __init__(self):
        super().__init__()
        self.started_signal = Signal()
        self.stopped_signal = Signal()
        self.failed_signal = Signal()
        self.succeeded_signal = Signal()
        self._cancel = threading.Event()
        self._result = None

    @property
    @abstractmethod
    def name(self):
        return ""

    @property
    def steps(self):
        return 1

    def report_progress(self, message, step_number=None, step_size=None):
        pass

    def check_cancel(self):
        return self._cancel.is_set()

    def cancel(self):
        self._cancel.set()

    def get_result(self):
        return self._result

    def for_publication(self):
        return TaskInterface(self)


class Task(AbstractTask):
    def __init__(self):
        super().__init__()
        self._thread = None
        self._error = None

    @property
    def is_running(self):
        return self._thread is not None and self._thread.is_alive()

    def start(self):
        self._thread = threading.Thread(target=self._thread_run, daemon=True)
        _later(self.started_signal)
        self._thread.start()

    def _thread_run(self):
        try:
            self.report_progress(self.name, step_number=1)
            self._result = self.run()
        except Exception as exc:  # noqa: BLE001 - re-raised by finish()
            self._error = exc
            _later(self.failed_signal)
        else:
            _later(self.succeeded_signal)
        finally:
            _later(self.stopped_signal)

    def run_with_signals(self):
        """Run synchronously in this thread; raise what run() raises."""
        self.started_signal.emit()
        try:
            self._result = self.run()
        except Exception:
            self.failed_signal.emit()
            raise
        else:
            self.succeeded_signal.emit()
        finally:
            self.stopped_signal.emit()
        return self._result

    @abstractmethod
    def run(self):
        return None

    def finish(self):
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
