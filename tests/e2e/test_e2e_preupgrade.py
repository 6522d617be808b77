# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end: `verify --pre-upgrade` on real LVM thin layouts in a qemu guest (one boot).

Four hosts, each a disk laid out as ``imgbase layout --init`` leaves an oVirt Node: a
``/boot`` partition with the current layer's kernel files in ``/boot/<layer>/``, a VG tagged
``imgbased:vg`` with a thin pool tagged ``imgbased:pool`` carrying the ``imgbased-pool`` LVM
profile (autoextend threshold 70 %), ``/`` on the layer LV ``ovirt-node-ng-...+1`` tagged
``imgbased:layer``. Each is mounted under /run/<vg> with its etc/fstab and judged with
``verify --root /run/<vg> --pre-upgrade`` from the real lsblk, lvs, vgs, pvs, findmnt and
lvmconfig. imgbased allows one tagged VG per machine, so each host's LVM configuration (its
own ``LVM_SYSTEM_DIR``, a ``global_filter``) sees only its own disk, as on separate machines.

  /dev/vda 40 GiB  onn   compliant: every volume (formatted, mounted), 1 GiB metadata, VG
                         space left -> passes; with --image-size 30GiB no room for it (ONN208)
  /dev/vdb 24 GiB  onnb  only / and /var: the 12 GiB pool cannot take the 32 GiB of volumes
                         imgbased would create (ONN206; ONN205 for each)
  /dev/vdc 24 GiB  onnc  the pool takes the whole VG with 16 MiB of metadata: no VG space for
                         the 1 GiB imgbased grows it to (ONN207); minimal (.skip-volumes)
  /dev/vdd 48 GiB  onnd  no separate /var (ONN204); minimal (.skip-volumes)
"""
import json

import pytest

from e2e import guest
from e2e.conftest import CLI, Boot

GiB = 1024 ** 3
LAYER = "ovirt-node-ng-4.5.4-0.20221206.0+1"
DISKS = (("a", 40 * GiB), ("b", 24 * GiB), ("c", 24 * GiB), ("d", 48 * GiB))
ALL = (("var", 5, "/var"), ("var_crash", 10, "/var/crash"), ("var_log", 8, "/var/log"),
       ("var_log_audit", 2, "/var/log/audit"), ("var_tmp", 10, "/var/tmp"),
       ("home", 1, "/home"), ("tmp", 1, "/tmp"))


def vols(*leave_out):
    return " ".join("%s:%d:%s" % v for v in ALL if v[2] not in leave_out)


SCRIPT = r"""
ONL="%(cli)s"
LAYER="%(layer)s"
export LVM_SUPPRESS_FD_WARNINGS=1
cd /run

# host_lvm VG PV: an LVM configuration that sees only PV, as if each disk were a machine of
# its own (imgbased allows one VG tagged imgbased:vg per machine), with imgbased's profile for
# its pool (imgbased data/imgbased-pool.profile).
host_lvm() {
    mkdir -p /run/lvm-$1/profile
    echo "devices { global_filter = [ \"a|^$2\$|\", \"r|.*|\" ] }" >/run/lvm-$1/lvm.conf
    {
        echo "activation {"
        echo "    thin_pool_autoextend_threshold = 70"
        echo "    thin_pool_autoextend_percent = 20"
        echo "}"
    } >/run/lvm-$1/profile/imgbased-pool.profile
}

