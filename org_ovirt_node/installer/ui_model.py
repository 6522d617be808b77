# SPDX-License-Identifier: GPL-2.0-or-later
"""What the installer spokes show, decided without pyanaconda (unit-tested directly).

The spokes (``tui/spokes``, ``gui/spokes``) only fetch the addon's mode and the findings of
``ValidateLayout()`` over D-Bus and hand them to :func:`evaluate`; everything the operator
sees (status line, whether the spoke is mandatory and completed, the finding lines with
their fixes) is decided here, so the TUI and GUI cannot drift apart.

Findings come as D-Bus structures unpacked to native dicts (keys ``code``, ``severity``,
``mount-point``, ``message``, ``hint``, ``device``); missing keys are tolerated.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

from org_ovirt_node.i18n import N_, P_, _
from org_ovirt_node.rules import ERROR, INFO, MODE_ENFORCE, MODE_OFF, MODE_WARN, WARNING

__all__ = ["SpokeState", "evaluate", "finding_lines", "is_mandatory", "not_ready_status",
           "MODE_ENFORCE", "MODE_WARN", "MODE_OFF"]

SPOKE_TITLE = N_("oVirt Node storage layout")
GENERATE_ACTION = N_("Use the oVirt Node layout (automatic partitioning, LVM thin provisioning)")
RECHECK_ACTION = N_("Check the layout again")
_SEVERITY_LABEL = {ERROR: N_("error"), WARNING: N_("warning"), INFO: N_("info")}


@dataclass(frozen=True)
class SpokeState:
    """What a spoke shows for one answer of the addon."""
    mandatory: bool          # enforce mode: Anaconda blocks "Begin Installation" until completed
    completed: bool
    status: str              # one line under the spoke's title on the hub
    lines: Tuple[str, ...]   # the spoke's screen: a headline, then each finding and its fix
    errors: int = 0
    warnings: int = 0


def is_mandatory(mode):
    """Only enforce mode makes the spoke mandatory (it then blocks "Begin Installation")."""
    return mode == MODE_ENFORCE


def not_ready_status():
    """Status while Anaconda is still scanning or applying storage."""
    return _("Waiting for the storage configuration...")


def _field(finding, key):
    value = finding.get(key, "")
    return value if isinstance(value, str) else str(value)


def finding_lines(findings):
    """``severity CODE where: message`` then an indented ``Fix: hint`` per finding."""
    lines = []
    for finding in findings:
        severity = _field(finding, "severity")
        where = _field(finding, "mount-point") or _field(finding, "device")
        label = _(_SEVERITY_LABEL[severity]) if severity in _SEVERITY_LABEL else severity
        if where:
            lines.append(_("%(severity)s %(code)s %(where)s: %(message)s")
                         % {"severity": label, "code": _field(finding, "code"),
                            "where": where, "message": _field(finding, "message")})
        else:
            lines.append(_("%(severity)s %(code)s: %(message)s")
                         % {"severity": label, "code": _field(finding, "code"),
                            "message": _field(finding, "message")})
        hint = _field(finding, "hint")
        if hint:
            lines.append("    " + _("Fix: %(hint)s") % {"hint": hint})
    return lines


def evaluate(mode, findings=(), profile="", failure: Optional[str] = None):
    """Decide the spoke's state from the addon's *mode*, its *findings* on the planned layout
    and the *profile* name; *failure* is the error text when the addon could not be asked.

    - ``off``: not mandatory, completed, nothing checked.
    - ``enforce``: mandatory; completed only without errors (warnings never block).
    - ``warn``: not mandatory, always completed; the status counts what would have blocked.
    - *failure* (addon unreachable or the check failed): in enforce mode the spoke stays
      incomplete (the configure task would refuse anyway); otherwise it only reports it.
    """
    if mode == MODE_OFF:
        return SpokeState(False, True, _("Layout check is off"),
                          (_("The oVirt Node layout check is off (mode off): "
                             "the storage layout is not checked."),))
    enforce = is_mandatory(mode)
    if failure is not None:
        return SpokeState(enforce, not enforce, _("The layout could not be checked"),
                          (_("The layout could not be checked: %(reason)s")
                           % {"reason": failure},))
    findings = list(findings)
    errors = sum(1 for f in findings if f.get("severity") == ERROR)
    warnings = sum(1 for f in findings if f.get("severity") == WARNING)
    status = _status(enforce, errors, warnings, profile)
    if errors and enforce:
        head = P_("The planned layout breaks profile %(profile)s in %(count)d way; fix it "
                  "in Installation Destination or use the oVirt Node layout.",
                  "The planned layout breaks profile %(profile)s in %(count)d ways; fix them "
                  "in Installation Destination or use the oVirt Node layout.", errors)
    elif errors:
        head = P_("The planned layout breaks profile %(profile)s in %(count)d way; mode warn "
                  "installs it anyway.",
                  "The planned layout breaks profile %(profile)s in %(count)d ways; mode warn "
                  "installs it anyway.", errors)
    elif warnings:
        head = _("The planned layout fits profile %(profile)s, with warnings.")
    else:
        head = _("The planned layout fits profile %(profile)s.")
    head = head % {"profile": profile, "count": errors}
    return SpokeState(enforce, not (enforce and errors), status,
                      tuple([head] + finding_lines(findings)), errors, warnings)


def _status(enforce, errors, warnings, profile):
    if errors and enforce:
        return P_("%(count)d layout error blocks the installation",
                  "%(count)d layout errors block the installation", errors) % {"count": errors}
    if errors:
        return P_("%(count)d layout error (warn mode: not blocking)",
                  "%(count)d layout errors (warn mode: not blocking)", errors) % {"count": errors}
    if warnings:
        return P_("Layout fits %(profile)s, %(count)d warning",
                  "Layout fits %(profile)s, %(count)d warnings", warnings) \
            % {"profile": profile, "count": warnings}
    return _("Layout fits %(profile)s") % {"profile": profile}
