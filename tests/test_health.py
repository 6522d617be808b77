# SPDX-License-Identifier: GPL-2.0-or-later
"""Live-host health rules (ONN201-203, with ONN014 from the checker) and `verify`."""
import json
import math
import os

import pytest

from org_ovirt_node import layout as L
from org_ovirt_node.cli import main
from org_ovirt_node.host import reader as host
from org_ovirt_node.host.health import health_findings, verify
from org_ovirt_node.profile import load_profile

GiB = 1024 ** 3
MiB = 1024 ** 2
MOUNTS = (("/", 20), ("/var", 5), ("/var/tmp", 10), ("/var/crash", 10), ("/var/log", 8),
          ("/var/log/audit", 2), ("/home", 1), ("/tmp", 1))


def node_host(data_percent=10.0, metadata_percent=5.0, root_used=3 * GiB,
              metadata_size=GiB, vg_free=22 * GiB, pool_size=60 * GiB):
    """An installed oVirt Node as verify reads it: every mount a thin LV in pool00."""
    devs = [L.Device("vda", L.DISK, 100 * GiB),
            L.Device("vda1", L.PARTITION, GiB, ("vda",), "xfs", "/boot"),
            L.Device("vda2", L.PARTITION, 99 * GiB, ("vda",), "lvmpv"),
            L.Device("onn", L.VG, 99 * GiB, ("vda2",), free=vg_free, extent_size=4 * MiB),
            L.Device("onn-pool00", L.THINPOOL, pool_size, ("onn",),
                     metadata_size=metadata_size, data_percent=data_percent,
                     metadata_percent=metadata_percent),
            L.Device("onn-swap", L.LV, 4 * GiB, ("onn",), "swap")]
    for point, size in MOUNTS:
        name = "onn-" + (point.strip("/").replace("/", "_") or "root")
        devs.append(L.Device(name, L.THINLV, size * GiB, ("onn-pool00",), "xfs", point,
                             ("discard",), used=root_used if point == "/" else GiB))
    return L.Layout(tuple(devs), origin="host")


@pytest.fixture(scope="module")
def profile():
    return load_profile("ovirt-node")


def codes(report_or_findings):
    findings = getattr(report_or_findings, "findings", report_or_findings)
    return sorted(f.code for f in findings)


def test_healthy_host_has_no_findings(profile):
    report = verify(node_host(), profile)
    assert report.findings == () and report.exit_code() == 0


def test_pool_data_at_the_limit_warns_with_a_size_to_grow(profile):
    findings = health_findings(node_host(data_percent=80.0), profile)
    # At the limit there is no room for an update either.
    assert codes(findings) == ["ONN201", "ONN203"]
    f = findings[0]
    assert f.severity == "warning" and f.device == "onn-pool00"
    assert "80.0 %" in f.message and "lvextend -L +" in f.hint
    assert codes(health_findings(node_host(data_percent=79.9, root_used=10 * MiB),
                                 profile)) == []


def test_pool_data_limit_comes_from_the_profile(profile):
    strict = profile.derive({"thin_pool": {"max_data_percent": 50}}, "test")
    assert codes(health_findings(node_host(data_percent=60.0), strict)) == ["ONN201", "ONN203"]
    assert codes(health_findings(node_host(data_percent=60.0), profile)) == []


def test_full_pool_without_vg_space_says_add_a_disk(profile):
    findings = health_findings(node_host(data_percent=95.0, vg_free=0), profile)
    assert "vgextend" in findings[0].hint


def test_metadata_usage(profile):
    findings = health_findings(node_host(metadata_percent=85.0), profile)
    assert codes(findings) == ["ONN202"]
    assert "--poolmetadatasize" in findings[0].hint


def test_update_room_needs_the_data_of_root_below_the_limit(profile):
    # 60 GiB pool, limit 80 % = 48 GiB; 70 % used = 42 GiB; room 6 GiB.
    assert codes(health_findings(node_host(data_percent=70.0, root_used=5 * GiB),
                                 profile)) == []
    findings = health_findings(node_host(data_percent=70.0, root_used=7 * GiB), profile)
    assert codes(findings) == ["ONN203"]
    assert findings[0].mountpoint == "/" and "7 GiB" in findings[0].message


