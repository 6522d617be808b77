# SPDX-License-Identifier: GPL-2.0-or-later
"""`fleet-report`: real `verify --pre-upgrade --format json` outputs of several fixture hosts
aggregated into one table (text and JSON), and hostile or broken report files."""
import json

import pytest
from upgrade_host import NodeHost, fake_run

from org_ovirt_node.cli import main, output
from org_ovirt_node.host import fleet
from org_ovirt_node.host import reader as host


def report_of(monkeypatch, capsys, tmp_path, name, node):
    """The real `verify --pre-upgrade --format json` of *node*, written to reports/NAME.json."""
    root = node.make_root(str(tmp_path / ("root-" + name)))
    monkeypatch.setattr(host, "run_tool", fake_run(node.tools(root)))
    main(["verify", "--root", root, "--pre-upgrade", "--format", "json"])
    reports = tmp_path / "reports"
    reports.mkdir(exist_ok=True)
    path = reports / (name + ".json")
    path.write_text(capsys.readouterr().out)
    return str(path)


@pytest.fixture
def fleet_dir(monkeypatch, capsys, tmp_path):
    report_of(monkeypatch, capsys, tmp_path, "a", NodeHost(hostname="node01"))
    report_of(monkeypatch, capsys, tmp_path, "b", NodeHost(hostname="node02", missing=("/var",),
                                                          metadata_size=64 * 1024 ** 2,
                                                          vg_free=0))
    report_of(monkeypatch, capsys, tmp_path, "c", NodeHost(hostname="node03", threshold=100))
    (tmp_path / "reports" / "d.json").write_text("{ truncated")
    (tmp_path / "reports" / "notes.txt").write_text("not a report")
    return str(tmp_path / "reports")


