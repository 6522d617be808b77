# SPDX-License-Identifier: GPL-2.0-or-later
"""What every command prints: one JSON envelope, colour for severities on a terminal.

**JSON.** Every ``--format json`` output is one object (``data/schemas/output-v1.json``,
docs/json.md)::

    {"schema": SCHEMA, "command": "check", "exit_code": 1, "summary": {...},
     "results": [{"source": "site.ks", "ok": false, "error": null, ...}, ...]}

One result per input (a kickstart file, a profile, a plan, a host, a report); an input that
cannot be read is a result too, with ``"error": {"message": ...}`` (the message also goes to
standard error). ``notes`` lists the remarks of the profiles the command loaded
(:attr:`org_ovirt_node.profile.Profile.notes`, e.g. a decimal size unit), which also go to
standard error as ``file:line:column: note: key: message``. :data:`SCHEMA` changes only
on an incompatible change (a key removed or its meaning changed); new keys may appear in
any version.

**Colour.** Severities are coloured when the stream is a terminal, unless ``NO_COLOR`` is
set (https://no-color.org); ``FORCE_COLOR`` (not empty, not ``0``) colours a pipe too.
"""
import json
import os
import re
import sys

from org_ovirt_node import OUTPUT_SCHEMA as SCHEMA


def result(source, ok=True, error=None, payload=None, **more):
    """One result: *source* (what was read: a file, ``-``, a host, the disks), whether it
    passed, and the error (a message string, or a dict with ``message``) that made it
    unreadable; the command's own keys in *payload* (a dict) and *more*."""
    if isinstance(error, str):
        error = {"message": error}
    out = dict(payload or {}, **more)  # a report's own "ok" gives way to the verdict
    out.update(source=source, ok=bool(ok) and error is None, error=error)
    return out


# The notes of the profiles loaded by this run, as dicts (Problem.to_dict()), in order.
_NOTES = []


def reset_notes():
    """Forget the notes of an earlier run (``main()`` calls it first)."""
    del _NOTES[:]


def report_notes(profile, stream=None):
    """Print the notes of *profile*, a profile loaded for the user, on *stream* (stderr)
    as ``file:line:column: note: key: message`` and keep them for the JSON envelope. A note
    already reported (the same profile loaded twice) is not repeated. They never change
    the exit code."""
    stream = stream or sys.stderr
    for note in getattr(profile, "notes", ()):
        data = note.to_dict()
        if data in _NOTES:
            continue
        _NOTES.append(data)
        stream.write(note.diagnostic() + "\n")


def envelope(command, results, exit_code, summary=None):
    data = {"schema": SCHEMA, "command": command, "exit_code": exit_code,
            "results": list(results), "notes": list(_NOTES)}
    if summary is not None:
        data["summary"] = summary
    return data


def print_json(command, results, exit_code, summary=None, stream=None):
    """Print the envelope; return *exit_code* (so commands can ``return print_json(...)``)."""
    stream = stream or sys.stdout
    stream.write(json.dumps(envelope(command, results, exit_code, summary), indent=2,
                            sort_keys=True, default=str) + "\n")
    return exit_code


def counts(findings_lists):
    """{"error": n, "warning": n, "info": n} over several lists of findings."""
    total = {"error": 0, "warning": 0, "info": 0}
    for findings in findings_lists:
        for finding in findings:
            total[finding.severity] = total.get(finding.severity, 0) + 1
    return total


# --- colour ---------------------------------------------------------------------------------
_SGR = {"error": "1;31", "warning": "1;33", "info": "36", "ok": "32", "created": "32",
        "destroyed": "1;31"}
# The first "severity:" of a line is the diagnostic's; messages may contain the words too.
_SEVERITY_WORD = re.compile(r"^([^\n]*?: )(error|warning|info)(?=: )", re.MULTILINE)


def colour_enabled(stream=None, environ=None):
    """Whether to colour *stream* (stdout): never with ``NO_COLOR`` set, always with
    ``FORCE_COLOR`` set to something other than ``0``, else only on a terminal."""
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR", "") != "":
        return False
    force = environ.get("FORCE_COLOR")
    if force is not None and force not in ("", "0"):
        return True
    stream = stream or sys.stdout
    try:
        return bool(stream.isatty()) and environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


def paint(text, what, enabled):
    """*text* in the colour for *what* (a severity, ``ok``, ``created``, ``destroyed``)."""
    code = _SGR.get(what)
    if not enabled or not code or not text:
        return text
    return "\x1b[%sm%s\x1b[0m" % (code, text)


def colour_findings(text, enabled):
    """Diagnostics ``file:line: severity: CODE message`` with the severity word coloured."""
    if not enabled:
        return text
    return _SEVERITY_WORD.sub(lambda m: m.group(1) + paint(m.group(2), m.group(2), True), text)
