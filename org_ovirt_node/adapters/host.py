"""Live host -> :class:`~org_ovirt_node.layout.Layout`, from the system's own tools.

Reads ``lsblk --json --bytes`` (disks, partitions, LUKS, MD RAID, filesystems), ``lvs`` /
``vgs`` / ``pvs --reportformat json`` (volume groups, thin pools with their data and
metadata use, thin and thick LVs) and either ``findmnt --json`` (what is mounted now) or the
``etc/fstab`` of an installed root (what will be mounted, with which options).

The parsing functions take the tools' decoded JSON, so they are tested on hand-written
samples; :func:`read_host` runs the tools. LVs are named like device-mapper names them
(``onn-var_log``), which is also what lsblk shows and what blivet calls them.
"""
import json
import os
import shlex
import subprocess
from typing import Dict, List, NamedTuple, Optional

from org_ovirt_node import layout as L
from org_ovirt_node.i18n import _

LSBLK = ["lsblk", "--json", "--bytes", "--output",
         "NAME,KNAME,PATH,TYPE,SIZE,FSTYPE,UUID,LABEL,PARTUUID,PARTLABEL,PARTTYPE,MOUNTPOINT"]
_LVM_JSON = ["--reportformat", "json", "--units", "b", "--nosuffix"]
LVS = ["lvs"] + _LVM_JSON + ["-o", "vg_name,lv_name,lv_size,segtype,pool_lv,data_percent,"
                             "metadata_percent,lv_metadata_size"]
VGS = ["vgs"] + _LVM_JSON + ["-o", "vg_name,vg_size,vg_free,vg_extent_size"]
PVS = ["pvs"] + _LVM_JSON + ["-o", "pv_name,vg_name,pv_size"]
FINDMNT = ["findmnt", "--json", "--list", "--bytes", "--output",
           "SOURCE,TARGET,FSTYPE,OPTIONS,SIZE,USED"]

# GPT partition types that are formats of their own in the layout model.
_PARTTYPES = {"c12a7328-f81f-11d2-ba4b-00a0c93ec93b": "efi",
              "21686148-6449-6e6f-744e-656564454649": "biosboot"}
_FSTYPES = {"LVM2_member": "lvmpv", "crypto_LUKS": "luks", "linux_raid_member": "mdmember"}
_KINDS = {"disk": L.DISK, "loop": L.DISK, "part": L.PARTITION, "crypt": L.LUKS}
# Options the kernel shows for every mount; they say nothing about the layout.
_NOISE_OPTIONS = {"defaults", "rw", "ro"}


class HostError(Exception):
    """A tool failed or printed something that is not what it should print."""


class Mount(NamedTuple):
    source: str                 # as written: UUID=..., LABEL=..., /dev/...
    target: str
    fstype: str
    options: tuple
    used: Optional[int] = None
    line: Optional[int] = None  # fstab line


