# SPDX-License-Identifier: GPL-2.0-or-later
"""The neutral layout model: what every input (blivet tree, Anaconda's D-Bus device tree,
kickstart commands, a live host) is turned into, and the only thing the checker reads.

A :class:`Layout` is an immutable set of :class:`Device` records linked by parent names.
Sizes are integer bytes, or ``None`` where the source does not know them (a kickstart
``--grow`` line, say). Indexes (children, mount points) are derived once at construction.

One reader per input turns it into a Layout: :mod:`org_ovirt_node.planning.blivet_reader`,
:mod:`org_ovirt_node.installer.dbus_reader`, :mod:`org_ovirt_node.kickstart.reader` and
:mod:`org_ovirt_node.host.reader`. This module imports none of them (the core stays free of
blivet, pykickstart and pyanaconda).
"""
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterable, Iterator, Mapping, NamedTuple, Optional, Tuple

from org_ovirt_node.i18n import N_, _

# Device kinds. Thin pools and thin LVs are kinds of their own because the whole point of
# the profile is to tell them from ordinary ("thick") LVs.
DISK = "disk"
PARTITION = "partition"
LUKS = "luks"
MDRAID = "md"
VG = "vg"
LV = "lv"
THINPOOL = "thinpool"
THINLV = "thinlv"
BTRFS = "btrfs"
OTHER = "other"

DEVICE_KINDS = (DISK, PARTITION, LUKS, MDRAID, VG, LV, THINPOOL, THINLV, BTRFS, OTHER)

# Format type names, normalized across sources ("lvmpv", "luks", "mdmember", "biosboot",
# "efi" for an EFI system partition, filesystems by their mkfs name, None = unformatted).
SWAP = "swap"


@dataclass(frozen=True)
class Device:
    """One storage device of a layout.

    ``name`` is unique within a layout and is what ``parents`` refer to. ``source_line`` is
    the kickstart line a device came from, so findings can point at it.
    """

    name: str
    kind: str
    size: Optional[int] = None
    parents: Tuple[str, ...] = ()
    format: Optional[str] = None
    mountpoint: Optional[str] = None
    mount_options: Tuple[str, ...] = ()
    grow: bool = False
    # Volume groups: space not given to any LV (None = unknown) and physical extent size.
    free: Optional[int] = None
    extent_size: Optional[int] = None
    # Thin pools: metadata LV size; live hosts: data/metadata use in percent.
    metadata_size: Optional[int] = None
    data_percent: Optional[float] = None
    metadata_percent: Optional[float] = None
    # Filesystems on a live host: bytes in use.
    used: Optional[int] = None
    source_line: Optional[int] = None
    # Volume groups of a kickstart: the reserve ``volgroup`` asks for (``--reserved-percent``,
    # ``--reserved-space`` in bytes; 0 when it asks for none, None when unknown).
    reserved_percent: Optional[float] = None
    reserved_space: Optional[int] = None

    def __post_init__(self):
        if self.kind not in DEVICE_KINDS:
            raise ValueError("unknown device kind %r for %s" % (self.kind, self.name))
        if not isinstance(self.parents, tuple):
            object.__setattr__(self, "parents", tuple(self.parents))
        if not isinstance(self.mount_options, tuple):
            object.__setattr__(self, "mount_options", tuple(self.mount_options))

    @property
    def is_lvm(self):
        return self.kind in (VG, LV, THINPOOL, THINLV)


class Fact(NamedTuple):
    """A piece of data some inputs cannot provide, which rules declare they need.

    It concerns the devices of *kinds* (every mounted device when empty) and is held in
    their field *field*; a layout *has* it when every device it concerns carries it
    (vacuously when there is none: a rule about thin pools has nothing to miss then)."""
    name: str
    kinds: Tuple[str, ...]
    field: str
    label: str          # N_-marked, translate on display

    def concerns(self, dev):
        return dev.kind in self.kinds if self.kinds else dev.mountpoint is not None


DISK_SIZE = Fact("disk-size", (DISK,), "size", N_("the size of the disks"))
VG_SIZE = Fact("vg-size", (VG,), "size", N_("the size of the volume groups"))
VG_FREE = Fact("vg-free", (VG,), "free", N_("the free space of the volume groups"))
EXTENT_SIZE = Fact("extent-size", (VG,), "extent_size",
                   N_("the extent size of the volume groups"))
