# SPDX-License-Identifier: GPL-2.0-or-later
"""``ovirt-node-layout fleet-report``: many hosts' ``verify --format json`` in one table.

Inputs are report files or directories of ``*.json`` reports (what the Ansible role or a
``for host in ...; do ssh $host ovirt-node-layout verify --pre-upgrade --format json >
reports/$host.json; done`` loop leaves). The table has one row per host: its name (from the
report, else the file name), its verdict and the codes of its errors; ``--details`` adds each
error's message and fix. Exit 0 when every host passes (warnings allowed), 1 when a host
fails or its report is unreadable, 2 for bad usage.
"""
from org_ovirt_node.cli import UsageError, add_format_option, output
from org_ovirt_node.i18n import _


def register(subparsers):
    parser = subparsers.add_parser(
        "fleet-report", help=_("aggregate many hosts' verify --format json reports"),
        description=_("Read many hosts' verify --format json reports (files, or folders of "
                      "*.json) and show one row per host: its verdict and its errors. Exit 1 "
                      "when a host fails or its report cannot be read."))
    parser.add_argument("reports", nargs="+", metavar="FILE|DIR",
                        help=_("verify --format json outputs, or directories of *.json"))
    parser.add_argument("--details", action="store_true",
                        help=_("show each error's message and fix under its host"))
    add_format_option(parser)
    parser.set_defaults(func=cmd_fleet_report)


def cmd_fleet_report(args):
    from org_ovirt_node.host import fleet
    from org_ovirt_node.host.reader import clean
    try:
        entries = fleet.collect(args.reports)
    except fleet.FleetError as exc:
        raise UsageError(str(exc)) from None
    if not entries:
        raise UsageError(_("no report found in %s") % ", ".join(clean(p) for p in args.reports))
    status = fleet.exit_code(entries)
    if args.format == "json":
        return output.print_json("fleet-report", [output.result(
            e.source, ok=e.verdict in (fleet.PASS, fleet.WARN),
            error={"message": e.problem} if e.verdict == fleet.UNKNOWN else None,
            payload=e.to_dict()) for e in entries], status, fleet.summary(entries))
    print(fleet.render_table(entries, details=args.details))
    return status
