# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.ui.communication`` (same on rhel-9, rhel-10, main): ``hubQ``, the
queue through which spokes tell the GUI hub they became ready or not ready
(``send_ready(spoke_name)``, ``send_not_ready(spoke_name)``, ``send_message(name, text)``).
Messages are ``(code, args)`` tuples in ``hubQ.q``, as Anaconda's QueueFactory puts them."""
import queue

__all__ = ["hubQ"]


class _HubQueue:
    HUB_CODE_READY, HUB_CODE_NOT_READY, HUB_CODE_MESSAGE, HUB_CODE_EXCEPTION = 0, 1, 2, 3

    def __init__(self):
        self.q = queue.Queue()

    def send_ready(self, spoke_name):
        self.q.put((self.HUB_CODE_READY, [spoke_name]))

    def send_not_ready(self, spoke_name):
        self.q.put((self.HUB_CODE_NOT_READY, [spoke_name]))

    def send_message(self, spoke_name, text):
        self.q.put((self.HUB_CODE_MESSAGE, [spoke_name, text]))

    def drain(self):
        """Test hook: the messages sent so far (and forget them)."""
        out = []
        while True:
            try:
                out.append(self.q.get_nowait())
            except queue.Empty:
                return out


hubQ = _HubQueue()  # noqa: N816 - Anaconda's name
