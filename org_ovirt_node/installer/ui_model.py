# SPDX-License-Identifier: GPL-2.0-or-later
"""What the installer spokes show, decided without pyanaconda (unit-tested directly).

The spokes (``tui/spokes``, ``gui/spokes``) only fetch the addon's layout report over D-Bus
(``GetLayoutReport()``: mode, profile, findings, a row per mount and the pool of /) and hand
it to :func:`evaluate_report`; everything the operator sees (status line, whether the spoke
is mandatory and completed, the findings grouped with their fixes, the per-mount table, the
pool bar, what "Create" and "Fix" will change) is decided here, so the TUI and GUI cannot
drift apart.

Structures come unpacked to native dicts with D-Bus keys (``mount-point``, ``device-kind``,
``vg-reserve``, ...); missing keys are tolerated.
"""
from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional, Tuple

from org_ovirt_node.i18n import N_, P_, _
from org_ovirt_node.rules import (
    CATALOG,
    ERROR,
    INFO,
    MODE_ENFORCE,
    MODE_OFF,
    MODE_WARN,
    WARNING,
)
from org_ovirt_node.units import format_size

__all__ = ["SpokeState", "evaluate", "evaluate_report", "finding_lines", "is_mandatory",
           "not_ready_status", "group_findings", "grouped_lines", "mount_rows", "table_lines",
           "pool_bar", "bar_lines", "request_lines", "repair_lines",
           "MODE_ENFORCE", "MODE_WARN", "MODE_OFF"]

SPOKE_TITLE = N_("oVirt Node storage layout")
CREATE_ACTION = N_("Create the required layout (replaces the layout of the selected disks)")
FIX_ACTION = N_("Fix my layout (adds and grows, never removes)")
RECHECK_ACTION = N_("Check the layout again")
_SEVERITY_LABEL = {ERROR: N_("error"), WARNING: N_("warning"), INFO: N_("info")}


@dataclass(frozen=True)
class SpokeState:
    """What a spoke shows for one answer of the addon."""
    mandatory: bool          # enforce mode: Anaconda blocks "Begin Installation" until completed
    completed: bool
    status: str              # one line under the spoke's title on the hub
    lines: Tuple[str, ...]   # the spoke's screen: a headline, then each finding and its fix
    errors: int = 0
    warnings: int = 0
    groups: Tuple["FindingGroup", ...] = ()    # the findings, grouped (GUI list)
    mounts: Tuple["MountRow", ...] = ()        # the per-mount table
    pool: Optional["PoolBar"] = None           # the pool of /, None without one


def is_mandatory(mode):
    """Only enforce mode makes the spoke mandatory (it then blocks "Begin Installation")."""
    return mode == MODE_ENFORCE


def not_ready_status():
    """Status while Anaconda is still scanning or applying storage."""
    return _("Waiting for the storage configuration...")


def _field(finding, key):
    value = finding.get(key, "")
    return value if isinstance(value, str) else str(value)


def finding_lines(findings):
    """``severity CODE where: message`` then an indented ``Fix: hint`` per finding."""
    lines = []
    for finding in findings:
        severity = _field(finding, "severity")
        where = _field(finding, "mount-point") or _field(finding, "device")
        label = _(_SEVERITY_LABEL[severity]) if severity in _SEVERITY_LABEL else severity
        if where:
            lines.append(_("%(severity)s %(code)s %(where)s: %(message)s")
                         % {"severity": label, "code": _field(finding, "code"),
                            "where": where, "message": _field(finding, "message")})
        else:
            lines.append(_("%(severity)s %(code)s: %(message)s")
                         % {"severity": label, "code": _field(finding, "code"),
                            "message": _field(finding, "message")})
        hint = _field(finding, "hint")
        if hint:
            lines.append("    " + _("Fix: %(hint)s") % {"hint": hint})
    return lines


