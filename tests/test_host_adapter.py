"""The live-host adapter on hand-written samples of lsblk/lvs/vgs/pvs/findmnt JSON (modeled on
what util-linux 2.38 and LVM 2.03 print, as seen in the qemu guest) and a fake root."""
import json

import pytest

from org_ovirt_node import layout as L
from org_ovirt_node.adapters import host
from org_ovirt_node.adapters.host import HostError, build_layout, dm_name, parse_fstab, read_host

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
    layout = build_layout(lsblk, {}, {}, {}, findmnt)
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
        return json.loads(json.dumps(samples[argv[0]]))

    layout = read_host(root=str(tmp_path), run=run)
    assert calls == ["lsblk", "lvs", "vgs", "pvs", "findmnt"]
    assert layout.origin == str(tmp_path / "etc" / "fstab")
    assert list(layout.mountpoints) == ["/"]
    assert layout.mounted("/").source_line == 1


def test_read_host_without_fstab_is_a_precise_error(tmp_path):
    samples = dict(zip(("lsblk", "lvs", "vgs", "pvs", "findmnt"), lvm_sample()))
    with pytest.raises(HostError, match="etc/fstab"):
        read_host(root=str(tmp_path), run=lambda argv: samples[argv[0]])


def test_missing_lvm_tools_are_fine_without_lvm_on_disk():
    lsblk = {"blockdevices": [blk("vda", "disk", GiB, "xfs", mountpoint="/")]}

    def run(argv):
        if argv[0] in ("lvs", "vgs", "pvs"):
            raise HostError("no lvm")
        return lsblk if argv[0] == "lsblk" else {"filesystems": [
            {"source": "/dev/vda", "target": "/", "fstype": "xfs", "options": "rw"}]}

    layout = read_host(run=run)
    assert layout.mounted("/").name == "vda"
    with pytest.raises(HostError):
        read_host(run=lambda argv: (_ for _ in ()).throw(HostError("x"))
                  if argv[0] == "lvs" else lvm_sample()[0])


def test_run_tool_reports_failures_precisely():
    with pytest.raises(HostError, match="cannot run"):
        host.run_tool(["/nonexistent/tool"])
    with pytest.raises(HostError, match="exit 3"):
        host.run_tool(["sh", "-c", "echo bad >&2; exit 3"])
    with pytest.raises(HostError, match="no valid JSON"):
        host.run_tool(["echo", "{not json"])
    assert host.run_tool(["echo", '{"a": 1}']) == {"a": 1}
