# SPDX-License-Identifier: GPL-2.0-or-later
"""``ovirt-node-layout check FILE|DIR...``: lint kickstart files statically, and fix them.

No blivet here (nor in what it imports): this runs on every CI pipeline and must start fast.
A directory stands for the ``*.ks`` files in it. The text output ends with a summary line,
as ``verify``'s does; severities are coloured on a terminal.

``--fix`` rewrites a kickstart's partitioning with the smallest change that satisfies the
profile (:mod:`org_ovirt_node.kickstart.fixer`): the fixed kickstart goes to standard output
(one FILE), ``--diff`` prints a unified diff instead, ``-i`` writes every changed file in
place (the old one kept as ``FILE.orig``). What was changed is listed on standard error
(on standard output with ``-i``).

Exit codes: 0 clean (warnings and infos allowed) or fixed, 1 errors (or warnings with
``--strict``), or a kickstart the fixer refuses to touch, 2 a file that cannot be read or
parsed, or a bad ``--profile``/``--ks-version``/option.
"""
import sys

from org_ovirt_node.cli import (
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VIOLATIONS,
    UsageError,
    add_format_option,
    load_profile_or_usage,
    output,
)
from org_ovirt_node.i18n import P_, _

BACKUP_SUFFIX = ".orig"


def register(subparsers):
    parser = subparsers.add_parser(
        "check", help=_("lint kickstart files against the profile (no disks needed)"),
        description=_("Parse kickstart files with pykickstart and check their partitioning "
                      "against the profile named by %addon org_ovirt_node (or --profile); "
                      "with --fix, rewrite it to satisfy the profile."))
    parser.add_argument("files", nargs="+", metavar="FILE|DIR",
                        help=_("kickstart files, or directories of *.ks files; '-' reads "
                               "standard input"))
    parser.add_argument("--profile", default=None, metavar="NAME|FILE",
                        help=_("profile to check against, replacing the one %%addon names "
                               "(its overrides still apply)"))
    parser.add_argument("--ks-version", default="RHEL9", metavar="VERSION",
                        help=_("kickstart syntax version (default: RHEL9)"))
    parser.add_argument("--strict", action="store_true",
                        help=_("exit 1 on warnings too"))
    parser.add_argument("--fix", action="store_true",
                        help=_("rewrite the partitioning with the smallest change that "
                               "satisfies the profile; print the fixed kickstart (one FILE)"))
    parser.add_argument("--diff", action="store_true",
                        help=_("with --fix (implied): print the changes as a unified diff "
                               "instead"))
    parser.add_argument("-i", "--in-place", action="store_true",
                        help=_("with --fix (implied): write the fixed files in place, each "
                               "old one kept as FILE.orig"))
    add_format_option(parser)
    parser.set_defaults(func=cmd_check)


def cmd_check(args):
    from org_ovirt_node.kickstart.linter import LintInputError, kickstarts_in

    profile = None
    if args.profile is not None:
        from org_ovirt_node.kickstart.linter import load_profile_cached
        profile = load_profile_or_usage(args.profile, loader=load_profile_cached)
    if args.files.count("-") > 1:
        raise UsageError(_("'-' (standard input) can be given only once"))
    fixing = args.fix or args.diff or args.in_place
    if args.in_place and "-" in args.files:
        raise UsageError(_("-i cannot write standard input back; give a file"))
    try:
        paths = kickstarts_in(args.files)
    except LintInputError as exc:
        raise UsageError(str(exc)) from None
    if not paths:
        raise UsageError(_("no kickstart (*.ks) found in %(paths)s")
                         % {"paths": ", ".join(args.files)})
    if fixing and not args.diff and not args.in_place and len(paths) > 1 \
            and args.format == "text":
        raise UsageError(_("--fix prints one fixed kickstart: give one FILE, or use --diff "
                           "or -i for several"))
    state = _State(args, colour=args.format == "text" and output.colour_enabled())
    for path in paths:
        if fixing:
            _fix_one(state, path, profile)
        else:
            _lint_one(state, path, profile)
    totals = output.counts(r.findings for r in state.reports)
    summary = dict(totals, files=len(paths), unreadable=state.unreadable)
    if fixing:
        summary.update(fixed=state.fixed, refused=state.refused)
    if args.format == "json":
        return output.print_json("check", state.results, state.status, summary)
    if not (fixing and not args.in_place):  # stdout holds the kickstart or the diff then
        print(summary_line(len(paths), totals, state.unreadable, state.status, state.colour,
                           state.fixed if fixing else None))
    return state.status


class _State:
    """What the files checked so far add up to."""

    def __init__(self, args, colour):
        self.args, self.colour = args, colour
        self.status, self.unreadable, self.fixed, self.refused = EXIT_OK, 0, 0, 0
        self.reports, self.results = [], []

    def worse(self, status):
        self.status = max(self.status, status)

    def unreadable_input(self, path, exc):
        """Report a file the linter cannot read (stderr, and a result with an error)."""
        if exc.line is not None:    # the same form as a finding: file:line: error: ...
            message = "%s:%s: error: %s" % (exc.filename, exc.line, exc.detail)
        else:
            message = "%s: error: %s" % (path, exc)
        sys.stderr.write(output.colour_findings(message, self.colour) + "\n")
        self.results.append(output.result(path, error={
            "message": str(exc.detail if exc.line is not None else exc), "line": exc.line},
            findings=[]))
        self.unreadable += 1
        self.worse(EXIT_USAGE)


