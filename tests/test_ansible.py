# SPDX-License-Identifier: GPL-2.0-or-later
"""The Ansible collection ovirt.node_layout (ansible/), with ansible-core from PyPI:

- ``ansible-test sanity`` on a copy of the collection under a temporary
  ``ansible_collections/ovirt/node_layout`` (every sanity test, on this interpreter's Python,
  no containers). ansible-test installs each test's pinned tools into venvs of its own; they
  are kept in build/ansible-test/ so only the first run needs PyPI. Its pip bootstrap script
  is downloaded from ci-files.testing.ansible.com, which this project does not use: a stand-in
  that runs ``ensurepip`` and then pip (PyPI) is put where ansible-test looks for it.
- The collection's playbook ``ovirt.node_layout.preupgrade_gate`` on three local hosts
  (``ansible_connection=local``), each with a fixture root for ``verify --root`` whose tools'
  recorded output a small ``ovirt-node-layout`` wrapper replays: the real CLI judges each
  fixture, the real module, role and filters do the rest. It prints the fleet report and
  writes it; the hosts' reports give the same table through ``fleet-report``.
"""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from upgrade_host import NodeHost, fake_run

from org_ovirt_node.cli import main
from org_ovirt_node.host import reader as host_reader

pytestmark = pytest.mark.ansible

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTION = os.path.join(REPO, "ansible", "ansible_collections", "ovirt", "node_layout")
BIN = os.path.dirname(sys.executable)
CACHE = os.path.join(REPO, "build", "ansible-test")
PYTHON = "%d.%d" % sys.version_info[:2]

GET_PIP_STAND_IN = '''"""Stand-in for get-pip.py (ansible-test's venv bootstrap): ensurepip,
then pip installs the packages asked for from the configured index."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "-q"] + args)
'''

# The ovirt-node-layout the module runs: the real CLI, with each tool's output replayed from
# <root>/.tools/<tool>.out (written by upgrade_host.NodeHost.make_root).
FAKE_CLI = '''#!%(python)s
import os, sys
sys.path.insert(0, %(repo)r)
from org_ovirt_node.host import reader as host

def replay(argv, **kwargs):
    root = sys.argv[sys.argv.index("--root") + 1]
    path = os.path.join(root, ".tools", os.path.basename(argv[0]) + ".out")
    if not os.path.exists(path):
        raise host.HostError("%%s failed (exit 5): not recorded" %% argv[0])
    return host.read_file(path, host.MAX_TOOL_OUTPUT)

host.run_tool = replay
from org_ovirt_node.cli import main
from org_ovirt_node.host import reader as host_reader
sys.exit(main(sys.argv[1:]))
'''


def tool(name):
    path = os.path.join(BIN, name)
    if not os.path.exists(path):
        pytest.fail("%s is missing from the venv: run scripts/bootstrap.sh (setup.cfg test "
                    "extras install ansible-core)" % path)
    return path


def ansible_env(home):
    env = dict(os.environ, HOME=home, ANSIBLE_HOME=os.path.join(home, ".ansible"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "ansible"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_LOCAL_TEMP=os.path.join(home, "tmp"),
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""), LC_ALL="C.UTF-8")
    env.pop("PYTHONPATH", None)
    return env


# --- ansible-test sanity -----------------------------------------------------------------------
def test_ansible_test_sanity_passes(tmp_path):
    copy = tmp_path / "ansible_collections" / "ovirt" / "node_layout"
    shutil.copytree(COLLECTION, str(copy), ignore=shutil.ignore_patterns("__pycache__"))
    home = os.path.join(CACHE, "home")
    os.makedirs(home, exist_ok=True)
    argv = [tool("ansible-test"), "sanity", "--python", PYTHON, "--color", "no"]
    env = ansible_env(home)
    for _attempt in range(2):
        proc = subprocess.run(argv, cwd=str(copy), env=env, capture_output=True, text=True,
                              timeout=1800)
        wanted = re.search(r"can be manually downloaded and saved to: (\S+)", proc.stdout +
                           proc.stderr)
        if proc.returncode == 0 or not wanted:
            break
        os.makedirs(os.path.dirname(wanted.group(1)), exist_ok=True)
        with open(wanted.group(1), "w") as handle:
            handle.write(GET_PIP_STAND_IN)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    ran = set(re.findall(r'Running sanity test "([a-z0-9-]+)"', output))
    # The tests that judge a module: its docs and arguments, imports, style, compilation.
    assert {"validate-modules", "ansible-doc", "import", "compile", "pylint", "pep8",
            "yamllint", "runtime-metadata"} <= ran, sorted(ran)