# --- running the tools -----------------------------------------------------------------
def run_tool(argv) -> dict:
    """Run a tool that prints JSON and decode it (HostError on failure)."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise HostError(_("cannot run %(tool)s: %(error)s") % {
            "tool": argv[0], "error": exc.strerror}) from exc
    if proc.returncode != 0:
        raise HostError(_("%(cmd)s failed (exit %(rc)d): %(err)s") % {
            "cmd": " ".join(shlex.quote(a) for a in argv[:2]), "rc": proc.returncode,
            "err": proc.stderr.strip()})
    try:
        return json.loads(proc.stdout or "{}")
    except ValueError as exc:
        raise HostError(_("%(tool)s printed no valid JSON: %(error)s") % {
            "tool": argv[0], "error": exc}) from exc


def read_host(root=None, run=run_tool, origin=None):
    """The layout of this machine; with *root*, mount points and options from
    ``<root>/etc/fstab`` instead of what is mounted now."""
    lsblk = run(LSBLK)
    try:
        lvs, vgs, pvs = run(LVS), run(VGS), run(PVS)
    except HostError:
        if _lvm_present(lsblk):
            raise
        lvs = vgs = pvs = {}  # no LVM tools and no LVM on the disks: nothing to read
    findmnt = run(FINDMNT)
    fstab = None
    if root is not None:
        path = os.path.join(root, "etc/fstab")
        try:
            with open(path, encoding="utf-8") as handle:
                fstab = parse_fstab(handle.read())
        except OSError as exc:
            raise HostError(_("cannot read %(path)s: %(error)s") % {
                "path": path, "error": exc.strerror}) from exc
    return build_layout(lsblk, lvs, vgs, pvs, findmnt, fstab=fstab, root=root,
                        origin=origin or (os.path.join(root, "etc/fstab") if root else "host"))


def _lvm_present(lsblk):
    return any(d.get("fstype") == "LVM2_member" or d.get("type") == "lvm"
               for d in _walk(lsblk.get("blockdevices") or ()))


# --- parsing -----------------------------------------------------------------------------
def _walk(nodes, parent=None):
    """lsblk's tree, flattened to (node, parent name) pairs (a node shows up once per
    parent: a VG on two PVs lists its LVs under both)."""
    for node in nodes:
        yield dict(node, _parent=parent)
        yield from _walk(node.get("children") or (), node.get("name"))


def _int(value):
    if value in (None, ""):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _float(value):
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _report(data, key):
    """Rows of an LVM JSON report (``{"report": [{"lv": [...]}]}``)."""
    rows = []
    for part in (data or {}).get("report") or ():
        rows.extend(part.get(key) or ())
    return rows


def dm_name(vg, lv):
    """The device-mapper name of LV *lv* in VG *vg* (dashes doubled)."""
    return "%s-%s" % (vg.replace("-", "--"), lv.replace("-", "--"))


def parse_fstab(text) -> List[Mount]:
    """Entries of an fstab (comments and blank lines skipped, line numbers kept)."""
    mounts = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) < 2:
            continue
        fstype = fields[2] if len(fields) > 2 else "auto"
        options = tuple(fields[3].split(",")) if len(fields) > 3 else ()
        target = _unescape(fields[1])
        mounts.append(Mount(_unescape(fields[0]), target, fstype, options, None, number))
    return mounts


def _unescape(field):
    # fstab escapes spaces and tabs as octal (\040).
    return field.encode().decode("unicode_escape") if "\\" in field else field


def parse_findmnt(data) -> List[Mount]:
    mounts = []
    for fs in (data or {}).get("filesystems") or ():
        source = fs.get("source") or ""
        if "[" in source:  # btrfs subvolumes and bind mounts: /dev/sda2[/@home]
            source = source.split("[", 1)[0]
        mounts.append(Mount(source, fs.get("target") or "", fs.get("fstype") or "",
                            tuple((fs.get("options") or "").split(",")), _int(fs.get("used"))))
    return mounts


def _format(node):
    fstype = node.get("fstype")
    parttype = (node.get("parttype") or "").lower()
    if parttype in _PARTTYPES and fstype in (None, "vfat"):
        return _PARTTYPES[parttype]
    return _FSTYPES.get(fstype, fstype) if fstype else None


def _kind(node):
    ntype = node.get("type") or ""
    if ntype.startswith("raid"):
        return L.MDRAID
    return _KINDS.get(ntype, L.OTHER)


class _Index:
    """How mount sources map to layout device names."""

    def __init__(self):
        self.names = {}

    def add(self, name, node):
        for key in ("path", "name", "kname"):
            value = node.get(key)
            if value:
                self.names[value if key == "path" else "/dev/" + value] = name
        if node.get("type") == "lvm":
            self.names["/dev/mapper/" + node["name"]] = name
        for key, prefix in (("uuid", "UUID"), ("label", "LABEL"), ("partuuid", "PARTUUID"),
                            ("partlabel", "PARTLABEL")):
            value = node.get(key)
            if value:
                self.names["%s=%s" % (prefix, value)] = name
                self.names["/dev/disk/by-%s/%s" % (prefix.lower(), value)] = name

    def resolve(self, source):
        if source in self.names:
            return self.names[source]
        if source.startswith(("UUID=", "PARTUUID=")):  # UUIDs compare case-insensitively
            head, value = source.split("=", 1)
            for key, name in self.names.items():
                if key.lower() == ("%s=%s" % (head, value)).lower():
                    return name
        if source.startswith("/dev/") and source.count("/") == 3:
            _, _, vg, lv = source.split("/")  # /dev/<vg>/<lv>
            return self.names.get("/dev/mapper/" + dm_name(vg, lv))
        return None


def build_layout(lsblk, lvs, vgs, pvs, findmnt, fstab=None, root=None, origin="host"):
    """A :class:`Layout` from the tools' decoded JSON (and fstab entries, if given)."""
    records: Dict[str, dict] = {}
    index = _Index()
    lvm_nodes = {}
    for node in _walk((lsblk or {}).get("blockdevices") or ()):
        name = node.get("name")
        if not name or node.get("type") in ("rom",):
            continue
        if node.get("type") == "lvm":
            lvm_nodes[name] = node
            index.add(name, node)
            continue
        rec = records.get(name)
        if rec is None:
            rec = records[name] = {"name": name, "kind": _kind(node),
                                   "size": _int(node.get("size")), "parents": [],
                                   "format": _format(node)}
            index.add(name, node)
        parent = node["_parent"]
        if parent and parent not in lvm_nodes and parent not in rec["parents"]:
            rec["parents"].append(parent)
    _add_lvm(records, lvm_nodes, lvs, vgs, pvs)
    mounts = fstab if fstab is not None else parse_findmnt(findmnt)
    live = {m.target: m for m in parse_findmnt(findmnt)}
    for mount in mounts:
        if mount.fstype == "swap" or mount.target in ("none", "swap"):
            continue
        name = index.resolve(mount.source)
        if name is None or name not in records:
            continue
        rec = records[name]
        target = mount.target
        if rec.get("mountpoint") and rec["mountpoint"] != target:
            # One device mounted twice (bind mounts): keep the shortest path.
            if len(rec["mountpoint"]) <= len(target):
                continue
        rec["mountpoint"] = target
        rec["mount_options"] = tuple(o for o in mount.options
                                     if o and o not in _NOISE_OPTIONS)
        if mount.line is not None:
            rec["source_line"] = mount.line
        if mount.fstype not in ("auto", "") and not rec.get("format"):
            rec["format"] = mount.fstype
        seen = live.get(_live_target(root, target)) if fstab is not None else mount
        if seen is not None and seen.used is not None:
            rec["used"] = seen.used
    devices = tuple(L.Device(**{k: v for k, v in rec.items()}) for rec in records.values())
    return L.Layout(devices, origin=origin)


