# SPDX-License-Identifier: GPL-2.0-or-later
"""Live host -> :class:`~org_ovirt_node.layout.Layout`, from the system's own tools.

Reads ``lsblk --json --bytes`` (disks, partitions, LUKS, MD RAID, filesystems), ``lvs`` /
``vgs`` / ``pvs --reportformat json`` (volume groups, thin pools with their data and
metadata use, thin and thick LVs) and either ``findmnt --json`` (what is mounted now) or the
``etc/fstab`` of an installed root (what will be mounted, with which options).

Three layers, so everything but the first can be fed text without running anything:

- :func:`run_tool` runs one tool (a timeout, an output limit) and returns its raw stdout;
  :func:`read_file` reads a regular file with a size limit (never a FIFO or a device);
- :func:`decode_json` and :func:`parse_fstab` turn raw bytes into data: undecodable bytes
  are kept (``surrogateescape``), numbers are bounded, nesting is bounded;
- :func:`build_layout` checks the shape of every tool's data (``parse_lsblk``,
  ``parse_findmnt``, the LVM reports) and builds the layout. :func:`layout_from_outputs`
  chains the last two; :func:`read_host` is the whole thing.

Besides its devices, the layout carries what only LVM and findmnt know, in ``layout.facts``
(read by ``verify --pre-upgrade``, :mod:`org_ovirt_node.host.preupgrade`): ``lvm`` (device name ->
``{"vg", "lv", "tags", "profile"}``), ``vg_tags`` and ``fs_avail`` (mount point -> free bytes).

Every way the input can be wrong ends in :class:`HostError`, whose message names the tool
(or ``file:line``), where in its output, and what was expected. Every string taken from the
tools or fstab is made printable the way util-linux prints names (``\\xNN`` for control
characters and undecodable bytes), the same way on both sides so they still match.
LVs are named like device-mapper names them (``onn-var_log``), which is also what lsblk
shows and what blivet calls them.
"""
import json
import math
import os
import posixpath
import re
import selectors
import shlex
import subprocess
import time
from typing import Dict, List, NamedTuple, Optional

from org_ovirt_node import layout as L
from org_ovirt_node.files import LARGE, SPECIAL, FileReadError, read_regular_file
from org_ovirt_node.i18n import _
from org_ovirt_node.sanitize import MAX_SCALAR, excerpt
from org_ovirt_node.units import MiB
from org_ovirt_node.units import format_size as fs

LSBLK = ["lsblk", "--json", "--bytes", "--output",
         "NAME,KNAME,PATH,TYPE,SIZE,FSTYPE,UUID,LABEL,PARTUUID,PARTLABEL,PARTTYPE,MOUNTPOINT"]
_LVM_JSON = ["--reportformat", "json", "--units", "b", "--nosuffix"]
# lv_tags/vg_tags and lv_profile are what `verify --pre-upgrade` needs: imgbased finds its VG,
# pool and layers by tag (imgbased/imgbase.py, ImageLayers.vg_tag/thinpool_tag) and LVM reads
# the pool's autoextend threshold from its metadata profile (imgbased/plugins/core.py,
# Health.check_thin). AVAIL: free space in /boot for one more kernel.
LVS = ["lvs"] + _LVM_JSON + ["-o", "vg_name,lv_name,lv_size,segtype,pool_lv,data_percent,"
                             "metadata_percent,lv_metadata_size,lv_tags,lv_profile"]
VGS = ["vgs"] + _LVM_JSON + ["-o", "vg_name,vg_size,vg_free,vg_extent_size,vg_tags"]
PVS = ["pvs"] + _LVM_JSON + ["-o", "pv_name,vg_name,pv_size"]
FINDMNT = ["findmnt", "--json", "--list", "--bytes", "--output",
           "SOURCE,TARGET,FSTYPE,OPTIONS,SIZE,USED,AVAIL"]

