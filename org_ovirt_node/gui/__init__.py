# SPDX-License-Identifier: GPL-2.0-or-later
"""Graphical (Gtk) installer UI of the addon; Anaconda finds spokes in ``gui/spokes``."""
