# SPDX-License-Identifier: GPL-2.0-or-later
"""``apply --disk`` works on exactly the object named (issue 9, data loss).

A block device is identified by its device number (``st_rdev`` -> ``/sys/dev/block/M:m``),
never by the basename of a path; an image file goes through a loop device that ``apply``
attaches and detaches itself; everything else is a clean usage error (exit 2).

Block device nodes are made with ``mknod`` in ``tmp_path`` (never opened) next to fake
``/sys`` trees, so no test here looks at a real disk of the machine. Nothing runs blivet's
scan: the dry runs on image files plan on the file directly, and ``Blivet.reset`` is
replaced by a trap that fails the test.
"""
import errno
import json
import os
import socket
import stat

import blivet
import pytest

from org_ovirt_node.cli import main
from org_ovirt_node.planning import apply as A
from org_ovirt_node.planning.apply import (
    BLOCK,
    IMAGE,
    ApplyError,
    ApplyUsageError,
    attached_loop,
    exclusive_open_busy,
    loop_attachments,
    loop_clear,
    resolve_disk,
    resolve_disks,
)

GiB = 1024 ** 3
MAJOR = 250  # a dynamic major number: the nodes below are never opened


def can_mknod(tmp_path):
    probe = tmp_path / ".probe"
    try:
        os.mknod(str(probe), stat.S_IFBLK | 0o600, os.makedev(MAJOR, 99))
    except (OSError, AttributeError):
        return False
    probe.unlink()
    return True


@pytest.fixture
def machine(tmp_path):
    """A fake machine: /sys with disk vda (250:0, partition vda1 250:1), dm-0 (253:0) and
    loop0 (7:0); /dev with block nodes for them (mknod, never opened)."""
    if not can_mknod(tmp_path):
        pytest.skip("mknod of block device nodes is not permitted here")
    sys_root = tmp_path / "sys"
    dev_root = tmp_path / "dev"
    dev_root.mkdir()
    devices = {"vda": (MAJOR, 0, None), "vda1": (MAJOR, 1, "vda"), "dm-0": (253, 0, None),
               "loop0": (7, 0, None)}
    for name, (major, minor, parent) in devices.items():
        if parent:
            kobj = sys_root / "devices" / "virtual" / "block" / parent / name
        else:
            kobj = sys_root / "devices" / "virtual" / "block" / name
        kobj.mkdir(parents=True)
        (kobj / "dev").write_text("%d:%d\n" % (major, minor))
        if parent:
            (kobj / "partition").write_text("1\n")
        else:
            (sys_root / "block").mkdir(exist_ok=True)
            os.symlink(str(kobj), str(sys_root / "block" / name))
        (sys_root / "dev" / "block").mkdir(parents=True, exist_ok=True)
        os.symlink(str(kobj), str(sys_root / "dev" / "block" / ("%d:%d" % (major, minor))))
        os.mknod(str(dev_root / name), stat.S_IFBLK | 0o600, os.makedev(major, minor))
    (sys_root / "devices" / "virtual" / "block" / "dm-0" / "dm").mkdir()
    (sys_root / "devices" / "virtual" / "block" / "loop0" / "loop").mkdir()
    return str(sys_root), str(dev_root)


def sparse(path, size=64 * GiB):
    with open(str(path), "wb") as handle:
        handle.truncate(size)
    return str(path)


# --- block devices: by device number ---------------------------------------------------
def test_block_device_is_identified_by_its_device_number(machine, tmp_path):
    sys_root, dev_root = machine
    # A node with a misleading name: its device number says it is vda.
    other = tmp_path / "by-id"
    other.mkdir()
    os.mknod(str(other / "sdz"), stat.S_IFBLK | 0o600, os.makedev(MAJOR, 0))
    os.symlink(str(other / "sdz"), str(other / "wwn-0x5000"))
    for arg in (str(other / "sdz"), str(other / "wwn-0x5000"), os.path.join(dev_root, "vda")):
        target = resolve_disk(arg, sys_root, dev_root)
        assert (target.kind, target.name) == (BLOCK, "vda"), arg
        assert target.path == os.path.join(dev_root, "vda")
        assert target.ident == (MAJOR, 0)


def test_a_bare_name_means_the_device_under_dev(machine):
    sys_root, dev_root = machine
    target = resolve_disk("vda", sys_root, dev_root)
    assert (target.kind, target.name, target.path) == (BLOCK, "vda",
                                                       os.path.join(dev_root, "vda"))
    with pytest.raises(ApplyUsageError, match="no such file"):
        resolve_disk("vdz", sys_root, dev_root)