# Bounds. A host with thousands of LUNs prints a few MB of lsblk JSON; LVM can be slow on
# many PVs, but a minute means something hangs (a dead multipath path, a stuck lock).
TOOL_TIMEOUT = 60.0
MAX_TOOL_OUTPUT = 64 * MiB
MAX_FILE_SIZE = MiB             # etc/fstab and any other file read under --root
MAX_STDERR = 64 * 1024          # what is kept of a tool's stderr for the message
MAX_DEPTH = 32                  # lsblk nesting: disk > part > md > crypt > LVM stacks ~ 10
MAX_BYTES = 2 ** 64 - 1         # sizes are u64 everywhere in the kernel and LVM
MAX_OPTIONS = 64 * 1024         # findmnt OPTIONS: overlay lowerdir lists can exceed a page
_MAX_NUMBER_CHARS = 40          # digits of one JSON number (u64 has 20)

# GPT partition types that are formats of their own in the layout model.
_PARTTYPES = {"c12a7328-f81f-11d2-ba4b-00a0c93ec93b": "efi",
              "21686148-6449-6e6f-744e-656564454649": "biosboot"}
_FSTYPES = {"LVM2_member": "lvmpv", "crypto_LUKS": "luks", "linux_raid_member": "mdmember"}
_KINDS = {"disk": L.DISK, "loop": L.DISK, "part": L.PARTITION, "crypt": L.LUKS}
# Options the kernel shows for every mount; they say nothing about the layout.
_NOISE_OPTIONS = {"defaults", "rw", "ro"}


class HostError(Exception):
    """A tool or file could not be read, or holds something it should not."""


class Mount(NamedTuple):
    source: str                 # as written: UUID=..., LABEL=..., /dev/...
    target: str
    fstype: str
    options: tuple
    used: Optional[int] = None
    line: Optional[int] = None  # fstab line
    avail: Optional[int] = None  # bytes free for unprivileged users (findmnt AVAIL)


# --- printable names ---------------------------------------------------------------------
def _escape_char(char):
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, kept by surrogateescape
        return "\\x%02x" % (code - 0xDC00)
    if code < 0x100:
        return "\\x%02x" % code
    return "\\u%04x" % code if code < 0x10000 else "\\U%08x" % code


