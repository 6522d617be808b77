# SPDX-License-Identifier: GPL-2.0-or-later
"""The spokes' decision logic, without pyanaconda: findings from the real checker on real
blivet layouts, turned into D-Bus-shaped dicts as ValidateLayout returns them."""
import pytest
from blivet_helpers import anaconda_thinp_autopart, blivet_with_disks

from org_ovirt_node.checker import check
from org_ovirt_node.installer import ui_model
from org_ovirt_node.planning.blivet_reader import layout_from_blivet

GiB = 1024 ** 3


def _as_dbus(report):
    """The keys and values of the service's FindingData structure (native, as a spoke
    reads them)."""
    from dasbus.typing import get_native

    from org_ovirt_node.service.structures import FindingData
    return [get_native(FindingData.to_structure(FindingData.from_finding(f)))
            for f in report.findings]


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    """name -> findings of the default profile on a compliant and a broken layout."""
    from org_ovirt_node.profile import load_profile
    profile = load_profile("ovirt-node")
    out = {}
    for name in ("compliant", "var-missing"):
        b, disks = blivet_with_disks(str(tmp_path_factory.mktemp(name)), [100 * GiB])
        anaconda_thinp_autopart(b, disks)
        if name == "var-missing":
            b.destroy_device(b.devicetree.get_device_by_name("onn-var"))
        out[name] = _as_dbus(check(layout_from_blivet(b), profile))
    return out


def test_enforce_with_errors_blocks_and_counts_them(findings):
    broken = findings["var-missing"]
    errors = [f for f in broken if f["severity"] == "error"]
    assert errors and any(f["code"] == "ONN002" for f in errors)
    state = ui_model.evaluate("enforce", broken, "ovirt-node")
    assert state.mandatory and not state.completed
    assert state.errors == len(errors)
    expected = "%d layout error%s the installation" % (
        len(errors), " blocks" if len(errors) == 1 else "s block")
    assert state.status == expected
    assert "Installation Destination" in state.lines[0]
    for f in errors:
        line = "error %s %s: %s" % (f["code"], f["mount-point"] or f["device"], f["message"])
        index = state.lines.index(line)
        assert state.lines[index + 1] == "    Fix: " + f["hint"]


def test_warn_completes_but_says_what_would_block(findings):
    broken = findings["var-missing"]
    state = ui_model.evaluate("warn", broken, "ovirt-node")
    assert not state.mandatory and state.completed
    assert "warn mode: not blocking" in state.status
    assert "installs it anyway" in state.lines[0]


def test_compliant_layout_completes_in_enforce_mode(findings):
    good = findings["compliant"]
    assert not [f for f in good if f["severity"] == "error"]
    state = ui_model.evaluate("enforce", good, "ovirt-node")
    assert state.mandatory and state.completed and state.errors == 0
    assert state.warnings == sum(1 for f in good if f["severity"] == "warning")
    if state.warnings:
        assert state.status.startswith("Layout fits ovirt-node, %d warning" % state.warnings)
    else:
        assert state.status == "Layout fits ovirt-node"


def test_no_findings_at_all():
    state = ui_model.evaluate("enforce", [], "my-profile")
    assert state.completed and state.status == "Layout fits my-profile"
    assert state.lines == ("The planned layout fits profile my-profile.",)


def test_singular_error_status():
    one = [{"code": "ONN002", "severity": "error", "mount-point": "/var",
            "message": "m", "hint": "h"}]
    assert ui_model.evaluate("enforce", one, "p").status == \
        "1 layout error blocks the installation"


def test_off_checks_nothing_even_with_findings(findings):
    state = ui_model.evaluate("off", findings["var-missing"], "ovirt-node")
    assert not state.mandatory and state.completed
    assert state.status == "Layout check is off"
    assert not any("ONN" in line for line in state.lines)


@pytest.mark.parametrize("mode, completed", [("enforce", False), ("warn", True), (None, True)])
def test_failure_to_ask_blocks_only_in_enforce_mode(mode, completed):
    state = ui_model.evaluate(mode, failure="no such name")
    assert state.completed is completed
    assert state.mandatory is (mode == "enforce")
    assert "no such name" in state.lines[0]


