# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.ui.lib.storage``: ``apply_partitioning`` with rhel-9's contract:
configure the partitioning with its task, validate it with its task, and if the
``ValidationReport`` is valid ask Storage to ``ApplyPartitioning(object path)``."""
import time

from dasbus.client.proxy import get_object_path
from dasbus.typing import unwrap_variant

from pyanaconda.modules.common.constants.services import STORAGE
from pyanaconda.modules.common.structures.validation import ValidationReport

__all__ = ["apply_partitioning"]


def _sync_run_task(task_proxy):
    task_proxy.Start()
    while task_proxy.IsRunning:
        time.sleep(0.02)
    task_proxy.Finish()


def apply_partitioning(partitioning, show_message):
    """:return: the ValidationReport of *partitioning* (a D-Bus proxy)"""
    show_message("Saving storage configuration...")
    _sync_run_task(STORAGE.get_proxy(partitioning.ConfigureWithTask()))
    show_message("Checking storage configuration...")
    task = STORAGE.get_proxy(partitioning.ValidateWithTask())
    _sync_run_task(task)
    report = ValidationReport.from_structure(unwrap_variant(task.GetResult()))
    if report.is_valid():
        STORAGE.get_proxy().ApplyPartitioning(get_object_path(partitioning))
    return report
