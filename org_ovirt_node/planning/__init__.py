# SPDX-License-Identifier: GPL-2.0-or-later
"""Planning on real devices with blivet: the planner that turns a design into blivet actions
(:mod:`.planner`), disk discovery (:mod:`.discovery`), writing to disks and image files
(:mod:`.apply`), the blivet tree → layout reader (:mod:`.blivet_reader`) and the plan's text
and kickstart renderings (:mod:`.render`).

Allowed imports: the core and blivet. Never pyanaconda, never pykickstart.
"""
