# SPDX-License-Identifier: GPL-2.0-or-later
"""Fleet reports: the ``verify --format json`` output of many hosts in one table.

Each input is one host's report (``verify`` or ``verify --pre-upgrade``; the Ansible module
returns the same document). A host's verdict is ``pass`` (no findings but notes), ``warn``
(warnings only), ``fail`` (errors) or ``unknown`` (its report is missing, unreadable or not
a report: the gate cannot vouch for that host). Reports are data from many machines: files
are read with the host adapter's bounds, every string is made printable and cut, and a
malformed report is an ``unknown`` row that says why, never a crash.
"""
import os
import re
from typing import List, NamedTuple, Optional, Tuple

from org_ovirt_node import OUTPUT_SCHEMA
from org_ovirt_node.host.reader import HostError, clean, decode_json, read_file
from org_ovirt_node.i18n import _
from org_ovirt_node.sanitize import excerpt
from org_ovirt_node.units import MiB

PASS, WARN, FAIL, UNKNOWN = "pass", "warn", "fail", "unknown"
VERDICTS = (PASS, WARN, FAIL, UNKNOWN)
MAX_REPORT = 32 * MiB       # one host's JSON (its layout of thousands of devices included)
MAX_FILES = 100000          # inputs after expanding directories
MAX_TEXT = 2000             # one message or hint kept from a report
MAX_HOST = 255              # a host name (DNS)
MAX_FINDINGS = 10000        # findings read from one report
_CODE_RE = re.compile(r"ONN[0-9]{3}\Z")
SCHEMA = OUTPUT_SCHEMA      # the envelope every --format json prints (docs/json.md)
_SCHEMA_PREFIX = "urn:org_ovirt_node:"


class FleetError(Exception):
    """Bad input for the fleet report as a whole (no file given, a directory unreadable)."""


class Entry(NamedTuple):
    host: str
    verdict: str
    errors: Tuple[dict, ...] = ()    # {"code", "mountpoint", "message", "hint"}
    warnings: int = 0
    mode: Optional[str] = None       # "verify" or "pre-upgrade"
    source: str = ""
    problem: Optional[str] = None    # why the verdict is unknown

    def to_dict(self):
        return {"host": self.host, "verdict": self.verdict, "errors": list(self.errors),
                "warnings": self.warnings, "mode": self.mode, "source": self.source,
                "problem": self.problem}


def _string(value, limit=MAX_TEXT):
    return clean(value)[:limit] if isinstance(value, str) else None


def entry_from_report(data, source, host=None) -> Entry:
    """The row of one host from its decoded report *data* (ValueError when it is not one)."""
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ValueError(_('expected a verify report: an object with a "findings" array'))
    name = host or _string(data.get("host"), MAX_HOST) or _host_from_path(source)
    errors, warnings = [], 0
    for i, item in enumerate(data["findings"][:MAX_FINDINGS]):
        code = item.get("code") if isinstance(item, dict) else None
        severity = item.get("severity") if isinstance(item, dict) else None
        if not isinstance(code, str) or not _CODE_RE.match(code) \
                or severity not in ("error", "warning", "info"):
            raise ValueError(_("findings[%d]: expected a code ONNnnn and a severity "
                               "error|warning|info") % i)
        if severity == "warning":
            warnings += 1
        elif severity == "error":
            errors.append({"code": code, "mountpoint": _string(item.get("mountpoint"), 4096),
                           "message": _string(item.get("message")) or "",
                           "hint": _string(item.get("hint")) or ""})
    verdict = FAIL if errors else WARN if warnings else PASS
    mode = data.get("mode") if data.get("mode") in ("verify", "pre-upgrade") else None
    return Entry(name, verdict, tuple(errors), warnings, mode, source)


def _host_from_path(path):
    base = os.path.basename(path)
    return clean(base[:-5] if base.endswith(".json") else base)[:MAX_HOST] or "?"


