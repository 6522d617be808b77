# SPDX-License-Identifier: GPL-2.0-or-later
"""One JSON contract (issue 13, item 3): every command's ``--format json``, run as the
installed ``ovirt-node-layout`` on the examples, validates against
data/schemas/output-v1.json (jsonschema), has a source per result, reports unreadable
inputs as results with an error and plan/apply actions as structured objects."""
import json
import os
import subprocess
import sys

import pytest
from upgrade_host import NodeHost, tool_bin

jsonschema = pytest.importorskip("jsonschema")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, ".venv", "bin", "ovirt-node-layout")
if not os.path.exists(CLI):  # an installed package elsewhere (tox, rpm build)
    CLI = os.path.join(os.path.dirname(sys.executable), "ovirt-node-layout")
EXAMPLES = os.path.join(ROOT, "data", "examples")
SCHEMA_FILE = os.path.join(ROOT, "data", "schemas", "output-v1.json")
GiB = 1 << 30


def schema():
    with open(SCHEMA_FILE, encoding="utf-8") as handle:
        return json.load(handle)


VALIDATOR = jsonschema.Draft202012Validator(schema())


def run(*argv, env=None, cwd=None):
    proc = subprocess.run([CLI] + list(argv), capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, LC_ALL="C", **(env or {})), timeout=300)
    return proc


def document(*argv, env=None, cwd=None, status=None):
    """The validated JSON document of one run (and its process)."""
    proc = run(*argv, "--format", "json", env=env, cwd=cwd)
    assert proc.stdout, proc.stderr
    data = json.loads(proc.stdout)
    errors = sorted(VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "%s: %s at %s" % (argv, errors[0].message, list(errors[0].absolute_path))
    assert data["exit_code"] == proc.returncode
    if status is not None:
        assert proc.returncode == status, proc.stderr
    assert all(isinstance(r["source"], str) and r["source"] for r in data["results"])
    return data, proc


def fake_tools(tmp_path, outputs):
    """A PATH whose lsblk, lvs, ... print *outputs* (name -> bytes)."""
    return {"PATH": "%s:%s" % (tool_bin(tmp_path, outputs), os.environ.get("PATH", ""))}


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(schema())


@pytest.mark.parametrize("name", sorted(os.listdir(EXAMPLES)))
def test_check_every_example(name):
    data, proc = document("check", os.path.join(EXAMPLES, name))
    assert data["command"] == "check" and data["summary"]["files"] == 1
    (result,) = data["results"]
    assert result["source"].endswith(name) and result["error"] is None
    assert result["ok"] == (proc.returncode == 0)


def test_check_reports_an_unreadable_file_as_a_result(tmp_path):
    missing = str(tmp_path / "missing.ks")
    data, proc = document("check", os.path.join(EXAMPLES, "pxe-custom-thin.ks"), missing,
                          status=2)
    good, bad = data["results"]
    assert good["ok"] and good["error"] is None
    assert bad["source"] == missing and not bad["ok"] and "missing.ks" in bad["error"]["message"]
    assert data["summary"]["unreadable"] == 1
    assert missing in proc.stderr  # and still on stderr


def test_check_fix_result(tmp_path):
    with open(os.path.join(EXAMPLES, "pxe-custom-thin.ks"), encoding="utf-8") as handle:
        text = "".join(line for line in handle if "/var/log/audit" not in line)
    path = tmp_path / "site.ks"
    path.write_text(text)
    data, _proc = document("check", "--diff", str(path), status=0)
    fix = data["results"][0]["fix"]
    assert fix["changed"] and fix["diff"].startswith("--- ")
    assert any("/var/log/audit" in c["message"] for c in fix["changes"])
    assert path.read_text() == text  # --diff writes nothing


def test_check_findings_in_an_included_file_say_where(tmp_path):
    """A finding about a line of an %include'd file has file, file_line and included_from
    (outermost first); one about the kickstart itself has them null/empty."""
    with open(os.path.join(EXAMPLES, "pxe-custom-thin.ks"), encoding="utf-8") as handle:
        lines = handle.readlines()
    own = [line for line in lines if not line.startswith("logvol /var ")]
    own.insert(own.index("reboot\n"), "%include parts/var.inc\n")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "var.inc").write_text(
        "# /var, too small\n" + "".join(line.replace("--size=5120", "--size=4096")
                                        for line in lines if line.startswith("logvol /var ")))
    (tmp_path / "main.ks").write_text("".join(own))
    data, _proc = document("check", "main.ks", cwd=str(tmp_path), status=1)
    findings = data["results"][0]["findings"]
    (small,) = [f for f in findings if f["code"] == "ONN005"]
    include_line = own.index("%include parts/var.inc\n") + 1
    assert (small["file"], small["file_line"], small["line"]) == \
        (os.path.join("parts", "var.inc"), 2, include_line)
    assert small["included_from"] == ["main.ks:%d" % include_line]
    others = [f for f in findings if f is not small]
    assert others and all(f["file"] is None and f["file_line"] is None
                          and f["included_from"] == [] for f in others)
    small["included_from"] = []  # an included line must say where it was included
    assert list(VALIDATOR.iter_errors(data))


