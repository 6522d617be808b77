# SPDX-License-Identifier: GPL-2.0-or-later
"""The Anaconda addon service of org_ovirt_node (a D-Bus module on Anaconda's bus).

Only this package (and the UI packages) import ``pyanaconda``; everything it judges is done by
the core and ``installer/``. Start-up stays fast: nothing here imports blivet.
"""
