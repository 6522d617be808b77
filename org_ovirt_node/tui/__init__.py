# SPDX-License-Identifier: GPL-2.0-or-later
"""Text-mode (simpleline) installer UI of the addon; Anaconda finds spokes in ``tui/spokes``."""
