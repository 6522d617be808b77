# SPDX-License-Identifier: GPL-2.0-or-later
"""The kickstart linter: every finding it makes, at the line it is about, on real
pykickstart parses; the shipped examples with their expected results."""
import os
import re
import subprocess
import sys

import pytest

from org_ovirt_node.kickstart.linter import LintInputError, exit_code, lint_file, lint_text
from org_ovirt_node.profile import load_profile

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "data", "examples")

THIN = ('logvol %(mp)s --vgname=HostVG --name=%(name)s --thin --poolname=HostPool '
        '--fsoptions="defaults,discard" --size=%(size)d%(extra)s\n')
MOUNTS = [("/", "root", 6144, " --grow"), ("/var", "var", 5120, ""),
          ("/var/tmp", "var_tmp", 10240, ""), ("/var/crash", "var_crash", 10240, ""),
          ("/var/log", "var_log", 8192, ""), ("/var/log/audit", "var_audit", 2048, ""),
          ("/home", "home", 1024, ""), ("/tmp", "tmp", 1024, "")]


def compliant(drop=(), change=None, head="", tail="", pool="--size=40000 --grow",
              vg_opts="--reserved-percent=20", boot="reqpart --add-boot\n",
              swap="logvol swap --vgname=HostVG --name=swap --recommended\n"):
    """A compliant oVirt thin layout (lines 1-12 + head lines), with changes."""
    change = change or {}
    text = head + boot
    text += "part pv.01 --size=42000 --grow\n"
    text += "volgroup HostVG pv.01 %s\n" % vg_opts
    text += swap
    text += "logvol none --vgname=HostVG --name=HostPool --thinpool %s\n" % pool
    for mp, name, size, extra in MOUNTS:
        if mp in drop:
            continue
        if mp in change:
            text += change[mp]
            continue
        text += THIN % {"mp": mp, "name": name, "size": size, "extra": extra}
    return text + tail


def line_of(text, needle):
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError("%r not in text" % needle)


def judged(report):
    """The findings of *report* but the "not checked" infos of rules whose facts a
    kickstart cannot give (disk sizes, pool metadata: see tests/test_facts.py)."""
    return tuple(f for f in report.findings
                 if not (f.severity == "info" and f.message.startswith("Not checked:")))


def only(report, code):
    found = [f for f in report.findings if f.code == code]
    assert found, "no %s in %s" % (code, [(f.code, f.message) for f in report.findings])
    return found


def test_compliant_layout_is_clean():
    report = lint_text(compliant())
    assert judged(report) == ()
    assert exit_code(report) == 0


def test_linter_imports_no_blivet():
    code = ("import sys; import org_ovirt_node.kickstart.linter as l, "
            "org_ovirt_node.cli.check_cmd, "
            "org_ovirt_node.kickstart.reader; l.lint_text(open(sys.argv[1]).read()); "
            "assert 'blivet' not in sys.modules and 'pyanaconda' not in sys.modules")
    subprocess.run([sys.executable, "-c", code,
                    os.path.join(EXAMPLES, "pxe-custom-thin.ks")], check=True)


# --- autopart ---------------------------------------------------------------------------
def test_autopart_thinp_is_info_at_its_line():
    report = lint_text("text\n\n# disks\nautopart --type=thinp\n")
    (f,) = report.findings
    assert (f.code, f.severity, f.line) == ("ONN101", "info", 4)
    assert exit_code(report) == 0


@pytest.mark.parametrize("kind, shown", [("lvm", "lvm"), ("plain", "plain"),
                                         ("--", "--type=[]")])   # pykickstart keeps a list
def test_autopart_of_another_type_is_an_error(kind, shown):
    report = lint_text("text\nautopart --type=%s\n" % kind)
    (f,) = report.findings
    assert (f.code, f.severity, f.line) == ("ONN102", "error", 2)
    assert shown in f.message
    assert exit_code(report) == 1


def test_autopart_without_type_is_a_warning():
    (f,) = lint_text("autopart\n").findings
    assert (f.code, f.severity, f.line) == ("ONN102", "warning", 1)


