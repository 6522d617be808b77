# SPDX-License-Identifier: GPL-2.0-or-later
"""The text-mode spoke against the addon service on a private dbus-daemon.

The service runs as Anaconda starts it; a peer publishes Storage's DeviceTree (real blivet
layouts) and a small Storage module (tests/spoke_fakes.py). The spoke runs in this
process on the real simpleline, with the pyanaconda double, or with a checkout's real
pyanaconda under ``make anaconda-compat`` (then ``NormalTUISpoke``, the thread manager,
``apply_partitioning``, ``StorageCheckHandler`` are Anaconda's own), and is read the way
Anaconda's hub reads it: ready, mandatory, completed, status, and the screen text.

The addon's proxy is wrapped to count the calls (``CountingAddon``): the property getters
must not call the service, a refresh costs at most one validation.
"""
import shutil

import pytest
import service_helpers as H
import spoke_fakes as fakes
from spoke_fakes import CountingAddon, repair_plan_structure

H.use_double()

from pyanaconda.core.constants import THREAD_STORAGE  # noqa: E402

pytestmark = [pytest.mark.dbus,
              pytest.mark.skipif(not shutil.which("dbus-daemon"), reason="needs dbus-daemon")]
GiB = 1024 ** 3
env, layouts = fakes.env, fakes.layouts     # the shared module-scoped fixtures


def _wait(spoke):
    """Let the spoke's refresh thread finish (it is started on storage changes)."""
    from org_ovirt_node.tui import compat
    compat.thread_manager.wait(spoke._monitor.thread_name)


def _make(env, extra=None):
    from org_ovirt_node.tui.spokes.ovirt_node import OvirtNodeSpoke
    addon, _peer, _storage = env
    s = OvirtNodeSpoke(data=None, storage=None, payload=None)
    counting = CountingAddon(s._addon, extra)
    s._addon = s._monitor._addon = counting
    s.initialize()
    _wait(s)
    return s, counting


@pytest.fixture
def spoke(env, layouts):
    """A fresh spoke; the addon back in enforce mode and the broken layout planned."""
    addon, peer, storage = env
    addon.SetMode("enforce")
    peer.serve(layouts["broken"])
    s, _counting = _make(env)
    return s


def _screen(spoke):
    spoke.refresh()
    spoke.window.render(1000)      # wide: one line per message, no wrapping
    return "\n".join(spoke.window.get_lines())


def _findings(addon):
    from dasbus.typing import get_native
    return get_native(addon.ValidateLayout())


def _errors(addon):
    return [f for f in _findings(addon) if f["severity"] == "error"]


def test_spoke_sits_in_the_system_category(spoke):
    from pyanaconda.ui.categories.system import SystemCategory
    assert spoke.category is SystemCategory
    assert spoke.title == "oVirt Node storage layout"


def test_compliant_layout_completes(env, layouts):
    addon, peer, _storage = env
    addon.SetMode("enforce")
    peer.serve(layouts["compliant"])
    spoke, _counting = _make(env)
    assert spoke.ready and spoke.mandatory and spoke.completed
    warnings = [f for f in _findings(addon) if f["severity"] == "warning"]
    assert warnings and not _errors(addon)
    assert spoke.status == "Layout fits ovirt-node, %d warning%s" % (
        len(warnings), "" if len(warnings) == 1 else "s")
    lines = _screen(spoke).splitlines()
    assert "The planned layout fits profile ovirt-node, with warnings." in lines


def test_enforce_blocks_a_broken_layout_grouping_findings_with_their_fixes(env, spoke):
    addon, _peer, _storage = env
    errors = _errors(addon)
    assert len(errors) >= 2
    assert spoke.mandatory and not spoke.completed
    assert spoke.status == "%d layout errors block the installation" % len(errors)
    lines = _screen(spoke).splitlines()
    # one line per (severity, code); a group of one reads "CODE where: message"
    codes = {}
    for f in spoke._monitor.report["findings"]:     # what the spoke was given
        codes.setdefault((f["severity"], f["code"]), []).append(f)
    marks = {"error": "[!!]", "warning": "[! ]", "info": "[i ]"}
    for (severity, code), items in codes.items():
        heads = [x for x in lines if x.startswith("%s %s" % (marks[severity], code))
                 and x[len(marks[severity]) + len(code) + 1] in " :"]
        assert len(heads) == 1, (code, heads)
        if len(items) == 1:
            where = items[0]["mount-point"] or items[0]["device"]
            assert heads[0].endswith("%s: %s" % (where, items[0]["message"]))
        else:
            assert "%d mounts" % len(items) in heads[0]
        hint = items[0]["hint"]
        if hint:
            fix = [x for x in lines[lines.index(heads[0]) + 1:][:2] if "Fix: " in x]
            assert fix and hint in fix[0], (code, fix)
    # the per-mount table and its header
    assert any(x.split()[:4] == ["Mount", "Device", "Size", "Minimum"] for x in lines), lines
    assert any(x.startswith("1) Create the required layout") for x in lines), lines
    assert any(x.startswith("2) Fix my layout") for x in lines), lines
    assert any(x.startswith("3) Check the layout again") for x in lines), lines


