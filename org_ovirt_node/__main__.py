# SPDX-License-Identifier: GPL-2.0-or-later
"""``python -m org_ovirt_node`` runs the ``ovirt-node-layout`` command line."""
import sys

from org_ovirt_node.cli import main

sys.exit(main())
