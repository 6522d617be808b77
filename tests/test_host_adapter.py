# SPDX-License-Identifier: GPL-2.0-or-later
"""The live-host adapter on hand-written samples of lsblk/lvs/vgs/pvs/findmnt JSON (modeled on
what util-linux 2.38 and LVM 2.03 print, as seen in the qemu guest) and a fake root."""
import json
import os

import pytest

from org_ovirt_node import layout as L
from org_ovirt_node.host import reader as host
from org_ovirt_node.host.reader import HostError, build_layout, dm_name, parse_fstab, read_host

GiB = 1024 ** 3
MiB = 1024 ** 2


def blk(name, ntype, size, fstype=None, uuid=None, label=None, mountpoint=None,
        parttype=None, children=(), kname=None, path=None):
    node = {"name": name, "kname": kname or name,
            "path": path or ("/dev/mapper/" + name if ntype == "lvm" else "/dev/" + name),
            "type": ntype, "size": size, "fstype": fstype, "uuid": uuid, "label": label,
            "partuuid": None, "partlabel": None, "parttype": parttype,
            "mountpoint": mountpoint}
    if children:
        node["children"] = list(children)
    return node


def lvm_sample(root_fs="xfs", root_mount="/"):
    """An oVirt Node disk: /boot partition, PV with VG onn, pool00, thin / and /var, swap."""
    thin = [blk("onn-pool00", "lvm", 40 * GiB, kname="dm-3"),
            blk("onn-root", "lvm", 20 * GiB, root_fs, "u-root", kname="dm-4",
                mountpoint=root_mount),
            blk("onn-var", "lvm", 5 * GiB, "xfs", "u-var", kname="dm-5", mountpoint="/var")]
    tpool = [blk("onn-pool00-tpool", "lvm", 40 * GiB, kname="dm-2", children=thin)]
    pv_children = [
        blk("onn-pool00_tmeta", "lvm", 1 * GiB, kname="dm-0", children=tpool),
        blk("onn-pool00_tdata", "lvm", 40 * GiB, kname="dm-1", children=tpool),
        blk("onn-swap", "lvm", 2 * GiB, "swap", "u-swap", kname="dm-6"),
    ]
    lsblk = {"blockdevices": [blk("vda", "disk", 64 * GiB, children=[
        blk("vda1", "part", 1 * GiB, "ext4", "u-boot", "BOOT", "/boot",
            parttype="0fc63daf-8483-4772-8e79-3d69d8477de4"),
        blk("vda2", "part", 63 * GiB, "LVM2_member", "pv-uuid", children=pv_children),
    ])]}
    lvs = {"report": [{"lv": [
        {"vg_name": "onn", "lv_name": "pool00", "lv_size": str(40 * GiB),
         "segtype": "thin-pool", "pool_lv": "", "data_percent": "81.50",
         "metadata_percent": "12.40", "lv_metadata_size": str(1 * GiB)},
        {"vg_name": "onn", "lv_name": "root", "lv_size": str(20 * GiB), "segtype": "thin",
         "pool_lv": "pool00", "data_percent": "10.00", "metadata_percent": "",
         "lv_metadata_size": ""},
        {"vg_name": "onn", "lv_name": "swap", "lv_size": str(2 * GiB), "segtype": "linear",
         "pool_lv": "", "data_percent": "", "metadata_percent": "", "lv_metadata_size": ""},
        {"vg_name": "onn", "lv_name": "var", "lv_size": str(5 * GiB), "segtype": "thin",
         "pool_lv": "pool00", "data_percent": "6.32", "metadata_percent": "",
         "lv_metadata_size": ""},
    ]}]}
    vgs = {"report": [{"vg": [{"vg_name": "onn", "vg_size": str(63 * GiB - 4 * MiB),
                               "vg_free": str(12 * GiB), "vg_extent_size": str(4 * MiB)}]}]}
    pvs = {"report": [{"pv": [{"pv_name": "/dev/vda2", "vg_name": "onn",
                               "pv_size": str(63 * GiB - 4 * MiB)}]}]}
    findmnt = {"filesystems": [
        {"source": "/dev/mapper/onn-root", "target": root_mount, "fstype": root_fs,
         "options": "rw,relatime,attr2,discard,inode64", "size": 20 * GiB, "used": 3 * GiB},
        {"source": "/dev/vda1", "target": "/boot", "fstype": "ext4",
         "options": "rw,relatime", "size": GiB, "used": 100 * MiB},
        {"source": "/dev/mapper/onn-var", "target": "/var", "fstype": "xfs",
         "options": "rw,relatime,attr2,inode64", "size": 5 * GiB, "used": GiB},
        {"source": "proc", "target": "/proc", "fstype": "proc", "options": "rw",
         "size": 0, "used": 0},
    ]}
    return lsblk, lvs, vgs, pvs, findmnt