def evaluate(mode, findings=(), profile="", failure: Optional[str] = None):
    """Decide the spoke's state from the addon's *mode*, its *findings* on the planned layout
    and the *profile* name; *failure* is the error text when the addon could not be asked.

    - ``off``: not mandatory, completed, nothing checked.
    - ``enforce``: mandatory; completed only without errors (warnings never block).
    - ``warn``: not mandatory, always completed; the status counts what would have blocked.
    - *failure* (addon unreachable or the check failed): in enforce mode the spoke stays
      incomplete (the configure task would refuse anyway); otherwise it only reports it.
    """
    if mode == MODE_OFF:
        return SpokeState(False, True, _("Layout check is off"),
                          (_("The oVirt Node layout check is off (mode off): "
                             "the storage layout is not checked."),))
    enforce = is_mandatory(mode)
    if failure is not None:
        return SpokeState(enforce, not enforce, _("The layout could not be checked"),
                          (_("The layout could not be checked: %(reason)s")
                           % {"reason": failure},))
    findings = list(findings)
    errors = sum(1 for f in findings if f.get("severity") == ERROR)
    warnings = sum(1 for f in findings if f.get("severity") == WARNING)
    status = _status(enforce, errors, warnings, profile)
    if errors and enforce:
        head = P_("The planned layout breaks profile %(profile)s in %(count)d way; fix it "
                  "in Installation Destination, or here: Create the required layout or "
                  "Fix my layout.",
                  "The planned layout breaks profile %(profile)s in %(count)d ways; fix them "
                  "in Installation Destination, or here: Create the required layout or "
                  "Fix my layout.", errors)
    elif errors:
        head = P_("The planned layout breaks profile %(profile)s in %(count)d way; mode warn "
                  "installs it anyway.",
                  "The planned layout breaks profile %(profile)s in %(count)d ways; mode warn "
                  "installs it anyway.", errors)
    elif warnings:
        head = _("The planned layout fits profile %(profile)s, with warnings.")
    else:
        head = _("The planned layout fits profile %(profile)s.")
    head = head % {"profile": profile, "count": errors}
    return SpokeState(enforce, not (enforce and errors), status,
                      tuple([head] + finding_lines(findings)), errors, warnings)


def _status(enforce, errors, warnings, profile):
    if errors and enforce:
        return P_("%(count)d layout error blocks the installation",
                  "%(count)d layout errors block the installation", errors) % {"count": errors}
    if errors:
        return P_("%(count)d layout error (warn mode: not blocking)",
                  "%(count)d layout errors (warn mode: not blocking)", errors) % {"count": errors}
    if warnings:
        return P_("Layout fits %(profile)s, %(count)d warning",
                  "Layout fits %(profile)s, %(count)d warnings", warnings) \
            % {"profile": profile, "count": warnings}
    return _("Layout fits %(profile)s") % {"profile": profile}


# --- the layout report: grouped findings, the per-mount table, the pool bar ------------------
SEVERITY_ICONS = {ERROR: "dialog-error-symbolic", WARNING: "dialog-warning-symbolic",
                  INFO: "dialog-information-symbolic", "ok": "emblem-ok-symbolic"}
"""Icon names (Adwaita, shipped in the installer image) of each severity and of a good row."""
_TEXT_MARKS = {ERROR: "[!!]", WARNING: "[! ]", INFO: "[i ]", "ok": "[ok]"}
_SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}
_MOUNTS_SHOWN = 4       # "8 mounts ...: /, /var, /home, /tmp, …"


def text_mark(severity):
    """What the text spoke prints where the GUI shows a severity icon."""
    return _TEXT_MARKS.get(severity, "[? ]")


@dataclass(frozen=True)
class FindingGroup:
    """Findings of one rule and severity, one line however many mounts they are about."""
    severity: str
    code: str
    title: str               # the line the operator reads first
    detail: str              # the message (of the first finding, for a group)
    fix: str                 # "" if no finding says how to fix it
    mounts: Tuple[str, ...]  # the mounts (or devices) the group is about
    icon: str


def _mount_list(mounts):
    shown = ", ".join(mounts[:_MOUNTS_SHOWN])
    return shown + (", …" if len(mounts) > _MOUNTS_SHOWN else "")


def _missing(finding):
    """The finding's ``missing`` items (what it says is missing, e.g. mount options) as a
    tuple of text; () when absent (older services do not send it) or malformed."""
    value = finding.get("missing")
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(v for v in value if isinstance(v, str) and v)


def _group_title(code, items, mounts, rule):
    """The line of a group of several findings: ``8 mounts lack discard: /, /var, …`` when
    every finding says the same things are missing, else ``8 mounts: <what the rule asks>
    (/, /var, …)``."""
    values = {"code": code, "count": len(items), "mounts": _mount_list(mounts)}
    missing = {_missing(f) for f in items}
    if len(missing) == 1 and next(iter(missing)):
        values["missing"] = ", ".join(next(iter(missing)))
        return P_("%(code)s %(count)d mount lacks %(missing)s: %(mounts)s",
                  "%(code)s %(count)d mounts lack %(missing)s: %(mounts)s",
                  len(items)) % values
    values["rule"] = _(rule.summary)
    return P_("%(code)s %(count)d mount: %(rule)s (%(mounts)s)",
              "%(code)s %(count)d mounts: %(rule)s (%(mounts)s)", len(items)) % values


