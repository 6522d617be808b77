# SPDX-License-Identifier: GPL-2.0-or-later
"""The pre-upgrade gate (`verify --pre-upgrade`, ONN204-ONN211) on recorded tool output of an
installed oVirt Node (tests/upgrade_host.py) and fixture roots: the real host adapter, the
real CLI, only the tools faked."""
import json
import math

import pytest
from upgrade_host import BASE, LAYER, NodeHost, dm, fake_run

from org_ovirt_node import layout as L
from org_ovirt_node.cli import main
from org_ovirt_node.host import preupgrade
from org_ovirt_node.host import reader as host
from org_ovirt_node.host.reader import layout_from_outputs
from org_ovirt_node.profile import load_profile

GiB = 1024 ** 3
MiB = 1024 ** 2


@pytest.fixture(scope="module")
def profile():
    return load_profile("ovirt-node")


def gate(monkeypatch, capsys, tmp_path, node, *extra, root_kwargs=None, fmt="json"):
    """Run `verify --root ROOT --pre-upgrade` on *node*; (exit code, output, argv seen)."""
    root = node.make_root(str(tmp_path / "root"), **(root_kwargs or {}))
    seen = []
    monkeypatch.setattr(host, "run_tool", fake_run(node.tools(root), seen))
    argv = ["verify", "--root", root, "--pre-upgrade", "--format", fmt] + list(extra)
    rc = main(argv)
    out = capsys.readouterr()
    data = report_of(out.out, rc) if fmt == "json" and rc in (0, 1) else None
    return rc, data if data is not None else out, seen


def report_of(text, rc):
    """The host's report in verify's JSON *text*: the envelope's one result (docs/json.md)."""
    envelope = json.loads(text)
    assert (envelope["command"], envelope["exit_code"]) == ("verify", rc)
    assert len(envelope["results"]) == 1
    return envelope["results"][0]


def errors(data):
    return sorted((f["code"], f["mountpoint"]) for f in data["findings"]
                  if f["severity"] == "error")


def codes(data):
    return sorted(f["code"] for f in data["findings"])


def finding(data, code):
    return [f for f in data["findings"] if f["code"] == code][0]


# --- a compliant host ------------------------------------------------------------------------
def test_a_compliant_host_passes_with_its_figures(monkeypatch, capsys, tmp_path):
    rc, data, seen = gate(monkeypatch, capsys, tmp_path, NodeHost())
    assert rc == 0 and data["findings"] == [] and data["ok"]
    assert data["mode"] == "pre-upgrade" and data["host"] == "node01.example.com"
    pre = data["pre_upgrade"]
    assert pre["volume_set"] == "default" and pre["threshold"] == 70
    assert pre["kernel_source"] == "/boot/" + LAYER
    # 10 + 34 + 4 MiB + 200 KiB in /boot/<layer>, vmlinuz (10 MiB) copied to /boot again.
    assert pre["kernel_set"] == 58 * MiB + 200 * 1024
    budget = pre["budget"]
    assert budget["threshold"] == 70 and budget["image"] == 3 * GiB
    assert budget["image_room"] == int(60 * GiB * 0.7 - 12 * GiB)
    # lvmconfig asked as nodectl check asks it: with the pool's metadata profile.
    assert ["lvmconfig", "--metadataprofile", "imgbased-pool", "--type", "full",
            "activation/thin_pool_autoextend_threshold"] in seen


def test_text_output_says_pass_or_fail_with_the_figures(monkeypatch, capsys, tmp_path):
    rc, out, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(), fmt="text")
    assert rc == 0
    assert "pre-upgrade: PASS" in out.out and "autoextend threshold 70 %" in out.out
    rc, out, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(missing=("/var",)), fmt="text")
    assert rc == 1 and "pre-upgrade: FAIL, fix 1 error(s)" in out.out
    assert "error: ONN204 /var is not a separate mount" in out.out


# --- /var ------------------------------------------------------------------------------------
def test_var_not_separate_fails_with_a_command_that_creates_it(monkeypatch, capsys, tmp_path):
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(missing=("/var",)))
    assert rc == 1 and errors(data) == [("ONN204", "/var")]
    f = finding(data, "ONN204")
    assert "SeparateVarPartition" in f["message"]
    assert "lvcreate --thin --virtualsize 5G --name var onn/pool00" in f["hint"]
    assert "mkfs.xfs /dev/onn/var" in f["hint"] and "/etc/fstab" in f["hint"]
    # /var is not among the volumes imgbased "will create": it stops before.
    assert "ONN205" not in codes(data)