def test_warn_mode_completes_with_the_errors_in_the_status(env, layouts):
    addon, peer, _storage = env
    peer.serve(layouts["broken"])
    addon.SetMode("warn")
    spoke, _counting = _make(env)
    count = len(_errors(addon))
    assert not spoke.mandatory and spoke.completed
    assert spoke.status == "%d layout errors (warn mode: not blocking)" % count
    assert "installs it anyway" in _screen(spoke)


def test_mode_off_checks_nothing(env):
    addon, _peer, _storage = env
    addon.SetMode("off")
    spoke, counting = _make(env)
    assert not spoke.mandatory and spoke.completed
    assert spoke.status == "Layout check is off"
    assert "ONN" not in _screen(spoke)
    assert counting.calls.get("ValidateLayout", 0) == 0


def test_property_reads_never_call_the_service_and_a_refresh_costs_one_validation(spoke):
    counting = spoke._addon
    before = dict(counting.calls)
    for _ in range(5):
        assert spoke.ready
        spoke.mandatory, spoke.completed, spoke.status     # noqa: B018 - the hub's reads
    _screen(spoke)
    assert counting.calls == before     # properties and redraws: the cache only
    spoke.input(None, "3")              # "Check the layout again"
    assert counting.validations == before.get("GetLayoutReport", 0) \
        + before.get("ValidateLayout", 0) + 1


def test_not_ready_while_storage_is_scanned_then_ready_once_it_is_done(spoke):
    import threading

    from org_ovirt_node.tui import compat
    counting = spoke._addon
    release = threading.Event()
    compat.start_thread(THREAD_STORAGE, release.wait)
    try:
        assert not spoke.ready and not spoke.completed
        assert spoke.status == "Waiting for the storage configuration..."
        spoke._monitor.invalidate()             # what a storage change signal does
        assert "Waiting for the storage configuration" in _screen(spoke)
        validations = counting.validations
    finally:
        release.set()
    compat.thread_manager.wait(THREAD_STORAGE)
    _wait(spoke)
    assert spoke.ready
    assert counting.validations == validations + 1     # re-read once, after the scan


def test_storage_change_signal_rereads_once(env, spoke, layouts):
    """Storage's AppliedPartitioning PropertiesChanged (as Installation Destination's apply
    emits it) makes the spoke stale and re-read in its thread, in the UI's main loop."""
    from gi.repository import GLib
    _addon, peer, storage = env
    counting = spoke._addon
    before = counting.validations
    assert not spoke.completed
    peer.serve(layouts["compliant"])
    from pyanaconda.modules.common.constants.services import STORAGE
    STORAGE.get_proxy().ResetPartitioning()     # emits AppliedPartitioning changed
    context = GLib.MainContext.default()
    for _ in range(500):            # deliver the signal as Anaconda's GLib loop does
        context.iteration(False)
        if counting.validations > before:
            break
        import time
        time.sleep(0.01)
    _wait(spoke)
    assert counting.validations == before + 1
    assert spoke.ready and spoke.completed


def _plans(spoke, changes, refusals=(), can_apply=True):
    """Give the spoke a repair plan of the test's choice (the service's own plans are the
    service's tests' business; here: what the spoke does with one)."""
    plan = repair_plan_structure(changes, refusals, can_apply)
    spoke._addon._extra["GetRepairPlan"] = lambda: plan


def _calls(tree, name):
    return [c[1:] for c in tree.calls if c[0] == name]


def _codes(addon, severity):
    return sorted({f["code"] for f in _findings(addon) if f["severity"] == severity})