def group_findings(findings):
    """Findings grouped by (severity, code): one :class:`FindingGroup` per group, errors
    first, in the order the checker gave them otherwise.

    A group of one finding reads as before (``CODE where: message``); a bigger one as
    ``8 mounts lack discard: /, /var, …`` when all its findings carry the same ``missing``
    items, else ``8 mounts: <what the rule asks> (/, /var, …)``; with the first message as
    an example and its fix (they differ only in the mount point).
    """
    buckets = OrderedDict()
    for finding in findings:
        key = (_field(finding, "severity"), _field(finding, "code"))
        buckets.setdefault(key, []).append(finding)
    groups = []
    for (severity, code), items in buckets.items():
        first = items[0]
        mounts = tuple(_field(f, "mount-point") or _field(f, "device") for f in items)
        mounts = tuple(m for m in mounts if m)
        message, hint = _field(first, "message"), _field(first, "hint")
        rule = CATALOG.get(_field(first, "rule"))
        if len(items) == 1 or rule is None:
            for item in items:
                where = _field(item, "mount-point") or _field(item, "device")
                title = (_("%(code)s %(where)s: %(message)s") if where else
                         _("%(code)s: %(message)s")) % {
                    "code": code, "where": where, "message": _field(item, "message")}
                groups.append(FindingGroup(severity, code, title, _field(item, "message"),
                                           _field(item, "hint"), (where,) if where else (),
                                           SEVERITY_ICONS.get(severity, "")))
            continue
        title = _group_title(code, items, mounts, rule)
        # A title that already names what is missing says all the example would.
        same_missing = len({_missing(f) for f in items}) == 1 and _missing(first)
        detail = "" if same_missing else _("For example: %(message)s") % {"message": message}
        fix = (_("%(hint)s Likewise for the other mounts.") % {"hint": hint}) if hint else ""
        groups.append(FindingGroup(severity, code, title, detail, fix, mounts,
                                   SEVERITY_ICONS.get(severity, "")))
    groups.sort(key=lambda g: _SEVERITY_ORDER.get(g.severity, 3))
    return tuple(groups)


def grouped_lines(groups):
    """The text spoke's lines for the grouped findings: mark, title, then the example and
    the fix indented."""
    lines = []
    for group in groups:
        lines.append("%s %s" % (text_mark(group.severity), group.title))
        if group.detail and group.detail not in group.title:
            lines.append("     " + group.detail)
        if group.fix:
            lines.append("     " + _("Fix: %(hint)s") % {"hint": group.fix})
    return lines


@dataclass(frozen=True)
class MountRow:
    """One row of the per-mount table, ready to show."""
    mount: str
    kind: str
    size: str
    minimum: str
    status: str      # ok / warning / error
    icon: str


def _int(value):
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


_DEVICE_KINDS = {"thin LV": N_("thin LV"), "LV": N_("LV"), "partition": N_("partition"),
                 "disk": N_("disk"), "LUKS": N_("LUKS"), "MD RAID": N_("MD RAID"),
                 "btrfs": N_("btrfs"), "other": N_("other"), "missing": N_("missing")}
"""The service's untranslated ``device-kind`` keys (GetLayoutReport) and their msgids."""


def device_kind(key):
    """A ``device-kind`` key translated for display; an unknown key is shown as it is."""
    return _(_DEVICE_KINDS[key]) if key in _DEVICE_KINDS else key


def mount_rows(mounts):
    """:class:`MountRow` per MountRow structure, sorted by mount point ("/" first), the
    device kind translated."""
    rows = []
    for mount in sorted(mounts, key=lambda m: _field(m, "mount-point")):
        size, minimum = _int(mount.get("size")), _int(mount.get("minimum"))
        status = _field(mount, "status") or "ok"
        rows.append(MountRow(_field(mount, "mount-point"),
                             device_kind(_field(mount, "device-kind")),
                             format_size(size) if size else "—",
                             format_size(minimum) if minimum else "—",
                             status, SEVERITY_ICONS.get(status, SEVERITY_ICONS[ERROR])))
    return tuple(rows)


