# SPDX-License-Identifier: GPL-2.0-or-later
"""The pyanaconda names and signatures the spokes use that differ between Anaconda branches,
in one place (no version checks anywhere else). Checked against rhel-9, rhel-10 and main by
``scripts/pyanaconda_api.py`` and ``make anaconda-compat`` (docs/anaconda-compat.md).

- Thread manager: ``pyanaconda.core.threads.thread_manager`` (rhel-10, main);
  ``pyanaconda.threading.threadMgr`` (rhel-9; rhel-10 keeps it as an alias, main has no
  ``pyanaconda.threading``). ``add_thread(name=, target=)`` exists on rhel-10/main only;
  rhel-9 takes ``add(AnacondaThread(name=, target=))``.
- ``pyanaconda.ui.lib.storage.apply_partitioning``: ``(partitioning, show_message)`` on
  rhel-9, ``(partitioning, show_message_cb, reset_storage_cb)`` on rhel-10 and main.

The Storage D-Bus members of ``tui/layout.py`` (``AddDevice``, ``ChangeDevice``,
``GenerateDeviceFactoryRequest``, ``SetDeviceMountOptions``, ``GetMountPoints``, ...) have the
same signatures on all three branches; their device argument is a name on rhel-9/rhel-10 and
a device ID on main, and the spokes only pass keys the service or the device tree gave them,
so nothing of that is here.
"""
import inspect

try:    # rhel-10, main
    from pyanaconda.core.threads import AnacondaThread, thread_manager
except ImportError:     # rhel-9
    from pyanaconda.threading import AnacondaThread
    from pyanaconda.threading import threadMgr as thread_manager  # noqa: N813
from pyanaconda.ui.lib.storage import apply_partitioning as _apply_partitioning
from pyanaconda.ui.lib.storage import reset_storage

__all__ = ["thread_manager", "start_thread", "apply_partitioning"]


def start_thread(name, target):
    """Run *target* in an Anaconda thread called *name* (errors go to Anaconda's handler)."""
    thread_manager.add(AnacondaThread(name=name, target=target))


def _takes_reset_callback(function):
    try:
        return "reset_storage_cb" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def apply_partitioning(partitioning, show_message):
    """Configure, validate and (when valid) apply *partitioning*; Anaconda's
    ``ValidationReport``. On rhel-10/main a failed configuration resets storage through the
    callback, as Anaconda's storage spoke passes it (rhel-9 does that itself)."""
    if _takes_reset_callback(_apply_partitioning):
        return _apply_partitioning(partitioning, show_message,
                                   lambda: reset_storage(scan_all=True))
    return _apply_partitioning(partitioning, show_message)
