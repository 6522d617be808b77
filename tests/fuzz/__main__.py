# SPDX-License-Identifier: GPL-2.0-or-later
"""``PYTHONPATH=tests python -m fuzz [--kind K] [--count N] [--replay K:I] ...``: see runner.py."""
import sys

from fuzz.runner import main

sys.exit(main())