POOL_SIZE = Fact("pool-size", (THINPOOL,), "size", N_("the size of the thin pools"))
POOL_METADATA_SIZE = Fact("pool-metadata-size", (THINPOOL,), "metadata_size",
                          N_("the metadata size of the thin pools"))
POOL_DATA_USAGE = Fact("pool-data-usage", (THINPOOL,), "data_percent",
                       N_("the data use of the thin pools"))
POOL_METADATA_USAGE = Fact("pool-metadata-usage", (THINPOOL,), "metadata_percent",
                           N_("the metadata use of the thin pools"))
FS_USED = Fact("fs-used", (), "used", N_("the space in use on the mounted filesystems"))
FACTS = (DISK_SIZE, VG_SIZE, VG_FREE, EXTENT_SIZE, POOL_SIZE, POOL_METADATA_SIZE,
         POOL_DATA_USAGE, POOL_METADATA_USAGE, FS_USED)

# Kinds of input (``Layout.source``) and how messages name them.
SOURCE_BLIVET, SOURCE_DBUS, SOURCE_KICKSTART, SOURCE_HOST = \
    "blivet", "anaconda", "kickstart", "host"
_SOURCE_LABELS = {
    SOURCE_BLIVET: N_("blivet's device tree"),
    SOURCE_DBUS: N_("Anaconda's device tree (D-Bus)"),
    SOURCE_KICKSTART: N_("the kickstart"),
    SOURCE_HOST: N_("the live host"),
}


