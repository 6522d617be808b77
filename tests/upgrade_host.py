# SPDX-License-Identifier: GPL-2.0-or-later
"""An installed oVirt Node as its tools print it, for the pre-upgrade gate's tests, its
benchmark and the Ansible fixtures: the JSON of lsblk, lvs, vgs, pvs and findmnt (modeled on
util-linux 2.38 / LVM 2.03 output, strings for LVM's numbers), lvmconfig's answer, and a
root directory with etc/fstab, etc/hostname and the kernel files of the current layer.

The layout is what ``imgbase layout --init`` leaves after Anaconda's thin autopart: VG onn
tagged imgbased:vg, pool00 tagged imgbased:pool with the imgbased-pool profile, the init LV
``root`` (imgbased:init), a base and its layer ``+1`` (mounted on /), thin volumes, swap.
"""
import json
import os
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

GiB = 1024 ** 3
MiB = 1024 ** 2
BASE = "ovirt-node-ng-4.5.4-0.20221206.0"
LAYER = BASE + "+1"
VOLUMES = (("var", "/var", 15), ("var_crash", "/var/crash", 10), ("var_log", "/var/log", 8),
           ("var_log_audit", "/var/log/audit", 2), ("var_tmp", "/var/tmp", 10),
           ("home", "/home", 1), ("tmp", "/tmp", 1))
KERNEL_FILES = (("vmlinuz-4.18.0-425.el8.x86_64", 10 * MiB),
                ("initramfs-4.18.0-425.el8.x86_64.img", 34 * MiB),
                ("System.map-4.18.0-425.el8.x86_64", 4 * MiB),
                ("config-4.18.0-425.el8.x86_64", 200 * 1024))


def dm(lv, vg="onn"):
    return "%s-%s" % (vg.replace("-", "--"), lv.replace("-", "--"))


def _blk(name, ntype, size, fstype=None, uuid=None, children=(), mountpoint=None,
         parttype=None):
    node = {"name": name, "kname": name, "type": ntype, "size": size, "fstype": fstype,
            "uuid": uuid, "label": None, "partuuid": None, "partlabel": None,
            "parttype": parttype, "mountpoint": mountpoint,
            "path": ("/dev/mapper/" if ntype == "lvm" else "/dev/") + name}
    if children:
        node["children"] = list(children)
    return node