def test_create_shows_the_requests_then_applies_them_on_the_selected_disks(env, spoke):
    """"Create": the disk cleared leaves first, every request added, applied; then the
    service's repair plan of the result (blivet's factory trims the thin LVs; requests carry
    no mount options) executed and applied: the re-check finds no error and no warning."""
    from simpleline.render.screen import InputState
    addon, _peer, storage = env
    if not hasattr(spoke._addon, "GetDeviceRequests"):
        pytest.skip("the addon service has no GetDeviceRequests yet (helper service)")
    created = len(storage.created)
    _screen(spoke)
    assert spoke.input(None, "1") == InputState.PROCESSED_AND_REDRAW
    screen = _screen(spoke)
    disks = _peer.obj.records and [k for k, (d, _f, _o) in _peer.obj.records.items()
                                   if d["is-disk"]]
    assert "everything on these disks is removed" in screen and disks[0] in screen
    assert len(storage.created) == created          # nothing done before the confirmation
    assert spoke.input(None, "1") == InputState.PROCESSED_AND_REDRAW    # Apply
    (method, path, _part, tree), (method2, path2, _part2, repair) = storage.created[-2:]
    assert method == method2 == "INTERACTIVE" and storage.applied[-2:] == [path, path2]
    destroyed = [c[0] for c in _calls(tree, "DestroyDevice")]
    assert destroyed[-1] == disks[0] and len(destroyed) > 1     # the disk last, emptied
    adds = [c[0] for c in _calls(tree, "AddDevice")]
    assert adds and any(a["mount-point"] == "/" for a in adds)
    # the repair: trimmed LVs grown, each from Anaconda's own request of it with only the
    # size changed; then the mount options (never through ChangeDevice)
    grows = _calls(repair, "ChangeDevice")
    assert grows and all(new["device-size"] > old["device-size"] for new, old in grows)
    assert all(dict(old, **{"device-size": new["device-size"]}) == new for new, old in grows)
    assert [c[0] for c in _calls(repair, "GenerateDeviceFactoryRequest")] == \
        [new["device-spec"] for new, _old in grows]
    options = dict(_calls(repair, "SetDeviceMountOptions"))
    assert options["onn-root"] == options["onn-var"] == "defaults,discard"
    assert not _errors(addon) and _codes(addon, "warning") == []
    assert spoke.completed
    screen = _screen(spoke)
    assert "The planned layout fits profile ovirt-node." in screen
    assert "Saving storage configuration..." not in screen      # progress, not a result


def test_fix_shows_the_plan_applies_it_and_updates_the_checker_report(env, spoke, layouts):
    """An "add" change: AddDevice, then the new device's mount options, found through
    GetMountPoints (its name is only known after AddDevice)."""
    from pyanaconda.ui.helpers import StorageCheckHandler
    _addon, peer, storage = env
    peer.serve(layouts["var-missing"])
    spoke._monitor.refresh_now()
    _plans(spoke, [("add", "/var", "Add /var: thin LV, 5 GiB, xfs",
                    {"device_type": 5, "mount_point": "/var", "device_size": 5 * GiB,
                     "format_type": "xfs", "device_name": "var", "container_name": "onn"},
                    "", "defaults,discard")])
    StorageCheckHandler.errors = ["an old error of Installation Destination"]
    _screen(spoke)
    spoke.input(None, "2")
    screen = _screen(spoke)
    assert "Fix my layout will:" in screen and "Add /var: thin LV, 5 GiB, xfs" in screen
    spoke.input(None, "1")          # Apply these changes
    _method, path, _part, tree = storage.created[-1]
    assert storage.applied[-1] == path
    assert [c[0] for c in tree.calls] == ["AddDevice", "SetDeviceMountOptions"]
    assert tree.calls[0][1]["mount-point"] == "/var"
    assert tree.calls[0][1]["device-size"] == 5 * GiB
    assert tree.calls[1][1:] == ("onn-var", "defaults,discard")
    assert peer.obj.records["onn-var"][2] == "defaults,discard"     # what Storage serves now
    assert StorageCheckHandler.errors == []         # Anaconda's report of this apply
    assert spoke.completed
    assert "Saving storage configuration..." not in _screen(spoke)


