# SPDX-License-Identifier: GPL-2.0-or-later
"""Graphical spoke: the same decisions as the text spoke
(``org_ovirt_node.installer.ui_model``), shown in a Glade window with an info bar (error in
enforce mode, warning otherwise).

The D-Bus calls are shared with the text spoke (``fetch_state``, ``generate_layout``), so this
module only maps a :class:`~org_ovirt_node.installer.ui_model.SpokeState` onto widgets.
"""
from dasbus.error import DBusError
from pyanaconda.core.constants import THREAD_EXECUTE_STORAGE, THREAD_STORAGE
from pyanaconda.threading import threadMgr
from pyanaconda.ui.categories.system import SystemCategory
from pyanaconda.ui.gui.spokes import NormalSpoke

from org_ovirt_node.i18n import DOMAIN, N_, _
from org_ovirt_node.installer import ui_model
from org_ovirt_node.service.constants import OVIRT_NODE
from org_ovirt_node.tui.spokes.ovirt_node import fetch_state, generate_layout

__all__ = ["OvirtNodeSpoke"]


class OvirtNodeSpoke(NormalSpoke):
    """oVirt Node storage layout (hub: SYSTEM, next to Installation Destination)."""

    builderObjects = ["ovirtNodeSpokeWindow", "findingsBuffer"]  # noqa: N815 - Anaconda's API
    mainWidgetName = "ovirtNodeSpokeWindow"  # noqa: N815
    uiFile = "ovirt_node.glade"  # noqa: N815
    translationDomain = DOMAIN  # noqa: N815
    category = SystemCategory
    icon = "drive-harddisk-symbolic"
    title = N_("_oVirt Node storage layout")

    @staticmethod
    def get_screen_id():
        return "ovirt-node-layout"

    def __init__(self, data, storage, payload):
        super().__init__(data, storage, payload)
        self.title = _(self.title)      # our domain: the hub would translate with Anaconda's
        self._addon = OVIRT_NODE.get_proxy()
        self._messages = []

    def initialize(self):
        super().initialize()
        self._summary = self.builder.get_object("summaryLabel")
        self._findings = self.builder.get_object("findingsBuffer")

    @property
    def ready(self):
        return not threadMgr.get(THREAD_STORAGE) and not threadMgr.get(THREAD_EXECUTE_STORAGE)

    @property
    def mandatory(self):
        try:
            return ui_model.is_mandatory(self._addon.Mode)
        except DBusError:   # addon absent (optional in stock Anaconda): nothing to enforce
            return False

    @property
    def completed(self):
        return self.ready and fetch_state(self._addon).completed

    @property
    def status(self):
        if not self.ready:
            return ui_model.not_ready_status()
        return fetch_state(self._addon).status

    def refresh(self):
        state = fetch_state(self._addon)
        self._summary.set_text(state.lines[0])
        self._findings.set_text("\n".join(state.lines[1:] + tuple(self._messages)))
        self.clear_info()
        if not state.completed:
            self.set_error(state.status)
        elif state.errors or state.warnings:
            self.set_warning(state.status)

    def on_generate_clicked(self, button):
        """Anaconda's automatic partitioning with LVM thin provisioning, then re-check."""
        self._messages = []
        report = generate_layout(self._messages.append)
        self._messages.extend(report.get_messages())
        self.refresh()

    def on_recheck_clicked(self, button):
        self.refresh()

    def apply(self):
        """Nothing to store: the mode and profile come from the kickstart."""
