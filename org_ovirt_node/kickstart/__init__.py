# SPDX-License-Identifier: GPL-2.0-or-later
"""Kickstart: the ``%addon org_ovirt_node`` section (:mod:`.addon`), kickstart partitioning →
layout (:mod:`.reader`) and the linter (:mod:`.linter`).

Allowed imports: the core and pykickstart. Never blivet (the linter runs on build hosts and
in ``%pre`` where blivet may be missing or slow to import) and never pyanaconda.
"""
