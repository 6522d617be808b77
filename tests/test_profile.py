# SPDX-License-Identifier: GPL-2.0-or-later
"""The declarative profile: built-ins, extends, and a precise ProfileError for bad input."""
import dataclasses
import os
import textwrap

import pytest

from org_ovirt_node import profile as P
from org_ovirt_node.profile import ProfileError, load_profile, load_profile_text
from org_ovirt_node.units import GiB

# The reference table (shared/reference/ovirt-node-layout.md): mount -> (kind, presence,
# hard minimum, recommended = imgbased's/Anaconda's default, created size).
REFERENCE_MOUNTS = {
    "/": ("thin", "required", None, 6 * GiB, None),
    "/boot": ("partition", "required", 1 * GiB, None, None),
    "/var": ("thin", "required", 5 * GiB, 5 * GiB, None),
    "/var/tmp": ("thin", "created", 10 * GiB, 10 * GiB, 10 * GiB),
    "/var/crash": ("thin", "created", None, 10 * GiB, 10 * GiB),
    "/var/log": ("thin", "created", None, 8 * GiB, 8 * GiB),
    "/var/log/audit": ("thin", "created", None, 2 * GiB, 2 * GiB),
    "/home": ("thin", "created", None, 1 * GiB, 1 * GiB),
    "/tmp": ("thin", "created", None, 1 * GiB, 1 * GiB),
}


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def problems_of(excinfo):
    return [(p.line, p.column, p.key) for p in excinfo.value.problems]


def only_problem(excinfo):
    assert len(excinfo.value.problems) == 1, excinfo.value
    return excinfo.value.problems[0]


# --- built-ins ------------------------------------------------------------------------------
def test_builtin_profiles_are_listed():
    assert P.builtin_profiles() == ["ovirt-node", "ovirt-node-minimal", "ovirt-node-strict"]


def test_default_profile_matches_reference_table():
    prof = load_profile()
    assert prof.name == "ovirt-node"
    assert set(prof.mounts) == set(REFERENCE_MOUNTS)
    for point, (kind, presence, minimum, recommended, created) in REFERENCE_MOUNTS.items():
        rule = prof.mounts[point]
        assert (rule.kind, rule.presence, rule.min_size, rule.recommended_size,
                rule.created_size) == (kind, presence, minimum, recommended, created), point
        # The planner asks for the recommended size, else the minimum.
        assert rule.default_size == (recommended or minimum), point
        assert rule.planned, point
    assert prof.mounts["/"].grow and not prof.mounts["/var"].grow
    assert prof.root_kind == P.KIND_THIN
    assert prof.forbidden_mounts == ("/usr",)
    assert prof.min_disk_total == 64 * GiB
    assert (prof.vg_name, prof.reserve_percent, prof.reserve_min, prof.reserve_max) == \
        ("onn", 20, 1 * GiB, 100 * GiB)
    assert prof.pool_name == "pool00" and prof.overcommit is False
    assert prof.min_metadata == 1 * GiB and prof.all_thin_in_root_pool
    assert (prof.max_data_percent, prof.max_metadata_percent) == (80, 80)
    assert prof.filesystems == ("ext4", "xfs") and prof.default_filesystem == "xfs"
    assert prof.mounts["/var"].options == ("discard",)
    assert prof.mounts["/boot"].options == ()
    assert prof.mounts["/var"].filesystems == ("ext4", "xfs")
    assert (prof.swap_policy, prof.swap_kind, prof.swap_min) == ("recommended", "lv", GiB)
    assert prof.severity("mount-options") == "warning"
    assert prof.severity("root-kind") == "error"
    assert prof.severity("swap") == "warning"      # from swap.policy: recommended
    assert prof.mounts["/var"].where.endswith("ovirt-node.yaml:%d" % _line_of(prof, "  /var:"))


def _line_of(prof, prefix):
    with open(prof.source) as handle:
        for number, line in enumerate(handle, 1):
            if line.startswith(prefix):
                return number
    raise AssertionError(prefix)


def test_reserve_is_clamped():
    prof = load_profile("ovirt-node")
    assert prof.reserve_for(100 * GiB) == 20 * GiB
    assert prof.reserve_for(2 * GiB) == 1 * GiB          # reserve_min
    assert prof.reserve_for(2048 * GiB) == 100 * GiB     # reserve_max


def test_minimal_profile():
    prof = load_profile("ovirt-node-minimal")
    assert prof.name == "ovirt-node-minimal"
    required = {p for p, r in prof.mounts.items() if r.required}
    assert required == {"/", "/boot", "/var"}
    assert {p for p, r in prof.mounts.items() if r.planned} == required
    assert prof.mounts["/"].recommended_size == 6 * GiB
    # node_storage=minimal: imgbased wants /var 8G; Anaconda's hard 5 GiB still holds.
    var = prof.mounts["/var"]
    assert (var.min_size, var.recommended_size, var.default_size) == (5 * GiB, 8 * GiB, 8 * GiB)
    assert prof.mounts["/var/tmp"].min_size == 10 * GiB   # Anaconda's, where it exists
    assert prof.mounts["/boot"].kind == "partition"
    assert prof.swap_kind == "lv"
    assert prof.severity("optional-mount") == "off"    # YAML `off` (false) means off
    assert prof.pool_name == "pool00"                  # inherited


def test_profile_is_immutable():
    prof = load_profile()
    with pytest.raises(dataclasses.FrozenInstanceError):
        prof.name = "x"
    with pytest.raises(TypeError):
        prof.mounts["/x"] = None


def test_unknown_profile_name():
    with pytest.raises(ProfileError, match="no such profile.*ovirt-node"):
        load_profile("no-such-profile")


