# SPDX-License-Identifier: GPL-2.0-or-later
"""``ovirt-node-layout check FILE...``: lint kickstart files statically.

No blivet here (nor in what it imports): this runs on every CI pipeline and must start fast.
Exit codes: 0 clean (warnings and infos allowed), 1 errors (or warnings with ``--strict``),
2 a file that cannot be read or parsed, or a bad ``--profile``/``--ks-version``.
"""
import sys

from org_ovirt_node.cli import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_format_option,
    load_profile_or_usage,
)
from org_ovirt_node.i18n import _


def register(subparsers):
    parser = subparsers.add_parser(
        "check", help=_("lint kickstart files against the profile (no disks needed)"),
        description=_("Parse kickstart files with pykickstart and check their partitioning "
                      "against the profile named by %addon org_ovirt_node (or --profile)."))
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help=_("kickstart files; '-' reads standard input"))
    parser.add_argument("--profile", default=None, metavar="NAME|FILE",
                        help=_("profile to check against, replacing the one %%addon names "
                               "(its overrides still apply)"))
    parser.add_argument("--ks-version", default="RHEL9", metavar="VERSION",
                        help=_("kickstart syntax version (default: RHEL9)"))
    parser.add_argument("--strict", action="store_true",
                        help=_("exit 1 on warnings too"))
    add_format_option(parser)
    parser.set_defaults(func=cmd_check)


def cmd_check(args):
    from org_ovirt_node.findings import render_json, render_text
    from org_ovirt_node.kickstart.linter import LintInputError, exit_code, lint_file

    profile = None
    if args.profile is not None:
        from org_ovirt_node.kickstart.linter import load_profile_cached
        profile = load_profile_or_usage(args.profile, loader=load_profile_cached)
    if args.files.count("-") > 1:
        raise UsageError(_("'-' (standard input) can be given only once"))
    status = EXIT_OK
    reports = []
    for path in args.files:
        try:
            report = lint_file(path, profile=profile, ks_version=args.ks_version)
        except LintInputError as exc:
            if exc.line is not None:    # the same form as a finding: file:line: error: ...
                sys.stderr.write("%s:%s: error: %s\n" % (exc.filename, exc.line, exc.detail))
            else:
                sys.stderr.write("%s: error: %s\n" % (path, exc))
            status = max(status, EXIT_USAGE)
            continue
        reports.append(report)
        status = max(status, exit_code(report, strict=args.strict))
        if args.format == "text":
            text = render_text(report)
            if text:
                print(text)
    if args.format == "json":
        print(render_json(reports))
    return status
