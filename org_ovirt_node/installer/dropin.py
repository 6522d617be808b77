# SPDX-License-Identifier: GPL-2.0-or-later
"""An Anaconda configuration drop-in (``/etc/anaconda/conf.d/``) generated from a profile.

What it sets, and why:

- ``[Anaconda] optional_modules``: the stock value ends with the wildcard
  ``org.fedoraproject.Anaconda.Addons.*``, so when this addon fails to start Anaconda goes on
  and ``%addon org_ovirt_node`` is silently ignored. The drop-in lists the Subscription module
  and the other known addons by name instead, so this addon is no longer optional: if it does
  not start, the installation stops. Trade-off: an addon not listed here (a third-party one)
  becomes mandatory too; add it to ``KNOWN_OPTIONAL_MODULES`` or edit the drop-in.
- ``[Storage] default_scheme`` (``LVM_THINP``; ``LVM`` or ``PLAIN`` when the profile puts
  ``/`` on a thick LV or a partition) and ``default_partitioning``: Anaconda's own
  automatic partitioning then produces the profile's layout. The lines are the profile's
  :class:`~org_ovirt_node.design.Design` without disk facts (the planner's size policy):
  each mount at its request size, ``(min ...)`` when it grows, ``(size ...)`` when not; swap
  at Anaconda's recommended size (the drop-in cannot say the profile's ``swap.min``).
  Partition mounts other than ``/``, such as ``/boot``, are left to the platform, as
  Anaconda does. What autopart then builds is :func:`~org_ovirt_node.design.autopart_design`.
- ``[Storage Constraints]``: what Anaconda's storage checker can enforce itself, in the
  Storage module, before "Begin Installation": the device type of ``/``, mounts that must not
  be directories on ``/`` and minimum sizes. Anaconda's checker only knows errors, so these
  hold only what is fatal: the mounts whose absence is an error (``presence: required``,
  not the ``created`` ones imgbased makes at the first update) and the hard minimums
  (``min``, which Anaconda applies only where the mount exists), never a ``recommended``
  size. For the shipped profile that is Anaconda's own oVirt configuration
  (``must_not_be_on_root``: ``/var``, plus ``/boot``; ``/var`` 5 GiB, ``/var/tmp`` 10 GiB,
  ``/boot`` 1 GiB). It cannot express thin-pool membership, the VG reserve or filesystems;
  the addon's task does.

The file is read by Python's ``ConfigParser``, which interpolates ``%``: a literal ``%`` is
written ``%%``. Continuation lines hold whitespace-separated mount points, so every mount
point is checked (:func:`~org_ovirt_node.names.check_mountpoint`) and anything that could
break a line is refused with :class:`~org_ovirt_node.names.InvalidNameError`.
"""
from org_ovirt_node import design as D
from org_ovirt_node import profile as P
from org_ovirt_node.i18n import _
from org_ovirt_node.names import InvalidNameError, check_mountpoint
from org_ovirt_node.sanitize import excerpt
from org_ovirt_node.units import GiB, MiB

__all__ = ["render_dropin", "KNOWN_OPTIONAL_MODULES", "format_conf_size"]

# Modules that stay optional (their D-Bus service names, from their .service files).
KNOWN_OPTIONAL_MODULES = (
    "org.fedoraproject.Anaconda.Modules.Subscription",
    "org.fedoraproject.Anaconda.Addons.Kdump",       # com_redhat_kdump
    "org.fedoraproject.Anaconda.Addons.OSCAP",       # org_fedora_oscap
    "org.fedoraproject.Anaconda.Addons.HelloWorld",  # org_fedora_hello_world (example)
)

_ROOT_DEVICE_TYPES = {P.KIND_THIN: "LVM_THINP", P.KIND_LV: "LVM", P.KIND_PARTITION: "PARTITION"}
# Anaconda's partitioning scheme that puts / where the profile wants it.
_SCHEMES = {P.KIND_THIN: "LVM_THINP", P.KIND_LV: "LVM", P.KIND_PARTITION: "PLAIN"}


def format_conf_size(size):
    """A size as Anaconda's configuration (blivet ``Size``) reads it: whole GiB or MiB when
    exact, else bytes."""
    size = int(size)
    if size and size % GiB == 0:
        return "%d GiB" % (size // GiB)
    if size and size % MiB == 0:
        return "%d MiB" % (size // MiB)
    return "%d B" % size


def _point(mountpoint):
    """A checked mount point, ``%`` escaped for ConfigParser's interpolation."""
    return check_mountpoint(mountpoint).replace("%", "%%")


def _partitioning_lines(profile):
    design = D.design(profile)
    lines = []
    for req in design.requests:
        if not req.mountpoint or (req.kind == D.PARTITION and req.mountpoint != "/"):
            continue
        lines.append((_point(req.mountpoint), "(%s %s)" % ("min" if req.grow else "size",
                                                           format_conf_size(req.size))))
    if design.swap is not None:
        lines.append(("swap", ""))
    width = max((len(p) for p, _a in lines), default=0)
    return ["    %s" % ("%-*s %s" % (width, p, a)).rstrip() for p, a in lines]


def render_dropin(profile):
    """The drop-in text for *profile*.

    Raises :class:`~org_ovirt_node.names.InvalidNameError` (a ``ValueError``) for a name
    that cannot be written safely (the profile loader refuses those already)."""
    try:
        return _render_dropin(profile)
    except InvalidNameError as exc:
        raise InvalidNameError(_("cannot write the Anaconda configuration: %(error)s")
                               % {"error": exc}) from None


def _render_dropin(profile):
    if not isinstance(profile.name, str) or not profile.name.isprintable():
        raise InvalidNameError(_("profile name %(name)s is not one line of printable text")
                               % {"name": excerpt(profile.name)})
    out = ["# Anaconda configuration drop-in generated from profile %s" % profile.name,
           "# by `ovirt-node-layout profile export-anaconda`. Install it as",
           "# /etc/anaconda/conf.d/90-org_ovirt_node.conf; see docs/service.md.",
           "",
           "[Anaconda]",
           "# Not the stock Addons.* wildcard: org_ovirt_node must start or the install stops.",
           "optional_modules ="]
    out += ["    %s" % name for name in KNOWN_OPTIONAL_MODULES]
    out += ["", "[Storage]",
            "default_scheme = %s" % _SCHEMES.get(profile.root_kind, "LVM_THINP"),
            "default_partitioning ="]
    out += _partitioning_lines(profile)
    out += ["", "[Storage Constraints]"]
    root_type = _ROOT_DEVICE_TYPES.get(profile.root_kind)
    if root_type:
        out.append("root_device_types = %s" % root_type)
    separate = [_point(p) for p, r in profile.mounts.items() if r.required and p != "/"]
    out.append("must_not_be_on_root = %s" % " ".join(separate))
    out.append("req_partition_sizes =")
    # A hard minimum holds wherever the mount exists (Anaconda checks only existing ones).
    sized = [(_point(p), r.min_size) for p, r in profile.mounts.items() if r.min_size]
    width = max((len(p) for p, _s in sized), default=0)
    out += ["    %-*s %s" % (width, p, format_conf_size(s)) for p, s in sized]
    return "\n".join(out) + "\n"
