# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.ui.lib.storage`` with rhel-10's and main's signatures:
``apply_partitioning(partitioning, show_message_cb, reset_storage_cb)`` (rhel-9:
``(partitioning, show_message)``, resetting storage itself; the addon's compat module
handles both, tests/test_spoke_compat.py checks the rhel-9 shape too).

Contract: configure the partitioning with its task, validate it with its task, and if the
``ValidationReport`` is valid ask Storage to ``ApplyPartitioning(object path)``; a failing
configuration task is reported as an error and storage is reset through the callback.
``create_partitioning(method)`` asks Storage for a partitioning module and returns its proxy;
``reset_storage(scan_all=False, retry=True)`` asks Storage to rescan (``ScanDevicesWithTask``)
and ``ResetPartitioning``.
"""
import time

from dasbus.client.proxy import get_object_path
from dasbus.error import DBusError
from dasbus.typing import unwrap_variant

from pyanaconda.modules.common.constants.services import STORAGE
from pyanaconda.modules.common.structures.validation import ValidationReport

__all__ = ["apply_partitioning", "create_partitioning", "reset_storage"]


def _sync_run_task(task_proxy):
    task_proxy.Start()
    while task_proxy.IsRunning:
        time.sleep(0.02)
    task_proxy.Finish()


def create_partitioning(partitioning_method):
    storage_proxy = STORAGE.get_proxy()
    return STORAGE.get_proxy(storage_proxy.CreatePartitioning(partitioning_method))


def reset_storage(scan_all=False, retry=True):
    storage_proxy = STORAGE.get_proxy()
    _sync_run_task(STORAGE.get_proxy(storage_proxy.ScanDevicesWithTask()))
    storage_proxy.ResetPartitioning()


def apply_partitioning(partitioning, show_message_cb, reset_storage_cb):
    """:return: the ValidationReport of *partitioning* (a D-Bus proxy)"""
    report = ValidationReport()
    try:
        show_message_cb("Saving storage configuration...")
        _sync_run_task(STORAGE.get_proxy(partitioning.ConfigureWithTask()))
    except DBusError as exc:    # Anaconda: StorageConfigurationError (a DBusError)
        show_message_cb("Failed to save storage configuration")
        report.error_messages = [str(exc)]
        reset_storage_cb()
        return report
    show_message_cb("Checking storage configuration...")
    task = STORAGE.get_proxy(partitioning.ValidateWithTask())
    _sync_run_task(task)
    report = ValidationReport.from_structure(unwrap_variant(task.GetResult()))
    if report.is_valid():
        STORAGE.get_proxy().ApplyPartitioning(get_object_path(partitioning))
    return report
