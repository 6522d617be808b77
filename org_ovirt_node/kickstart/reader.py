# SPDX-License-Identifier: GPL-2.0-or-later
"""pykickstart handler -> :class:`~org_ovirt_node.layout.Layout` (the planned layout a
kickstart's partitioning commands describe), for the kickstart linter.

What a kickstart does not say is left unknown: disk sizes are ``None`` (disk-level rules
that need them are skipped), a ``--grow`` size is kept as the device's minimum (``grow``
set), a growing thin pool has ``size=None`` (its final size depends on the disks), and
``--percent``/``--recommended`` sizes are ``None``. An MD array's size follows from its
level and its members' fixed sizes (a RAID1 of two 500 MiB partitions is 500 MiB). A volume
group carries the reserve ``volgroup`` asks for (``reserved_percent``, ``reserved_space``;
0 when none), which the checker judges where the VG's free space is unknown. Every device
carries the line of the command it came from (``source_line``) so findings point at it.
Option values after a space (``--size 20000``), trailing comments and tabs are pykickstart's
to read; tests/corpus/ holds real files that exercise them.

Besides the layout, :func:`layout_from_handler` returns *issues*: references that do not
resolve (a VG built on an undefined PV, a logvol in a VG no ``volgroup`` defines, a thin
LV in an unknown pool), as ``(line, message)`` pairs for the linter's ONN105 findings.
No blivet here: the linter runs where blivet is not installed.
"""
from org_ovirt_node import layout as L
from org_ovirt_node.design import filesystem_for
from org_ovirt_node.i18n import _
from org_ovirt_node.sanitize import excerpt, is_clean_text
from org_ovirt_node.units import KiB, MiB

ANY_DISK = "(install disks)"   # the disks the installer picks when the kickstart names none


class _Builder:
    def __init__(self, profile, line_of):
        self.profile = profile
        self.line_of = line_of          # parser line -> original line
        self.devices = {}
        self.issues = []
        self.refs = {}                  # kickstart name (pv.01, raid.01) -> device name
        self._next = {}                 # name -> next "#n" suffix to try (linear in repeats)

    def add(self, **kwargs):
        for key in ("name", "mountpoint", "format"):
            if kwargs.get(key) is not None:
                kwargs[key] = _clean(kwargs[key])
        for key in ("parents", "mount_options"):
            if kwargs.get(key):
                kwargs[key] = tuple(_clean(v) for v in kwargs[key])
        name = kwargs["name"]
        if name in self.devices:
            n = self._next.get(name, 2)
            while "%s#%d" % (name, n) in self.devices:
                n += 1
            self._next[name] = n + 1
            name = kwargs["name"] = "%s#%d" % (name, n)
        self.devices[name] = L.Device(**kwargs)
        return name

    def issue(self, lineno, message):
        self.issues.append((self.line_of(lineno), message))


# Fields of pykickstart's data objects read as text, and as lists of text. pykickstart keeps
# whatever its option parser produced: ``--vgname=--`` gives a list, not a string.
_TEXT_FIELDS = frozenset(("mountpoint", "fstype", "fsopts", "disk", "onPart", "device",
                          "vgname", "name", "pool_name"))
_LIST_FIELDS = frozenset(("members", "physvols", "onlyuse", "drives"))


def _text(value):
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


class _Data:
    """A read-only view of a pykickstart data object (or command) whose text fields are
    always strings and list fields lists of strings, whatever the kickstart wrote."""

    def __init__(self, obj):
        self._obj = obj
        fields = vars(obj)
        for name in _TEXT_FIELDS.intersection(fields):
            value = fields[name]
            self.__dict__[name] = value if type(value) is str else _text(value)
        for name in _LIST_FIELDS.intersection(fields):
            value = fields[name]
            self.__dict__[name] = [] if value is None else [value] if isinstance(value, str) \
                else [_text(v) for v in value]

    def __getattr__(self, name):    # only for the fields not set above
        return getattr(self._obj, name)


def _entries(handler, command, attr):
    """The data objects of *command* (``handler.logvol.lvList``...) as :class:`_Data`."""
    return [_Data(d) for d in getattr(getattr(handler, command, None), attr, None) or ()]


