# SPDX-License-Identifier: GPL-2.0-or-later
"""``ovirt-node-layout verify``: check the layout of this host (or of an installed root).

The layout is read from the system's own tools (lsblk, lvs/vgs/pvs, findmnt; see
:mod:`org_ovirt_node.host.reader`), judged by the layout rules plus the live-host health
rules (:mod:`org_ovirt_node.host.health`). With ``--root`` the mount points and options come from
``<root>/etc/fstab``: what the installed system will mount, not what is mounted now.

With ``--pre-upgrade`` it answers another question: will the next imgbased update succeed
here? It runs the pre-upgrade gate (:mod:`org_ovirt_node.host.preupgrade`) instead of the layout
rules, whose missing volumes imgbased creates itself at the update.

A tool that is missing, fails, hangs (timeout) or prints something that is not what it
should print, and an fstab that is not a small regular file, end in one line on stderr
naming the tool or file and exit 2 (bad input), never a traceback.
"""
import os
import socket
import sys

from org_ovirt_node.cli import (
    EXIT_USAGE,
    UsageError,
    add_format_option,
    add_rule_option,
    apply_rule_options,
    load_profile_or_usage,
    output,
)
from org_ovirt_node.i18n import _
from org_ovirt_node.sanitize import excerpt


def register(subparsers):
    parser = subparsers.add_parser(
        "verify", help=_("check the storage layout of this host or an installed root"),
        description=_("Read this host's storage with its own tools (lsblk, LVM, findmnt) "
                      "and check it against the profile and the live-host health rules "
                      "(pool usage, room for the next update). On a host that is not an "
                      "oVirt Node, the first line says so. Nothing is changed."))
    parser.add_argument("--root", default=None, metavar="PATH",
                        help=_("read mount points and options from PATH/etc/fstab"))
    parser.add_argument("--profile", default=None, metavar="NAME|FILE",
                        help=_("profile to check against (default: ovirt-node)"))
    parser.add_argument("--strict", action="store_true",
                        help=_("exit 1 on warnings too"))
    add_rule_option(parser)
    parser.add_argument("--pre-upgrade", action="store_true",
                        help=_("check what the next imgbased update needs instead of the "
                               "profile's layout rules"))
    parser.add_argument("--image-size", default=None, metavar="SIZE",
                        help=_("with --pre-upgrade: data of the new image (default: the data "
                               "/ holds now)"))
    add_format_option(parser)
    parser.set_defaults(func=cmd_verify)


def _image_size(text):
    from org_ovirt_node.units import SizeError, parse_size
    try:
        size = parse_size(text)
    except SizeError as exc:
        raise UsageError("--image-size %s: %s" % (excerpt(text), exc)) from None
    if size <= 0:
        raise UsageError(_("--image-size %s: expected a size above zero") % excerpt(text))
    return size


def host_name(root):
    """The name of the host a report is about: the installed root's ``etc/hostname`` when
    there is one, else this machine's name."""
    from org_ovirt_node.host.reader import HostError, clean, read_file
    if root is not None:
        try:
            first = read_file(os.path.join(root, "etc", "hostname"), 4096).decode(
                "utf-8", "surrogateescape").strip().split("\n")[0].strip()
            if first:
                return clean(first)[:255]
        except HostError:
            pass
    return clean(socket.gethostname())[:255]


def cmd_verify(args):
    from org_ovirt_node.findings import render_text
    from org_ovirt_node.host.health import verify
    from org_ovirt_node.host.reader import HostError, clean, read_host

    profile = apply_rule_options(load_profile_or_usage(args.profile), args.rule)
    if args.image_size is not None and not args.pre_upgrade:
        raise UsageError(_("--image-size needs --pre-upgrade"))
    image_size = _image_size(args.image_size) if args.image_size is not None else None
    if args.root is not None:
        if not os.path.isdir(args.root):
            raise UsageError(_("--root %(path)s: not a directory") % {"path": clean(args.root)})
    try:
        layout = read_host(root=args.root)
        if args.pre_upgrade:
            from org_ovirt_node.host import preupgrade
            facts = preupgrade.read_upgrade_facts(layout, root=args.root,
                                                  image_size=image_size)
    except HostError as exc:  # a tool or file could not be read, or holds garbage: exit 2
        sys.stderr.write("ovirt-node-layout: %s\n" % exc)
        if args.format == "json":
            return output.print_json("verify", [output.result(
                args.root or "/", error=str(exc), host=host_name(args.root),
                mode="pre-upgrade" if args.pre_upgrade else "verify", findings=[])],
                EXIT_USAGE)
        return EXIT_USAGE
    from org_ovirt_node.host.health import for_running_host, not_a_node
    not_node = not_a_node(layout)
    if args.pre_upgrade:
        report, budget = preupgrade.check(layout, profile, facts)
        extra = {"mode": "pre-upgrade", "pre_upgrade": preupgrade.summary(facts, budget)}
    else:
        report, budget = for_running_host(verify(layout, profile), layout, profile), None
        extra = {"mode": "verify"}
    status = report.exit_code(strict=args.strict)
    if args.format == "json":
        data = report.to_dict()
        data.update(extra, profile=profile.name, host=host_name(args.root),
                    node=not_node is None, not_node=not_node)
        data["layout"] = layout.to_dict()
        return output.print_json("verify", [output.result(
            args.root or "/", ok=status == 0, payload=data)], status)
    colour = output.colour_enabled()
    if not_node:
        print(output.paint("%s: %s" % (report.origin, not_node), "warning", colour))
    text = render_text(report)
    if text:
        print(output.colour_findings(text, colour))
    if args.pre_upgrade:
        _print_gate(report, budget)
    else:
        print(output.paint(_(
            "%(origin)s: %(errors)d error(s), %(warnings)d warning(s), %(infos)d note(s) "
            "(profile %(profile)s)") % {
                "origin": report.origin, "errors": len(report.errors),
                "warnings": len(report.warnings), "infos": len(report.infos),
                "profile": profile.name}, "ok" if status == 0 else "error", colour))
    return status


def _print_gate(report, budget):
    from org_ovirt_node.units import format_size as fs
    if budget is not None:
        print(_("%(origin)s: pool %(size)s, %(used)s used, autoextend threshold %(th)s %%: "
                "%(room)s left for the new image (about %(image)s) and %(vols)s of new "
                "volumes") % {
                    "origin": report.origin, "size": fs(budget.pool_size),
                    "used": fs(budget.used), "th": "%g" % budget.threshold,
                    "room": fs(max(0, int(budget.image_room))),
                    "image": fs(budget.image) if budget.image is not None else "?",
                    "vols": fs(budget.volumes_total)})
    counts = {"origin": report.origin, "errors": len(report.errors),
              "warnings": len(report.warnings), "infos": len(report.infos)}
    if report.errors:
        print(_("%(origin)s: pre-upgrade: FAIL, fix %(errors)d error(s) before the update; "
                "%(warnings)d warning(s), %(infos)d note(s)") % counts)
    else:
        print(_("%(origin)s: pre-upgrade: PASS, %(errors)d error(s), %(warnings)d "
                "warning(s), %(infos)d note(s)") % counts)
