# SPDX-License-Identifier: GPL-2.0-or-later
"""The addon's Anaconda module: kickstart state, the D-Bus API's logic, the configure task."""
from pyanaconda.anaconda_loggers import get_module_logger
from pyanaconda.core.dbus import DBus
from pyanaconda.core.kickstart import KickstartSpecification
from pyanaconda.core.signal import Signal
from pyanaconda.modules.common.base import KickstartService
from pyanaconda.modules.common.containers import TaskContainer
from pyanaconda.modules.common.errors.general import InvalidValueError
from pyanaconda.modules.common.structures.kickstart import KickstartMessage, KickstartReport
from pykickstart.errors import KickstartError, KickstartParseError

from org_ovirt_node.i18n import _
from org_ovirt_node.kickstart.addon import ADDON_NAME, OvirtNodeData
from org_ovirt_node.sanitize import MAX_SCALAR, excerpt, is_clean_text
from org_ovirt_node.service.constants import MODES, OVIRT_NODE
from org_ovirt_node.service.errors import LayoutCheckError, PlanError, describe

log = get_module_logger(__name__)

__all__ = ["OvirtNodeService", "OvirtNodeKickstartSpecification"]


class OvirtNodeKickstartSpecification(KickstartSpecification):
    """This module handles exactly ``%addon org_ovirt_node``."""

    addons = {ADDON_NAME: OvirtNodeData}


