# SPDX-License-Identifier: GPL-2.0-or-later
"""The configuration task that judges the applied layout before anything is written.

It runs in Anaconda's "Installation environment setup" queue (``configure_with_tasks``):
the layout is final then and no disk has been touched. In ``enforce`` mode every error makes
it raise :class:`StorageInstallationError`, which Anaconda's error handler shows as a storage
error dialog (or exits 1 when non-interactive) and which stops the installation.

Nothing else ever leaves the task: a layout that cannot be read or judged (malformed device
data, a profile that cannot be resolved, anything unexpected) is a
:class:`StorageInstallationError` saying why in ``enforce`` mode (fail closed: the layout
was not shown to be right) and a logged error in ``warn`` mode.
"""
from pyanaconda.anaconda_loggers import get_module_logger
from pyanaconda.modules.common.errors.installation import StorageInstallationError
from pyanaconda.modules.common.task import Task

from org_ovirt_node.i18n import _
from org_ovirt_node.service.constants import MODE_ENFORCE, MODE_OFF
from org_ovirt_node.service.errors import LayoutCheckError, describe

log = get_module_logger(__name__)

__all__ = ["ValidateLayoutTask", "format_errors"]


def format_errors(report, profile_name):
    """One message listing every error with its fix."""
    lines = [_("The storage layout does not meet the requirements of profile "
               "%(profile)s:") % {"profile": profile_name}]
    for finding in report.errors:
        where = finding.mountpoint or finding.device or "-"
        lines.append("- %s %s: %s" % (finding.code, where, finding.message))
        if finding.hint:
            lines.append("  " + _("Fix: %(hint)s") % {"hint": finding.hint})
    return "\n".join(lines)


class ValidateLayoutTask(Task):
    """Judge the applied layout against the profile in the given mode."""

    def __init__(self, validate, profile_name, mode):
        """*validate* returns a :class:`~org_ovirt_node.findings.Report` of the layout
        Anaconda plans now (read over D-Bus when the task runs, not when it is made)."""
        super().__init__()
        self._validate = validate
        self._profile_name = profile_name
        self._mode = mode

    @property
    def name(self):
        return "Validate the oVirt Node storage layout"

    def run(self):
        if self._mode == MODE_OFF:
            log.info("Layout validation is off.")
            return None
        try:
            return self._judge()
        except StorageInstallationError:
            raise
        except Exception as exc:  # noqa: BLE001 - only StorageInstallationError may leave
            reason = str(exc) if isinstance(exc, LayoutCheckError) else describe(exc)
            message = _("The storage layout could not be checked against profile "
                        "%(profile)s. %(reason)s") % {"profile": self._profile_name,
                                                      "reason": reason}
            if self._mode == MODE_ENFORCE:
                log.error("%s", message)
                raise StorageInstallationError(message) from None
            log.exception("Mode warn: installing anyway. %s", message)
            return None

    def _judge(self):
        report = self._validate()
        for finding in report.findings:
            log.warning("%s %s %s: %s", finding.severity, finding.code,
                        finding.mountpoint or finding.device or "-", finding.message)
        if report.errors and self._mode == MODE_ENFORCE:
            raise StorageInstallationError(format_errors(report, self._profile_name))
        if report.errors:
            log.warning("Mode warn: installing despite %d layout error(s).",
                        len(report.errors))
        return None
