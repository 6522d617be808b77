# SPDX-License-Identifier: GPL-2.0-or-later
"""D-Bus errors of the addon's API (``org.fedoraproject.Anaconda.Addons.OvirtNode.*``), and
how an unexpected exception is described in a message.

The classes are registered with Anaconda's error mapper, so a client that imports this
module (the spokes) gets the same classes back; any other client gets a ``DBusError`` with
the same message.
"""
from pyanaconda.core.dbus import dbus_error
from pyanaconda.modules.common.errors.general import AnacondaError, InvalidValueError

from org_ovirt_node.sanitize import excerpt
from org_ovirt_node.service.constants import OVIRT_NODE

__all__ = ["LayoutCheckError", "PlanError", "describe"]

DETAIL_LIMIT = 160
"""Characters of an unexpected exception's message quoted in a message."""


@dbus_error("LayoutCheckError", namespace=OVIRT_NODE.namespace)
class LayoutCheckError(AnacondaError):
    """The planned layout could not be read from Anaconda or judged (the message says
    why)."""


@dbus_error("PlanError", namespace=OVIRT_NODE.namespace)
class PlanError(InvalidValueError):
    """The profile asks for something the plan cannot carry (a size beyond UInt64)."""


def describe(exc):
    """``Type: 'message…'`` for an unexpected exception: short and sanitised, because its
    message may quote anything (a file's contents, terminal escapes)."""
    return "%s: %s" % (type(exc).__name__, excerpt(exc, DETAIL_LIMIT))