def test_metadata_growth_room_is_the_checkers_onn014(profile):
    report = verify(node_host(metadata_size=64 * MiB, vg_free=512 * MiB), profile)
    # (512 MiB free is also below the VG reserve: ONN009.)
    assert codes(report) == ["ONN009", "ONN014"]
    assert "1 GiB" in [f for f in report.findings if f.code == "ONN014"][0].message


def test_plans_without_live_figures_are_silent(profile):
    plan_like = L.Layout(tuple(
        d if d.kind != L.THINPOOL else L.Device(d.name, d.kind, d.size, d.parents,
                                                metadata_size=d.metadata_size)
        for d in node_host(data_percent=99.0)), origin="plan")
    assert health_findings(plan_like, profile) == []


@pytest.mark.parametrize("figures", [
    dict(data_percent=float("nan")), dict(data_percent=float("inf")),
    dict(metadata_percent=float("nan")), dict(metadata_percent=float("inf")),
    dict(pool_size=float("inf"), data_percent=90.0),
    dict(root_used=float("nan"), data_percent=79.0),
    dict(data_percent=-5.0, root_used=-1), dict(vg_free=float("nan"), data_percent=95.0),
    dict(data_percent=95.0, pool_size=2 ** 64 - 1, root_used=2 ** 64 - 1,
         metadata_size=2 ** 64 - 1, vg_free=2 ** 64 - 1),
])
def test_odd_figures_never_crash_a_health_rule(profile, figures):
    # Layouts come from several sources; a figure that is not a finite, non-negative
    # number is unknown, not a crash (NaN used to raise ValueError, inf OverflowError).
    findings = health_findings(node_host(**figures), profile)
    for f in findings:
        assert "nan" not in f.message + f.hint and "inf" not in f.message + f.hint
    if not 80.0 <= figures.get("data_percent", 10.0) < math.inf:
        assert "ONN201" not in codes(findings)  # unknown (or low) data use says nothing


def test_rules_can_be_switched_off(profile):
    quiet = profile.derive({"rules": {"pool-data-usage": "off", "update-room": "off"}}, "t")
    assert codes(health_findings(node_host(data_percent=99.0), quiet)) == []


def test_broken_layout_errors_come_first(profile):
    devs = [d for d in node_host(data_percent=90.0) if d.mountpoint != "/var"]
    report = verify(L.Layout(tuple(devs), origin="host"), profile)
    assert report.findings[0].severity == "error" and report.findings[0].code == "ONN002"
    assert "ONN201" in codes(report)


# --- the verify command ------------------------------------------------------------------
def fake_read_host(layout):
    seen = {}

    def read(root=None, **_):
        seen["root"] = root
        return layout
    return read, seen


def test_verify_command_text_and_exit_codes(monkeypatch, capsys):
    read, seen = fake_read_host(node_host())
    monkeypatch.setattr(host, "read_host", read)
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    assert "0 error(s), 0 warning(s)" in out and seen["root"] is None

    bad = L.Layout(tuple(d for d in node_host() if d.mountpoint != "/var"), origin="host")
    monkeypatch.setattr(host, "read_host", fake_read_host(bad)[0])
    assert main(["verify"]) == 1
    assert "host: error: ONN002" in capsys.readouterr().out


def test_verify_command_json_and_strict(monkeypatch, capsys, tmp_path):
    read, seen = fake_read_host(node_host(data_percent=85.0))
    monkeypatch.setattr(host, "read_host", read)
    assert main(["verify", "--root", str(tmp_path), "--format", "json"]) == 0
    envelope = json.loads(capsys.readouterr().out)
    assert (envelope["command"], envelope["exit_code"]) == ("verify", 0)
    data = envelope["results"][0]  # the host's report (docs/json.md)
    assert data["source"] == str(tmp_path) and data["ok"] and data["error"] is None
    assert seen["root"] == str(tmp_path)
    assert [f["code"] for f in data["findings"]] == ["ONN201", "ONN203"]
    assert data["layout"]["devices"][0]["name"] == "vda"
    assert main(["verify", "--strict"]) == 1


