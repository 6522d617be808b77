# SPDX-License-Identifier: GPL-2.0-or-later
"""The addon's Anaconda module: kickstart state, the D-Bus API's logic, the configure task."""
from pyanaconda.anaconda_loggers import get_module_logger
from pyanaconda.core.dbus import DBus
from pyanaconda.core.kickstart import VERSION, KickstartSpecification
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


def _autopart_command():
    """pykickstart's ``autopart`` of the kickstart version this Anaconda reads."""
    from pykickstart.handlers.control import commandMap
    return commandMap[VERSION]["autopart"]


class OvirtNodeKickstartSpecification(KickstartSpecification):
    """This module handles ``%addon org_ovirt_node``, and reads ``autopart`` too (Anaconda
    hands a command to every module that lists it; Storage still acts on it) to refuse
    overrides that automatic partitioning cannot honour while the kickstart is read."""

    commands = {"autopart": _autopart_command()}
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
            refuse_what_autopart_cannot_build(addon, profile, getattr(data, "autopart", None))
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
        return self.read_planned_tree()[0]

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

    def read_planned_tree(self):
        """``(layout, keys)``: :meth:`read_planned_layout` plus ``{layout name: device key}``
        (what a change request must name: names on rhel-9/rhel-10, IDs on main)."""
        from pyanaconda.modules.common.constants.objects import DEVICE_TREE
        from pyanaconda.modules.common.constants.services import STORAGE

        from org_ovirt_node.installer.dbus_reader import layout_and_keys
        return layout_and_keys(STORAGE.get_proxy(DEVICE_TREE), origin="anaconda",
                               call_many=self._pipeline(), options_for=self._option_mounts())

    def _option_mounts(self):
        """The mount points whose mount options the checker and the repair read (the
        profile's that ask for options): only those are read over D-Bus."""
        return {p for p, rule in self.profile.mounts.items() if rule.options}

    def _pipeline(self):
        from pyanaconda.modules.common.constants.interfaces import (
            DEVICE_TREE_HANDLER,
            DEVICE_TREE_VIEWER,
        )
        from pyanaconda.modules.common.constants.objects import DEVICE_TREE
        from pyanaconda.modules.common.constants.services import STORAGE

        from org_ovirt_node.service.pipeline import Pipeline
        viewer = DEVICE_TREE_VIEWER.interface_name
        return Pipeline(DBus.connection, STORAGE.service_name, DEVICE_TREE.object_path,
                        {"GetDeviceData": viewer, "GetFormatData": viewer,
                         "GetDeviceMountOptions": DEVICE_TREE_HANDLER.interface_name})

    def _judged(self, what, read):
        """``read()`` then ``what(result, profile)``, with :meth:`validate_layout`'s error
        handling: :class:`LayoutCheckError` saying why, nothing else."""
        from org_ovirt_node.installer.dbus_reader import DeviceTreeError
        try:
            profile = self.profile
            return what(read(), profile)
        except DeviceTreeError as exc:
            log.error("%s", exc)
            raise LayoutCheckError(str(exc)) from None
        except LayoutCheckError:
            raise
        except Exception as exc:  # noqa: BLE001 - a D-Bus caller gets a clean error
            log.exception("The layout check failed.")
            raise LayoutCheckError(_("The layout check failed: %(error)s")
                                   % {"error": describe(exc)}) from None

    def layout_report(self):
        """``(report, rows, pool)`` of the planned layout, from ONE read of the device tree:
        the :class:`~org_ovirt_node.findings.Report`, the
        :class:`~org_ovirt_node.installer.repair.MountRow` list and the
        :class:`~org_ovirt_node.installer.repair.PoolUsage`; :class:`LayoutCheckError` as
        :meth:`validate_layout`."""
        def judge(layout, profile):
            from org_ovirt_node.checker import check
            from org_ovirt_node.installer.repair import mount_rows, pool_usage
            report = check(layout, profile)
            return report, mount_rows(layout, profile, report.findings), \
                pool_usage(layout, profile)
        return self._judged(judge, self.read_planned_layout)

    def repair_plan(self):
        """``(plan, keys)``: the :class:`~org_ovirt_node.installer.repair.RepairPlan` for the
        planned layout, and ``{layout name: device key}``; :class:`LayoutCheckError`."""
        def judge(tree, profile):
            from org_ovirt_node.installer.repair import plan_repair
            layout, keys = tree
            return plan_repair(layout, profile), keys, layout
        return self._judged(judge, self.read_planned_tree)

    def get_device_requests(self, disks):
        """The design on *disks* (their sizes read from the device tree, this machine's
        firmware and RAM) as ``DeviceFactoryRequest`` fields (dicts) in creation order, and
        ``{mount point: options}``; :class:`PlanError` saying why when it cannot be made."""
        from org_ovirt_node import design as D
        from org_ovirt_node.installer import requests as R
        from org_ovirt_node.units import format_size
        profile = self.profile
        bad = sizes_message(profile)
        if bad:
            raise PlanError(bad)
        sizes = self._disk_sizes(disks)
        facts = R.disk_facts(sizes, label=_configured_label())
        try:
            design = D.design(profile, facts)
        except ValueError as exc:
            raise PlanError(str(exc)) from None
        room = sum(d.room for d in facts.disks)
        if design.boot_disk is None or (design.needed is not None and design.needed > room):
            raise PlanError(_("Profile %(profile)s needs %(needed)s on the selected disks; "
                              "%(disks)s hold %(room)s. Select more or larger disks.")
                            % {"profile": profile.name, "needed": format_size(design.needed),
                               "disks": ", ".join(excerpt(d) for d in disks),
                               "room": format_size(room)})
        return R.device_requests(design, [key for key, _size in sizes]), \
            R.request_mount_options(design)

    def _disk_sizes(self, disks):
        """``[(key, size)]`` of *disks* as the device tree knows them; :class:`PlanError`
        for no disks, a repeated one, one that is not a disk of the tree."""
        from pyanaconda.modules.common.constants.objects import DEVICE_TREE
        from pyanaconda.modules.common.constants.services import STORAGE

        from org_ovirt_node.installer.dbus_reader import MAX_DEVICES, DeviceTreeError, _Fields
        disks = list(disks)
        if not disks:
            raise PlanError(_("Select at least one disk."))
        if len(disks) > MAX_DEVICES or len(set(disks)) != len(disks):
            raise PlanError(_("Give each disk once, at most %(max)d disks.")
                            % {"max": MAX_DEVICES})
        proxy = STORAGE.get_proxy(DEVICE_TREE)
        sizes = []
        try:
            known = set(proxy.GetDisks())
            for disk in disks:
                if disk not in known:
                    raise PlanError(_("%(disk)s is not a disk of the installer's device tree.")
                                    % {"disk": excerpt(disk)})
                fields = _Fields(disk, proxy.GetDeviceData(disk), "the device data")
                size = fields.size("size")
                if not size:
                    raise PlanError(_("The size of disk %(disk)s is not known.")
                                    % {"disk": excerpt(disk)})
                sizes.append((disk, size))
        except DeviceTreeError as exc:
            raise PlanError(str(exc)) from None
        return sizes

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
def _configured_label():
    """The disk label Anaconda is configured to give disks (rhel-9 ``[Storage] gpt``,
    later ``disk_label_type``); ``None``: the platform's choice."""
    try:
        from pyanaconda.core.configuration.anaconda import conf
        storage = conf.storage
    except Exception:  # noqa: BLE001 - no configuration (tests): the platform's choice
        return None
    requested = getattr(storage, "disk_label_type", None)
    if requested in ("gpt", "mbr", "msdos"):
        return "msdos" if requested == "mbr" else requested
    if getattr(storage, "gpt", False) is True:
        return "gpt"
    return None


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


def refuse_what_autopart_cannot_build(addon, profile, autopart):
    """With ``autopart`` in the kickstart, the layout comes from Anaconda's automatic
    partitioning and the shipped drop-in, not from the ``%addon`` section: what it cannot
    build (:meth:`~org_ovirt_node.kickstart.addon.OvirtNodeData.autopart_refusal`) would
    stop the installation at the very end. ``enforce``: that ``KickstartParseError`` now;
    ``warn``: a kickstart warning; ``off``: nothing."""
    from pykickstart.errors import KickstartParseWarning

    from org_ovirt_node.rules import MODE_OFF, MODE_WARN
    if addon.mode == MODE_OFF:
        return
    refusal = addon.autopart_refusal(profile, autopart)
    if refusal is None:
        return
    if addon.mode == MODE_WARN:
        import warnings
        warnings.warn(refusal.message, KickstartParseWarning, stacklevel=2)
        return
    raise refusal