def _lint_one(state, path, profile):
    from org_ovirt_node.kickstart.linter import LintInputError, exit_code, lint_file, render_text
    try:
        report = lint_file(path, profile=profile, ks_version=state.args.ks_version)
    except LintInputError as exc:
        state.unreadable_input(path, exc)
        return
    state.reports.append(report)
    code = exit_code(report, strict=state.args.strict)
    state.worse(code)
    state.results.append(output.result(path, ok=code == EXIT_OK, payload=report.to_dict()))
    if state.args.format == "text":
        text = render_text(report)
        if text:
            print(output.colour_findings(text, state.colour))


def _fix_one(state, path, profile):
    from org_ovirt_node.kickstart.fixer import FixRefusedError, fix_file, unified_diff
    from org_ovirt_node.kickstart.linter import LintInputError, exit_code
    from org_ovirt_node.profile import ProfileError
    args = state.args
    stdin = None
    try:
        if path == "-":  # kept: with nothing to fix, --fix prints it as it came
            import os

            from org_ovirt_node.kickstart.fixer import fix_text
            from org_ovirt_node.kickstart.linter import MAX_EXPANDED_BYTES
            stdin = sys.stdin.buffer.read(MAX_EXPANDED_BYTES + 1)
            result = fix_text(stdin, "<stdin>", profile, args.ks_version,
                              base_dir=os.getcwd())
        else:
            result = fix_file(path, profile=profile, ks_version=args.ks_version)
    except LintInputError as exc:
        state.unreadable_input(path, exc)
        return
    except ProfileError as exc:  # the profile %addon names cannot be loaded
        raise UsageError("\n".join(p.diagnostic() for p in exc.problems),
                         located=True) from None
    except FixRefusedError as exc:
        state.refused += 1
        state.worse(EXIT_VIOLATIONS)
        reasons = [{"file": r.file, "line": r.line, "message": r.message}
                   for r in exc.reasons]
        for reason in exc.reasons:
            sys.stderr.write(output.colour_findings(
                "%s: error: %s" % (_where(reason.file or path, reason.line), reason.message),
                state.colour) + "\n")
        state.results.append(output.result(path, ok=False, findings=[], fix={
            "changed": False, "refused": reasons, "changes": [], "diff": "",
            "written": []}))
        return
    report = result.report
    state.reports.append(report)
    code = exit_code(report, strict=args.strict)
    state.worse(code)
    diff = unified_diff(result)
    written = _write_in_place(result) if args.in_place and result.changed else []
    if result.changed:
        state.fixed += 1
    changes = [{"file": c.file, "line": c.line, "message": c.message} for c in result.changes]
    state.results.append(output.result(path, ok=code == EXIT_OK, payload=dict(
        report.to_dict(), fix={"changed": result.changed, "refused": [], "changes": changes,
                               "diff": diff, "written": written})))
    if args.format != "text":
        return
    log = sys.stdout if args.in_place else sys.stderr
    for change in result.changes:
        log.write("%s: %s: %s\n" % (_where(change.file, change.line),
                                    output.paint(_("fixed"), "ok", state.colour),
                                    change.message))
    if not result.changed:
        log.write(_("%(file)s: nothing to fix") % {"file": path} + "\n")
    if args.diff:
        sys.stdout.write(diff)
    elif not args.in_place:
        if result.changed:
            sys.stdout.write(result.files.get(result.filename,
                                              result.original.get(result.filename, "")))
        else:
            sys.stdout.write(stdin.decode("utf-8", "surrogateescape") if stdin is not None
                             else _read_text(path))


def _where(file, line):
    return "%s:%d" % (file, line) if line is not None else file


def _read_text(path):
    """The unchanged kickstart, for ``--fix`` with nothing to fix (it still prints it)."""
    with open(path, encoding="utf-8", newline="", errors="surrogateescape") as handle:
        return handle.read()


def _write_in_place(result):
    """Write every changed file of *result*, each old one kept as ``FILE.orig``; the names
    written. :class:`UsageError` when one cannot be written (the ones before stay fixed)."""
    written = []
    for name, text in result.files.items():
        try:
            with open(name + BACKUP_SUFFIX, "w", encoding="utf-8", newline="") as handle:
                handle.write(result.original[name])
            with open(name, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:
            raise UsageError(_("cannot write %(file)s: %(error)s") % {
                "file": name, "error": exc.strerror or exc}) from None
        written.append(name)
    return written


def summary_line(files, totals, unreadable, status, colour=False, fixed=None):
    """``N files checked: E error(s), W warning(s), I note(s)`` (and the unreadable and
    fixed ones), as ``verify`` ends its report."""
    line = P_("%(files)d file checked", "%(files)d files checked", files) % {"files": files}
    line += ": " + _("%(errors)d error(s), %(warnings)d warning(s), %(infos)d note(s)") % {
        "errors": totals["error"], "warnings": totals["warning"], "infos": totals["info"]}
    if unreadable:
        line += "; " + P_("%(n)d could not be read", "%(n)d could not be read",
                          unreadable) % {"n": unreadable}
    if fixed is not None:
        line += "; " + P_("%(n)d fixed", "%(n)d fixed", fixed) % {"n": fixed}
    return output.paint(line, "ok" if status == EXIT_OK else "error", colour)
