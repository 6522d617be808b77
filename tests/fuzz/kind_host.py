# SPDX-License-Identifier: GPL-2.0-or-later
"""Fuzz kind ``host``: hostile output of ``lsblk``/``lvs``/``vgs``/``pvs``/``findmnt`` and hostile
``etc/fstab`` texts, fed in-process (no tool runs, no file is read) through
:func:`org_ovirt_node.host.reader.layout_from_outputs` (decoding, shape checks, the layout),
then ``verify`` (the layout rules plus the health rules) and both renderings of its report.

Each input starts from a real-looking oVirt Node host (one to three disks, /boot, an EFI
partition, a VG over one or two PVs, a thin pool with thin LVs, swap, sometimes LUKS on
MD RAID; the tools' JSON as util-linux 2.38 / LVM 2.03 print it, or with numbers as strings
as older releases do, or LVM's json_std numbers) and applies a few mutations at three
levels: the decoded data (wrong types, missing or renamed keys, nulls, negative and huge
numbers, empty report arrays, unicode: controls, bidi, lone surrogates), the bytes (random
bytes, truncation, flipped and Latin-1 bytes, hostile number tokens, deep nesting, other
top-level types) and the fstab text (getmntent escapes, stray backslashes, Latin-1, CRLF,
``#`` inside fields, overlong fields, NULs, many lines).

Expected clean rejection: :class:`~org_ovirt_node.host.reader.HostError`, whose message
must be one printable line. Invariants of a layout that is built: every name, format, mount
point and option printable; sizes within a u64; percentages finite in 0..100; the report
renders as text that encodes as UTF-8 and as JSON.
"""
import copy
import json
import random

KIND = "host"
DEFAULT_COUNT = 100_000
SLICE_COUNT = 200

GiB = 1024 ** 3
MiB = 1024 ** 2
U64 = 2 ** 64 - 1

THIN_MOUNTS = ("/", "/var", "/var/log", "/var/log/audit", "/var/tmp", "/var/crash", "/home",
               "/tmp")
TEXTS = ("", " ", "\x00", "a\x00b", "\ud800", "\udcff", "\x1b[2J", "\x1b]0;x\x07", "\u202e",
         "\u0301", "\U0001f4a9", "\ufeff", "caf\u00e9", "\n", "\t", "\\", "\\040", "[", "[/@]",
         "/", "//", "..", "a" * 5000, "UUID=", "LABEL=x", "/dev/", "/dev/a/b/c", "none",
         "swap", "rom", "lvm", "disk", "part", "raid1", "crypt", "thin-pool", "thin",
         "LVM2_member", "crypto_LUKS", "vfat", "C12A7328-F81F-11D2-BA4B-00A0C93EC93B")
WRONG = (None, "", 0, -1, 1.5, -0.0, True, False, [], {}, ["a"], [1], {"a": 1}, [[[]]],
         2 ** 64, 2 ** 64 - 1, 2 ** 63, -(2 ** 63), 10 ** 30, "NaN", "nan", "inf", "1e999",
         "-5", "12x", "0x10", "100.01", "99,5", " 1", "1 ", "١٢", "0" * 25, "9" * 21)
NUMBER_TOKENS = (b"9" * 5000, b"1e999", b"-1e999", b"NaN", b"Infinity", b"-Infinity", b"-0",
                 b"1E400", b"0." + b"0" * 300 + b"1", b"-1", b"18446744073709551616",
                 b"1.5", b"true", b"null", b'"7"', b"[]")
FSTAB_ESCAPES = ("\\040", "\\011", "\\012", "\\134", "\\\\", "\\", "\\N{x}", "\\x41",
                 "\\u0041", "\\0", "\\04", "\\400", "\\777", "\\\\040")

_PROFILES = {}