def test_var_fix_uses_the_minimal_size_when_the_host_is_minimal(monkeypatch, capsys, tmp_path):
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(missing=("/var",)),
                       root_kwargs={"skip_volumes": True})
    assert "--virtualsize 8G" in finding(data, "ONN204")["hint"]


# --- the volumes imgbased creates ------------------------------------------------------------
def test_missing_volumes_that_fit_are_notes_only(monkeypatch, capsys, tmp_path):
    node = NodeHost(missing=("/var/crash", "/var/tmp"))
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, node)
    assert rc == 0 and codes(data) == ["ONN205", "ONN205"]
    notes = {f["mountpoint"]: f["message"] for f in data["findings"]}
    assert "thin LV of 10 GiB in onn/pool00" in notes["/var/crash"]
    assert data["pre_upgrade"]["budget"]["volumes"] == [
        {"mountpoint": "/var/crash", "size": 10 * GiB},
        {"mountpoint": "/var/tmp", "size": 10 * GiB}]


def test_a_pool_that_cannot_take_the_volumes_fails(monkeypatch, capsys, tmp_path):
    # 30 GiB pool, 40 % used = 12 GiB; below 70 %: 21 GiB - 12 GiB - 3 GiB image = 6 GiB,
    # but /var/crash + /var/tmp + /var/log need 28 GiB.
    node = NodeHost(pool_size=30 * GiB, data_percent=40.0,
                    missing=("/var/crash", "/var/tmp", "/var/log"))
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, node)
    assert rc == 1 and errors(data) == [("ONN206", None)]
    f = finding(data, "ONN206")
    assert "28 GiB of thin LVs" in f["message"] and "6 GiB left" in f["message"]
    # (12 + 3 + 28) GiB must stay below 70 %: the pool needs 43 / 0.7 - 30 = 31.43 GiB more;
    # the VG has 20 GiB free: add a disk first. Or keep only /var.
    assert "vgextend onn /dev/NEWDISK" in f["hint"]
    grow = math.ceil((43 * GiB / 0.7 - 30 * GiB) / MiB)
    assert "lvextend -L +%dm onn/pool00" % grow in f["hint"]
    assert "touch /var/imgbased/.skip-volumes" in f["hint"]


def test_volume_room_counts_the_threshold_imgbased_sets_on_a_pool_without_profile(
        monkeypatch, capsys, tmp_path):
    # No profile, lvm.conf says 100: the new image fits below 100 %, but imgbased sets its
    # 70 % profile before it creates the volumes (osupdater.on_new_layer order).
    node = NodeHost(pool_profile=None, threshold=100, pool_size=40 * GiB, data_percent=40.0,
                    missing=("/var/crash",))
    rc, data, seen = gate(monkeypatch, capsys, tmp_path, node)
    assert ["lvmconfig", "--type", "full", "activation/thin_pool_autoextend_threshold"] in seen
    budget = data["pre_upgrade"]["budget"]
    assert budget["threshold"] == 100 and budget["volume_threshold"] == 70
    # 40 GiB * 70 % = 28 GiB - 16 GiB used - 3 GiB image = 9 GiB < 10 GiB.
    assert "ONN206" in codes(data) and "threshold of 70 %" in finding(data, "ONN206")["message"]


def test_skip_volumes_file_keeps_only_var(monkeypatch, capsys, tmp_path):
    node = NodeHost(pool_size=30 * GiB, data_percent=40.0, missing=("/var/crash", "/var/tmp"))
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, node, root_kwargs={"skip_volumes": True})
    assert rc == 0 and codes(data) == []
    assert data["pre_upgrade"]["volume_set"] == ".skip-volumes"
    assert data["pre_upgrade"]["volumes"] == [{"mountpoint": "/var", "size": 8 * GiB}]


def test_node_storage_minimal_in_the_roots_grub_keeps_only_var(monkeypatch, capsys, tmp_path):
    node = NodeHost(missing=("/var/crash",))
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, node,
                       root_kwargs={"grub_cmdline": "crashkernel=auto node_storage=Minimal,x"})
    assert rc == 0 and data["pre_upgrade"]["volume_set"] == "node_storage=minimal"
    assert codes(data) == []