def test_a_partition_is_not_a_whole_disk(machine):
    sys_root, dev_root = machine
    with pytest.raises(ApplyUsageError, match=r"partition of vda.*not a whole disk"):
        resolve_disk(os.path.join(dev_root, "vda1"), sys_root, dev_root)


def test_loop_and_device_mapper_nodes_are_refused_with_a_hint(machine):
    sys_root, dev_root = machine
    with pytest.raises(ApplyUsageError, match="loop device.*image file"):
        resolve_disk(os.path.join(dev_root, "loop0"), sys_root, dev_root)
    # An unbound loop device has no loop/ folder in sysfs: its major number (7) tells.
    os.rmdir(os.path.join(sys_root, "devices", "virtual", "block", "loop0", "loop"))
    with pytest.raises(ApplyUsageError, match="loop device.*image file"):
        resolve_disk(os.path.join(dev_root, "loop0"), sys_root, dev_root)
    with pytest.raises(ApplyUsageError, match="device-mapper"):
        resolve_disk(os.path.join(dev_root, "dm-0"), sys_root, dev_root)


def test_a_device_number_unknown_to_sysfs_is_refused(machine, tmp_path):
    sys_root, dev_root = machine
    os.mknod(str(tmp_path / "ghost"), stat.S_IFBLK | 0o600, os.makedev(MAJOR, 42))
    with pytest.raises(ApplyUsageError, match="250:42"):
        resolve_disk(str(tmp_path / "ghost"), sys_root, dev_root)


def test_dev_node_with_another_device_number_is_refused(machine):
    sys_root, dev_root = machine
    os.unlink(os.path.join(dev_root, "vda"))
    os.mknod(os.path.join(dev_root, "vda"), stat.S_IFBLK | 0o600, os.makedev(MAJOR, 7))
    node = os.path.join(dev_root, "vda1")
    os.unlink(node)
    os.mknod(node, stat.S_IFBLK | 0o600, os.makedev(MAJOR, 0))  # really vda
    with pytest.raises(ApplyUsageError, match="is not that device"):
        resolve_disk(node, sys_root, dev_root)


# --- image files -----------------------------------------------------------------------
def test_an_image_named_like_a_disk_is_the_image_never_the_disk(machine, tmp_path,
                                                               monkeypatch):
    sys_root, dev_root = machine
    images = tmp_path / "images"
    images.mkdir()
    path = sparse(images / "vda")
    for arg in (path, "images/vda", "./images/vda"):
        monkeypatch.chdir(str(tmp_path))
        target = resolve_disk(arg, sys_root, dev_root)
        assert target.kind == IMAGE and target.path == path, arg
        assert target.ident == (os.stat(path).st_dev, os.stat(path).st_ino)
    # A symlink named like a disk, to the image, is still the image.
    os.symlink(path, str(tmp_path / "vdb"))
    assert resolve_disk("./vdb", sys_root, dev_root).path == path
    # With a file "vda" in the current folder, the bare name is ambiguous: refused.
    monkeypatch.chdir(str(images))
    with pytest.raises(ApplyUsageError, match="ambiguous.*or './vda'"):
        resolve_disk("vda", sys_root, dev_root)
    # A bare name that is only a file here is not taken for the file either.
    os.rename("vda", "vdq")
    with pytest.raises(ApplyUsageError, match="no such file.*write './vdq'"):
        resolve_disk("vdq", sys_root, dev_root)