def _clean(text):
    """A kickstart value as the layout carries it into the checker's messages: as written
    when printable and at most 255 characters, else a sanitised excerpt standing for it
    (a value with control characters is no valid name or mount point anyway). Applying it
    twice changes nothing, so references between devices still match."""
    if type(text) is not str:
        text = str(text)
    return text if len(text) <= 255 and text.isprintable() else excerpt(text, 60)


def kickstart_name(value):
    """A name from a pykickstart data object (``vg.vgname``...) as the layout carries it."""
    return _clean(_text(value))


def _q(text):
    """A kickstart name for a message: as written when short and printable, else a
    sanitised excerpt."""
    text = "" if text is None else str(text)
    return text if is_clean_text(text) and len(text) <= 64 else excerpt(text)


def _fs_options(text):
    return tuple(o.strip() for o in (text or "").split(",") if o.strip() and
                 o.strip() != "defaults")


def _size(mib, grow=False):
    """A kickstart size in MiB -> bytes; unknown (None) when absent."""
    if not mib or mib < 0:
        return None
    return int(mib) * MiB


def _format_of(mountpoint, fstype, default_fs):
    """(format, mountpoint, kickstart reference) of a part/raid/logvol mount field."""
    mp = (mountpoint or "").strip()
    low = mp.lower()
    if low.startswith("pv."):
        return "lvmpv", None, mp
    if low.startswith("raid."):
        return "mdmember", None, mp
    if low.startswith("btrfs."):
        return "btrfs", None, mp
    if low == "swap":
        return L.SWAP, None, None
    if low in ("biosboot", "prepboot"):
        return low, None, None
    if low in ("none", ""):
        return (fstype or None), None, None
    fmt = fstype or default_fs
    if fmt in ("efi", "vfat") and mp == "/boot/efi":
        fmt = "efi"
    return fmt, mp, None