def test_verify_command_bad_input(monkeypatch, capsys, tmp_path):
    assert main(["verify", "--root", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert main(["verify", "--profile", str(tmp_path / "missing.yaml")]) == 2

    def broken(root=None, **_):
        raise host.HostError("lsblk failed (exit 1): boom")
    monkeypatch.setattr(host, "read_host", broken)
    assert main(["verify"]) == 2
    assert "lsblk failed" in capsys.readouterr().err


# --- verify on hostile host output (issue 9): real read_host, fake tools -------------------
def tool_outputs(**raw):
    """A fake :func:`host.run_tool`: stdout of an installed oVirt Node (the adapter tests'
    sample), with *raw* bytes for some tools."""
    from test_host_adapter import lvm_sample
    samples = dict(zip(("lsblk", "lvs", "vgs", "pvs", "findmnt"),
                       lvm_sample(root_mount="/mnt/sysroot")))

    def run(argv, **_):
        if argv[0] in raw:
            return raw[argv[0]]
        return json.dumps(samples[argv[0]]).encode()
    return run


FSTAB = "/dev/onn/root / xfs defaults,discard 0 0\n/dev/onn/var /var xfs discard 0 0\n"


def make_root(tmp_path, fstab=FSTAB):
    (tmp_path / "etc").mkdir()
    if fstab is not None:
        (tmp_path / "etc" / "fstab").write_bytes(
            fstab if isinstance(fstab, bytes) else fstab.encode())
    return str(tmp_path)


@pytest.fixture
def no_hang():
    """Fail instead of hanging the suite when verify blocks for more than 5 s."""
    import signal

    def alarm(*_):
        raise AssertionError("blocked for more than 5 s")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def test_verify_reads_a_latin1_fstab_and_non_utf8_tool_output(monkeypatch, capsys, tmp_path):
    root = make_root(tmp_path, b"/dev/onn/root / xfs discard 0 0\n"
                               b"/dev/onn/var /var/caf\xe9\\040x xfs discard 0 0\n")
    findmnt = json.dumps({"filesystems": [
        {"source": "/dev/mapper/onn-root", "target": root, "fstype": "xfs",
         "options": "rw", "size": 1, "used": 1},
        {"source": "/dev/mapper/onn-var", "target": root + "/var/cafX x",
         "fstype": "xfs", "options": "rw", "size": 1, "used": 1}]}).encode().replace(
             b"cafX", b"caf\xe9")
    monkeypatch.setattr(host, "run_tool", tool_outputs(findmnt=findmnt))
    assert main(["verify", "--root", root]) == 1  # /var is missing: an ordinary finding
    assert "ONN002 /var is not a separate mount" in capsys.readouterr().out
    assert main(["verify", "--root", root, "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)["results"][0]
    devices = {d["name"]: d for d in report["layout"]["devices"]}
    assert devices["onn-var"]["mountpoint"] == "/var/caf\\xe9 x"
    assert devices["onn-var"]["used"] == 1  # the Latin-1 fstab target met findmnt's


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_verify_refuses_an_fstab_that_is_not_a_regular_file(monkeypatch, capsys, tmp_path,
                                                            no_hang, kind):
    root = make_root(tmp_path, None)
    path = tmp_path / "etc" / "fstab"
    if kind == "fifo":
        os.mkfifo(str(path))
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    monkeypatch.setattr(host, "run_tool", tool_outputs())
    assert main(["verify", "--root", root]) == 2
    assert "%s: not a regular file" % path in capsys.readouterr().err


@pytest.mark.parametrize("raw,message", [
    ({"lsblk": b"\xff\xfe garbage"}, "lsblk printed no valid JSON"),
    ({"lsblk": b""}, "lsblk printed nothing"),
    ({"lvs": b'{"report": []}'}, "lvs: report: expected a non-empty array"),
    ({"vgs": b'{"report": [{"vg": [{"vg_name": "onn", "vg_free": "-1"}]}]}'},
     "vgs: report[0].vg[0].vg_free: expected a size"),
    ({"findmnt": b'{"filesystems": [{"target": null}]}'}, "findmnt: filesystems[0].target"),
    ({"findmnt": b"[" * 50000}, "findmnt printed JSON nested too deeply"),
])
def test_verify_with_broken_tool_output_exits_2_naming_the_tool(monkeypatch, capsys, tmp_path,
                                                               raw, message):
    monkeypatch.setattr(host, "run_tool", tool_outputs(**raw))
    assert main(["verify", "--root", make_root(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ovirt-node-layout: ") and message in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_verify_with_a_missing_tool_exits_2(monkeypatch, capsys):
    monkeypatch.setattr(host, "LSBLK", ["/nonexistent/lsblk"] + host.LSBLK[1:])
    assert main(["verify"]) == 2
    assert "cannot run lsblk" in capsys.readouterr().err
