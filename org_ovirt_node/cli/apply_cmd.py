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

from org_ovirt_node.cli import EXIT_OK, EXIT_USAGE, EXIT_VIOLATIONS, UsageError
from org_ovirt_node.i18n import _


def register(subparsers):
    parser = subparsers.add_parser(
        "apply", help=_("plan on the named disks and, with --yes, write the plan"))
    parser.add_argument("--disk", action="append", required=True, metavar="DEV|IMAGE",
                        help=_("a whole-disk block device (/dev/vda, or vda) or an image "
                               "file (repeat for more); no other disk is touched"))
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
    try:
        targets = resolve_disks(args.disk)
        vg_name = check_vg_name(args.vg_name)
    except ApplyUsageError as exc:
        raise UsageError(str(exc)) from None
    check_fstab_target(args.fstab)
    print(_("Planning on %(disks)s with profile %(profile)s:") % {
        "disks": ", ".join(t.describe() for t in targets), "profile": profile.name})
    try:
        result = apply_plan(profile, targets, clear=clear, yes=args.yes,
                            vg_name=vg_name, fstype=args.fstype)
    except ApplyUsageError as exc:
        raise UsageError(printable(exc)) from None
    except ValueError as exc:  # the planner's bad-argument errors (--fstype, --clear names)
        raise UsageError(printable(exc)) from exc
    except ApplyError as exc:
        sys.stderr.write("ovirt-node-layout: apply: %s\n" % printable(exc))
        if exc.created:
            sys.stderr.write(_("devices created before the failure:") + "\n")
            for name in exc.created:
                sys.stderr.write("  %s\n" % printable(name))
        return EXIT_VIOLATIONS
    for finding in result.plan.report.warnings:
        print(_("warning: %(code)s %(message)s") % {"code": finding.code,
                                                     "message": printable(finding.message)})
    if not result.executed:
        print(_("%(n)d action(s) planned; nothing was written (run again with --yes).")
              % {"n": len(result.actions)})
        return EXIT_OK
    print(_("%(n)d action(s) done.") % {"n": len(result.actions)})
    if args.fstab == "-":
        sys.stdout.write(result.fstab)
    elif args.fstab:
        try:
            with open(args.fstab, "w", encoding="utf-8") as handle:
                handle.write(result.fstab)
        except OSError as exc:
            sys.stderr.write(_("ovirt-node-layout: apply: the layout was applied, but --fstab "
                               "%(file)s could not be written: %(error)s\n")
                             % {"file": args.fstab, "error": exc.strerror})
            return EXIT_USAGE
    return EXIT_OK