def test_check_findings_carry_what_is_missing_as_data(tmp_path):
    """A mount without discard: its ONN011 finding says "discard" in ``missing`` (a program
    need not parse the translated message); other findings have ``missing: []``; the
    schema takes only a list of non-empty texts there."""
    with open(os.path.join(EXAMPLES, "pxe-custom-thin.ks"), encoding="utf-8") as handle:
        text = handle.read()
    lines = [line.replace('--fsoptions="defaults,discard" ', "")
             if line.startswith(("logvol /var/log ", "logvol /home ")) else line
             for line in text.splitlines(True)]
    assert lines != text.splitlines(True)
    (tmp_path / "site.ks").write_text("".join(lines))
    data, _proc = document("check", "site.ks", cwd=str(tmp_path))
    findings = data["results"][0]["findings"]
    lacking = {f["mountpoint"]: f["missing"] for f in findings if f["code"] == "ONN011"}
    assert lacking == {"/var/log": ["discard"], "/home": ["discard"]}
    assert all(f["missing"] == [] for f in findings if f["code"] != "ONN011")
    for wrong in ("discard", [""], [1]):
        broken = json.loads(json.dumps(data))
        next(f for f in broken["results"][0]["findings"] if f["code"] == "ONN011")[
            "missing"] = wrong
        assert list(VALIDATOR.iter_errors(broken)), wrong


def test_profile_notes_are_in_the_envelope(tmp_path):
    """A decimal size in a profile is a note: on stderr as file:line:col: note: ..., in the
    envelope's notes, and the exit code is the same as without it."""
    site = tmp_path / "site.yaml"
    site.write_text("extends: ovirt-node\nmounts:\n  /var: {recommended: 5 GiB, default: 10 GB}\n")
    for argv in (["profile", "show", str(site)], ["profile", "validate", str(site)],
                 ["check", "--profile", str(site), os.path.join(EXAMPLES,
                                                                "pxe-custom-thin.ks")],
                 ["plan", "--disk", "80GiB", "--ram", "8GiB", "--profile", str(site)]):
        data, proc = document(*argv, status=0)
        (note,) = data["notes"]
        assert (note["file"], note["line"], note["key"], note["severity"]) == \
            (str(site), 3, "mounts./var.default", "note")
        assert "9.31 GiB" in note["message"]
        assert proc.stderr.count(": note: ") == 1
        assert "%s:3:30: note: mounts./var.default: 10 GB is a decimal unit" % site \
            in proc.stderr
    data, _proc = document("profile", "show", "ovirt-node", status=0)
    assert data["notes"] == []


