# SPDX-License-Identifier: GPL-2.0-or-later
"""``ovirt-node-layout plan``: plan the profile's layout on disks, show it or write kickstart.

Disks: ``--disk 128GiB`` is a sparse image of that size (up to :data:`MAX_DISK_SIZE`, just
below 8 EiB), ``--disk PATH`` an existing image file or block device, ``--disks=auto`` every
usable disk of the machine; all read-only, nothing is ever written to a disk. Without any,
one 64 GiB disk. Exit 0 planned, 1 it does not fit (the precise reason on stderr), 2 bad
arguments.

A sized disk is an anonymous memory file (``memfd``: sparse, up to 8 EiB whatever the
filesystems of the machine allow, gone with the process) reached through a symbolic link
named like the disk (``sda``) in a temporary folder outside ``/dev``; where ``memfd`` is
missing, a sparse file in that folder. blivet and libparted name partitions after the path,
relative to ``/dev`` for a path under it, hence never there.
"""
import errno
import json
import os
import shutil
import sys
import tempfile

from org_ovirt_node.cli import EXIT_OK, EXIT_VIOLATIONS, UsageError, load_profile_or_usage
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


def _run(args, profile, specs, clear, swap, ram, passphrase, workdir, fds):
    import blivet

    from org_ovirt_node.planning.discovery import DiscoveryError, discover_disks
    from org_ovirt_node.planning.planner import PlanError, plan
    from org_ovirt_node.planning.render import render_kickstart, render_text

    b = blivet.Blivet()
    if specs == "auto":
        paths = "auto"
    else:
        paths = []
        for i, (kind, value) in enumerate(specs):
            if kind == "size":
                # Named like the disks they stand for, so kickstart output reads naturally.
                value = sparse_disk(workdir, "sd%s" % chr(ord("a") + i) if i < 26
                                    else "disk%d" % i, value, fds)
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

    for reason in result.summary.get("refused_disks", {}).values():
        sys.stderr.write("ovirt-node-layout: %s\n" % (_("not used: %(reason)s")
                                                      % {"reason": reason}))
    if args.format == "json":
        print(json.dumps(dict(result.to_dict(), ok=True), indent=2, sort_keys=True))
    elif args.format == "kickstart":
        sys.stdout.write(render_kickstart(result, profile))
    else:
        print(render_text(result))
    return EXIT_OK
