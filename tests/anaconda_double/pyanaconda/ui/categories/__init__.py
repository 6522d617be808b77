# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.ui.categories``."""
__all__ = ["SpokeCategory"]


class SpokeCategory:
    @staticmethod
    def get_title():
        raise NotImplementedError

    @staticmethod
    def get_sort_order():
        return 1000
