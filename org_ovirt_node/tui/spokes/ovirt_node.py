# SPDX-License-Identifier: GPL-2.0-or-later
"""Text-mode spoke: the addon's findings on the layout Anaconda plans now.

Thin glue: the layout report comes from :class:`org_ovirt_node.tui.layout.LayoutMonitor`
(one ``GetLayoutReport()`` per storage change, cached; the property getters read only the
cache) and :mod:`org_ovirt_node.installer.ui_model` decides what to show: the findings
grouped with their fixes, a table of the mounts, the pool of / as a text bar.

Its actions: "Create the required layout" (the service's device requests for the selected
disks, through an interactive partitioning) and "Fix my layout" (the service's repair plan
on the current layout). Each first shows what will change (or why it cannot) and waits for
a confirmation. They run in the UI thread, as Anaconda's own text storage spoke applies
its partitioning.
"""
from dasbus.error import DBusError
from pyanaconda.anaconda_loggers import get_module_logger
from pyanaconda.ui.categories.system import SystemCategory
from pyanaconda.ui.tui.spokes import NormalTUISpoke
from simpleline.render.containers import ListColumnContainer
from simpleline.render.screen import InputState
from simpleline.render.widgets import TextWidget

from org_ovirt_node.i18n import _
from org_ovirt_node.installer import ui_model
from org_ovirt_node.service.constants import OVIRT_NODE
from org_ovirt_node.tui import layout

__all__ = ["OvirtNodeSpoke"]

log = get_module_logger(__name__)


class OvirtNodeSpoke(NormalTUISpoke):
    """oVirt Node storage layout: blocks (enforce) or warns about a layout that breaks the
    profile; creates the profile's layout or fixes the current one."""

    category = SystemCategory

    @staticmethod
    def get_screen_id():
        return "ovirt-node-layout"

    def __init__(self, data, storage, payload):
        super().__init__(data, storage, payload)
        self.title = _(ui_model.SPOKE_TITLE)  # our domain: the hub would use Anaconda's
        self._addon = OVIRT_NODE.get_proxy()
        self._monitor = layout.LayoutMonitor(self._addon)
        self._messages = []     # the last action's result (Anaconda's report, errors)
        self._pending = None    # (action, lines, apply callable or None) awaiting a "yes"
        self._container = None

    def initialize(self):
        super().initialize()
        self._monitor.watch()
        self._monitor.invalidate()      # the first read, in a thread, once storage is ready

    # --- what the hub reads: the cache only -----------------------------------------------
    @property
    def ready(self):
        return self._monitor.ready

    @property
    def mandatory(self):
        return self._monitor.mandatory

    @property
    def completed(self):
        state = self._monitor.state
        return self.ready and state is not None and state.completed

    @property
    def status(self):
        state = self._monitor.state
        if not self.ready or state is None:
            return ui_model.not_ready_status()
        return state.status

    # --- the screen -----------------------------------------------------------------------
    def refresh(self, args=None):
        super().refresh(args)
        self._container = ListColumnContainer(1)
        if self._pending is not None:
            _action, lines, apply = self._pending
            self.window.add_with_separator(TextWidget("\n".join(lines)))
            if apply is not None:
                self._container.add(TextWidget(_("Apply these changes")), self._confirm)
            self._container.add(TextWidget(_("Cancel")), self._cancel)
            self.window.add_with_separator(self._container)
            return
        if not self.ready or self._monitor.state is None:
            self.window.add_with_separator(TextWidget(ui_model.not_ready_status()))
            self._container.add(TextWidget(_(ui_model.RECHECK_ACTION)), self._recheck)
            self.window.add_with_separator(self._container)
            return
        state = self._monitor.state
        self.window.add_with_separator(TextWidget("\n".join(state.lines
                                                            + tuple(self._messages))))
        self._container.add(TextWidget(_(ui_model.CREATE_ACTION)), self._create)
        self._container.add(TextWidget(_(ui_model.FIX_ACTION)), self._fix)
        self._container.add(TextWidget(_(ui_model.RECHECK_ACTION)), self._recheck)
        self.window.add_with_separator(self._container)

    def input(self, args, key):
        if self._container is not None and self._container.process_user_input(key):
            return InputState.PROCESSED_AND_REDRAW
        return super().input(args, key)

    # --- actions --------------------------------------------------------------------------
    def _recheck(self, data):
        self._messages = []
        self._monitor.refresh_now()

    def _create(self, data):
        """Show the device requests for the selected disks; apply on confirmation."""
        self._messages = []
        try:
            disks = layout.selected_disks()
            if not disks:
                self._messages = [_("Select the disks in Installation Destination first.")]
                return
            structures, natives = layout.get_device_requests(self._addon, disks)
        except (DBusError, AttributeError) as exc:
            self._messages = [_("The required layout cannot be computed: %(error)s")
                              % {"error": exc}]
            return
        lines = [_("Create the required layout on %(disks)s; everything on these disks "
                   "is removed:") % {"disks": ", ".join(disks)}]
        lines += ["  " + line for line in ui_model.request_lines(natives)]
        self._pending = ("create", lines,
                         lambda: layout.create_layout(structures, disks, self._progress,
                                                     self._monitor, self._addon))

    def _fix(self, data):
        """Show the repair plan (or why there is none); apply on confirmation."""
        self._messages = []
        try:
            plan = layout.get_repair_plan(self._addon)
        except (DBusError, AttributeError) as exc:
            self._messages = [_("The repair plan cannot be computed: %(error)s")
                              % {"error": exc}]
            return
        apply = None
        if plan.get("can-apply") and plan.get("changes"):
            apply = lambda: layout.fix_layout(plan, self._progress, self._monitor)  # noqa: E731
        self._pending = ("fix", ui_model.repair_lines(plan), apply)

    def _confirm(self, data):
        _action, _lines, apply = self._pending
        self._pending = None
        self._messages = []
        report = apply()
        self._messages.extend(report.get_messages())
        self._monitor.refresh_now()      # the re-check: one GetLayoutReport

    def _cancel(self, data):
        self._pending = None

    @staticmethod
    def _progress(message):
        """Anaconda's progress lines while a partitioning is applied ("Saving storage
        configuration..."): printed as Anaconda's text storage spoke prints them, not kept
        on the screen once the action is over."""
        print(message)
        log.debug(message)

    def apply(self):
        """Nothing to store: the mode and profile come from the kickstart."""