# --- extends --------------------------------------------------------------------------------
def test_site_profile_extends_builtin(tmp_path):
    path = write(tmp_path, "site.yaml", """\
        name: site
        extends: ovirt-node
        mounts:
          /var: {min: 6 GiB, default: 6 GiB}
          /var/lib/libvirt:
            kind: thin
            min: 20 GiB
        """)
    prof = load_profile(path)
    base = load_profile("ovirt-node")
    assert prof.name == "site"
    assert prof.mounts["/var"].min_size == 6 * GiB
    assert prof.mounts["/var"].kind == "thin"            # untouched keys are inherited
    assert prof.mounts["/var"].options == ("discard",)
    assert prof.mounts["/var/lib/libvirt"].min_size == 20 * GiB
    assert prof.mounts["/var/lib/libvirt"].default_size == 20 * GiB  # default = min
    assert prof.mounts["/var/lib/libvirt"].where == "%s:5" % path
    assert prof.mounts["/var/log"] == base.mounts["/var/log"]
    assert list(prof.mounts)[:len(base.mounts)] == list(base.mounts)
    assert prof.vg_name == "onn" and prof.forbidden_mounts == ("/usr",)


def test_extends_relative_path_and_chain(tmp_path):
    write(tmp_path, "site.yaml", "extends: ovirt-node\nmounts:\n  /home: {min: 2 GiB, "
                                 "default: 2 GiB}\n")
    path = write(tmp_path, "host.yaml", "extends: site.yaml\nvolume_group:\n  name: hostvg\n")
    prof = load_profile(path)
    assert prof.vg_name == "hostvg"
    assert prof.mounts["/home"].min_size == 2 * GiB
    assert prof.mounts["/var"].min_size == 5 * GiB


def test_raising_an_inherited_minimum_lifts_the_recommended_and_default_sizes(tmp_path):
    # The built-in writes no default: it follows the recommended size, which a raised
    # minimum lifts (a warning threshold below the hard minimum would mean nothing).
    path = write(tmp_path, "site.yaml", "extends: ovirt-node\nmounts:\n  /var:\n    min: 7 GiB\n")
    var = load_profile(path).mounts["/var"]
    assert (var.min_size, var.recommended_size, var.default_size) == (7 * GiB,) * 3


def test_override_problem_points_at_site_file_and_explains_the_inherited_default(tmp_path):
    # Raising a minimum above a default the base writes is a contradiction: reported at the
    # site file's line, saying where the default comes from and what to write, in YAML.
    base = write(tmp_path, "base.yaml", "extends: ovirt-node\nmounts:\n  /var: {default: 6 GiB}\n")
    path = write(tmp_path, "site.yaml", "extends: base.yaml\nmounts:\n  /var:\n    min: 7 GiB\n")
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    prob = only_problem(exc)
    assert (prob.file, prob.line, prob.column, prob.key) == (path, 4, 5, "mounts./var.min")
    assert "7 GiB" in prob.message and "6 GiB" in prob.message
    assert "%s:3" % base in prob.message                    # where the default is written
    assert "/var: {min: 7 GiB, default: 7 GiB}" in prob.message
    # Writing what it says loads.
    write(tmp_path, "site.yaml", "extends: base.yaml\nmounts:\n"
                                 "  /var: {min: 7 GiB, default: 7 GiB}\n")
    assert load_profile(path).mounts["/var"].default_size == 7 * GiB


def test_a_recommended_size_below_an_inherited_minimum_is_the_files_problem(tmp_path):
    path = write(tmp_path, "site.yaml", "extends: ovirt-node\nmounts:\n  /boot:\n"
                                        "    recommended: 500 MiB\n")
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    prob = only_problem(exc)
    assert (prob.file, prob.line, prob.key) == (path, 4, "mounts./boot.recommended")
    assert "the minimum comes from %s:" % os.path.realpath(
        os.path.join(P.PROFILE_DIR, "ovirt-node.yaml")) in prob.message
    assert "/boot: {min: 1 GiB, recommended: 1 GiB}" in prob.message


def test_size_order_within_one_file_says_what_to_write():
    with pytest.raises(ProfileError) as exc:
        load_profile_text("name: x\nmounts:\n  /: {}\n  /var:\n    min: 8 GiB\n"
                          "    recommended: 6 GiB\n")
    prob = only_problem(exc)
    assert (prob.line, prob.key) == (5, "mounts./var.min")
    assert "recommended size (6 GiB)" in prob.message
    assert "/var: {min: 8 GiB, recommended: 8 GiB}" in prob.message


def test_problem_at_an_inherited_value_points_at_the_users_extends_line(tmp_path):
    # The file names its pool "var": the built-in's /var mount (whose LV is "var") now
    # clashes. The problem is the user's (line of extends:), naming where /var is written.
    builtin = os.path.realpath(os.path.join(P.PROFILE_DIR, "ovirt-node.yaml"))
    path = write(tmp_path, "site.yaml", "name: s\nextends: ovirt-node\n"
                                        "thin_pool:\n  name: var\n")
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    prob = only_problem(exc)
    assert (prob.file, prob.line, prob.key) == (path, 2, "mounts./var")
    assert "inherited from %s:" % builtin in prob.message
    assert all(p.file == path for p in exc.value.problems)


def test_an_allowed_list_without_the_inherited_default_is_reported_at_the_list(tmp_path):
    path = write(tmp_path, "site.yaml", "name: s\nextends: ovirt-node\n"
                                        "filesystems:\n  allowed: [ext4]\n")
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    prob = only_problem(exc)
    assert (prob.file, prob.line, prob.key) == (path, 4, "filesystems.allowed")
    assert "filesystems: {allowed: [ext4], default: ext4}" in prob.message


def test_a_profile_without_name_is_named_after_its_file(tmp_path):
    path = write(tmp_path, "rack-7.yaml", "extends: ovirt-node\nmounts:\n  /var: {min: 6 GiB}\n")
    assert load_profile(path).name == "rack-7"          # not "ovirt-node", which it extends
    assert load_profile_text("mounts:\n  /: {}\n").name == "unnamed"


def test_unknown_key_says_did_you_mean():
    with pytest.raises(ProfileError) as exc:
        load_profile_text("name: x\nmounts:\n  /: {recomended: 6 GiB}\n")
    assert "did you mean recommended?" in only_problem(exc).message
    with pytest.raises(ProfileError) as exc:
        load_profile_text("name: x\nvolume_grup: {}\nmounts:\n  /: {}\n")
    assert "did you mean volume_group?" in only_problem(exc).message
    with pytest.raises(ProfileError) as exc:
        load_profile_text("name: x\nmounts:\n  /: {}\nrules:\n  vg-reserv: off\n")
    assert "did you mean vg-reserve?" in only_problem(exc).message


