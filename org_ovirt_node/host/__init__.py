# SPDX-License-Identifier: GPL-2.0-or-later
"""A running host: the live-host reader (:mod:`.reader`: ``lsblk``/``lvs``/``findmnt``),
its health (:mod:`.health`), whether the next imgbased update will succeed
(:mod:`.preupgrade`) and fleet reports (:mod:`.fleet`).

Allowed imports: the core only (tools are run as subprocesses). Never blivet, pykickstart or
pyanaconda.
"""
