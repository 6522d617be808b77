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
    *lines, summary = out.splitlines()
    assert lines and all(": info: " in line and "Not checked:" in line for line in lines)
    assert summary == "1 file checked: 0 error(s), 0 warning(s), %d note(s)" % len(lines)


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
    assert status == 2 and "/nonexistent/a.ks" in err
    assert out == "1 file checked: 0 error(s), 0 warning(s), 0 note(s); 1 could not be read\n"


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
    assert status == 1 and data["exit_code"] == 1 and data["command"] == "check"
    results = data["results"]
    assert [d["ok"] for d in results] == [True, False]
    assert results[1]["origin"] == results[1]["source"] == bad
    assert results[1]["findings"][0]["code"] == "ONN102"
    assert results[1]["findings"][0]["line"] == 1
    assert data["summary"]["error"] == 1 and data["summary"]["files"] == 2


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
    assert len(out) < 8000                      # not 40 lines per file
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
    assert status == 2 and out.endswith("; 2 could not be read\n") and len(out) < 100
    assert "%s:2: error: " % bomb in err and "/dev/zero: error: " in err


# --- check --fix, --diff, -i (issue 11 items 4-5, wired by issue 13) ------------------------
CLI = os.path.join(ROOT, ".venv", "bin", "ovirt-node-layout")
if not os.path.exists(CLI):
    CLI = os.path.join(os.path.dirname(sys.executable), "ovirt-node-layout")


def without_audit(tmp_path):
    """pxe-custom-thin.ks without its /var/log/audit LV (a warning the fixer removes)."""
    with open(CUSTOM, encoding="utf-8") as handle:
        text = "".join(line for line in handle if "/var/log/audit" not in line)
    return write(tmp_path, "site.ks", text), text


def cli(*argv, cwd=None):
    return subprocess.run([CLI, "check"] + list(argv), capture_output=True, text=True,
                          cwd=cwd, env=dict(os.environ, LC_ALL="C", NO_COLOR="1"), timeout=300)


def test_fix_prints_the_fixed_kickstart_and_lists_the_changes(tmp_path):
    path, text = without_audit(tmp_path)
    proc = cli("--fix", path)
    assert proc.returncode == 0, proc.stderr
    assert "logvol /var/log/audit " in proc.stdout and proc.stdout.count("\n") == \
        text.count("\n") + 1
    assert "site.ks:" in proc.stderr and ": fixed: /var/log/audit" in proc.stderr
    with open(path, encoding="utf-8") as handle:
        assert handle.read() == text  # nothing written


def test_in_place_writes_the_file_and_keeps_the_original(tmp_path):
    path, text = without_audit(tmp_path)
    proc = cli("-i", path)
    assert proc.returncode == 0, proc.stderr
    with open(path + ".orig", encoding="utf-8") as handle:
        assert handle.read() == text
    again = cli(path)
    assert again.returncode == 0 and "ONN016" not in again.stdout
    assert proc.stdout.splitlines()[-1].endswith("; 1 fixed")


def test_fix_refuses_what_it_cannot_fix_safely_with_exit_1(tmp_path):
    proc = cli("--diff", PRE)
    assert proc.returncode == 1 and proc.stdout == ""
    assert ": error: " in proc.stderr and "%pre" in proc.stderr


def test_fix_usage_errors(tmp_path):
    path, _text = without_audit(tmp_path)
    assert cli("--fix", path, CUSTOM).returncode == 2      # one kickstart on stdout
    assert cli("-i", "-").returncode == 2
    assert cli("--diff", path, CUSTOM).returncode == 0     # a diff of several is fine


def test_a_directory_stands_for_its_kickstarts(tmp_path):
    count = len([n for n in os.listdir(EXAMPLES) if n.endswith(".ks")])
    proc = cli(EXAMPLES)
    assert proc.stdout.splitlines()[-1].startswith("%d files checked: " % count)
    assert cli(str(tmp_path)).returncode == 2  # no *.ks in it


def test_fix_of_standard_input_prints_it_even_unchanged():
    text = "text\nautopart --type=thinp\n"
    proc = subprocess.run([CLI, "check", "--fix", "-"], input=text, capture_output=True,
                          text=True, env=dict(os.environ, LC_ALL="C"), timeout=300)
    assert (proc.returncode, proc.stdout) == (0, text)
    assert "nothing to fix" in proc.stderr