# Data disks of an MD array of n members (mdadm): RAID1 mirrors one, RAID0 stripes all,
# RAID4/5 keep one for parity, RAID6 two, RAID10 (near=2) mirrors pairs.
_RAID_DATA = {"raid0": lambda n: n, "raid1": lambda n: 1, "raid4": lambda n: n - 1,
              "raid5": lambda n: n - 1, "raid6": lambda n: n - 2, "raid10": lambda n: n // 2}


def _raid_size(level, members):
    """The size of an MD array of *members* (devices) at *level* (``1``, ``RAID1``,
    ``raid1``...): data disks times the smallest member, where every member's size is known
    and does not grow; unknown (``None``) otherwise."""
    level = str(level or "").lower()
    level = level if level.startswith("raid") else "raid" + level
    data = _RAID_DATA.get(level)
    if data is None or not members or any(m.size is None or m.grow for m in members):
        return None
    count = data(len(members))
    return count * min(m.size for m in members) if count > 0 else None


def _encrypt(b, name, fmt, mountpoint, options, line, size):
    """Put a LUKS device on *name* carrying its format; returns the name that holds it."""
    return b.add(name="luks-%s" % name, kind=L.LUKS, size=size, parents=(name,), format=fmt,
                 mountpoint=mountpoint, mount_options=options, source_line=line)


def _reserve(vg):
    """The reserve a ``volgroup`` asks for (``--reserved-percent``, ``--reserved-space``
    in MiB), 0 when it asks for none; unknown (``None``) for an existing VG, which keeps
    what it has."""
    if getattr(vg, "preexist", False):
        return {}
    percent = getattr(vg, "reserved_percent", 0) or 0
    space = getattr(vg, "reserved_space", 0) or 0
    try:
        return {"reserved_percent": max(0.0, float(percent)),
                "reserved_space": max(0, int(space)) * MiB}
    except (TypeError, ValueError, OverflowError):
        return {}


def disks_of(handler):
    """The disk names a kickstart restricts the installation to (may be empty)."""
    names = []
    ignore = getattr(handler, "ignoredisk", None)
    if ignore is not None and getattr(ignore, "onlyuse", None):
        names.extend(_Data(ignore).onlyuse)
    clear = getattr(handler, "clearpart", None)
    if not names and clear is not None and getattr(clear, "drives", None):
        names.extend(_Data(clear).drives)
    for part in _entries(handler, "partition", "partitions"):
        disk = getattr(part, "disk", "")
        if disk:
            names.extend(d for d in disk.split(",") if d)
    out = []
    for name in names:
        if name not in out:
            out.append(name)
    return out


def layout_from_handler(handler, profile, origin="<kickstart>", line_of=None):
    """Build ``(layout, issues)`` from a parsed pykickstart *handler*.

    *profile* supplies what the kickstart leaves to the platform: the size of the ``/boot``
    that ``reqpart --add-boot`` creates and the default filesystem. *line_of* maps the
    parser's line numbers to the original file's (``%include`` expansion).
    """
    line_of = line_of or (lambda n: n)
    b = _Builder(profile, line_of)
    default_fs = profile.default_filesystem
    disk_names = disks_of(handler)
    for disk in disk_names:
        b.add(name=disk, kind=L.DISK)
    if not disk_names:
        b.add(name=ANY_DISK, kind=L.DISK)
    fallback_disk = disk_names[0] if len(disk_names) == 1 else (
        ANY_DISK if not disk_names else None)

    def parent_disk(disk_field):
        if disk_field:
            return (disk_field.split(",")[0],)
        return (fallback_disk,) if fallback_disk else tuple(disk_names[:1])

    reqpart = getattr(handler, "reqpart", None)
    if reqpart is not None and getattr(reqpart, "reqpart", False) and \
            getattr(reqpart, "addBoot", False):
        rule = profile.mounts.get("/boot")
        fs = filesystem_for(rule, default_fs) if rule is not None else default_fs
        b.add(name="reqpart /boot", kind=L.PARTITION,
              size=rule.default_size if rule is not None else None,
              parents=parent_disk(""), format=fs, mountpoint="/boot",
              source_line=line_of(reqpart.lineno))

    for part in _entries(handler, "partition", "partitions"):
        line = line_of(part.lineno)
        fmt, mp, ref = _format_of(part.mountpoint, part.fstype, default_fs)
        size = None if getattr(part, "recommended", False) or \
            getattr(part, "hibernation", False) else _size(part.size)
        options = _fs_options(part.fsopts)
        if getattr(part, "onPart", ""):
            parents = ()
        else:
            parents = parent_disk(getattr(part, "disk", ""))
        label = "part %s" % (part.mountpoint or "none")
        if part.encrypted and fmt not in (None, "biosboot", "prepboot", "efi"):
            name = b.add(name=label, kind=L.PARTITION, size=size, parents=parents,
                         format="luks", grow=bool(part.grow), source_line=line)
            holder = _encrypt(b, name, fmt, mp, options, line, size)
        else:
            holder = b.add(name=label, kind=L.PARTITION, size=size, parents=parents,
                           format=fmt, mountpoint=mp, mount_options=options,
                           grow=bool(part.grow), source_line=line)
        if ref:
            if ref in b.refs:
                b.issue(part.lineno, _("%(ref)s is defined twice (also on line %(line)s).")
                        % {"ref": _q(ref), "line": b.devices[b.refs[ref]].source_line})
            else:
                b.refs[ref] = holder

    for raid in _entries(handler, "raid", "raidList"):
        line = line_of(raid.lineno)
        fmt, mp, ref = _format_of(raid.mountpoint, raid.fstype, default_fs)
        members = []
        for member in raid.members:
            if member in b.refs:
                members.append(b.refs[member])
            else:
                b.issue(raid.lineno, _("raid %(mount)s uses %(member)s, which no 'part "
                                       "%(member)s' line defines.")
                        % {"mount": _q(raid.mountpoint), "member": _q(member)})
        device = raid.device or raid.mountpoint
        name = "md%s" % device if str(device).isdigit() else str(device)
        options = _fs_options(raid.fsopts)
        size = _raid_size(getattr(raid, "level", ""), [b.devices[m] for m in members])
        if raid.encrypted and fmt is not None:
            name = b.add(name=name, kind=L.MDRAID, size=size, parents=tuple(members),
                         format="luks", source_line=line)
            holder = _encrypt(b, name, fmt, mp, options, line, size)
        else:
            holder = b.add(name=name, kind=L.MDRAID, size=size, parents=tuple(members),
                           format=fmt, mountpoint=mp, mount_options=options,
                           source_line=line)
        if ref:
            b.refs.setdefault(ref, holder)

    vgs = {}
    used_pvs = {}
    for vg in _entries(handler, "volgroup", "vgList"):
        line = line_of(vg.lineno)
        parents = []
        for pv in vg.physvols:
            if pv in b.refs:
                if pv in used_pvs:
                    b.issue(vg.lineno, _("%(pv)s is already a physical volume of volume "
                                         "group %(vg)s.") % {"pv": _q(pv), "vg": _q(used_pvs[pv])})
                    continue
                used_pvs[pv] = vg.vgname
                parents.append(b.refs[pv])
            elif not vg.preexist:
                b.issue(vg.lineno, _("volgroup %(vg)s uses %(pv)s, which no 'part' or 'raid' "
                                     "line defines.") % {"vg": _q(vg.vgname), "pv": _q(pv)})
        if vg.vgname in vgs:
            b.issue(vg.lineno, _("volume group %(vg)s is defined twice.") % {"vg": _q(vg.vgname)})
            continue
        pe_kib = getattr(vg, "pesize", 0) or 4096
        vgs[vg.vgname] = b.add(name=vg.vgname, kind=L.VG, parents=tuple(parents),
                               extent_size=int(pe_kib) * KiB, source_line=line,
                               **_reserve(vg))

    lvs = _entries(handler, "logvol", "lvList")
    pools = {}
    for lv in lvs:
        if not getattr(lv, "thin_pool", False):
            continue
        line = line_of(lv.lineno)
        vg = vgs.get(lv.vgname)
        if vg is None and not lv.preexist:
            b.issue(lv.lineno, _("thin pool %(lv)s is in volume group %(vg)s, which no "
                                 "'volgroup' line defines.")
                    % {"lv": _q(lv.name), "vg": _q(lv.vgname)})
        meta = getattr(lv, "metadata_size", None)
        name = b.add(name="%s/%s" % (lv.vgname, lv.name), kind=L.THINPOOL,
                     # A growing pool ends up as large as the disks allow: unknown here.
                     size=None if lv.grow or lv.percent else _size(lv.size),
                     parents=(vg or lv.vgname,), grow=bool(lv.grow or lv.percent),
                     metadata_size=_size(meta), source_line=line)
        pools[(lv.vgname, lv.name)] = name

    for lv in lvs:
        if getattr(lv, "thin_pool", False):
            continue
        line = line_of(lv.lineno)
        vg = vgs.get(lv.vgname)
        if vg is None and not lv.preexist:
            b.issue(lv.lineno, _("logvol %(mount)s is in volume group %(vg)s, which no "
                                 "'volgroup' line defines.")
                    % {"mount": _q(lv.mountpoint), "vg": _q(lv.vgname)})
        fmt, mp, _ref = _format_of(lv.mountpoint, lv.fstype, default_fs)
        if getattr(lv, "thin_volume", False):
            kind = L.THINLV
            pool = pools.get((lv.vgname, lv.pool_name))
            if pool is None:
                b.issue(lv.lineno, _("thin logvol %(mount)s uses pool %(pool)s, which no "
                                     "'logvol --thinpool --vgname=%(vg)s' line defines.")
                        % {"mount": _q(lv.mountpoint), "pool": _q(lv.pool_name or "?"),
                           "vg": _q(lv.vgname)})
                parents = ("%s/%s" % (lv.vgname, lv.pool_name),)
            else:
                parents = (pool,)
        else:
            kind = L.LV
            parents = (vg or lv.vgname,)
        size = None if lv.percent or getattr(lv, "recommended", False) or \
            getattr(lv, "hibernation", False) else _size(lv.size)
        options = _fs_options(lv.fsopts)
        name = "%s/%s" % (lv.vgname, lv.name)
        if lv.encrypted and fmt is not None:
            name = b.add(name=name, kind=kind, size=size, parents=parents, format="luks",
                         grow=bool(lv.grow), source_line=line)
            _encrypt(b, name, fmt, mp, options, line, size)
        else:
            b.add(name=name, kind=kind, size=size, parents=parents, format=fmt,
                  mountpoint=mp, mount_options=options, grow=bool(lv.grow or lv.percent),
                  source_line=line)

    layout = L.Layout(tuple(b.devices.values()), origin=origin, source=L.SOURCE_KICKSTART)
    return layout, b.issues