def test_autopart_options_that_drop_what_the_profile_needs():
    report = lint_text("\nautopart --type=thinp --nohome --noboot --noswap --fstype=ext3\n")
    codes = {(f.code, f.mountpoint, f.line) for f in report.findings}
    # /home: imgbased creates it at the first update (a warning); /boot: required
    assert ("ONN016", "/home", 2) in codes and ("ONN002", "/boot", 2) in codes
    assert ("ONN012", None, 2) in codes and ("ONN006", "/", 2) in codes
    # the minimal profile makes /home optional and silences optional mounts (what the
    # shipped drop-in makes autopart create is design.autopart_shortfalls' to say)
    minimal = lint_text("autopart --type=thinp --nohome\n", profile="ovirt-node-minimal")
    assert ("ONN101", None) in [(f.code, f.mountpoint) for f in minimal.findings]
    assert not [f for f in minimal.findings if f.mountpoint == "/home"]


# --- no partitioning, %include, %pre ----------------------------------------------------
def test_no_partitioning_is_info():
    (f,) = lint_text("text\nrootpw --lock\n").findings
    assert (f.code, f.severity, f.line) == ("ONN104", "info", None)


def test_missing_include_is_a_warning_not_a_crash():
    text = "text\n\n%include /nonexistent/part-include\nreboot\n"
    report = lint_text(text)
    (f,) = report.findings
    assert (f.code, f.severity, f.line) == ("ONN103", "warning", 3)
    assert "/nonexistent/part-include" in f.message
    assert exit_code(report) == 0 and exit_code(report, strict=True) == 1


def test_include_written_by_pre_is_dynamic_even_if_the_file_exists(tmp_path):
    path = tmp_path / "part-include"
    path.write_text("autopart --type=lvm\n")      # a stale local copy must not be judged
    text = "%%include %s\n%%pre\necho autopart > %s\n%%end\n" % (path, path)
    (f,) = lint_text(text).findings
    assert (f.code, f.line) == ("ONN103", 1) and "%pre" in f.message


def test_existing_include_is_read_and_findings_point_at_the_include(tmp_path):
    (tmp_path / "part.ks").write_text("# partitioning\nautopart --type=plain\n")
    ks = tmp_path / "main.ks"
    ks.write_text("text\n\n%include part.ks\nreboot\n")
    (f,) = lint_file(str(ks)).findings
    assert (f.code, f.line) == ("ONN102", 3)


def test_self_include_is_reported(tmp_path):
    ks = tmp_path / "loop.ks"
    ks.write_text("%%include %s\n" % ks)
    codes = [(f.code, f.line) for f in lint_file(str(ks)).findings]
    assert ("ONN103", 1) in codes


def test_partial_layout_with_dynamic_include_checks_only_what_is_there():
    text = "%include /nonexistent/rest\npart / --size=20000 --fsoptions=discard\n"
    report = lint_text(text)
    codes = sorted((f.code, f.line) for f in report.findings)
    # / on a partition is judged; missing mounts, swap and reserve are not
    assert codes == [("ONN001", 2), ("ONN103", 1)]


# --- references -------------------------------------------------------------------------
@pytest.mark.parametrize("text, needle, words", [
    (compliant().replace("volgroup HostVG pv.01", "volgroup HostVG pv.02"),
     "volgroup", ["pv.02"]),
    (compliant(change={"/var": "logvol /var --vgname=Other --name=var --thin "
                               "--poolname=HostPool --size=5120\n"}),
     "--vgname=Other", ["Other"]),
    (compliant(change={"/var": "logvol /var --vgname=HostVG --name=var --thin "
                               "--poolname=NoPool --size=5120\n"}),
     "NoPool", ["NoPool"]),
    ("raid pv.01 --level=1 --device=md0 raid.01 raid.02\npart raid.01 --size=100\n",
     "raid pv.01", ["raid.02"]),
    (compliant(head="part pv.01 --size=1000\n"), "pv.01 --size=42000", ["twice"]),
    (compliant(tail="volgroup VG2 pv.01\n"), "VG2", ["pv.01", "HostVG"]),
])
def test_inconsistent_references(text, needle, words):
    findings = only(lint_text(text), "ONN105")
    assert findings[0].line == line_of(text, needle)
    assert findings[0].severity == "error"
    for word in words:
        assert word in findings[0].message


