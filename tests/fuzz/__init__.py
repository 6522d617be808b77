# SPDX-License-Identifier: GPL-2.0-or-later
"""The fuzz suite: one module per input kind (``kind_<name>.py``) and the runner that feeds
their generated inputs to the real code (``runner.py``; ``make fuzz``, docs/fuzz.md)."""
