# SPDX-License-Identifier: GPL-2.0-or-later
"""``plan --disks=auto`` on heterogeneous hardware (issue 13, item 1), on fake /sys, /proc
and /dev trees whose disks are sparse image files (never a disk of this machine): never a
disk in use (mounted, swap, held by device-mapper or MD), nor the running system's, nor a
removable, read-only or virtual one; the skipped disks listed with why; by default the one
smallest disk that holds the profile; --max-disks, --min-disk-size, --disk-match."""
import json
import os
import subprocess
import sys

import pytest

from org_ovirt_node.planning.discovery import kernel_disks, select_disks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, ".venv", "bin", "ovirt-node-layout")
if not os.path.exists(CLI):
    CLI = os.path.join(os.path.dirname(sys.executable), "ovirt-node-layout")
GiB = 1 << 30
NEEDED = 64 * GiB   # the default profile's disk.min_total


def fake_machine(root, disks, mountinfo="", swaps="", links=()):
    """A /sys, /proc and /dev tree under *root*. *disks*: name -> dict(size in GiB,
    removable, ro, kind (a sysfs sub-folder: dm, md, loop), parts [(name, MAJ:MIN)],
    holders [names], dev MAJ:MIN). Each disk with a size is a sparse image at dev/NAME."""
    for number, (name, disk) in enumerate(sorted(disks.items())):
        base = os.path.join(root, "sys", "block", name)
        os.makedirs(os.path.join(base, "holders"))
        files = {"size": disk.get("size", 0) * GiB // 512, "removable": disk.get("removable", 0),
                 "ro": disk.get("ro", 0), "dev": disk.get("dev", "8:%d" % (16 * number))}
        for key, value in files.items():
            with open(os.path.join(base, key), "w") as handle:
                handle.write("%s\n" % value)
        if disk.get("kind"):
            os.makedirs(os.path.join(base, disk["kind"]))
        for holder in disk.get("holders", ()):
            os.makedirs(os.path.join(base, "holders", holder))
        for part, devnum in disk.get("parts", ()):
            os.makedirs(os.path.join(base, part, "holders"))
            for key, value in (("partition", "1"), ("dev", devnum)):
                with open(os.path.join(base, part, key), "w") as handle:
                    handle.write(value + "\n")
            for holder in disk.get("part_holders", {}).get(part, ()):
                os.makedirs(os.path.join(base, part, "holders", holder))
        if disk.get("size") and not disk.get("kind"):
            os.makedirs(os.path.join(root, "dev"), exist_ok=True)
            with open(os.path.join(root, "dev", name), "wb") as handle:
                handle.truncate(disk["size"] * GiB)
    os.makedirs(os.path.join(root, "proc", "self"))
    for path, text in (("self/mountinfo", mountinfo), ("mounts", ""),
                       ("swaps", "Filename Type Size Used Priority\n" + swaps)):
        with open(os.path.join(root, "proc", path), "w") as handle:
            handle.write(text)
    for link, target in links:
        path = os.path.join(root, "dev", "disk", link)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.symlink("../../" + target, path)
    return str(root)


# The PXE host of the issue, in small: the system disk (/ on an LV of sda2), data disks of
# several sizes, one held by device-mapper, one in an MD array, one swap, a USB stick, a
# read-only disk, a DVD drive, a loop device, the dm and md devices themselves.
MACHINE = dict(
    disks={
        "sda": dict(size=120, parts=[("sda1", "8:1"), ("sda2", "8:2")],
                    part_holders={"sda2": ["dm-0"]}),
        "sdb": dict(size=80), "sdc": dict(size=200), "sdd": dict(size=100, holders=["dm-1"]),
        "sde": dict(size=64, removable=1), "sdf": dict(size=70, ro=1), "sdg": dict(size=8),
        "sdh": dict(size=90), "sdi": dict(size=66, parts=[("sdi1", "8:129")],
                                          part_holders={"sdi1": ["md127"]}),
        "sr0": dict(size=0), "loop0": dict(size=1, kind="loop"),
        "dm-0": dict(size=50, kind="dm", dev="253:0"), "dm-1": dict(size=10, kind="dm"),
        "md127": dict(size=66, kind="md")},
    mountinfo="22 1 253:0 / / rw,relatime shared:1 - xfs /dev/mapper/sys-root rw\n"
              "23 22 8:1 / /boot rw,relatime shared:2 - xfs /dev/sda1 rw\n",
    swaps="/dev/sdh partition 100 0 -2\n",
    links=[("by-id/ata-BIG_200", "sdc"), ("by-id/ata-SMALL_80", "sdb"),
           ("by-path/pci-0000:00:1f.2-ata-2", "sdb"), ("by-id/wwn-0x5000", "sdg")])


@pytest.fixture
def machine(tmp_path):
    return fake_machine(tmp_path / "machine", **MACHINE)


def roots(base):
    return {"sys_root": os.path.join(base, "sys"), "proc_root": os.path.join(base, "proc"),
            "dev_root": os.path.join(base, "dev")}


