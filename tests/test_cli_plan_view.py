# SPDX-License-Identifier: GPL-2.0-or-later
"""Plans that say what happens (issue 13, item 2), through the installed command: existing
devices shown as destroyed or kept with a legend, what ``--clear all`` loses, optional mounts
planned (no ONN013 about the plan itself) or left out with ``--without-optional``, UEFI
partitions in partition order. Disks are sparse image files with real labels and a real
ext4 filesystem on a partition."""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, ".venv", "bin", "ovirt-node-layout")
if not os.path.exists(CLI):
    CLI = os.path.join(os.path.dirname(sys.executable), "ovirt-node-layout")
MiB, GiB = 1 << 20, 1 << 30


def plan(*argv):
    proc = subprocess.run([CLI, "plan", "--ram", "8GiB"] + list(argv), capture_output=True,
                          text=True, env=dict(os.environ, LC_ALL="C", NO_COLOR="1"),
                          timeout=300)
    return proc


def data_disk(tmp_path, size=100 * GiB):
    """An image with a GPT label, partition 1 (16 MiB) holding an ext4 filesystem, and the
    rest free."""
    path = str(tmp_path / "host.img")
    with open(path, "wb") as handle:
        handle.truncate(size)
    subprocess.run(["parted", "-s", path, "mklabel", "gpt", "mkpart", "data", "ext4", "1MiB",
                    "17MiB"], check=True)
    fs = str(tmp_path / "fs.img")
    with open(fs, "wb") as handle:
        handle.truncate(16 * MiB)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "photos", fs], check=True)
    with open(fs, "rb") as src, open(path, "r+b") as dst:
        dst.seek(1 * MiB)
        dst.write(src.read())
    return path


def rows(out):
    """(mark, name) of the tree's rows."""
    found = []
    for line in out.splitlines()[1:]:
        if not line.strip():
            break
        match = re.match(r"([ +-])[├└│ ─]*(\S+)", line)
        if match:
            found.append(match.groups())
    return found


def test_kept_devices_are_unmarked_and_the_legend_says_so(tmp_path):
    path = data_disk(tmp_path)
    proc = plan("--disk", path, "--firmware", "bios")
    assert proc.returncode == 0, proc.stderr
    marks = dict((name, mark) for mark, name in rows(proc.stdout))
    assert marks["host.img"] == " " and marks["host.img1"] == " "  # exists, kept
    assert marks["onn-root"] == "+"
    assert ("+ created by the plan, - destroyed by the plan (its data is lost), unmarked: "
            "exists and is kept") in proc.stdout
    assert "Lost by clearing" not in proc.stdout


def test_clear_all_shows_and_lists_what_is_lost(tmp_path):
    path = data_disk(tmp_path)
    proc = plan("--disk", path, "--clear", "all", "--firmware", "bios")
    assert proc.returncode == 0, proc.stderr
    assert ("-", "host.img1") in rows(proc.stdout)
    assert "Lost by clearing host.img: host.img1 (ext4, 16 MiB)" in proc.stdout
    proc = plan("--disk", path, "--clear", "all", "--format", "json")
    (result,) = json.loads(proc.stdout)["results"]
    assert [(d["device"], d["format"], d["disk"]) for d in result["destroyed"]] == \
        [("host.img1", "ext4", "host.img")]
    assert {"action": "destroy", "object": "device", "device": "host.img1"}.items() <= \
        next(a for a in result["actions"] if a["action"] == "destroy"
             and a["object"] == "device").items()
    assert "the plan erases what is on host.img: host.img1 (ext4" in proc.stderr
    proc = plan("--disk", path, "--clear", "all", "--format", "kickstart")
    assert "host.img1 (ext4, 16 MiB)" in proc.stderr  # %pre's log shows it


def test_uefi_partitions_in_partition_order():
    proc = plan("--disk", "80GiB", "--firmware", "uefi")
    names = [name for _mark, name in rows(proc.stdout) if re.match(r"sda[0-9]+$", name)]
    assert names == ["sda1", "sda2", "sda3"]


def site_profile(tmp_path):
    path = tmp_path / "site.yaml"
    path.write_text("extends: ovirt-node\nmounts:\n"
                    "  /var/lib/libvirt: {kind: thin, presence: optional, min: 2 GiB, "
                    "default: 2 GiB}\n")
    return str(path)


def test_optional_mounts_are_planned_so_the_plan_has_no_onn013(tmp_path):
    proc = plan("--disk", "100GiB", "--profile", site_profile(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "ONN013" not in proc.stdout and "/var/lib/libvirt" in proc.stdout
    assert "passes every check" in proc.stdout


def test_without_optional_leaves_them_out_and_says_so(tmp_path):
    proc = plan("--disk", "100GiB", "--profile", site_profile(tmp_path), "--without-optional")
    assert proc.returncode == 0, proc.stderr
    assert "ONN013" not in proc.stdout and "/var/lib/libvirt" not in proc.stdout
    assert "optional mounts left out (--without-optional): /var/lib/libvirt" in proc.stderr


def test_a_profile_that_turns_optional_mount_off_plans_none():
    proc = plan("--disk", "100GiB", "--profile", "ovirt-node-minimal")
    assert proc.returncode == 0, proc.stderr
    assert "/var/log" not in proc.stdout and "ONN013" not in proc.stdout
