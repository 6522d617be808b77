# SPDX-License-Identifier: GPL-2.0-or-later
"""``ovirt-node-layout plan``: sparse disks from sizes, image files read-only, exit codes."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import pytest
from pykickstart.parser import KickstartParser
from pykickstart.version import RHEL9, makeVersion

from org_ovirt_node.cli import main, plan_cmd
from org_ovirt_node.units import parse_size

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(REPO, "data", "examples", "pxe-pre-autodisks.ks")


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Temporary files of the command go here, so a test can see they are gone."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def run(capsys, *argv):
    code = main(["plan", "--ram", "16GiB"] + list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def image(directory, name, size, parted=()):
    path = os.path.join(str(directory), name)
    with open(path, "wb") as handle:
        handle.truncate(size)
    if parted:
        subprocess.run(["parted", "-s", path] + list(parted), check=True)
    return path


def digest(path):
    with open(path, "rb") as handle:
        head = handle.read(4 << 20)
    return hashlib.sha256(head).hexdigest(), os.path.getsize(path)


def test_default_is_one_64_gib_disk_and_cleans_up(capsys, private_tmp):
    code, out, err = run(capsys)
    assert code == 0, err
    assert out.splitlines()[1].split()[:3] == ["sda", "64", "GiB"]
    assert "Pool pool00" in out and "passes every check" in out
    assert os.listdir(str(private_tmp)) == []  # the sparse image is gone


def test_json(capsys, private_tmp):
    code, out, _err = run(capsys, "--disk", "100GiB", "--disk", "50GiB", "--format", "json")
    envelope = json.loads(out)
    assert envelope["command"] == "plan" and envelope["exit_code"] == 0
    (data,) = envelope["results"]
    assert code == 0 and data["ok"] and data["disks"] == ["sda", "sdb"]
    assert data["error"] is None and data["disk_selection"] is None
    mounts = {d["mountpoint"] for d in data["layout"]["devices"] if d["mountpoint"]}
    assert {"/", "/boot", "/var", "/var/tmp"} <= mounts
    assert data["report"]["counts"]["error"] == 0
    assert data["summary"]["pool_size"] > 60 * 1024 ** 3


def test_kickstart_output_parses(capsys, private_tmp):
    code, out, _err = run(capsys, "--disk", "128GiB", "--firmware", "uefi",
                          "--format", "kickstart")
    assert code == 0
    handler = makeVersion(RHEL9)
    KickstartParser(handler).readKickstartFromString(out)
    assert {p.mountpoint for p in handler.partition.partitions} == {"/boot/efi", "/boot",
                                                                   "pv.01"}
    assert [p.disk for p in handler.partition.partitions] == ["sda"] * 3


def test_too_small_exits_1_with_the_numbers(capsys, private_tmp):
    code, out, err = run(capsys, "--disk", "60GiB")
    assert code == 1 and out == ""
    assert "60 GiB" in err and "64 GiB" in err and "sda" in err
    code, out, err = run(capsys, "--disk", "60GiB", "--format", "json")
    (data,) = json.loads(out)["results"]
    assert code == 1 and data["ok"] is False
    error = data["error"]
    assert (error["needed"], error["found"], error["disks"]) == (64 << 30, 60 << 30, ["sda"])


@pytest.mark.parametrize("argv", [
    ["--disk", "6XB"], ["--disk", "0GiB"], ["--clear", "all", "sda"], ["--clear", "sdz"],
    ["--profile", "no-such-profile"], ["--swap", "lots"], ["--fstype", "btrfs"],
    ["--disks", "auto", "--disk", "64GiB"], ["--passphrase-file", "/nonexistent/pw"],
])
def test_bad_arguments_exit_2(capsys, private_tmp, argv):
    code, out, err = run(capsys, *argv)
    # Profile problems are file:line diagnostics; other usage errors name the program.
    prefix = "no-such-profile: error: " if "no-such-profile" in argv else "ovirt-node-layout: "
    assert code == 2 and out == "" and err.startswith(prefix)


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["plan", "--firmware", "coreboot"])
    assert info.value.code == 2


def test_image_files_are_read_only(capsys, tmp_path, private_tmp):
    path = image(tmp_path, "host.img", 100 << 30,
                 ["mklabel", "gpt", "mkpart", "data", "1MiB", "60GiB"])
    before = digest(path)
    code, _out, err = run(capsys, "--disk", path)
    assert code == 1 and "host.img" in err  # 40 GiB free is not enough
    code, out, err = run(capsys, "--disk", path, "--clear", "all", "--format", "kickstart")
    assert code == 0, err
    assert "clearpart --all --initlabel --drives=host.img" in out
    assert digest(path) == before


def test_parser_does_not_import_blivet():
    code = ("import sys; from org_ovirt_node.cli import build_parser; build_parser(); "
            "print('blivet' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout
    assert out.strip() == "False"


def test_example_kickstart_with_a_generated_include(capsys, tmp_path, private_tmp):
    with open(EXAMPLE, encoding="utf-8") as handle:
        text = handle.read()
    assert "%include /tmp/part-include" in text
    pre = text.split("%pre", 1)[1].split("%end", 1)[0]
    assert "plan --disks=auto" in pre and "--format kickstart > /tmp/part-include" in pre
    # What %pre would write on a machine with two disks, then the whole file parsed.
    code, out, _err = run(capsys, "--disk", "200GiB", "--disk", "80GiB",
                          "--format", "kickstart")
    assert code == 0
    include = tmp_path / "part-include"
    include.write_text(out)
    handler = makeVersion(RHEL9)
    KickstartParser(handler).readKickstartFromString(
        text.replace("/tmp/part-include", str(include)))
    assert handler.liveimg.url and len(handler.volgroup.vgList) == 1
    assert {p.disk for p in handler.partition.partitions} == {"sda", "sdb"}
    assert any(s.script.count("plan --disks=auto") for s in handler.scripts)


# --- hostile and unusual input: exit 2 or a plan, never a traceback --------------------------
@pytest.mark.parametrize("size", ["1EiB", "1PiB", "20TiB", "8388607TiB"])
def test_huge_disks_plan(capsys, private_tmp, size):
    """Beyond what a sparse file on ext4 may be (16 TiB): the images are memfds."""
    code, out, err = run(capsys, "--disk", size, "--format", "json")
    assert code == 0, err
    (data,) = json.loads(out)["results"]
    assert data["report"]["counts"]["error"] == 0
    assert data["layout"]["devices"][0]["size"] == parse_size(size)
    assert os.listdir(str(private_tmp)) == []


@pytest.mark.parametrize("size", ["8EiB", "9EiB", "100000EiB"])
def test_disks_above_the_maximum_exit_2(capsys, private_tmp, size):
    code, out, err = run(capsys, "--disk", size)
    assert (code, out) == (2, "")
    assert "too large" in err and str(plan_cmd.MAX_DISK_SIZE) in err


def test_images_are_never_made_under_dev(capsys, tmp_path, monkeypatch):
    """TMPDIR=/dev/shm: blivet named the partitions "shm/onn-plan-.../sda1" and crashed."""
    monkeypatch.setattr(tempfile, "tempdir", "/dev/shm")
    code, out, err = run(capsys, "--format", "kickstart")
    assert code == 0, err
    assert "--ondisk=sda" in out
    assert not [n for n in os.listdir("/dev/shm") if n.startswith("onn-plan-")]


def test_an_image_file_under_dev_exits_2(capsys):
    path = "/dev/shm/onn-test-%d.img" % os.getpid()
    with open(path, "wb") as handle:
        handle.truncate(80 << 30)
    try:
        code, out, err = run(capsys, "--disk", path)
    finally:
        os.unlink(path)
    assert (code, out) == (2, "") and "under /dev" in err


def test_sparse_files_where_there_is_no_memfd(capsys, private_tmp, monkeypatch):
    monkeypatch.delattr(os, "memfd_create")
    code, _out, err = run(capsys, "--disk", "80GiB")
    assert code == 0, err
    code, out, err = run(capsys, "--disk", "20TiB")  # ext4 (this /tmp) stops at 16 TiB
    if code == 0:  # a filesystem that holds it (tmpfs, XFS)
        assert "Pool pool00" in out
    else:
        assert (code, out) == (2, "") and "cannot make a sparse image" in err


def test_passphrase_file_is_read_bounded(capsys, private_tmp):
    code, out, err = run(capsys, "--passphrase-file", "/dev/zero")
    assert (code, out) == (2, "") and "longer than 4096 bytes" in err


@pytest.mark.parametrize("content, message", [
    (b"caf\xe9\n", "not UTF-8 text (byte 0xe9 at offset 3)"),
    (b"a\0b\n", "NUL"),
    (b"\n", "is empty"),
    (b"x" * 4097, "longer than 4096 bytes"),
])
def test_bad_passphrase_files_exit_2(capsys, private_tmp, tmp_path, content, message):
    path = tmp_path / "pw"
    path.write_bytes(content)
    code, out, err = run(capsys, "--passphrase-file", str(path))
    assert (code, out) == (2, "") and message in err


def test_passphrase_from_a_fifo(capsys, private_tmp, tmp_path):
    import threading
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)

    def write():
        with open(fifo, "w", encoding="utf-8") as handle:
            handle.write("secret\n")
    writer = threading.Thread(target=write)
    writer.start()
    code, out, err = run(capsys, "--passphrase-file", fifo, "--format", "kickstart")
    writer.join()
    assert code == 0, err
    assert "--encrypted" in out and "secret" not in out


@pytest.mark.parametrize("name", ["my vg", "-vg", "a\nb", "vg;rm", "x" * 128, ".."])
def test_bad_vg_names_exit_2(capsys, private_tmp, name):
    """--vg-name 'my vg' used to give a broken kickstart and exit 0."""
    code, out, err = run(capsys, "--vg-name=" + name, "--format", "kickstart")
    assert (code, out) == (2, "") and "--vg-name" in err


def test_a_disk_with_unrecognised_data_is_refused_unless_cleared(capsys, private_tmp,
                                                                 tmp_path):
    path = image(tmp_path, "data.img", 80 << 30)
    with open(path, "r+b") as handle:
        handle.write(os.urandom(8 << 20))
    before = digest(path)
    code, out, err = run(capsys, "--disk", path)
    assert (code, out) == (1, "")
    assert "data.img: 8 MiB of unrecognised data at the start; name it in --clear to use " \
        "it" in err
    code, out, err = run(capsys, "--disk", path, "--disk", "80GiB")
    assert code == 0 and "not used: data.img: 8 MiB of unrecognised data" in err
    code, out, err = run(capsys, "--disk", path, "--clear", "data.img")
    assert code == 0, err
    assert digest(path) == before


def test_an_image_whose_name_is_not_utf8_is_a_usage_error(tmp_path, capsys):
    """parted takes UTF-8 paths only: a Latin-1 file name is named as such, exit 2."""
    import os

    from org_ovirt_node.cli import main
    name = os.fsdecode(b"disk-\xe9.img")
    path = os.path.join(str(tmp_path), name)
    with open(path, "wb") as handle:
        handle.truncate(64 * 2 ** 30)
    assert main(["plan", "--disk", path]) == 2
    err = capsys.readouterr().err
    assert "not valid UTF-8" in err and "\\xe9" in err