# --- the %addon section -------------------------------------------------------------------
def test_addon_errors_are_findings_with_lines():
    text = compliant(tail="\n%addon org_ovirt_node --mode=loud\n\n# c\nmount /var\n%end\n")
    report = lint_text(text)
    lines = [f.line for f in only(report, "ONN106")]
    assert lines == [line_of(text, "--mode=loud"), line_of(text, "mount /var")]
    assert exit_code(report) == 1


def test_addon_unknown_profile_is_reported_at_the_header():
    text = "text\n%addon org_ovirt_node --profile=nope\n%end\nautopart --type=thinp\n"
    report = lint_text(text)
    (f,) = only(report, "ONN106")
    assert f.line == 2 and "nope" in f.message


def test_addon_overrides_change_the_verdict():
    text = compliant(tail="%addon org_ovirt_node\n\nmount /var min=8GiB\n%end\n")
    (f,) = judged(lint_text(text))
    assert (f.code, f.mountpoint, f.line) == ("ONN005", "/var", line_of(text, "logvol /var "))


def test_addon_profile_and_cli_profile():
    text = compliant(drop=("/var/tmp",),
                     change={"/var": THIN % {"mp": "/var", "name": "var", "size": 8192,
                                             "extra": ""}},
                     tail="%addon org_ovirt_node --profile=ovirt-node-minimal\n%end\n")
    assert judged(lint_text(text)) == ()
    # --profile replaces the named profile; /var/tmp is wanted again (imgbased creates it)
    report = lint_text(text, profile=load_profile("ovirt-node"))
    assert [(f.code, f.mountpoint) for f in judged(report)] == [("ONN016", "/var/tmp")]


def test_addon_rule_override_silences_a_linter_code():
    text = "%include /nonexistent\n%addon org_ovirt_node\nrule ks-dynamic off\n%end\n"
    assert lint_text(text).findings == ()


# --- syntax -----------------------------------------------------------------------------
@pytest.mark.parametrize("text, line", [
    ("text\n\npart /boot --size=abc\n", 3),
    ("autopart --type=thinp\npart / --size=100\n", 2),
    ("%packages\n@core\n", None),
    ("logvol / --name=root\n", 1),
    ("bogus_command --x\n", 1),
])
def test_syntax_error_is_one_finding_and_exit_2(text, line):
    report = lint_text(text)
    (f,) = report.findings
    assert f.code == "ONN107" and f.severity == "error"
    if line is not None:
        assert f.line == line
    assert exit_code(report) == 2


def test_syntax_error_line_after_an_include_is_in_the_original_file(tmp_path):
    (tmp_path / "a.ks").write_text("text\n\n\n\n")
    ks = tmp_path / "m.ks"
    ks.write_text("%include a.ks\nbootloader --bad-option\n")
    (f,) = lint_file(str(ks)).findings
    assert (f.code, f.line) == ("ONN107", 2)


def test_input_errors():
    with pytest.raises(LintInputError):
        lint_file("/nonexistent/x.ks")
    with pytest.raises(LintInputError):
        lint_text(b"\xff\xfe autopart")
    with pytest.raises(LintInputError):
        lint_text("autopart", ks_version="RHEL99")


def test_other_kickstart_versions():
    assert judged(lint_text(compliant(), ks_version="RHEL10")) == ()
    assert judged(lint_text(compliant(), ks_version="F38")) == ()


# --- the layout rules, at their lines ---------------------------------------------------------
def test_root_on_a_partition():
    text = compliant(change={"/": "part / --size=20000 --fstype=xfs\n"})
    f = only(lint_text(text), "ONN001")[0]
    assert f.line == line_of(text, "part / ") and f.severity == "error"


def test_missing_required_mount():
    text = compliant(drop=("/var",))
    f = only(lint_text(text), "ONN002")[0]
    assert f.mountpoint == "/var" and f.severity == "error"
    # at the line the missing logvol goes after (the pool's last thin LV), with that line
    assert f.line == line_of(text, "logvol /tmp ")
    assert f.hint == ('Add after this line: logvol /var --vgname=HostVG --name=var --thin '
                      '--poolname=HostPool --fsoptions="defaults,discard" --size=5120')


