# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end scenarios in a real kernel: one qemu guest boot, four disks, four scenarios.

  /dev/vda  64 GiB empty        (a) apply --yes with the default profile, then verify
  /dev/vdb  80 GiB, 1 partition (b) a file on an existing partition survives apply
  /dev/vdc  20 GiB empty        (c) too small: apply refuses, the image is byte-identical
  /dev/vdd  64 GiB              (d) hand-made broken layout: verify finds exactly its errors
  /dev/vde  64 GiB empty        (f) never named: an image file called ./vde is applied
  /dev/vdf  16 GiB              ext4 holding the image files of (e) and (f)

(e) ``apply --disk IMAGE --yes`` on a sparse image file in the guest goes through a loop
device apply attaches and detaches itself (``losetup -a`` is empty afterwards); the test then
attaches the image itself and reads its layout with lsblk/lvs. (f) applies a file named like
a guest disk (``./vde``): the real /dev/vde must be byte-identical after the boot.

Before them, ``plan --disks=auto`` and ``plan --disk /dev/vdc`` discover the real block
devices read-only (blivet's scan), which only a kernel with disks can show.

Shell functions run in subshells (``f() ( set -e; ... )``) so one failing scenario cannot
stop the others. Booting once keeps the whole run near two minutes under TCG. Scenario (c)
runs first, so no other scenario's LVM activity can be mistaken for a write to its disk.
For (a) the guest mounts what apply created under /run/target as the fstab apply wrote
says, copies that fstab to /run/target/etc/fstab and runs ``verify --root /run/target``:
mount points and options come from the fstab, devices and pool figures from lsblk/lvs.
"""
import json

import pytest

from e2e import guest
from e2e.conftest import CLI, Boot

GiB = 1024 ** 3
DISKS = (("a", 64 * GiB), ("b", 80 * GiB), ("c", 20 * GiB), ("d", 64 * GiB), ("e", 64 * GiB),
         ("f", 16 * GiB))
UNTOUCHED = ("c", "e")  # disks whose images must be byte-identical after the boot
THIN_SIZES = (("var_tmp", "/var/tmp", 10), ("var_crash", "/var/crash", 10),
              ("var_log", "/var/log", 8), ("var_log_audit", "/var/log/audit", 2),
              ("home", "/home", 1), ("tmp", "/tmp", 1))

SCRIPT = r"""
ONL="%(cli)s"
LVS_JSON="lvs --reportformat json --units b --nosuffix -o vg_name,lv_name,lv_size,segtype,pool_lv"
cd /run
step uname uname -r

# --- read-only discovery for plan, first of all (the digest of vdc spans it too) -------
step p_auto $ONL plan --disks=auto --format kickstart
step p_auto_all $ONL plan --disks=auto --max-disks all --format kickstart
step p_path $ONL plan --disk /dev/vdc

# --- (c) too small: refused before anything is written --------------------------------
step c_apply $ONL apply --disk /dev/vdc --yes

# --- (b) data preservation ------------------------------------------------------------
b_prepare() {
    parted -s /dev/vdb mklabel gpt mkpart keep ext4 1MiB 4GiB && udevadm settle &&
    mkfs.ext4 -q -L keep /dev/vdb1 && mkdir -p /run/b && mount /dev/vdb1 /run/b &&
    head -c 8388608 /dev/urandom >/run/b/payload && sync &&
    (cd /run/b && sha256sum payload) && umount /run/b
}
step b_prepare b_prepare
b_busy() {
    mount -o ro /dev/vdb1 /run/b && $ONL apply --disk /dev/vdb --yes; rc=$?; umount /run/b
    return $rc
}
step b_busy b_busy
step b_table_before sfdisk --dump /dev/vdb
step b_apply $ONL apply --disk /dev/vdb --yes --vg-name onnb
udevadm settle
step b_table_after sfdisk --dump /dev/vdb
b_check() {
    mount -o ro /dev/vdb1 /run/b && (cd /run/b && sha256sum payload); rc=$?; umount /run/b
    return $rc
}
step b_check b_check
step b_lsblk lsblk --json --bytes -o NAME,TYPE,FSTYPE,LABEL /dev/vdb

# --- (a) empty 64 GiB disk, default profile -------------------------------------------
step a_apply $ONL apply --disk /dev/vda --yes --fstab /run/a-fstab
udevadm settle
a_mount() (
    set -e
    root=$(awk '$2 == "/" {print $1}' /run/a-fstab)
    mkdir -p /run/target
    mount -o "$(awk '$2 == "/" {print $4}' /run/a-fstab)" "$root" /run/target
    mkdir -p /run/target/etc
    cp /run/a-fstab /run/target/etc/fstab
    awk '$2 != "/" && $3 != "swap" {print $1, $2, $4}' /run/a-fstab |
    while read src mp opts; do
        mkdir -p "/run/target$mp"
        mount -o "$opts" "$src" "/run/target$mp"
    done
    cat /run/target/etc/fstab
)
step a_mount a_mount
step a_verify $ONL verify --root /run/target --format json
step a_verify_text $ONL verify --root /run/target
step a_lvs $LVS_JSON onn
step a_lsblk lsblk --json --bytes -o NAME,TYPE,FSTYPE,MOUNTPOINT /dev/vda
step a_findmnt findmnt --json --list -o SOURCE,TARGET,FSTYPE,OPTIONS

# --- (d) hand-made broken layout: thick /, no /var --------------------------------------
d_build() (
    set -e
    parted -s /dev/vdd mklabel gpt mkpart boot ext4 1MiB 1025MiB mkpart pv 1025MiB 100%%
    udevadm settle
    mkfs.ext4 -q -L dboot /dev/vdd1
    pvcreate -q -y /dev/vdd2
    vgcreate -q brk /dev/vdd2
    lvcreate -q -y --type thin-pool -L 40G -n pool00 brk
    lvcreate -q -y -L 8G -n root brk
    lvcreate -q -y -L 1G -n swap brk
    for spec in %(thin)s; do
        lvcreate -q -y -V "${spec#*:}G" -T brk/pool00 -n "${spec%%:*}"
    done
    udevadm settle
    for lv in root %(thin_names)s; do mkfs.xfs -q "/dev/brk/$lv"; done
    mkswap -q /dev/brk/swap
    mkdir -p /run/broken
    mount -o discard /dev/brk/root /run/broken
    mkdir -p /run/broken/etc
    {
        echo "# hand-made: / is a thick LV, /var is not separate"
        echo "/dev/brk/root / xfs defaults,discard 0 0"
        echo "LABEL=dboot /boot ext4 defaults 1 2"
        for spec in %(thin_mounts)s; do
            uuid=$(blkid -s UUID -o value "/dev/brk/${spec%%:*}")
            echo "UUID=$uuid ${spec#*:} xfs defaults,discard 0 0"
        done
        echo "/dev/mapper/brk-swap none swap defaults 0 0"
    } >/run/broken/etc/fstab
    cat /run/broken/etc/fstab
)
step d_build d_build
step d_lvs $LVS_JSON -o +data_percent,metadata_percent brk
step d_verify $ONL verify --root /run/broken --format json
step d_verify_text $ONL verify --root /run/broken

# --- (e) an image file, through a loop device apply attaches and detaches -----------------
e_prepare() (
    set -e
    modprobe loop
    mkfs.ext4 -q -F /dev/vdf
    mkdir -p /run/img
    mount /dev/vdf /run/img
    truncate -s 64G /run/img/node.img /run/img/vde
)
step e_prepare e_prepare
step e_apply $ONL apply --disk /run/img/node.img --yes --vg-name onni --fstab /run/e-fstab
step e_loops losetup --list --noheadings
e_attach() (
    set -e
    loop=$(losetup --find --show --partscan /run/img/node.img)
    udevadm settle
    vgchange -ay onni >&2
    udevadm settle
    lsblk --json --bytes -o NAME,TYPE,FSTYPE "$loop"
)
step e_attach e_attach
step e_lvs $LVS_JSON onni
e_detach() (
    set -e
    vgchange -an onni >&2
    udevadm settle
    losetup --list --noheadings --output NAME --associated /run/img/node.img |
    while read loop; do losetup --detach "$loop"; done
    udevadm settle
    losetup --list --noheadings
)
step e_detach e_detach

# --- (f) a file named like a guest disk is the file: /dev/vde is never touched ----------
f_apply() ( cd /run/img && $ONL apply --disk ./vde --yes --vg-name onnv )
step f_apply f_apply
step f_loops losetup --list --noheadings
step f_blkid blkid -p -o value -s PTTYPE /run/img/vde
step f_vgs vgs --noheadings -o vg_name,pv_name
sync
umount /run/img
"""


def guest_script():
    return SCRIPT % {
        "cli": CLI,
        "thin": " ".join("%s:%d" % (name, size) for name, _, size in THIN_SIZES),
        "thin_names": " ".join(name for name, _, _ in THIN_SIZES),
        "thin_mounts": " ".join("%s:%s" % (name, mp) for name, mp, _ in THIN_SIZES),
    }


@pytest.fixture(scope="module")
def boot(guest_ready, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("guest")
    images = {key: guest.sparse_image(str(workdir / ("%s.img" % key)), size)
              for key, size in DISKS}
    before = {key: guest.content_digest(images[key]) for key in UNTOUCHED}
    # Under TCG every CLI call costs a Python start and a blivet import: on a loaded host
    # the whole script needs far more than the 3 minutes it takes on an idle one.
    result = guest.run_guest(guest_script(), [images[k] for k, _ in DISKS], str(workdir),
                             timeout=2400)
    print("e2e guest: %.1f s from qemu start to power-off" % result.elapsed)
    b = Boot(result, str(workdir))
    b.digests = (before["c"], guest.content_digest(images["c"]))
    b.untouched = {key: (before[key], guest.content_digest(images[key])) for key in UNTOUCHED}
    return b


def lv_rows(text):
    return json.loads(text)["report"][0]["lv"]


def test_harness_runs_commands_and_lvm_thin_pools(boot):
    assert boot.step("uname").strip()
    rows = lv_rows(boot.step("d_lvs"))
    pool = [r for r in rows if r["lv_name"] == "pool00"]
    assert pool and pool[0]["segtype"] == "thin-pool"
    assert float(pool[0]["data_percent"]) >= 0.0  # a live pool reports its use


def test_a_apply_default_profile_then_verify_is_clean(boot):
    boot.step("a_apply")
    fstab = boot.step("a_mount")
    report = json.loads(boot.step("a_verify"))["results"][0]  # the envelope's (docs/json.md)
    assert report["counts"]["error"] == 0, boot.step("a_verify_text")
    assert report["profile"] == "ovirt-node"
    devices = {d["name"]: d for d in report["layout"]["devices"]}
    mounted = {d["mountpoint"]: d for d in devices.values() if d.get("mountpoint")}
    thin_points = ["/", "/var", "/var/tmp", "/var/crash", "/var/log", "/var/log/audit",
                   "/home", "/tmp"]
    for point in thin_points:
        dev = mounted[point]
        assert dev["kind"] == "thinlv" and dev["format"] == "xfs", dev
        assert "discard" in dev["mount_options"], dev
        assert dev["parents"] == mounted["/"]["parents"]  # one pool for all
    assert mounted["/boot"]["kind"] == "partition"
    # lvs: every thin LV in pool00 of VG onn; swap a plain LV.
    rows = lv_rows(boot.step("a_lvs"))
    thin = [r for r in rows if r["segtype"] == "thin"]
    assert len(thin) == len(thin_points)
    assert {r["pool_lv"] for r in thin} == {"pool00"}
    assert [r["segtype"] for r in rows if r["lv_name"] == "pool00"] == ["thin-pool"]
    # lsblk: xfs on every thin LV; the fstab records discard for each of them.
    lsblk = json.dumps(json.loads(boot.step("a_lsblk")))
    assert lsblk.count('"fstype": "xfs"') >= len(thin_points)
    for point in thin_points:
        line = [ln for ln in fstab.splitlines() if ln.split()[1:2] == [point]][0]
        assert "discard" in line.split()[3]
    # What the health rules need from a live host is there: pool use, data on /.
    pool = devices[mounted["/"]["parents"][0]]
    assert pool["kind"] == "thinpool" and pool["metadata_size"] > 0
    assert 0 <= pool["data_percent"] < 80 and 0 <= pool["metadata_percent"] < 80
    assert mounted["/"]["used"] > 0
    live = json.loads(boot.step("a_findmnt"))["filesystems"]
    targets = {fs["target"]: fs for fs in live if fs["target"].startswith("/run/target")}
    assert "discard" in targets["/run/target/var/log"]["options"]


def test_b_existing_partition_and_file_survive(boot):
    checksum = boot.step("b_prepare").split()[0]
    # While its partition is mounted the disk is refused outright.
    assert boot.rc("b_busy") == 1
    assert "vdb1 is mounted on /run/b" in boot.err("b_busy")
    boot.step("b_apply")
    assert boot.step("b_check").split()[0] == checksum

    def first_partition(dump):
        return [ln for ln in dump.splitlines() if ln.startswith("/dev/vdb1")][0]

    before, after = boot.step("b_table_before"), boot.step("b_table_after")
    assert first_partition(after) == first_partition(before)
    assert "/dev/vdb2" in after  # apply did add its layout beside it
    assert '"label": "keep"' in boot.step("b_lsblk").replace('":"', '": "')


def test_c_too_small_disk_is_refused_untouched(boot):
    assert boot.rc("c_apply") == 1
    err = boot.err("c_apply")
    assert "ovirt-node-layout: apply:" in err and "Traceback" not in err, err
    assert "20 GiB" in err or "64 GiB" in err, err  # says what is too small
    # Compared over the whole boot: the applies on vda and vdb did not touch it either.
    before, after = boot.digests
    assert before == after, boot.failure("the 20 GiB image changed")


def test_d_broken_layout_reports_exactly_its_errors(boot):
    boot.step("d_build")
    report = json.loads(boot.step("d_verify", rc=1))["results"][0]
    errors = sorted((f["code"], f["mountpoint"]) for f in report["findings"]
                    if f["severity"] == "error")
    assert errors == [("ONN001", "/"), ("ONN002", "/var")], boot.step("d_verify_text", rc=1)
    root = [d for d in report["layout"]["devices"] if d.get("mountpoint") == "/"][0]
    assert root["kind"] == "lv" and root["source_line"] == 2


def test_plan_discovers_real_disks_read_only(boot):
    from pykickstart.parser import KickstartParser
    from pykickstart.version import RHEL9, makeVersion

    def parsed(step):
        handler = makeVersion(RHEL9)
        KickstartParser(handler).readKickstartFromString(boot.step(step))
        return handler

    # By default one disk: the smallest that holds the profile (64 GiB; vda first by name),
    # never the 20 and 16 GiB ones, which are listed as skipped with their reason.
    assert parsed("p_auto").ignoredisk.onlyuse == ["vda"]
    assert "vdc" in boot.err("p_auto") and "vdf" in boot.err("p_auto")
    handler = parsed("p_auto_all")
    # --max-disks all: every empty virtio disk is found and used (vdg is the harness's
    # results disk, still empty at that point); the 9p root and anything else are not disks.
    disks = ["vda", "vdb", "vdc", "vdd", "vde", "vdf", "vdg"]
    assert sorted(handler.ignoredisk.onlyuse) == disks
    assert {p.disk for p in handler.partition.partitions if p.disk} <= set(disks)
    pools = [lv for lv in handler.logvol.lvList if lv.thin_pool]
    assert len(pools) == 1
    assert {lv.pool_name for lv in handler.logvol.lvList if lv.thin_volume} == {pools[0].name}
    # A named block device below the profile's total is refused with the figures.
    assert boot.rc("p_path") == 1
    assert "20 GiB, below the minimum of 64 GiB" in boot.err("p_path")


def test_e_apply_on_an_image_file_through_a_loop_device_it_detaches(boot):
    boot.step("e_prepare")
    out = boot.step("e_apply")
    assert "/run/img/node.img is attached to /dev/loop" in out and "action(s) done" in out
    assert "Traceback" not in boot.err("e_apply")
    assert boot.step("e_loops").strip() == "", "apply left a loop device attached"
    # The image, attached again by the test: /boot and the PV on its partitions, xfs on
    # every thin LV of pool00 in VG onni.
    tree = json.loads(boot.step("e_attach"))["blockdevices"][0]
    parts = [p for p in tree.get("children", []) if p["type"] == "part"]
    fstypes = [p["fstype"] for p in parts if p["fstype"]]  # a biosboot partition has none
    assert fstypes == ["xfs", "LVM2_member"], tree

    def below(node):
        for child in node.get("children", []):
            yield child
            yield from below(child)
    lvs = {n["name"]: n["fstype"] for n in below(tree) if n["type"] == "lvm"}
    thin_names = ["onni-root", "onni-var"] + ["onni-" + n for n, _, _ in THIN_SIZES]
    assert {lvs.get(name) for name in thin_names} == {"xfs"}, lvs
    assert lvs.get("onni-swap") == "swap", lvs
    rows = lv_rows(boot.step("e_lvs"))
    thin = [r for r in rows if r["segtype"] == "thin"]
    assert len(thin) == 8 and {r["pool_lv"] for r in thin} == {"pool00"}
    assert {r["vg_name"] for r in rows} == {"onni"}
    assert boot.step("e_detach").strip() == ""


def test_f_a_file_named_like_a_disk_is_the_file_and_the_disk_is_untouched(boot):
    out = boot.step("f_apply")
    assert "/run/img/vde (image file)" in out and "action(s) done" in out
    assert "/dev/vde" not in out.replace("/run/img/vde", "")
    assert boot.step("f_loops").strip() == ""
    assert boot.step("f_blkid").strip() in ("gpt", "dos")  # the file got the layout
    pvs = boot.step("f_vgs")
    assert "/dev/vde" not in pvs and "onnv" not in pvs  # inactive, on no guest disk
    before, after = boot.untouched["e"]
    assert before == after, boot.failure("/dev/vde changed: apply wrote the disk, not the file")