def unwrap(data):
    """The host's report in *data*, decoded from a file: the one result of a ``verify
    --format json`` envelope (docs/json.md), or *data* itself, the top-level report of an
    older version (fleets mix versions). ValueError when it is an envelope of another
    command or version, or its result says the host could not be read."""
    schema = data.get("schema") if isinstance(data, dict) else None
    if not (isinstance(schema, str) and schema.startswith(_SCHEMA_PREFIX)):
        return data
    if schema != SCHEMA:
        raise ValueError(_("unsupported report version %s") % excerpt(schema, 80))
    command = data.get("command")
    if command != "verify":  # e.g. a check or plan output saved by mistake
        raise ValueError(_("expected a verify report, not the output of %s") % (
            excerpt(command, 40) if isinstance(command, str) else _("an unknown command")))
    results = data.get("results")
    if not isinstance(results, list) or len(results) != 1 or not isinstance(results[0], dict):
        raise ValueError(_("expected a verify report: one result"))
    error = results[0].get("error")
    if error:
        message = error.get("message") if isinstance(error, dict) else error
        # made printable and cut by read_entry, like every problem
        raise ValueError(message if isinstance(message, str) and message.strip()
                         else _("the host could not be read"))
    return results[0]


def read_entry(path) -> Entry:
    """The row of the report in file *path* (``unknown`` with the reason when it is bad)."""
    source = clean(path)
    try:
        raw = read_file(path, MAX_REPORT)
        if not raw.strip():
            raise ValueError(_("the file is empty"))
        return entry_from_report(unwrap(decode_json(_("the report"), raw)), source)
    except (HostError, ValueError) as exc:
        return Entry(_host_from_path(path), UNKNOWN, source=source,
                     problem=excerpt(str(exc), 200, quote=False))


def expand(paths) -> List[str]:
    """*paths* with each directory replaced by its ``*.json`` files, in name order."""
    out = []
    for path in paths:
        if os.path.isdir(path):
            try:
                names = sorted(n for n in os.listdir(path) if n.endswith(".json"))
            except OSError as exc:
                raise FleetError(_("cannot read %(path)s: %(error)s") % {
                    "path": clean(path), "error": exc.strerror or exc}) from None
            out.extend(os.path.join(path, n) for n in names)
        else:
            out.append(path)
        if len(out) > MAX_FILES:
            raise FleetError(_("more than %d reports") % MAX_FILES)
    return out


def collect(paths) -> List[Entry]:
    return [read_entry(path) for path in expand(paths)]


def summary(entries):
    counts = {v: 0 for v in VERDICTS}
    for entry in entries:
        counts[entry.verdict] += 1
    counts["hosts"] = len(entries)
    return counts


_VERDICT_TEXT = {PASS: "pass", WARN: "warn", FAIL: "FAIL", UNKNOWN: "UNKNOWN"}


def _errors_cell(entry):
    if entry.verdict == UNKNOWN:
        return entry.problem or ""
    if not entry.errors:
        return "-" if not entry.warnings else _("- (%d warning(s))") % entry.warnings
    cell = "; ".join("%s %s" % (e["code"], e["mountpoint"]) if e["mountpoint"] else e["code"]
                     for e in entry.errors)
    return cell + (_(" (+%d warning(s))") % entry.warnings if entry.warnings else "")


def render_table(entries, details=False):
    """A plain-text table: host, verdict, errors (codes and mount points); with *details*
    each error's message and fix under its host."""
    head = (_("HOST"), _("VERDICT"), _("ERRORS"))
    width = min(max([len(head[0])] + [len(e.host) for e in entries]), 60)
    lines = ["%-*s  %-8s %s" % (width, head[0], head[1], head[2])]
    for entry in entries:
        name = entry.host if len(entry.host) <= width else entry.host[:width - 1] + "\u2026"
        lines.append("%-*s  %-8s %s" % (width, name, _VERDICT_TEXT[entry.verdict],
                                        _errors_cell(entry)))
        if details:
            for err in entry.errors:
                where = " %s" % err["mountpoint"] if err["mountpoint"] else ""
                lines.append("    %s%s: %s" % (err["code"], where, err["message"]))
                if err["hint"]:
                    lines.append("      %s %s" % (_("fix:"), err["hint"]))
    counts = summary(entries)
    lines.append(_("%(hosts)d host(s): %(pass)d pass, %(warn)d warn, %(fail)d fail, "
                   "%(unknown)d unknown") % counts)
    return "\n".join(lines)


def exit_code(entries):
    """0 when every host passes (warnings allowed), 1 otherwise (a failing or unknown
    host: the fleet is not ready)."""
    return 0 if all(e.verdict in (PASS, WARN) for e in entries) else 1