def test_odd_findings_do_not_crash():
    """Unknown severity, missing keys, no mount point or device, no hint."""
    state = ui_model.evaluate("enforce", [{"code": "ONN999", "severity": "fatal",
                                           "message": 5}], "p")
    assert state.completed
    assert state.lines[1:] == ("fatal ONN999: 5",)


def test_gui_spoke_glade_matches_its_code():
    """No Gtk here: check statically that the GUI spoke's builder objects and signal
    handlers exist in its Glade file and class."""
    import ast
    import os
    import xml.etree.ElementTree as ET
    base = os.path.join(os.path.dirname(os.path.dirname(ui_model.__file__)), "gui", "spokes")
    tree = ET.parse(os.path.join(base, "ovirt_node.glade"))
    ids = {o.get("id") for o in tree.iter("object")}
    handlers = {s.get("handler") for s in tree.iter("signal")}
    module = ast.parse(open(os.path.join(base, "ovirt_node.py")).read())
    spoke = next(n for n in module.body if isinstance(n, ast.ClassDef))
    methods = {n.name for n in spoke.body if isinstance(n, ast.FunctionDef)}
    consts = {t.id: ast.literal_eval(n.value) for n in spoke.body if isinstance(n, ast.Assign)
              for t in n.targets if isinstance(t, ast.Name)
              and t.id in ("builderObjects", "mainWidgetName", "uiFile")}
    assert set(consts["builderObjects"]) <= ids and consts["mainWidgetName"] in ids
    assert consts["uiFile"] == "ovirt_node.glade"
    # every widget the code fetches by id exists in the Glade file
    fetched = {n.args[0].value for n in ast.walk(module)
               if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "get"
               and n.args and isinstance(n.args[0], ast.Constant)}
    assert {"summaryLabel", "findingsBox", "poolBar", "previewFrame"} <= fetched
    assert fetched <= ids, fetched - ids
    # on_back_clicked comes from Anaconda's NormalSpoke
    assert handlers - {"on_back_clicked"} <= methods


# --- the layout report: grouping, the table, the pool bar, Create/Fix previews --------------
def _finding(code, severity, mount, message, hint="", rule="mount-options"):
    return {"code": code, "severity": severity, "mount-point": mount, "message": message,
            "hint": hint, "rule": rule, "device": ""}


DISCARD = [_finding("ONN011", "warning", m, "%s is not mounted with discard." % m,
                    "Add discard to the mount options of %s." % m)
           for m in ("/", "/var", "/var/log", "/var/log/audit", "/home", "/tmp")]


def test_findings_of_one_rule_are_one_line_listing_the_mounts_errors_first():
    missing = _finding("ONN002", "error", "/var", "/var is not a separate mount.",
                       "Create /var.", rule="required-mount")
    groups = ui_model.group_findings(DISCARD + [missing])
    assert [g.code for g in groups] == ["ONN002", "ONN011"]      # errors first
    error, discard = groups
    assert error.title == "ONN002 /var: /var is not a separate mount."
    assert error.fix == "Create /var." and error.icon == "dialog-error-symbolic"
    assert discard.mounts == ("/", "/var", "/var/log", "/var/log/audit", "/home", "/tmp")
    assert discard.title == ("ONN011 6 mounts: mounts carry the mount options the profile "
                             "needs (/, /var, /var/log, /var/log/audit, …)")
    assert discard.detail == "For example: / is not mounted with discard."
    assert discard.fix == ("Add discard to the mount options of /. "
                           "Likewise for the other mounts.")
    assert discard.icon == "dialog-warning-symbolic"
    lines = ui_model.grouped_lines(groups)
    assert lines[0] == "[!!] ONN002 /var: /var is not a separate mount."
    assert lines[1] == "     Fix: Create /var."
    assert lines[2].startswith("[! ] ONN011 6 mounts: ")


def _lacking(mount, missing):
    return dict(_finding("ONN011", "warning", mount, "%s is not mounted with %s." % (
        mount, ",".join(missing)), "Add %s to %s." % (",".join(missing), mount)),
        missing=list(missing))


