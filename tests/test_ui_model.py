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
    """The keys and values of the service's FindingData structure."""
    return [{"code": f.code, "severity": f.severity, "mount-point": f.mountpoint or "",
             "message": f.message, "hint": f.hint or "", "rule": f.rule or "",
             "device": f.device or ""} for f in report.findings]


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
    assert {"summaryLabel", "findingsBuffer"} <= ids
    # on_back_clicked comes from Anaconda's NormalSpoke
    assert handlers - {"on_back_clicked"} <= methods
