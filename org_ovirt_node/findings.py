# SPDX-License-Identifier: GPL-2.0-or-later
"""Findings and reports, shared by the checker, the kickstart linter and live-host verify.

Every finding is built here (:func:`make_finding`, from a rule's :class:`RuleResult`, the
catalog entry and the severity the profile gives) and every report ordered here
(:func:`make_report`: errors, then warnings, then infos, each by source line, rule order
kept otherwise), so the checker, the live-host rules and the linter cannot differ.

Text output follows the compiler convention ``file:line: severity: CODE message`` so that
editors and CI annotate it; JSON output carries the same fields.
"""
import json
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple, Optional, Tuple

from org_ovirt_node.rules import ERROR, INFO, WARNING


class RuleResult(NamedTuple):
    """What a rule reports: one problem. *device* is the layout device it is about (its name
    and source line go into the finding); *line* is for problems without a device (a
    kickstart reference that does not resolve); *missing* is what the message says is
    missing, as data (e.g. the mount options), so that a user interface can say it of many
    findings at once without parsing the translated message."""
    mountpoint: Optional[str]
    device: Any                     # org_ovirt_node.layout.Device or None
    message: str                    # translated
    hint: str = ""                  # translated
    line: Optional[int] = None
    missing: Tuple[str, ...] = ()   # untranslated items, e.g. ("discard",)


@dataclass(frozen=True)
class Finding:
    code: str                       # stable, e.g. ONN002
    severity: str                   # error | warning | info
    mountpoint: Optional[str]
    message: str                    # translated
    hint: str = ""                  # translated: how to fix it
    rule: str = ""                  # slug in the rule catalog
    device: Optional[str] = None
    line: Optional[int] = None      # source line (kickstart), when known
    missing: Tuple[str, ...] = ()   # what is missing, as data (see RuleResult)

    def to_dict(self):
        return asdict(self)


@dataclass(frozen=True)
class Report:
    findings: Tuple[Finding, ...] = ()
    origin: str = ""

    @property
    def errors(self):
        return tuple(f for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self):
        return tuple(f for f in self.findings if f.severity == WARNING)

    @property
    def infos(self):
        return tuple(f for f in self.findings if f.severity == INFO)

    @property
    def ok(self):
        return not self.errors

    def exit_code(self, strict=False):
        """0 clean, 1 errors (or warnings with *strict*)."""
        return 1 if self.errors or (strict and self.warnings) else 0

    def to_dict(self):
        return {"origin": self.origin, "ok": self.ok,
                "counts": {"error": len(self.errors), "warning": len(self.warnings),
                           "info": len(self.infos)},
                "findings": [f.to_dict() for f in self.findings]}


def make_finding(info, severity, result):
    """The :class:`Finding` for one :class:`RuleResult` (or a plain tuple of its fields)
    of the rule *info* (a :class:`~org_ovirt_node.rules.RuleInfo`) at *severity*."""
    if not isinstance(result, RuleResult):
        result = RuleResult(*result)
    dev = result.device
    line = result.line if result.line is not None else \
        (dev.source_line if dev is not None else None)
    return Finding(code=info.code, severity=severity, mountpoint=result.mountpoint,
                   message=result.message, hint=result.hint, rule=info.slug,
                   device=dev.name if dev is not None else None, line=line,
                   missing=tuple(result.missing))


_SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


def ordered(findings):
    """*findings* errors first, then warnings, then infos; by line within each (findings
    without a line first), in the given order otherwise."""
    return tuple(sorted(findings, key=lambda f: (_SEVERITY_ORDER.get(f.severity, 3),
                                                 f.line if f.line is not None else 0)))


def make_report(findings, origin):
    """A :class:`Report` of *findings* in :func:`ordered` order."""
    return Report(ordered(findings), origin=origin)


def render_text(report, origin=None, hints=True):
    """``file:line: severity: CODE message`` lines (plus an indented hint)."""
    where = origin if origin is not None else report.origin
    lines = []
    for f in report.findings:
        loc = "%s:%d" % (where, f.line) if f.line else where
        lines.append("%s: %s: %s %s" % (loc, f.severity, f.code, f.message))
        if hints and f.hint:
            lines.append("    %s" % f.hint)
    return "\n".join(lines)


def render_json(reports):
    """One JSON document for one report or a list of them."""
    if isinstance(reports, Report):
        return json.dumps(reports.to_dict(), indent=2, sort_keys=True)
    return json.dumps([r.to_dict() for r in reports], indent=2, sort_keys=True)