# --- the module's and the filter's reading of verify's JSON -------------------------------------
def _plugin(kind, name):
    path = os.path.join(COLLECTION, "plugins", kind, name + ".py")
    spec = importlib.util.spec_from_file_location("node_layout_" + name, path)
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    return plugin


def _verify_json(tmp_path, capsys, monkeypatch, **node):
    """The real `verify --pre-upgrade --format json` of a fixture host, decoded."""
    fixture = NodeHost(**node)
    root = fixture.make_root(str(tmp_path / "root"))
    monkeypatch.setattr(host_reader, "run_tool", fake_run(fixture.tools(root)))
    main(["verify", "--root", root, "--pre-upgrade", "--format", "json"])
    return json.loads(capsys.readouterr().out)


def test_module_reads_the_envelope_and_the_old_top_level_report(tmp_path, capsys, monkeypatch):
    """Managed hosts mix versions: the report is the envelope's one result (docs/json.md)
    or, from an older ovirt-node-layout, the top-level object; both give the same result."""
    check = _plugin("modules", "node_layout_check")
    data = _verify_json(tmp_path, capsys, monkeypatch, hostname="node02", missing=("/var",))
    assert data["schema"] == check.SCHEMA and len(data["results"]) == 1
    new, old = check.host_report(data), check.host_report(data["results"][0])
    assert new is data["results"][0] and old is new
    result = check.summarize(new)
    assert result["verdict"] == "fail" and result["host"] == "node02"
    assert "ONN204" in [f["code"] for f in result["errors"]]
    assert result["report"]["mode"] == "pre-upgrade" and "layout" not in result["report"]
    # The filter gives the same row from the module's result and from the whole envelope.
    rows = _plugin("filter", "fleet")
    row = rows._row("node02", dict(result))
    assert rows._row("node02", dict(result, report=data)) == row
    assert row["verdict"] == "fail" and row["mode"] == "pre-upgrade"


@pytest.mark.parametrize("data,problem", [
    ({"schema": "urn:org_ovirt_node:ovirt-node-layout:output:v2", "results": []},
     "output version urn:org_ovirt_node:ovirt-node-layout:output:v2 is not supported"),
    ({"schema": "urn:org_ovirt_node:ovirt-node-layout:output:v1", "results": []},
     "expected one result"),
    ({"schema": "urn:org_ovirt_node:ovirt-node-layout:output:v1",
      "results": [{"findings": [], "error": {"message": "lsblk failed"}}]}, "lsblk failed"),
    ({"schema": "urn:org_ovirt_node:ovirt-node-layout:output:v1", "results": [{}]},
     "something else than a report"),
    ([], "something else than a report"),
    ({"counts": {}}, "something else than a report"),
])
def test_module_refuses_what_is_not_a_report(data, problem):
    check = _plugin("modules", "node_layout_check")
    with pytest.raises(ValueError) as exc:
        check.host_report(data)
    assert problem in str(exc.value)


# --- the playbook on local hosts ---------------------------------------------------------------
@pytest.fixture
def fleet(tmp_path):
    """Three local hosts: node01 passes, node02 has no separate /var and no VG space for the
    metadata, node03's check cannot run (its root does not exist)."""
    roots = {
        "node01": NodeHost(hostname="node01").make_root(str(tmp_path / "node01")),
        "node02": NodeHost(hostname="node02", missing=("/var",), metadata_size=64 * 1024 ** 2,
                           vg_free=0).make_root(str(tmp_path / "node02")),
        "node03": str(tmp_path / "node03-missing"),
    }
    cli = tmp_path / "ovirt-node-layout"
    cli.write_text(FAKE_CLI % {"python": sys.executable, "repo": REPO})
    cli.chmod(0o755)
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("[ovirt_nodes]\n" + "".join(
        "%s ansible_connection=local ansible_python_interpreter=%s preupgrade_gate_root=%s\n"
        % (name, sys.executable, root) for name, root in roots.items()))
    report = tmp_path / "report"
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"preupgrade_gate_executable": str(cli),
                                 "preupgrade_gate_report_dir": str(report),
                                 "preupgrade_gate_update": False}))
    home = tmp_path / "home"
    home.mkdir()
    return {"inventory": str(inventory), "vars": str(extra), "report": str(report),
            "env": ansible_env(str(home)), "tmp": tmp_path}


