# SPDX-License-Identifier: GPL-2.0-or-later
"""Graphical spokes of the addon (Anaconda collects every spoke class in this package)."""
