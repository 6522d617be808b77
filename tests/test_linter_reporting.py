# SPDX-License-Identifier: GPL-2.0-or-later
"""How the linter reports (issue 11, item 5): file and line order, the included file's own
line, every %addon problem and every parse error at once, a relative %addon profile read
beside the kickstart, directories, and commands a file and its includes both give."""
import os

from org_ovirt_node.kickstart.linter import (
    LintInputError,
    exit_code,
    kickstarts_in,
    lint_file,
    lint_paths,
    lint_text,
    render_text,
)

THIN = ('logvol %s --vgname=vg --name=%s --thin --poolname=pool '
        '--fsoptions="defaults,discard" --size=%d\n')
LAYOUT = ("reqpart --add-boot\npart pv.01 --size=42000 --grow\n"
          "volgroup vg pv.01 --reserved-percent=20\n"
          "logvol swap --vgname=vg --name=swap --recommended\n"
          "logvol none --vgname=vg --name=pool --thinpool --size=40000 --grow\n"
          + THIN.replace("--size=%d", "--size=%d --grow") % ("/", "root", 6144)
          + "".join(THIN % m for m in [
              ("/var", "var", 5120), ("/var/tmp", "var_tmp", 10240),
              ("/var/crash", "var_crash", 10240), ("/var/log", "var_log", 8192),
              ("/var/log/audit", "var_audit", 2048), ("/home", "home", 1024),
              ("/tmp", "tmp", 1024)]))


def write(folder, name, text):
    path = os.path.join(str(folder), name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def placed(report):
    return [(f.code, f.line, f.file, f.file_line) for f in report.findings
            if not f.message.startswith("Not checked")]


def test_findings_come_in_line_order_not_severity_order():
    text = LAYOUT.replace("--name=home --thin --poolname=pool --fsoptions=\"defaults,discard\"",
                          "--name=home --thin --poolname=pool --fsoptions=defaults") \
        .replace("--size=5120", "--size=100")
    report = lint_text(text)
    lines = [f.line for f in report.findings if f.line]
    assert lines == sorted(lines)
    with_lines = [f for f in report.findings if f.line]
    codes = [f.code for f in with_lines]
    assert codes.index("ONN005") < codes.index("ONN011")   # line 7 before line 12
    assert with_lines[codes.index("ONN005")].severity == "error"
    assert with_lines[codes.index("ONN011")].severity == "warning"


def test_finding_in_an_include_names_the_included_file_and_line(tmp_path):
    inc = write(tmp_path, "part.inc", "# layout\n" + LAYOUT.replace("--size=5120",
                                                                    "--size=100"))
    main = write(tmp_path, "main.ks", "text\n\n\n%include part.inc\nreboot\n")
    report = lint_file(main)
    (f,) = [f for f in report.findings if f.code == "ONN005"]
    assert (f.line, f.file, f.file_line, f.included_from) == (4, inc, 8, ("%s:4" % main,))
    assert render_text(report).splitlines()[-2].startswith(
        "%s:8: error: ONN005 " % inc)
    assert ("(included from %s:4)" % main) in render_text(report)


def test_nested_relative_includes_name_each_step(tmp_path, monkeypatch):
    os.makedirs(str(tmp_path / "ks" / "parts"))
    write(tmp_path / "ks" / "parts", "disk.inc", LAYOUT.replace("--size=5120", "--size=100"))
    write(tmp_path / "ks" / "parts", "all.inc", "# all\n%include disk.inc\n")
    write(tmp_path / "ks", "main.ks", "text\n%include parts/all.inc\n")
    monkeypatch.chdir(tmp_path)
    report = lint_file("ks/main.ks")
    (f,) = [f for f in report.findings if f.code == "ONN005"]
    assert (f.file, f.file_line) == ("ks/parts/disk.inc", 7)
    assert f.included_from == ("ks/main.ks:2", "ks/parts/all.inc:2")


def test_every_parse_error_is_reported():
    report = lint_text("text\npart / --size=abc\nlogvol --bogus\nvolgroup\nreboot\n")
    assert [(f.code, f.line) for f in report.findings] == [
        ("ONN107", 2), ("ONN107", 3), ("ONN107", 4)]
    assert exit_code(report) == 2


def test_an_unclosed_section_is_one_error():
    report = lint_text("%packages\n@core\n")
    assert [f.code for f in report.findings] == ["ONN107"]


def test_every_addon_problem_at_once():
    text = ("autopart --type=thinp\n%addon org_ovirt_node\nmount /nope min=1GiB\n"
            "mount /var min=9GiB\nmount /also min=1GiB\nrequire /x kind=bogus\n%end\n")
    report = lint_text(text)
    assert [f.line for f in report.findings if f.code == "ONN106"] == [3, 5, 6]


def test_relative_addon_profile_is_read_beside_the_kickstart(tmp_path, monkeypatch):
    write(tmp_path, "site.yaml", "extends: ovirt-node\nname: site\n"
          "mounts:\n  /srv: {kind: thin, min: 1 GiB}\n")
    path = write(tmp_path, "host.ks", LAYOUT + "%addon org_ovirt_node --profile=site.yaml\n"
                 "%end\n")
    monkeypatch.chdir("/")
    report = lint_file(path)
    assert [f.mountpoint for f in report.findings if f.code == "ONN002"] == ["/srv"]
    assert not [f for f in report.findings if f.code == "ONN106"]


def test_a_directory_lints_every_kickstart_in_it(tmp_path):
    write(tmp_path, "a.ks", LAYOUT)
    write(tmp_path, "b.ks", "autopart --type=lvm\n")
    write(tmp_path, "notes.txt", "not a kickstart\n")
    (tmp_path / "c.ks").write_bytes(b"text\n\xff\n")
    names = [os.path.basename(p) for p in kickstarts_in([str(tmp_path)])]
    assert names == ["a.ks", "b.ks", "c.ks"]
    results = dict((os.path.basename(p), r) for p, r in lint_paths([str(tmp_path)]))
    assert exit_code(results["a.ks"]) == 0 and exit_code(results["b.ks"]) == 1
    assert isinstance(results["c.ks"], LintInputError)


def test_a_command_an_include_gives_again_is_a_contradiction(tmp_path):
    write(tmp_path, "disks.inc", "ignoredisk --only-use=sdb\nclearpart --all --drives=sdb\n")
    main = write(tmp_path, "main.ks", "ignoredisk --only-use=sda\nclearpart --all "
                 "--drives=sda\n%include disks.inc\n" + LAYOUT)
    report = lint_file(main)
    found = [(f.code, f.file_line, f.message) for f in report.findings if f.code == "ONN105"]
    assert [(c, n) for c, n, _m in found] == [("ONN105", 1), ("ONN105", 2)]
    assert "ignoredisk" in found[0][2] and "line 1" in found[0][2]
    # the same command given twice alike is no contradiction
    same = lint_text("clearpart --all\nclearpart --all\n" + LAYOUT)
    assert not [f for f in same.findings if f.code == "ONN105"]