def table_lines(rows):
    """The per-mount table as aligned text columns (text spoke)."""
    if not rows:
        return []
    header = (_("Mount"), _("Device"), _("Size"), _("Minimum"), _("Status"))
    cells = [header] + [(r.mount, r.kind, r.size, r.minimum, text_mark(r.status))
                        for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    return ["  ".join(c[i].ljust(widths[i]) for i in range(len(header))).rstrip()
            for c in cells]


@dataclass(frozen=True)
class BarSegment:
    kind: str        # thin (thin LVs), free (pool free), reserve, vg-free, shortfall
    label: str
    size: int        # bytes
    fraction: float  # of the whole bar


@dataclass(frozen=True)
class PoolBar:
    """The pool of / and its volume group: what the bar shows."""
    title: str
    segments: Tuple[BarSegment, ...]
    overcommitted: bool
    legend: str


def pool_bar(pool):
    """The usage bar of the pool of / from a PoolUsage structure; None without a pool.

    Whole bar = the pool plus the VG's free space: thin LVs (their sizes, capped at the
    pool), the pool's free space, then the VG's free space, of which the profile's reserve
    comes first; a reserve the VG cannot keep shows as a shortfall segment.
    """
    if not pool or not _field(pool, "name"):
        return None
    size, used = _int(pool.get("size")), _int(pool.get("used"))
    vg_free, reserve = _int(pool.get("vg-free")), _int(pool.get("vg-reserve"))
    kept = min(reserve, vg_free)
    parts = [("thin", _("thin LVs"), min(used, size)),
             ("free", _("pool free"), max(size - used, 0)),
             ("reserve", _("VG reserve"), kept),
             ("vg-free", _("VG free"), vg_free - kept),
             ("shortfall", _("reserve missing"), reserve - kept)]
    total = sum(p[2] for p in parts) or 1
    segments = tuple(BarSegment(k, label, n, n / total) for k, label, n in parts if n)
    legend = ", ".join("%s %s" % (s.label, format_size(s.size)) for s in segments)
    title = _("Pool %(pool)s of / in %(vg)s: %(used)s of %(size)s used by thin LVs") % {
        "pool": _field(pool, "name"), "vg": _field(pool, "vg"),
        "used": format_size(used), "size": format_size(size)}
    return PoolBar(title, segments, used > size, legend)


_BAR_CHARS = {"thin": "#", "free": ".", "reserve": "r", "vg-free": " ", "shortfall": "!"}


def bar_lines(bar, width=50):
    """The pool bar as text: title, ``[####....rr  ]`` and its legend."""
    if bar is None:
        return []
    cells = ""
    for segment in bar.segments:
        cells += _BAR_CHARS[segment.kind] * max(1, round(segment.fraction * width))
    lines = [bar.title, "[%s]" % cells[:width + len(bar.segments)], bar.legend]
    if bar.overcommitted:
        lines.append(_("The thin LVs are bigger than the pool (overcommitted)."))
    return lines


def evaluate_report(report, failure: Optional[str] = None):
    """:func:`evaluate` for a ``GetLayoutReport()`` answer (native dict: ``mode``,
    ``profile``, ``findings``, ``mounts``, ``pool``); the state also carries the grouped
    findings, the table rows and the pool bar, and its ``lines`` show all of them as text.
    """
    report = report or {}
    mode = report.get("mode")
    findings = list(report.get("findings") or ())
    state = evaluate(mode, findings, _field(report, "profile"), failure)
    if mode == MODE_OFF or failure is not None:
        return state
    groups = group_findings(findings)
    rows = mount_rows(report.get("mounts") or ())
    bar = pool_bar(report.get("pool"))
    lines = [state.lines[0]] + grouped_lines(groups)
    if rows:
        lines += [""] + table_lines(rows)
    if bar is not None:
        lines += [""] + bar_lines(bar)
    return SpokeState(state.mandatory, state.completed, state.status, tuple(lines),
                      state.errors, state.warnings, groups, rows, bar)


# --- what "Create" and "Fix" will change ----------------------------------------------------
# blivet.devicefactory.DEVICE_TYPE_* (the values Anaconda's DeviceFactoryRequest carries)
_DEVICE_TYPES = {0: N_("LV"), 1: N_("RAID"), 2: N_("partition"), 3: N_("btrfs"),
                 4: N_("disk"), 5: N_("thin LV"), 6: N_("Stratis")}


def request_lines(requests):
    """One line per DeviceFactoryRequest of "Create the required layout"."""
    lines = []
    for request in requests:
        kind = _DEVICE_TYPES.get(request.get("device-type"))
        where = _field(request, "mount-point") or _field(request, "format-type") or "?"
        container = _field(request, "container-name")
        lines.append(_("%(where)s: %(kind)s, %(size)s, %(fs)s%(vg)s") % {
            "where": where, "kind": _(kind) if kind else "?",
            "size": format_size(_int(request.get("device-size"))),
            "fs": _field(request, "format-type") or "—",
            "vg": (" " + _("in %(vg)s") % {"vg": container}) if container else ""})
    return lines


def repair_lines(plan):
    """What "Fix my layout" will do (each change's description) and, when it cannot, why
    (each refusal), from a RepairPlan structure."""
    changes = [_field(c, "description") for c in plan.get("changes") or ()]
    refusals = [str(r) for r in plan.get("refusals") or ()]
    lines = []
    if changes:
        lines.append(_("Fix my layout will:"))
        lines += ["  - " + c for c in changes]
    if refusals:
        lines.append(_("It cannot fix everything:"))
        lines += ["  - " + r for r in refusals]
    if not changes and not refusals:
        lines.append(_("Nothing to fix."))
    return lines