def test_hints_give_the_option_and_value_to_write():
    text = compliant(change={
        "/var": 'logvol /var --vgname=HostVG --name=var --thin --poolname=HostPool '
                '--fsoptions="defaults" --size=4000\n'}, vg_opts="--reserved-percent=5")
    found = {f.code: f for f in lint_text(text).findings}
    assert found["ONN005"].hint == "Write --size=5120 on this line (MiB: 5 GiB)."
    assert found["ONN011"].hint == 'Write --fsoptions="defaults,discard" on this line.'
    assert found["ONN009"].hint == "Write --reserved-percent=20 on this volgroup line."
    assert {found[c].line for c in ("ONN005", "ONN011")} == {line_of(text, "logvol /var ")}
    # in the file's own style: "--opt value"
    spaced = lint_text(re.sub(r"(--[a-z-]+)=", r"\1 ", text))
    assert {f.code: f for f in spaced.findings}["ONN005"].hint.startswith(
        "Write --size 5120 on this line")


def test_missing_boot_without_reqpart():
    f = only(lint_text(compliant(boot="")), "ONN002")[0]
    assert f.mountpoint == "/boot"


def test_boot_on_lvm_and_thick_var():
    text = compliant(boot="", change={
        "/var": "logvol /var --vgname=HostVG --name=var --size=5120 --fsoptions=discard\n"},
        tail="logvol /boot --vgname=HostVG --name=boot --size=1024\n")
    found = {f.mountpoint: f.line for f in only(lint_text(text), "ONN004")}
    assert found == {"/var": line_of(text, "logvol /var "),
                     "/boot": line_of(text, "logvol /boot")}


def test_swap_as_a_partition_is_the_wrong_kind():
    text = compliant(swap="part swap --recommended\n")
    # the kind of swap is the swap rule's (a warning: swap works anywhere)
    (f,) = [f for f in lint_text(text).findings if f.code in ("ONN004", "ONN012")]
    assert f.line == line_of(text, "part swap") and "Swap" in f.message


def test_thin_lv_in_another_pool():
    text = compliant(tail="logvol none --vgname=HostVG --name=Pool2 --thinpool --size=9000\n",
                     change={"/var/log": 'logvol /var/log --vgname=HostVG --name=var_log '
                                         '--thin --poolname=Pool2 --size=8192 '
                                         '--fsoptions="defaults,discard"\n'})
    f = only(lint_text(text), "ONN003")[0]
    assert f.mountpoint == "/var/log" and f.line == line_of(text, "logvol /var/log ")


def test_fixed_size_below_minimum_is_an_error_growing_a_warning():
    text = compliant(change={
        "/var": THIN % {"mp": "/var", "name": "var", "size": 4096, "extra": ""},
        "/": THIN % {"mp": "/", "name": "root", "size": 6000, "extra": " --grow"}})
    found = {f.mountpoint: f for f in only(lint_text(text), "ONN005")}
    assert found["/var"].severity == "error"
    assert found["/var"].line == line_of(text, "logvol /var ")
    assert "4 GiB" in found["/var"].message and "5 GiB" in found["/var"].message
    # / has no hard minimum in the default profile: a growing / of 6000 MiB is fine
    assert "/" not in found
    strict = lint_text(text, profile=load_profile("ovirt-node").derive(
        {"mounts": {"/": {"min": "6 GiB", "default": "6 GiB"}}}, "test"))
    found = {f.mountpoint: f for f in only(strict, "ONN005")}
    assert found["/"].severity == "warning" and "grows" in found["/"].message


def test_reqpart_boot_has_the_profile_default_size():
    report = lint_text(compliant())
    assert not [f for f in report.findings if f.mountpoint == "/boot"]
    text = compliant(boot="part /boot --size=500\n")
    f = only(lint_text(text), "ONN005")[0]
    assert f.mountpoint == "/boot" and f.line == 1