def as_bytes(data):
    return json.dumps(data).encode()


def fake_tools(samples, **raw):
    """A ``run`` for :func:`read_host`: the samples as the tools' stdout (bytes); *raw*
    overrides a tool's output with exact bytes."""
    def run(argv):
        if argv[0] in raw:
            return raw[argv[0]]
        return as_bytes(samples[argv[0]])
    return run


def test_live_layout_has_every_device_with_its_kind_and_links():
    layout = build_layout(*lvm_sample())
    kinds = {d.name: d.kind for d in layout}
    assert kinds == {"vda": L.DISK, "vda1": L.PARTITION, "vda2": L.PARTITION, "onn": L.VG,
                     "onn-pool00": L.THINPOOL, "onn-root": L.THINLV, "onn-var": L.THINLV,
                     "onn-swap": L.LV}
    root = layout.mounted("/")
    assert root.name == "onn-root" and root.format == "xfs" and root.size == 20 * GiB
    assert layout.thin_pool_of(root).name == "onn-pool00"
    assert layout.vg_of(root).name == "onn"
    assert [d.name for d in layout.disks_under(root)] == ["vda"]
    assert layout["vda2"].format == "lvmpv" and layout["onn"].parents == ("vda2",)
    assert layout["onn-swap"].format == "swap" and layout["onn-swap"].parents == ("onn",)


def test_live_figures_come_from_lvs_vgs_and_findmnt():
    layout = build_layout(*lvm_sample())
    pool = layout["onn-pool00"]
    assert (pool.size, pool.metadata_size) == (40 * GiB, GiB)
    assert (pool.data_percent, pool.metadata_percent) == (81.5, 12.4)
    vg = layout["onn"]
    assert (vg.free, vg.extent_size) == (12 * GiB, 4 * MiB)
    assert layout.mounted("/").used == 3 * GiB
    # Kernel noise (rw, relatime stays: it is a real option) is dropped, discard kept.
    assert layout.mounted("/").mount_options == ("relatime", "attr2", "discard", "inode64")
    assert layout.mounted("/boot").format == "ext4"
    assert layout.mounted("/proc") is None  # not a block device


def test_fstab_of_a_root_gives_mounts_options_and_lines(tmp_path):
    lsblk, lvs, vgs, pvs, findmnt = lvm_sample(root_mount="/mnt/sysroot")
    fstab = parse_fstab(
        "# installed by the test\n"
        "/dev/onn/root  /  xfs  defaults,discard  0 0\n"
        "UUID=u-boot    /boot ext4 defaults 1 2\n"
        "\n"
        "LABEL=nothing  /srv  xfs  defaults 0 0\n"
        "/dev/mapper/onn-var /var xfs defaults,discard 0 0\n"
        "UUID=u-swap none swap defaults 0 0\n")
    layout = build_layout(lsblk, lvs, vgs, pvs, findmnt, fstab=fstab, root="/mnt/sysroot")
    assert {p: d[0].name for p, d in layout.mountpoints.items()} == {
        "/": "onn-root", "/boot": "vda1", "/var": "onn-var"}
    assert layout.mounted("/").mount_options == ("discard",)
    assert layout.mounted("/").source_line == 2
    assert layout.mounted("/var").source_line == 6
    assert layout.mounted("/boot").mount_options == ()
    # used of / comes from the live mount of the root at /mnt/sysroot
    assert layout.mounted("/").used == 3 * GiB


