# SPDX-License-Identifier: GPL-2.0-or-later
"""Graphical spoke: the same decisions as the text spoke
(``org_ovirt_node.installer.ui_model``), shown with widgets: the findings grouped with a
severity icon and the fix under each, a table of the mounts (kind, size, minimum, status
icon), the pool of / as a bar (thin LVs, pool free, VG reserve), and an info bar (error in
enforce mode, warning otherwise).

The layout report comes from :class:`org_ovirt_node.tui.layout.LayoutMonitor` (one
``GetLayoutReport()`` per storage change, read in a thread; the hub's property reads use the
cache). Readiness reaches the hub the way Anaconda's own spokes report it: ``hubQ``
not-ready while storage changes, ready once the new report is in. "Create" and "Fix" show
their changes first and run in a thread, like Anaconda's storage spoke.
"""
import gi

gi.require_version("Gtk", "3.0")

from gi.repository import GLib, Gtk  # noqa: E402
from pyanaconda.anaconda_loggers import get_module_logger  # noqa: E402
from pyanaconda.ui.categories.system import SystemCategory  # noqa: E402
from pyanaconda.ui.communication import hubQ  # noqa: E402
from pyanaconda.ui.gui.spokes import NormalSpoke  # noqa: E402

from org_ovirt_node.i18n import DOMAIN, N_, _  # noqa: E402
from org_ovirt_node.installer import ui_model  # noqa: E402
from org_ovirt_node.service.constants import OVIRT_NODE  # noqa: E402
from org_ovirt_node.tui import compat, layout  # noqa: E402
from org_ovirt_node.units import format_size  # noqa: E402

__all__ = ["OvirtNodeSpoke"]

log = get_module_logger(__name__)

THREAD_ACTION = "AnaOvirtNodeActionThread"
# The pool bar's colours (Adwaita palette): thin LVs, pool free, reserve, VG free, shortfall.
_BAR_COLOURS = {"thin": "#3584e4", "free": "#c0bfbc", "reserve": "#f6d32d",
                "vg-free": "#ffffff", "shortfall": "#e01b24"}
_BAR_WIDTH = 600    # pixels; the segments are boxes coloured by CSS (no cairo needed)
_BAR_CSS = "".join(".onn-bar-%s { background-color: %s; border: 1px solid #77767b; }"
                   % item for item in _BAR_COLOURS.items()).encode()


def _install_bar_css():
    """The segment colours, once per screen."""
    from gi.repository import Gdk
    provider = Gtk.CssProvider()
    provider.load_from_data(_BAR_CSS)
    Gtk.StyleContext.add_provider_for_screen(Gdk.Screen.get_default(), provider,
                                             Gtk.STYLE_PROVIDER_PRIORITY_APPLICATION)


