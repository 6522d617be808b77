# SPDX-License-Identifier: GPL-2.0-or-later
from pykickstart.version import RHEL9 as VERSION

__all__ = ["VERSION"]