def test_dm_names_double_dashes():
    assert dm_name("my-vg", "var-log") == "my--vg-var--log"
    lsblk, lvs, vgs, pvs, findmnt = lvm_sample()
    fstab = parse_fstab("/dev/onn/var /var xfs defaults 0 0\n")
    assert build_layout(lsblk, lvs, vgs, pvs, findmnt, fstab=fstab).mounted("/var").name \
        == "onn-var"


def test_parse_fstab_unescapes_and_skips_comments():
    mounts = parse_fstab("#c\n\n/dev/sdb1 /srv/my\\040data ext4 ro,noatime 0 2 # note\n")
    assert len(mounts) == 1
    m = mounts[0]
    assert (m.source, m.target, m.fstype, m.options, m.line) == (
        "/dev/sdb1", "/srv/my data", "ext4", ("ro", "noatime"), 3)


def test_efi_and_luks_and_raid_formats():
    lsblk = {"blockdevices": [
        blk("sda", "disk", 100 * GiB, children=[
            blk("sda1", "part", 600 * MiB, "vfat", "EF-1", mountpoint="/boot/efi",
                parttype="C12A7328-F81F-11D2-BA4B-00A0C93EC93B"),
            blk("sda2", "part", 90 * GiB, "linux_raid_member", children=[
                blk("md0", "raid1", 90 * GiB, "crypto_LUKS", children=[
                    blk("luks-1", "crypt", 90 * GiB, "xfs", "u-data", mountpoint="/data",
                        path="/dev/mapper/luks-1")])]),
        ]),
        blk("sdb", "disk", 100 * GiB, children=[
            blk("sdb1", "part", 90 * GiB, "linux_raid_member", children=[
                blk("md0", "raid1", 90 * GiB, "crypto_LUKS", children=[
                    blk("luks-1", "crypt", 90 * GiB, "xfs", "u-data", mountpoint="/data",
                        path="/dev/mapper/luks-1")])])]),
        blk("sr0", "rom", 1024),
    ]}
    findmnt = {"filesystems": [
        {"source": "/dev/sda1", "target": "/boot/efi", "fstype": "vfat", "options": "rw",
         "used": 1, "size": 2},
        {"source": "/dev/mapper/luks-1", "target": "/data", "fstype": "xfs",
         "options": "rw,noatime", "used": 5, "size": 9}]}
    layout = build_layout(lsblk, None, None, None, findmnt)
    assert layout["sda1"].format == "efi"
    assert layout["md0"].kind == L.MDRAID and layout["md0"].parents == ("sda2", "sdb1")
    assert layout["md0"].format == "luks"
    data = layout.mounted("/data")
    assert data.kind == L.LUKS and data.mount_options == ("noatime",)
    assert [d.name for d in layout.disks_under(data)] == ["sda", "sdb"]
    assert layout.get("sr0") is None


def test_read_host_runs_the_tools_and_reads_root_fstab(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "fstab").write_text("/dev/onn/root / xfs discard 0 0\n")
    samples = dict(zip(("lsblk", "lvs", "vgs", "pvs", "findmnt"), lvm_sample()))
    calls = []

    def run(argv):
        calls.append(argv[0])
        return json.dumps(samples[argv[0]]).encode()

    layout = read_host(root=str(tmp_path), run=run)
    assert calls == ["lsblk", "lvs", "vgs", "pvs", "findmnt"]
    assert layout.origin == str(tmp_path / "etc" / "fstab")
    assert list(layout.mountpoints) == ["/"]
    assert layout.mounted("/").source_line == 1


