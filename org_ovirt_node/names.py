# SPDX-License-Identifier: GPL-2.0-or-later
"""Validators for every name and value that reaches generated text (kickstart, Anaconda
configuration, fstab-like output).

Generated files are line-structured: a newline in a mount point would let a profile or a
command line add a ``%pre`` section to a kickstart, i.e. run code as root in the installer.
Each validator returns its argument unchanged when it is acceptable and raises
:class:`InvalidNameError` (a ``ValueError``) with a translated message saying what was
expected otherwise. The quoted input is always a short sanitised excerpt.

- LVM names follow lvm(8) "VALID NAMES" (and lvm2's ``apply_lvname_restrictions``).
- Mount points are absolute, ``os.path.normpath``-normalised paths of printable characters
  without whitespace, quotes or backslashes (fstab and kickstart escape those differently).
- Mount options use mount(8)'s comma-separated syntax; quoted values such as
  ``context="system_u:..."`` are refused (write the value without quotes).

Pure standard library: the linter, the CLI and the installer addon all import it.
"""
import posixpath
import re

from org_ovirt_node.i18n import N_, _
from org_ovirt_node.sanitize import excerpt

LVM_NAME_MAX = 127
"""lvm2's ``NAME_LEN`` is 128 bytes including the terminating NUL."""

MOUNTPOINT_MAX = 1024
MOUNT_OPTIONS_MAX = 1024

_LVM_NAME_RE = re.compile(r"[A-Za-z0-9+_.-]+\Z")
# lvm2 lib/misc/lvm-string.c: LV names must not start with these...
LV_RESERVED_PREFIXES = ("snapshot", "pvmove")
# ... nor contain these (names of LVM's own sub-LVs).
LV_RESERVED_PARTS = (
    "_cdata", "_cmeta", "_corig", "_cpool", "_cvol", "_wcorig",
    "_iorig", "_imeta", "_mimage", "_mlog", "_pmspare", "_rimage", "_rmeta",
    "_tdata", "_tmeta", "_vdata", "_vorigin",
)

_MOUNT_OPTION_RE = re.compile(r"[A-Za-z0-9_.:=+/@-]+\Z")
# Kernel device names and /dev/disk/by-* links (``disk/by-path/pci-0000:00:1f.2-ata-1``).
_DEVICE_NAME_RE = re.compile(r"[A-Za-z0-9_.:=+/@-]+\Z")
DEVICE_NAME_MAX = 255
# Characters a mount point never needs and that fstab/kickstart/shell quote differently.
_MOUNTPOINT_FORBIDDEN = frozenset("'\"\\`")


class InvalidNameError(ValueError):
    """A name or value that must not reach generated text; ``str()`` says what was expected."""


NameError_ = InvalidNameError  # the name the shared notes use


# What the validators name in messages (translated when a message is made, not before:
# the validators run for every name of every profile).
_WHAT = (N_("VG"), N_("LV"), N_("thin pool"), N_("mount point"), N_("mount options"),
         N_("disk name"))


def _require_text(text, what):
    if not isinstance(text, str):
        raise InvalidNameError(_("%(what)s must be a string, not %(type)s")
                               % {"what": _(what), "type": type(text).__name__})
    if not text:
        raise InvalidNameError(_("%(what)s must not be empty") % {"what": _(what)})


def check_lvm_name(text, what="VG"):
    """Return *text* if it is a valid LVM name for *what* (``"VG"``, ``"LV"``, ``"thin pool"``,
    untranslated; anything but ``"VG"`` gets LVM's LV restrictions), else raise
    :class:`InvalidNameError`."""
    _require_text(text, what)
    problem = _lvm_name_problem(text, lv=what != "VG")
    if problem is not None:
        raise InvalidNameError(problem % {"what": _(what), "name": excerpt(text)})
    return text


def _lvm_name_problem(text, lv):
    """The translated message (with ``%(what)s`` and ``%(name)s`` left to fill) for what is
    wrong with LVM name *text*, or None."""
    if len(text) > LVM_NAME_MAX:
        return _("%%(what)s name %%(name)s is too long (%(length)d characters; LVM allows at "
                 "most %(max)d)") % {"length": len(text), "max": LVM_NAME_MAX}
    if not _LVM_NAME_RE.match(text):
        return _("%(what)s name %(name)s has characters LVM does not allow (use only a-z A-Z "
                 "0-9 + _ . -)")
    if text.startswith("-"):
        return _("%(what)s name %(name)s must not begin with a hyphen")
    if text in (".", ".."):
        return _("%(what)s name %(name)s is not allowed by LVM")
    if lv:
        for prefix in LV_RESERVED_PREFIXES:
            if text.startswith(prefix):
                return _("%%(what)s name %%(name)s must not begin with '%(reserved)s' (reserved "
                         "by LVM)") % {"reserved": prefix}
        for part in LV_RESERVED_PARTS:
            if part in text:
                return _("%%(what)s name %%(name)s must not contain '%(reserved)s' (reserved by "
                         "LVM for its own volumes)") % {"reserved": part}
    return None


