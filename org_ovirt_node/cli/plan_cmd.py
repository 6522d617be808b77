# SPDX-License-Identifier: GPL-2.0-or-later
"""``ovirt-node-layout plan``: plan the profile's layout on disks, show it or write kickstart.

Disks: ``--disk 128GiB`` is a sparse image of that size (up to :data:`MAX_DISK_SIZE`, just
below 8 EiB), ``--disk PATH`` an existing image file or block device, ``--disks=auto`` the
fewest, smallest idle disks of the machine that hold the profile (one by default;
:func:`~org_ovirt_node.planning.discovery.select_disks`, every skipped disk listed on stderr
with why); all read-only, nothing is ever written to a disk. Without any, one 64 GiB disk.
Exit 0 planned, 1 it does not fit (the precise reason on stderr), 2 bad arguments.

The text view marks what the plan creates (``+``) and destroys (``-``); what a ``--clear``
erases is listed (on stderr for kickstart and JSON output, for ``%pre`` logs). A profile's
optional mounts are planned unless ``--without-optional``, so a plan never warns about
itself (ONN013).

A sized disk is an anonymous memory file (``memfd``: sparse, up to 8 EiB whatever the
filesystems of the machine allow, gone with the process) reached through a symbolic link
named like the disk (``sda``) in a temporary folder outside ``/dev``; where ``memfd`` is
missing, a sparse file in that folder. blivet and libparted name partitions after the path,
relative to ``/dev`` for a path under it, hence never there.
"""
import errno
import os
import shutil
import sys
import tempfile

from org_ovirt_node.cli import (
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VIOLATIONS,
    UsageError,
    add_clear_option,
    add_rule_option,
    apply_rule_options,
    load_profile_or_usage,
    output,
    parse_clear,
)
from org_ovirt_node.i18n import _
from org_ovirt_node.names import InvalidNameError, check_lvm_name
from org_ovirt_node.sanitize import excerpt
from org_ovirt_node.units import GiB, MiB, SizeError, format_size, parse_size

DEFAULT_DISK = 64 * GiB
# The largest file Linux allows is 8 EiB - 1 byte (off_t); plans work up to there (measured:
# one disk of 8 EiB - 1 MiB plans in 0.4 s). Whole MiB, so the disk ends on a MiB boundary.
MAX_DISK_SIZE = 2 ** 63 - MiB
# A passphrase file holds one line; anything longer (``/dev/zero``, a wrong file) is refused
# after reading at most this much + 1 byte.
PASSPHRASE_MAX = 4096


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
                        help=_("auto: choose among this machine's disks (for a kickstart "
                               "%%pre): never one in use, the running system's, removable "
                               "or read-only; by default the one smallest disk that holds "
                               "the profile (see --max-disks); skipped disks are listed "
                               "with why"))
    parser.add_argument("--max-disks", default="1", metavar="N|all",
                        help=_("with --disks=auto: use at most N disks, the fewest and "
                               "smallest that hold the layout, or all (default: 1)"))
    parser.add_argument("--min-disk-size", default=None, metavar="SIZE",
                        help=_("with --disks=auto: skip disks smaller than SIZE"))
    parser.add_argument("--disk-match", action="append", default=[], metavar="GLOB",
                        help=_("with --disks=auto: only disks whose name, /dev path or "
                               "/dev/disk/by-id or by-path link matches GLOB (repeat for "
                               "more), e.g. 'ata-*' or 'pci-0000:00:1f.2-*'"))
    parser.add_argument("--profile", default=None, metavar="NAME|FILE",
                        help=_("profile (default: ovirt-node)"))
    add_clear_option(parser)
    parser.add_argument("--firmware", choices=("bios", "uefi"), default=None,
                        help=_("boot firmware (default: this machine's)"))
    parser.add_argument("--swap", default=None, metavar="SIZE",
                        help=_("swap size, 0 for none (default: the profile's rule and the "
                               "RAM)"))
    parser.add_argument("--ram", default=None, metavar="SIZE",
                        help=_("RAM to base the swap recommendation on (default: this "
                               "machine's)"))
    parser.add_argument("--fstype", default=None, metavar="FS",
                        help=_("filesystem (default: the profile's)"))
    parser.add_argument("--vg-name", default=None, metavar="NAME",
                        help=_("volume group name (default: the profile's)"))
    add_rule_option(parser)
    parser.add_argument("--without-optional", action="store_true",
                        help=_("leave out the profile's optional mounts (by default they "
                               "are planned, unless the profile turns optional-mount off)"))
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
        raise UsageError("%s %s: %s" % (option, excerpt(text), exc)) from None


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
                               "size (%(err)s)") % {"value": excerpt(value), "err": exc}) \
                from None
        if size <= 0:
            raise UsageError(_("--disk %(value)s: a disk needs a size above zero")
                             % {"value": excerpt(value)})
        if size > MAX_DISK_SIZE:
            raise UsageError(_("--disk %(value)s: too large; a plan simulates disks of up to "
                               "%(max)s (%(bytes)d bytes)") % {
                "value": excerpt(value), "max": format_size(MAX_DISK_SIZE),
                "bytes": MAX_DISK_SIZE})
        specs.append(("size", size))
    return specs or [("size", DEFAULT_DISK)]


