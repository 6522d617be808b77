# SPDX-License-Identifier: GPL-2.0-or-later
from pyanaconda.core.kickstart.specification import KickstartSpecification
from pyanaconda.core.kickstart.version import VERSION

__all__ = ["KickstartSpecification", "VERSION"]