def test_filesystem_not_allowed():
    text = compliant(change={"/tmp": 'logvol /tmp --vgname=HostVG --name=tmp --thin '
                                     '--poolname=HostPool --size=1024 --fstype=ext3 '
                                     '--fsoptions="defaults,discard"\n'})
    f = only(lint_text(text), "ONN006")[0]
    assert f.line == line_of(text, "logvol /tmp") and "ext3" in f.message


def test_forbidden_usr():
    text = compliant(tail=THIN % {"mp": "/usr", "name": "usr", "size": 5000, "extra": ""})
    f = only(lint_text(text), "ONN007")[0]
    assert f.line == line_of(text, "logvol /usr")


def test_pool_overcommit_only_when_the_pool_size_is_fixed():
    text = compliant(pool="--size=20000")
    f = only(lint_text(text), "ONN008")[0]
    assert f.line == line_of(text, "--thinpool") and f.severity == "error"
    assert not [f for f in judged(lint_text(compliant(pool="--size=20000 --grow")))
                if f.code == "ONN008"]
    assert not [f for f in judged(lint_text(compliant(pool="--size=60000")))
                if f.code == "ONN008"]


@pytest.mark.parametrize("opts, code, severity, words", [
    # nothing free while the pool grows: an error of its own
    ("", "ONN018", "error", ["no space free", "grows"]),
    # a reserve below the profile's: a warning
    ("--reserved-percent=10", "ONN009", "warning", ["10 %", "20 %"]),
    ("--reserved-space=512", "ONN009", "warning", ["512 MiB", "1 GiB"]),
])
def test_vg_reserve(opts, code, severity, words):
    text = compliant(vg_opts=opts)
    report = lint_text(text)
    (f,) = [f for f in report.findings if f.code in ("ONN009", "ONN018")]
    assert (f.code, f.line, f.severity) == (code, line_of(text, "volgroup"), severity)
    for word in words:
        assert word in f.message


def test_no_reserve_with_a_pool_of_fixed_size_is_a_warning():
    text = compliant(vg_opts="", pool="--size=40000")
    (f,) = [f for f in lint_text(text).findings if f.code in ("ONN009", "ONN018")]
    assert (f.code, f.severity) == ("ONN009", "warning") and "no reserve" in f.message


def test_vg_reserve_space_above_minimum_is_accepted():
    assert judged(lint_text(compliant(vg_opts="--reserved-space=20480"))) == ()


def test_missing_discard_is_a_warning():
    text = compliant(change={"/home": "logvol /home --vgname=HostVG --name=home --thin "
                                      "--poolname=HostPool --size=1024\n"})
    report = lint_text(text)
    f = only(report, "ONN011")[0]
    assert (f.severity, f.line) == ("warning", line_of(text, "logvol /home"))
    assert exit_code(report) == 0 and exit_code(report, strict=True) == 1


def test_no_swap_is_a_warning():
    f = only(lint_text(compliant(swap="")), "ONN012")[0]
    assert f.severity == "warning"


def test_duplicate_mount():
    text = compliant(tail="part /home --size=2048\n")
    f = only(lint_text(text), "ONN015")[0]
    assert f.mountpoint == "/home"


def test_encrypted_pv_and_raid_pv_are_understood():
    enc = compliant().replace("part pv.01 --size=42000 --grow",
                              "part pv.01 --size=42000 --grow --encrypted --passphrase=x")
    assert judged(lint_text(enc)) == ()
    raid = compliant().replace(
        "part pv.01 --size=42000 --grow\n",
        "part raid.01 --size=42000 --grow --ondisk=sda\npart raid.02 --size=42000 --grow "
        "--ondisk=sdb\nraid pv.01 --level=1 --device=md0 raid.01 raid.02\n")
    assert judged(lint_text(raid)) == ()


def test_encrypted_thin_lv_is_not_a_thin_mount():
    text = compliant(change={"/var": 'logvol /var --vgname=HostVG --name=var --thin '
                                     '--poolname=HostPool --size=5120 --encrypted '
                                     '--passphrase=x --fsoptions="defaults,discard"\n'})
    f = only(lint_text(text), "ONN004")[0]
    assert f.mountpoint == "/var" and f.line == line_of(text, "logvol /var ")


