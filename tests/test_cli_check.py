# SPDX-License-Identifier: GPL-2.0-or-later
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


def test_clean_file_prints_only_what_it_could_not_check_and_exits_0(capsys):
    status, out, err = run(capsys, CUSTOM)
    assert (status, err) == (0, "")
    # A kickstart gives no disk sizes and no pool metadata: those rules say "not checked".
    assert out and all(": info: " in line and "Not checked:" in line
                       for line in out.splitlines())


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


# --- hostile input (issue 9) ----------------------------------------------------------------
MARKER = "SECRETMARKER"


def _secret(tmp_path, lines=40):
    return write(tmp_path, "shadow", "".join("user%d_%s%s%d: x\n" % (n, "x" * 60, MARKER, n)
                                               for n in range(lines)))


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_included_and_profile_secrets_are_never_printed(tmp_path, capsys, fmt):
    secret = _secret(tmp_path)
    files = [write(tmp_path, "a.ks", "autopart --type=thinp\n%%addon org_ovirt_node\n"
                   "%%include %s\n%%end\n" % secret),
             write(tmp_path, "b.ks", "autopart --type=thinp\n%%addon org_ovirt_node "
                   "--profile=%s\n%%end\n" % secret),
             write(tmp_path, "c.ks", "text\n%%include %s\n" % secret)]
    status, out, err = run(capsys, "--format", fmt, *files)
    assert status == 2                          # c.ks does not parse
    assert MARKER not in out + err
    assert len(out) < 6000                      # not 40 lines per file
    assert "more lines" in out


def test_the_process_environment_is_never_printed(tmp_path):
    ks = write(tmp_path, "env.ks", "autopart --type=thinp\n%include /proc/self/environ\n"
               "%addon org_ovirt_node\n%include /proc/self/environ\n%end\n")
    proc = subprocess.run([sys.executable, "-m", "org_ovirt_node", "check", ks],
                          capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=ROOT, ONN_SECRET="v" * 50 + MARKER))
    assert proc.returncode == 0, proc.stderr
    assert MARKER not in proc.stdout + proc.stderr
    assert "ONN103" in proc.stdout and "not a text file" in proc.stdout


def test_include_bombs_and_endless_files_exit_2(tmp_path, capsys):
    write(tmp_path, "leaf.ks", "firewall --disabled\n")
    for level in range(7):
        child = "leaf.ks" if level == 6 else "f%d.ks" % (level + 1)
        write(tmp_path, "f%d.ks" % level, "%%include %s\n" % child * 10)
    bomb = write(tmp_path, "bomb.ks", "text\n%include f0.ks\n")
    status, out, err = run(capsys, bomb, "/dev/zero")
    assert status == 2 and out == ""
    assert "%s:2: error: " % bomb in err and "/dev/zero: error: " in err