@pytest.mark.parametrize("cmdline,minimal", [
    ("BOOT_IMAGE=/x root=/dev/onn/a node_storage=minimal", True),
    ("node_storage=MINIMAL", True), ("node_storage=foo,minimal", True),
    ("node_storage=minimalx", False), ("node_storage", False), ("", False),
    ("node_storage=minimal node_storage=full", False),  # the last one wins (a dict)
    ("minimal", False),
])
def test_node_storage_is_read_as_imgbased_reads_it(tmp_path, cmdline, minimal):
    path = tmp_path / "cmdline"
    path.write_text(cmdline + "\n")
    volumes, why = preupgrade.volume_list(None, host.read_file, str(path))
    assert (volumes == preupgrade.MINIMUM_VOLUMES) is minimal
    assert why == ("node_storage=minimal" if minimal else "default")


def test_an_unreadable_cmdline_means_the_default_volumes(tmp_path):
    volumes, why = preupgrade.volume_list(None, host.read_file, str(tmp_path / "none"))
    assert volumes == preupgrade.DEFAULT_VOLUMES and why == "default"


# --- metadata ----------------------------------------------------------------------------------
def test_no_vg_space_for_the_metadata_to_reach_1_gib_fails(monkeypatch, capsys, tmp_path):
    node = NodeHost(metadata_size=64 * MiB, vg_free=512 * MiB)
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, node)
    assert rc == 1 and errors(data) == [("ONN207", None)]
    f = finding(data, "ONN207")
    assert "64 MiB" in f["message"] and "960 MiB needed" in f["message"]
    assert "Not resizing metadata" in f["message"]
    assert "Free 448 MiB in onn" in f["hint"]
    assert "lvextend --poolmetadatasize +960m onn/pool00" in f["hint"]
    # With the space, imgbased grows it itself: nothing to say.
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(metadata_size=64 * MiB,
                                                              vg_free=GiB))
    assert rc == 0 and codes(data) == []


def test_metadata_above_the_threshold_blocks_new_thin_lvs(monkeypatch, capsys, tmp_path):
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(metadata_percent=75.0))
    assert rc == 1 and errors(data) == [("ONN207", None)]
    assert "75.0 % full, above the autoextend threshold of 70 %" in \
        finding(data, "ONN207")["message"]


# --- room for the new image ------------------------------------------------------------------
def test_no_room_for_the_new_image_fails_with_the_growth_needed(monkeypatch, capsys, tmp_path):
    # 60 GiB pool at 65 % = 39 GiB; 70 % = 42 GiB: 3 GiB of room, / holds 5 GiB.
    node = NodeHost(data_percent=65.0, root_used=5 * GiB)
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, node)
    assert rc == 1 and errors(data) == [("ONN208", "/")]
    f = finding(data, "ONN208")
    assert "3 GiB left below its autoextend threshold of 70 %" in f["message"]
    assert "about 5 GiB (the data / holds now)" in f["message"]
    grow = math.ceil((44 * GiB / 0.7 - 60 * GiB) / MiB)
    assert "lvextend -L +%dm onn/pool00" % grow in f["hint"]
    assert "from the free space of onn" in f["hint"]


def test_a_pool_without_figures_fails_instead_of_passing(monkeypatch, capsys, tmp_path):
    # An inactive pool: lvs prints no data_percent. Silence would pass the gate.
    node = NodeHost()
    root = node.make_root(str(tmp_path / "root"))
    tools = node.tools(root)
    data = json.loads(tools["lvs"])
    data["report"][0]["lv"][0]["data_percent"] = ""
    tools["lvs"] = json.dumps(data).encode()
    monkeypatch.setattr(host, "run_tool", fake_run(tools))
    assert main(["verify", "--root", root, "--pre-upgrade", "--format", "json"]) == 1
    data = report_of(capsys.readouterr().out, 1)
    assert errors(data) == [("ONN208", "/")]
    f = finding(data, "ONN208")
    assert "unknown" in f["message"] and "vgchange -ay onn" in f["hint"]
    assert data["pre_upgrade"]["budget"] is None


def test_image_size_option_sets_the_image(monkeypatch, capsys, tmp_path):
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(), "--image-size", "40 GiB")
    assert rc == 1 and errors(data) == [("ONN208", "/")]
    assert "about 40 GiB (--image-size)" in finding(data, "ONN208")["message"]
    assert data["pre_upgrade"]["image_size"] == 40 * GiB


