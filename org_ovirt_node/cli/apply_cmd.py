"""``ovirt-node-layout apply``: plan on named disks and (with ``--yes``) write the plan.

For disk images and end-to-end tests; in the installer Anaconda writes the disks. Exit
codes: 0 planned (and applied with --yes), 1 refused or failed, 2 bad usage.
"""
import sys

from org_ovirt_node.cli import EXIT_OK, EXIT_VIOLATIONS, UsageError
from org_ovirt_node.i18n import _


def register(subparsers):
    parser = subparsers.add_parser(
        "apply", help=_("plan on the named disks and, with --yes, write the plan"))
    parser.add_argument("--disk", action="append", required=True, metavar="DEV",
                        help=_("a disk to use (repeat for more); no other disk is touched"))
    parser.add_argument("--profile", default=None, metavar="NAME|FILE",
                        help=_("profile to plan for (default: ovirt-node)"))
    parser.add_argument("--clear", default="none", metavar="none|all|NAME,...",
                        help=_("what may be removed: nothing (default), everything on the "
                               "named disks, or these devices"))
    parser.add_argument("--vg-name", default=None, metavar="NAME",
                        help=_("volume group name (default: the profile's)"))
    parser.add_argument("--fstype", default=None, metavar="FS",
                        help=_("filesystem for the new mounts (default: the profile's)"))
    parser.add_argument("--fstab", default=None, metavar="FILE",
                        help=_("after applying, write the new layout's fstab to FILE "
                               "('-' for standard output)"))
    parser.add_argument("--yes", action="store_true",
                        help=_("execute the plan (without it, only print the actions)"))
    parser.set_defaults(func=cmd_apply)


def parse_clear(text):
    if text in ("none", "all"):
        return text
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError(_("--clear: expected none, all or a comma-separated list of "
                           "device names, got %(value)r") % {"value": text})
    return names


def cmd_apply(args):
    from org_ovirt_node.apply import ApplyError, apply_plan, disk_name
    from org_ovirt_node.cli import load_profile_or_usage

    profile = load_profile_or_usage(args.profile)
    clear = parse_clear(args.clear)
    for disk in args.disk:
        try:
            disk_name(disk)
        except ApplyError as exc:
            raise UsageError(str(exc)) from exc
    print(_("Planning on %(disks)s with profile %(profile)s:") % {
        "disks": ", ".join(args.disk), "profile": profile.name})
    try:
        result = apply_plan(profile, args.disk, clear=clear, yes=args.yes,
                            vg_name=args.vg_name, fstype=args.fstype)
    except ValueError as exc:  # the planner's bad-argument errors (--fstype, --clear names)
        raise UsageError(str(exc)) from exc
    except ApplyError as exc:
        sys.stderr.write("ovirt-node-layout: apply: %s\n" % exc)
        if exc.created:
            sys.stderr.write(_("devices created before the failure:") + "\n")
            for name in exc.created:
                sys.stderr.write("  %s\n" % name)
        return EXIT_VIOLATIONS
    for finding in result.plan.report.warnings:
        print(_("warning: %(code)s %(message)s") % {"code": finding.code,
                                                     "message": finding.message})
    if not result.executed:
        print(_("%(n)d action(s) planned; nothing was written (run again with --yes).")
              % {"n": len(result.actions)})
        return EXIT_OK
    print(_("%(n)d action(s) done.") % {"n": len(result.actions)})
    if args.fstab == "-":
        sys.stdout.write(result.fstab)
    elif args.fstab:
        with open(args.fstab, "w", encoding="utf-8") as handle:
            handle.write(result.fstab)
    return EXIT_OK