# --- a real-looking host ---------------------------------------------------------------------
def _blk(name, ntype, size, fstype=None, uuid=None, label=None, parttype=None,
         mountpoint=None, children=None, path=None):
    node = {"name": name, "kname": name, "path": path or "/dev/" + name, "type": ntype,
            "size": size, "fstype": fstype, "uuid": uuid, "label": label, "partuuid": None,
            "partlabel": None, "parttype": parttype, "mountpoint": mountpoint}
    if children:
        node["children"] = children
    return node


def _host(rng):
    """The tools' decoded JSON and fstab lines of a plausible host: ``(data, fstab, root)``."""
    vg = rng.choice(("onn", "onn", "my-vg", "vg_0", "a.b"))
    mangled = vg.replace("-", "--")
    root = rng.choice((None, None, "/mnt/sysroot", "/", "/mnt/sys root", "/mnt/caf\udce9",
                       "rel/root", "/mnt//x/../sysroot/"))
    thin = [m for m in THIN_MOUNTS if m == "/" or rng.random() < 0.7]
    pool_size = rng.choice((40 * GiB, 60 * GiB, 1 * GiB, 0, U64))
    lvs, lsblk_thin, mounts = [], [], []
    for point in thin:
        lv = "root" if point == "/" else point.strip("/").replace("/", "_")
        dm = "%s-%s" % (mangled, lv)
        size = rng.choice((5 * GiB, 20 * GiB, 512 * MiB, 0))
        uuid = "u-%s-%d" % (lv, rng.randrange(1000))
        lvs.append({"vg_name": vg, "lv_name": lv, "lv_size": size, "segtype": "thin",
                    "pool_lv": "pool00", "data_percent": round(rng.uniform(0, 100), 2),
                    "metadata_percent": None, "lv_metadata_size": None})
        lsblk_thin.append(_blk(dm, "lvm", size, rng.choice(("xfs", "ext4", "xfs")), uuid,
                               path="/dev/mapper/" + dm))
        mounts.append((point, dm, uuid, lv))
    lvs.insert(0, {"vg_name": vg, "lv_name": "pool00", "lv_size": pool_size,
                   "segtype": "thin-pool", "pool_lv": None,
                   "data_percent": round(rng.uniform(0, 100), 2),
                   "metadata_percent": round(rng.uniform(0, 100), 2),
                   "lv_metadata_size": rng.choice((GiB, 64 * MiB, None))})
    lvs.append({"vg_name": vg, "lv_name": "swap", "lv_size": 4 * GiB, "segtype": "linear",
                "pool_lv": None, "data_percent": None, "metadata_percent": None,
                "lv_metadata_size": None})
    tpool = [_blk(mangled + "-pool00-tpool", "lvm", pool_size, children=lsblk_thin +
                  [_blk(mangled + "-pool00", "lvm", pool_size)])]
    pv_children = [_blk(mangled + "-pool00_tmeta", "lvm", GiB, children=tpool),
                   _blk(mangled + "-pool00_tdata", "lvm", pool_size, children=tpool),
                   _blk(mangled + "-swap", "lvm", 4 * GiB, "swap", "u-swap")]
    parts = [_blk("vda1", "part", GiB, "ext4", "u-boot", "BOOT"),
             _blk("vda2", "part", 99 * GiB, "LVM2_member", "pv1", children=pv_children)]
    if rng.random() < 0.3:
        parts.insert(0, _blk("vda3", "part", 600 * MiB, "vfat", "EF-1",
                             parttype="c12a7328-f81f-11d2-ba4b-00a0c93ec93b"))
        mounts.append(("/boot/efi", "vda3", "EF-1", None))
    disks = [_blk("vda", "disk", 100 * GiB, children=parts)]
    pvs = [{"pv_name": "/dev/vda2", "vg_name": vg, "pv_size": 99 * GiB}]
    if rng.random() < 0.3:  # a second PV: lsblk lists every LV under it again
        disks.append(_blk("vdb", "disk", 50 * GiB, "LVM2_member", "pv2",
                          children=json.loads(json.dumps(pv_children))))
        pvs.append({"pv_name": "/dev/vdb", "vg_name": vg, "pv_size": 50 * GiB})
    if rng.random() < 0.2:  # LUKS on MD RAID over two disks, mounted at /data
        for disk in ("sda", "sdb"):
            md = _blk("md0", "raid1", 9 * GiB, "crypto_LUKS", children=[
                _blk("luks-1", "crypt", 9 * GiB, "xfs", "u-data", path="/dev/mapper/luks-1")])
            disks.append(_blk(disk, "disk", 10 * GiB, children=[
                _blk(disk + "1", "part", 9 * GiB, "linux_raid_member", children=[md])]))
        mounts.append(("/data", "luks-1", "u-data", None))
    disks.append(_blk("sr0", "rom", 1024))
    mounts.append(("/boot", "vda1", "u-boot", None))
    prefix = "" if root in (None, "/") else root.rstrip("/")
    findmnt = [{"source": ("/dev/mapper/" if lv or name == "luks-1" else "/dev/") + name,
                "target": prefix + point if point != "/" else prefix or "/",
                "fstype": "xfs", "options": "rw,relatime,attr2,inode64,discard",
                "size": 10 * GiB, "used": rng.choice((GiB, 0, U64, 3 * GiB))}
               for point, name, _uuid, _lv in mounts]
    findmnt += [{"source": "proc", "target": "/proc", "fstype": "proc", "options": "rw",
                 "size": 0, "used": 0},
                {"source": "overlay", "target": "/var/lib/containers/x", "fstype": "overlay",
                 "options": "rw,lowerdir=" + ":".join("/l/%d" % i for i in range(300)),
                 "size": 0, "used": 0},
                {"source": "/dev/vdb1[/@home]", "target": "/srv/sub", "fstype": "btrfs",
                 "options": "rw,subvol=/@home", "size": None, "used": None}]
    fstab = None
    if root is not None:
        fstab = ["# /etc/fstab, created by anaconda", ""]
        for point, name, uuid, lv in mounts:
            source = rng.choice(
                ["UUID=" + uuid, "UUID=" + uuid.upper(), "/dev/disk/by-uuid/" + uuid,
                 "/dev/" + name if not lv else "/dev/mapper/" + name] +
                (["/dev/%s/%s" % (vg, lv)] if lv else []))
            fstab.append("%s %s xfs defaults,discard 0 0" % (source, point))
        fstab.append("/dev/mapper/%s-swap none swap defaults 0 0" % mangled)
    data = {"lsblk": {"blockdevices": disks},
            "lvs": {"report": [{"lv": lvs}]}, "vgs": {"report": [{"vg": [
                {"vg_name": vg, "vg_size": 149 * GiB, "vg_free": rng.choice((0, 22 * GiB)),
                 "vg_extent_size": 4 * MiB}]}]},
            "pvs": {"report": [{"pv": pvs}]}, "findmnt": {"filesystems": findmnt}}
    return data, fstab, root