def test_read_host_without_fstab_is_a_precise_error(tmp_path):
    samples = dict(zip(("lsblk", "lvs", "vgs", "pvs", "findmnt"), lvm_sample()))
    with pytest.raises(HostError, match="etc/fstab"):
        read_host(root=str(tmp_path), run=fake_tools(samples))


def test_missing_lvm_tools_are_fine_without_lvm_on_disk():
    lsblk = {"blockdevices": [blk("vda", "disk", GiB, "xfs", mountpoint="/")]}

    def run(argv):
        if argv[0] in ("lvs", "vgs", "pvs"):
            raise HostError("no lvm")
        return as_bytes(lsblk if argv[0] == "lsblk" else {"filesystems": [
            {"source": "/dev/vda", "target": "/", "fstype": "xfs", "options": "rw"}]})

    layout = read_host(run=run)
    assert layout.mounted("/").name == "vda"
    with pytest.raises(HostError, match="no lvm"):  # LVM on the disks: lvs must work
        read_host(run=lambda argv: (_ for _ in ()).throw(HostError("no lvm"))
                  if argv[0] == "lvs" else as_bytes(lvm_sample()[0]))


def test_run_tool_reports_failures_precisely():
    with pytest.raises(HostError, match="cannot run"):
        host.run_tool(["/nonexistent/tool"])
    with pytest.raises(HostError, match="exit 3"):
        host.run_tool(["sh", "-c", "echo bad >&2; exit 3"])
    assert host.run_tool(["echo", '{"a": 1}']) == b'{"a": 1}\n'
    with pytest.raises(HostError, match="echo printed no valid JSON"):
        host.decode_json("echo", host.run_tool(["echo", "{not json"]))


# --- hostile and unusual input (issue 9) ------------------------------------------------
def node_root(tmp_path, fstab):
    (tmp_path / "etc").mkdir(exist_ok=True)
    target = tmp_path / "etc" / "fstab"
    if isinstance(fstab, bytes):
        target.write_bytes(fstab)
    else:
        target.write_text(fstab)
    return str(tmp_path)


def test_tool_output_with_non_utf8_bytes_is_decoded_not_a_crash():
    # util-linux copies bytes that are not UTF-8 (a Latin-1 label, a mount point) into its
    # JSON unchanged. The real runner used to decode stdout strictly: UnicodeDecodeError.
    script = ("printf '{\"filesystems\": [{\"source\": \"/dev/vdb1\", "
              "\"target\": \"/srv/caf\\351\"}]}'")
    raw = host.run_tool(["sh", "-c", script])
    assert raw.endswith(b"\xe9\"}]}")
    mounts = host.parse_findmnt(host.decode_json("findmnt", raw))
    assert mounts[0].target == "/srv/caf\\xe9"  # as util-linux escapes it: printable, no surrogates


def test_latin1_fstab_and_latin1_tool_output_match_each_other(tmp_path):
    lsblk, lvs, vgs, pvs, findmnt = lvm_sample(root_mount="/mnt/sysroot")
    lsblk["blockdevices"][0]["children"][0]["label"] = "B\u00d6\u00d6T"  # placeholder, see below
    raw_lsblk = as_bytes(lsblk).replace(b"B\\u00d6\\u00d6T", b"B\xd6\xd6T")  # Latin-1 bytes
    root = node_root(tmp_path, b"# caf\xe9\n/dev/onn/root / xfs discard 0 0\n"
                               b"LABEL=B\xd6\xd6T /boot ext4 defaults 0 0\n"
                               b"/dev/onn/var /srv/caf\xe9 xfs defaults 0 0\n")
    layout = read_host(root=root, run=fake_tools(dict(zip(
        ("lsblk", "lvs", "vgs", "pvs", "findmnt"), (lsblk, lvs, vgs, pvs, findmnt))),
        lsblk=raw_lsblk))
    assert layout.mounted("/boot").name == "vda1"
    assert layout.mounted("/srv/caf\\xe9").name == "onn-var"
    assert layout.mounted("/boot").source_line == 3