# --- the shipped examples -----------------------------------------------------------------
@pytest.mark.parametrize("name, codes, status", [
    ("interactive-autopart.ks", [("ONN101", "info")], 0),
    ("pxe-custom-thin.ks", [], 0),
    ("pxe-addon-overrides.ks", [("ONN013", "info")], 0),
    ("pre-generated.ks", [("ONN103", "warning")], 0),
    ("pxe-pre-autodisks.ks", None, 0),
])
def test_examples(name, codes, status):
    path = os.path.join(EXAMPLES, name)
    if not os.path.exists(path):
        pytest.skip("%s is written by another helper" % name)
    report = lint_file(path)
    if codes is None:       # written by the planner helper: its layout comes from %pre
        assert [f.code for f in report.warnings] == ["ONN103"]
        assert not report.errors
    else:
        assert [(f.code, f.severity) for f in judged(report)] == codes
    assert exit_code(report) == status


def test_override_example_really_applies_its_overrides():
    with open(os.path.join(EXAMPLES, "pxe-addon-overrides.ks")) as handle:
        text = handle.read()
    smaller = text.replace("--name=var --thin --poolname=pool00 --fsoptions=\"defaults,"
                           "discard\" --size=15360", "--name=var --thin --poolname=pool00 "
                           "--size=10240")
    report = lint_text(smaller)
    assert {(f.code, f.severity) for f in report.errors} == {("ONN005", "error"),
                                                           ("ONN011", "error")}


def test_reused_parser_state_does_not_leak_between_kickstarts():
    assert judged(lint_text(compliant())) == ()
    (f,) = lint_text("text\n").findings          # the previous partitions are gone
    assert f.code == "ONN104"
    assert [x.code for x in lint_text("autopart --type=thinp\n").findings] == ["ONN101"]
    # autopart above must not conflict with the partitions of the next one
    assert judged(lint_text(compliant())) == ()
    text = "%addon org_ovirt_node --mode=warn\nmount /var min=6GiB\n%end\n" + compliant()
    assert [x.code for x in judged(lint_text(text))] == ["ONN005"]
    assert judged(lint_text(compliant())) == ()  # the override applied to that file only


# --- hostile input (issue 9): disclosure ----------------------------------------------------
MARKER = "SECRETMARKER"


def secret_file(tmp_path, name="shadow", lines=40, sep="\n"):
    """A fake secret file: every entry's marker sits beyond any short excerpt."""
    path = tmp_path / name
    path.write_text(sep.join("user%d_%s%s%d: x" % (n, "x" * 60, MARKER, n)
                             for n in range(lines)) + sep)
    return path


def all_text(report):
    return "\n".join("%s %s" % (f.message, f.hint) for f in report.findings)


def test_include_of_a_secret_file_inside_addon_is_summarised(tmp_path):
    secret = secret_file(tmp_path)
    text = "autopart --type=thinp\n%%addon org_ovirt_node\n%%include %s\n%%end\n" % secret
    report = lint_text(text)
    addon = only(report, "ONN106")
    assert len(addon) == 6 and {f.line for f in addon} == {3}
    assert "and 35 more lines" in addon[-1].message
    assert MARKER not in all_text(report)


def test_include_of_a_secret_file_as_commands_quotes_an_excerpt(tmp_path):
    secret = secret_file(tmp_path)
    (f,) = lint_text("text\n%%include %s\n" % secret).findings
    assert (f.code, f.line) == ("ONN107", 2)
    assert "user0_xxx" in f.message and "line 1 of" in f.message
    assert MARKER not in f.message and len(f.message) < 300


def test_addon_profile_naming_a_secret_file_is_not_printed(tmp_path):
    secret = secret_file(tmp_path)
    text = "autopart --type=thinp\n%%addon org_ovirt_node --profile=%s\n%%end\n" % secret
    report = lint_text(text)
    (f,) = only(report, "ONN106")
    assert f.line == 2 and MARKER not in all_text(report) and len(f.message) < 1500