def test_a_group_missing_the_same_options_says_what_they_lack():
    """All findings of the group lack the same options (the service's ``missing``): one
    sentence saying which, the mounts after it; the first fix as the example."""
    mounts = ("/", "/var", "/var/log", "/var/log/audit", "/home", "/tmp", "/var/tmp",
              "/var/crash")
    (group,) = ui_model.group_findings([_lacking(m, ["discard"]) for m in mounts])
    assert group.title == "ONN011 8 mounts lack discard: /, /var, /var/log, /var/log/audit, …"
    assert group.mounts == mounts
    assert group.detail == ""           # the title already says what the example would
    assert group.fix == "Add discard to /. Likewise for the other mounts."
    (pair,) = ui_model.group_findings([_lacking(m, ["discard", "nodev"]) for m in mounts[:2]])
    assert pair.title == "ONN011 2 mounts lack discard, nodev: /, /var"
    assert ui_model.grouped_lines([pair])[0] == "[! ] " + pair.title


def test_a_group_lacking_different_options_keeps_the_rule_summary():
    """Different (or no, or malformed) ``missing`` per finding: the rule's summary, as an
    older service without the field gets (see DISCARD above)."""
    for findings in ([_lacking("/", ["discard"]), _lacking("/var", ["noatime"])],
                     [_lacking("/", ["discard"]), DISCARD[1]],
                     [dict(DISCARD[0], missing="discard"), dict(DISCARD[1], missing=[3])]):
        (group,) = ui_model.group_findings(findings)
        assert group.title == ("ONN011 2 mounts: mounts carry the mount options the profile "
                               "needs (/, /var)"), findings


def test_missing_options_from_the_real_checker_group_into_one_sentence(findings):
    """The real checker on Anaconda's thin autopart (no discard) through the service's
    FindingData: the ONN011 warnings become one "lack discard" line."""
    assert all("missing" in f for f in findings["compliant"])
    discard = [f for f in findings["compliant"] if f["code"] == "ONN011"]
    assert len(discard) > 1 and all(f["missing"] == ["discard"] for f in discard)
    groups = [g for g in ui_model.group_findings(findings["compliant"]) if g.code == "ONN011"]
    assert len(groups) == 1
    assert groups[0].title.startswith("ONN011 %d mounts lack discard: /" % len(discard))


def test_a_rule_outside_the_catalogue_is_not_grouped():
    odd = [_finding("ONN999", "warning", m, "odd %s" % m, rule="nope") for m in ("/a", "/b")]
    assert [g.title for g in ui_model.group_findings(odd)] == ["ONN999 /a: odd /a",
                                                               "ONN999 /b: odd /b"]


def test_mount_table_rows_and_text_columns():
    rows = ui_model.mount_rows([
        {"mount-point": "/var", "device-kind": "missing", "size": 0, "minimum": 5 * GiB,
         "status": "error"},
        {"mount-point": "/", "device-kind": "thin LV", "size": 6 * GiB, "minimum": 0,
         "status": "ok"}])
    assert [(r.mount, r.kind, r.size, r.minimum, r.status) for r in rows] == [
        ("/", "thin LV", "6 GiB", "—", "ok"), ("/var", "missing", "—", "5 GiB", "error")]
    assert rows[0].icon == "emblem-ok-symbolic" and rows[1].icon == "dialog-error-symbolic"
    text = ui_model.table_lines(rows)
    assert text[0].split() == ["Mount", "Device", "Size", "Minimum", "Status"]
    assert text[1].split() == ["/", "thin", "LV", "6", "GiB", "—", "[ok]"]
    assert text[2].endswith("[!!]")
    assert len({len(line.split("[")[0]) for line in text[1:]}) == 1    # aligned status column
    assert ui_model.table_lines(()) == []


def test_device_kinds_are_translated_for_display(monkeypatch):
    """The service sends untranslated keys (``thin LV``, ``missing``, ...); the table shows
    them through gettext, an unknown key as it is."""
    monkeypatch.setattr(ui_model, "_", lambda text: "<%s>" % text)
    rows = ui_model.mount_rows([
        {"mount-point": "/", "device-kind": "thin LV", "status": "ok"},
        {"mount-point": "/var", "device-kind": "missing", "status": "error"},
        {"mount-point": "/srv", "device-kind": "zfs?", "status": "ok"}])
    assert [r.kind for r in rows] == ["<thin LV>", "zfs?", "<missing>"]