class OvirtNodeService(KickstartService):
    """Holds the effective profile (resolved when the kickstart is read) and the mode."""

    def __init__(self):
        super().__init__()
        self.profile_changed = Signal()
        self.mode_changed = Signal()
        self._data = OvirtNodeData()     # what the kickstart said (written back as is)
        self._profile = None             # the resolved Profile, loaded lazily by default

    def publish(self):
        """Publish the module on Anaconda's bus (imports the interface only now)."""
        from org_ovirt_node.service.interface import OvirtNodeInterface
        TaskContainer.set_namespace(OVIRT_NODE.namespace)
        DBus.publish_object(OVIRT_NODE.object_path, OvirtNodeInterface(self))
        DBus.register_service(OVIRT_NODE.service_name)

    @property
    def kickstart_specification(self):
        return OvirtNodeKickstartSpecification

    # --- kickstart ----------------------------------------------------------------------
    def read_kickstart(self, s):
        """Anaconda's reading, plus a guard: only ``KickstartError`` becomes a report error
        upstream, anything else would escape the D-Bus call and break kickstart processing.
        The unexpected is reported on the ``%addon`` line, quoted short and sanitised."""
        try:
            return super().read_kickstart(s)
        except Exception as exc:  # noqa: BLE001 - turn the unexpected into a report error
            log.exception("Unexpected error while reading the kickstart.")
            error = KickstartParseError(
                _("%%addon %(name)s: unexpected error: %(error)s")
                % {"name": ADDON_NAME, "error": describe(exc)}, lineno=addon_line(s))
            report = KickstartReport()
            report.error_messages = [KickstartMessage.for_error(error)]
            return report

    def process_kickstart(self, data):
        """Resolve the profile at once: a missing or invalid profile, an override that
        does not fit it, or a size D-Bus cannot carry is a ``KickstartParseError`` with its
        line (a kickstart error); so is anything unexpected (on the header's line)."""
        addon = getattr(data.addons, ADDON_NAME)
        if not addon.seen:
            return
        try:
            profile = addon.resolve_profile()
            refuse_sizes_out_of_range(addon, profile)
        except KickstartError:
            raise
        except Exception as exc:  # noqa: BLE001 - only kickstart errors may leave
            log.exception("Unexpected error while resolving the profile.")
            raise KickstartParseError(
                _("%%addon %(name)s: cannot use profile %(profile)s: %(error)s")
                % {"name": ADDON_NAME, "profile": excerpt(addon.profile, PATH_LIMIT),
                   "error": describe(exc)}, lineno=addon.header_lineno) from None
        self._data = addon
        self._profile = profile
        log.info("Profile %s, mode %s (from the kickstart).", profile.name, addon.mode)
        self.profile_changed.emit()
        self.mode_changed.emit()

    def setup_kickstart(self, data):
        addon = getattr(data.addons, ADDON_NAME)
        addon.profile = self._data.profile
        addon.mode = self._data.mode
        addon.overrides = list(self._data.overrides)
        addon.seen = self._data.seen

    # --- state --------------------------------------------------------------------------
    @property
    def profile_name(self):
        """The ``--profile`` value (a built-in name or a path)."""
        return self._data.profile

    @property
    def mode(self):
        return self._data.mode

    def set_profile(self, name):
        """Use profile *name* (no overrides); ``InvalidValueError`` saying why if it cannot
        be loaded or holds a size D-Bus cannot carry. Nothing changes then."""
        from org_ovirt_node import profile as P
        if not name or not is_clean_text(name) or len(name) > MAX_SCALAR:
            raise InvalidValueError(
                _("Invalid profile %(profile)s: expected a built-in profile name or a path "
                  "of at most %(max)d printable characters.")
                % {"profile": excerpt(name), "max": MAX_SCALAR})
        try:
            profile = P.load_profile(name)
        except P.ProfileError as exc:
            raise InvalidValueError(problems_text(exc.problems)) from None
        except Exception as exc:  # noqa: BLE001 - a D-Bus caller gets a clean error
            log.exception("Unexpected error while loading profile %r.", name)
            raise InvalidValueError(_("Cannot load profile %(profile)s: %(error)s")
                                    % {"profile": excerpt(name, PATH_LIMIT),
                                       "error": describe(exc)}) from None
        bad = sizes_message(profile)
        if bad:
            raise InvalidValueError(bad)
        data = OvirtNodeData()
        data.profile, data.mode, data.seen = name, self._data.mode, True
        self._data, self._profile = data, profile
        self.profile_changed.emit()

    def set_mode(self, mode):
        if mode not in MODES:
            raise ValueError(mode)
        self._data.mode = mode
        self._data.seen = True
        self.mode_changed.emit()

    @property
    def profile(self):
        """The effective :class:`~org_ovirt_node.profile.Profile`."""
        if self._profile is None:
            self._profile = self._data.resolve_profile()
        return self._profile

    # --- the API ------------------------------------------------------------------------
    def read_planned_layout(self):
        """The layout Anaconda plans now, read from the Storage module's DeviceTree (the
        per-device calls pipelined: see :mod:`org_ovirt_node.service.pipeline`)."""
        from pyanaconda.modules.common.constants.interfaces import (
            DEVICE_TREE_HANDLER,
            DEVICE_TREE_VIEWER,
        )
        from pyanaconda.modules.common.constants.objects import DEVICE_TREE
        from pyanaconda.modules.common.constants.services import STORAGE

        from org_ovirt_node.installer.dbus_reader import layout_from_device_tree
        from org_ovirt_node.service.pipeline import Pipeline
        viewer = DEVICE_TREE_VIEWER.interface_name
        pipeline = Pipeline(DBus.connection, STORAGE.service_name, DEVICE_TREE.object_path,
                            {"GetDeviceData": viewer, "GetFormatData": viewer,
                             "GetDeviceMountOptions": DEVICE_TREE_HANDLER.interface_name})
        return layout_from_device_tree(STORAGE.get_proxy(DEVICE_TREE), origin="anaconda",
                                       call_many=pipeline)

    def validate_layout(self):
        """A :class:`~org_ovirt_node.findings.Report` on the planned layout;
        :class:`LayoutCheckError` saying why if it cannot be read or judged (malformed
        device data, a Storage module that does not answer, anything unexpected)."""
        from org_ovirt_node.checker import check
        from org_ovirt_node.installer.dbus_reader import DeviceTreeError
        try:
            profile = self.profile          # first: no need to read a tree without one
            return check(self.read_planned_layout(), profile)
        except DeviceTreeError as exc:
            log.error("%s", exc)
            raise LayoutCheckError(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - a D-Bus caller gets a clean error
            log.exception("The layout check failed.")
            raise LayoutCheckError(_("The layout check failed: %(error)s")
                                   % {"error": describe(exc)}) from None

    def get_plan(self, disks):
        """The plan entries of the profile on *disks*; :class:`PlanError` if a size of the
        profile is beyond what D-Bus carries, or for more disks than a tree may hold."""
        from org_ovirt_node.installer.dbus_reader import MAX_DEVICES
        from org_ovirt_node.installer.requests import plan_entries
        if len(disks) > MAX_DEVICES:
            raise PlanError(_("%(count)d disks given; at most %(max)d are supported.")
                            % {"count": len(disks), "max": MAX_DEVICES})
        profile = self.profile
        bad = sizes_message(profile)
        if bad:
            raise PlanError(bad)
        return plan_entries(profile, disks)

    def configure_with_tasks(self):
        """One task, run before any disk is written, that judges the applied layout. It is
        made even when the profile cannot be resolved: the task then reports why."""
        from org_ovirt_node.service.tasks import ValidateLayoutTask
        try:
            profile_name = self.profile.name
        except Exception:  # noqa: BLE001 - the task raises it again, as a storage error
            log.exception("Cannot resolve profile %r.", self.profile_name)
            profile_name = self.profile_name
        return [ValidateLayoutTask(self.validate_layout, profile_name, self.mode)]


# --- helpers ----------------------------------------------------------------------------
PATH_LIMIT = 200
"""Characters of a profile name or path quoted in a message."""
MAX_PROBLEMS = 5
"""Problems of a profile listed in one D-Bus error (the rest are counted)."""
MESSAGE_LIMIT = 2000
"""Characters of one such error's message."""


def addon_line(text):
    """The line number of the first ``%addon org_ovirt_node`` header in *text*; else of the
    first ``%addon`` header without a name (Anaconda's own section parser fails on it with an
    ``IndexError`` on every branch, not a kickstart error); 0 if neither."""
    bare = 0
    for number, line in enumerate(str(text).splitlines(), 1):
        words = line.split()
        if words[:2] == ["%addon", ADDON_NAME]:
            return number
        if words == ["%addon"] and not bare:
            bare = number
    return bare


def problems_text(problems):
    """A profile's problems as one message: the first few, then how many more."""
    from org_ovirt_node.installer.dbus_reader import printable
    problems = list(problems)
    text = printable("; ".join(str(p) for p in problems[:MAX_PROBLEMS]))
    if len(text) > MESSAGE_LIMIT:
        text = text[:MESSAGE_LIMIT] + "\u2026"
    if len(problems) > MAX_PROBLEMS:
        text += " " + _("(and %(count)d more problems)") % {"count": len(problems) - MAX_PROBLEMS}
    return text


def _range_message(key, where):
    from org_ovirt_node.installer.requests import UINT64_MAX
    return _("%(where)s: %(key)s must be between 0 and %(max)d bytes (just under 16 EiB), "
             "the sizes Anaconda's D-Bus API carries.") % {"where": where, "key": key,
                                                          "max": UINT64_MAX}


def sizes_message(profile):
    """Why *profile* holds a size D-Bus cannot carry (the first such size), or ``None``."""
    from org_ovirt_node.installer.requests import sizes_out_of_range
    bad = sizes_out_of_range(profile)
    if not bad:
        return None
    where, key, _size = bad[0]
    return _range_message(key, where)


def refuse_sizes_out_of_range(addon, profile):
    """``KickstartParseError`` on the line of the first override (or else on the header)
    whose size D-Bus cannot carry."""
    from org_ovirt_node.installer.requests import UINT64_MAX
    from org_ovirt_node.units import parse_size
    if not sizes_message(profile):
        return
    for override in addon.overrides:
        for key, value in override.settings:
            if key in ("min", "default") and not 0 <= parse_size(value) <= UINT64_MAX:
                raise KickstartParseError(
                    _range_message("%s=%s" % (key, excerpt(value)),
                                   "'%s %s'" % (override.verb, override.target)),
                    lineno=override.lineno)
    raise KickstartParseError(
        _("%%addon %(name)s --profile=%(profile)s: %(problem)s")
        % {"name": ADDON_NAME, "profile": excerpt(addon.profile, PATH_LIMIT),
           "problem": sizes_message(profile)}, lineno=addon.header_lineno)