def clean(text):
    """*text* with every non-printable character (controls, format characters, undecodable
    bytes) escaped as ``\\xNN``/``\\uNNNN``, as util-linux prints names. Names reach
    messages and terminals; fstab and tool output go through the same function, so a
    Latin-1 mount point in both still matches."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape_char(c) for c in text)


# --- reading: tools and files --------------------------------------------------------------
def _tool_name(argv):
    return clean(os.path.basename(str(argv[0])))


def run_tool(argv, timeout=TOOL_TIMEOUT, limit=MAX_TOOL_OUTPUT) -> bytes:
    """Run *argv* and return its standard output (HostError when it cannot run, fails,
    takes longer than *timeout* seconds or prints more than *limit* bytes)."""
    tool = _tool_name(argv)
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except OSError as exc:
        raise HostError(_("cannot run %(tool)s: %(error)s") % {
            "tool": tool, "error": exc.strerror or exc}) from exc
    with proc:
        try:
            out, err = _collect(proc, tool, time.monotonic() + timeout, timeout, limit)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if proc.returncode < 0:
        raise HostError(_("%(tool)s was killed by signal %(signal)d") % {
            "tool": tool, "signal": -proc.returncode})
    if proc.returncode != 0:
        raise HostError(_("%(cmd)s failed (exit %(rc)d): %(err)s") % {
            "cmd": " ".join(shlex.quote(clean(str(a))) for a in argv[:2]),
            "rc": proc.returncode, "err": excerpt(err.strip(), 200)})
    return out


def _collect(proc, tool, deadline, timeout, limit):
    """Read *proc*'s stdout (at most *limit* bytes) and stderr until both close and it
    exits, or *deadline* passes."""
    out, err, size = [], [], 0
    expired = HostError(_("%(tool)s did not finish within %(seconds)g s") % {
        "tool": tool, "seconds": timeout})
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        sel.register(proc.stderr, selectors.EVENT_READ)
        while sel.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise expired
            for key, _events in sel.select(remaining):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                elif key.fileobj is proc.stdout:
                    out.append(chunk)
                    size += len(chunk)
                    if size > limit:
                        raise HostError(_("%(tool)s printed more than %(limit)s") % {
                            "tool": tool, "limit": fs(limit)})
                elif sum(map(len, err)) < MAX_STDERR:
                    err.append(chunk)
    try:
        proc.wait(max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise expired from None
    return b"".join(out), b"".join(err)[:MAX_STDERR].decode("utf-8", "surrogateescape")


def read_file(path, limit=MAX_FILE_SIZE) -> bytes:
    """The bytes of the regular file *path*, if it holds at most *limit* of them
    (:func:`org_ovirt_node.files.read_regular_file`), else :class:`HostError` naming it."""
    try:
        return read_regular_file(path, limit)
    except FileReadError as exc:
        if exc.reason in (SPECIAL, LARGE):
            raise HostError("%s: %s" % (clean(path), exc)) from None
        raise HostError(_("cannot read %(path)s: %(error)s") % {
            "path": clean(path), "error": exc}) from None


def read_host(root=None, run=None, origin=None):
    """The layout of this machine; with *root*, mount points and options from
    ``<root>/etc/fstab`` instead of what is mounted now. *run* (default
    :func:`run_tool`) returns a tool's standard output."""
    run = run or run_tool
    fstab = path = None
    if root is not None:  # first: a bad root fails before any tool runs
        path = os.path.join(root, "etc", "fstab")
        fstab = read_file(path)
    lsblk = run(LSBLK)
    try:
        lvm = [run(argv) for argv in (LVS, VGS, PVS)]
    except HostError:
        if _lvm_present(parse_lsblk(decode_json("lsblk", lsblk))):
            raise
        lvm = [None] * 3  # no LVM tools and no LVM on the disks: nothing to read
    findmnt = run(FINDMNT)
    return layout_from_outputs(lsblk, *lvm, findmnt, fstab=fstab, root=root,
                               origin=origin or (clean(path) if path else "host"))


def layout_from_outputs(lsblk, lvs, vgs, pvs, findmnt, fstab=None, root=None, origin="host"):
    """The layout from the tools' raw standard output (bytes or str; None for the LVM
    tools: no LVM) and, with *fstab*, the raw text of an fstab (named *origin*)."""
    lvm = [None if raw is None else decode_json(tool, raw)
           for tool, raw in (("lvs", lvs), ("vgs", vgs), ("pvs", pvs))]
    mounts = parse_fstab(fstab, origin) if fstab is not None else None
    return build_layout(decode_json("lsblk", lsblk), *lvm, decode_json("findmnt", findmnt),
                        fstab=mounts, root=root, origin=origin)


def _lvm_present(nodes):
    return any(n["fstype"] == "LVM2_member" or n["type"] == "lvm" for n, _parent in nodes)


# --- decoding --------------------------------------------------------------------------------
class _BadNumberError(ValueError):
    """A JSON number this module will not read (raised inside json.loads)."""


def _json_int(text):
    if len(text) > _MAX_NUMBER_CHARS:
        raise _BadNumberError(_("a number with more than %d digits") % _MAX_NUMBER_CHARS)
    return int(text)


def _json_float(text):
    value = float(text) if len(text) <= _MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):
        raise _BadNumberError(_("the number %s is out of range") % excerpt(text))
    return value


def _json_constant(name):
    raise _BadNumberError(_("%s is not a number") % name)