# build DISK VG POOL(size|all) METADATA "name:GiB:mountpoint ..." FORMAT_ALL(0|1) SKIP(0|1):
# the layout `imgbase layout --init` leaves, with imgbased's tags, mounted under /run/VG.
build() (
    set -e
    disk=$1 vg=$2 pool=$3 meta=$4 vols=$5 all=$6 skip=$7
    host_lvm $vg ${disk}2
    export LVM_SYSTEM_DIR=/run/lvm-$vg
    parted -s $disk mklabel gpt mkpart boot xfs 1MiB 1025MiB mkpart pv 1025MiB 100%%
    udevadm settle
    mkfs.xfs -q -f ${disk}1
    pvcreate -q -y ${disk}2
    vgcreate -q --addtag imgbased:vg $vg ${disk}2
    if [ "$pool" = all ]; then size="-l 100%%FREE"; else size="-L $pool"; fi
    lvcreate -q -y --type thin-pool $size --poolmetadatasize $meta -n pool00 \
        --metadataprofile imgbased-pool --addtag imgbased:pool $vg
    lvcreate -q -y -V 6G -T $vg/pool00 -n "$LAYER" --addtag imgbased:layer
    for spec in $vols; do
        lvcreate -q -y -V "$(echo $spec | cut -d: -f2)G" -T $vg/pool00 -n "${spec%%%%:*}"
    done
    udevadm settle
    r=/run/$vg
    mkfs.xfs -q "/dev/$vg/$LAYER"
    mkdir -p $r && mount -o discard "/dev/$vg/$LAYER" $r
    mkdir -p $r/etc $r/boot && mount ${disk}1 $r/boot
    # The current layer's kernel files (bootsetup.py copies them to /boot/<layer>/).
    mkdir -p "$r/boot/$LAYER"
    head -c 10485760 /dev/urandom >"$r/boot/$LAYER/vmlinuz-4.18.0-425.el8.x86_64"
    head -c 36700160 /dev/urandom >"$r/boot/$LAYER/initramfs-4.18.0-425.el8.x86_64.img"
    cp "$r/boot/$LAYER/vmlinuz-4.18.0-425.el8.x86_64" $r/boot/
    echo "host-$vg" >$r/etc/hostname
    if [ "$skip" = 1 ]; then mkdir -p $r/var/imgbased && touch $r/var/imgbased/.skip-volumes; fi
    {
        echo "/dev/$vg/$LAYER / xfs defaults,discard 0 0"
        echo "UUID=$(blkid -s UUID -o value ${disk}1) /boot xfs defaults 0 0"
        for spec in $vols; do
            echo "/dev/mapper/$vg-${spec%%%%:*} ${spec##*:} xfs defaults,discard 0 0"
        done
    } >$r/etc/fstab
    if [ "$all" = 1 ]; then
        for spec in $vols; do
            mkfs.xfs -q "/dev/$vg/${spec%%%%:*}"
            mkdir -p "$r${spec##*:}" && mount -o discard "/dev/$vg/${spec%%%%:*}" "$r${spec##*:}"
        done
    fi
    cat $r/etc/fstab
    lvs --noheadings -o lv_name,lv_size,lv_tags,lv_profile,data_percent,lv_metadata_size $vg
    vgs --noheadings -o vg_name,vg_size,vg_free,vg_tags $vg
)
# gate VG [verify options]: the check as that host runs it (its LVM sees its own disk).
gate() {
    vg=$1; shift
    LVM_SYSTEM_DIR=/run/lvm-$vg $ONL verify --root /run/$vg --pre-upgrade "$@"
}
step a_build build /dev/vda onn 24G 1G "%(vols_all)s" 1 0
step b_build build /dev/vdb onnb 12G 1G "%(vols_b)s" 0 0
step c_build build /dev/vdc onnc all 16M "%(vols_c)s" 0 1
step d_build build /dev/vdd onnd 30G 1G "" 0 1
step lvmconfig env LVM_SYSTEM_DIR=/run/lvm-onn lvmconfig --metadataprofile imgbased-pool \
    --type full activation/thin_pool_autoextend_threshold