@dataclass(frozen=True)
class Layout:
    """An immutable storage layout: devices plus derived indexes.

    ``origin`` says where it came from (a file name, ``"blivet"``, ``"host"``) for messages;
    ``source`` what kind of input it is (``SOURCE_*``), which :meth:`source_label` names.
    ``facts`` carries source-level knowledge that is not a device (LVM tags of a live host)
    as read-only key/value pairs.
    """

    devices: Tuple[Device, ...]
    origin: str = ""
    facts: Mapping[str, object] = field(default_factory=dict)
    source: str = ""
    _has: dict = field(init=False, repr=False, compare=False)   # Fact -> bool, filled lazily
    _by_name: Mapping[str, Device] = field(init=False, repr=False, compare=False)
    _children: Mapping[str, Tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _mounts: Mapping[str, Tuple[Device, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        devices = tuple(self.devices)
        object.__setattr__(self, "devices", devices)
        object.__setattr__(self, "facts", MappingProxyType(dict(self.facts)))
        by_name = {}
        children = {}
        mounts = {}
        for dev in devices:
            if dev.name in by_name:
                raise ValueError("duplicate device name %r" % dev.name)
            by_name[dev.name] = dev
        for dev in devices:
            for parent in dev.parents:
                children.setdefault(parent, []).append(dev.name)
            if dev.mountpoint:
                mounts.setdefault(dev.mountpoint, []).append(dev)
        object.__setattr__(self, "_by_name", MappingProxyType(by_name))
        object.__setattr__(self, "_children", MappingProxyType(
            {k: tuple(v) for k, v in children.items()}))
        object.__setattr__(self, "_mounts", MappingProxyType(
            {k: tuple(v) for k, v in mounts.items()}))
        object.__setattr__(self, "_has", {})

    # --- lookups ----------------------------------------------------------------------
    def __iter__(self) -> Iterator[Device]:
        return iter(self.devices)

    def __len__(self):
        return len(self.devices)

    def get(self, name) -> Optional[Device]:
        return self._by_name.get(name)

    def __getitem__(self, name) -> Device:
        return self._by_name[name]

    def parents_of(self, dev: Device) -> Tuple[Device, ...]:
        """Parents that are part of the layout (unknown names are skipped)."""
        return tuple(self._by_name[p] for p in dev.parents if p in self._by_name)

    def children_of(self, dev: Device) -> Tuple[Device, ...]:
        return tuple(self._by_name[c] for c in self._children.get(dev.name, ()))

    @property
    def mountpoints(self) -> Mapping[str, Tuple[Device, ...]]:
        """Mount point -> devices mounted there (more than one is a conflict)."""
        return self._mounts

    def mounted(self, mountpoint) -> Optional[Device]:
        devs = self._mounts.get(mountpoint)
        return devs[0] if devs else None

    def ancestors(self, dev: Device) -> Iterable[Device]:
        """Every device *dev* is built on, nearest first, each once."""
        seen = set()
        stack = list(reversed(self.parents_of(dev)))
        while stack:
            cur = stack.pop()
            if cur.name in seen:
                continue
            seen.add(cur.name)
            yield cur
            stack.extend(reversed(self.parents_of(cur)))

    def nearest(self, dev: Device, *kinds) -> Optional[Device]:
        """The closest ancestor of *dev* of one of *kinds* (e.g. the VG of an LV)."""
        for anc in self.ancestors(dev):
            if anc.kind in kinds:
                return anc
        return None

    def disks_under(self, *devices: Device) -> Tuple[Device, ...]:
        """The disks any of *devices* lives on (a disk lives on itself), in layout order.

        One walk with a shared ``seen`` set: each device and edge is visited once, so a
        thousand LVs over one VG of 64 PVs cost a thousand steps, not 64 thousand."""
        seen = set()
        stack = list(devices)
        while stack:
            dev = stack.pop()
            if dev.name not in seen:
                seen.add(dev.name)
                stack.extend(self.parents_of(dev))
        return tuple(d for d in self.devices if d.kind == DISK and d.name in seen)

    def is_on_lvm(self, dev: Device) -> bool:
        return dev.is_lvm or any(a.is_lvm for a in self.ancestors(dev))

    def thin_pool_of(self, dev: Device) -> Optional[Device]:
        return self.nearest(dev, THINPOOL) if dev.kind == THINLV else None

    def vg_of(self, dev: Device) -> Optional[Device]:
        return dev if dev.kind == VG else self.nearest(dev, VG)

    # --- facts ------------------------------------------------------------------------
    def has(self, fact: Fact) -> bool:
        """Whether every device *fact* concerns carries it (computed once per fact)."""
        known = self._has.get(fact)
        if known is None:
            known = self._has[fact] = all(getattr(d, fact.field) is not None
                                          for d in self.devices if fact.concerns(d))
        return known

    def filled_facts(self) -> Tuple[str, ...]:
        """Names of the :data:`FACTS` this layout has."""
        return tuple(f.name for f in FACTS if self.has(f))

    def source_label(self) -> str:
        """The input this layout came from, for messages (translated)."""
        label = _SOURCE_LABELS.get(self.source)
        return _(label) if label else (self.origin or _("this input"))

    def to_dict(self):
        """A JSON-friendly description (for ``--format json`` and debugging)."""
        out = []
        for d in self.devices:
            item = {"name": d.name, "kind": d.kind, "size": d.size,
                    "parents": list(d.parents), "format": d.format,
                    "mountpoint": d.mountpoint, "mount_options": list(d.mount_options)}
            for key in ("grow", "free", "extent_size", "metadata_size", "data_percent",
                        "metadata_percent", "used", "source_line", "reserved_percent",
                        "reserved_space"):
                value = getattr(d, key)
                if value not in (None, False):
                    item[key] = value
            out.append(item)
        return {"origin": self.origin, "devices": out}

# blivet's ``Device.type`` names, which Anaconda's D-Bus ``GetDeviceData`` passes on as they are.
_BLIVET_KINDS = {
    "disk": DISK, "partition": PARTITION, "lvmvg": VG, "lvmlv": LV,
    "lvmthinpool": THINPOOL, "lvmthinlv": THINLV, "lvmthinsnapshot": THINLV,
    "luks/dm-crypt": LUKS, "integrity/dm-crypt": LUKS, "mdarray": MDRAID,
    "btrfs volume": BTRFS, "btrfs subvolume": BTRFS, "btrfs snapshot": BTRFS,
}


def kind_from_blivet_type(type_name, is_disk=False):
    """The layout kind for a blivet device type name (``is_disk`` covers disk-like types such
    as ``nvme``, ``dasd`` or an image file, which blivet flags rather than names alike)."""
    if is_disk:
        return DISK
    if type_name in _BLIVET_KINDS:
        return _BLIVET_KINDS[type_name]
    if type_name.startswith("md"):
        return MDRAID
    if type_name.startswith("lvm"):
        return LV
    return OTHER