class OvirtNodeSpoke(NormalSpoke):
    """oVirt Node storage layout (hub: SYSTEM, next to Installation Destination)."""

    builderObjects = ["ovirtNodeSpokeWindow", "mountsStore"]  # noqa: N815 - Anaconda's API
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
        name = self.__class__.__name__
        self._monitor = layout.LayoutMonitor(
            self._addon,
            on_ready=lambda: self._from_thread(self._became_ready),
            on_not_ready=lambda: hubQ.send_not_ready(name))
        self._messages = []     # the last action's result (Anaconda's report, errors)
        self._progress_line = ""    # Anaconda's progress line while an action runs
        self._pending = None    # (preview lines, apply callable or None)
        self._busy = False      # an action runs
        self._info = None       # (kind, text) of the info bar shown, None: none

    def initialize(self):
        super().initialize()
        get = self.builder.get_object
        self._summary = get("summaryLabel")
        self._findings = get("findingsBox")
        self._mounts = get("mountsStore")
        self._pool_label, self._pool_bar = get("poolLabel"), get("poolBar")
        self._legend, self._messages_label = get("poolLegend"), get("messagesLabel")
        self._preview, self._preview_label = get("previewFrame"), get("previewLabel")
        self._apply_button = get("applyButton")
        self._buttons = [get("createButton"), get("fixButton"), get("recheckButton")]
        self._setup_table(get("mountsView"))
        _install_bar_css()
        self._monitor.watch()
        self._monitor.invalidate()      # first read in a thread, once storage is ready

    def _setup_table(self, view):
        for index, title in enumerate((_("Mount"), _("Device"), _("Size"), _("Minimum"))):
            view.append_column(Gtk.TreeViewColumn(title, Gtk.CellRendererText(), text=index))
        status = Gtk.TreeViewColumn(_("Status"), Gtk.CellRendererPixbuf(xalign=0),
                                    icon_name=4)
        view.append_column(status)

    # --- what the hub reads: the cache only -----------------------------------------------
    @property
    def ready(self):
        return self._monitor.ready and not self._busy

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

    # --- showing the state ------------------------------------------------------------------
    @staticmethod
    def _from_thread(function):
        GLib.idle_add(lambda: function() and False)

    def _became_ready(self):
        self._show()
        hubQ.send_ready(self.__class__.__name__)

    def refresh(self):
        super().refresh()
        self._show()

    def _show(self):
        state = self._monitor.state
        waiting = state is None or not self.ready
        for button in self._buttons:
            button.set_sensitive(not waiting and not self._busy)
        self._preview.set_visible(self._pending is not None)
        if self._pending is not None:
            lines, apply = self._pending
            self._preview_label.set_text("\n".join(lines))
            self._apply_button.set_visible(apply is not None)
        messages = list(self._messages)
        if self._busy and self._progress_line:
            messages.append(self._progress_line)
        self._messages_label.set_text("\n".join(messages))
        self._messages_label.set_visible(bool(messages))
        if waiting:
            self._set_info(None)
            self._summary.set_text(ui_model.not_ready_status())
            return
        self._summary.set_text(state.lines[0])
        self._show_findings(state.groups)
        self._mounts.clear()
        for row in state.mounts:
            self._mounts.append([row.mount, row.kind, row.size, row.minimum, row.icon])
        self._pool_label.set_text(state.pool.title if state.pool else "")
        self._legend.set_markup(self._legend_markup(state.pool))
        self._pool_label.set_visible(state.pool is not None)
        self._legend.set_visible(state.pool is not None)
        self._fill_bar(state.pool)
        if not state.completed:
            self._set_info(("error", state.status))
        elif state.errors or state.warnings:
            self._set_info(("warning", state.status))
        else:
            self._set_info(None)

    def _set_info(self, info):
        """The info bar at the bottom, replaced only when it changes (each replacement
        animates Anaconda's revealer; a redraw must not make it flicker)."""
        if info == self._info:
            return
        self.clear_info()
        if info is not None:
            kind, text = info
            (self.set_error if kind == "error" else self.set_warning)(text)
        self._info = info

    def _show_findings(self, groups):
        for child in self._findings.get_children():
            self._findings.remove(child)
        for group in groups:
            row = Gtk.Box(orientation=Gtk.Orientation.HORIZONTAL, spacing=8)
            row.pack_start(Gtk.Image.new_from_icon_name(group.icon, Gtk.IconSize.BUTTON),
                           False, False, 0)
            text = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=2)
            lines = [("<b>%s</b>", group.title)]
            if group.detail and group.detail not in group.title:
                lines.append(("%s", group.detail))
            if group.fix:
                lines.append(("<i>%s</i>", _("Fix: %(hint)s") % {"hint": group.fix}))
            for markup, value in lines:
                label = Gtk.Label(xalign=0, wrap=True, selectable=True)
                label.set_markup(markup % GLib.markup_escape_text(value))
                text.pack_start(label, False, False, 0)
            row.pack_start(text, True, True, 0)
            self._findings.pack_start(row, False, False, 0)
        self._findings.show_all()

    @staticmethod
    def _legend_markup(bar):
        if bar is None:
            return ""
        parts = ['<span foreground="%s">\u25a0</span> %s %s' % (
            _BAR_COLOURS[s.kind], GLib.markup_escape_text(s.label),
            GLib.markup_escape_text(format_size(s.size))) for s in bar.segments]
        if bar.overcommitted:
            parts.append(GLib.markup_escape_text(
                _("The thin LVs are bigger than the pool (overcommitted).")))
        return "   ".join(parts)

    def _fill_bar(self, bar):
        """One coloured box per segment, as wide as its share of the bar."""
        for child in self._pool_bar.get_children():
            self._pool_bar.remove(child)
        self._pool_bar.set_visible(bar is not None)
        if bar is None:
            return
        for segment in bar.segments:
            box = Gtk.Box()
            box.set_size_request(max(2, round(segment.fraction * _BAR_WIDTH)), 22)
            box.get_style_context().add_class("onn-bar-" + segment.kind)
            box.set_tooltip_text("%s %s" % (segment.label, format_size(segment.size)))
            self._pool_bar.pack_start(box, False, False, 0)
        self._pool_bar.show_all()

    # --- actions --------------------------------------------------------------------------
    def on_recheck_clicked(self, button):
        self._messages = []
        self._run(lambda: None)

    def on_create_clicked(self, button):
        """Ask the service for the requests of the selected disks; show them first."""
        self._messages = []
        try:
            disks = layout.selected_disks()
            if not disks:
                self._messages = [_("Select the disks in Installation Destination first.")]
                return self._show()
            structures, natives = layout.get_device_requests(self._addon, disks)
        except Exception as exc:  # noqa: BLE001 - DBusError or an older service: shown
            self._messages = [_("The required layout cannot be computed: %(error)s")
                              % {"error": exc}]
            return self._show()
        lines = [_("Create the required layout on %(disks)s; everything on these disks "
                   "is removed:") % {"disks": ", ".join(disks)}]
        lines += ["  " + line for line in ui_model.request_lines(natives)]
        self._pending = (lines, lambda: layout.create_layout(
            structures, disks, self._progress, self._monitor, self._addon))
        self._show()

    def on_fix_clicked(self, button):
        """Ask the service for the repair plan; show it (or why there is none) first."""
        self._messages = []
        try:
            plan = layout.get_repair_plan(self._addon)
        except Exception as exc:  # noqa: BLE001 - DBusError or an older service: shown
            self._messages = [_("The repair plan cannot be computed: %(error)s")
                              % {"error": exc}]
            return self._show()
        apply = None
        if plan.get("can-apply") and plan.get("changes"):
            apply = lambda: layout.fix_layout(  # noqa: E731
                plan, self._progress, self._monitor)
        self._pending = (ui_model.repair_lines(plan), apply)
        self._show()

    def on_apply_clicked(self, button):
        _lines, apply = self._pending
        self._pending = None
        self._messages = []

        def work():
            report = apply()
            self._messages.extend(report.get_messages())
        self._run(work)

    def on_cancel_clicked(self, button):
        self._pending = None
        self._show()

    def _progress(self, message):
        """Anaconda's progress line while a partitioning is applied ("Saving storage
        configuration..."), from the action's thread: to the hub as Anaconda's storage spoke
        sends it, and on this screen until the action is over."""
        hubQ.send_message(self.__class__.__name__, message)
        log.debug(message)
        self._progress_line = message
        self._from_thread(self._show)

    def _run(self, work):
        """*work* then one re-read, in a thread; the hub sees the spoke not ready meanwhile."""
        self._busy = True
        hubQ.send_not_ready(self.__class__.__name__)
        self._show()

        def target():
            try:
                work()
                self._monitor.refresh_now()
            finally:
                self._busy = False
                self._progress_line = ""
                self._from_thread(self._became_ready)
        compat.start_thread(THREAD_ACTION, target)

    def apply(self):
        """Nothing to store: the mode and profile come from the kickstart."""