def plan(base, *argv):
    env = dict(os.environ, OVIRT_NODE_LAYOUT_SYSTEM_ROOT=base, LC_ALL="C")
    return subprocess.run([CLI, "plan", "--disks=auto", "--ram", "8GiB"] + list(argv),
                          capture_output=True, text=True, env=env, timeout=300)


def skipped(stderr):
    """{disk: reason} of the '--disks=auto: skipped' lines."""
    out = {}
    for line in stderr.splitlines():
        if ": skipped " in line:
            disk, reason = line.split(": skipped ", 1)[1].split(": ", 1)
            out[disk.split()[0]] = reason
    return out


def test_kernel_view_leaves_out_what_is_no_install_disk(machine):
    disks, skips = kernel_disks(**{k: v for k, v in roots(machine).items() if k != "proc_root"})
    why = {s.name: s.reason for s in skips}
    assert why == {"sde": "removable", "sdf": "read-only", "sr0": "an optical drive",
                   "loop0": "a loop device", "dm-0": "a device-mapper device",
                   "dm-1": "a device-mapper device", "md127": "an MD RAID array"}
    assert {d.name for d in disks} == {"sda", "sdb", "sdc", "sdd", "sdg", "sdh", "sdi"}
    sdb = next(d for d in disks if d.name == "sdb")
    assert sdb.size == 80 * GiB and "/dev/disk/by-path/pci-0000:00:1f.2-ata-2" in sdb.links


def test_default_is_the_one_smallest_disk_that_fits_and_every_skip_says_why(machine):
    proc = plan(machine, "--format", "kickstart")
    assert proc.returncode == 0, proc.stderr
    assert "ignoredisk --only-use=sdb\n" in proc.stdout
    why = skipped(proc.stderr)
    assert why["sda"].startswith("the running system's disk (/, /boot on it)")
    assert why["sdd"] == "in use: sdd is held by dm-1"
    assert why["sdh"] == "in use: sdh is in use as swap"
    assert why["sdi"] == "in use: sdi1 is held by md127"
    assert why["sde"] == "removable" and why["sdf"] == "read-only"
    assert why["sdg"].startswith("too small to hold the layout alone (64 GiB)")
    assert why["sdc"].startswith("not needed: sdb holds the 64 GiB")
    assert "--disks=auto: using sdb (80 GiB)" in proc.stderr
    assert "internal" not in proc.stderr


def test_max_disks_combines_the_smallest_that_fit(tmp_path):
    base = fake_machine(tmp_path / "m", {"vd%s" % c: dict(size=40) for c in "abcd"})
    proc = plan(base, "--format", "json")
    assert proc.returncode == 1  # one 40 GiB disk cannot hold 64 GiB: the plan says so
    result = json.loads(proc.stdout)["results"][0]
    assert "64 GiB" in result["error"]["message"]
    proc = plan(base, "--max-disks", "3", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)["results"][0]
    assert result["disks"] == ["vda", "vdb"]  # two are enough: not three, not all
    assert {s["name"] for s in result["disk_selection"]["skipped"]} == {"vdc", "vdd"}
    proc = plan(base, "--max-disks", "all", "--format", "json")
    assert json.loads(proc.stdout)["results"][0]["disks"] == ["vda", "vdb", "vdc", "vdd"]


def test_min_size_and_globs(machine):
    proc = plan(machine, "--min-disk-size", "150GiB", "--format", "kickstart")
    assert proc.returncode == 0, proc.stderr
    assert "--only-use=sdc\n" in proc.stdout
    assert skipped(proc.stderr)["sdb"] == "smaller than --min-disk-size 150 GiB"
    proc = plan(machine, "--disk-match", "ata-BIG*", "--format", "kickstart")
    assert "--only-use=sdc\n" in proc.stdout, proc.stderr
    assert skipped(proc.stderr)["sdb"] == "matches no --disk-match pattern"
    proc = plan(machine, "--disk-match", "/dev/disk/by-path/pci-0000:00:1f.2-*",
                "--format", "kickstart")
    assert "--only-use=sdb\n" in proc.stdout, proc.stderr
    proc = plan(machine, "--disk-match", "nvme*", "--format", "json")
    assert proc.returncode == 1
    assert "no usable disk" in json.loads(proc.stdout)["results"][0]["error"]["message"]


def test_selection_options_need_auto_and_sane_values(machine):
    for argv in (["--max-disks", "0"], ["--max-disks", "many"], ["--min-disk-size", "big"]):
        assert plan(machine, *argv).returncode == 2
    proc = subprocess.run([CLI, "plan", "--max-disks", "2"], capture_output=True, text=True)
    assert proc.returncode == 2 and "need --disks=auto" in proc.stderr


def test_selection_never_offers_a_busy_disk_even_when_it_is_the_only_big_one(tmp_path):
    base = fake_machine(tmp_path / "m", {
        "sda": dict(size=500, parts=[("sda1", "8:1")]), "sdb": dict(size=30)},
        mountinfo="30 1 8:1 / /data rw - xfs /dev/sda1 rw\n")
    selection = select_disks(NEEDED, **roots(base), lsblk_json="")
    assert [d.name for d in selection.chosen] == ["sdb"]
    assert selection.skipped[0].reason == "in use: sda1 is mounted on /data"
