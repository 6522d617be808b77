# SPDX-License-Identifier: GPL-2.0-or-later
"""``ovirt-node-layout apply``: plan on named disks and (with ``--yes``) write the plan.

For disk images and end-to-end tests; in the installer Anaconda writes the disks. ``--disk``
names exactly one object: a whole-disk block device (found by its device number), or an
image file (written through a loop device apply attaches and detaches itself); a bare name
such as ``vda`` means ``/dev/vda``. Exit codes: 0 planned (and applied with --yes), 1 refused
or failed, 2 bad usage (a path that names no usable disk or image, a bad name or option).
"""
import os
import sys

from org_ovirt_node.cli import (
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VIOLATIONS,
    UsageError,
    add_clear_option,
    add_format_option,
    output,
    parse_clear,
)
from org_ovirt_node.i18n import _


def register(subparsers):
    parser = subparsers.add_parser(
        "apply", help=_("plan on the named disks and, with --yes, write the plan"),
        description=_("Plan the profile's layout on exactly the named disks or disk images "
                      "and print the actions; with --yes, execute them. Disks in use are "
                      "refused. For disk images and tests: in the installer, Anaconda "
                      "writes the disks."))
    parser.add_argument("--disk", action="append", required=True, metavar="DEV|IMAGE",
                        help=_("a whole-disk block device (/dev/vda, or vda) or an image "
                               "file (repeat for more); no other disk is touched"))
    parser.add_argument("--profile", default=None, metavar="NAME|FILE",
                        help=_("profile to plan for (default: ovirt-node)"))
    add_clear_option(parser)
    parser.add_argument("--firmware", choices=("bios", "uefi"), default=None,
                        help=_("boot firmware of the machine the disks are for (default: "
                               "this machine's)"))
    parser.add_argument("--vg-name", default=None, metavar="NAME",
                        help=_("volume group name (default: the profile's)"))
    parser.add_argument("--fstype", default=None, metavar="FS",
                        help=_("filesystem for the new mounts (default: the profile's)"))
    parser.add_argument("--fstab", default=None, metavar="FILE",
                        help=_("after applying, write the new layout's fstab to FILE "
                               "('-' for standard output)"))
    parser.add_argument("--yes", action="store_true",
                        help=_("execute the plan (without it, only print the actions)"))
    add_format_option(parser)
    parser.set_defaults(func=cmd_apply)


def check_fstab_target(path):
    """--fstab FILE must be writable where it is; checked before anything is written."""
    if path in (None, "-"):
        return
    from org_ovirt_node.sanitize import excerpt
    if os.path.isdir(path):
        raise UsageError(_("--fstab %(file)s: is a directory; expected a file to write")
                         % {"file": excerpt(path, 80)})
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(_("--fstab %(file)s: no such directory %(folder)s")
                         % {"file": excerpt(path, 80), "folder": excerpt(folder, 80)})


def cmd_apply(args):
    from org_ovirt_node.cli import load_profile_or_usage
    from org_ovirt_node.planning.apply import (
        ApplyError,
        ApplyUsageError,
        apply_plan,
        check_vg_name,
        printable,
        resolve_disks,
    )

    profile = load_profile_or_usage(args.profile)
    clear = parse_clear(args.clear)
    json_out = args.format == "json"
    source = ", ".join(args.disk)
    try:
        targets = resolve_disks(args.disk)
        vg_name = check_vg_name(args.vg_name)
    except ApplyUsageError as exc:
        if json_out:
            return _json_error(source, printable(exc), EXIT_USAGE)
        raise UsageError(str(exc)) from None
    check_fstab_target(args.fstab)
    say = (lambda _text: None) if json_out else print
    say(_("Planning on %(disks)s with profile %(profile)s:") % {
        "disks": ", ".join(t.describe() for t in targets), "profile": profile.name})
    try:
        result = apply_plan(profile, targets, clear=clear, yes=args.yes, vg_name=vg_name,
                            fstype=args.fstype, firmware=args.firmware, log=say)
    except ApplyUsageError as exc:
        if json_out:
            return _json_error(source, printable(exc), EXIT_USAGE)
        raise UsageError(printable(exc)) from None
    except ValueError as exc:  # the planner's bad-argument errors (--fstype, --clear names)
        if json_out:
            return _json_error(source, printable(exc), EXIT_USAGE)
        raise UsageError(printable(exc)) from exc
    except ApplyError as exc:
        sys.stderr.write("ovirt-node-layout: apply: %s\n" % printable(exc))
        if exc.created:
            sys.stderr.write(_("devices created before the failure:") + "\n")
            for name in exc.created:
                sys.stderr.write("  %s\n" % printable(name))
        if json_out:
            return _json_error(source, printable(exc), EXIT_VIOLATIONS,
                               created=[printable(n) for n in exc.created])
        return EXIT_VIOLATIONS
    status = EXIT_OK
    fstab_error = None
    if result.executed and args.fstab not in (None, "-"):
        try:
            with open(args.fstab, "w", encoding="utf-8") as handle:
                handle.write(result.fstab)
        except OSError as exc:
            fstab_error = exc.strerror or str(exc)
            sys.stderr.write(_("ovirt-node-layout: apply: the layout was applied, but --fstab "
                               "%(file)s could not be written: %(error)s\n")
                             % {"file": args.fstab, "error": fstab_error})
            status = EXIT_USAGE
    if json_out:
        plan = result.plan
        return output.print_json("apply", [output.result(
            source, ok=plan.report.ok, executed=result.executed,
            targets=[{"arg": t.arg, "kind": t.kind, "path": t.path, "name": t.name}
                     for t in targets],
            profile=plan.profile_name, firmware=plan.firmware, clear=list(plan.clear),
            actions=[dict(a) for a in plan.action_records],
            destroyed=[dict(d) for d in plan.destroyed], report=plan.report.to_dict(),
            fstab=result.fstab, fstab_error=fstab_error)], status)
    colour = output.colour_enabled()
    for finding in result.plan.report.warnings:
        print(output.paint(_("warning"), "warning", colour) + ": " + _(
            "%(code)s %(message)s") % {"code": finding.code,
                                       "message": printable(finding.message)})
    if not result.executed:
        print(_("%(n)d action(s) planned; nothing was written (run again with --yes).")
              % {"n": len(result.actions)})
        return EXIT_OK
    print(_("%(n)d action(s) done.") % {"n": len(result.actions)})
    if args.fstab == "-":
        sys.stdout.write(result.fstab)
    return status


def _json_error(source, message, status, **extra):
    """The error as a result (and on stderr, unless said there already)."""
    if status == EXIT_USAGE:
        sys.stderr.write("ovirt-node-layout: %s\n" % message)
    return output.print_json("apply", [output.result(source, error=dict(extra, message=message),
                                                     executed=False)], status)
