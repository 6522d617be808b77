"""``ovirt-node-layout plan``: plan the profile's layout on disks, show it or write kickstart.

Disks: ``--disk 128GiB`` is a sparse image in a temporary folder (deleted afterwards),
``--disk PATH`` an existing image file or block device, ``--disks=auto`` every usable disk of
the machine; all read-only, nothing is ever written to a disk. Without any, one 64 GiB disk.
Exit 0 planned, 1 it does not fit (the precise reason on stderr), 2 bad arguments.
"""
import json
import os
import shutil
import sys
import tempfile

from org_ovirt_node.cli import EXIT_OK, EXIT_VIOLATIONS, UsageError, load_profile_or_usage
from org_ovirt_node.i18n import _
from org_ovirt_node.units import GiB, SizeError, parse_size

DEFAULT_DISK = 64 * GiB


def register(subparsers):
    parser = subparsers.add_parser(
        "plan", help=_("plan the profile's layout on disks (nothing is written)"),
        description=_("Plan the layout the profile requires on the given disks and show it "
                      "as a tree, JSON or kickstart commands. Nothing is written to a disk."))
    parser.add_argument("--disk", action="append", default=[], metavar="SIZE|PATH",
                        help=_("a disk: a size (a sparse image, e.g. 128GiB), an image file "
                               "or a block device; repeat for more (default: one 64 GiB "
                               "disk)"))
    parser.add_argument("--disks", choices=("auto",), default=None,
                        help=_("auto: every usable disk of this machine (read-only scan; for "
                               "a kickstart %%pre)"))
    parser.add_argument("--profile", default=None, metavar="NAME|FILE",
                        help=_("profile (default: ovirt-node)"))
    parser.add_argument("--clear", nargs="+", default=["none"], metavar="none|all|DISK",
                        help=_("what may be erased: none (default, free space only), all "
                               "chosen disks, or the named disks"))
    parser.add_argument("--firmware", choices=("bios", "uefi"), default=None,
                        help=_("boot firmware (default: this machine's)"))
    parser.add_argument("--swap", default=None, metavar="SIZE",
                        help=_("swap size, 0 for none (default: the profile's rule and the "
                               "RAM)"))
    parser.add_argument("--ram", default=None, metavar="SIZE",
                        help=_("RAM to base the swap recommendation on (default: this "
                               "machine's)"))
    parser.add_argument("--fstype", default=None, help=_("filesystem (default: the profile's)"))
    parser.add_argument("--vg-name", default=None, help=_("volume group name (default: the "
                                                          "profile's)"))
    parser.add_argument("--passphrase-file", default=None, metavar="FILE",
                        help=_("encrypt every PV with LUKS2, passphrase read from FILE"))
    parser.add_argument("--format", choices=("text", "json", "kickstart"), default="text",
                        help=_("output format (default: text)"))
    parser.set_defaults(func=cmd_plan)


def _size_or_none(text, option):
    if text is None:
        return None
    try:
        return parse_size(text) if text.strip() != "0" else 0
    except SizeError as exc:
        raise UsageError("%s %s: %s" % (option, text, exc)) from None


def _disk_specs(args):
    """[("size", bytes) | ("path", path)] from --disk options, or "auto"."""
    if args.disks == "auto":
        if args.disk:
            raise UsageError(_("--disks=auto and --disk exclude each other"))
        return "auto"
    specs = []
    for value in args.disk or []:
        if os.path.exists(value):
            specs.append(("path", value))
            continue
        try:
            size = parse_size(value)
        except SizeError as exc:
            raise UsageError(_("--disk %(value)s: neither an existing file or device nor a "
                               "size (%(err)s)") % {"value": value, "err": exc}) from None
        if size <= 0:
            raise UsageError(_("--disk %(value)s: a disk needs a size above zero")
                             % {"value": value})
        specs.append(("size", size))
    return specs or [("size", DEFAULT_DISK)]


def _clear_option(values):
    if values == ["none"]:
        return "none"
    if values == ["all"]:
        return "all"
    if "none" in values or "all" in values:
        raise UsageError(_("--clear takes none, all, or disk names, not a mix"))
    return list(values)


def cmd_plan(args):
    profile = load_profile_or_usage(args.profile)
    specs = _disk_specs(args)
    clear = _clear_option(args.clear)
    swap = _size_or_none(args.swap, "--swap")
    ram = _size_or_none(args.ram, "--ram")
    passphrase = None
    if args.passphrase_file:
        try:
            with open(args.passphrase_file, encoding="utf-8") as handle:
                passphrase = handle.read().rstrip("\n")
        except OSError as exc:
            raise UsageError("--passphrase-file %s: %s" % (args.passphrase_file,
                                                           exc.strerror)) from None
        if not passphrase:
            raise UsageError(_("--passphrase-file %(file)s is empty")
                             % {"file": args.passphrase_file})

    workdir = tempfile.mkdtemp(prefix="onn-plan-")
    try:
        return _run(args, profile, specs, clear, swap, ram, passphrase, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(args, profile, specs, clear, swap, ram, passphrase, workdir):
    import blivet

    from org_ovirt_node.discovery import DiscoveryError, discover_disks
    from org_ovirt_node.planner import PlanError, plan
    from org_ovirt_node.render import render_kickstart, render_text

    b = blivet.Blivet()
    if specs == "auto":
        paths = "auto"
    else:
        paths = []
        for i, (kind, value) in enumerate(specs):
            if kind == "size":
                # Named like the disks they stand for, so kickstart output reads naturally.
                path = os.path.join(workdir, "sd%s" % chr(ord("a") + i) if i < 26
                                    else "disk%d" % i)
                with open(path, "wb") as handle:
                    handle.truncate(value)
                value = path
            paths.append(value)
    try:
        disks = discover_disks(b, paths)
        result = plan(profile, b, disks, clear=clear, firmware=args.firmware,
                      passphrase=passphrase, swap=swap, fstype=args.fstype,
                      vg_name=args.vg_name, ram=ram)
    except PlanError as exc:
        sys.stderr.write("ovirt-node-layout: %s\n" % exc)
        if args.format == "json":
            print(json.dumps({"ok": False, "error": str(exc), "needed": exc.needed,
                              "found": exc.found, "disks": list(exc.disks)}, indent=2))
        return EXIT_VIOLATIONS
    except (DiscoveryError, ValueError) as exc:
        raise UsageError(str(exc)) from None

    if args.format == "json":
        print(json.dumps(dict(result.to_dict(), ok=True), indent=2, sort_keys=True))
    elif args.format == "kickstart":
        sys.stdout.write(render_kickstart(result, profile))
    else:
        print(render_text(result))
    return EXIT_OK
