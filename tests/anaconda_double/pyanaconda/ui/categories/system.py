# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.ui.categories.system``: the hub category of Installation Destination."""
from pyanaconda.ui.categories import SpokeCategory

__all__ = ["SystemCategory"]


class SystemCategory(SpokeCategory):
    @staticmethod
    def get_title():
        return "SYSTEM"

    @staticmethod
    def get_sort_order():
        return 300
