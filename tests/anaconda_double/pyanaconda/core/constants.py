# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.core.constants``: the constants the addon's spokes use (rhel-9 values)."""
THREAD_EXECUTE_STORAGE = "AnaExecuteStorageThread"
THREAD_STORAGE = "AnaStorageThread"
PARTITIONING_METHOD_AUTOMATIC = "AUTOMATIC"
