# SPDX-License-Identifier: GPL-2.0-or-later
"""Contract double of Anaconda's ``pyanaconda`` (tests only; see ../README.md)."""