def test_include_of_an_environment_block_is_not_read(tmp_path):
    environ = secret_file(tmp_path, "environ", sep="\0")
    (f,) = lint_text("%%include %s\nautopart --type=thinp\n" % environ).warnings
    assert (f.code, f.line) == ("ONN103", 1) and "not a text file" in f.message
    assert MARKER not in all_text(lint_text("%%include %s\n" % environ))


def test_include_of_a_fifo_or_device_is_not_opened(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(str(fifo))                    # opening it for reading would block forever
    for path in (fifo, "/dev/zero"):
        (f,) = lint_text("%%include %s\n" % path).findings
        assert (f.code, f.line) == ("ONN103", 1) and "not a regular file" in f.message


def test_pykickstart_messages_quote_only_an_excerpt_of_the_line():
    line = "bootloader --bogus=%s%s\n" % ("b" * 80, MARKER)
    (f,) = lint_text("text\n" + line).findings
    assert (f.code, f.line) == ("ONN107", 2) and MARKER not in f.message
    (f,) = lint_text("\x1b]0;title\x07" + "z" * 50 + MARKER + "\n").findings
    assert "\x1b" not in f.message and "\\x1b" in f.message and MARKER not in f.message


def test_main_text_with_a_nul_is_not_a_kickstart():
    with pytest.raises(LintInputError, match=":2:"):
        lint_text("text\nA=1\0B=2\n")


# --- hostile input: bounded work ------------------------------------------------------------
def test_include_fan_out_is_refused_at_the_include_line(tmp_path):
    # 7 levels of 10 %include lines each would expand to 10 million lines.
    for level in range(7):
        child = "leaf.ks" if level == 6 else "f%d.ks" % (level + 1)
        (tmp_path / ("f%d.ks" % level)).write_text("%%include %s\n" % child * 10)
    (tmp_path / "leaf.ks").write_text("firewall --disabled\n")
    main = tmp_path / "main.ks"
    main.write_text("text\n\n%include f0.ks\n")
    with pytest.raises(LintInputError) as info:
        lint_file(str(main))
    assert str(info.value).startswith("%s:3: " % main)
    assert "64" in str(info.value)


def test_total_included_size_is_bounded(tmp_path):
    big = tmp_path / "big.ks"
    big.write_text(("#" * 1023 + "\n") * 3 * 1024)       # 3 MiB, 3072 lines
    text = "text\n%include big.ks\n%include big.ks\n%include big.ks\n"
    with pytest.raises(LintInputError) as info:
        lint_text(text, filename=str(tmp_path / "m.ks"), base_dir=str(tmp_path))
    assert ":4: " in str(info.value) and "8 MiB" in str(info.value)


def test_an_included_file_over_the_limit_is_refused(tmp_path):
    (tmp_path / "huge.ks").write_text("#" * (4 * 1024 * 1024 + 10) + "\n")
    with pytest.raises(LintInputError, match=r"m\.ks:2: .*huge\.ks.*4 MiB"):
        lint_text("text\n%include huge.ks\n", filename="m.ks", base_dir=str(tmp_path))


def test_line_count_is_bounded():
    with pytest.raises(LintInputError, match="<stdin>:100001: "):
        lint_text("#\n" * 100_001)


def test_a_long_command_line_is_refused_before_parsing(monkeypatch):
    from pykickstart.parser import KickstartParser

    def must_not_parse(*args, **kwargs):
        raise AssertionError("pykickstart must not see the line")
    monkeypatch.setattr(KickstartParser, "readKickstartFromString", must_not_parse)
    for text in ("text\n\npart / --fsoptions=" + "a" * 1_000_000 + "\n",
                 "text\n\n%%include %s\n" % ("/x" * 500_000),
                 "%pre\necho\n%end " + "a" * 1_000_000 + "\n"):
        with pytest.raises(LintInputError, match="<stdin>:3: .*16384"):
            lint_text(text)


def test_long_script_and_addon_lines_are_handled_without_splitting_them(monkeypatch):
    import shlex
    split, lengths = shlex.split, []

    def counting_split(text, *args, **kwargs):
        lengths.append(len(text))
        return split(text, *args, **kwargs)
    monkeypatch.setattr(shlex, "split", counting_split)
    text = ("autopart --type=thinp\n%post\necho " + "a" * 1_000_000 + "\n%end\n"
            "%addon org_ovirt_node\nmount /var min=" + "1" * 1_000_000 + "GiB\n%end\n")
    report = lint_text(text)
    assert [(f.code, f.line) for f in report.errors] == [("ONN106", 6)]
    assert max(lengths, default=0) < 100


def test_duplicate_checks_are_not_quadratic(monkeypatch):
    # pykickstart compares every new logvol with every earlier one (10,000 logvols: 50
    # million comparisons); the linter's data lists look them up instead.
    from pykickstart.commands.logvol import FC3_LogVolData
    calls = []
    eq = FC3_LogVolData.__eq__
    monkeypatch.setattr(FC3_LogVolData, "__eq__", lambda a, b: calls.append(1) or eq(a, b))
    lines = "".join("logvol /d%d --vgname=HostVG --name=d%d --thin --poolname=HostPool "
                    "--size=1024\n" % (n, n) for n in range(2000))
    report = lint_text(compliant(tail=lines + "logvol /d1 --vgname=HostVG --name=d1 --thin "
                                 "--poolname=HostPool --size=1024\n"))
    assert not report.errors or "ONN015" in {f.code for f in report.errors}
    assert len(calls) < 10


# --- hostile input: clean errors --------------------------------------------------------------
@pytest.mark.parametrize("text, line", [
    ('text\n\npart / --fsoptions="defaults\n', 3),
    ("text\n%pre\necho 'it's fine in a script\n%end 'x\nreboot\n", 4),
    ("text\n# it's a comment\nreboot 'now\n", 3),
])
def test_unclosed_quotes_are_reported_at_their_line(text, line):
    (f,) = lint_text(text).findings
    assert (f.code, f.line) == ("ONN107", line)
    assert "No closing quotation" in f.message


@pytest.mark.parametrize("separator", ["\r", "\x0c", "\x85", "\u2028", "\r\n"])
def test_lines_are_counted_as_pykickstart_counts_them(separator):
    text = "# c" + separator + "# d\n" + "bogus_command\n"
    (f,) = lint_text(text).findings
    assert (f.code, f.line) == ("ONN107", 3)


def test_unclosed_quote_in_an_included_file_names_its_line(tmp_path):
    (tmp_path / "part.ks").write_text("# partitioning\n\nlogvol / --name='root\n")
    ks = tmp_path / "main.ks"
    ks.write_text("text\n%include part.ks\n")
    (f,) = lint_file(str(ks)).findings
    assert (f.code, f.line) == ("ONN107", 2) and "line 3 of" in f.message


def test_autopart_fstype_with_a_profile_allowing_any_filesystem():
    from org_ovirt_node.profile import load_profile_text
    profile = load_profile_text("extends: ovirt-node\nmounts:\n  /: {filesystems: []}\n")
    report = lint_text("autopart --type=thinp --fstype=ext4\n", profile=profile)
    assert [f.code for f in report.findings] == ["ONN101"]
    report = lint_text("autopart --type=thinp --fstype=ext3\n")
    assert "ONN006" in [f.code for f in report.findings]


@pytest.mark.parametrize("old, new, code, status", [
    ("--vgname=HostVG --name=root", "--vgname=-- --name=root", "ONN105", 1),
    ("--poolname=HostPool --fsoptions", "--poolname=-- --fsoptions", None, 2),
    ("volgroup HostVG pv.01", "volgroup -- pv.01", None, 1),
    ("--name=root", "--name=--", None, 0),
    ('--fsoptions="defaults,discard" --size=6144', "--fsoptions=-- --size=6144", None, 0),
    ("part pv.01 --size=42000", "part pv.01 --ondisk=-- --fstype=-- --size=42000", None, 0),
])
def test_options_pykickstart_keeps_as_lists_are_read_as_text(old, new, code, status):
    # "--opt=--" leaves a list where pykickstart normally has a string.
    text = compliant().replace(old, new, 1)
    assert new in text
    report = lint_text(text)
    assert exit_code(report) == status, report.findings
    if code is not None:
        assert "[]" in only(report, code)[0].message
