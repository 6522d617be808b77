# SPDX-License-Identifier: GPL-2.0-or-later
"""The kickstart fixer (``check --fix``): the smallest rewrite that satisfies the profile,
everything else byte-identical; refusals that say why; the fixed file lints clean, passes
pykickstart's own ``ksvalidator`` and a second fix changes nothing."""
import os
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from org_ovirt_node.kickstart.fixer import (
    FixRefusedError,
    fix_file,
    fix_text,
    unified_diff,
)
from org_ovirt_node.kickstart.linter import lint_text
from org_ovirt_node.profile import load_profile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
CORPUS = os.path.join(ROOT, "tests", "corpus")
EXAMPLES = os.path.join(ROOT, "data", "examples")

# The oVirt 4.4 installation guide's custom layout, with what real files add: a comment,
# a trailing comment, a section after the partitioning.
GUIDE = """\
# oVirt 4.4 installation guide, custom partitioning
text
clearpart --all --initlabel
part /boot --fstype=ext4 --size=1000
part pv.01 --size=42000 --grow
volgroup HostVG pv.01
logvol swap --vgname=HostVG --name=swap --fstype=swap --recommended
logvol none --vgname=HostVG --name=HostPool --thinpool --size=40000 --grow
logvol / --vgname=HostVG --name=root --thin --fstype=ext4 --poolname=HostPool \
--fsoptions="defaults,discard" --size=6000 --grow
logvol /var --vgname=HostVG --name=var --thin --fstype=ext4 --poolname=HostPool \
--fsoptions="defaults,discard" --size=15000
logvol /var/crash --vgname=HostVG --name=var_crash --thin --fstype=ext4 --poolname=HostPool \
--fsoptions="defaults,discard" --size=10000
logvol /var/log --vgname=HostVG --name=var_log --thin --fstype=ext4 --poolname=HostPool \
--fsoptions="defaults,discard" --size=8000
logvol /var/log/audit --vgname=HostVG --name=var_audit --thin --fstype=ext4 \
--poolname=HostPool --fsoptions="defaults,discard" --size=2000   # audit trail
logvol /home --vgname=HostVG --name=home --thin --fstype=ext4 --poolname=HostPool \
--fsoptions="defaults" --size=1000
logvol /tmp --vgname=HostVG --name=tmp --thin --fstype=ext4 --poolname=HostPool --size=1000

%post --erroronfail
nodectl init
%end
"""


def errors(report):
    return [(f.code, f.message) for f in report.findings if f.severity == "error"]


