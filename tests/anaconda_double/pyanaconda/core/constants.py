# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.core.constants``: the constants the addon's spokes use. Same names
and values on rhel-9, rhel-10 and main."""
THREAD_EXECUTE_STORAGE = "AnaExecuteStorageThread"
THREAD_STORAGE = "AnaStorageThread"
PARTITIONING_METHOD_AUTOMATIC = "AUTOMATIC"
PARTITIONING_METHOD_INTERACTIVE = "INTERACTIVE"