def _lvm_style(rng, data):
    """LVM 2.03's default JSON prints every value as a string ("" for none); json_std prints
    numbers. lsblk before 2.33 printed sizes as strings too."""
    style = rng.random()
    for tool in ("lvs", "vgs", "pvs"):
        for row in data[tool]["report"][0][tool[:2]]:
            for key, value in row.items():
                if style < 0.7:
                    row[key] = "" if value is None else (
                        "%.2f" % value if isinstance(value, float) else str(value))
    if rng.random() < 0.2:
        for node, key in _slots(data["lsblk"]):
            if key == "size" and isinstance(node[key], int):
                node[key] = str(node[key])


# --- mutations of decoded data ---------------------------------------------------------------
def _slots(data, limit=5000):
    """(container, key) of every value inside *data* (at most *limit*)."""
    out, stack = [], [data] if isinstance(data, (dict, list)) else []
    while stack and len(out) < limit:
        cur = stack.pop()
        items = cur.items() if isinstance(cur, dict) else enumerate(cur)
        for key, value in items:
            out.append((cur, key))
            if isinstance(value, (dict, list)):
                stack.append(value)
    return out


def _fresh(value):
    """A private copy of a shared hostile value: mutations of one input must neither change
    the next input's values nor put a container inside itself."""
    return copy.deepcopy(value)


