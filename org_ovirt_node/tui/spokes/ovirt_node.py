# SPDX-License-Identifier: GPL-2.0-or-later
"""Text-mode spoke: the addon's findings on the layout Anaconda plans now.

Thin glue: it asks the addon service (``Mode``, ``Profile``, ``ValidateLayout()``) over D-Bus
and lets :mod:`org_ovirt_node.installer.ui_model` decide what to
show. Its one action asks Anaconda's
Storage module for automatic partitioning with the LVM thin provisioning scheme, which the
shipped ``/etc/anaconda/conf.d`` drop-in turns into the profile's layout.
"""
from dasbus.error import DBusError
from dasbus.typing import get_native
from pyanaconda.core.constants import (
    PARTITIONING_METHOD_AUTOMATIC,
    THREAD_EXECUTE_STORAGE,
    THREAD_STORAGE,
)
from pyanaconda.modules.common.constants.services import STORAGE
from pyanaconda.modules.common.structures.partitioning import PartitioningRequest
from pyanaconda.modules.common.structures.validation import ValidationReport
from pyanaconda.threading import threadMgr
from pyanaconda.ui.categories.system import SystemCategory
from pyanaconda.ui.lib.storage import apply_partitioning
from pyanaconda.ui.tui.spokes import NormalTUISpoke
from pykickstart.constants import AUTOPART_TYPE_LVM_THINP
from simpleline.render.containers import ListColumnContainer
from simpleline.render.screen import InputState
from simpleline.render.widgets import TextWidget

from org_ovirt_node.i18n import _
from org_ovirt_node.installer import ui_model
from org_ovirt_node.service.constants import OVIRT_NODE

__all__ = ["OvirtNodeSpoke", "fetch_state", "generate_layout"]


def fetch_state(addon):
    """Ask the addon proxy for mode, profile and findings; :class:`ui_model.SpokeState`."""
    try:
        mode = addon.Mode
    except DBusError as exc:    # the addon is optional in stock Anaconda: it may be absent
        return ui_model.evaluate(None, failure=str(exc))
    if mode == ui_model.MODE_OFF:
        return ui_model.evaluate(mode)
    try:
        profile = addon.Profile
        findings = get_native(addon.ValidateLayout())
    except DBusError as exc:
        return ui_model.evaluate(mode, failure=str(exc))
    return ui_model.evaluate(mode, findings, profile)


def generate_layout(show_message):
    """Plan the profile's layout with Anaconda's own automatic partitioning (scheme
    LVM_THINP; sizes and mounts from the conf.d drop-in) and apply it.

    :return: Anaconda's ValidationReport of the new partitioning (a D-Bus failure is
             reported in it as an error rather than raised into the UI)
    """
    try:
        storage = STORAGE.get_proxy()
        path = storage.CreatePartitioning(PARTITIONING_METHOD_AUTOMATIC)
        partitioning = STORAGE.get_proxy(path)
        request = PartitioningRequest.from_structure(partitioning.Request)
        request.partitioning_scheme = AUTOPART_TYPE_LVM_THINP
        partitioning.SetRequest(PartitioningRequest.to_structure(request))
        return apply_partitioning(partitioning, show_message)
    except DBusError as exc:
        report = ValidationReport()
        report.error_messages = [_("Automatic partitioning failed: %(error)s")
                                 % {"error": exc}]
        return report


class OvirtNodeSpoke(NormalTUISpoke):
    """oVirt Node storage layout: blocks (enforce) or warns about a layout that breaks the
    profile, and offers to generate the profile's layout."""

    category = SystemCategory

    @staticmethod
    def get_screen_id():
        return "ovirt-node-layout"

    def __init__(self, data, storage, payload):
        super().__init__(data, storage, payload)
        self.title = _(ui_model.SPOKE_TITLE)  # our domain: the hub would use Anaconda's
        self._addon = OVIRT_NODE.get_proxy()
        self._messages = []     # what the last action printed (Anaconda's report)
        self._container = None

    @property
    def ready(self):
        # The planned layout exists only once storage is scanned (and, with kickstart, applied).
        return not threadMgr.get(THREAD_STORAGE) and not threadMgr.get(THREAD_EXECUTE_STORAGE)

    def _state(self):
        return fetch_state(self._addon)

    @property
    def mandatory(self):
        try:
            return ui_model.is_mandatory(self._addon.Mode)
        except DBusError:
            return False

    @property
    def completed(self):
        return self.ready and self._state().completed

    @property
    def status(self):
        if not self.ready:
            return ui_model.not_ready_status()
        return self._state().status

    def refresh(self, args=None):
        super().refresh(args)
        state = self._state()
        self.window.add_with_separator(TextWidget("\n".join(state.lines + tuple(self._messages))))
        self._container = ListColumnContainer(1)
        self._container.add(TextWidget(_(ui_model.GENERATE_ACTION)), self._generate)
        self._container.add(TextWidget(_(ui_model.RECHECK_ACTION)), lambda data: None)
        self.window.add_with_separator(self._container)

    def _generate(self, data):
        self._messages = []
        report = generate_layout(self._messages.append)
        self._messages.extend(report.get_messages())

    def input(self, args, key):
        if self._container is not None and self._container.process_user_input(key):
            return InputState.PROCESSED_AND_REDRAW
        return super().input(args, key)

    def apply(self):
        """Nothing to store: the mode and profile come from the kickstart."""
