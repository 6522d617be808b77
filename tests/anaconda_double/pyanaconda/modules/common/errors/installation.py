# SPDX-License-Identifier: GPL-2.0-or-later
from pyanaconda.core.dbus import dbus_error
from pyanaconda.modules.common.constants.namespaces import ANACONDA_NAMESPACE
from pyanaconda.modules.common.errors.general import AnacondaError


@dbus_error("InstallationError", namespace=ANACONDA_NAMESPACE)
class InstallationError(AnacondaError):
    pass


@dbus_error("NonCriticalInstallationError", namespace=ANACONDA_NAMESPACE)
class NonCriticalInstallationError(AnacondaError):
    pass


@dbus_error("StorageInstallationError", namespace=ANACONDA_NAMESPACE)
class StorageInstallationError(InstallationError):
    pass
