"""``ovirt-node-layout verify``: check the layout of this host (or of an installed root).

The layout is read from the system's own tools (lsblk, lvs/vgs/pvs, findmnt; see
:mod:`org_ovirt_node.adapters.host`), judged by the layout rules plus the live-host health
rules (:mod:`org_ovirt_node.health`). With ``--root`` the mount points and options come from
``<root>/etc/fstab``: what the installed system will mount, not what is mounted now.
"""
import json
import os
import sys

from org_ovirt_node.cli import EXIT_USAGE, UsageError, add_format_option, load_profile_or_usage
from org_ovirt_node.i18n import _


def register(subparsers):
    parser = subparsers.add_parser(
        "verify", help=_("check the storage layout of this host or an installed root"))
    parser.add_argument("--root", default=None, metavar="PATH",
                        help=_("read mount points and options from PATH/etc/fstab"))
    parser.add_argument("--profile", default=None, metavar="NAME|FILE",
                        help=_("profile to check against (default: ovirt-node)"))
    parser.add_argument("--strict", action="store_true",
                        help=_("exit 1 on warnings too"))
    add_format_option(parser)
    parser.set_defaults(func=cmd_verify)


def cmd_verify(args):
    from org_ovirt_node.adapters.host import HostError, read_host
    from org_ovirt_node.findings import render_text
    from org_ovirt_node.health import verify

    profile = load_profile_or_usage(args.profile)
    if args.root is not None:
        if not os.path.isdir(args.root):
            raise UsageError(_("--root %(path)s: not a directory") % {"path": args.root})
    try:
        layout = read_host(root=args.root)
    except HostError as exc:
        sys.stderr.write("ovirt-node-layout: %s\n" % exc)
        return EXIT_USAGE
    report = verify(layout, profile)
    if args.format == "json":
        data = report.to_dict()
        data["profile"] = profile.name
        data["layout"] = layout.to_dict()
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        text = render_text(report)
        if text:
            print(text)
        print(_("%(origin)s: %(errors)d error(s), %(warnings)d warning(s), %(infos)d "
                "note(s) (profile %(profile)s)") % {
                    "origin": report.origin, "errors": len(report.errors),
                    "warnings": len(report.warnings), "infos": len(report.infos),
                    "profile": profile.name})
    return report.exit_code(strict=args.strict)