def decode_json(tool, raw):
    """*raw* standard output of *tool* (bytes or str) as JSON data. Bytes that are not
    UTF-8 are kept (util-linux copies them from labels and paths unchanged); NaN,
    infinities, numbers of more than 40 characters and runaway nesting are refused."""
    if isinstance(raw, (bytes, bytearray)):
        text = bytes(raw).decode("utf-8", "surrogateescape")
    else:
        text = raw
    if not text.strip():
        raise HostError(_("%(tool)s printed nothing") % {"tool": tool})
    try:
        return json.loads(text, parse_int=_json_int, parse_float=_json_float,
                          parse_constant=_json_constant)
    except RecursionError:
        raise HostError(_("%(tool)s printed JSON nested too deeply") % {"tool": tool}) from None
    except ValueError as exc:
        raise HostError(_("%(tool)s printed no valid JSON: %(error)s") % {
            "tool": tool, "error": exc}) from None


# getmntent(3) decodes exactly these (glibc misc/mntent_r.c, decode_name); any other
# backslash stays as written.
_FSTAB_ESCAPES = {"\\040": " ", "\\011": "\t", "\\012": "\n", "\\134": "\\", "\\\\": "\\"}
_FSTAB_ESCAPE_RE = re.compile(r"\\(?:040|011|012|134|\\)")


def _fstab_field(field, origin, number):
    if len(field) > MAX_SCALAR:
        raise HostError(_("%(origin)s:%(line)d: a field is longer than %(max)d characters") % {
            "origin": origin, "line": number, "max": MAX_SCALAR})
    if "\\" in field:
        field = _FSTAB_ESCAPE_RE.sub(lambda m: _FSTAB_ESCAPES[m.group()], field)
    return clean(field)


def parse_fstab(text, origin="fstab") -> List[Mount]:
    """Entries of an fstab (bytes or str), split and unescaped as getmntent(3) does: lines
    end at newlines only, blanks are spaces and tabs, a line is a comment only when ``#``
    is its first non-blank character; line numbers are kept for messages."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "surrogateescape")
    mounts = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip(" \t")
        if not line or line[0] == "#":
            continue
        fields = [f for f in line.replace("\t", " ").split(" ") if f][:4]
        if len(fields) < 2:
            continue
        source, target = (_fstab_field(f, origin, number) for f in fields[:2])
        fstype = _fstab_field(fields[2], origin, number) if len(fields) > 2 else "auto"
        options = tuple(_fstab_field(fields[3], origin, number).split(",")) \
            if len(fields) > 3 else ()
        mounts.append(Mount(source, target, fstype, options, None, number))
    return mounts


# --- the shape of the tools' JSON ----------------------------------------------------------
_MISSING = object()


def _describe(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return _("an object")
    if isinstance(value, list):
        return _("an array")
    return excerpt(value)


def _wrong(tool, where, expected, value=_MISSING):
    if value is _MISSING:
        return HostError(_("%(tool)s: %(where)s: expected %(expected)s") % {
            "tool": tool, "where": where, "expected": expected})
    return HostError(_("%(tool)s: %(where)s: expected %(expected)s, not %(value)s") % {
        "tool": tool, "where": where, "expected": expected, "value": _describe(value)})


def _object(tool, value, where):
    if not isinstance(value, dict):
        raise _wrong(tool, where, _("an object"), value)
    return value


def _array(tool, value, where, nonempty=False):
    if not isinstance(value, list) or (nonempty and not value):
        raise _wrong(tool, where, _("a non-empty array") if nonempty else _("an array"), value)
    return value


def _member(tool, obj, key, where):
    if key not in obj:
        raise _wrong(tool, where, _('an object with the key "%s"') % key)
    return obj[key]


def _text(tool, obj, key, where, required=False, limit=MAX_SCALAR):
    """A string member (None when absent or null, unless *required*), made printable."""
    value = obj.get(key, _MISSING)
    if value is _MISSING and required:
        raise _wrong(tool, where, _('an object with the key "%s"') % key)
    if value is None and not required or value is _MISSING:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise _wrong(tool, "%s.%s" % (where, key),
                     _("a string of at most %d characters") % limit, value)
    return clean(value)


_DIGITS_RE = re.compile(r"[0-9]{1,20}\Z")
_PERCENT_RE = re.compile(r"[0-9]{1,3}(?:[.,][0-9]{1,12})?\Z")  # a locale may print 81,50


def _size(tool, obj, key, where):
    """A size in bytes: a number or a string of digits (lsblk before 2.33, LVM); None when
    absent, null or empty."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    number = -1
    if type(value) is int:  # noqa: E721 - not bool
        number = value
    elif isinstance(value, str) and _DIGITS_RE.match(value):
        number = int(value)
    if not 0 <= number <= MAX_BYTES:
        raise _wrong(tool, "%s.%s" % (where, key),
                     _("a size in bytes (a whole number from 0 to 2^64-1)"), value)
    return number


