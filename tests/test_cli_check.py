"""``ovirt-node-layout check``: output format, exit codes, stdin, --profile, --strict, json."""
import json
import os
import subprocess
import sys

import pytest

from org_ovirt_node.cli import main

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
EXAMPLES = os.path.join(ROOT, "data", "examples")
CUSTOM = os.path.join(EXAMPLES, "pxe-custom-thin.ks")
PRE = os.path.join(EXAMPLES, "pre-generated.ks")


def run(capsys, *argv):
    status = main(["check"] + list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_clean_file_prints_nothing_and_exits_0(capsys):
    assert run(capsys, CUSTOM) == (0, "", "")


def test_errors_are_file_line_severity_code_and_exit_1(tmp_path, capsys):
    path = write(tmp_path, "bad.ks", "text\n\nautopart --type=lvm\n")
    status, out, _err = run(capsys, path)
    assert status == 1
    first = out.splitlines()[0]
    assert first.startswith("%s:3: error: ONN102 " % path)


def test_warnings_exit_0_or_1_with_strict(capsys):
    status, out, _ = run(capsys, PRE)
    assert status == 0 and ": warning: ONN103 " in out
    assert run(capsys, "--strict", PRE)[0] == 1


def test_worst_status_over_several_files(tmp_path, capsys):
    bad = write(tmp_path, "bad.ks", "autopart --type=plain\n")
    status, out, _ = run(capsys, CUSTOM, PRE, bad)
    assert status == 1 and "ONN103" in out and "ONN102" in out


def test_syntax_error_is_reported_and_exits_2(tmp_path, capsys):
    path = write(tmp_path, "syntax.ks", "text\npart /boot --size=lots\n")
    status, out, _ = run(capsys, path)
    assert status == 2 and out.startswith("%s:2: error: ONN107 " % path)


def test_unreadable_file_exits_2(capsys):
    status, out, err = run(capsys, "/nonexistent/a.ks")
    assert status == 2 and "/nonexistent/a.ks" in err and out == ""


def test_bad_profile_and_version_exit_2(capsys):
    status, _, err = run(capsys, "--profile", "no-such-profile", CUSTOM)
    assert status == 2 and "no-such-profile" in err
    status, _, err = run(capsys, "--ks-version", "RHEL99", CUSTOM)
    assert status == 2 and "RHEL99" in err


def test_profile_option_replaces_the_addon_profile(tmp_path, capsys):
    site = write(tmp_path, "site.yaml", "extends: ovirt-node\nmounts:\n"
                 "  /var: {min: 50 GiB, default: 50 GiB}\n")
    status, out, _ = run(capsys, "--profile", site, CUSTOM)
    assert status == 1 and "ONN005" in out and "/var" in out


def test_json_output(tmp_path, capsys):
    bad = write(tmp_path, "bad.ks", "autopart --type=plain\n")
    status, out, _ = run(capsys, "--format", "json", CUSTOM, bad)
    data = json.loads(out)
    assert status == 1
    assert [d["ok"] for d in data] == [True, False]
    assert data[1]["origin"] == bad
    assert data[1]["findings"][0]["code"] == "ONN102"
    assert data[1]["findings"][0]["line"] == 1


def test_stdin(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "org_ovirt_node", "check", "-"],
                          input="text\nautopart --type=thinp\n", capture_output=True,
                          text=True, cwd=str(tmp_path),
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("<stdin>:2: info: ONN101 ")


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["check"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["check", "--format", "xml", CUSTOM])
    assert info.value.code == 2
    assert run(capsys, "-", "-")[0] == 2
