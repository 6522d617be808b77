# SPDX-License-Identifier: GPL-2.0-or-later
"""org_ovirt_node/tui/compat.py: the spokes' one place for names and signatures that differ
between Anaconda branches, exercised in each branch's shape with the double:
``pyanaconda.threading`` absent (main), ``apply_partitioning`` with 2 (rhel-9) or 3
(rhel-10, main) parameters. Under ``make anaconda-compat`` the real branch's shape is the
one the spoke tests run; these stay with the double."""
import importlib
import sys

import pytest
import service_helpers as H

H.use_double()

pytestmark = pytest.mark.skipif(bool(H.ANACONDA_SRC),
                                reason="swaps modules of the double; the real branch's "
                                       "shape runs in the spoke tests")


@pytest.fixture
def fresh_compat(monkeypatch):
    """Import compat anew after the test changed what pyanaconda offers."""
    def load():
        monkeypatch.delitem(sys.modules, "org_ovirt_node.tui.compat", raising=False)
        return importlib.import_module("org_ovirt_node.tui.compat")
    yield load
    sys.modules.pop("org_ovirt_node.tui.compat", None)
    importlib.import_module("org_ovirt_node.tui.compat")


def test_main_without_pyanaconda_threading(fresh_compat, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyanaconda.threading", None)     # main: no module
    compat = fresh_compat()
    from pyanaconda.core.threads import thread_manager
    assert compat.thread_manager is thread_manager


def test_rhel9_without_pyanaconda_core_threads(fresh_compat, monkeypatch):
    import pyanaconda.threading as rhel9
    monkeypatch.setitem(sys.modules, "pyanaconda.core.threads", None)  # rhel-9: no module
    compat = fresh_compat()
    assert compat.thread_manager is rhel9.threadMgr


def test_start_thread_runs_a_named_thread_that_leaves_the_manager(fresh_compat):
    import threading
    compat = fresh_compat()
    seen, go = [], threading.Event()

    def target():
        go.wait()
        seen.append(threading.current_thread().name)
    compat.start_thread("OvirtNodeCompatTest", target)
    assert compat.thread_manager.get("OvirtNodeCompatTest") is not None
    go.set()
    compat.thread_manager.wait("OvirtNodeCompatTest")
    assert seen == ["OvirtNodeCompatTest"]
    assert compat.thread_manager.get("OvirtNodeCompatTest") is None


def test_apply_partitioning_rhel9_shape_gets_two_arguments(fresh_compat, monkeypatch):
    compat = fresh_compat()
    calls = []

    def rhel9(partitioning, show_message):
        calls.append((partitioning, show_message))
        return "report"
    monkeypatch.setattr(compat, "_apply_partitioning", rhel9)
    assert compat.apply_partitioning("part", print) == "report"
    assert calls == [("part", print)]


def test_apply_partitioning_rhel10_main_shape_gets_a_reset_callback(fresh_compat,
                                                                     monkeypatch):
    compat = fresh_compat()
    calls, resets = [], []

    def main(partitioning, show_message_cb, reset_storage_cb):
        calls.append((partitioning, show_message_cb))
        reset_storage_cb()
        return "report"
    monkeypatch.setattr(compat, "_apply_partitioning", main)
    monkeypatch.setattr(compat, "reset_storage", lambda **kw: resets.append(kw))
    assert compat.apply_partitioning("part", print) == "report"
    assert calls == [("part", print)]
    assert resets == [{"scan_all": True}]      # as Anaconda's storage spoke resets