def ksvalidator(path, version="RHEL9"):
    """pykickstart's own validator on *path* (run in its folder, for relative includes)."""
    exe = os.path.join(os.path.dirname(sys.executable), "ksvalidator")
    if not os.path.exists(exe):
        exe = shutil.which("ksvalidator")
    assert exe, "pykickstart's ksvalidator is not installed"
    proc = subprocess.run([exe, "-v", version, os.path.basename(path)],
                          cwd=os.path.dirname(path) or ".", capture_output=True, text=True,
                          timeout=120, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return str(path)


def fixed_and_checked(path):
    """Fix the kickstart at *path* in place (all files), then: it lints without errors,
    ksvalidator accepts it and a second fix changes nothing."""
    result = fix_file(path)
    for name, text in result.files.items():
        with open(name, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    assert errors(lint_text(open(path, encoding="utf-8").read(), filename=path)) == []
    code, output = ksvalidator(path)
    assert code == 0, output
    again = fix_file(path)
    assert not again.changed and again.files == {} and unified_diff(again) == ""
    return result


# --- what it fixes ----------------------------------------------------------------------
def test_guide_example_gets_the_smallest_fix(tmp_path):
    path = write(tmp_path, "guide.ks", GUIDE)
    assert errors(lint_text(GUIDE))     # /boot below 1 GiB, no VG reserve
    result = fixed_and_checked(path)
    new = result.files[path]
    old_lines, new_lines = GUIDE.splitlines(True), new.splitlines(True)
    # every line but the ones the fix is about is byte-identical, in the same order
    changed = {n + 1 for n, (a, b) in enumerate(zip(old_lines[:15], new_lines)) if a != b}
    assert changed == {4, 6, 14, 15}
    assert new_lines[3] == "part /boot --fstype=ext4 --size=1024\n"
    assert new_lines[5] == "volgroup HostVG pv.01 --reserved-percent=20\n"
    assert '--fsoptions="defaults,discard" --size=1000\n' in new_lines[13]
    # an absent --fsoptions goes where this file writes it (before --size), in its quoting
    assert new_lines[14] == ('logvol /tmp --vgname=HostVG --name=tmp --thin --fstype=ext4 '
                             '--poolname=HostPool --fsoptions="defaults,discard" '
                             '--size=1000\n')
    # the missing /var/tmp: after the pool's last thin LV, copied from it, named like the rest
    assert new_lines[15] == ('logvol /var/tmp --vgname=HostVG --name=var_tmp --thin '
                             '--fstype=ext4 --poolname=HostPool --fsoptions="defaults,discard" '
                             '--size=10240\n')
    assert new_lines[16:] == old_lines[15:]
    lines = [c.line for c in result.changes]
    assert lines == sorted(lines) and {c.file for c in result.changes} == {path}


def test_sizes_below_the_hard_minimum_only_are_raised():
    profile = load_profile("ovirt-node")
    var_min = profile.mounts["/var"].min_size // (1024 * 1024)
    text = GUIDE.replace("--name=var --thin --fstype=ext4 --poolname=HostPool "
                         '--fsoptions="defaults,discard" --size=15000',
                         "--name=var --thin --fstype=ext4 --poolname=HostPool "
                         '--fsoptions="defaults,discard" --size=%d --grow --maxsize=%d'
                         % (var_min - 100, var_min - 50))
    new = fix_text(text).files["<stdin>"]
    line = [x for x in new.splitlines() if "--name=var " in x][0]
    assert "--size=%d --grow --maxsize=%d" % (var_min, var_min) in line
    # above the hard minimum, below the recommended size: left alone (a warning remains)
    assert "--name=var_log --thin --fstype=ext4 --poolname=HostPool " \
        '--fsoptions="defaults,discard" --size=8000' in new


def test_compliant_example_is_left_alone():
    path = os.path.join(EXAMPLES, "pxe-custom-thin.ks")
    result = fix_file(path)
    assert not result.changed and result.changes == () and unified_diff(result) == ""


def test_space_separated_values_crlf_and_own_naming_are_followed(tmp_path):
    text = ("reqpart --add-boot\r\n"
            "part pv.01 --size 42000 --grow\r\n"
            "volgroup vg0 pv.01 --reserved-percent 2\r\n"
            "logvol swap --vgname vg0 --name lv_swap --recommended\r\n"
            "logvol none --vgname vg0 --name thinpool --thinpool --size 40000 --grow\r\n"
            "logvol / --vgname vg0 --name lv_root --thin --poolname thinpool "
            "--fsoptions defaults,discard --size 6144 --grow\r\n"
            "logvol /var --vgname vg0 --name lv_var --thin --poolname thinpool "
            "--fsoptions defaults,discard --size 20480\r\n"
            "logvol /var/log --vgname vg0 --name lv_var-log --thin --poolname thinpool "
            "--fsoptions defaults,discard --size 8192\r\n")
    path = write(tmp_path, "field.ks", text)
    result = fixed_and_checked(path)
    new = result.files[path]
    assert new.count("\r\n") == new.count("\n")          # line endings kept
    assert "volgroup vg0 pv.01 --reserved-percent 20\r\n" in new
    added = [x for x in new.splitlines() if x.startswith("logvol /var/tmp ")]
    assert added == ["logvol /var/tmp --vgname vg0 --name lv_var-tmp --thin --poolname "
                     "thinpool --fsoptions defaults,discard --size 10240"]


def test_fixed_size_pool_grows_to_hold_what_is_added(tmp_path):
    text = GUIDE.replace("--thinpool --size=40000 --grow", "--thinpool --size=40000") \
        .replace("volgroup HostVG pv.01", "volgroup HostVG pv.01 --reserved-percent=20")
    path = write(tmp_path, "pool.ks", text)
    result = fixed_and_checked(path)
    pool = [x for x in result.files[path].splitlines() if "--thinpool" in x][0]
    # / 6000 + /var 15000 + 10000 + 8000 + 2000 + 1000 + 1000 + the new /var/tmp 10240
    assert pool.endswith("--thinpool --size=53240")


def test_reserve_below_the_minimum_space_is_raised():
    text = GUIDE.replace("volgroup HostVG pv.01", "volgroup HostVG pv.01 --reserved-space=512")
    new = fix_text(text).files["<stdin>"]
    minimum = load_profile("ovirt-node").reserve_min // (1024 * 1024)
    assert "volgroup HostVG pv.01 --reserved-space=%d\n" % minimum in new


def test_fix_inside_a_relative_include_goes_to_that_file(tmp_path):
    head, rest = GUIDE.split("clearpart --all --initlabel\n")
    layout, tail = rest.split("\n%post")
    main = head + "clearpart --all --initlabel\n%include part.inc\n\n%post" + tail
    path = write(tmp_path, "main.ks", main)
    inc = write(tmp_path, "part.inc", layout + "\n")
    report = lint_text(main, filename=path)
    boot = [f for f in report.findings if f.code == "ONN005"][0]
    assert (boot.line, boot.file, boot.file_line) == (4, inc, 1)
    assert boot.included_from == ("%s:4" % path,)
    result = fixed_and_checked(path)
    assert list(result.files) == [inc]          # the kickstart itself is untouched
    assert {c.file for c in result.changes} == {inc}
    assert "part /boot --fstype=ext4 --size=1024\n" in open(inc).read()
    diff = unified_diff(result)
    assert diff.startswith("--- %s\n+++ %s\n" % (inc, inc))


def test_fixer_api_uses_relative_names_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "main.ks", "text\n%include part.inc\n")
    write(tmp_path, "part.inc", GUIDE.split("%post")[0])
    result = fix_file("main.ks")
    assert list(result.files) == ["part.inc"]
    assert unified_diff(result).startswith("--- a/part.inc\n+++ b/part.inc\n")


def test_reqpart_without_add_boot_gets_it():
    text = GUIDE.replace("part /boot --fstype=ext4 --size=1000\n", "reqpart\n")
    result = fix_text(text)
    assert "\nreqpart --add-boot\n" in result.files["<stdin>"]
    assert errors(result.report) == []


# The oVirt kickstarts the issue names: both are fixed, not refused.
OVIRT_OWN = ("ovirt-44-guide-custom-partitioning.ks", "ovirt-node-ng-node-install.ks")


@pytest.mark.parametrize("name", OVIRT_OWN)
def test_ovirt_own_kickstarts_are_fixed(name, tmp_path):
    source = os.path.join(CORPUS, name)
    if not os.path.exists(source):
        pytest.skip("corpus file %s not there (yet)" % name)
    path = str(tmp_path / name)
    shutil.copy(source, path)
    result = fixed_and_checked(path)
    assert result.changed and any("/var/tmp" in c.message for c in result.changes)


# --- what it refuses ----------------------------------------------------------------------
def refused(text, **kwargs):
    with pytest.raises(FixRefusedError) as info:
        fix_text(text, **kwargs)
    return info.value


def test_thick_root_is_refused_saying_why():
    text = GUIDE.replace("--name=root --thin", "--name=root").replace(
        "--poolname=HostPool --fsoptions=\"defaults,discard\" --size=6000 --grow",
        "--fsoptions=\"defaults,discard\" --size=6000 --grow")
    exc = refused(text)
    assert any(r.line == 9 and "thin" in r.message for r in exc.reasons)


def test_no_pool_at_all_is_refused():
    text = ("reqpart --add-boot\npart pv.01 --size=42000 --grow\n"
            "volgroup vg pv.01 --reserved-percent=20\n"
            "logvol / --vgname=vg --name=root --size=6144 --grow\n")
    exc = refused(text)
    assert exc.reasons and all(r.file == "<stdin>" for r in exc.reasons)


def test_partitioning_written_by_pre_is_refused():
    text = ("text\n%include /tmp/part-include\n"
            "%pre\necho 'autopart --type=thinp' > /tmp/part-include\n%end\n")
    exc = refused(text)
    assert [r.line for r in exc.reasons] == [2] and "%pre" in exc.reasons[0].message


def test_unparsable_kickstart_is_refused_with_every_error():
    exc = refused("part / --size=abc\nlogvol --bogus\n")
    assert [r.line for r in exc.reasons] == [1, 2]


def test_autopart_of_another_type_is_refused_thin_autopart_left_alone():
    assert refused("autopart --type=lvm\n").reasons
    assert not fix_text("autopart --type=thinp\n").changed


def test_an_absolute_include_is_not_rewritten(tmp_path):
    inc = write(tmp_path, "part.inc", GUIDE.split("%post")[0])
    exc = refused("text\n%%include %s\n" % inc)
    assert exc.reasons and "absolute" in str(exc)
    assert open(inc).read() == GUIDE.split("%post")[0]


def test_refusal_names_file_and_line():
    exc = refused(GUIDE.replace("logvol /tmp ", "logvol /usr --vgname=HostVG --name=usr "
                                "--thin --poolname=HostPool --size=1000\nlogvol /tmp "),
                  filename="site.ks")
    assert any(str(r).startswith("site.ks:15: ") and "ONN007" in r.message
               for r in exc.reasons)


# --- whatever the layout --------------------------------------------------------------------
MOUNTS = [("/", "root", 6144, " --grow"), ("/var", "var", 5120, ""),
          ("/var/tmp", "var_tmp", 10240, ""), ("/var/crash", "var_crash", 10240, ""),
          ("/var/log", "var_log", 8192, ""), ("/var/log/audit", "var_audit", 2048, ""),
          ("/home", "home", 1024, ""), ("/tmp", "tmp", 1024, "")]


@st.composite
def layouts(draw):
    lines = ["reqpart --add-boot", "part pv.01 --size=42000 --grow",
             "volgroup HostVG pv.01%s" % draw(st.sampled_from(
                 ["", " --reserved-percent=5", " --reserved-percent=20",
                  " --reserved-space=100", " --reserved-space 2048"])),
             "logvol none --vgname=HostVG --name=HostPool --thinpool --size=40000%s"
             % draw(st.sampled_from(["", " --grow"]))]
    for mp, name, size, extra in MOUNTS:
        if mp not in ("/", "/var") and draw(st.booleans()):
            continue
        opts = draw(st.sampled_from(['--fsoptions="defaults,discard" ', "--fsoptions=defaults ",
                                     "", "--fsoptions='noatime,discard' "]))
        factor = draw(st.sampled_from([0.5, 0.9, 1, 1.5]))
        comment = draw(st.sampled_from(["", "  # %s" % mp]))
        lines.append("logvol %s --vgname=HostVG --name=%s --thin --poolname=HostPool %s"
                     "--size=%d%s%s" % (mp, name, opts, int(size * factor), extra, comment))
    return "\n".join(lines) + "\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layouts())
def test_any_thin_layout_is_fixed_to_a_clean_one_idempotently(text):
    result = fix_text(text)
    new = result.files.get("<stdin>", text)
    assert errors(lint_text(new)) == []
    assert errors(result.report) == []
    assert not fix_text(new).changed
    # nothing is lost: every original line is still there, or edited in place
    assert len(new.splitlines()) >= len(text.splitlines())


# --- the corpus of real kickstarts ----------------------------------------------------------
def _corpus():
    if not os.path.isdir(CORPUS):
        return []
    return sorted(os.path.join(CORPUS, n) for n in os.listdir(CORPUS) if n.endswith(".ks"))


@pytest.mark.parametrize("source", _corpus(), ids=os.path.basename)
def test_corpus_file_is_fixed_or_refused(source, tmp_path):
    path = str(tmp_path / os.path.basename(source))
    shutil.copy(source, path)
    for name in os.listdir(os.path.dirname(source)):    # relative includes beside it
        if not name.endswith(".ks") and os.path.isfile(os.path.join(CORPUS, name)):
            shutil.copy(os.path.join(CORPUS, name), str(tmp_path / name))
    try:
        fixed_and_checked(path)
    except FixRefusedError as exc:
        # refused for what the kickstart is, never because the fix did not come out clean
        assert exc.reasons and all(r.message for r in exc.reasons) and not exc.unverified, \
            str(exc)


@st.composite
def mangled(draw):
    """The guide's example with lines dropped, duplicated, swapped or given odd words."""
    lines = GUIDE.splitlines(True)
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "swap", "word", "quote"]))
        if op == "drop" and len(lines) > 1:
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "word":
            word = draw(st.sampled_from(["--size=0", "--grow", "--thin", "--size 7",
                                         "--fsoptions=", "--name=x", "\\", "#", "--percent=50",
                                         "--maxsize=10", "--reserved-space=1"]))
            lines[i] = lines[i].rstrip("\n") + " " + word + "\n"
        else:
            lines[i] = lines[i].replace('"', "", 1)
    return "".join(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled())