@pytest.mark.parametrize("rules, fragment, suggestion", [
    ("vg-reserv: off", "unknown rule 'vg-reserv'", "vg-reserve"),
    ("mount-option: error", "unknown rule 'mount-option'", "mount-options"),
    ("onn011: off", "unknown rule 'onn011'", "ONN011"),          # a code in lower case
    ("ks-autopart-typ: info", "unknown rule 'ks-autopart-typ'", "ks-autopart-type"),
    ("swap: eror", "expected one of error, warning, info, off, got 'eror'", "error"),
    ("swap: Warning", "got 'Warning'", "warning"),
    ("ONN011: of", "got 'of'", "off"),
])
def test_rules_section_suggests_the_closest_rule_or_severity(rules, fragment, suggestion):
    with pytest.raises(ProfileError) as exc:
        load_profile_text("name: x\nmounts:\n  /: {}\nrules:\n  %s\n" % rules)
    problem = only_problem(exc)
    assert (problem.line, problem.column) == (5, 3)
    assert fragment in problem.message
    assert problem.message.endswith("; did you mean %s?" % suggestion)


def test_rules_section_offers_nothing_for_an_unrelated_word():
    with pytest.raises(ProfileError) as exc:
        load_profile_text("name: x\nmounts:\n  /: {}\nrules:\n  frobnicate: fatal\n")
    message = only_problem(exc).message
    assert "did you mean" not in message
    # Not the seventy-odd slugs and codes: the message says what a rule looks like.
    assert "ONN011" in message and "root-kind" not in message and len(message) < 120


@pytest.mark.parametrize("base, suggestion", [
    ("ovirt-nod", "ovirt-node"),
    ("ovirt-node-minmal", "ovirt-node-minimal"),
    ("./ovirt-node-strikt.yaml", "ovirt-node-strict"),
    ("Ovirt-Node", "ovirt-node"),
])
def test_extends_of_an_unknown_profile_suggests_a_builtin(tmp_path, base, suggestion):
    path = write(tmp_path, "site.yaml", "extends: %s\nmounts:\n  /var: {min: 6 GiB}\n" % base)
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    problem = only_problem(exc)
    assert (problem.file, problem.line, problem.key) == (path, 1, "extends")
    assert "no such profile" in problem.message
    assert problem.message.endswith("; did you mean %s?" % suggestion)


def test_extends_of_an_unrelated_missing_file_suggests_nothing(tmp_path):
    path = write(tmp_path, "site.yaml", "extends: rack/base.yaml\nmounts:\n  /: {}\n")
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    assert "no such profile" in only_problem(exc).message
    assert "did you mean" not in only_problem(exc).message


def test_load_profile_of_an_unknown_name_suggests_a_builtin():
    with pytest.raises(ProfileError) as exc:
        load_profile("ovirt-node-strikt")
    assert only_problem(exc).message.endswith("; did you mean ovirt-node-strict?")
    assert P.suggest_profile("ovirt-nod.yml") == "did you mean ovirt-node?"
    assert P.suggest_profile("ovirt-node") == ""        # it exists: nothing to suggest
    assert P.suggest_profile("no-such-thing") == ""


def test_addon_profile_of_an_unknown_name_suggests_a_builtin(tmp_path):
    """``%addon org_ovirt_node --profile=NAME`` reports the loader's problem, did you mean
    included, at the header line; so does a profile file's ``extends:``."""
    from pykickstart.errors import KickstartParseError

    from org_ovirt_node.kickstart.addon import OvirtNodeData
    data = OvirtNodeData()
    data.handle_header(["--profile=ovirt-nod"], line_number=7)
    with pytest.raises(KickstartParseError) as exc:
        data.resolve_profile()
    assert exc.value.lineno == 7
    assert "--profile=ovirt-nod" in str(exc.value)
    assert "did you mean ovirt-node?" in str(exc.value)
    site = write(tmp_path, "site.yaml", "extends: ovirt-node-minmal\nmounts:\n  /: {}\n")
    data = OvirtNodeData()
    data.handle_header(["--profile=%s" % site], line_number=3)
    with pytest.raises(KickstartParseError) as exc:
        data.resolve_profile()
    assert "did you mean ovirt-node-minimal?" in str(exc.value)


def test_decimal_units_load_with_a_note():
    prof = load_profile_text("name: x\nmounts:\n  /: {}\n  /var: {min: 10gb}\n")
    assert prof.mounts["/var"].min_size == 10 * 1000 ** 3
    (note,) = prof.notes
    assert (note.line, note.key, note.severity) == (4, "mounts./var.min", "note")
    assert "9.31 GiB" in note.message and "'10 GiB'" in note.message
    assert note.diagnostic().startswith("<profile>:4:")
    assert ": note: mounts./var.min: " in note.diagnostic()
    assert load_profile_text("name: x\nmounts:\n  /: {}\n  /var: {min: 10 GiB}\n").notes == ()


def test_unit_list_names_the_short_forms():
    with pytest.raises(ProfileError) as exc:
        load_profile_text("name: x\nmounts:\n  /: {}\n  /var: {min: 10 XB}\n")
    message = only_problem(exc).message
    assert "K, M, G, T, P" in message and "GiB" in message and "GB" in message


def test_created_presence_and_created_size():
    prof = load_profile_text("name: x\nmounts:\n  /: {}\n"
                             "  /srv: {presence: created, recommended: 3 GiB}\n")
    assert prof.mounts["/srv"].created_size == 3 * GiB      # default: the default size
    assert prof.mounts["/srv"].planned and not prof.mounts["/srv"].required
    with pytest.raises(ProfileError, match="created needs created_size"):
        load_profile_text("name: x\nmounts:\n  /: {}\n  /srv: {presence: created}\n")
    with pytest.raises(ProfileError, match="created needs kind: thin"):
        load_profile_text("name: x\nmounts:\n  /: {}\n"
                          "  /srv: {presence: created, kind: lv, created_size: 1 GiB}\n")
    with pytest.raises(ProfileError, match="'/' cannot be created later"):
        load_profile_text("name: x\nmounts:\n  /: {presence: created, created_size: 6 GiB}\n")
    # A site making an inherited created mount required keeps working (created_size ignored).
    strict = load_profile("ovirt-node-strict")
    assert strict.mounts["/var/crash"].required and strict.mounts["/var/crash"].created_size \
        is None