@pytest.mark.parametrize("field,expected", [
    ("/srv/my\\040data", "/srv/my data"),
    ("/srv/tab\\011x", "/srv/tab\\x09x"),          # a TAB: shown escaped, never raw
    ("/srv/nl\\012x", "/srv/nl\\x0ax"),            # a newline
    ("/srv/back\\134slash", "/srv/back\\slash"),
    ("/srv/back\\\\slash", "/srv/back\\slash"),     # getmntent's \\ as well
    ("/srv/\\N{bad}", "/srv/\\N{bad}"),             # not an fstab escape: kept as written
    ("/srv/\\x41\\u0041", "/srv/\\x41\\u0041"),
    ("/srv/caf\u00e9\\040x", "/srv/caf\u00e9 x"),   # UTF-8 text around an escape intact
    ("/srv/a#b", "/srv/a#b"),                       # '#' inside a field is not a comment
])
def test_fstab_escapes_are_decoded_as_getmntent_does(field, expected):
    mounts = parse_fstab("  # comment\n\t/dev/sdb1\t%s  ext4 defaults 0 2 \n" % field)
    assert [(m.source, m.target, m.fstype, m.line) for m in mounts] == [
        ("/dev/sdb1", expected, "ext4", 2)]


def test_fstab_options_and_types_are_unescaped_and_lines_split_only_on_newlines():
    mounts = parse_fstab("/dev/a /x xfs\\040 ro,x-y=\\134\x0c\n\x0b/dev/b /y\n")
    assert (mounts[0].fstype, mounts[0].options) == ("xfs ", ("ro", "x-y=\\\\x0c"))
    assert (mounts[1].source, mounts[1].line) == ("\\x0b/dev/b", 2)


def test_fstab_with_an_overlong_field_is_a_precise_error():
    with pytest.raises(HostError, match=r"fstab:2: .*longer than 4096"):
        parse_fstab("/dev/a / xfs defaults\n/dev/b /%s xfs\n" % ("x" * 5000), origin="fstab")


@pytest.fixture
def no_hang():
    """Fail (instead of hanging the suite) when a read blocks for more than 5 s."""
    import signal

    def alarm(*_):
        raise AssertionError("blocked for more than 5 s")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def odd_fstab(tmp_path, kind):
    etc = tmp_path / "etc"
    etc.mkdir()
    path = etc / "fstab"
    if kind == "fifo":
        os.mkfifo(str(path))
    elif kind == "directory":
        path.mkdir()
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "huge":
        with open(str(path), "wb") as handle:
            handle.truncate(host.MAX_FILE_SIZE + 1)  # sparse: no real disk space
    return str(path)


@pytest.mark.parametrize("kind,why", [
    ("fifo", "not a regular file"), ("directory", "not a regular file"),
    ("device", "not a regular file"), ("huge", "larger than 1 MiB")])
def test_fstab_that_is_not_a_small_regular_file_is_refused(tmp_path, no_hang, kind, why):
    path = odd_fstab(tmp_path, kind)
    samples = dict(zip(("lsblk", "lvs", "vgs", "pvs", "findmnt"), lvm_sample()))
    with pytest.raises(HostError) as info:
        read_host(root=str(tmp_path), run=fake_tools(samples))
    assert str(info.value).startswith("%s: %s" % (path, why))


LSBLK_OK = {"blockdevices": [blk("vda", "disk", GiB, "xfs", mountpoint="/")]}
FINDMNT_OK = {"filesystems": [{"source": "/dev/vda", "target": "/", "fstype": "xfs",
                               "options": "rw", "size": GiB, "used": 1}]}
LVS_OK = lvm_sample()[1]