def _live_target(root, target):
    if not root or root == "/":
        return target
    joined = os.path.normpath(os.path.join(root, target.lstrip("/")))
    return joined


def _add_lvm(records, lvm_nodes, lvs, vgs, pvs):
    members = {}
    for row in _report(pvs, "pv"):
        if row.get("vg_name"):
            members.setdefault(row["vg_name"], []).append(os.path.basename(row["pv_name"]))
    for row in _report(vgs, "vg"):
        vg = row.get("vg_name")
        if not vg:
            continue
        parents = [p for p in members.get(vg, ()) if p in records]
        records.setdefault(vg, {"name": vg, "kind": L.VG, "size": _int(row.get("vg_size")),
                                "parents": parents, "free": _int(row.get("vg_free")),
                                "extent_size": _int(row.get("vg_extent_size"))})
    for row in _report(lvs, "lv"):
        vg, lv = row.get("vg_name"), row.get("lv_name") or ""
        if not vg or lv.startswith("["):  # hidden internal LVs (only with lvs -a)
            continue
        name = dm_name(vg, lv)
        segtype = row.get("segtype") or ""
        node = lvm_nodes.get(name, {})
        rec = {"name": name, "size": _int(row.get("lv_size")),
               "format": _format(node) if node else None}
        if segtype == "thin-pool":
            rec.update(kind=L.THINPOOL, parents=[vg],
                       metadata_size=_int(row.get("lv_metadata_size")),
                       data_percent=_float(row.get("data_percent")),
                       metadata_percent=_float(row.get("metadata_percent")))
            rec["format"] = None
        elif segtype == "thin":
            pool = row.get("pool_lv")
            rec.update(kind=L.THINLV, parents=[dm_name(vg, pool)] if pool else [vg],
                       data_percent=_float(row.get("data_percent")))
        else:
            rec.update(kind=L.LV, parents=[vg])
        records[name] = rec
