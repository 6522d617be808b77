# SPDX-License-Identifier: GPL-2.0-or-later
"""The graphical spoke in real GTK, in Anaconda's real ``NormalSpoke`` and AnacondaWidgets
``SpokeWindow`` of a checkout: only under ``make anaconda-compat`` (ANACONDA_SRC set, the
checkout's widget library built, an X display from Xvfb). Skipped otherwise (CI): the double
has no GUI classes.

Same environment as the text spoke's test (tests/spoke_fakes.py): the real addon
service, Storage's DeviceTree serving real blivet layouts, a small Storage module. The
spoke's window is put in an offscreen window and saved as a PNG for each state under
``$ANACONDA_COMPAT_OUT/screenshots`` (build/anaconda-compat/<branch>/screenshots).
"""
import os
import shutil

import pytest
import service_helpers as H

pytestmark = [pytest.mark.dbus,
              pytest.mark.skipif(not shutil.which("dbus-daemon"), reason="needs dbus-daemon"),
              pytest.mark.skipif(not H.ANACONDA_SRC,
                                 reason="needs ANACONDA_SRC (make anaconda-compat)"),
              pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs a display")]

if H.ANACONDA_SRC and os.environ.get("DISPLAY"):
    import spoke_fakes as fakes
    from spoke_fakes import CountingAddon, repair_plan_structure
    env, layouts = fakes.env, fakes.layouts

GiB = 1024 ** 3


def _pump():
    """Run GTK's main loop until idle (signals, idle callbacks, drawing)."""
    from gi.repository import Gtk
    while Gtk.events_pending():
        Gtk.main_iteration_do(False)


def _settle(spoke):
    """Wait for the spoke's threads (refresh, action) and let GTK run their callbacks."""
    from org_ovirt_node.gui.spokes.ovirt_node import THREAD_ACTION
    from org_ovirt_node.tui import compat
    for _ in range(3):
        _pump()
        compat.thread_manager.wait(spoke._monitor.thread_name)
        compat.thread_manager.wait(THREAD_ACTION)
    _pump()


def _hub_messages():
    """(code name, spoke name) of what the spoke told the hub since the last call."""
    import queue

    from pyanaconda.ui.communication import hubQ
    names = {hubQ.HUB_CODE_READY: "ready", hubQ.HUB_CODE_NOT_READY: "not_ready",
             hubQ.HUB_CODE_MESSAGE: "message"}
    out = []
    while True:
        try:
            code, args = hubQ.q.get_nowait()
        except queue.Empty:
            return out
        out.append((names.get(code, code), args[0]))


class Shot:
    """An offscreen window holding the spoke's window, saved as PNG per state."""

    def __init__(self, spoke):
        from gi.repository import Gtk
        self.window = Gtk.OffscreenWindow()
        self.window.set_default_size(1024, 768)
        self.window.add(spoke.window)
        self.window.show_all()
        self.spoke = spoke

    def save(self, name):
        from gi.repository import GLib, Gtk
        _pump()
        self.window.queue_draw()
        # let the frame clock paint the current state (it paints on its own ticks)
        loop = GLib.MainLoop()
        GLib.timeout_add(200, loop.quit)
        loop.run()
        self.window.get_window().process_updates(True)
        _pump()
        out = os.environ.get("ANACONDA_COMPAT_OUT")
        pixbuf = self.window.get_pixbuf()
        assert pixbuf is not None and pixbuf.get_width() > 0
        if out:
            folder = os.path.join(out, "screenshots")
            os.makedirs(folder, exist_ok=True)
            pixbuf.savev(os.path.join(folder, name + ".png"), "png", [], [])
        Gtk.main_iteration_do(False)

    def close(self):
        self.window.remove(self.spoke.window)
        self.window.destroy()


def _make(env, mode, records):
    from org_ovirt_node.gui.spokes.ovirt_node import OvirtNodeSpoke
    addon, peer, storage = env
    addon.SetMode(mode)
    peer.serve(records)
    _hub_messages()
    spoke = OvirtNodeSpoke(data=None, storage=None, payload=None)
    counting = CountingAddon(spoke._addon)
    spoke._addon = spoke._monitor._addon = counting
    spoke.initialize()
    _settle(spoke)
    spoke.refresh()
    _pump()
    return spoke, Shot(spoke)


@pytest.mark.parametrize("mode, layout, completed", [
    ("enforce", "broken", False), ("enforce", "compliant", True),
    ("warn", "broken", True), ("warn", "compliant", True)])
def test_states_readiness_and_screens(env, layouts, mode, layout, completed):
    spoke, shot = _make(env, mode, layouts[layout])
    try:
        # readiness reached the hub through hubQ, as Anaconda's own spokes report it
        assert ("ready", "OvirtNodeSpoke") in _hub_messages()
        assert spoke.ready and spoke.completed is completed
        assert spoke.mandatory is (mode == "enforce")
        state = spoke._monitor.state
        # the grouped findings: one row per group, each with its severity icon
        rows = spoke._findings.get_children()
        assert len(rows) == len(state.groups)
        if layout == "broken":
            assert any(g.code == "ONN011" and len(g.mounts) > 1 for g in state.groups)
        # the per-mount table and the pool bar
        assert len(spoke._mounts) == len(state.mounts) > 0
        assert (state.pool is not None) is (layout == "compliant")
        if state.pool is not None:
            assert spoke._pool_bar.get_visible() and "thin LVs" in spoke._legend.get_text()
        shot.save("%s-%s" % (mode, layout))
    finally:
        shot.close()


def test_property_reads_cost_nothing_and_a_recheck_one_validation(env, layouts):
    spoke, shot = _make(env, "enforce", layouts["broken"])
    try:
        counting = spoke._addon
        before = dict(counting.calls)
        for _ in range(5):
            spoke.ready, spoke.mandatory, spoke.completed, spoke.status  # noqa: B018
        spoke.refresh()
        _pump()
        assert counting.calls == before
        spoke.on_recheck_clicked(None)
        _settle(spoke)
        assert counting.validations == before.get("GetLayoutReport", 0) \
            + before.get("ValidateLayout", 0) + 1
        assert _hub_messages()[-1] == ("ready", "OvirtNodeSpoke")
    finally:
        shot.close()


def test_not_ready_while_storage_executes_then_ready_via_hubq(env, layouts):
    import threading

    from pyanaconda.core.constants import THREAD_EXECUTE_STORAGE

    from org_ovirt_node.tui import compat
    spoke, shot = _make(env, "enforce", layouts["broken"])
    try:
        release = threading.Event()
        compat.start_thread(THREAD_EXECUTE_STORAGE, release.wait)
        try:
            spoke._monitor.invalidate()     # what Storage's AppliedPartitioning signal does
            assert ("not_ready", "OvirtNodeSpoke") in _hub_messages()
            assert not spoke.ready and not spoke.completed
            spoke.refresh()
            shot.save("not-ready")
        finally:
            release.set()
        _settle(spoke)
        assert ("ready", "OvirtNodeSpoke") in _hub_messages()
        assert spoke.ready
    finally:
        shot.close()


def _shows_the_result(spoke):
    """After an action: the table lists the profile's mounts (as the report has them), the
    progress lines are gone and Anaconda got them through hubQ, as its storage spoke sends
    them."""
    rows = [tuple(row)[:2] for row in spoke._mounts]
    assert rows and rows == [(r.mount, r.kind) for r in spoke._monitor.state.mounts]
    assert "/var" in [r[0] for r in rows]
    assert not spoke._messages_label.get_visible()
    assert "Saving storage configuration" not in spoke._messages_label.get_text()
    assert ("message", "OvirtNodeSpoke") in _hub_messages()


def test_create_preview_then_apply(env, layouts):
    spoke, shot = _make(env, "enforce", layouts["broken"])
    _addon, _peer, storage = env
    try:
        created = len(storage.created)
        spoke.on_create_clicked(None)
        _pump()
        assert spoke._pending is not None and spoke._apply_button.get_visible()
        assert "everything on these disks is removed" in spoke._preview_label.get_text()
        assert len(storage.created) == created
        shot.save("create-preview")
        spoke.on_apply_clicked(None)
        _settle(spoke)
        # the layout, then the service's repair of what blivet's factory trimmed
        (method, path, _part, tree), (_m, path2, _p, repair) = storage.created[-2:]
        assert method == "INTERACTIVE" and storage.applied[-2:] == [path, path2]
        assert [c[0] for c in tree.calls][:1] == ["DestroyDevice"]
        assert "ChangeDevice" in [c[0] for c in repair.calls]
        assert spoke.completed
        state = spoke._monitor.state
        assert state.errors == state.warnings == 0
        _shows_the_result(spoke)
        shot.save("after-create")
    finally:
        shot.close()


def test_fix_preview_then_apply(env, layouts):
    from pyanaconda.ui.helpers import StorageCheckHandler
    spoke, shot = _make(env, "enforce", layouts["var-missing"])
    _addon, _peer, storage = env
    try:
        StorageCheckHandler.errors = ["stale"]
        spoke.on_fix_clicked(None)
        _pump()
        assert "/var" in spoke._preview_label.get_text()
        shot.save("fix-preview")
        spoke.on_apply_clicked(None)
        _settle(spoke)
        tree = storage.created[-1][3]
        assert [c[1]["mount-point"] for c in tree.calls if c[0] == "AddDevice"] == ["/var"]
        assert "ChangeDevice" not in [c[0] for c in tree.calls]
        assert StorageCheckHandler.errors == []
        assert spoke.completed
        assert "ONN011" not in [g.code for g in spoke._monitor.state.groups]
        _shows_the_result(spoke)
        shot.save("after-fix")
    finally:
        shot.close()


def test_fix_refused_shows_why(env, layouts):
    spoke, shot = _make(env, "enforce", layouts["broken"])
    try:
        plan = repair_plan_structure([], ["no thin pool holds /"], can_apply=False)
        spoke._addon._extra["GetRepairPlan"] = lambda: plan
        spoke.on_fix_clicked(None)
        _pump()
        assert "no thin pool holds /" in spoke._preview_label.get_text()
        assert not spoke._apply_button.get_visible()
        shot.save("fix-refused")
    finally:
        shot.close()


@pytest.mark.parametrize("ui", ["gui", "tui"])
def test_anacondas_own_collector_finds_the_spoke_for_the_system_hub(ui):
    """The way Anaconda finds add-on spokes (``collect_addon_ui_paths`` over the add-on
    folders, then ``collect_spokes`` per category): the spoke is there, under System."""
    from pyanaconda.ui.common import collect_spokes
    from pyanaconda.ui.lib.addons import collect_addon_ui_paths
    paths = collect_addon_ui_paths([H.REPO], ui)
    assert ("org_ovirt_node.%s.spokes.%%s" % ui,
            os.path.join(H.REPO, "org_ovirt_node", ui, "spokes")) in paths["spokes"]
    spokes = collect_spokes(paths["spokes"], "SystemCategory")
    assert [(s.__module__, s.__name__) for s in spokes] == [
        ("org_ovirt_node.%s.spokes.ovirt_node" % ui, "OvirtNodeSpoke")]


@pytest.mark.parametrize("mode, layout, may_continue", [
    ("enforce", "broken", False), ("enforce", "compliant", True), ("warn", "broken", True)])
def test_begin_installation_in_anacondas_own_hub(env, layouts, monkeypatch, mode, layout,
                                                 may_continue):
    """Anaconda's real SummaryHub, with the spoke added as its ``_createBox`` adds each spoke
    (built while storage is still scanned: the normal case at start-up), then the hub's own
    ``_update_spokes`` (its 100 ms timer) processing what the spoke sent through hubQ:
    "Begin Installation" (the hub window's may-continue) follows the spoke."""
    import threading

    import gi
    gi.require_version("AnacondaWidgets", _widgets_version())
    from gi.repository import AnacondaWidgets
    from pyanaconda.core.constants import THREAD_STORAGE
    from pyanaconda.ui.gui.hubs.summary import SummaryHub

    from org_ovirt_node.gui.spokes.ovirt_node import OvirtNodeSpoke
    from org_ovirt_node.tui import compat
    addon, peer, storage = env
    monkeypatch.setenv("UIPATH", os.path.join(H.ANACONDA_SRC, "pyanaconda", "ui", "gui"))
    addon.SetMode(mode)
    peer.serve(layouts[layout])
    hub = SummaryHub(None, None, None)
    hub._checker = None         # the disk-space checker needs a payload; not ours to test
    _hub_messages()
    release = threading.Event()
    compat.start_thread(THREAD_STORAGE, release.wait)       # storage still being scanned
    try:
        spoke = OvirtNodeSpoke(None, None, None)
        spoke.selector = AnacondaWidgets.SpokeSelector(spoke.title, spoke.icon)
        hub._spokes[spoke.__class__.__name__] = spoke
        spoke.initialize()
        if not spoke.ready:
            hub._notReadySpokes.append(spoke)
        hub._updateCompleteness(spoke, update_continue=False)
        hub._updateContinue()
        assert spoke in hub._notReadySpokes
        assert not hub.continuePossible and not hub.window.get_may_continue()
    finally:
        release.set()
    compat.thread_manager.wait(THREAD_STORAGE)
    _settle(spoke)
    hub._update_spokes()
    assert spoke not in hub._notReadySpokes
    assert hub.continuePossible is may_continue
    assert hub.window.get_may_continue() is may_continue
    assert spoke.selector.get_property("status") == spoke.status


def _widgets_version():
    """The AnacondaWidgets version the harness built for this checkout (3.3 or 3.4)."""
    import re
    with open(os.path.join(H.ANACONDA_SRC, "widgets", "configure.ac"), encoding="utf-8") as f:
        return re.search(r"AC_INIT\(\[AnacondaWidgets\], \[([0-9.]+)\]", f.read()).group(1)