@pytest.mark.parametrize("argv,message", [
    (["--pre-upgrade", "--image-size", "lots"], "--image-size 'lots'"),
    (["--pre-upgrade", "--image-size", "0 GiB"], "above zero"),
    (["--image-size", "4 GiB"], "--image-size needs --pre-upgrade"),
])
def test_bad_image_size_is_a_usage_error(capsys, argv, message):
    assert main(["verify"] + argv) == 2
    assert message in capsys.readouterr().err


def test_unknown_image_size_asks_for_the_option(monkeypatch, capsys, tmp_path):
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(root_used=None))
    f = finding(data, "ONN208")
    assert rc == 1 and "--image-size" in f["hint"]


# --- autoextend (nodectl check) --------------------------------------------------------------
def test_autoextend_off_is_a_warning_as_nodectl_check(monkeypatch, capsys, tmp_path):
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(threshold=100))
    assert rc == 0 and codes(data) == ["ONN209"]
    f = finding(data, "ONN209")
    assert f["severity"] == "warning" and "= 100, profile imgbased-pool" in f["message"]
    assert "lvchange --metadataprofile imgbased-pool onn/pool00" in f["hint"]
    rc, _, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(threshold=100), "--strict")
    assert rc == 1


def test_lvmconfig_failing_is_reported_and_the_room_uses_100(monkeypatch, capsys, tmp_path):
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(threshold=None))
    f = finding(data, "ONN209")
    assert "cannot be read" in f["message"] and "profile not found" in f["message"]
    assert data["pre_upgrade"]["budget"]["threshold"] == 100


@pytest.mark.parametrize("raw,expected", [
    (b"thin_pool_autoextend_threshold=70\n", 70.0),
    (b"  thin_pool_autoextend_threshold = 85", 85.0),
    (b"thin_pool_autoextend_threshold=100", 100.0),
])
def test_parse_threshold(raw, expected):
    assert preupgrade.parse_threshold(raw) == expected


@pytest.mark.parametrize("raw", [b"", b"70", b"other=70", b"thin_pool_autoextend_threshold=x",
                                 b"thin_pool_autoextend_threshold=" + b"9" * 50])
def test_parse_threshold_refuses_anything_else(raw):
    with pytest.raises(ValueError):
        preupgrade.parse_threshold(raw)


def test_garbage_from_lvmconfig_is_a_finding_not_a_crash(monkeypatch, capsys, tmp_path):
    node = NodeHost()
    root = node.make_root(str(tmp_path / "root"))
    tools = node.tools(root)
    tools["lvmconfig"] = b"\x1b[31mthin_pool_autoextend_threshold=seventy"
    monkeypatch.setattr(host, "run_tool", fake_run(tools))
    assert main(["verify", "--root", root, "--pre-upgrade"]) == 0
    out = capsys.readouterr().out
    assert "ONN209" in out and "lvmconfig printed" in out and "\x1b" not in out


@pytest.mark.parametrize("profile_name,flag", [("imgbased-pool", True), ("", False),
                                               ("-x", False), ("a b", False), ("../p", False)])
def test_lvmconfig_gets_only_a_plain_profile_name(profile_name, flag):
    argv = preupgrade.lvmconfig_argv(profile_name)
    assert ("--metadataprofile" in argv) is flag
    assert argv[-3:] == ["--type", "full", "activation/thin_pool_autoextend_threshold"]


# --- tags ------------------------------------------------------------------------------------
def test_no_imgbased_tag_anywhere_says_initialise(profile):
    node = NodeHost(vg_tags=(), pool_tags=(), layer_tags=())
    tools = node.tools()
    data = json.loads(tools["lvs"])
    for row in data["report"][0]["lv"]:
        row["lv_tags"] = ""
    tools["lvs"] = json.dumps(data).encode()
    layout = layout_from_outputs(tools["lsblk"], tools["lvs"], tools["vgs"], tools["pvs"],
                                 tools["findmnt"])
    report, _ = preupgrade.check(layout, profile, preupgrade.UpgradeFacts(threshold=70))
    tags = [f for f in report.findings if f.code == "ONN210"]
    assert len(tags) == 1 and "imgbase layout --init" in tags[0].hint