def read_passphrase(path):
    """The passphrase in *path*: UTF-8 text of at most :data:`PASSPHRASE_MAX` bytes without
    NUL, its trailing line end removed. Reads at most that much + 1 byte, so ``/dev/zero``
    or a FIFO that never ends is refused, not read for ever. A regular file, a FIFO
    (``<(...)``) or a device are all fine; :class:`UsageError` for anything else."""
    what = "--passphrase-file %s" % excerpt(path, 80)
    try:
        with open(path, "rb") as handle:
            data = handle.read(PASSPHRASE_MAX + 1)
    except OSError as exc:
        raise UsageError("%s: %s" % (what, exc.strerror or exc)) from None
    if len(data) > PASSPHRASE_MAX:
        raise UsageError(_("%(what)s: longer than %(max)d bytes; the file must hold the "
                           "passphrase alone") % {"what": what, "max": PASSPHRASE_MAX})
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(_("%(what)s: not UTF-8 text (byte 0x%(byte)02x at offset %(at)d); "
                           "save the passphrase as UTF-8") % {
            "what": what, "byte": data[exc.start], "at": exc.start}) from None
    text = text.rstrip("\r\n")
    if "\0" in text:
        raise UsageError(_("%(what)s: the passphrase contains a NUL byte") % {"what": what})
    if not text:
        raise UsageError(_("%(what)s is empty") % {"what": what})
    return text


def _max_disks(text):
    if text == "all":
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise UsageError(_("--max-disks %(value)s: expected a number of disks (1 or more) "
                           "or all") % {"value": excerpt(text)})
    return value


def plannable_profile(profile, without_optional):
    """(the profile to plan, the optional mounts left out). The planner must not warn about
    its own plan: unless *without_optional*, a profile's optional mounts are planned
    (required in a derived profile) when the profile reports missing ones (its
    optional-mount rule is not off); with it, they are left out and not reported."""
    from org_ovirt_node.profile import ProfileError
    from org_ovirt_node.rules import OFF
    optional = [m for m, rule in profile.mounts.items() if rule.presence == "optional"]
    if not optional or profile.severity("optional-mount") == OFF:
        return profile, []
    if without_optional:
        changes = {"rules": {"optional-mount": OFF}}
    else:
        changes = {"mounts": {m: {"presence": "required"} for m in optional}}
    try:
        return profile.derive(changes, profile.source), optional if without_optional else []
    except ProfileError as exc:
        raise UsageError("\n".join(p.diagnostic() for p in exc.problems),
                         located=True) from None


def system_roots():
    """(sys, proc, dev) roots ``--disks=auto`` reads: the machine's, or the fake tree under
    ``$OVIRT_NODE_LAYOUT_SYSTEM_ROOT`` (tests; there, disks may be sparse image files)."""
    base = os.environ.get("OVIRT_NODE_LAYOUT_SYSTEM_ROOT")
    if not base:
        return "/sys", "/proc", "/dev"
    return tuple(os.path.join(base, part) for part in ("sys", "proc", "dev"))


def _needed(profile):
    """Bytes --disks=auto aims for: the profile's disk minimum, else its required mounts'
    minimum sizes and swap (a floor; the plan computes the exact figure)."""
    if profile.min_disk_total:
        return profile.min_disk_total
    return sum(rule.min_size or 0 for rule in profile.mounts.values()
               if rule.presence == "required") + (profile.swap_min or 0)


