# SPDX-License-Identifier: GPL-2.0-or-later
"""The pyanaconda-free pieces the addon service and the spokes share: Anaconda's D-Bus device
tree → layout (:mod:`.dbus_reader`), the device requests rendered from the design
(:mod:`.requests`), the Anaconda configuration drop-in (:mod:`.dropin`) and what the spokes
show (:mod:`.ui_model`).

Allowed imports: the core and ``org_ovirt_node.kickstart``. Never pyanaconda (only
``service/``, ``gui/`` and ``tui/`` import it), never blivet.
"""