def test_fleet_table_has_host_verdict_and_errors(fleet_dir, capsys):
    assert main(["fleet-report", fleet_dir]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["HOST", "VERDICT", "ERRORS"]
    rows = {ln.split()[0]: ln.split(None, 2)[1:] for ln in lines[1:-1]}
    assert rows["node01"] == ["pass", "-"]
    assert rows["node02"] == ["FAIL", "ONN204 /var; ONN207"]
    assert rows["node03"] == ["warn", "- (1 warning(s))"]
    assert rows["d"][0] == "UNKNOWN" and "no valid JSON" in rows["d"][1]
    assert "notes" not in rows  # a directory gives its *.json files only
    assert lines[-1] == "4 host(s): 1 pass, 1 warn, 1 fail, 1 unknown"


def test_fleet_details_show_messages_and_fixes(fleet_dir, capsys):
    main(["fleet-report", "--details", fleet_dir])
    out = capsys.readouterr().out
    assert "    ONN204 /var: /var is not a separate mount" in out
    assert "      fix: Create /var as a thin LV" in out


def test_fleet_json(fleet_dir, capsys):
    assert main(["fleet-report", "--format", "json", fleet_dir]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] == {"hosts": 4, "pass": 1, "warn": 1, "fail": 1, "unknown": 1}
    assert data["schema"] == output.SCHEMA and data["command"] == "fleet-report"
    by_host = {h["host"]: h for h in data["results"]}
    assert [e["code"] for e in by_host["node02"]["errors"]] == ["ONN204", "ONN207"]
    assert by_host["node02"]["mode"] == "pre-upgrade"
    assert by_host["node02"]["errors"][0]["hint"].startswith("Create /var")
    assert by_host["d"]["problem"] and by_host["d"]["verdict"] == "unknown"
    assert by_host["d"]["error"]["message"] == by_host["d"]["problem"]
    assert not by_host["d"]["ok"] and by_host["node03"]["ok"]


def test_a_fleet_that_passes_exits_0(monkeypatch, capsys, tmp_path):
    a = report_of(monkeypatch, capsys, tmp_path, "a", NodeHost())
    b = report_of(monkeypatch, capsys, tmp_path, "b", NodeHost(threshold=100))
    assert main(["fleet-report", a, b]) == 0
    assert "2 host(s): 1 pass, 1 warn, 0 fail, 0 unknown" in capsys.readouterr().out


def test_plain_verify_reports_work_too(monkeypatch, capsys, tmp_path):
    node = NodeHost(missing=("/var",))  # required by the profile: an error
    root = node.make_root(str(tmp_path / "root"))
    monkeypatch.setattr(host, "run_tool", fake_run(node.tools(root)))
    main(["verify", "--root", root, "--format", "json"])
    path = tmp_path / "plain.json"
    path.write_text(capsys.readouterr().out)
    entry = fleet.read_entry(str(path))
    assert entry.mode == "verify" and entry.verdict == "fail"
    assert "ONN002" in [e["code"] for e in entry.errors]


def test_old_top_level_reports_and_envelopes_mix(monkeypatch, capsys, tmp_path):
    """A fleet mixes versions: the report of an older version is the top-level object, the
    current one is the first result of the envelope (docs/json.md); both give the same row."""
    path = report_of(monkeypatch, capsys, tmp_path, "new", NodeHost(missing=("/var",)))
    with open(path) as stream:
        envelope = json.load(stream)
    assert envelope["schema"] == fleet.SCHEMA == output.SCHEMA
    old = tmp_path / "reports" / "old.json"
    old.write_text(json.dumps(envelope["results"][0]))
    new, older = fleet.read_entry(path), fleet.read_entry(str(old))
    assert new.verdict == older.verdict == "fail"
    assert new.errors == older.errors and new.mode == older.mode == "pre-upgrade"
    assert main(["fleet-report", str(tmp_path / "reports")]) == 1
    assert "2 host(s): 0 pass, 0 warn, 2 fail, 0 unknown" in capsys.readouterr().out


def _envelope(**changes):
    data = {"schema": output.SCHEMA, "command": "verify", "exit_code": 0,
            "results": [{"source": "/", "ok": True, "error": None, "host": "n1",
                         "findings": []}]}
    data.update(changes)
    return json.dumps(data).encode()


@pytest.mark.parametrize("content,problem", [
    (_envelope(schema="urn:org_ovirt_node:ovirt-node-layout:output:v9"),
     "unsupported report version"),
    (_envelope(command="check"), "not the output of 'check'"),
    (_envelope(command=["x"] * 10), "not the output of an unknown command"),
    (_envelope(results=[]), "one result"),
    (_envelope(results=[{"findings": []}, {"findings": []}]), "one result"),
    (_envelope(results={"findings": []}), "one result"),
    (_envelope(results=[{"source": "/", "ok": False, "host": "n1", "findings": [],
                         "error": {"message": "lsblk failed: \x1b[2J"}}]),
     "lsblk failed: \\x1b[2J"),
    (_envelope(results=[{"findings": [], "error": {"message": 42}}]),
     "the host could not be read"),
])
def test_broken_envelopes_are_unknown_rows(tmp_path, content, problem):
    path = tmp_path / "h.json"
    path.write_bytes(content)
    entry = fleet.read_entry(str(path))
    assert entry.verdict == "unknown" and problem in entry.problem and entry.host == "h"


def test_a_passing_envelope_is_a_pass_row(tmp_path):
    path = tmp_path / "h.json"
    path.write_bytes(_envelope())
    entry = fleet.read_entry(str(path))
    assert entry.verdict == "pass" and entry.host == "n1" and entry.problem is None


@pytest.mark.parametrize("content,problem", [
    (b"", "the file is empty"), (b" \n", "the file is empty"),
    (b"[]", 'expected a verify report'),
    (b'{"findings": [{"code": "X1", "severity": "error"}]}', "findings[0]"),
    (b'{"findings": [{"code": "ONN001", "severity": "fatal"}]}', "findings[0]"),
    (b'{"findings": [42]}', "findings[0]"),
    (b"[" * 100000, "nested too deeply"),
    (b'{"findings": [], "n": 1e999}', "out of range"),
])
def test_broken_reports_are_unknown_rows_not_crashes(tmp_path, content, problem):
    path = tmp_path / "h.json"
    path.write_bytes(content)
    entry = fleet.read_entry(str(path))
    assert entry.verdict == "unknown" and problem in entry.problem and entry.host == "h"


def test_report_strings_are_made_printable_and_cut(tmp_path):
    data = {"host": "evil\x1b]0;owned\x07" + "x" * 1000, "findings": [
        {"code": "ONN204", "severity": "error", "mountpoint": "/var\n", "message": "m" * 10 ** 5,
         "hint": "\x1b[2J"}]}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    entry = fleet.read_entry(str(path))
    assert "\x1b" not in entry.host and len(entry.host) == fleet.MAX_HOST
    err = entry.errors[0]
    assert err["mountpoint"] == "/var\\x0a" and err["hint"] == "\\x1b[2J"
    assert len(err["message"]) == fleet.MAX_TEXT
    table = fleet.render_table([entry], details=True)
    assert "\x1b" not in table and "\x07" not in table


def test_unreadable_inputs(tmp_path, capsys):
    assert main(["fleet-report", str(tmp_path / "missing.json")]) == 1
    assert "UNKNOWN" in capsys.readouterr().out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["fleet-report", str(empty)]) == 2
    assert "no report found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["fleet-report"])
    assert exit_.value.code == 2