def test_untagged_vg_and_pool_get_their_tag_commands(monkeypatch, capsys, tmp_path):
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(vg_tags=(), pool_tags=()))
    assert rc == 1 and errors(data) == [("ONN210", None), ("ONN210", None)]
    hints = [f["hint"] for f in data["findings"]]
    assert "vgchange --addtag imgbased:vg onn" in hints
    assert "lvchange --addtag imgbased:pool onn/pool00" in hints


def test_a_second_tagged_vg_must_lose_its_tag(monkeypatch, capsys, tmp_path):
    node = NodeHost(extra_vgs={"oldnode": ("imgbased:vg",)})
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, node)
    f = finding(data, "ONN210")
    assert rc == 1 and "tagged: oldnode, onn" in f["message"]
    assert f["hint"] == "vgchange --deltag imgbased:vg oldnode"


def test_root_without_its_layer_tag(monkeypatch, capsys, tmp_path):
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(layer_tags=()))
    f = finding(data, "ONN210")
    assert rc == 1 and f["mountpoint"] == "/"
    assert f["hint"] == "lvchange --addtag imgbased:layer onn/" + LAYER
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(layer_tags=(), root_lv="myroot"))
    assert "imgbase layout --init" in finding(data, "ONN210")["hint"]


def test_the_adapter_reads_tags_profiles_and_free_space():
    tools = NodeHost().tools()
    layout = layout_from_outputs(tools["lsblk"], tools["lvs"], tools["vgs"], tools["pvs"],
                                 tools["findmnt"])
    assert layout.facts["vg_tags"] == {"onn": ("imgbased:vg",)}
    lvm = layout.facts["lvm"]
    assert lvm[dm("pool00")] == {"vg": "onn", "lv": "pool00", "tags": ("imgbased:pool",),
                                 "profile": "imgbased-pool"}
    assert lvm[dm(LAYER)]["lv"] == LAYER and lvm[dm(BASE)]["tags"] == ("imgbased:base",)
    assert preupgrade.lvm_name(layout, layout.mounted("/")) == "onn/" + LAYER
    assert layout.facts["fs_avail"]["/boot"] == 700 * MiB


def test_lvm_output_without_the_new_columns_still_reads():
    # Older recordings (and LVMs) print no lv_tags/lv_profile/vg_tags/AVAIL.
    tools = NodeHost().tools()
    for name, table, keys in (("lvs", "lv", ("lv_tags", "lv_profile")),
                              ("vgs", "vg", ("vg_tags",))):
        data = json.loads(tools[name])
        for row in data["report"][0][table]:
            for key in keys:
                del row[key]
        tools[name] = json.dumps(data).encode()
    layout = layout_from_outputs(tools["lsblk"], tools["lvs"], tools["vgs"], tools["pvs"],
                                 tools["findmnt"])
    assert layout.facts["lvm"][dm("pool00")]["tags"] == ()
    assert layout.facts["lvm"][dm("pool00")]["profile"] is None


def test_tags_from_tools_are_printable():
    tools = NodeHost(pool_tags=("imgbased:pool", "evil\x1b[2J")).tools()
    layout = layout_from_outputs(tools["lsblk"], tools["lvs"], tools["vgs"], tools["pvs"],
                                 tools["findmnt"])
    assert layout.facts["lvm"][dm("pool00")]["tags"] == ("imgbased:pool", "evil\\x1b[2J")


# --- /boot -----------------------------------------------------------------------------------
def test_boot_without_room_for_one_more_kernel_fails(monkeypatch, capsys, tmp_path):
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(boot_avail=50 * MiB))
    assert rc == 1 and errors(data) == [("ONN211", "/boot")]
    f = finding(data, "ONN211")
    assert "50 MiB free" in f["message"] and "measured on /boot/" + LAYER in f["message"]
    assert "imgbase base --remove" in f["hint"]


def test_boot_without_a_layer_directory_uses_an_estimate(monkeypatch, capsys, tmp_path):
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(boot_avail=100 * MiB),
                       root_kwargs={"kernel": False})
    f = finding(data, "ONN211")
    assert "128 MiB" in f["message"] and "an estimate" in f["message"]