def d_wrong_value(rng, data):
    slots = _slots(data[rng.choice(list(data))])
    if slots:
        cont, key = rng.choice(slots)
        cont[key] = _fresh(rng.choice(WRONG + TEXTS))


def d_drop_key(rng, data):
    slots = [(c, k) for c, k in _slots(data[rng.choice(list(data))]) if isinstance(c, dict)]
    if slots:
        cont, key = rng.choice(slots)
        del cont[key]


def d_rename_key(rng, data):
    slots = [(c, k) for c, k in _slots(data[rng.choice(list(data))]) if isinstance(c, dict)]
    if slots:
        cont, key = rng.choice(slots)
        cont[rng.choice((key.upper(), key + " ", "", "children", "name", "report"))] = \
            cont.pop(key)


def d_empty(rng, data):
    top = data[rng.choice(list(data))]
    if isinstance(top, dict) and top:
        top[next(iter(top))] = rng.choice(([], [{}], [{"lv": []}], [[]], None, {}))


def d_unicode(rng, data):
    """Hostile text in names, labels, mount points, options (several at once)."""
    slots = [(c, k) for c, k in _slots(data[rng.choice(list(data))])
             if isinstance(c.get(k) if isinstance(c, dict) else None, str)]
    for _ in range(rng.randint(1, 4)):
        if slots:
            cont, key = rng.choice(slots)
            text = rng.choice(TEXTS)
            cont[key] = rng.choice((text, cont[key] + text, text + cont[key]))


def d_numbers(rng, data):
    slots = [(c, k) for c, k in _slots(data[rng.choice(list(data))])
             if isinstance(c, dict) and k in ("size", "used", "lv_size", "vg_free", "vg_size",
                                               "data_percent", "metadata_percent",
                                               "lv_metadata_size", "vg_extent_size")]
    for _ in range(rng.randint(1, 3)):
        if slots:
            cont, key = rng.choice(slots)
            cont[key] = rng.choice((-1, U64, U64 + 1, 10 ** 30, 0, 1.5, 1e300, 100.0, 100.5,
                                    "100.00", "-0.5", "1e3", "99,5", str(U64), str(U64 + 1),
                                    None, ""))


def d_duplicate(rng, data):
    """The same device twice, a device as its own child, a second report part."""
    roots = data["lsblk"].get("blockdevices") if isinstance(data["lsblk"], dict) else None
    if isinstance(roots, list) and roots and isinstance(roots[0], dict):
        choice = rng.random()
        if choice < 0.4:
            roots.append(json.loads(json.dumps(roots[0])))
        elif choice < 0.7:
            children = roots[0].get("children")
            if not isinstance(children, list):  # an earlier mutation may have replaced it
                children = roots[0]["children"] = []
            children.append({"name": roots[0].get("name"), "type": "part"})
        else:
            report = data["lvs"].get("report") if isinstance(data["lvs"], dict) else None
            if isinstance(report, list):
                report.append({"lv": [{"vg_name": "onn", "lv_name": "pool00",
                                       "segtype": "thin", "pool_lv": "pool00"}],
                               "log": [{"x": 1}]})


def d_wrong_top(rng, data):
    data[rng.choice(list(data))] = _fresh(rng.choice(WRONG))


DATA_MUTATIONS = (d_wrong_value, d_drop_key, d_rename_key, d_empty, d_unicode, d_numbers,
                  d_duplicate, d_wrong_top)


# --- mutations of bytes ----------------------------------------------------------------------
def b_random(rng, raw):
    return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200)))


def b_truncate(rng, raw):
    return raw[:rng.randint(0, len(raw))]