def cmd_plan(args):
    profile = apply_rule_options(load_profile_or_usage(args.profile), args.rule)
    profile, args.left_out = plannable_profile(profile, args.without_optional)
    specs = _disk_specs(args)
    args.max_disks = _max_disks(args.max_disks)
    args.min_disk_size = _size_or_none(args.min_disk_size, "--min-disk-size")
    if specs != "auto" and (args.disk_match or args.min_disk_size is not None
                            or args.max_disks != 1):
        raise UsageError(_("--max-disks, --min-disk-size and --disk-match need --disks=auto"))
    clear = parse_clear(args.clear)
    swap = _size_or_none(args.swap, "--swap")
    ram = _size_or_none(args.ram, "--ram")
    if args.vg_name is not None:
        try:
            check_lvm_name(args.vg_name, "VG")
        except InvalidNameError as exc:
            raise UsageError("--vg-name: %s" % exc) from None
    passphrase = read_passphrase(args.passphrase_file) if args.passphrase_file else None

    workdir, fds = None, []
    try:
        if specs != "auto" and any(kind == "size" for kind, _value in specs):
            workdir = _workdir()
        return _run(args, profile, specs, clear, swap, ram, passphrase, workdir, fds)
    finally:
        for fd in fds:
            os.close(fd)
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def _workdir():
    """A new temporary folder outside ``/dev`` (``TMPDIR`` first) for the disk images."""
    tried = []
    for base in (tempfile.gettempdir(), "/tmp", "/var/tmp"):
        if os.path.realpath(base).startswith("/dev/") or base in tried:
            continue
        tried.append(base)
        try:
            return tempfile.mkdtemp(prefix="onn-plan-", dir=base)
        except OSError:
            continue
    raise UsageError(_("no writable temporary folder outside /dev for the disk images "
                       "(tried %(dirs)s); set TMPDIR") % {"dirs": ", ".join(tried) or "-"})


def sparse_disk(workdir, name, size, fds):
    """The path of a sparse disk image of *size* bytes named *name* in *workdir*: a memfd
    behind a symbolic link (its descriptor appended to *fds*, to close when done), else a
    sparse file. :class:`UsageError` if neither can be that large."""
    path = os.path.join(workdir, name)
    fd = _memfd(name, size)
    if fd is not None:
        fds.append(fd)
        os.symlink("/proc/%d/fd/%d" % (os.getpid(), fd), path)
        if os.path.exists(path):  # /proc is mounted: the link leads to the memfd
            return path
        os.unlink(path)
    try:
        with open(path, "wb") as handle:
            handle.truncate(size)
    except OSError as exc:
        hint = _("; set TMPDIR to a folder on tmpfs or XFS (outside /dev)") \
            if exc.errno in (errno.EFBIG, errno.EINVAL) else ""
        raise UsageError(_("--disk %(size)s: cannot make a sparse image that large in "
                           "%(dir)s (%(err)s)%(hint)s") % {
            "size": format_size(size), "dir": workdir, "err": exc.strerror or exc,
            "hint": hint}) from None
    return path


def _memfd(name, size):
    """A memfd of *size* bytes (sparse), or None where there is none to be had."""
    create = getattr(os, "memfd_create", None)
    if create is None:
        return None
    try:
        fd = create(name, getattr(os, "MFD_CLOEXEC", 1))
    except OSError:
        return None
    try:
        os.ftruncate(fd, size)
    except OSError:
        os.close(fd)
        return None
    return fd


def _auto_disks(args, profile):
    """The paths ``--disks=auto`` plans on, the selection reported on stderr."""
    from org_ovirt_node.planning.discovery import select_disks
    sys_root, proc_root, dev_root = system_roots()
    selection = select_disks(_needed(profile), min_size=args.min_disk_size,
                             max_count=args.max_disks, patterns=args.disk_match,
                             sys_root=sys_root, proc_root=proc_root, dev_root=dev_root)
    for skip in selection.skipped:
        sys.stderr.write("ovirt-node-layout: " + _(
            "--disks=auto: skipped %(disk)s (%(size)s): %(reason)s") % {
                "disk": skip.name, "size": format_size(skip.size), "reason": skip.reason}
            + "\n")
    if not selection.chosen:
        raise _NoDiskError(_("--disks=auto: no usable disk on this machine (%(n)d skipped, "
                        "see above)") % {"n": len(selection.skipped)}, selection)
    sys.stderr.write("ovirt-node-layout: " + _("--disks=auto: using %(disks)s") % {
        "disks": ", ".join("%s (%s)" % (d.name, format_size(d.size))
                           for d in selection.chosen)} + "\n")
    return selection


