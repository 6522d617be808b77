# -*- coding: utf-8 -*-
# Copyright: (c) org_ovirt_node contributors
# GNU General Public License v2.0 or later, which includes v3.0+
# (see https://www.gnu.org/licenses/gpl-2.0.txt)
# SPDX-License-Identifier: GPL-2.0-or-later
"""Filters that turn the gate's per-host results into one fleet report.

The same report (and table) as ``ovirt-node-layout fleet-report`` gives for the hosts'
``verify --format json`` files, without needing org_ovirt_node on the controller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence
from ansible.module_utils.six import string_types

VERDICTS = ("pass", "warn", "fail", "unknown")
_SHOWN = {"pass": "pass", "warn": "warn", "fail": "FAIL", "unknown": "UNKNOWN"}
MAX_TEXT = 2000


def _text(value, limit=MAX_TEXT):
    """*value* as one printable line (control characters escaped), cut to *limit*."""
    if not isinstance(value, string_types):
        return None
    out = "".join(c if c.isprintable() else "\\x%02x" % ord(c) if ord(c) < 0x100
                  else "\\u%04x" % (ord(c) & 0xFFFF) for c in value)
    return out[:limit]


def _report(result):
    """The host's report in the module's *result*: the module gives the report itself; the
    whole ``verify --format json`` envelope (docs/json.md) holds it as its one result."""
    report = result.get("report")
    if isinstance(report, dict) and isinstance(report.get("schema"), string_types) \
            and report["schema"].startswith("urn:org_ovirt_node:"):
        results = report.get("results")
        report = results[0] if isinstance(results, list) and len(results) == 1 else None
    return report if isinstance(report, dict) else {}


def _row(name, result):
    row = {"host": _text(name, 255) or "?", "verdict": "unknown", "errors": [],
           "warnings": 0, "mode": None, "source": "ansible", "problem": None}
    if not isinstance(result, dict):
        row["problem"] = "no result: the host was unreachable or the check did not run"
        return row
    if result.get("verdict") not in ("pass", "warn", "fail"):
        row["problem"] = _text(result.get("msg") or "the check did not return a verdict", 200)
        return row
    row["verdict"] = result["verdict"]
    row["warnings"] = len(result.get("warnings") or [])
    row["mode"] = _text(_report(result).get("mode"), 20)
    for finding in result.get("errors") or []:
        if isinstance(finding, dict):
            row["errors"].append({key: _text(finding.get(key)) for key in
                                  ("code", "mountpoint", "message", "hint")})
    return row


def fleet_report(hosts, hostvars, var="preupgrade_gate_result"):
    """{"hosts": [row...], "summary": {...}} for *hosts* (inventory names) from the result
    registered as *var* in each host's *hostvars*."""
    if not is_sequence(hosts):
        raise AnsibleFilterError("fleet_report: expected a list of host names")
    rows = []
    for name in hosts:
        try:
            result = hostvars[name].get(var)
        except (KeyError, AttributeError, TypeError):
            result = None
        rows.append(_row(name, result))
    summary = dict((verdict, sum(1 for r in rows if r["verdict"] == verdict))
                   for verdict in VERDICTS)
    summary["hosts"] = len(rows)
    return {"hosts": rows, "summary": summary}


def _errors_cell(row):
    if row["verdict"] == "unknown":
        return row["problem"] or ""
    if not row["errors"]:
        return "-" if not row["warnings"] else "- (%d warning(s))" % row["warnings"]
    cell = "; ".join("%s %s" % (e["code"], e["mountpoint"]) if e["mountpoint"] else
                     "%s" % e["code"] for e in row["errors"])
    return cell + (" (+%d warning(s))" % row["warnings"] if row["warnings"] else "")


def fleet_table(report, details=False):
    """The fleet report as text: host, verdict, errors; with *details* each error's
    message and fix."""
    if not isinstance(report, dict) or "hosts" not in report:
        raise AnsibleFilterError("fleet_table: expected the result of fleet_report")
    rows = report["hosts"]
    width = min(max([4] + [len(r["host"]) for r in rows]), 60)
    lines = ["%-*s  %-8s %s" % (width, "HOST", "VERDICT", "ERRORS")]
    for row in rows:
        name = row["host"] if len(row["host"]) <= width else row["host"][:width - 1] + "\u2026"
        lines.append("%-*s  %-8s %s" % (width, name, _SHOWN[row["verdict"]], _errors_cell(row)))
        if details:
            for err in row["errors"]:
                where = " %s" % err["mountpoint"] if err["mountpoint"] else ""
                lines.append("    %s%s: %s" % (err["code"], where, err["message"]))
                if err["hint"]:
                    lines.append("      fix: %s" % err["hint"])
    counts = report["summary"]
    lines.append("%d host(s): %d pass, %d warn, %d fail, %d unknown" % (
        counts["hosts"], counts["pass"], counts["warn"], counts["fail"], counts["unknown"]))
    return "\n".join(lines)


class FilterModule(object):
    def filters(self):
        return {"fleet_report": fleet_report, "fleet_table": fleet_table}