def test_circular_extends(tmp_path):
    a = write(tmp_path, "a.yaml", "extends: b.yaml\nmounts:\n  /: {}\n")
    b = write(tmp_path, "b.yaml", "name: b\nextends: a.yaml\n")
    with pytest.raises(ProfileError, match="circular extends") as exc:
        load_profile(a)
    prob = only_problem(exc)
    assert (prob.file, prob.line, prob.column, prob.key) == (b, 2, 1, "extends")
    assert str(prob).startswith("%s:2:1: extends: circular extends" % b)


def test_self_extends(tmp_path):
    a = write(tmp_path, "a.yaml", "\nextends: a.yaml\nmounts:\n  /: {}\n")
    with pytest.raises(ProfileError, match="circular") as exc:
        load_profile(a)
    assert problems_of(exc) == [(2, 1, "extends")]


def test_missing_extends_target(tmp_path):
    path = write(tmp_path, "site.yaml", "name: x\nextends: nowhere.yaml\n")
    with pytest.raises(ProfileError, match="no such profile 'nowhere.yaml'") as exc:
        load_profile(path)
    prob = only_problem(exc)
    assert (prob.file, prob.line, prob.column) == (path, 2, 1)


def test_extends_must_be_a_name(tmp_path):
    with pytest.raises(ProfileError) as exc:
        load_profile_text("name: x\nextends: [a]\n", "site.yaml")
    assert problems_of(exc) == [(2, 1, "extends")]


# --- one ProfileError per kind of mistake, with its exact place ------------------------------
BAD = [
    # (id, text, [(line, column, key)], message fragment)
    ("unknown top key", "mounts:\n  /: {min: 6 GiB}\nbogus: 1\n",
     [(3, 1, "bogus")], "unknown key"),
    ("unknown mount key", "mounts:\n  /:\n    min: 6 GiB\n    size: 5 GiB\n",
     [(4, 5, "mounts./.size")], "unknown key (expected one of: presence, kind"),
    ("unknown section key", "volume_group:\n  reserve: 20\nmounts:\n  /: {}\n",
     [(2, 3, "volume_group.reserve")], "unknown key"),
    ("boolean", "mounts:\n  /:\n    grow: yes please\n",
     [(3, 5, "mounts./.grow")], "expected true or false"),
    ("section type", "volume_group: 5\nmounts:\n  /: {}\n",
     [(1, 1, "volume_group")], "expected a mapping"),
    ("number type", "volume_group:\n  reserve_percent: lots\nmounts:\n  /: {}\n",
     [(2, 3, "volume_group.reserve_percent")], "expected a number from 0 to 100"),
    ("number range", "volume_group:\n  reserve_percent: 120\nmounts:\n  /: {}\n",
     [(2, 3, "volume_group.reserve_percent")], "got 120"),
    ("mount spec type", "mounts:\n  /: {}\n  /var: 5 GiB\n",
     [(3, 3, "mounts./var")], "expected a mapping"),
    ("mounts type", "name: x\nmounts: [/]\n", [(2, 1, "mounts")], "mapping of mount points"),
    ("no mounts", "name: x\n", [(1, 1, "mounts")], "mapping of mount points"),
    ("no root", "mounts:\n  /var: {}\n", [(1, 1, "mounts")], "must describe '/'"),
    ("name type", "name: [a]\nmounts:\n  /: {}\n", [(1, 1, "name")], "non-empty string"),
    ("forbidden type", "mounts:\n  /: {}\nforbidden_mounts: /usr\n",
     [(3, 1, "forbidden_mounts")], "expected a list"),
    ("bare number size", "mounts:\n  /:\n    min: 6\n",
     [(3, 5, "mounts./.min")], "with a unit"),
    ("bare number string", "mounts:\n  /:\n    min: '6'\n",
     [(3, 5, "mounts./.min")], "needs a unit"),
    ("unknown unit", "disk:\n  min_total: 64 GiBs\nmounts:\n  /: {}\n",
     [(2, 3, "disk.min_total")], "unknown unit 'GiBs'"),
    ("negative size", "mounts:\n  /:\n    min: 1 GiB\n    default: -6 GiB\n",
     [(4, 5, "mounts./.default")], "-6 GiB"),
    ("duplicate yaml key", "mounts:\n  /: {}\n  /var: {}\n  /var: {}\n",
     [(4, 3, "mounts./var")], "duplicate key (first at line 3)"),
    ("duplicate normalized mount", "mounts:\n  /: {}\n  /var: {}\n  /var/: {}\n",
     [(4, 3, "mounts./var/")], "duplicate mount point /var"),
    ("duplicate normalized mount 2", "mounts:\n  /: {}\n  //var//log/: {}\n  /var/log: {}\n",
     [(4, 3, "mounts./var/log")], "duplicate mount point /var/log"),
    ("min above default", "mounts:\n  /:\n    min: 7 GiB\n    default: 6 GiB\n",
     [(3, 5, "mounts./.min")], "the minimum (7 GiB) is above the default size (6 GiB)"),
    ("required and forbidden", "mounts:\n  /: {}\n  /usr: {}\nforbidden_mounts:\n  - /usr\n",
     [(5, 5, "forbidden_mounts[0]")], "both forbidden and listed under mounts (site.yaml:3)"),
    ("forbidden normalized", "mounts:\n  /: {}\n  /usr: {}\nforbidden_mounts: [/tmp, /usr/]\n",
     [(4, 26, "forbidden_mounts[1]")], "/usr is both forbidden"),
    ("forbidden relative", "mounts:\n  /: {}\nforbidden_mounts:\n  - usr\n",
     [(4, 5, "forbidden_mounts[0]")], "absolute mount point"),
    ("unknown kind", "mounts:\n  /:\n    kind: raid\n",
     [(3, 5, "mounts./.kind")], "expected one of thin, lv, partition, any, got 'raid'"),
    ("unknown swap kind", "swap:\n  kind: zram\nmounts:\n  /: {}\n",
     [(2, 3, "swap.kind")], "got 'zram'"),
    ("unknown filesystem flow", "mounts:\n  /:\n    filesystems: [ext4, zfs]\n",
     [(3, 25, "mounts./.filesystems[1]")], "got 'zfs'"),
    ("unknown filesystem block", "filesystems:\n  allowed:\n    - xfs\n    - ntfs\nmounts:\n"
     "  /: {}\n", [(4, 7, "filesystems.allowed[1]")], "got 'ntfs'"),
    ("default fs not allowed", "filesystems:\n  allowed: [ext4]\n  default: xfs\nmounts:\n"
     "  /: {}\n", [(3, 3, "filesystems.default")], "not in filesystems.allowed"),
    ("unknown rule slug", "mounts:\n  /: {}\nrules:\n  no-such-rule: error\n",
     [(4, 3, "rules.no-such-rule")], "unknown rule 'no-such-rule' (expected a slug such as "
     "mount-options or a code such as ONN011)"),
    ("bad severity", "mounts:\n  /: {}\nrules:\n  swap: fatal\n",
     [(4, 3, "rules.swap")], "expected one of error, warning, info, off, got 'fatal'"),
    ("bad swap policy", "swap:\n  policy: maybe\nmounts:\n  /: {}\n",
     [(2, 3, "swap.policy")], "required, recommended, none"),
    ("reserve min above max", "volume_group:\n  reserve_min: 2 GiB\n  reserve_max: 1 GiB\n"
     "mounts:\n  /: {}\n", [(2, 3, "volume_group.reserve_min")], "above reserve_max"),
    ("invalid yaml", "name: x\nmounts:\n  /: {min: 6 GiB\n", [(4, 1, "")], "not valid YAML"),
    ("invalid yaml 2", "name: x\nmounts:\n  /: [\n  x: : y\n", [(4, 6, "")], "not valid YAML"),
    ("tab indentation", "mounts:\n\t/: {}\n", [(2, 1, "")], "not valid YAML"),
    ("empty", "", [(1, 1, "")], "the profile is empty"),
    ("comment only", "# nothing\n", [(1, 1, "")], "the profile is empty"),
    ("not a mapping", "- a\n- b\n", [(1, 1, "")], "expected a mapping of profile keys"),
    ("non-scalar key", "mounts:\n  /: {}\n? [a, b]\n: c\n", [(3, 3, "")], "plain strings"),
    ("relative mount point", "mounts:\n  /: {}\n  var: {}\n",
     [(3, 3, "mounts.var")], "absolute path"),
    ("root optional", "mounts:\n  /:\n    min: 6 GiB\n    presence: optional\n",
     [(4, 5, "mounts./.presence")], "'/' cannot be optional"),
    ("bad presence", "mounts:\n  /: {}\n  /var:\n    presence: maybe\n",
     [(4, 5, "mounts./var.presence")], "expected one of required, created, optional"),
    ("python object tag", "mounts:\n  /: !!python/object/apply:os.system ['true']\n",
     [(2, 6, "mounts./")], "unsupported YAML tag"),
    ("python name tag", "name: !!python/name:os.system\nmounts:\n  /: {}\n",
     [(1, 7, "name")], "could not determine a constructor"),
    ("python map tag", "mounts: !!python/object:os.PathLike {}\n",
     [(1, 9, "mounts")], "unsupported YAML tag"),
]


