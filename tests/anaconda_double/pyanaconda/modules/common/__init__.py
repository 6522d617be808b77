# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.modules.common``: ``init()`` sets up logging like Anaconda's."""
import sys

__all__ = ["init"]


def init(log_filename=None, log_stream=sys.stderr):
    """Called first by every module's ``__main__``: logging at DEBUG to the stream/file."""
    import logging
    handlers = []
    if log_stream:
        handlers.append(logging.StreamHandler(log_stream))
    if log_filename:
        handlers.append(logging.FileHandler(log_filename))
    logging.basicConfig(level=logging.DEBUG, handlers=handlers)