class _NoDiskError(Exception):
    def __init__(self, message, selection):
        super().__init__(message)
        self.selection = selection


def _selection_data(selection):
    if selection is None:
        return None
    return {"needed": selection.needed,
            "chosen": [{"name": d.name, "path": d.path, "size": d.size,
                        "links": list(d.links)} for d in selection.chosen],
            "skipped": [{"name": s.name, "size": s.size, "reason": s.reason}
                        for s in selection.skipped]}


def _run(args, profile, specs, clear, swap, ram, passphrase, workdir, fds):
    source = "auto" if specs == "auto" else ", ".join(
        value if kind == "path" else format_size(value) for kind, value in specs)
    selection = None

    def fail(message, status, **extra):
        sys.stderr.write("ovirt-node-layout: %s\n" % message)
        if args.format == "json":
            output.print_json("plan", [output.result(source, error=dict(
                extra, message=message), disk_selection=_selection_data(selection))], status)
        return status

    try:
        if specs == "auto":
            selection = _auto_disks(args, profile)
            paths = [d.path for d in selection.chosen]
        else:
            paths = []
            for i, (kind, value) in enumerate(specs):
                if kind == "size":
                    # Named like the disks they stand for, so kickstart output reads
                    # naturally.
                    value = sparse_disk(workdir, "sd%s" % chr(ord("a") + i) if i < 26
                                        else "disk%d" % i, value, fds)
                paths.append(value)
    except _NoDiskError as exc:
        selection = exc.selection
        return fail(str(exc), EXIT_VIOLATIONS)
    return _plan_on(args, profile, source, paths, selection, clear, swap, ram, passphrase,
                    fail)


def _plan_on(args, profile, source, paths, selection, clear, swap, ram, passphrase, fail):
    import blivet

    from org_ovirt_node.planning.discovery import DiscoveryError, discover_disks
    from org_ovirt_node.planning.planner import PlanError, plan
    from org_ovirt_node.planning.render import lost_text, render_kickstart, render_text

    b = blivet.Blivet()
    try:
        disks = discover_disks(b, paths)
        result = plan(profile, b, disks, clear=clear, firmware=args.firmware,
                      passphrase=passphrase, swap=swap, fstype=args.fstype,
                      vg_name=args.vg_name, ram=ram)
    except PlanError as exc:
        return fail(str(exc), EXIT_VIOLATIONS, needed=exc.needed, found=exc.found,
                    disks=list(exc.disks))
    except (DiscoveryError, ValueError) as exc:
        if args.format != "json":
            raise UsageError(str(exc)) from None
        return fail(str(exc), EXIT_USAGE)

    for reason in result.summary.get("refused_disks", {}).values():
        sys.stderr.write("ovirt-node-layout: %s\n" % (_("not used: %(reason)s")
                                                      % {"reason": reason}))
    if args.left_out:
        sys.stderr.write("ovirt-node-layout: " + _(
            "optional mounts left out (--without-optional): %(mounts)s") % {
                "mounts": ", ".join(args.left_out)} + "\n")
    if result.destroyed and args.format != "text":
        sys.stderr.write("ovirt-node-layout: " + _(
            "the plan erases what is on %(disks)s: %(lost)s") % {
                "disks": ", ".join(result.clear),
                "lost": "; ".join(lost_text(r) for r in result.destroyed)} + "\n")
    if args.format == "json":
        data = result.to_dict()
        data.update(disk_selection=_selection_data(selection),
                    optional_left_out=list(args.left_out))
        return output.print_json("plan", [output.result(source, ok=result.report.ok,
                                                        payload=data)], EXIT_OK)
    if args.format == "kickstart":
        sys.stdout.write(render_kickstart(result, profile))
    else:
        colour = output.colour_enabled()
        print(output.colour_findings(render_text(
            result, paint=lambda text, what: output.paint(text, what, colour)), colour))
    return EXIT_OK