@pytest.mark.parametrize("tool,data,expected", [
    ("lsblk", [], r"lsblk: .*expected an object"),
    ("lsblk", {}, r'lsblk: .*"blockdevices"'),
    ("lsblk", {"blockdevices": None}, r"lsblk: blockdevices: expected an array"),
    ("lsblk", {"blockdevices": [1]}, r"lsblk: blockdevices\[0\]: expected an object"),
    ("lsblk", {"blockdevices": [{"type": "disk"}]}, r'blockdevices\[0\]: .*"name"'),
    ("lsblk", {"blockdevices": [{"name": 7}]}, r"blockdevices\[0\]\.name: expected a string"),
    ("lsblk", {"blockdevices": [{"name": "a", "size": -1}]}, r"\.size: expected a size"),
    ("lsblk", {"blockdevices": [{"name": "a", "size": "12x"}]}, r"\.size: expected a size"),
    ("lsblk", {"blockdevices": [{"name": "a", "size": 2 ** 70}]}, r"\.size: expected a size"),
    ("lsblk", {"blockdevices": [{"name": "a", "size": True}]}, r"\.size: expected a size"),
    ("lsblk", {"blockdevices": [{"name": "a", "size": 1.5}]}, r"\.size: expected a size"),
    ("lsblk", {"blockdevices": [{"name": "a", "children": {}}]}, r"children: expected an array"),
    ("lsblk", {"blockdevices": [{"name": "a", "fstype": ["x"]}]}, r"fstype: expected a string"),
    ("lvs", {"report": []}, r"lvs: report: expected a non-empty array"),
    ("lvs", {"report": [{}]}, r'lvs: report: .*"lv"'),
    ("lvs", {"report": [{"lv": [{"lv_name": "x"}]}]}, r'lvs: report\[0\]\.lv\[0\]: .*"vg_name"'),
    ("lvs", {"report": [{"lv": [{"vg_name": "onn", "lv_name": "x", "data_percent": "NaN"}]}]},
     r"data_percent: expected a percentage"),
    ("lvs", {"report": [{"lv": [{"vg_name": "onn", "lv_name": "x", "data_percent": "250"}]}]},
     r"data_percent: expected a percentage"),
    ("lvs", {"report": [{"lv": [{"vg_name": "onn", "lv_name": "x", "lv_size": "-4"}]}]},
     r"lv_size: expected a size"),
    ("vgs", {"report": [{"vg": [{"vg_name": None}]}]}, r"vgs: .*vg_name: expected a string"),
    ("pvs", {"report": [{"pv": [{"vg_name": "onn"}]}]}, r'pvs: .*"pv_name"'),
    ("findmnt", {"filesystems": "x"}, r"findmnt: filesystems: expected an array"),
    ("findmnt", {"filesystems": [{"source": "/dev/vda"}]}, r'findmnt: .*"target"'),
    ("findmnt", {"filesystems": [{"target": "/", "used": "lots"}]}, r"used: expected a size"),
    ("findmnt", {"filesystems": [{"target": "/", "options": 3}]}, r"options: expected a string"),
])
def test_tool_output_of_the_wrong_shape_is_a_precise_error(tool, data, expected):
    outputs = {"lsblk": LSBLK_OK, "lvs": LVS_OK, "vgs": lvm_sample()[2], "pvs": lvm_sample()[3],
               "findmnt": FINDMNT_OK}
    outputs[tool] = data
    with pytest.raises(HostError, match=expected):
        build_layout(outputs["lsblk"], outputs["lvs"], outputs["vgs"], outputs["pvs"],
                     outputs["findmnt"])


@pytest.mark.parametrize("raw,expected", [
    (b"", r"lsblk printed nothing"),
    (b"  \n", r"lsblk printed nothing"),
    (b"{not json", r"lsblk printed no valid JSON"),
    (b"\xff\xfe\x00{", r"lsblk printed no valid JSON"),
    (b"[" * 100000 + b"]" * 100000, r"lsblk printed JSON nested too deeply"),
    (b'{"blockdevices": [{"name": "a", "size": ' + b"9" * 5000 + b"}]}",
     r"lsblk printed no valid JSON: .*number"),
    (b'{"blockdevices": [{"name": "a", "size": 1e999}]}', r"lsblk printed no valid JSON"),
    (b'{"blockdevices": [{"name": "a", "size": NaN}]}', r"lsblk printed no valid JSON"),
    (b'{"blockdevices": [{"name": "a", "size": -Infinity}]}', r"lsblk printed no valid JSON"),
])
def test_garbage_from_a_tool_is_a_precise_error(raw, expected):
    with pytest.raises(HostError, match=expected):
        host.layout_from_outputs(raw, None, None, None, as_bytes(FINDMNT_OK))