def test_plan_actions_are_structured_objects():
    data, _proc = document("plan", "--disk", "80GiB", "--ram", "8GiB", "--firmware", "uefi",
                           status=0)
    (result,) = data["results"]
    assert result["source"] == "80 GiB" and result["ok"]
    actions = result["actions"]
    assert all(set(a) >= {"action", "object", "device", "type", "size", "mountpoint"}
               for a in actions)
    root = [a for a in actions if a["mountpoint"] == "/" and a["object"] == "device"]
    assert root and root[0]["action"] == "create" and root[0]["type"] == "lvmthinlv"
    assert root[0]["size"] > 6 * GiB
    assert not any("(id " in json.dumps(a) for a in actions)  # no blivet-internal ids


def test_plan_failure_is_a_result_with_an_error():
    data, proc = document("plan", "--disk", "20GiB", status=1)
    (result,) = data["results"]
    assert not result["ok"] and result["error"]["needed"] > result["error"]["found"]
    assert result["error"]["message"] in proc.stderr


def test_plan_unreadable_disk_is_a_result(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    data, _proc = document("plan", "--disk", str(folder), status=2)
    assert "neither an image file nor a block device" in data["results"][0]["error"]["message"]


def test_apply_dry_run_and_a_missing_disk(tmp_path):
    image = tmp_path / "node.img"
    with open(str(image), "wb") as handle:
        handle.truncate(80 * GiB)
    data, _proc = document("apply", "--disk", str(image), "--firmware", "bios", status=0)
    (result,) = data["results"]
    assert result["executed"] is False and result["firmware"] == "bios"
    assert result["targets"][0]["kind"] == "image"
    assert any(a["type"] == "lvmthinpool" for a in result["actions"])
    data, _proc = document("apply", "--disk", str(tmp_path / "nope.img"), status=2)
    assert "no such file" in data["results"][0]["error"]["message"]


def test_profile_commands():
    data, _proc = document("profile", "list", status=0)
    assert {r["name"] for r in data["results"]} >= {"ovirt-node", "ovirt-node-minimal"}
    data, _proc = document("profile", "show", "ovirt-node-minimal", status=0)
    assert data["results"][0]["profile"]["name"] == "ovirt-node-minimal"
    data, _proc = document("profile", "show", "ovirt-nod", status=2)
    assert data["results"][0]["error"]["suggestion"] == "did you mean ovirt-node?"
    data, _proc = document("profile", "validate",
                           os.path.join(ROOT, "data", "profiles", "ovirt-node.yaml"),
                           "/nonexistent.yaml", status=2)
    assert [r["ok"] for r in data["results"]] == [True, False]


def _node_tools(tmp_path, **knobs):
    return fake_tools(tmp_path, NodeHost(**knobs).tools())


def test_verify_and_fleet_report(tmp_path):
    env = _node_tools(tmp_path, missing=("/var",))
    data, _proc = document("verify", env=env, status=1)
    (result,) = data["results"]
    assert result["source"] == "/" and result["mode"] == "verify" and result["node"]
    assert "ONN002" in [f["code"] for f in result["findings"]]
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "node01.json").write_text(json.dumps(data))
    (reports / "broken.json").write_text("{")
    data, _proc = document("fleet-report", str(reports), status=1)
    rows = {r["host"]: r for r in data["results"]}
    assert rows["broken"]["verdict"] == "unknown" and rows["broken"]["error"]["message"]
    assert [r["verdict"] for r in data["results"] if r["host"] != "broken"] == ["fail"]
    assert data["summary"]["hosts"] == 2


def test_verify_unreadable_host_is_a_result(tmp_path):
    env = fake_tools(tmp_path, {"lsblk": b"not json", "lvs": None, "vgs": None, "pvs": None,
                                "findmnt": None})
    data, proc = document("verify", env=env, status=2)
    assert data["results"][0]["error"]["message"] in proc.stderr


@pytest.mark.parametrize("change", [
    lambda d: d.pop("schema"),
    lambda d: d["results"][0].pop("source"),
    lambda d: d["results"][0]["actions"][0].update(size="1 GiB"),
    lambda d: d.update(schema="urn:org_ovirt_node:ovirt-node-layout:output:v2"),
])
def test_the_schema_refuses_a_broken_document(change):
    data, _proc = document("plan", "--ram", "8GiB", status=0)
    change(data)
    assert list(VALIDATOR.iter_errors(data))