@pytest.mark.parametrize("text, where, fragment", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_profile_names_file_line_column(text, where, fragment):
    with pytest.raises(ProfileError) as exc:
        load_profile_text(text, "site.yaml")
    assert problems_of(exc) == where
    prob = exc.value.problems[0]
    assert prob.file == "site.yaml"
    assert fragment in prob.message
    line, column, key = where[0]
    assert str(exc.value).startswith("site.yaml:%d:%d: %s: " % (line, column, key or "(top)"))


def test_every_problem_is_reported_at_once():
    text = "bogus: 1\nmounts:\n  /:\n    min: 6\n    kind: raid\n"
    with pytest.raises(ProfileError) as exc:
        load_profile_text(text, "site.yaml")
    assert problems_of(exc) == [(1, 1, "bogus"), (4, 5, "mounts./.min"), (5, 5, "mounts./.kind")]
    assert len(str(exc.value).splitlines()) == 3


def test_bad_file_names_its_path(tmp_path):
    path = write(tmp_path, "bad.yaml", "name: x\nmounts:\n  /:\n    min: 6\n")
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    assert str(exc.value).startswith("%s:4:5: mounts./.min:" % path)


def test_python_tags_are_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = "mounts:\n  /: !!python/object/apply:os.system ['touch %s']\n" % marker
    with pytest.raises(ProfileError):
        load_profile_text(text, "site.yaml")
    text = "name: !!python/object/apply:os.system ['touch %s']\nmounts:\n  /: {}\n" % marker
    with pytest.raises(ProfileError):
        load_profile_text(text, "site.yaml")
    assert not marker.exists()


def test_loader_is_safe_only():
    source = open(P.__file__).read()
    assert "SafeLoader" in source
    for unsafe in ("yaml.load(", "FullLoader", "UnsafeLoader", "yaml.Loader", "unsafe_load"):
        assert unsafe not in source, unsafe


def test_unreadable_file(tmp_path):
    path = str(tmp_path / "missing.yaml")
    with pytest.raises(ProfileError, match="no such profile"):
        load_profile(path)
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(str(path))


def test_rules_accept_codes_and_off():
    prof = load_profile_text("extends: ovirt-node\nrules:\n  ONN011: error\n  swap: off\n"
                             "  pool-metadata: 'off'\n", "site.yaml")
    assert prof.severity("mount-options") == "error"
    assert prof.severity("swap") == "off"
    assert prof.severity("pool-metadata") == "off"


def test_swap_policy_sets_swap_severity():
    for policy, severity in (("required", "error"), ("recommended", "warning"), ("none", "off")):
        prof = load_profile_text("extends: ovirt-node\nswap:\n  policy: %s\n" % policy, "s.yaml")
        assert prof.severity("swap") == severity


# --- derive ---------------------------------------------------------------------------------
def test_derive_merges_and_revalidates():
    base = load_profile()
    derived = base.derive({"mounts": {"/var": {"min": "6 GiB", "default": "6 GiB"}},
                           "thin_pool": {"overcommit": True}}, "--set")
    assert derived.mounts["/var"].min_size == 6 * GiB
    assert derived.overcommit is True
    assert derived.mounts["/var/log"] == base.mounts["/var/log"]
    assert base.mounts["/var"].min_size == 5 * GiB        # the base is untouched
    assert base.overcommit is False


def test_derive_reports_bad_overrides():
    base = load_profile()
    with pytest.raises(ProfileError) as exc:
        base.derive({"mounts": {"/var": {"min": "6", "colour": "red"}}}, "--set")
    found = sorted((p.file, p.key) for p in exc.value.problems)
    assert found == [("--set", "mounts./var.colour"), ("--set", "mounts./var.min")]


def test_derive_accepts_located_data(tmp_path):
    path = write(tmp_path, "over.yaml", "mounts:\n  /tmp:\n    min: 3\n")
    over = P.parse_yaml(open(path).read(), path)
    with pytest.raises(ProfileError) as exc:
        load_profile().derive(over, path)
    assert problems_of(exc) == [(3, 5, "mounts./tmp.min")]


def test_to_dict_round_trips(tmp_path):
    import yaml
    prof = load_profile("ovirt-node-minimal")
    again = load_profile_text(yaml.safe_dump(prof.to_dict()), "dump.yaml")
    assert again.mounts == {k: v.__class__(**{**v.__dict__, "where": again.mounts[k].where})
                            for k, v in prof.mounts.items()}
    assert os.path.basename(prof.source) == "ovirt-node-minimal.yaml"


# --- hostile input (issue 9) ----------------------------------------------------------------
INJECTED = "/srv\n%pre\ntouch /tmp/pwned\n%end"


def only(excinfo, key=None):
    """The single problem of a ProfileError (optionally checking its key)."""
    problem = only_problem(excinfo)
    if key is not None:
        assert problem.key.startswith(key), problem
    return problem


@pytest.mark.parametrize("text, where, fragment", [
    ('extends: ovirt-node\nmounts:\n  "/srv\\n%%pre\\nid\\n%%end": {presence: optional}\n',
     (3, 3), "whitespace or control characters"),
    ('extends: ovirt-node\nforbidden_mounts: ["/srv\\n%%pre"]\n', (2, 20), "whitespace"),
    ('extends: ovirt-node\nmounts:\n  "/a b": {}\n', (3, 3), "whitespace"),
    ("extends: ovirt-node\nmounts:\n  /a'b: {}\n", (3, 3), "quotes"),
    ('extends: ovirt-node\nmounts:\n  /var:\n    options: ["discard\\n%%pre"]\n', (4, 15),
     "characters mount options do not use"),
    ('extends: ovirt-node\nmounts:\n  /var:\n    options:\n      - "a b"\n', (5, 9),
     "characters mount options do not use"),
    ("extends: ovirt-node\nfilesystems:\n  options: ['x,,y']\n", (3, 13), "empty option"),
    ('extends: ovirt-node\nvolume_group:\n  name: "onn\\n%%pre"\n', (3, 3),
     "VG name 'onn\\n%pre' has characters LVM does not allow"),
    ("extends: ovirt-node\nvolume_group:\n  name: my vg\n", (3, 3), "LVM does not allow"),
    ("extends: ovirt-node\nvolume_group:\n  name: -onn\n", (3, 3), "hyphen"),
    ("extends: ovirt-node\nthin_pool:\n  name: pool_tmeta\n", (3, 3), "reserved by LVM"),
    ("extends: ovirt-node\nthin_pool:\n  name: snapshot0\n", (3, 3), "reserved by LVM"),
    ('extends: ovirt-node\nname: "x\\n%%pre"\n', (2, 1), "control characters"),
    ("extends: ovirt-node\nname: \"x\\e[2J\"\n", (2, 1), "control characters"),
    ('extends: ovirt-node\ndescription: "a\\x1b[2Jb"\n', (2, 1), "control characters"),
    ("extends: ovirt-node\nmounts:\n  /d\u00e9p\u00f4t: {}\n", (3, 3),
     "LV name 'd\u00e9p\u00f4t'"),
    ("extends: ovirt-node\nmounts:\n  /snapshots: {}\n", (3, 3), "reserved by LVM"),
    ("extends: ovirt-node\nmounts:\n  /" + "a" * 200 + ": {}\n", (3, 3), "too long"),
    ("extends: ovirt-node\nmounts:\n  /root: {}\n", (3, 3), "same LV name 'root' as /"),
    ("extends: ovirt-node\nmounts:\n  /var_log: {}\n", (3, 3), "same LV name 'var_log'"),
    ("extends: ovirt-node\nmounts:\n  /pool00: {}\n", (3, 3), "thin pool"),
])
def test_names_reaching_generated_text_are_validated_at_load(text, where, fragment):
    """A name that would reach a kickstart or an Anaconda drop-in is refused with its place."""
    with pytest.raises(ProfileError) as exc:
        load_profile_text(text.replace("%%", "%"), "site.yaml")
    problem = only_problem(exc)
    assert (problem.line, problem.column) == where, problem
    assert fragment in problem.message, problem
    assert "\n" not in str(exc.value) and "\x1b" not in str(exc.value)


def test_partition_mounts_need_no_lv_name():
    prof = load_profile_text("extends: ovirt-node\nmounts:\n  /snapshots: {kind: partition}\n",
                             "site.yaml")
    assert prof.mounts["/snapshots"].kind == "partition"


def test_injected_mount_point_never_reaches_the_problem_text(tmp_path):
    path = write(tmp_path, "evil.yaml", 'extends: ovirt-node\nmounts:\n  "%s": {}\n'
                 % INJECTED.replace("\n", "\\n"))
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    text = str(exc.value)
    assert text.startswith("%s:3:3: mounts." % path)
    assert len(text.splitlines()) == 1 and "\n%pre" not in text and "\\n%pre" in text


# Limits: aliases, depth, size, scalars.
ALIAS_BOMB = "".join("%s: &%s [%s]\n" % (c, c, ",".join(["*%s" % p] * 9) if p else
                                        ",".join(['"lol"'] * 9))
                     for p, c in zip([""] + list("abcdefgh"), "abcdefghi"))


def test_alias_bomb_is_refused_at_once():
    assert len(ALIAS_BOMB) < 700
    with pytest.raises(ProfileError) as exc:
        load_profile_text(ALIAS_BOMB, "bomb.yaml")
    problem = only_problem(exc)
    assert (problem.line, problem.column) == (1, 4)
    assert "anchors" in problem.message and "extends" in problem.message


@pytest.mark.parametrize("text, where", [
    ("name: &a [*a]\n", (1, 7)),
    ("a: &x 1\nname: *x\n", (1, 4)),
    ("<<: *undefined\n", (1, 5)),
    ("name: *" + "z" * 5000 + "\n", (1, 7)),
])
def test_aliases_and_anchors_are_refused(text, where):
    with pytest.raises(ProfileError) as exc:
        load_profile_text(text, "a.yaml")
    problem = only_problem(exc)
    assert (problem.line, problem.column) == where
    assert len(problem.message) < 300


@pytest.mark.parametrize("depth", [33, 1000, 50000])
def test_deep_nesting_is_refused(depth):
    for text in ("mounts: " + "[" * depth + "]" * depth + "\n",
                 "mounts: " + "{a: " * depth + "1" + "}" * depth + "\n"):
        with pytest.raises(ProfileError) as exc:
            load_profile_text(text, "deep.yaml")
        problem = only_problem(exc)
        assert "nested deeper than 32" in problem.message and problem.line == 1


def test_nesting_up_to_the_limit_is_only_a_schema_problem():
    text = "name: x\nmounts:\n  /: {}\nrules: " + "[" * 31 + "]" * 31 + "\n"
    with pytest.raises(ProfileError) as exc:
        load_profile_text(text, "deep.yaml")
    assert "expected a mapping" in only_problem(exc).message


def test_long_scalar_is_refused():
    text = "name: " + "x" * 5000 + "\nmounts:\n  /: {}\n"
    with pytest.raises(ProfileError) as exc:
        load_profile_text(text, "long.yaml")
    problem = only_problem(exc)
    assert (problem.line, problem.column) == (1, 7)
    assert "longer than 4096" in problem.message and "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
        not in problem.message


def test_too_many_nodes_are_refused():
    text = "rules: [" + ",".join(["1"] * 20000) + "]\n"
    with pytest.raises(ProfileError) as exc:
        load_profile_text(text, "many.yaml")
    assert "more than 2000 values" in only_problem(exc).message


@pytest.mark.parametrize("value, fragment", [
    ("2001-13-45", "cannot read '2001-13-45' as YAML type !!timestamp"),
    ("9" * 4000, "is out of range"),
    ("!!float abc", "cannot read 'abc' as YAML type !!float"),
    ("!!bool maybe", "cannot read 'maybe' as YAML type !!bool"),
    ("!!timestamp x", "cannot read 'x' as YAML type !!timestamp"),
    ("!!int 0x", "cannot read '0x' as YAML type !!int"),
    ("!!int ''", "cannot read '' as YAML type !!int"),
    ("!!binary 'a'", "failed to decode base64 data"),
    ("!foo x", "could not determine a constructor for the tag '!foo'"),
    ("!!python/name:os.system x", "could not determine a constructor"),
    ("!" + "t" * 3000 + " x", "could not determine a constructor"),
    ("!!map x", "expected a mapping node"),
    ("!!set x", "expected a mapping node"),
    ("!!omap x", "expected a sequence"),
    ("!!merge x", "could not determine a constructor"),
])
def test_scalars_yaml_resolves_to_other_types_are_clean_errors(value, fragment):
    with pytest.raises(ProfileError) as exc:
        load_profile_text("name: %s\nmounts:\n  /: {}\n" % value, "t.yaml")
    problem = only_problem(exc)
    assert (problem.line, problem.column, problem.key) == (1, 7, "name"), problem
    assert fragment in problem.message
    assert len(str(exc.value)) < 300


def test_a_5000_digit_integer_is_a_clean_error():
    with pytest.raises(ProfileError) as exc:
        load_profile_text("name: %s\nmounts:\n  /: {}\n" % ("9" * 5000), "t.yaml")
    problem = only_problem(exc)
    assert (problem.line, problem.column) == (1, 7)
    assert "longer than 4096" in problem.message


@pytest.mark.parametrize("key", ["2001-13-45", "!!bool maybe", "!!float x"])
def test_bad_scalars_as_keys_are_clean_errors(key):
    with pytest.raises(ProfileError) as exc:
        load_profile_text("%s: 1\nmounts:\n  /: {}\n" % key, "t.yaml")
    assert exc.value.problems[0].line == 1


def test_non_string_values_are_quoted_briefly():
    text = "name: x\nmounts:\n  /: {}\nswap:\n  policy: %s\n" % ("9" * 4000)
    with pytest.raises(ProfileError) as exc:
        load_profile_text(text, "t.yaml")
    assert len(str(exc.value)) < 400


# Sizes.
@pytest.mark.parametrize("size, fragment", [
    ("9 EiB", "at most 8 EiB"),
    ("100000000000000000000000000000000000 PiB", "at most 8 EiB"),
    ("0 B", "larger than 0"),
    ("0.1 B", "larger than 0"),
])
def test_sizes_are_bounded(size, fragment):
    with pytest.raises(ProfileError) as exc:
        load_profile_text("extends: ovirt-node\nmounts:\n  /var: {min: %s}\n" % size, "s.yaml")
    problem = only_problem(exc)
    assert problem.key == "mounts./var.min" and fragment in problem.message


def test_zero_reserve_is_allowed():
    prof = load_profile_text("extends: ovirt-node\nvolume_group: {reserve_min: 0 B}\n", "s.yaml")
    assert prof.reserve_min == 0
    prof = load_profile_text("extends: ovirt-node\nmounts:\n  /var: {min: 8 EiB, default: 8 EiB}\n",
                             "s.yaml")
    assert prof.mounts["/var"].min_size == 8 * 1024 ** 6


# Files.
def test_profile_path_must_be_a_regular_file(tmp_path):
    for path in ("/dev/zero", "/dev/null", str(tmp_path)):
        with pytest.raises(ProfileError) as exc:
            load_profile(path)
        assert "not a regular file" in only_problem(exc).message, path
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(str(fifo))
    with pytest.raises(ProfileError) as exc:     # never blocks waiting for a writer
        load_profile(str(fifo))
    assert "not a regular file" in only_problem(exc).message


def test_extends_must_name_a_regular_file(tmp_path):
    path = write(tmp_path, "site.yaml", "extends: /dev/zero\n")
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    assert "not a regular file" in only_problem(exc).message


def test_big_file_is_refused_with_a_bounded_read(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (2 * 1024 * 1024) + "\nname: x\n")
    with pytest.raises(ProfileError) as exc:
        load_profile(str(path))
    assert "larger than 256 KiB" in only_problem(exc).message
    with pytest.raises(ProfileError) as exc:
        load_profile_text("# " + "x" * (2 * 1024 * 1024) + "\nname: x\n", "big.yaml")
    assert "larger than 256 KiB" in only_problem(exc).message


def test_proc_file_is_read_with_a_limit_and_not_quoted():
    with pytest.raises(ProfileError) as exc:
        load_profile("/proc/self/environ")
    text = str(exc.value)
    assert len(exc.value.problems) == 1 and len(text) < 300
    for value in os.environ.values():
        if len(value) > 8:
            assert value not in text


def test_non_utf8_file_is_a_clean_error(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\u00e9\nmounts:\n  /: {}\n".encode("latin-1"))
    with pytest.raises(ProfileError) as exc:
        load_profile(str(path))
    problem = only_problem(exc)
    assert "not UTF-8" in problem.message and "offset 9" in problem.message


SHADOW = ("root:$6$Zx8sSecretSalt$hQ0verySecretHashOfRoot000000000000000000000000:19000:0:99999"
          ":7:::\n"
          "daemon:*:19000:0:99999:7:::\n"
          "bob:$6$BobSalt$bobSecretHash1111111111111111111111111111111:19000:0:99999:7:::\n"
          "carol:$6$CarolSalt$carolSecretHash22222222222222222222222:19000:0:99999:7:::\n")


def test_a_file_that_is_not_a_profile_gets_one_error_without_its_content(tmp_path):
    path = write(tmp_path, "shadow", SHADOW)
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    problem = only_problem(exc)
    assert "not a profile" in problem.message
    text = str(exc.value)
    for secret in ("Secret", "Hash", "bob", "carol", "Salt", "root:"):
        assert secret not in text, text


def test_unknown_keys_are_quoted_briefly_and_counted(tmp_path):
    lines = "".join("user%d:$6$secret%dsecret%dsecret%d:\n" % ((i,) * 4) for i in range(50))
    path = write(tmp_path, "site.yaml", "name: x\nmounts:\n  /: {}\n" + lines)
    with pytest.raises(ProfileError) as exc:
        load_profile(path)
    problems = exc.value.problems
    assert len(problems) <= 21
    assert "more problems" in problems[-1].message
    for problem in problems:
        assert len(str(problem)) < 300
        assert "secret1secret" not in str(problem)


def test_problem_location_escapes_the_file_name():
    with pytest.raises(ProfileError) as exc:
        load_profile("/nonexistent/a\nb\x1b.yaml")
    assert "\n" not in str(exc.value) and "\x1b" not in str(exc.value)


@pytest.mark.parametrize("value", [None, 5, b"ovirt-node", ["ovirt-node"]])
def test_load_profile_of_a_non_string_is_a_profile_error(value):
    with pytest.raises(ProfileError):
        load_profile(value)


def test_long_extends_chain_is_refused(tmp_path):
    for i in range(40):
        write(tmp_path, "p%d.yaml" % i, "extends: p%d.yaml\n" % (i + 1) if i < 39
              else "extends: ovirt-node\n")
    with pytest.raises(ProfileError) as exc:
        load_profile(str(tmp_path / "p0.yaml"))
    assert "extends chain is longer than" in only_problem(exc).message


def test_deep_plain_overrides_are_a_profile_error():
    deep = {"x": "y"}
    for _ in range(5000):
        deep = {"a": deep}
    with pytest.raises(ProfileError):
        load_profile().derive({"rules": deep}, "--set")


def test_derive_validates_names_too():
    with pytest.raises(ProfileError) as exc:
        load_profile().derive({"mounts": {INJECTED: {}}}, "--set")
    assert only_problem(exc).file == "--set"


def test_extending_a_file_that_is_not_a_profile_does_not_print_it(tmp_path):
    shadow = write(tmp_path, "shadow", SHADOW)
    site = write(tmp_path, "site.yaml", "extends: %s\nname: x\nmounts:\n  /: {}\n" % shadow)
    with pytest.raises(ProfileError) as exc:
        load_profile(site)
    problem = only_problem(exc)
    assert problem.file == shadow and "not a profile" in problem.message
    for secret in ("Secret", "Salt", "bob", "carol"):
        assert secret not in str(exc.value)


@pytest.mark.parametrize("text, where, code", [
    ("name: a\x00b\n", (1, 8), "#x0000"),
    ("name: x\nmounts:\n  /: {}\n  /v\x1bar: {}\n", (4, 5), "#x001b"),
    ("name: \ud800\n", (1, 7), "#xd800"),
])
def test_characters_yaml_refuses_are_located(text, where, code):
    with pytest.raises(ProfileError) as exc:
        load_profile_text(text, "c.yaml")
    problem = only_problem(exc)
    assert (problem.line, problem.column) == where
    assert code in problem.message and "\n" not in str(exc.value)


@pytest.mark.parametrize("name", P.builtin_profiles())
def test_every_value_of_a_shipped_profile_names_its_source(name):
    """Issue 11: each value of the built-in profiles carries its source in a comment (on its
    line, or on the continuation comment line right below)."""
    path = os.path.join(P.PROFILE_DIR, name + ".yaml")
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    in_text = False
    missing = []
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if in_text and line.startswith("  ") and not stripped.startswith("#"):
            continue                                 # a folded description line
        in_text = stripped.startswith("description:")
        if not stripped or stripped.startswith("#") or in_text:
            continue
        key, _sep, value = stripped.partition(":")
        if key in ("name", "extends") or not value.strip() or value.strip().startswith("#"):
            continue                                 # a section, or a commented one
        if "#" not in line and not (number < len(lines) and
                                    lines[number].strip().startswith("#")):
            missing.append((number, line))
    assert missing == [], missing
