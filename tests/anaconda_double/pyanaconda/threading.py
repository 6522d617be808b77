# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.threading`` (rhel-9, where the thread manager lives; rhel-10 keeps
it as an alias of ``pyanaconda.core.threads``; main has no such module): ``threadMgr``
and ``AnacondaThread``, the same objects as ``pyanaconda.core.threads`` here.

A test that wants to see the addon on main's shape hides this module
(``sys.modules["pyanaconda.threading"] = None``)."""
from pyanaconda.core.threads import AnacondaThread, ThreadManager
from pyanaconda.core.threads import thread_manager as threadMgr

__all__ = ["threadMgr", "AnacondaThread", "ThreadManager"]
