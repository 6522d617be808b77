# SPDX-License-Identifier: GPL-2.0-or-later
"""Fail loudly when a module the addon needs is missing from the installer image.

Anaconda imports addons lazily and treats them as optional: a missing PyYAML would surface
as a bare ``ImportError`` deep in profile loading, or worse, as an addon that silently did
nothing. The kickstart-handling entry calls :func:`require_yaml` first, so a missing module
becomes a kickstart error (``KickstartParseError``) that names the module and the package
that provides it, and the installation stops while the kickstart is read.
"""
import importlib

from org_ovirt_node.i18n import _

# Python module -> the RPM that provides it (the spec's Requires).
PACKAGES = {"yaml": "python3-pyyaml"}


def require_module(module, error_class, **error_kwargs):
    """Import and return *module*; if it cannot be imported, raise
    ``error_class(message, **error_kwargs)`` naming it and its package."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        message = (_("org_ovirt_node needs the Python module '%(module)s' (package "
                     "%(package)s), which cannot be imported in this installer image: "
                     "%(error)s. Add the package to the image.")
                   % {"module": module, "package": PACKAGES.get(module, module),
                      "error": exc})
        raise error_class(message, **error_kwargs) from None


def require_yaml(error_class, **error_kwargs):
    """PyYAML (profiles are YAML), or ``error_class(message, **error_kwargs)``; e.g.
    ``require_yaml(KickstartParseError, lineno=line_number)``."""
    return require_module("yaml", error_class, **error_kwargs)
