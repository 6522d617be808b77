# SPDX-License-Identifier: GPL-2.0-or-later
"""``ovirt-node-layout profile list|show|validate|export-anaconda``."""
import sys

from org_ovirt_node.cli import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_format_option,
    output,
    suggest_profile,
)
from org_ovirt_node.i18n import _
from org_ovirt_node.profile import CREATED, OPTIONAL, REQUIRED
from org_ovirt_node.units import format_size


def register(subparsers):
    parser = subparsers.add_parser(
        "profile", help=_("show, validate or export profiles"),
        description=_("List the built-in profiles, show one as a table, validate profile "
                      "files, or write the Anaconda configuration drop-in of a profile."))
    sub = parser.add_subparsers(dest="profile_command", metavar="ACTION")
    sub.required = True

    p = sub.add_parser("list", help=_("list the built-in profiles"),
                       description=_("Print the names of the built-in profiles, one a "
                                     "line."))
    add_format_option(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help=_("show a profile (default: ovirt-node)"),
                       description=_("Show a profile's mounts, volume group, thin pool and "
                                     "swap policy as a table (or JSON)."))
    p.add_argument("profile", nargs="?", default=None, metavar="NAME|FILE",
                   help=_("a built-in profile name or a profile file (default: ovirt-node)"))
    add_format_option(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("validate", help=_("validate a profile file"),
                       description=_("Check profile files; every problem is reported as "
                                     "file:line:column: key: what was expected. Exit 2 when "
                                     "one is invalid."))
    p.add_argument("profile", nargs="+", metavar="FILE",
                   help=_("profile files (or built-in names) to validate"))
    add_format_option(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("export-anaconda",
                       help=_("write an Anaconda configuration drop-in for /etc/anaconda/conf.d/"),
                       description=_("Write the Anaconda configuration drop-in that makes "
                                     "Anaconda's automatic partitioning produce the profile's "
                                     "layout and makes a failure of this addon stop the "
                                     "install."))
    p.add_argument("--profile", default=None, metavar="NAME|FILE",
                   help=_("profile to export (default: ovirt-node)"))
    p.add_argument("-o", "--output", default="-", metavar="FILE",
                   help=_("where to write it (default: standard output)"))
    p.set_defaults(func=cmd_export_anaconda)


def _load(name, problems=None):
    """Load a profile and print its notes (``file:line:column: note: key: message``, kept
    for the JSON envelope); on failure print every problem (``file:line:column: error: key:
    message``, the loader's ``did you mean`` included), collect them in *problems* (the last
    with ``suggestion`` for a name close to a built-in's) and return None."""
    from org_ovirt_node.profile import DEFAULT_PROFILE, ProfileError, load_profile
    try:
        profile = load_profile(name or DEFAULT_PROFILE)
    except ProfileError as exc:
        for problem in exc.problems:
            sys.stderr.write(problem.diagnostic() + "\n")
            if problems is not None:
                problems.append(problem.to_dict())
        suggestion = suggest_profile(name)
        if suggestion and problems:
            problems[-1] = dict(problems[-1], suggestion=suggestion)
        return None
    output.report_notes(profile)
    return profile


def cmd_list(args):
    from org_ovirt_node.profile import builtin_profiles, resolve_profile_path
    names = builtin_profiles()
    if args.format == "json":
        return output.print_json("profile list", [output.result(
            resolve_profile_path(name) or name, name=name) for name in names], EXIT_OK)
    for name in names:
        print(name)
    return EXIT_OK


def cmd_show(args):
    problems = []
    profile = _load(args.profile, problems)
    if args.format == "json":
        if profile is None:
            return output.print_json("profile show", [output.result(
                args.profile or "ovirt-node", error=_problems_error(problems), name=None,
                profile=None)], EXIT_USAGE)
        return output.print_json("profile show", [output.result(
            profile.source, name=profile.name, profile=profile.to_dict())], EXIT_OK)
    if profile is None:
        return EXIT_USAGE
    print(describe_profile(profile))
    return EXIT_OK


def describe_profile(profile):
    """A human summary of a profile: the table of mounts (what is required, what imgbased
    creates later and with what size, the hard minimum, the recommended size, what the
    planner asks for) plus the pool and VG policy."""
    lines = ["%s (%s)" % (profile.name, profile.source)]
    if profile.description:
        lines.append("  " + profile.description.strip())
    lines.append("")
    rows = [(_("MOUNT"), _("PRESENCE"), _("KIND"), _("MINIMUM"), _("RECOMMENDED"),
             _("DEFAULT"), _("FS"), _("OPTIONS"))]
    for point, rule in profile.mounts.items():
        rows.append((point, _presence(rule), rule.kind, _size(rule.min_size),
                     _size(rule.recommended_size),
                     _size(rule.default_size) + ("+" if rule.grow else "")
                     if rule.default_size is not None else "-",
                     ",".join(rule.filesystems), ",".join(rule.options) or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        lines.append("  " + " ".join(cell.ljust(width) for cell, width in zip(row, widths))
                     + " " + row[-1])
    for point in profile.forbidden_mounts:
        lines.append("  %s %s" % (point.ljust(widths[0]), _("must not be a separate mount")))
    lines.append("")
    lines.extend("  " + line for line in _presence_legend(profile))
    lines.append("")
    reserve_max = format_size(profile.reserve_max) if profile.reserve_max else _("none")
    lines.append("  " + _("VG %(vg)s: keep %(pct)s %% free (min %(min)s, max %(max)s)") % {
        "vg": profile.vg_name, "pct": "%g" % profile.reserve_percent,
        "min": format_size(profile.reserve_min), "max": reserve_max})
    lines.append("  " + _("thin pool %(pool)s: overcommit %(oc)s, metadata reachable >= "
                          "%(meta)s, health limit %(data)s %% data / %(md)s %% metadata") % {
        "pool": profile.pool_name, "oc": _("allowed") if profile.overcommit else _("refused"),
        "meta": format_size(profile.min_metadata) if profile.min_metadata else "-",
        "data": "%g" % profile.max_data_percent, "md": "%g" % profile.max_metadata_percent})
    lines.append("  " + _("swap: %(policy)s, %(kind)s, min %(min)s") % {
        "policy": profile.swap_policy, "kind": profile.swap_kind,
        "min": format_size(profile.swap_min) if profile.swap_min else "-"})
    if profile.min_disk_total:
        lines.append("  " + _("disks: at least %s in total") % format_size(profile.min_disk_total))
    changed = ["%s=%s" % (k, v) for k, v in sorted(profile.severities.items())]
    if changed:
        lines.append("  " + _("rule severities: %s") % ", ".join(changed))
    return "\n".join(lines)


def _size(size):
    return format_size(size) if size is not None else "-"


def _presence(rule):
    """A mount's presence as the table shows it: ``created 10 GiB`` names the size imgbased
    creates the mount with."""
    if rule.presence == CREATED and rule.created_size is not None:
        return "%s %s" % (rule.presence, format_size(rule.created_size))
    return rule.presence


# presence -> the rule that reports a missing mount of that presence
_PRESENCE_RULES = ((REQUIRED, "required-mount"), (CREATED, "created-mount"),
                   (OPTIONAL, "optional-mount"))


def _presence_legend(profile):
    """One line for each presence the profile's mounts have: how a missing mount of it is
    reported under this profile's severities (and, for created ones, what imgbased does);
    then how a mount below MINIMUM and below RECOMMENDED is."""
    from org_ovirt_node.rules import CATALOG, OFF
    used = {rule.presence for rule in profile.mounts.values()}
    lines = []
    for presence, slug in _PRESENCE_RULES:
        if presence not in used:
            continue
        severity, code = profile.severity(slug), CATALOG[slug].code
        shown = presence + (" " + _("SIZE") if presence == CREATED else "")
        if severity == OFF:
            line = _("%(presence)s: a missing mount is not reported (%(code)s is off)")
        else:
            line = _("%(presence)s: a missing mount is reported as %(severity)s %(code)s")
        line %= {"presence": shown, "severity": severity, "code": code}
        if presence == CREATED:
            line += "; " + _("imgbased creates it with SIZE at the first update")
        lines.append(line)

    def reported(slug):
        severity = profile.severity(slug)
        return severity if severity == OFF else "%s %s" % (severity, CATALOG[slug].code)
    lines.append(_("smaller than %(minimum)s: %(min)s; smaller than %(recommended)s: "
                   "%(rec)s") % {"minimum": _("MINIMUM"), "min": reported("min-size"),
                                 "recommended": _("RECOMMENDED"),
                                 "rec": reported("recommended-size")})
    return lines


def cmd_validate(args):
    status = EXIT_OK
    results = []
    for name in args.profile:
        problems = []
        profile = _load(name, problems)
        ok = profile is not None
        results.append(output.result(
            name, error=None if ok else _problems_error(problems), file=name,
            name=profile.name if ok else None, problems=problems))
        if not ok:
            status = EXIT_USAGE
        elif args.format == "text":
            print(_("%(file)s: ok (profile %(name)s)") % {"file": name, "name": profile.name})
    if args.format == "json":
        return output.print_json("profile validate", results, status)
    return status


def _problems_error(problems):
    """The error of a result for a profile that did not load: its first problem."""
    first = problems[0] if problems else {}
    error = {"message": first.get("message") or _("the profile cannot be loaded"),
             "file": first.get("file"), "line": first.get("line")}
    suggestion = next((p["suggestion"] for p in problems if p.get("suggestion")), None)
    if suggestion:
        error["suggestion"] = suggestion
    return error


def cmd_export_anaconda(args):
    profile = _load(args.profile)
    if profile is None:
        return EXIT_USAGE
    from org_ovirt_node.installer.dropin import render_dropin
    from org_ovirt_node.names import InvalidNameError
    try:
        text = render_dropin(profile)
    except InvalidNameError as exc:  # the loader refuses these already; never write half a file
        raise UsageError(str(exc)) from None
    if args.output == "-":
        sys.stdout.write(text)
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise UsageError(_("cannot write %(file)s: %(error)s") % {
                "file": args.output, "error": exc.strerror or exc}) from None
    return EXIT_OK
