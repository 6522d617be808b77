# SPDX-License-Identifier: GPL-2.0-or-later
"""org_ovirt_node: keeps oVirt Node installs on the storage layout imgbased needs.

Packages by dependency boundary (tests/test_layers.py enforces them):

- the core, this folder's modules (layout model, profile, rule catalogue, checker, findings,
  design, units, names, i18n): standard library and PyYAML only;
- ``kickstart/`` (+ pykickstart), ``planning/`` (+ blivet), ``host/`` (a running host),
  ``installer/`` (pyanaconda-free pieces shared by the service and the spokes);
- ``service/``, ``gui/``, ``tui/``: the only packages that import pyanaconda;
- ``cli/``: the ``ovirt-node-layout`` command.
"""
__version__ = "0.1.0"
# The envelope every `--format json` prints (docs/json.md, data/schemas/output-v1.json); read
# by the command line that writes it and by the fleet reports that read it back.
OUTPUT_SCHEMA = "urn:org_ovirt_node:ovirt-node-layout:output:v1"