@dataclass
class NodeHost:
    """The knobs a test turns; the defaults pass the gate."""

    pool_size: int = 60 * GiB
    data_percent: float = 20.0
    metadata_size: int = GiB
    metadata_percent: float = 5.0
    vg_size: int = 99 * GiB
    vg_free: int = 20 * GiB
    root_used: Optional[int] = 3 * GiB
    missing: Tuple[str, ...] = ()          # mount points of VOLUMES left out
    extra_thin: int = 0                    # more thin LVs, mounted on /data/lvNNN
    vg_tags: Tuple[str, ...] = ("imgbased:vg",)
    pool_tags: Tuple[str, ...] = ("imgbased:pool",)
    layer_tags: Tuple[str, ...] = ("imgbased:layer",)
    pool_profile: Optional[str] = "imgbased-pool"
    threshold: Optional[int] = 70          # None: lvmconfig fails
    boot_avail: Optional[int] = 700 * MiB
    root_lv: str = LAYER
    hostname: str = "node01.example.com"
    extra_vgs: Dict[str, Tuple[str, ...]] = field(default_factory=dict)  # other VG -> tags

    # --- the tools ------------------------------------------------------------------
    def thin_lvs(self):
        """(lv name, mount point or None, size, tags) of every thin LV of pool00."""
        lvs = [("root", None, 20 * GiB, ("imgbased:init",)),
               (BASE, None, 20 * GiB, ("imgbased:base",)),
               (self.root_lv, "/", 20 * GiB, self.layer_tags)]
        lvs += [(lv, point, size * GiB, ()) for lv, point, size in VOLUMES
                if point not in self.missing]
        lvs += [("data%03d" % i, "/data/lv%03d" % i, GiB, ()) for i in range(self.extra_thin)]
        return lvs

    def tools(self, root=None):
        """argv[0] -> the bytes that tool prints (lvmconfig: its answer or None)."""
        prefix = root.rstrip("/") if root and root != "/" else ""
        thin = self.thin_lvs()
        thin_nodes = [_blk(dm(lv), "lvm", size, "xfs", "u-" + lv,
                           mountpoint=(prefix + point) if point else None)
                      for lv, point, size, _ in thin]
        tpool = [_blk(dm("pool00-tpool"), "lvm", self.pool_size, children=thin_nodes)]
        pv_children = [_blk(dm("pool00_tmeta"), "lvm", self.metadata_size, children=tpool),
                       _blk(dm("pool00_tdata"), "lvm", self.pool_size, children=tpool),
                       _blk(dm("swap"), "lvm", 4 * GiB, "swap", "u-swap")]
        lsblk = {"blockdevices": [_blk("vda", "disk", 100 * GiB, children=[
            _blk("vda1", "part", GiB, "xfs", "u-boot", mountpoint=prefix + "/boot",
                 parttype="0fc63daf-8483-4772-8e79-3d69d8477de4"),
            _blk("vda2", "part", 99 * GiB, "LVM2_member", "u-pv", children=pv_children)])]}
        rows = [{"vg_name": "onn", "lv_name": "pool00", "lv_size": str(self.pool_size),
                 "segtype": "thin-pool", "pool_lv": "", "data_percent": "%.2f" % self.data_percent,
                 "metadata_percent": "%.2f" % self.metadata_percent,
                 "lv_metadata_size": str(self.metadata_size),
                 "lv_tags": ",".join(self.pool_tags), "lv_profile": self.pool_profile or ""},
                {"vg_name": "onn", "lv_name": "swap", "lv_size": str(4 * GiB),
                 "segtype": "linear", "pool_lv": "", "data_percent": "", "metadata_percent": "",
                 "lv_metadata_size": "", "lv_tags": "", "lv_profile": ""}]
        rows += [{"vg_name": "onn", "lv_name": lv, "lv_size": str(size), "segtype": "thin",
                  "pool_lv": "pool00", "data_percent": "10.00", "metadata_percent": "",
                  "lv_metadata_size": "", "lv_tags": ",".join(tags), "lv_profile": ""}
                 for lv, _, size, tags in thin]
        vgs = [{"vg_name": "onn", "vg_size": str(self.vg_size), "vg_free": str(self.vg_free),
                "vg_extent_size": str(4 * MiB), "vg_tags": ",".join(self.vg_tags)}]
        vgs += [{"vg_name": vg, "vg_size": str(10 * GiB), "vg_free": str(10 * GiB),
                 "vg_extent_size": str(4 * MiB), "vg_tags": ",".join(tags)}
                for vg, tags in self.extra_vgs.items()]
        pvs = [{"pv_name": "/dev/vda2", "vg_name": "onn", "pv_size": str(self.vg_size)}]
        mounts = [{"source": "/dev/mapper/" + dm(lv), "target": (prefix + point) or "/",
                   "fstype": "xfs", "options": "rw,relatime,attr2,discard,inode64",
                   "size": size, "used": (self.root_used if point == "/" else 100 * MiB),
                   "avail": size // 2}
                  for lv, point, size, _ in thin if point]
        mounts.append({"source": "/dev/vda1", "target": prefix + "/boot", "fstype": "xfs",
                       "options": "rw,relatime", "size": GiB, "used": 300 * MiB,
                       "avail": self.boot_avail})
        mounts.append({"source": "proc", "target": "/proc", "fstype": "proc", "options": "rw",
                       "size": 0, "used": 0, "avail": 0})
        out = {"lsblk": lsblk, "lvs": {"report": [{"lv": rows}]},
               "vgs": {"report": [{"vg": vgs}]}, "pvs": {"report": [{"pv": pvs}]},
               "findmnt": {"filesystems": mounts}}
        tools = {name: json.dumps(data).encode() for name, data in out.items()}
        tools["lvmconfig"] = (None if self.threshold is None else
                              b"thin_pool_autoextend_threshold=%d\n" % self.threshold)
        return tools

    def fstab(self):
        lines = ["# /etc/fstab of an oVirt Node layer",
                 "/dev/onn/%s / xfs defaults,discard 0 0" % self.root_lv,
                 "UUID=u-boot /boot xfs defaults 0 0"]
        lines += ["/dev/mapper/%s %s xfs defaults,discard 0 0" % (dm(lv), point)
                  for lv, point, _, _ in self.thin_lvs()[3:]]
        lines.append("/dev/mapper/onn-swap none swap defaults 0 0")
        return "\n".join(lines) + "\n"

    def make_root(self, path, kernel=True, skip_volumes=False, grub_cmdline=None):
        """Write an installed root at *path* (a str): etc/fstab, etc/hostname, the kernel
        files of the current layer in boot/<layer>/ and boot/, the tools' recorded output
        in .tools/ (for the Ansible fixture CLI). Returns *path*."""
        os.makedirs(os.path.join(path, "etc"), exist_ok=True)
        with open(os.path.join(path, "etc", "fstab"), "w") as handle:
            handle.write(self.fstab())
        with open(os.path.join(path, "etc", "hostname"), "w") as handle:
            handle.write(self.hostname + "\n")
        if grub_cmdline is not None:
            os.makedirs(os.path.join(path, "etc", "default"), exist_ok=True)
            with open(os.path.join(path, "etc", "default", "grub"), "w") as handle:
                handle.write('GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX="%s"\n' % grub_cmdline)
        if kernel:
            layer_dir = os.path.join(path, "boot", self.root_lv)
            os.makedirs(layer_dir, exist_ok=True)
            for name, size in KERNEL_FILES:
                for where in (layer_dir,) + ((os.path.join(path, "boot"),)
                                             if name.startswith("vmlinuz") else ()):
                    with open(os.path.join(where, name), "wb") as handle:
                        handle.truncate(size)  # sparse: the size is what counts
        if skip_volumes:
            os.makedirs(os.path.join(path, "var", "imgbased"), exist_ok=True)
            open(os.path.join(path, "var", "imgbased", ".skip-volumes"), "w").close()
        tools_dir = os.path.join(path, ".tools")
        os.makedirs(tools_dir, exist_ok=True)
        for name, data in self.tools(path).items():
            if data is not None:
                with open(os.path.join(tools_dir, name + ".out"), "wb") as handle:
                    handle.write(data)
        return path


def fake_run(tools, seen=None):
    """A ``run`` for the host adapter: the recorded output of each tool by argv[0]; a tool
    whose output is None fails as a missing tool would. *seen* collects the argv lists."""
    from org_ovirt_node.host.reader import HostError

    def run(argv, **_):
        if seen is not None:
            seen.append(list(argv))
        data = tools.get(os.path.basename(argv[0]))
        if data is None:
            raise HostError("%s failed (exit 5): profile not found" % argv[0])
        return data
    return run


def tool_bin(tmp_path, outputs):
    """A ``bin`` folder under *tmp_path* whose ``lsblk``, ``lvs``, … print *outputs* (name ->
    bytes, or a dict/list printed as JSON; ``None``: the tool fails with exit 5), for running
    the installed command against a canned host. Returns the folder, to put first on PATH."""
    import stat
    folder = tmp_path / "bin"
    folder.mkdir()
    for name, data in outputs.items():
        if isinstance(data, (dict, list)):
            data = json.dumps(data).encode()
        out = tmp_path / (name + ".out")
        out.write_bytes(data or b"")
        script = folder / name
        script.write_text("#!/bin/sh\n%s\n" % ("cat '%s'" % out if data is not None
                                               else "exit 5"))
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(folder)
