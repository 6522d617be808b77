# SPDX-License-Identifier: GPL-2.0-or-later
"""Which facts each input fills, and rules that say "not checked" when their input lacks one
(issue 10, item 3).

Each input is read for real: a blivet tree on sparse files, the same tree through Anaconda's
DeviceTree D-Bus shape, a kickstart through pykickstart, canned ``lvs``/``vgs``/``findmnt``
output of a live host.
"""
import dataclasses

import pytest
import service_helpers as H
from blivet_helpers import anaconda_thinp_autopart, blivet_with_disks
from test_dbus_tree import FakeDeviceTree
from test_host_adapter import lvm_sample
from test_linter import compliant

from org_ovirt_node import checker
from org_ovirt_node import layout as L
from org_ovirt_node import rules as catalog
from org_ovirt_node.findings import RuleResult
from org_ovirt_node.host.reader import build_layout
from org_ovirt_node.installer.dbus_reader import layout_from_device_tree
from org_ovirt_node.kickstart.linter import lint_text, parse_kickstart
from org_ovirt_node.kickstart.reader import layout_from_handler
from org_ovirt_node.planning.blivet_reader import layout_from_blivet
from org_ovirt_node.profile import load_profile

GiB = 1024 ** 3

# What each input fills. A fact missing here makes the rules that need it say "not checked".
FILLED = {
    "blivet": {"disk-size", "vg-size", "vg-free", "extent-size", "pool-size",
               "pool-metadata-size"},
    # D-Bus: no metadata size, no extent size; VG free space is estimated (dbus_tree doc).
    "dbus": {"disk-size", "vg-size", "vg-free", "pool-size"},
    # A kickstart: no disks, no VG sizes; a growing pool has no size yet.
    "kickstart": {"extent-size"},
    "host": {"disk-size", "vg-size", "vg-free", "extent-size", "pool-size",
             "pool-metadata-size", "pool-data-usage", "pool-metadata-usage", "fs-used"},
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    b, disks = blivet_with_disks(str(tmp_path_factory.mktemp("facts")), [100 * GiB])
    return anaconda_thinp_autopart(b, disks, mountopts="defaults,discard")


@pytest.fixture(scope="module")
def profile():
    return load_profile("ovirt-node")


def _kickstart_layout(profile, text=None):
    handler = parse_kickstart(text or compliant())[0]
    return layout_from_handler(handler, profile, origin="ks.cfg")[0]


@pytest.fixture(scope="module")
def inputs(tree, profile):
    return {
        "blivet": layout_from_blivet(tree),
        "dbus": layout_from_device_tree(FakeDeviceTree(H.records_from_blivet(tree))),
        "kickstart": _kickstart_layout(profile),
        "host": build_layout(*lvm_sample()),
    }


@pytest.mark.parametrize("source", sorted(FILLED))
def test_each_input_fills_its_facts(inputs, source):
    layout = inputs[source]
    # Not vacuous: every fact concerns some device of the sample (disks, VG, pool, mounts).
    for fact in L.FACTS:
        assert any(fact.concerns(d) for d in layout), (source, fact.name)
    assert set(layout.filled_facts()) == FILLED[source]


def test_every_declared_need_is_a_known_fact():
    needed = {f for func in checker.RULES.values() for f in func.needs}
    assert needed <= set(L.FACTS)
    assert checker.RULES["pool-metadata"].needs == (L.POOL_METADATA_SIZE, L.VG_FREE)


def _not_checked(report):
    return {f.code: f.message for f in report.findings
            if f.severity == catalog.INFO and f.message.startswith("Not checked:")}


def test_pool_metadata_is_not_checked_from_dbus_and_says_so(inputs, profile):
    report = checker.check(inputs["dbus"], profile)
    assert _not_checked(report) == {
        "ONN014": "Not checked: the metadata size of the thin pools is not available from "
                  "Anaconda's device tree (D-Bus)."}
    (f,) = [f for f in report.findings if f.code == "ONN014"]
    assert f.rule == "pool-metadata" and f.device is None


def test_the_same_tree_from_blivet_checks_pool_metadata(inputs, profile):
    assert _not_checked(checker.check(inputs["blivet"], profile)) == {}
    # ... and it really runs there: with the VG full, ONN014 fires as a warning.
    pool = next(d for d in inputs["blivet"] if d.kind == L.THINPOOL)
    devices = tuple(d if d.kind != L.VG else L.Device(**dict(vars(d), free=0))
                    for d in inputs["blivet"])
    full = L.Layout(devices, source=L.SOURCE_BLIVET)
    profile_big = dataclasses.replace(profile, min_metadata=pool.metadata_size + GiB)
    (f,) = [f for f in checker.check(full, profile_big).findings if f.code == "ONN014"]
    assert f.severity == catalog.WARNING


def test_several_missing_facts_are_named_in_one_finding(inputs, profile):
    messages = _not_checked(checker.check(inputs["kickstart"], profile))
    assert messages["ONN014"] == ("Not checked: the metadata size of the thin pools, the free "
                                  "space of the volume groups are not available from the "
                                  "kickstart.")


def test_kickstart_lint_says_what_it_cannot_check():
    report = lint_text(compliant(), filename="ks.cfg")
    # disk-size (no disk sizes), pool-overcommit (the pool grows), pool-metadata; the VG
    # reserve is judged from volgroup --reserved-percent by the kickstart's own rule.
    assert sorted(_not_checked(report)) == ["ONN008", "ONN010", "ONN014"]
    assert report.ok


def test_a_fixed_pool_size_lets_the_kickstart_check_overcommit():
    report = lint_text(compliant(pool="--size=60000"))
    assert sorted(_not_checked(report)) == ["ONN010", "ONN014"]


def test_a_rule_turned_off_says_nothing():
    text = compliant(tail="%addon org_ovirt_node\nrule pool-metadata off\nrule disk-size off\n"
                          "%end\n")
    assert sorted(_not_checked(lint_text(text))) == ["ONN008"]


def test_kickstart_rules_replace_the_layout_rule_of_their_slug():
    from org_ovirt_node.kickstart.linter import KICKSTART_RULES
    assert set(KICKSTART_RULES) == {"vg-reserve", "ks-inconsistent"}
    assert KICKSTART_RULES["vg-reserve"] is not checker.RULES["vg-reserve"]
    report = lint_text(compliant(vg_opts="--reserved-percent=5"))
    (f,) = [f for f in report.findings if f.code == "ONN009"]
    # below the profile's 20 %, but a reserve: a warning (none at all would be ONN018)
    assert f.severity == catalog.WARNING and "5 %" in f.message and f.device == "HostVG"


def test_rules_may_still_yield_plain_tuples(inputs, profile):
    table = {}

    @catalog.register("update-room", table)
    def legacy(ctx):
        yield (None, ctx.root_pool, "plain tuple", "hint")

    @catalog.register("pool-data-usage", table, needs=(L.POOL_DATA_USAGE,))
    def named(ctx):
        yield RuleResult("/", None, "named", line=7)

    ctx = checker.Context(inputs["host"], profile)
    first, second = checker.run_rules(ctx, table)
    assert (first.code, first.message, first.hint, first.device) == \
        ("ONN203", "plain tuple", "hint", "onn-pool00")
    assert (second.code, second.mountpoint, second.line) == ("ONN201", "/", 7)
    # The same rule on an input without pool usage figures says it was not checked.
    (skipped,) = checker.run_rules(checker.Context(inputs["blivet"], profile), table,
                                   only=("pool-data-usage",))
    assert skipped.severity == catalog.INFO and "data use" in skipped.message


def test_findings_are_ordered_by_severity_then_line():
    from org_ovirt_node.findings import Finding, make_report
    items = [Finding("ONN1", sev, None, "m", line=line) for sev, line in
             (("info", 1), ("warning", 9), ("error", 5), ("warning", 2), ("error", None))]
    got = [(f.severity, f.line) for f in make_report(items, "x").findings]
    assert got == [("error", None), ("error", 5), ("warning", 2), ("warning", 9), ("info", 1)]


def test_shared_words_are_defined_once():
    from org_ovirt_node.installer import ui_model
    from org_ovirt_node.kickstart import addon as kickstart
    assert kickstart.MODES is catalog.MODES and kickstart.DEFAULT_MODE == catalog.MODE_ENFORCE
    assert kickstart.DEFAULT_PROFILE is catalog.DEFAULT_PROFILE
    assert ui_model.MODE_OFF is catalog.MODE_OFF