def _percent(tool, obj, key, where):
    """A percentage 0-100 (LVM prints ``"81.50"``, or a number in its json_std format)."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    number = -1.0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and _PERCENT_RE.match(value):
        number = float(value.replace(",", "."))
    if not 0.0 <= number <= 100.0:  # also refuses NaN
        raise _wrong(tool, "%s.%s" % (where, key), _("a percentage from 0 to 100"), value)
    return number


_LSBLK_TEXT = ("kname", "path", "type", "fstype", "uuid", "label", "partuuid", "partlabel",
               "parttype")


def parse_lsblk(data):
    """lsblk's device tree, checked and flattened to (node, parent name) pairs in lsblk's
    order (a node shows up once per parent: a VG on two PVs lists its LVs under both).
    A node is a dict of the columns this module reads, strings printable."""
    tool = "lsblk"
    top = _object(tool, data, _("output"))
    roots = _array(tool, _member(tool, top, "blockdevices", _("output")), "blockdevices")
    nodes = []
    stack = [(node, None, "blockdevices[%d]" % i, 1) for i, node in enumerate(roots)]
    stack.reverse()
    while stack:  # iterative pre-order: nesting cannot exhaust Python's stack
        node, parent, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _wrong(tool, where, _("devices nested more than %d levels deep") % MAX_DEPTH)
        node = _object(tool, node, where)
        name = _text(tool, node, "name", where, required=True)
        if not name:
            raise _wrong(tool, where + ".name", _("a device name"), node["name"])
        rec = {key: _text(tool, node, key, where) for key in _LSBLK_TEXT}
        rec["name"], rec["size"] = name, _size(tool, node, "size", where)
        nodes.append((rec, parent))
        children = node.get("children")
        if children is not None:
            children = _array(tool, children, where + ".children")
            stack.extend((child, name, "%s.children[%d]" % (where, i), depth + 1)
                         for i, child in reversed(list(enumerate(children))))
    return nodes


def _report(tool, data, key):
    """Rows of an LVM JSON report (``{"report": [{"lv": [...]}]}``), with where each is."""
    top = _object(tool, data, _("output"))
    report = _array(tool, _member(tool, top, "report", _("output")), "report", nonempty=True)
    rows, found = [], False
    for i, part in enumerate(report):
        part = _object(tool, part, "report[%d]" % i)
        if key in part:
            found = True
            where = "report[%d].%s" % (i, key)
            rows.extend((_object(tool, row, "%s[%d]" % (where, j)), "%s[%d]" % (where, j))
                        for j, row in enumerate(_array(tool, part[key], where)))
    if not found:
        raise _wrong(tool, "report", _('an array of objects with the key "%s"') % key)
    return rows


def parse_findmnt(data) -> List[Mount]:
    """What is mounted now, checked (``target`` required; sizes bounded)."""
    tool = "findmnt"
    top = _object(tool, data, _("output"))
    mounts = []
    for i, fs_ in enumerate(_array(tool, _member(tool, top, "filesystems", _("output")),
                                   "filesystems")):
        where = "filesystems[%d]" % i
        fs_ = _object(tool, fs_, where)
        target = _text(tool, fs_, "target", where, required=True)
        source = _text(tool, fs_, "source", where) or ""
        if "[" in source:  # btrfs subvolumes and bind mounts: /dev/sda2[/@home]
            source = source.split("[", 1)[0]
        options = _text(tool, fs_, "options", where, limit=MAX_OPTIONS) or ""
        mounts.append(Mount(source, target, _text(tool, fs_, "fstype", where) or "",
                            tuple(options.split(",")), _size(tool, fs_, "used", where),
                            avail=_size(tool, fs_, "avail", where)))
    return mounts


# --- building the layout ---------------------------------------------------------------------
def dm_name(vg, lv):
    """The device-mapper name of LV *lv* in VG *vg* (dashes doubled)."""
    return "%s-%s" % (vg.replace("-", "--"), lv.replace("-", "--"))


def _mount_target(target):
    """*target* normalised as mount(8) would (``/var/``, ``//var`` -> ``/var``), or None
    when it is not an absolute path (``none``, ``swap``, garbage): nothing mounts there."""
    if not target.startswith("/"):
        return None
    target = posixpath.normpath(target)
    return "/" + target.lstrip("/")


def _format(node):
    fstype = node["fstype"]
    parttype = (node["parttype"] or "").lower()
    if parttype in _PARTTYPES and fstype in (None, "vfat"):
        return _PARTTYPES[parttype]
    return _FSTYPES.get(fstype, fstype) if fstype else None


def _kind(node):
    ntype = node["type"] or ""
    if ntype.startswith("raid"):
        return L.MDRAID
    return _KINDS.get(ntype, L.OTHER)


class _Index:
    """How mount sources map to layout device names."""

    _FOLDED = ("UUID=", "PARTUUID=", "/dev/disk/by-uuid/", "/dev/disk/by-partuuid/")

    def __init__(self):
        self.names = {}
        self.folded = {}  # UUIDs compare case-insensitively

    def _put(self, key, name):
        self.names[key] = name
        if key.startswith(self._FOLDED):
            self.folded.setdefault(key.lower(), name)

    def add(self, name, node):
        for key in ("path", "name", "kname"):
            value = node[key]
            if value:
                self._put(value if key == "path" else "/dev/" + value, name)
        if node["type"] == "lvm":
            self._put("/dev/mapper/" + node["name"], name)
        for key, prefix in (("uuid", "UUID"), ("label", "LABEL"), ("partuuid", "PARTUUID"),
                            ("partlabel", "PARTLABEL")):
            value = node[key]
            if value:
                self._put("%s=%s" % (prefix, value), name)
                self._put("/dev/disk/by-%s/%s" % (prefix.lower(), value), name)

    def resolve(self, source):
        if source in self.names:
            return self.names[source]
        if source.startswith(self._FOLDED):
            return self.folded.get(source.lower())
        if source.startswith("/dev/") and source.count("/") == 3:
            _, _, vg, lv = source.split("/")  # /dev/<vg>/<lv>
            return self.names.get("/dev/mapper/" + dm_name(vg, lv))
        return None


def build_layout(lsblk, lvs, vgs, pvs, findmnt, fstab=None, root=None, origin="host"):
    """A :class:`Layout` from the tools' decoded JSON (None for lvs/vgs/pvs: no LVM) and
    fstab entries, if given. The shape of each tool's data is checked (HostError)."""
    records: Dict[str, dict] = {}
    index = _Index()
    lvm_nodes = {}
    for node, parent in parse_lsblk(lsblk):
        name = node["name"]
        if node["type"] == "rom":
            continue
        if node["type"] == "lvm":
            lvm_nodes[name] = node
            index.add(name, node)
            continue
        rec = records.get(name)
        if rec is None:
            rec = records[name] = {"name": name, "kind": _kind(node), "size": node["size"],
                                   "parents": [], "format": _format(node)}
            index.add(name, node)
        if parent and parent not in lvm_nodes and parent not in rec["parents"]:
            rec["parents"].append(parent)
    facts = _add_lvm(records, lvm_nodes, lvs, vgs, pvs)
    live_mounts = parse_findmnt(findmnt)
    fs_avail = facts["fs_avail"] = {}
    mounts = fstab if fstab is not None else live_mounts
    live = {_mount_target(m.target): m for m in live_mounts}
    root = clean(os.path.abspath(root)) if root else root
    for mount in mounts:
        name = index.resolve(mount.source)
        if name is None or name not in records or mount.fstype == "swap":
            continue
        target = _mount_target(mount.target)
        if target is None:
            continue
        rec = records[name]
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
        if seen is not None and seen.avail is not None:
            fs_avail[target] = seen.avail
    devices = tuple(L.Device(**rec) for rec in records.values())
    return L.Layout(devices, origin=origin, facts=facts, source=L.SOURCE_HOST)


def _live_target(root, target):
    if not root or root == "/":
        return target
    return _mount_target(posixpath.join(root, target.lstrip("/")))


def _tags(tool, row, key, where):
    """LVM's comma-separated tag list (``lv_tags``/``vg_tags``) as a tuple."""
    text = _text(tool, row, key, where) or ""
    return tuple(tag for tag in (t.strip() for t in text.split(",")) if tag)


def _add_lvm(records, lvm_nodes, lvs, vgs, pvs):
    """Add VGs, pools and LVs to *records*; return the layout facts only LVM knows:
    ``lvm`` (device name -> ``{"vg", "lv", "tags", "profile"}``) and ``vg_tags``."""
    lv_facts, vg_tags = {}, {}
    members = {}
    if pvs is not None:
        for row, where in _report("pvs", pvs, "pv"):
            pv = _text("pvs", row, "pv_name", where, required=True)
            vg = _text("pvs", row, "vg_name", where, required=True)
            if vg:
                members.setdefault(vg, []).append(posixpath.basename(pv))
    for row, where in _report("vgs", vgs, "vg") if vgs is not None else ():
        vg = _text("vgs", row, "vg_name", where, required=True)
        if not vg:
            continue
        vg_tags[vg] = _tags("vgs", row, "vg_tags", where)
        parents = [p for p in members.get(vg, ()) if p in records]
        records.setdefault(vg, {"name": vg, "kind": L.VG,
                                "size": _size("vgs", row, "vg_size", where),
                                "parents": parents, "free": _size("vgs", row, "vg_free", where),
                                "extent_size": _size("vgs", row, "vg_extent_size", where)})
    for row, where in _report("lvs", lvs, "lv") if lvs is not None else ():
        vg = _text("lvs", row, "vg_name", where, required=True)
        lv = _text("lvs", row, "lv_name", where, required=True)
        size = _size("lvs", row, "lv_size", where)
        data_percent = _percent("lvs", row, "data_percent", where)
        if not vg or not lv or lv.startswith("["):  # hidden internal LVs (only with lvs -a)
            continue
        name = dm_name(vg, lv)
        lv_facts[name] = {"vg": vg, "lv": lv, "tags": _tags("lvs", row, "lv_tags", where),
                          "profile": _text("lvs", row, "lv_profile", where) or None}
        segtype = _text("lvs", row, "segtype", where) or ""
        node = lvm_nodes.get(name)
        rec = {"name": name, "size": size, "format": _format(node) if node else None}
        if segtype == "thin-pool":
            rec.update(kind=L.THINPOOL, parents=[vg], format=None,
                       metadata_size=_size("lvs", row, "lv_metadata_size", where),
                       data_percent=data_percent,
                       metadata_percent=_percent("lvs", row, "metadata_percent", where))
        elif segtype == "thin":
            pool = _text("lvs", row, "pool_lv", where)
            rec.update(kind=L.THINLV, parents=[dm_name(vg, pool)] if pool else [vg],
                       data_percent=data_percent)
        else:
            rec.update(kind=L.LV, parents=[vg])
        records[name] = rec
    return {"lvm": lv_facts, "vg_tags": vg_tags}