def test_dry_run_on_an_image_named_vda_plans_on_the_file_only(tmp_path, monkeypatch, capsys):
    """With the real /sys and /dev: the old code mapped images/vda to this machine's
    /dev/vda. The dry run must plan on the file and never scan the machine."""
    def trap(self, *args, **kwargs):
        raise AssertionError("blivet scanned the machine's disks")
    monkeypatch.setattr(blivet.Blivet, "reset", trap)
    images = tmp_path / "images"
    images.mkdir()
    path = sparse(images / "vda")
    monkeypatch.chdir(str(tmp_path))
    before = os.stat(path)
    code = main(["apply", "--disk", "images/vda"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "nothing was written" in out
    assert "Planning on %s (image file)" % path in out
    planned = [line for line in out.splitlines() if line.startswith("  ")]
    assert planned and "%d action(s) planned" % len(planned) in out
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    with open(path, "rb") as handle:
        assert handle.read(1 << 20) == bytes(1 << 20)  # nothing was written to it


def test_other_kinds_of_file_are_usage_errors(tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(str(fifo))
    sock_path = str(tmp_path / "sock")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(sock_path)
    cases = {str(tmp_path): "a directory", str(fifo): "a FIFO", "/dev/null": "a character device",
             sock_path: "a socket", str(tmp_path / "missing.img"): "no such file",
             str(tmp_path / "missing" / "x.img"): "no such file",
             str(tmp_path / "fifo" / "x"): "not a directory", "": "empty",
             "bad\x00name": "NUL"}
    try:
        for arg, what in cases.items():
            with pytest.raises(ApplyUsageError, match=what):
                resolve_disk(arg)
            assert main(["apply", "--disk", arg]) == 2, arg
            err = capsys.readouterr().err
            assert what in err and "Traceback" not in err, (arg, err)
    finally:
        sock.close()


def test_control_characters_in_a_path_are_quoted_sanitised(tmp_path):
    with pytest.raises(ApplyUsageError) as exc:
        resolve_disk(str(tmp_path / "x\x1b[2Jy\n.img"))
    message = str(exc.value)
    assert "\x1b" not in message and "\n" not in message
    assert "\\x1b" in message


def test_duplicates_collapse_and_kinds_do_not_mix(machine, tmp_path):
    sys_root, dev_root = machine
    path = sparse(tmp_path / "disk.img")
    os.link(path, str(tmp_path / "same.img"))
    targets = resolve_disks([path, str(tmp_path / "same.img")], sys_root, dev_root)
    assert [t.path for t in targets] == [path]
    targets = resolve_disks(["vda", os.path.join(dev_root, "vda")], sys_root, dev_root)
    assert [t.name for t in targets] == ["vda"]
    with pytest.raises(ApplyUsageError, match="not both"):
        resolve_disks(["vda", path], sys_root, dev_root)


def test_vg_name_is_checked_by_lvm_rules(tmp_path, capsys):
    path = sparse(tmp_path / "disk.img")
    assert main(["apply", "--disk", path, "--vg-name", "my vg"]) == 2
    err = capsys.readouterr().err
    assert "--vg-name" in err and "VG name 'my vg'" in err
    assert main(["apply", "--disk", path, "--vg-name", "x\n%pre"]) == 2
    assert "\\n" in capsys.readouterr().err


def test_fstab_target_is_checked_before_anything(tmp_path, capsys):
    path = sparse(tmp_path / "disk.img")
    assert main(["apply", "--disk", path, "--fstab", str(tmp_path / "no" / "fstab")]) == 2
    assert "--fstab" in capsys.readouterr().err
    assert main(["apply", "--disk", path, "--fstab", str(tmp_path)]) == 2
    assert "directory" in capsys.readouterr().err


# --- loop devices for image files --------------------------------------------------------
class FakeRun:
    """Stands in for subprocess.run: records commands, answers losetup like util-linux."""

    def __init__(self, image, loop="/dev/loop7", attach_rc=0, ident=None, vgs=()):
        self.calls = []
        self.vgs = vgs
        self.image = image
        self.loop = loop
        self.attach_rc = attach_rc
        st = os.stat(image)
        self.ident = ident or (st.st_dev, st.st_ino)

    def __call__(self, cmd, **kwargs):
        import subprocess
        self.calls.append(list(cmd))
        out, rc = "", 0
        if cmd[:2] == ["losetup", "--find"]:
            out, rc = (self.loop + "\n", 0) if self.attach_rc == 0 else ("", self.attach_rc)
        elif cmd[0] == "vgs":
            out = json.dumps({"report": [{"vg": [{"vg_name": n} for n in self.vgs]}]})
        elif cmd[:2] == ["losetup", "--json"]:
            dev, ino = self.ident
            out = json.dumps({"loopdevices": [{
                "name": self.loop, "back-file": self.image, "back-ino": ino,
                "back-maj:min": "%d:%d" % (os.major(dev), os.minor(dev))}]})
        return subprocess.CompletedProcess(cmd, rc, out, "losetup: failed\n" if rc else "")

    def detached(self):
        return ["losetup", "--detach", self.loop] in self.calls


def image_target(tmp_path):
    return resolve_disk(sparse(tmp_path / "vdb"))


def test_loop_is_attached_by_path_with_partscan_and_always_detached(tmp_path):
    target = image_target(tmp_path)
    run = FakeRun(target.path)
    with attached_loop(target, run=run, sys_root=str(tmp_path / "nosys")) as loop:
        assert loop == "/dev/loop7"
        assert run.calls[0] == ["losetup", "--find", "--show", "--partscan", target.path]
        assert not run.detached()
    assert run.detached()
    run = FakeRun(target.path)
    with pytest.raises(RuntimeError):
        with attached_loop(target, run=run, sys_root=str(tmp_path / "nosys")):
            raise RuntimeError("blivet failed half-way")
    assert run.detached()


def test_loop_backed_by_another_file_is_detached_and_refused(tmp_path):
    target = image_target(tmp_path)
    run = FakeRun(target.path, ident=(os.stat(target.path).st_dev, 1))
    with pytest.raises(ApplyError, match="not attached to"):
        with attached_loop(target, run=run, sys_root=str(tmp_path / "nosys")):
            pytest.fail("used a loop device backed by another file")
    assert run.detached()


def test_losetup_failure_is_an_apply_error(tmp_path):
    target = image_target(tmp_path)
    run = FakeRun(target.path, attach_rc=1)
    with pytest.raises(ApplyError, match="losetup: failed"):
        with attached_loop(target, run=run, sys_root=str(tmp_path / "nosys")):
            pytest.fail("no loop device")
    assert not run.detached()


def test_apply_yes_on_an_image_detaches_its_loop_when_planning_fails(tmp_path, monkeypatch,
                                                                    ovirt_profile):
    target = image_target(tmp_path)
    run = FakeRun(target.path)

    def broken(b, loop, sys_root="/sys"):
        raise ApplyError("cannot read the partition table")
    monkeypatch.setattr(A, "loop_disk", broken)
    with pytest.raises(ApplyError, match="partition table"):
        A.apply_plan(ovirt_profile, [target.path], yes=True, run=run,
                     sys_root=str(tmp_path / "nosys"), log=lambda line: None)
    assert run.detached()


def test_an_image_already_attached_is_refused(tmp_path, ovirt_profile):
    target = image_target(tmp_path)
    sys_root = tmp_path / "sys"
    (sys_root / "block" / "loop3" / "loop").mkdir(parents=True)
    (sys_root / "block" / "loop3" / "loop" / "backing_file").write_text(target.path + "\n")
    (sys_root / "block" / "loop4" / "loop").mkdir(parents=True)  # idle, no backing_file
    assert loop_attachments(target, str(sys_root)) == ["loop3"]
    run = FakeRun(target.path)
    with pytest.raises(ApplyError, match="already attached to /dev/loop3"):
        A.apply_plan(ovirt_profile, [target.path], yes=True, run=run,
                     sys_root=str(sys_root), log=lambda line: None)
    assert run.calls == []


def test_clear_names_of_the_dry_run_apply_to_the_loop_device():
    mapping = {"disk.img": "loop7"}
    assert loop_clear("all", mapping) == "all"
    assert loop_clear(["disk.img", "disk.img2", "onn", "disk.imgx"], mapping) == \
        ["loop7", "loop7p2", "onn", "disk.imgx"]


def test_exclusive_open_reports_a_claimed_device(tmp_path, monkeypatch):
    path = sparse(tmp_path / "free.img", 1 << 20)
    assert exclusive_open_busy(path) is False

    def busy(*args, **kwargs):
        raise OSError(errno.EBUSY, "Device or resource busy")
    monkeypatch.setattr(A.os, "open", busy)
    assert exclusive_open_busy(path) is True


def test_a_volume_group_name_taken_on_the_machine_is_refused_before_anything(
        tmp_path, ovirt_profile):
    """The image's tree never sees the machine's volume groups: vgs does."""
    target = image_target(tmp_path)
    run = FakeRun(target.path, vgs=("onn", "data"))
    with pytest.raises(ApplyError, match="volume group named onn already exists"):
        A.apply_plan(ovirt_profile, [target.path], yes=True, run=run,
                     sys_root=str(tmp_path / "nosys"), log=lambda line: None)
    assert [c[0] for c in run.calls] == ["vgs"]  # no loop device was attached


def test_image_names_are_shown_sanitised_and_must_be_utf8(tmp_path, capsys):
    path = str(tmp_path / "\x1b[2J.img")
    sparse(path, 1 << 20)
    shown = resolve_disk(path).describe()
    assert "\x1b" not in shown and "\\x1b" in shown
    # Too small for the profile: refused cleanly, the name printed sanitised.
    assert main(["apply", "--disk", path]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "\x1b" not in out + err
    raw = os.fsencode(str(tmp_path)) + b"/\xff.img"
    with open(raw, "wb") as handle:
        handle.truncate(1 << 20)
    with pytest.raises(ApplyUsageError, match="not valid UTF-8") as exc:
        resolve_disk(os.fsdecode(raw))
    str(exc.value).encode("utf-8")
    assert main(["apply", "--disk", os.fsdecode(raw)]) == 2
    assert "not valid UTF-8" in capsys.readouterr().err
