# SPDX-License-Identifier: GPL-2.0-or-later
"""``ovirt-node-layout profile list|show|validate|export-anaconda``: output, JSON, exit
codes (0 ok, 2 bad input) and errors on stderr with file:line."""
import json
import os
import subprocess
import sys

import pytest

from org_ovirt_node.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_module(*args):
    """``python -m org_ovirt_node ARGS`` in a subprocess: (exit code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "org_ovirt_node"] + list(args), cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def run(capsys, *args):
    try:
        status = main(list(args))
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def bad_profile(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nextends: ovirt-node\nmounts:\n  /var:\n    min: 6\n"
                    "    colour: red\n")
    return str(path)


@pytest.fixture
def site_profile(tmp_path):
    path = tmp_path / "site.yaml"
    path.write_text("name: site\nextends: ovirt-node\nmounts:\n  /var/lib/libvirt:\n"
                    "    min: 20 GiB\n")
    return str(path)


def test_list_as_module():
    status, out, err = run_module("profile", "list")
    assert (status, err) == (0, "")
    assert out.split() == ["ovirt-node", "ovirt-node-minimal", "ovirt-node-strict"]


def test_show_default_as_module():
    status, out, err = run_module("profile", "show")
    assert (status, err) == (0, "")
    assert out.startswith("ovirt-node (")
    lines = out.splitlines()
    var = [line.split() for line in lines if line.strip().startswith("/var ")][0]
    assert var[:5] == ["/var", "required", "thin", "5", "GiB"]
    assert any(line.split()[:1] == ["/usr"] and "must not be a separate mount" in line
               for line in lines)
    assert "VG onn: keep 20 % free (min 1 GiB, max 100 GiB)" in out
    assert "disks: at least 64 GiB in total" in out


def test_show_json_parses(capsys):
    status, out, err = run(capsys, "profile", "show", "ovirt-node-minimal", "--format", "json")
    assert (status, err) == (0, "")
    (result,) = json.loads(out)["results"]            # the one envelope (docs/json.md)
    assert (result["name"], result["ok"]) == ("ovirt-node-minimal", True)
    data = result["profile"]
    assert data["mounts"]["/var"]["recommended"] == "8 GiB"
    assert data["mounts"]["/var"]["min"] == "5 GiB"  # Anaconda's, inherited
    assert data["volume_group"]["name"] == "onn"     # merged from ovirt-node
    assert "extends" not in data


def test_show_site_file(capsys, site_profile):
    status, out, _ = run(capsys, "profile", "show", site_profile)
    assert status == 0
    assert "site (%s)" % site_profile in out
    assert "/var/lib/libvirt" in out and "20 GiB" in out


def test_show_unknown_profile(capsys):
    status, out, err = run(capsys, "profile", "show", "no-such-profile")
    assert (status, out) == (2, "")
    assert "no-such-profile: error: no such profile" in err


def test_show_bad_profile_reports_every_problem(capsys, bad_profile):
    status, out, err = run(capsys, "profile", "show", bad_profile)
    assert (status, out) == (2, "")
    assert err.splitlines() == [
        "%s:5:5: error: mounts./var.min: expected a size with a unit, e.g. '6 GiB', got 6"
        % bad_profile,
        "%s:6:5: error: mounts./var.colour: unknown key (expected one of: presence, kind, "
        "min, recommended, default, created_size, grow, filesystems, options)" % bad_profile]


def test_validate_as_module(bad_profile, site_profile):
    status, out, err = run_module("profile", "validate", site_profile)
    assert (status, err) == (0, "")
    assert out.strip() == "%s: ok (profile site)" % site_profile
    status, out, err = run_module("profile", "validate", site_profile, bad_profile)
    assert status == 2
    assert "%s: ok" % site_profile in out and bad_profile not in out
    assert err.startswith("%s:5:5: error: mounts./var.min:" % bad_profile)


def test_validate_json(capsys, bad_profile, site_profile):
    status, out, err = run(capsys, "profile", "validate", "--format", "json", site_profile,
                           bad_profile)
    assert status == 2
    data = json.loads(out)["results"]
    assert [(r["file"], r["ok"]) for r in data] == [(site_profile, True), (bad_profile, False)]
    assert data[0]["problems"] == []
    assert [(p["line"], p["column"], p["key"]) for p in data[1]["problems"]] == \
        [(5, 5, "mounts./var.min"), (6, 5, "mounts./var.colour")]
    assert "%s:5:5" % bad_profile in err


def test_validate_yaml_syntax_error(capsys, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nmounts: {/: {min: 6 GiB}\n")
    status, _, err = run(capsys, "profile", "validate", str(path))
    assert status == 2
    assert err.startswith("%s:3:1: error: not valid YAML" % path)


def test_validate_builtin_profiles(capsys):
    status, out, err = run(capsys, "profile", "validate", "ovirt-node", "ovirt-node-minimal")
    assert (status, err) == (0, "")
    assert len(out.splitlines()) == 2


@pytest.mark.parametrize("argv", [["profile"], ["profile", "bogus"], ["profile", "validate"],
                                  ["profile", "show", "--format", "yaml"], ["nosuchcommand"]])
def test_usage_errors_exit_2(capsys, argv):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert "error:" in err


def test_export_anaconda(capsys, tmp_path, site_profile):
    pytest.importorskip("org_ovirt_node.installer.dropin")
    status, out, err = run_module("profile", "export-anaconda")
    assert (status, err) == (0, "")
    assert "[Storage]" in out and "LVM_THINP" in out
    target = tmp_path / "90-org_ovirt_node.conf"
    status, out, err = run(capsys, "profile", "export-anaconda", "--profile", site_profile,
                           "-o", str(target))
    assert (status, out, err) == (0, "", "")
    assert "/var/lib/libvirt" in target.read_text()


def test_export_anaconda_errors(capsys, tmp_path, bad_profile):
    pytest.importorskip("org_ovirt_node.installer.dropin")
    status, out, err = run(capsys, "profile", "export-anaconda", "--profile", bad_profile)
    assert (status, out) == (2, "") and "%s:5:5: error:" % bad_profile in err
    status, out, err = run(capsys, "profile", "export-anaconda", "-o",
                           str(tmp_path / "no" / "such" / "dir.conf"))
    assert (status, out) == (2, "")
    assert "cannot write" in err and "Traceback" not in err


def test_cli_does_not_import_blivet_for_profiles():
    code = ("import sys; from org_ovirt_node.cli import main; "
            "rc = main(['profile', 'show', '--format', 'json']); "
            "sys.stdout.flush(); print('BLIVET' if 'blivet' in sys.modules else 'NOBLIVET')")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("NOBLIVET")


# --- hostile files (issue 9) -----------------------------------------------------------------
FAKE_SHADOW = ("root:$6$rootSalt$rootSecretHashAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:19000:0:"
               "99999:7:::\n"
               "daemon:*:19000:0:99999:7:::\n"
               "alice:$6$aliceSalt$aliceSecretHashBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB:19000:0:99999"
               ":7:::\n"
               "bob:!:19000::::::\n")


@pytest.mark.parametrize("command", [["validate"], ["show"], ["export-anaconda", "--profile"]])
def test_a_shadow_file_is_not_printed(capsys, tmp_path, command):
    path = tmp_path / "shadow"
    path.write_text(FAKE_SHADOW)
    status, out, err = run(capsys, "profile", *command, str(path))
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1 and "not a profile" in err
    for secret in ("Secret", "Salt", "alice", "daemon", "$6$", "bob"):
        assert secret not in err


def test_a_passwd_like_file_gets_one_error(capsys, tmp_path):
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n")
    status, out, err = run(capsys, "profile", "validate", str(path))
    assert status == 2 and len(err.splitlines()) == 1
    assert "alice" not in err and "/bin/bash" not in err


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null", "/proc/self/environ", "/"])
def test_special_files_are_clean_errors(capsys, path):
    status, out, err = run(capsys, "profile", "validate", path)
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    if path != "/proc/self/environ":
        assert "not a regular file" in err


def test_fifo_profile_never_blocks(tmp_path):
    fifo = tmp_path / "p.yaml"
    os.mkfifo(str(fifo))
    status, out, err = run_module("profile", "validate", str(fifo))   # timeout=60 in run_module
    assert status == 2 and "not a regular file" in err


@pytest.mark.parametrize("text, fragment", [
    ("name: &a [*a]\n", "anchors and aliases"),
    ("name: 2001-13-45\nmounts: {/: {}}\n", "!!timestamp"),
    ("mounts: " + "[" * 1000 + "]" * 1000 + "\n", "nested deeper"),
    ('extends: ovirt-node\nmounts:\n  "/srv\\n%pre": {}\n', "whitespace or control"),
])
def test_hostile_profiles_exit_2_with_one_line(capsys, tmp_path, text, fragment):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    status, out, err = run(capsys, "profile", "export-anaconda", "--profile", str(path))
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1 and fragment in err and "%pre\n" not in err


def test_export_refusal_by_the_renderer_is_a_usage_error(capsys, monkeypatch):
    from org_ovirt_node.installer import dropin as anaconda_conf
    from org_ovirt_node.names import InvalidNameError

    def refuse(profile):
        raise InvalidNameError("cannot write the Anaconda configuration: mount point '/a\\nb'")
    monkeypatch.setattr(anaconda_conf, "render_dropin", refuse)
    status, out, err = run(capsys, "profile", "export-anaconda")
    assert (status, out) == (2, "") and "cannot write the Anaconda configuration" in err


def test_profile_authoring_messages_as_module(tmp_path):
    """Issue 13 item 5, through the command as users run it: an unnamed file is named after
    itself; a minimum above an inherited default is reported at the user's line, saying
    where the default is written and what to write; unknown keys get a suggestion; the unit
    list names the short forms."""
    base = tmp_path / "base.yaml"
    base.write_text("extends: ovirt-node\nmounts:\n  /var: {default: 6 GiB}\n")
    good = tmp_path / "rack-7.yaml"
    good.write_text("extends: base.yaml\nmounts:\n  /var: {min: 6 GiB}\n")
    status, out, err = run_module("profile", "validate", str(good))
    assert (status, err) == (0, "")
    assert out.strip() == "%s: ok (profile rack-7)" % good
    bad = tmp_path / "site.yaml"
    bad.write_text("extends: base.yaml\nmounts:\n  /var:\n    min: 7 GiB\n"
                   "  /home: {recomended: 2 GiB}\n  /tmp: {min: 10 XB}\n")
    status, out, err = run_module("profile", "validate", str(bad))
    assert (status, out) == (2, "")
    lines = err.splitlines()
    assert lines[0].startswith("%s:4:5: error: mounts./var.min: the minimum (7 GiB) is above "
                               "the default size (6 GiB); the default size comes from %s:3"
                               % (bad, base))
    assert lines[0].endswith("/var: {min: 7 GiB, default: 7 GiB}")
    assert lines[1].startswith("%s:5:" % bad) and "did you mean recommended?" in lines[1]
    assert lines[2].startswith("%s:6:" % bad) and "K, M, G, T, P" in lines[2]
    assert str(base) not in "".join(line.split(":", 1)[0] for line in lines)


CLI = os.path.join(ROOT, ".venv", "bin", "ovirt-node-layout")
if not os.path.exists(CLI):  # an installed package elsewhere (tox, rpm build)
    CLI = os.path.join(os.path.dirname(sys.executable), "ovirt-node-layout")


def run_cli(*args):
    """The installed ``ovirt-node-layout ARGS``: (exit code, stdout, stderr)."""
    proc = subprocess.run([CLI] + list(args), capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, LC_ALL="C", NO_COLOR="1"))
    return proc.returncode, proc.stdout, proc.stderr


def _rows(out):
    """The mount table of ``profile show``: {mount point: cells} (a cell may hold a space:
    ``10 GiB``, so the cells are cut at the header's columns)."""
    lines = out.splitlines()
    header = next(line for line in lines if line.split()[:2] == ["MOUNT", "PRESENCE"])
    starts = [header.index(word) for word in header.split()]
    rows = {}
    for line in lines[lines.index(header) + 1:]:
        if not line.startswith("  /") or "must not be" in line:
            break
        cells = [line[a:b].strip() for a, b in zip(starts, starts[1:] + [None])]
        rows[cells[0]] = dict(zip(header.split(), cells))
    return rows


def test_show_has_recommended_and_created_sizes():
    """Issue 11: the table shows the hard minimum, the recommended size, and for a mount
    imgbased creates at the first update the size it creates it with; a legend says how
    each presence and size is reported under this profile."""
    status, out, err = run_cli("profile", "show", "ovirt-node")
    assert (status, err) == (0, "")
    rows = _rows(out)
    assert rows["/"]["MINIMUM"] == "-" and rows["/"]["RECOMMENDED"] == "6 GiB"
    assert rows["/"]["DEFAULT"] == "6 GiB+"
    assert (rows["/var"]["PRESENCE"], rows["/var"]["MINIMUM"], rows["/var"]["RECOMMENDED"]) \
        == ("required", "5 GiB", "5 GiB")
    assert rows["/var/log"]["PRESENCE"] == "created 8 GiB"
    assert rows["/var/tmp"]["PRESENCE"] == "created 10 GiB"
    assert rows["/var/tmp"]["MINIMUM"] == "10 GiB"
    assert rows["/boot"]["RECOMMENDED"] == "-" and rows["/boot"]["KIND"] == "partition"
    assert "required: a missing mount is reported as error ONN002" in out
    assert "created SIZE: a missing mount is reported as warning ONN016; imgbased creates " \
        "it with SIZE at the first update" in out
    assert "smaller than MINIMUM: error ONN005; smaller than RECOMMENDED: warning ONN017" \
        in out
    assert "optional:" not in out
    status, out, _err = run_cli("profile", "show", "ovirt-node-minimal")
    rows = _rows(out)
    assert rows["/var/log"]["PRESENCE"] == "optional" and "created SIZE" not in out
    assert "optional: a missing mount is not reported (ONN013 is off)" in out
    status, out, _err = run_cli("profile", "show", "ovirt-node-strict")
    assert {row["PRESENCE"] for row in _rows(out).values()} == {"required"}
    assert "smaller than RECOMMENDED: error ONN017" in out


def test_notes_go_to_stderr_and_keep_the_exit_code(tmp_path):
    """A decimal unit loads with a note, ``file:line:col: note: key: message`` on stderr,
    wherever a profile is loaded for the user; the exit code is that of the profile without
    the note."""
    site = tmp_path / "site.yaml"
    site.write_text("extends: ovirt-node\nmounts:\n  /var: {recommended: 6GB}\n")
    note = ("%s:3:10: note: mounts./var.recommended: 6 GB is a decimal unit and means "
            "5.59 GiB; write '6 GiB' for the binary size\n" % site)
    status, out, err = run_cli("profile", "validate", str(site))
    assert (status, out, err) == (0, "%s: ok (profile site)\n" % site, note)
    status, out, err = run_cli("profile", "show", str(site))
    assert (status, err) == (0, note) and _rows(out)["/var"]["RECOMMENDED"] == "5.59 GiB"
    ks = os.path.join(ROOT, "data", "examples", "pxe-custom-thin.ks")
    status, out, err = run_cli("check", "--profile", str(site), ks)
    assert (status, err) == (0, note)
    # A broken file beside it: exit 2 as before, its error and the other file's note.
    broken = tmp_path / "broken.yaml"
    broken.write_text("mounts: {/: {min: 6}}\n")
    status, out, err = run_cli("profile", "validate", str(site), str(broken))
    assert status == 2 and err.startswith(note)
    assert "%s:1:14: error: mounts./.min" % broken in err


def test_unknown_profile_is_suggested_once(tmp_path):
    """The loader's problem carries the did-you-mean; the command does not repeat it."""
    for argv in (["profile", "show", "ovirt-nod"], ["profile", "validate", "ovirt-nod"],
                 ["check", "--profile", "ovirt-nod", os.path.join(ROOT, "data", "examples",
                                                                   "pxe-custom-thin.ks")]):
        status, out, err = run_cli(*argv)
        assert (status, out) == (2, ""), argv
        assert err == ("ovirt-nod: error: no such profile (built-in profiles: ovirt-node, "
                       "ovirt-node-minimal, ovirt-node-strict); did you mean ovirt-node?\n")