def playbook(fleet, *options):
    argv = [tool("ansible-playbook"), "-i", fleet["inventory"], "-e", "@" + fleet["vars"],
            "ovirt.node_layout.preupgrade_gate"] + list(options)
    proc = subprocess.run(argv, cwd=str(fleet["tmp"]), env=fleet["env"], capture_output=True,
                          text=True, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr


def test_playbook_gates_the_fleet_and_prints_one_report(fleet, capsys):
    rc, out = playbook(fleet)
    assert rc == 2, out  # node02 and node03 fail the gate: ansible-playbook's "hosts failed"
    # The fleet report is printed once, in the play's output (a debug message, one line each).
    printed = [" ".join(line.split()) for line in re.findall(r'^\s+"(.*)",?$', out, re.M)]
    assert printed.count("HOST VERDICT ERRORS") == 1, out
    assert "node01 pass -" in printed
    assert "node02 FAIL ONN204 /var; ONN207" in printed
    assert [ln for ln in printed if ln.startswith("node03 UNKNOWN ovirt-node-layout: --root ")
            and ln.endswith("not a directory (exit 2)")], out
    assert "3 host(s): 1 pass, 0 warn, 1 fail, 1 unknown" in printed
    # The gate stopped node02 and node03; the update task is off (skipped on node01).
    recap = dict(re.findall(r"^(node0\d)\s+: (ok=\d+ .*)$", out, re.M))
    assert "failed=1" in recap["node02"] and "failed=1" in recap["node03"]
    assert "failed=0" in recap["node01"] and "changed=0" in recap["node01"]
    # The files: text, JSON and one report per host that has one.
    text = open(os.path.join(fleet["report"], "fleet-report.txt")).read()
    data = json.load(open(os.path.join(fleet["report"], "fleet-report.json")))
    assert data["summary"] == {"hosts": 3, "pass": 1, "warn": 0, "fail": 1, "unknown": 1}
    node02 = [h for h in data["hosts"] if h["host"] == "node02"][0]
    assert [e["code"] for e in node02["errors"]] == ["ONN204", "ONN207"]
    assert node02["errors"][0]["hint"].startswith("Create /var as a thin LV")
    assert sorted(os.listdir(os.path.join(fleet["report"], "hosts"))) == \
        ["node01.json", "node02.json"]
    # ovirt-node-layout fleet-report on the hosts' reports gives the same rows.
    assert main(["fleet-report", "--details", os.path.join(fleet["report"], "hosts")]) == 1
    cli_lines = capsys.readouterr().out.splitlines()
    ansible_lines = text.splitlines()
    assert cli_lines[:-1] == [ln for ln in ansible_lines[:-1] if not ln.startswith("node03")]


def test_playbook_in_check_mode_reads_only_and_passing_hosts_pass(fleet):
    rc, out = playbook(fleet, "--check", "--limit", "node01")
    assert rc == 0, out
    assert '"1 host(s): 1 pass, 0 warn, 0 fail, 0 unknown"' in out, out
    recap = dict(re.findall(r"^(node0\d)\s+: (ok=\d+ .*)$", out, re.M))
    assert "changed=0" in recap["node01"] and "failed=0" in recap["node01"]


def test_module_fails_a_host_with_errors_and_returns_the_findings(fleet):
    args = "executable=%s root=%s" % (
        os.path.join(str(fleet["tmp"]), "ovirt-node-layout"), os.path.join(
            str(fleet["tmp"]), "node02"))
    proc = subprocess.run([tool("ansible"), "node02", "-i", fleet["inventory"], "-m",
                           "ovirt.node_layout.node_layout_check", "-a", args, "--check",
                           "--one-line"],
                          env=fleet["env"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout.startswith("node02 | FAILED! => {"), proc.stdout
    result = json.loads(proc.stdout.split(" => ", 1)[1])
    assert result["changed"] is False and result["verdict"] == "fail"  # (FAILED: above)
    assert result["msg"].startswith("pre-upgrade gate: fail (2 error(s), 0 warning(s)): ONN204")
    assert [f["code"] for f in result["findings"]] == ["ONN204", "ONN207"]
    assert result["pre_upgrade"]["budget"]["metadata_need"] == 960 * 1024 ** 2
    assert "layout" not in result["report"] and result["report"]["host"] == "node02"
