"""Live-host health rules (ONN201-203, with ONN014 from the checker) and `verify`."""
import json

import pytest

from org_ovirt_node import layout as L
from org_ovirt_node.adapters import host
from org_ovirt_node.cli import main
from org_ovirt_node.health import health_findings, verify
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
    data = json.loads(capsys.readouterr().out)
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