def test_kernel_set_size_measures_the_layer_directory(tmp_path):
    boot = tmp_path / "boot"
    (boot / LAYER).mkdir(parents=True)
    (boot / LAYER / "vmlinuz-5").write_bytes(b"k" * 1000)
    (boot / LAYER / "initramfs-5.img").write_bytes(b"i" * 3000)
    (boot / LAYER / "link").symlink_to("/etc/passwd")  # never followed
    (boot / "initramfs-5kdump.img").write_bytes(b"d" * 500)
    assert preupgrade.kernel_set_size(str(boot), LAYER) == (1000 + 3000 + 1000 + 500,
                                                           "/boot/" + LAYER)
    # Without the layer's directory: the largest kernel and initramfs of /boot.
    (boot / "vmlinuz-5").write_bytes(b"k" * 1000)
    (boot / "initramfs-5.img").write_bytes(b"i" * 3000)
    (boot / "vmlinuz-0-rescue-x").write_bytes(b"r" * 9000)
    assert preupgrade.kernel_set_size(str(boot), "other") == (2000 + 3000 + 500, "/boot")
    for hostile in ("..", ".", "a/b", "", None):
        assert preupgrade.kernel_set_size(str(boot), hostile)[1] in ("/boot",)
    assert preupgrade.kernel_set_size(str(tmp_path / "none"), LAYER) == (
        preupgrade.DEFAULT_KERNEL_SET, "")


# --- interplay -------------------------------------------------------------------------------
def test_a_full_pool_gets_the_health_warning_and_the_image_error(monkeypatch, capsys, tmp_path):
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, NodeHost(data_percent=85.0))
    assert rc == 1 and codes(data) == ["ONN201", "ONN208"]
    assert "ONN203" not in codes(data)  # replaced by ONN208 in this mode


def test_profile_severities_apply(monkeypatch, capsys, tmp_path):
    custom = tmp_path / "p.yaml"
    custom.write_text("extends: ovirt-node\nrules:\n  upgrade-autoextend: error\n"
                      "  upgrade-var: off\n")
    node = NodeHost(threshold=100, missing=("/var",))
    rc, data, _ = gate(monkeypatch, capsys, tmp_path, node, "--profile", str(custom))
    assert rc == 1 and errors(data) == [("ONN209", None)]


def test_a_thick_root_is_the_layout_error_imgbased_raises(profile):
    root = L.Device("vg-root", L.LV, 20 * GiB, ("vg",), "xfs", "/")
    layout = L.Layout((L.Device("vg", L.VG, 50 * GiB, free=GiB), root), origin="host")
    report, budget = preupgrade.check(layout, profile, preupgrade.UpgradeFacts())
    assert budget is None
    assert sorted(f.code for f in report.errors) == ["ONN001", "ONN204"]


def test_the_plain_verify_is_unchanged_by_the_gate(monkeypatch, capsys, tmp_path):
    node = NodeHost(missing=("/var",))  # required by the profile: an error
    root = node.make_root(str(tmp_path / "root"))
    monkeypatch.setattr(host, "run_tool", fake_run(node.tools(root)))
    assert main(["verify", "--root", root, "--format", "json"]) == 1
    data = report_of(capsys.readouterr().out, 1)
    assert data["mode"] == "verify" and "pre_upgrade" not in data
    assert ("ONN002", "/var") in errors(data)
    assert ("ONN204", "/var") not in errors(data)  # the gate's own finding for it


@pytest.mark.parametrize("figures", [
    dict(data_percent=float("nan")), dict(data_percent=float("inf")),
    dict(pool_size=float("inf"), data_percent=90.0), dict(root_used=float("nan")),
    dict(data_percent=-5.0, root_used=-1), dict(vg_free=float("nan"), metadata_size=MiB),
    dict(data_percent=95.0, pool_size=2 ** 64 - 1, root_used=2 ** 64 - 1,
         metadata_size=2 ** 64 - 1, vg_free=2 ** 64 - 1),
])
def test_odd_figures_never_crash_the_gate(profile, figures):
    from test_health import node_host
    for threshold in (None, 0, 70, 100, 1e300):
        report, budget = preupgrade.check(node_host(**figures), profile,
                                          preupgrade.UpgradeFacts(threshold=threshold))
        for f in report.findings:
            assert "nan" not in f.message + f.hint and "inf " not in f.message + f.hint


def test_host_name_falls_back_to_this_machine(tmp_path):
    import socket

    from org_ovirt_node.cli.verify_cmd import host_name
    assert host_name(str(tmp_path)) == socket.gethostname()
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "hostname").write_bytes(b"\n  node\x1b7  \nother\n")
    assert host_name(str(tmp_path)) == "node\\x1b7"