def b_flip(rng, raw):
    raw = bytearray(raw)
    for _ in range(rng.randint(1, 8)):
        if raw:
            raw[rng.randrange(len(raw))] = rng.choice((0xFF, 0xE9, 0x00, 0x80, 0xC3, 0x22,
                                                       0x5C, 0x7B, 0x5D, 0x0A, 0x1B))
    return bytes(raw)


def b_latin1(rng, raw):
    """Raw non-UTF-8 bytes inside strings, as util-linux copies them from labels and paths."""
    for _ in range(rng.randint(1, 4)):
        at = raw.find(b'"', rng.randrange(max(1, len(raw))))
        if at > 0:
            raw = raw[:at] + rng.choice((b"\xe9", b"\xff", b"\xc3", b"\xed\xa0\x80",
                                         b"\xd6\xd6")) + raw[at:]
    return raw


def b_number(rng, raw):
    import re
    spans = [m.span() for m in re.finditer(rb"-?[0-9][0-9.eE+-]*", raw)]
    if spans:
        start, end = rng.choice(spans)
        raw = raw[:start] + rng.choice(NUMBER_TOKENS) + raw[end:]
    return raw


def b_nested(rng, raw):
    depth = rng.choice((33, 200, 990, 3000, 100000))
    kind = rng.random()
    if kind < 0.4:
        return (b'{"blockdevices": [' + b'{"name": "n", "children": [' * depth + b"{}" +
                b"]}" * depth + b"]}")
    if kind < 0.7:
        return b"[" * depth + b"]" * depth
    return b'{"report": [{"lv": [' + b'{"a":' * depth + b"1" + b"}" * depth + b"]}]}"


def b_top(rng, raw):
    return rng.choice((b"null", b"1", b'"x"', b"true", b"[]", b"{}", b" ", b"",
                       b'{"report": [{"lv": []}]}', b"\xef\xbb\xbf{}", b"{}{}", b"{}\x00"))


BYTE_MUTATIONS = (b_random, b_truncate, b_flip, b_latin1, b_number, b_nested, b_top)


# --- mutations of fstab ----------------------------------------------------------------------
def f_escape(rng, lines):
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(lines))
        line = lines[at]
        pos = rng.randint(0, len(line))
        lines[at] = line[:pos] + rng.choice(FSTAB_ESCAPES) + line[pos:]


def f_odd_line(rng, lines):
    lines.insert(rng.randint(0, len(lines)), rng.choice((
        "x", "  #", "\t# c", "/dev/a", "/dev/a /b", "/dev/a relative xfs", "/dev/a none xfs",
        "/dev/a / xfs defaults 0 0 extra fields here", "UUID= / xfs", "LABEL=\u00e9 /e xfs",
        "/dev/a /x#y xfs", "/dev/a /" + "a" * 5000 + " xfs", "#" + "c" * 5000,
        "/dev/a /z xfs " + "o," * 3000, "/dev/a\x00 /n xfs", "\x0b/dev/a /v xfs",
        "/dev/onn/root / xfs defaults\r", "/dev/onn/root /", "/dev/onn/root /var/ xfs",
        "/dev/onn/root //var xfs", "/dev/onn/root /var/../var xfs", "a b c d e f g h")))


def f_many(rng, lines):
    lines.extend("/dev/x%d /m/%d xfs defaults 0 0" % (i, i)
                 for i in range(rng.choice((50, 200, 200, 1000))))


def f_crlf(rng, lines):
    lines[:] = [line + "\r" for line in lines]


FSTAB_MUTATIONS = (f_escape, f_odd_line, f_many, f_crlf)


def _fstab_bytes(rng, lines):
    text = "\n".join(lines) + rng.choice(("\n", "", "\n\n"))
    raw = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.15:
        raw = raw.replace(b"xfs", rng.choice((b"xf\xe9", b"\xff", b"x\x00s")), 1)
    if rng.random() < 0.05:
        raw = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
    return raw