step a_gate gate onn --format json
step a_image gate onn --image-size 30GiB --format json
step b_gate gate onnb --format json
step b_gate_text gate onnb
step c_gate gate onnc --format json
step d_gate gate onnd --format json
step tags vgs --noheadings -o vg_name,vg_tags
"""


def guest_script():
    return SCRIPT % {"cli": CLI, "layer": LAYER, "vols_all": vols(),
                     "vols_b": vols(*[p for _, _, p in ALL if p != "/var"]),
                     "vols_c": vols(*[p for _, _, p in ALL if p != "/var"])}


@pytest.fixture(scope="module")
def boot(guest_ready, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("guest-preupgrade")
    images = [guest.sparse_image(str(workdir / ("%s.img" % key)), size) for key, size in DISKS]
    result = guest.run_guest(guest_script(), images, str(workdir), timeout=1800)
    print("e2e pre-upgrade guest: %.1f s from qemu start to power-off" % result.elapsed)
    return Boot(result, str(workdir))


def report(boot, step, rc):
    """The host's report of *step*: the one result of verify's JSON envelope (docs/json.md)."""
    return json.loads(boot.step(step, rc=rc))["results"][0]


def errors(data):
    return sorted((f["code"], f["mountpoint"]) for f in data["findings"]
                  if f["severity"] == "error")


def finding(data, code):
    return [f for f in data["findings"] if f["code"] == code][0]


def test_guest_layouts_are_real_thin_pools_with_imgbased_profile(boot):
    for name in ("a_build", "b_build", "c_build", "d_build"):
        assert "imgbased:vg" in boot.step(name)
    assert "imgbased:layer" in boot.step("a_build") and "imgbased-pool" in boot.step("a_build")
    assert boot.step("lvmconfig").strip() == "thin_pool_autoextend_threshold=70"
    # Seen together, the four hosts' VGs would be four tagged VGs: why each sees its own disk.
    tags = dict(line.split() for line in boot.step("tags").splitlines() if line.strip())
    assert tags == {vg: "imgbased:vg" for vg in ("onn", "onnb", "onnc", "onnd")}


def test_a_compliant_host_passes(boot):
    data = report(boot, "a_gate", 0)
    assert data["counts"] == {"error": 0, "warning": 0, "info": 0}, data["findings"]
    assert data["host"] == "host-onn" and data["mode"] == "pre-upgrade"
    pre = data["pre_upgrade"]
    # Facts from the real tools: lvmconfig with the pool's profile, /boot free space, the
    # layer's kernel files, the pool's figures.
    assert pre["threshold"] == 70 and pre["volume_set"] == "default"
    assert pre["kernel_source"] == "/boot/" + LAYER
    assert pre["kernel_set"] == 2 * 10485760 + 36700160
    assert pre["boot_avail"] > 500 * 1024 ** 2
    budget = pre["budget"]
    assert budget["volumes"] == [] and budget["metadata_need"] == 0
    assert budget["pool_size"] == 24 * GiB and 0 < budget["image"] < GiB
    assert budget["vg_free"] > 10 * GiB


def test_a_image_larger_than_the_pool_room_fails(boot):
    data = report(boot, "a_image", 1)
    assert errors(data) == [("ONN208", "/")]
    f = finding(data, "ONN208")
    assert "about 30 GiB (--image-size)" in f["message"] and "lvextend -L +" in f["hint"]


def test_b_pool_cannot_take_the_volumes_imgbased_would_create(boot):
    data = report(boot, "b_gate", 1)
    assert errors(data) == [("ONN206", None)]
    f = finding(data, "ONN206")
    assert ": 32 GiB of thin LVs, but onnb/pool00 has only " in f["message"]
    assert "/var/crash (10 GiB)" in f["message"] and "lvextend -L +" in f["hint"]
    notes = sorted(x["mountpoint"] for x in data["findings"] if x["code"] == "ONN205")
    assert notes == sorted(p for _, _, p in ALL if p != "/var")
    text = boot.step("b_gate_text", rc=1)
    assert "error: ONN206" in text and "pre-upgrade: FAIL, fix 1 error(s)" in text
    print(text)  # the figures of docs/fleet.md's example


def test_c_no_vg_space_for_the_metadata(boot):
    data = report(boot, "c_gate", 1)
    assert errors(data) == [("ONN207", None)]
    f = finding(data, "ONN207")
    assert "The metadata of onnc/pool00 is 16 MiB" in f["message"]
    assert "vgextend onnc" in f["hint"]
    assert "lvextend --poolmetadatasize +1008m onnc/pool00" in f["hint"]
    assert data["pre_upgrade"]["budget"]["vg_free"] < 1008 * 1024 ** 2
    assert data["pre_upgrade"]["volume_set"] == ".skip-volumes"


def test_d_var_not_separate(boot):
    data = report(boot, "d_gate", 1)
    assert errors(data) == [("ONN204", "/var")]
    # A minimal host (.skip-volumes): imgbased's /var is 8G there.
    assert "lvcreate --thin --virtualsize 8G --name var onnd/pool00" in \
        finding(data, "ONN204")["hint"]
