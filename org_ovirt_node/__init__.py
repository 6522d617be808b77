# SPDX-License-Identifier: GPL-2.0-or-later
"""org_ovirt_node: keeps oVirt Node installs on the storage layout imgbased needs.

The core (profile, layout model, checker, planner, kickstart, CLI) never imports the
installer; only ``service/``, ``gui/``, ``tui/`` and ``categories/`` do.
"""
__version__ = "0.1.0"