def test_fixer_on_mangled_input_fixes_or_refuses(text):
    try:
        result = fix_text(text, filename="m.ks")
    except FixRefusedError as exc:
        assert exc.reasons and all(r.message.strip() for r in exc.reasons)
        assert not exc.unverified, str(exc)
        assert all(r.line is None or r.line >= 1 for r in exc.reasons)
        return
    new = result.files.get("m.ks", text)
    assert errors(lint_text(new)) == []
    assert not fix_text(new).changed
    # only edits and additions: every line of the original that the fix did not touch is
    # still there, in order
    touched = {c.line for c in result.changes}
    kept = [x for n, x in enumerate(text.splitlines(True), 1) if n not in touched]
    it = iter(new.splitlines(True))
    assert all(any(x == y for y in it) for x in kept)


def test_a_hint_never_quotes_control_characters_back():
    """Found by `make fuzz` (kickstarts, seed 2, input 9313): a BOM inside --fsoptions came
    back in the kickstart-terms hint. Such a hint is dropped; the checker's own stays."""
    lines = ["reqpart --add-boot", "part pv.01 --size=42000 --grow",
             "volgroup HostVG pv.01 --reserved-percent=20",
             "logvol none --vgname=HostVG --name=HostPool --thinpool --size=40000 --grow",
             'logvol / --vgname=HostVG --name=root --thin --poolname=HostPool '
             '--fsoptions="defaults,discar\ufeffd" --size=6144 --grow',
             "logvol /var --vgname=HostVG --name=var --thin --poolname=HostPool "
             '--fsoptions="defaults,discard" --size=5120']
    report = lint_text("\n".join(lines) + "\n")
    root = [f for f in report.findings if f.mountpoint == "/" and f.rule == "mount-options"]
    assert root, [f.code for f in report.findings]       # the missing discard is reported
    assert all(f.hint.isprintable() for f in report.findings)
    assert "Write --fsoptions" not in root[0].hint
