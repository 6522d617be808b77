# SPDX-License-Identifier: GPL-2.0-or-later
"""The %addon org_ovirt_node section: header options, override lines, exact line numbers
(blank and comment lines counted), profile resolution and the __str__ round trip."""
import subprocess
import sys

import pytest
from pykickstart.errors import KickstartParseError
from pykickstart.parser import KickstartParser
from pykickstart.version import RHEL9, makeVersion

from org_ovirt_node.kickstart.addon import (
    ADDON_NAME,
    OvirtNodeData,
    OvirtNodeSection,
    parse_override,
)
from org_ovirt_node.profile import load_profile
from org_ovirt_node.units import GiB


def parse(text, collect=False):
    """Parse *text* with a real pykickstart parser and our section registered."""
    handler = makeVersion(RHEL9)
    parser = KickstartParser(handler)
    data = OvirtNodeData()
    errors = [] if collect else None
    parser.registerSection(OvirtNodeSection(handler, data=data, errors=errors))
    parser.readKickstartFromString(text)
    return (data, errors) if collect else data


def error_of(text):
    with pytest.raises(KickstartParseError) as info:
        parse(text)
    return info.value


def test_addon_name_and_no_anaconda_or_blivet_import():
    assert ADDON_NAME == "org_ovirt_node"
    code = ("import sys, org_ovirt_node.kickstart.addon as k; k.OvirtNodeData().resolve_profile(); "
            "assert 'pyanaconda' not in sys.modules and 'blivet' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    d = OvirtNodeData()
    assert (d.profile, d.mode, d.overrides, d.seen) == ("ovirt-node", "enforce", [], False)


def test_header_options_and_overrides_parsed():
    d = parse("%addon org_ovirt_node --profile=ovirt-node-minimal --mode=warn\n"
              "mount /var min=9GiB\n%end\n")
    assert d.seen and d.profile == "ovirt-node-minimal" and d.mode == "warn"
    assert [(o.verb, o.target, o.settings, o.lineno) for o in d.overrides] == \
        [("mount", "/var", (("min", "9GiB"),), 2)]


def test_other_addons_are_ignored():
    d = parse("%addon com_redhat_kdump --enable --reserve-mb=auto\n%end\n")
    assert not d.seen


@pytest.mark.parametrize("text, line, words", [
    # header problems are on the header line
    ("%addon org_ovirt_node --mode=loud\n%end\n", 1, ["--mode", "loud"]),
    ("text\n\n# c\n%addon org_ovirt_node --colour=red\n%end\n", 4, ["--colour"]),
    ("%addon org_ovirt_node extra\n%end\n", 1, ["extra"]),
    ("%addon org_ovirt_node --profile=\n%end\n", 1, ["--profile"]),
    # body problems are on their own line, counting blank and comment lines
    ("%addon org_ovirt_node\n\n# note\n\nfrobnicate /var\n%end\n", 5, ["frobnicate"]),
    ("# top\n\n%addon org_ovirt_node\n# a\n\nmount /var min=10\n%end\n", 6, ["min=10", "unit"]),
    ("%addon org_ovirt_node\nmount /var size=1GiB\n%end\n", 2, ["size=1GiB", "KEY=VALUE"]),
    ("%addon org_ovirt_node\nmount /var\n%end\n", 2, ["changes nothing"]),
    ("%addon org_ovirt_node\nmount var min=1GiB\n%end\n", 2, ["'var'", "absolute"]),
    ("%addon org_ovirt_node\nrequire /x kind=fat\n%end\n", 2, ["kind=fat", "thin"]),
    ("%addon org_ovirt_node\nrequire /x grow=maybe\n%end\n", 2, ["grow=maybe", "yes or no"]),
    ("%addon org_ovirt_node\nrequire /x fs=ntfs\n%end\n", 2, ["fs=ntfs", "xfs"]),
    ("%addon org_ovirt_node\nrequire /x min=1GiB min=2GiB\n%end\n", 2, ["twice"]),
    ("%addon org_ovirt_node\nrule nonsense error\n%end\n", 2, ["nonsense"]),
    ("%addon org_ovirt_node\nrule swap fatal\n%end\n", 2, ["fatal", "warning"]),
    ("%addon org_ovirt_node\nrule swap\n%end\n", 2, ["severity"]),
    ("%addon org_ovirt_node\nforbid /opt now\n%end\n", 2, ["now"]),
    ("%addon org_ovirt_node\n\n\nmount /var min='1GiB\n%end\n", 4, ["quote"]),
    ("%addon org_ovirt_node\n%end\n#\n%addon org_ovirt_node\n%end\n", 4, ["more than once"]),
])
def test_errors_name_the_line_and_the_problem(text, line, words):
    exc = error_of(text)
    assert exc.lineno == line
    for word in words:
        assert word in exc.message


def test_errors_are_collected_per_line_when_asked():
    data, errors = parse("%addon org_ovirt_node\nbad\n\n# c\nworse\nmount /var min=9GiB\n"
                         "%end\n", collect=True)
    assert [e.lineno for e in errors] == [2, 5]
    assert [o.target for o in data.overrides] == ["/var"]


def test_anaconda_line_numbers_are_used_as_given():
    d = OvirtNodeData()
    d.handle_header(["--mode=off"], line_number=30)
    d.handle_line("mount /var min=6GiB\n", line_number=31)
    with pytest.raises(KickstartParseError) as info:
        d.handle_line("oops\n", line_number=35)
    assert info.value.lineno == 35
    d.handle_end()
    assert d.mode == "off" and d.overrides[0].lineno == 31


def test_without_line_numbers_the_counter_follows_the_header():
    d = OvirtNodeData()
    d.handle_header([], line_number=10)
    d.handle_line("\n")
    with pytest.raises(KickstartParseError) as info:
        d.handle_line("bad\n")
    assert info.value.lineno == 12


def test_resolve_applies_overrides():
    d = parse("%addon org_ovirt_node\n"
              "mount /var min=8GiB default=10GiB\n"
              "mount /var/tmp min=12GiB\n"               # default follows the minimum up
              "require /var/lib/libvirt min=20GiB kind=thin\n"
              "optional /home\n"
              "forbid /opt\n"
              "rule mount-options error\n"
              "rule ONN012 off\n"
              "%end\n")
    p = d.resolve_profile()
    assert p.mounts["/var"].min_size == 8 * GiB and p.mounts["/var"].default_size == 10 * GiB
    assert p.mounts["/var/tmp"].min_size == p.mounts["/var/tmp"].default_size == 12 * GiB
    lib = p.mounts["/var/lib/libvirt"]
    assert lib.required and lib.kind == "thin" and lib.min_size == 20 * GiB
    assert not p.mounts["/home"].required
    assert "/opt" in p.forbidden_mounts and "/usr" in p.forbidden_mounts
    assert p.severity("mount-options") == "error" and p.severity("swap") == "off"


def test_resolve_on_a_given_base_profile():
    d = parse("%addon org_ovirt_node --profile=ovirt-node\nmount /var min=9GiB\n%end\n")
    p = d.resolve_profile(base=load_profile("ovirt-node-minimal"))
    assert p.mounts["/var"].min_size == 9 * GiB
    assert not p.mounts["/var/tmp"].required


@pytest.mark.parametrize("text, line, words", [
    ("%addon org_ovirt_node --profile=no-such-profile\n%end\n", 1, ["no-such-profile"]),
    ("\n# x\n%addon org_ovirt_node --profile=/nonexistent/p.yaml\n%end\n", 3, ["p.yaml"]),
    ("%addon org_ovirt_node\n\n# c\nmount /srv min=1GiB\n%end\n", 4, ["/srv", "require"]),
    ("%addon org_ovirt_node\n\nmount /var default=1GiB\n%end\n", 3, ["/var", "minimum"]),
    ("%addon org_ovirt_node\n#\nrequire /usr min=1GiB\n%end\n", 3, ["/usr", "forbidden"]),
    ("%addon org_ovirt_node\nforbid /var\n%end\n", 2, ["/var", "forbidden"]),
    ("%addon org_ovirt_node\n\noptional /\n%end\n", 3, ["'/' cannot be optional"]),
])
def test_resolve_errors_point_at_the_override(text, line, words):
    d = parse(text)
    with pytest.raises(KickstartParseError) as info:
        d.resolve_profile()
    assert info.value.lineno == line
    for word in words:
        assert word in info.value.message


def test_resolve_bad_profile_file(tmp_path):
    bad = tmp_path / "site.yaml"
    bad.write_text("extends: ovirt-node\nmounts:\n  /var: {min: lots}\n")
    d = parse("\n%%addon org_ovirt_node --profile=%s\n%%end\n" % bad)
    with pytest.raises(KickstartParseError) as info:
        d.resolve_profile()
    assert info.value.lineno == 2 and "mounts./var.min" in info.value.message


def test_site_profile_file_is_used(tmp_path):
    site = tmp_path / "site.yaml"
    site.write_text("extends: ovirt-node\nmounts:\n  /var: {min: 7 GiB, default: 7 GiB}\n")
    d = parse("%%addon org_ovirt_node --profile=%s\n%%end\n" % site)
    assert d.resolve_profile().mounts["/var"].min_size == 7 * GiB


@pytest.mark.parametrize("text", [
    "%addon org_ovirt_node\n%end\n",
    "%addon org_ovirt_node --profile=ovirt-node-minimal --mode=off\n%end\n",
    "%addon org_ovirt_node --mode=warn\n\n# site\nmount /var min=8GiB default='10 GiB'\n"
    "require /var/lib/libvirt min=20GiB kind=thin grow=yes fs=xfs,ext4 options=discard\n"
    "optional /home   # not needed\nforbid /opt\nrule mount-options error\n%end\n",
    "%addon org_ovirt_node --profile='/etc/site profiles/a.yaml'\nrequire /srv options=\n%end\n",
])
def test_str_round_trip(text):
    first = parse(text)
    written = str(first)
    assert written.startswith("%addon org_ovirt_node --profile=")
    assert written.endswith("%end\n")
    second = parse(written)
    assert second == first
    assert str(second) == written
    assert (second.profile, second.mode) == (first.profile, first.mode)
    assert [str(o) for o in second.overrides] == [str(o) for o in first.overrides]


def test_str_of_an_unseen_section_is_empty():
    assert str(OvirtNodeData()) == ""


@pytest.mark.parametrize("line", ["", "   \n", "# only a comment\n"])
def test_blank_and_comment_lines_are_not_overrides(line):
    assert parse_override(line, 3) is None


def test_odd_arguments_raise_only_kickstart_errors():
    d = OvirtNodeData()
    for args in ([None], [object()], ["--profile"], ["--mode"]):
        with pytest.raises(KickstartParseError):
            OvirtNodeData().handle_header(args, line_number=4)
    with pytest.raises(KickstartParseError):
        d.handle_line(None, line_number=2)


# --- hostile input (issue 9) ---------------------------------------------------------------
MARKER = "SECRETMARKER"


def secret_line(n):
    """A line whose marker sits beyond any short excerpt (like a password hash)."""
    return "user%d_%s%s%d: x\n" % (n, "x" * 60, MARKER, n)


@pytest.mark.parametrize("value, ok", [
    ("8EiB", True), ("8192PiB", True), ("9223372036854775808B", True),
    ("9223372036854775809B", False), ("16EiB", False), ("10EB", False),
    ("99999999999999999999999999999999GiB", False), ("1" * 4000 + "B", False),
])
def test_override_sizes_are_bounded(value, ok):
    text = "%%addon org_ovirt_node\n\nrequire /srv min=%s\n%%end\n" % value
    if ok:
        assert parse(text).overrides[0].settings == (("min", value),)
        return
    exc = error_of(text)
    assert exc.lineno == 3 and "8 EiB" in exc.message and MARKER not in exc.message


@pytest.mark.parametrize("line, words", [
    ("require /srv min=-1GiB\n", ["min="]),
    ("require /srv min=1e9GiB\n", ["min="]),
    ("require /srv\x00 min=1GiB\n", ["\\x00"]),
    ("require '/srv/a b' min=1GiB\n", ["whitespace"]),
    ("require /srv options='discard;%pre'\n", ["options="]),
    ("require /srv options=a;b\n", ["options="]),
    ("\x1b[31mrule\n", ["\\x1b"]),
    ("mount /var min=" + "9" * 5000 + "GiB\n", ["5"]),
    ("frobnicate " + "y" * 100 + MARKER + "\n", ["frobnicate"]),
])
def test_hostile_lines_are_clean_errors_at_their_line(line, words):
    exc = error_of("%%addon org_ovirt_node\n#\n%s%%end\n" % line)
    assert exc.lineno == 3
    assert MARKER not in exc.message and "\x1b" not in exc.message and "\x00" not in exc.message
    for word in words:
        assert word in exc.message


def test_a_long_line_is_refused_before_it_is_split(monkeypatch):
    import shlex
    split = shlex.split
    lengths = []

    def counting_split(text, *args, **kwargs):
        lengths.append(len(text))
        return split(text, *args, **kwargs)
    monkeypatch.setattr(shlex, "split", counting_split)
    with pytest.raises(KickstartParseError) as info:
        parse_override("mount /var min=" + "1" * 1_000_000 + "GiB", 7)
    assert info.value.lineno == 7 and "4096" in info.value.message
    assert lengths == []


def test_hostile_header_values_are_refused():
    for args in (["--profile=a\x1bb"], ["--profile=" + "p" * 5000],
                 ["--mode=" + "x" * 100 + MARKER]):
        with pytest.raises(KickstartParseError) as info:
            OvirtNodeData().handle_header(args, line_number=4)
        assert info.value.lineno == 4
        assert MARKER not in info.value.message and "\x1b" not in info.value.message


def test_an_included_secret_file_is_summarised_not_listed(tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text("".join(secret_line(n) for n in range(40)))
    handler = makeVersion(RHEL9)
    parser = KickstartParser(handler)      # pykickstart follows the %include itself
    errors = []
    parser.registerSection(OvirtNodeSection(handler, errors=errors))
    parser.readKickstartFromString("%%addon org_ovirt_node\n%%include %s\n%%end\n" % secret)
    assert len(errors) == 6
    assert "and 35 more lines" in errors[-1].message
    assert all(MARKER not in e.message for e in errors)


def test_the_error_cap_is_per_section():
    body = "".join("bad%d\n" % n for n in range(7))
    _data, errors = parse("%addon com_redhat_kdump\n%end\n%addon org_ovirt_node\n" + body
                          + "%end\n%addon other\n%end\n", collect=True)
    assert [e.lineno for e in errors] == [4, 5, 6, 7, 8, 9]
    assert "2 more lines" in errors[-1].message


class _Exploding(OvirtNodeData):
    def handle_line(self, line, line_number=None):
        raise RuntimeError("boom " + line)

    def handle_end(self):
        raise MemoryError()


def test_section_turns_any_exception_into_a_kickstart_error():
    handler = makeVersion(RHEL9)
    parser = KickstartParser(handler)
    parser.registerSection(OvirtNodeSection(handler, data=_Exploding()))
    with pytest.raises(KickstartParseError) as info:
        parser.readKickstartFromString("%addon org_ovirt_node\n\nmount /var min=1GiB\n%end\n")
    assert info.value.lineno == 2 and "RuntimeError" in info.value.message
    errors = []
    parser = KickstartParser(makeVersion(RHEL9))
    parser.registerSection(OvirtNodeSection(parser.handler, data=_Exploding(), errors=errors))
    parser.readKickstartFromString("%addon org_ovirt_node\nx\n%end\n")
    assert [type(e) for e in errors] == [KickstartParseError] * 2


def test_profile_problems_are_counted_not_listed(tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text("".join(secret_line(n) for n in range(40)))
    d = parse("%%addon org_ovirt_node --profile=%s\n%%end\n" % secret)
    with pytest.raises(KickstartParseError) as info:
        d.resolve_profile()
    assert info.value.lineno == 1
    assert MARKER not in info.value.message and len(info.value.message) < 1500


def test_profile_value_is_shown_whole_only_when_it_names_a_file(tmp_path):
    """A --profile that names an existing file is named whole (a precise error); any other
    value, which may be a line of a file that is no kickstart, only as a short excerpt."""
    secret = "root:$6$" + "S3cr3tHashValue" * 6 + ":19000:0:99999:7:::"
    data = parse("%%addon %s --profile=%s\n%%end\n" % (ADDON_NAME, secret))
    with pytest.raises(KickstartParseError) as missing:
        data.resolve_profile()
    assert secret not in str(missing.value) and "S3cr3tHash" in str(missing.value)
    path = tmp_path / ("a-long-folder-name-for-the-site-profiles-" * 3) / "site.yaml"
    path.parent.mkdir()
    path.write_text("extends: ovirt-node\nmounts:\n  /var: {min: sideways}\n")
    data = parse("%%addon %s --profile=%s\n%%end\n" % (ADDON_NAME, path))
    with pytest.raises(KickstartParseError) as broken:
        data.resolve_profile()
    assert str(path) in str(broken.value)


# --- overrides autopart cannot honour ---------------------------------------------------------
def _with_handler(text):
    """(section data, pykickstart handler) of *text* parsed with a real parser."""
    handler = makeVersion(RHEL9)
    parser = KickstartParser(handler)
    data = OvirtNodeData()
    parser.registerSection(OvirtNodeSection(handler, data=data))
    parser.readKickstartFromString(text)
    return data, handler


@pytest.mark.parametrize("text,line,words", [
    ("autopart\n%addon org_ovirt_node\n\n# bigger /var\nmount /var min=8GiB\n%end\n", 5,
     ["autopart creates /var at 5 GiB", "8 GiB"]),
    ("autopart --type=thinp\n%addon org_ovirt_node\nrequire /srv min=1GiB\n%end\n", 3,
     ["autopart does not create /srv"]),
    ("autopart --type=lvm\n%addon org_ovirt_node\n%end\n", 2,
     ["autopart --type=lvm creates no thin pool"]),
    ("autopart --fstype=ext2\n%addon org_ovirt_node\n%end\n", 2,
     ["autopart formats / as ext2"]),
])
def test_autopart_refusal_names_the_line_what_autopart_makes_and_the_fix(text, line, words):
    data, handler = _with_handler(text)
    refusal = data.autopart_refusal(data.resolve_profile(), handler.autopart)
    assert isinstance(refusal, KickstartParseError)
    assert refusal.lineno == line
    for word in words:
        assert word in refusal.message
    assert "Fix:" in refusal.message


@pytest.mark.parametrize("text", [
    "autopart\n%addon org_ovirt_node\n%end\n",                       # the shipped profile
    "%addon org_ovirt_node\nmount /var min=8GiB\n%end\n",              # no autopart
    "autopart --type=thinp --fstype=ext4\n%addon org_ovirt_node\nmount /var min=2GiB\n%end\n",
])
def test_autopart_refusal_is_none_when_autopart_builds_it(text):
    data, handler = _with_handler(text)
    assert data.autopart_refusal(data.resolve_profile(), handler.autopart) is None


@pytest.mark.parametrize("line,suggestion", [
    ("mout /var min=8GiB", "did you mean mount?"),
    ("requre /srv min=1GiB", "did you mean require?"),
    ("mount /var mni=8GiB", "did you mean min?"),
    ("rule mount-option error", "did you mean mount-options?"),
    ("rule vg-reserv error", "did you mean vg-reserve?"),
    ("rule mount-options eror", "did you mean error?"),
])
def test_a_mistyped_keyword_gets_the_closest_one(line, suggestion):
    message = str(error_of("%%addon org_ovirt_node\n%s\n%%end\n" % line))
    assert suggestion in message


def test_an_unrelated_word_gets_no_suggestion():
    message = str(error_of("%addon org_ovirt_node\nzebra /var\n%end\n"))
    assert "unknown override" in message and "did you mean" not in message