def check_mountpoint(text):
    """Return *text* if it is an acceptable mount point, else raise :class:`InvalidNameError`.

    Acceptable: absolute, at most :data:`MOUNTPOINT_MAX` characters, equal to its
    ``os.path.normpath`` (no ``//``, trailing ``/``, ``.`` or ``..`` parts), printable, with no
    whitespace, quotes, backquotes or backslashes. ``swap`` and similar keywords are not mount
    points; callers handle them before calling this.
    """
    _require_text(text, N_("mount point"))
    if len(text) > MOUNTPOINT_MAX:
        raise InvalidNameError(_("mount point %(name)s is too long (at most %(max)d characters)")
                               % {"name": excerpt(text), "max": MOUNTPOINT_MAX})
    if not text.isprintable() or any(char.isspace() for char in text):
        raise InvalidNameError(
            _("mount point %(name)s contains whitespace or control characters")
            % {"name": excerpt(text)})
    if _MOUNTPOINT_FORBIDDEN.intersection(text):
        raise InvalidNameError(
            _("mount point %(name)s contains quotes or backslashes") % {"name": excerpt(text)})
    if not text.startswith("/"):
        raise InvalidNameError(_("mount point %(name)s is not an absolute path")
                               % {"name": excerpt(text)})
    if text != posixpath.normpath(text) or text.startswith("//"):
        raise InvalidNameError(
            _("mount point %(name)s is not a normalised path (write %(normal)s: no '//', "
              "trailing '/', '.' or '..')")
            % {"name": excerpt(text), "normal": excerpt("/" + posixpath.normpath(text)
                                                        .lstrip("/"))})
    return text


def check_mount_options(text):
    """Return *text* if it is a mount(8) option list (``defaults``, ``noatime,nodev``,
    ``uid=0,umask=077``), else raise :class:`InvalidNameError`. Each comma-separated
    option is a non-empty run of ``A-Z a-z 0-9 _ . : = + / @ -``."""
    _require_text(text, N_("mount options"))
    if len(text) > MOUNT_OPTIONS_MAX:
        raise InvalidNameError(
            _("mount options %(options)s are too long (at most %(max)d characters)")
            % {"options": excerpt(text), "max": MOUNT_OPTIONS_MAX})
    for option in text.split(","):
        if not option:
            raise InvalidNameError(
                _("mount options %(options)s contain an empty option (a stray comma)")
                % {"options": excerpt(text)})
        if not _MOUNT_OPTION_RE.match(option):
            raise InvalidNameError(
                _("mount option %(option)s has characters mount options do not use (allowed: "
                  "letters, digits and _ . : = + / @ -; no spaces, quotes or control "
                  "characters)") % {"option": excerpt(option)})
    return text


def check_device_name(text):
    """Return *text* if it can name a disk in a kickstart (``sda``, ``nvme0n1``,
    ``disk/by-id/wwn-0x...``): at most :data:`DEVICE_NAME_MAX` characters of
    ``A-Z a-z 0-9 _ . : = + / @ -``, not beginning with a hyphen. Else raise
    :class:`InvalidNameError`."""
    _require_text(text, N_("disk name"))
    if len(text) > DEVICE_NAME_MAX or not _DEVICE_NAME_RE.match(text) or text.startswith("-"):
        raise InvalidNameError(
            _("disk name %(name)s cannot be written into a kickstart (expected a device name "
              "such as sda or disk/by-id/..., of letters, digits and _ . : = + / @ -)")
            % {"name": excerpt(text)})
    return text


def lv_name_for_mountpoint(mountpoint):
    """The LV name the planner gives the LV of *mountpoint* (``/`` -> ``root``,
    ``/var/log`` -> ``var_log``), as imgbased and Anaconda name them."""
    return "root" if mountpoint == "/" else mountpoint.strip("/").replace("/", "_")