def test_pool_bar_segments_add_up_and_show_a_missing_reserve():
    pool = {"name": "pool00", "vg": "onn", "size": 60 * GiB, "used": 45 * GiB,
            "free": 15 * GiB, "vg-reserve": 20 * GiB, "vg-free": 5 * GiB}
    bar = ui_model.pool_bar(pool)
    kinds = [(s.kind, s.size) for s in bar.segments]
    assert kinds == [("thin", 45 * GiB), ("free", 15 * GiB), ("reserve", 5 * GiB),
                     ("shortfall", 15 * GiB)]
    assert abs(sum(s.fraction for s in bar.segments) - 1) < 1e-9
    assert bar.title == "Pool pool00 of / in onn: 45 GiB of 60 GiB used by thin LVs"
    assert not bar.overcommitted
    lines = ui_model.bar_lines(bar, width=40)
    assert lines[1].startswith("[#") and "!" in lines[1] and "r" in lines[1]
    assert "reserve missing 15 GiB" in lines[2]


def test_overcommitted_pool_and_no_pool():
    bar = ui_model.pool_bar({"name": "p", "vg": "v", "size": 10 * GiB, "used": 15 * GiB,
                             "vg-free": 0, "vg-reserve": 0})
    assert bar.overcommitted and [s.kind for s in bar.segments] == ["thin"]
    assert "overcommitted" in ui_model.bar_lines(bar)[-1]
    assert ui_model.pool_bar({"name": ""}) is None and ui_model.pool_bar(None) is None
    assert ui_model.bar_lines(None) == []


def test_evaluate_report_puts_groups_table_and_bar_on_the_screen():
    report = {"mode": "enforce", "profile": "ovirt-node", "findings": DISCARD,
              "mounts": [{"mount-point": "/", "device-kind": "thin LV", "size": 6 * GiB,
                          "minimum": 6 * GiB, "status": "warning"}],
              "pool": {"name": "pool00", "vg": "onn", "size": 60 * GiB, "used": 6 * GiB,
                       "vg-free": 20 * GiB, "vg-reserve": 12 * GiB}}
    state = ui_model.evaluate_report(report)
    assert state.completed and state.warnings == len(DISCARD)
    assert len(state.groups) == 1 and len(state.mounts) == 1 and state.pool is not None
    assert state.lines[0] == "The planned layout fits profile ovirt-node, with warnings."
    assert any(line.startswith("[! ] ONN011 6 mounts") for line in state.lines)
    assert any(line.startswith("Mount ") for line in state.lines)
    assert any(line.startswith("Pool pool00 of / in onn") for line in state.lines)
    off = ui_model.evaluate_report({"mode": "off", "findings": DISCARD})
    assert off.completed and not off.groups
    failed = ui_model.evaluate_report({"mode": "enforce"}, failure="boom")
    assert not failed.completed and "boom" in failed.lines[0]


def test_previews_of_create_and_fix():
    lines = ui_model.request_lines([
        {"device-type": 2, "mount-point": "/boot", "device-size": GiB, "format-type": "xfs",
         "container-name": ""},
        {"device-type": 5, "mount-point": "/", "device-size": 6 * GiB, "format-type": "xfs",
         "container-name": "onn"},
        {"device-type": 0, "mount-point": "", "device-size": 4 * GiB, "format-type": "swap",
         "container-name": "onn"}])
    assert lines == ["/boot: partition, 1 GiB, xfs", "/: thin LV, 6 GiB, xfs in onn",
                     "swap: LV, 4 GiB, swap in onn"]
    plan = {"changes": [{"description": "Add /var: thin LV, 5 GiB"}],
            "refusals": ["needs 10 GiB, the pool has 3 GiB free"], "can-apply": True}
    assert ui_model.repair_lines(plan) == [
        "Fix my layout will:", "  - Add /var: thin LV, 5 GiB", "It cannot fix everything:",
        "  - needs 10 GiB, the pool has 3 GiB free"]
    assert ui_model.repair_lines({}) == ["Nothing to fix."]
