"""Findings and reports, shared by the checker, the kickstart linter and live-host verify.

Text output follows the compiler convention ``file:line: severity: CODE message`` so that
editors and CI annotate it; JSON output carries the same fields.
"""
import json
from dataclasses import asdict, dataclass
from typing import Optional, Tuple

from org_ovirt_node.rules import ERROR, INFO, WARNING


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

    def codes(self):
        return sorted({f.code for f in self.findings})

    def exit_code(self, strict=False):
        """0 clean, 1 errors (or warnings with *strict*)."""
        return 1 if self.errors or (strict and self.warnings) else 0

    def to_dict(self):
        return {"origin": self.origin, "ok": self.ok,
                "counts": {"error": len(self.errors), "warning": len(self.warnings),
                           "info": len(self.infos)},
                "findings": [f.to_dict() for f in self.findings]}


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