def test_deeply_nested_devices_are_refused_not_recursed():
    node = {"name": "leaf"}
    for i in range(300):
        node = {"name": "n%d" % i, "children": [node]}
    with pytest.raises(HostError, match="nested more than"):
        build_layout({"blockdevices": [node]}, None, None, None, FINDMNT_OK)


def test_names_from_tools_are_printable_whatever_they_hold():
    lsblk = {"blockdevices": [blk("vda\x1b]0;t\x07", "disk", GiB, "xfs\u202e")]}
    findmnt = {"filesystems": [{"source": "/dev/vda\x1b]0;t\x07", "target": "/\udcff\n",
                                "fstype": "xfs", "options": "rw,\x07"}]}
    layout = build_layout(lsblk, None, None, None, findmnt)
    (dev,) = layout.devices
    assert (dev.name, dev.format, dev.mountpoint, dev.mount_options) == (
        "vda\\x1b]0;t\\x07", "xfs\\u202e", "/\\xff\\x0a", ("\\x07",))


def test_lvm_tools_printing_numbers_or_strings_both_work():
    lsblk, lvs, vgs, pvs, findmnt = lvm_sample()
    for row in lvs["report"][0]["lv"]:  # LVM's json_std format: numbers, not strings
        for key in ("lv_size", "data_percent", "metadata_percent", "lv_metadata_size"):
            row[key] = float(row[key]) if "percent" in key and row[key] else \
                (int(row[key]) if row[key] else None)
    pool = build_layout(lsblk, lvs, vgs, pvs, findmnt)["onn-pool00"]
    assert (pool.size, pool.data_percent, pool.metadata_size) == (40 * GiB, 81.5, GiB)


def test_run_tool_has_a_timeout_and_an_output_limit():
    with pytest.raises(HostError, match=r"sleep did not finish within 0\.3 s"):
        host.run_tool(["sleep", "5"], timeout=0.3)
    with pytest.raises(HostError, match=r"head printed more than 1 MiB"):
        host.run_tool(["head", "-c", "5000000", "/dev/zero"], limit=MiB)
    with pytest.raises(HostError, match=r"killed by signal 9"):
        host.run_tool(["sh", "-c", "kill -9 $$"])
    with pytest.raises(HostError, match=r"exit 3\): 'bad\\x1b\[31m'"):  # stderr quoted safely
        host.run_tool(["sh", "-c", "printf 'bad\\033[31m' >&2; exit 3"])


def test_read_file_refuses_a_path_with_a_nul_cleanly(tmp_path):
    with pytest.raises(HostError, match="cannot read"):
        host.read_file(str(tmp_path) + "/etc\x00/fstab")


def test_mount_targets_are_normalised_and_relative_ones_ignored():
    lsblk = {"blockdevices": [blk("vda", "disk", GiB, children=[
        blk("vda1", "part", GiB, "xfs", "u1"), blk("vda2", "part", GiB, "xfs", "u2"),
        blk("vda3", "part", GiB, "xfs", "u3")])]}
    fstab = parse_fstab("UUID=u1 //var/ xfs defaults\nUUID=U2 /srv/../home xfs defaults\n"
                        "UUID=u3 relative xfs defaults\n")
    layout = build_layout(lsblk, None, None, None, FINDMNT_OK, fstab=fstab)
    assert {p: d[0].name for p, d in layout.mountpoints.items()} == {"/var": "vda1",
                                                                      "/home": "vda2"}