def test_options_changes_never_reach_change_device(env, spoke, layouts):
    """An "options" change has no DeviceFactoryRequest (its request is empty):
    SetDeviceMountOptions of the device the service names, nothing else."""
    _addon, peer, storage = env
    peer.serve(layouts["compliant"])
    spoke._monitor.refresh_now()
    _plans(spoke, [("options", "/", "Mount / with defaults,discard", {}, "onn-root",
                    "defaults,discard")])
    _screen(spoke)
    spoke.input(None, "2")
    _screen(spoke)
    spoke.input(None, "1")
    tree = storage.created[-1][3]
    assert tree.calls == [("SetDeviceMountOptions", "onn-root", "defaults,discard")]
    assert peer.obj.records["onn-root"][2] == "defaults,discard"


def test_fix_that_cannot_apply_shows_the_refusals_and_changes_nothing(env, spoke):
    _addon, _peer, storage = env
    _plans(spoke, [], ["no thin pool holds /"], can_apply=False)
    created = len(storage.created)
    _screen(spoke)
    spoke.input(None, "2")
    lines = _screen(spoke).splitlines()
    assert "  - no thin pool holds /" in lines
    assert not any("Apply these changes" in x for x in lines)
    spoke.input(None, "1")          # the only choice: Cancel
    assert len(storage.created) == created
    assert "1) Create the required layout" in _screen(spoke)


def test_anaconda_refusing_the_partitioning_is_shown_not_applied(env, spoke, monkeypatch):
    from pyanaconda.modules.common.structures.validation import ValidationReport
    _addon, _peer, storage = env
    report = ValidationReport()
    report.error_messages = ["Selected disks have too little space"]
    monkeypatch.setattr(storage, "validation", report)
    _plans(spoke, [("options", "/", "Mount / with discard", {}, "onn-root",
                    "defaults,discard")])
    applied = len(storage.applied)
    _screen(spoke)
    spoke.input(None, "2")
    _screen(spoke)
    spoke.input(None, "1")
    assert len(storage.applied) == applied
    assert [c[0] for c in storage.created[-1][3].calls] == ["SetDeviceMountOptions"]
    assert not spoke.completed
    assert "Selected disks have too little space" in _screen(spoke).splitlines()


def test_other_keys_go_back_to_the_app_and_ask_nothing(env, spoke):
    _addon, _peer, storage = env
    _screen(spoke)
    created = len(storage.created)
    assert spoke.input(None, "c") == "c"
    assert spoke.input(None, "4") == "4"        # no fourth action
    assert len(storage.created) == created
    assert not spoke.completed


def test_fix_with_the_services_own_plan_adds_var_and_discard(env, spoke, layouts):
    """End to end with the service's GetRepairPlan: /var missing from a thin layout and no
    mount has discard (ONN011). After "Fix" the re-check has neither."""
    addon, peer, storage = env
    if not hasattr(spoke._addon, "GetRepairPlan"):
        pytest.skip("the addon service has no GetRepairPlan yet (helper service)")
    peer.serve(layouts["var-missing"])
    spoke._monitor.refresh_now()
    assert not spoke.completed
    assert "ONN011" in _codes(addon, "warning") and "ONN002" in _codes(addon, "error")
    _screen(spoke)
    spoke.input(None, "2")
    screen = _screen(spoke)
    assert "Fix my layout will:" in screen and "/var" in screen
    spoke.input(None, "1")
    tree = storage.created[-1][3]
    adds = [c[0] for c in _calls(tree, "AddDevice")]
    assert [a["mount-point"] for a in adds] == ["/var"]
    assert adds[0]["device-type"] == 5          # DEVICE_TYPE_LVM_THINP
    assert _calls(tree, "ChangeDevice") == []   # nothing to grow; options never go there
    options = dict(_calls(tree, "SetDeviceMountOptions"))
    assert options["onn-var"] == options["onn-root"] == "defaults,discard"
    assert storage.applied[-1] == storage.created[-1][1]
    assert not _errors(addon) and "ONN011" not in _codes(addon, "warning")
    assert spoke.completed


def test_an_unreadable_answer_is_shown_and_blocks_in_enforce_mode(spoke):
    spoke._addon._extra["GetLayoutReport"] = lambda: {"mode": "enforce", "findings": 5}
    _screen(spoke)
    spoke.input(None, "3")          # "Check the layout again"
    assert spoke.ready and spoke.mandatory and not spoke.completed
    assert spoke.status == "The layout could not be checked"
    assert "The addon service sent an answer the spoke cannot read" in _screen(spoke)