# --- the kind's interface --------------------------------------------------------------------
def generate(rng):
    data, fstab_lines, root = _host(rng)
    _lvm_style(rng, data)
    applied = []
    # Mostly one mutation or none, so most inputs get through decoding to the rules.
    for mutate in rng.sample(DATA_MUTATIONS, rng.choice((0, 0, 0, 1, 1, 1, 2, 3))):
        mutate(rng, data)
        applied.append(mutate.__name__)
    outputs = {}
    for tool, value in data.items():
        text = json.dumps(value, indent=rng.choice((None, 3)), ensure_ascii=rng.random() < 0.5)
        outputs[tool] = text.encode("utf-8", "surrogatepass")
    for _ in range(rng.choice((0, 0, 0, 0, 0, 1, 1, 2))):
        tool = rng.choice(list(outputs))
        mutate = rng.choice(BYTE_MUTATIONS)
        outputs[tool] = mutate(rng, outputs[tool])
        applied.append("%s(%s)" % (mutate.__name__, tool))
    if rng.random() < 0.1:  # LVM tools missing (the host has no LVM, or claims so)
        outputs.update(lvs=None, vgs=None, pvs=None)
        applied.append("no-lvm")
    fstab = None
    if fstab_lines is not None:
        for mutate in rng.sample(FSTAB_MUTATIONS, rng.choice((0, 1, 1, 2))):
            mutate(rng, fstab_lines)
            applied.append(mutate.__name__)
        fstab = _fstab_bytes(rng, fstab_lines)
    return {"outputs": outputs, "fstab": fstab, "root": root, "mutations": applied,
            "profile": rng.choice(("ovirt-node", "ovirt-node", "ovirt-node-minimal"))}


def describe(case):
    sizes = ", ".join("%s=%s" % (tool, "-" if raw is None else len(raw))
                      for tool, raw in case["outputs"].items())
    return "%s; bytes %s; fstab %s; root %r" % (
        ",".join(case["mutations"]) or "none", sizes,
        "-" if case["fstab"] is None else len(case["fstab"]), case["root"])


def _profile(name):
    if name not in _PROFILES:
        from org_ovirt_node.profile import load_profile
        _PROFILES[name] = load_profile(name)
    return _PROFILES[name]


def _printable(text, what):
    assert isinstance(text, str) and text.isprintable(), "%s not printable: %r" % (
        what, text[:80] if isinstance(text, str) else text)


def run(case):
    from org_ovirt_node.findings import render_text
    from org_ovirt_node.host.health import verify
    from org_ovirt_node.host.reader import HostError, layout_from_outputs
    out = case["outputs"]
    try:
        layout = layout_from_outputs(out["lsblk"], out["lvs"], out["vgs"], out["pvs"],
                                     out["findmnt"], fstab=case["fstab"], root=case["root"],
                                     origin="fstab" if case["fstab"] is not None else "host")
    except HostError as exc:
        _printable(str(exc), "HostError message")  # one clean line on stderr
        return
    for dev in layout:
        _printable(dev.name, "name")
        for value in (dev.format, dev.mountpoint) + dev.mount_options + dev.parents:
            if value is not None:
                _printable(value, "field")
        for value in (dev.size, dev.free, dev.extent_size, dev.metadata_size, dev.used):
            assert value is None or (type(value) is int and 0 <= value <= U64), value
        for value in (dev.data_percent, dev.metadata_percent):
            assert value is None or 0.0 <= value <= 100.0, value
        assert dev.mountpoint is None or dev.mountpoint.startswith("/"), dev.mountpoint
    report = verify(layout, _profile(case["profile"]))
    render_text(report).encode("utf-8")  # printable on any UTF-8 terminal: no surrogates
    json.dumps({"report": report.to_dict(), "layout": layout.to_dict()}, allow_nan=False)


if __name__ == "__main__":      # a quick local loop: python tests/fuzz/kind_host.py [count]
    import sys
    import time
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    start = time.perf_counter()
    for index in range(count):
        run(generate(random.Random("0:host:%d" % index)))
    elapsed = time.perf_counter() - start
    print("%d inputs, %.2f ms each" % (count, 1000 * elapsed / count))
