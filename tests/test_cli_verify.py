# SPDX-License-Identifier: GPL-2.0-or-later
"""``verify`` on a running host (issue 13, item 6), through the installed command with fake
lsblk/LVM/findmnt on PATH: a machine that is not an oVirt Node host says so in one line
first (no thin pool under /, no imgbased tags); the hints are what to run on that host, not
kickstart advice."""
import json
import os
import subprocess
import sys

from upgrade_host import NodeHost, tool_bin

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, ".venv", "bin", "ovirt-node-layout")
if not os.path.exists(CLI):
    CLI = os.path.join(os.path.dirname(sys.executable), "ovirt-node-layout")
GiB = 1 << 30


def blk(name, ntype, size, fstype=None, mountpoint=None, children=()):
    node = {"name": name, "kname": name, "type": ntype, "size": size, "fstype": fstype,
            "uuid": "u-" + name if fstype else None, "label": None, "partuuid": None,
            "partlabel": None, "parttype": None, "mountpoint": mountpoint,
            "path": "/dev/" + name}
    if children:
        node["children"] = list(children)
    return node


# A plain server: / on a partition, no LVM at all.
PLAIN = {
    "lsblk": {"blockdevices": [blk("sda", "disk", 200 * GiB, children=[
        blk("sda1", "part", GiB, "ext4", "/boot"),
        blk("sda2", "part", 199 * GiB, "ext4", "/")])]},
    "lvs": {"report": [{"lv": []}]}, "vgs": {"report": [{"vg": []}]},
    "pvs": {"report": [{"pv": []}]},
    "findmnt": {"filesystems": [
        {"source": "/dev/sda2", "target": "/", "fstype": "ext4", "options": "rw,relatime",
         "size": 199 * GiB, "used": 20 * GiB, "avail": 179 * GiB},
        {"source": "/dev/sda1", "target": "/boot", "fstype": "ext4", "options": "rw",
         "size": GiB, "used": 200 << 20, "avail": 800 << 20}]},
    "lvmconfig": None,
}


def fake_tools(tmp_path, outputs):
    return dict(os.environ, PATH="%s:%s" % (tool_bin(tmp_path, outputs),
                                            os.environ.get("PATH", "")),
                LC_ALL="C", NO_COLOR="1")


def verify(env, *argv):
    return subprocess.run([CLI, "verify"] + list(argv), capture_output=True, text=True,
                          env=env, timeout=300)


def node_tools(tmp_path, **knobs):
    return fake_tools(tmp_path, NodeHost(**knobs).tools())


def test_a_plain_server_is_named_so_first(tmp_path):
    proc = verify(fake_tools(tmp_path, PLAIN))
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("host: not an oVirt Node host (no thin pool under /, no "
                               "imgbased tags)")
    assert lines[1].startswith("host: error: ONN001 ")
    # No kickstart advice for a running system: the structural findings point at the
    # reinstall the first line explains.
    assert "kickstart:" not in proc.stdout and "logvol" not in proc.stdout
    assert "    Needs a reinstall with the oVirt Node layout (see the first line)." in lines
    assert lines[-1].startswith("host: ") and "error(s)" in lines[-1]


def test_json_says_whether_it_is_a_node(tmp_path):
    proc = verify(fake_tools(tmp_path, PLAIN), "--format", "json")
    (result,) = json.loads(proc.stdout)["results"]
    assert result["node"] is False and "not an oVirt Node host" in result["not_node"]


def test_a_node_host_gets_commands_to_run(tmp_path):
    proc = verify(node_tools(tmp_path, missing=("/var/log",)))
    assert "not an oVirt Node host" not in proc.stdout
    assert ("    Run: lvcreate --thin --virtualsize 8G --name var_log onn/pool00 && mkfs.xfs "
            "/dev/onn/var_log;") in proc.stdout
    assert "Run: lvextend --size +" in proc.stdout  # the pool the missing LV overcommits
    assert "kickstart" not in proc.stdout


def test_tags_alone_make_a_node(tmp_path):
    """A host whose / left the pool (a broken node) is still a node: imgbased tags it."""
    outputs = dict(PLAIN, vgs={"report": [{"vg": [
        {"vg_name": "onn", "vg_size": str(10 * GiB), "vg_free": str(GiB),
         "vg_extent_size": "4194304", "vg_tags": "imgbased:vg"}]}]})
    proc = verify(fake_tools(tmp_path, outputs))
    assert "not an oVirt Node host" not in proc.stdout, proc.stderr
