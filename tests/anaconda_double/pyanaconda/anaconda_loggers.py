# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.anaconda_loggers``."""
import logging


def get_module_logger(module_name):
    """Anaconda's sub-logger for a module: ``anaconda.<name without pyanaconda.>``."""
    if module_name.startswith("pyanaconda."):
        module_name = module_name[len("pyanaconda."):]
    return logging.getLogger("anaconda." + module_name)
