"""The static kickstart linter: parse a kickstart with pykickstart, turn its partitioning
into the layout model and judge it against the profile, without blivet and without disks.

Steps of :func:`lint_text`:

1. ``%include`` expansion of our own (pykickstart raises on a missing file): an included
   file that exists is inlined, its lines mapped to the ``%include`` line; a missing or
   unreadable one, or one a ``%pre`` script writes, is dropped and becomes an ONN103
   warning (the layout is produced at install time and cannot be judged here).
2. pykickstart parses the text (syntax ``ks_version``, default RHEL9) with our ``%addon``
   section registered; a syntax error is one ONN107 finding and nothing else
   (:func:`exit_code` maps it to 2: the input is unusable).
3. The profile: *profile* if given (the ``%addon`` overrides still apply on top), else the
   one ``%addon org_ovirt_node --profile`` names, else ``ovirt-node``. Problems in the
   section are ONN106 errors at their lines; when the profile cannot be resolved the layout
   is not judged.
4. ``autopart --type=thinp`` is ONN101 (checked at install time); another type ONN102; no
   partitioning at all ONN104; otherwise the layout from ``part``/``raid``/``volgroup``/
   ``logvol``/``reqpart`` goes through :func:`org_ovirt_node.checker.check` plus the checks
   only a kickstart allows (VG reserve as written on ``volgroup``; references, ONN105).

Severities of ONN1xx findings come from the profile like every rule (``rule ks-dynamic
off`` in the ``%addon`` section silences ONN103).
"""
import copy
import dataclasses
import importlib
import os
import shlex
import sys
import threading
import types
import warnings

from org_ovirt_node import rules as catalog
from org_ovirt_node.findings import Finding, Report
from org_ovirt_node.i18n import _
from org_ovirt_node.units import MiB
from org_ovirt_node.units import format_size as fs

DEFAULT_KS_VERSION = "RHEL9"
MAX_INCLUDE_DEPTH = 8
MAX_INCLUDE_BYTES = 4 * MiB
SYNTAX_CODE = catalog.CATALOG["ks-syntax"].code

# Layout rules that judge what is there; the others need the whole layout (they report
# what is missing or sum sizes) and are skipped when part of it is generated at install time.
PARTIAL_RULES = ("root-kind", "device-kind", "same-pool", "min-size", "filesystem",
                 "forbidden-mount", "duplicate-mount", "mount-options")
_GROW_RULES = ("min-size",)


class LintInputError(Exception):
    """Input the linter cannot read at all (missing file, not text, unknown kickstart
    version). The command line reports it and exits 2."""


# --- start-up -------------------------------------------------------------------------
def _defer_pykickstart_load():
    """pykickstart imports ``requests`` (about 60 ms, a fifth of the start-up budget) in
    ``pykickstart.load`` only to fetch kickstarts from URLs, which the linter never does.
    Until something really calls it, ``pykickstart.load`` is a stand-in whose functions
    import the real module on first use, so behaviour is unchanged."""
    name = "pykickstart.load"
    if name in sys.modules:
        return

    def _real():
        if isinstance(sys.modules.get(name), _DeferredLoad):
            del sys.modules[name]
        return importlib.import_module(name)

    class _DeferredLoad(types.ModuleType):
        def __getattr__(self, attr):
            if attr.startswith("__"):   # the import machinery probes __path__ and such
                raise AttributeError(attr)
            return getattr(_real(), attr)

    def load_to_str(*args, **kwargs):
        return _real().load_to_str(*args, **kwargs)

    stub = _DeferredLoad(name)
    stub.load_to_str = load_to_str
    sys.modules[name] = stub


_defer_pykickstart_load()


# --- %include expansion ---------------------------------------------------------------
class _Expansion:
    def __init__(self):
        self.lines = []         # text the parser reads
        self.line_map = []      # its line i+1 -> line in the original file
        self.dynamic = []       # (line, path, reason) of includes left out


def _pre_bodies(lines):
    """Text of every ``%pre`` script (what it writes may be %include-d)."""
    out, inside = [], False
    for line in lines:
        words = line.split()
        if not inside and words and words[0] == "%pre":
            inside = True
        elif inside and words and words[0] == "%end":
            inside = False
        elif inside:
            out.append(line)
    return "".join(out)


def _include_target(line):
    stripped = line.lstrip()
    if not stripped.startswith("%include"):
        return None
    try:
        words = shlex.split(stripped, comments=True)
    except ValueError:
        return None
    if len(words) >= 2 and words[0] == "%include" and words[1]:
        return words[1]
    return None


def _read_include(path, target, pre_text, depth, chain):
    """(reason it is left out or None, its text)."""
    if target in pre_text:
        return "pre", None
    try:
        if depth >= MAX_INCLUDE_DEPTH or os.path.realpath(path) in chain:
            return "loop", None
        if not os.path.isfile(path):
            return ("unreadable" if os.path.exists(path) else "missing"), None
        if os.path.getsize(path) > MAX_INCLUDE_BYTES:
            return "unreadable", None
        with open(path, encoding="utf-8") as handle:
            return None, handle.read()
    except (OSError, UnicodeDecodeError, ValueError):
        return "unreadable", None


def expand_includes(text, base_dir, pre_text=None, depth=0, at_line=None, out=None,
                    chain=()):
    """Inline ``%include``-d files that exist; drop and record the rest (see module doc)."""
    out = out if out is not None else _Expansion()
    lines = text.splitlines(True)
    if pre_text is None:
        pre_text = _pre_bodies(lines)
    for number, line in enumerate(lines, 1):
        here = at_line if at_line is not None else number
        target = _include_target(line)
        if target is None:
            out.lines.append(line if line.endswith("\n") else line + "\n")
            out.line_map.append(here)
            continue
        path = target if os.path.isabs(target) else os.path.join(base_dir, target)
        reason, included = _read_include(path, target, pre_text, depth, chain)
        if reason is not None:
            out.dynamic.append((here, target, reason))
            out.lines.append("#\n")     # keep the line count
            out.line_map.append(here)
            continue
        expand_includes(included, os.path.dirname(path), pre_text + _pre_bodies(
            included.splitlines(True)), depth + 1, here, out,
            chain + (os.path.realpath(path),))
    return out


# --- pykickstart ----------------------------------------------------------------------
class _ReusableHandler:
    """One pykickstart handler per syntax version, reset before every parse.

    ``makeVersion`` costs tens of milliseconds (it builds an option parser for every
    command), far too much for hundreds of kickstarts a second, and a deep copy of a
    template still costs several. Instead the commands' initial attributes are recorded
    once and put back before each parse (lists and dicts copied, option parsers shared:
    they keep no state between lines). Not thread-safe: :data:`_LOCK` serializes users.
    """

    def __init__(self, ks_version):
        from pykickstart.errors import KickstartError
        from pykickstart.version import makeVersion, stringToVersion
        try:
            self.handler = makeVersion(stringToVersion(ks_version))
        except (KickstartError, ValueError, TypeError, AttributeError) as exc:
            raise LintInputError(_("unknown kickstart version %(version)r (e.g. RHEL9, "
                                   "RHEL10, F40): %(error)s")
                                 % {"version": ks_version, "error": exc}) from None
        commands = {id(c): c for c in self.handler.commands.values()}
        self._commands = [(c, dict(vars(c)), [k for k, v in vars(c).items()
                                               if isinstance(v, (list, dict, set))])
                          for c in commands.values()]
        self._own = dict(vars(self.handler))

    def fresh(self):
        for command, state, mutable in self._commands:
            attrs = vars(command)
            attrs.clear()
            attrs.update(state)
            for key in mutable:
                attrs[key] = copy.copy(state[key])
        attrs = vars(self.handler)
        attrs.clear()
        attrs.update(self._own)
        for key in ("certificates", "scripts", "_null_section_strings"):
            attrs[key] = []
        attrs["packages"] = copy.deepcopy(self._own["packages"])
        return self.handler


_HANDLERS = {}
_LOCK = threading.RLock()


def _reusable(ks_version):
    handler = _HANDLERS.get(ks_version)
    if handler is None:
        handler = _HANDLERS[ks_version] = _ReusableHandler(ks_version)
    return handler


def parse_kickstart(text, base_dir=".", ks_version=DEFAULT_KS_VERSION, expansion=None):
    """Parse *text* -> ``(handler, data, addon_errors, expansion)``. Raises pykickstart's
    errors (and whatever else it raises on odd input) for the caller to report. The
    handler is reused: it is valid until the next parse with the same version."""
    from pykickstart.parser import KickstartParser

    from org_ovirt_node.kickstart import OvirtNodeData, OvirtNodeSection
    if expansion is None:
        expansion = expand_includes(text, base_dir)
    handler = _reusable(ks_version).fresh()
    parser = KickstartParser(handler, followIncludes=False)
    data = OvirtNodeData()
    addon_errors = []
    parser.registerSection(OvirtNodeSection(handler, data=data, line_map=expansion.line_map,
                                            errors=addon_errors))
    with warnings.catch_warnings():
        # Deprecation notes from pykickstart go nowhere: the linter judges the layout.
        warnings.simplefilter("ignore")
        parser.readKickstartFromString("".join(expansion.lines))
    return handler, data, addon_errors, expansion


# --- profiles -------------------------------------------------------------------------
_PROFILES = {}


def load_profile_cached(name_or_path):
    """``load_profile`` with a cache keyed on the file and its modification time."""
    from org_ovirt_node.profile import load_profile, resolve_profile_path
    path = resolve_profile_path(name_or_path)
    try:
        key = (path, os.stat(path).st_mtime_ns) if path else None
    except OSError:
        key = None
    if key is not None and key in _PROFILES:
        return _PROFILES[key]
    profile = load_profile(name_or_path)
    if key is not None:
        _PROFILES[key] = profile
    return profile


# --- the linter -----------------------------------------------------------------------
class _Findings:
    def __init__(self, profile=None):
        self.profile = profile
        self.items = []

    def add(self, slug, message, line=None, hint="", mountpoint=None, device=None,
            severity=None):
        info = catalog.CATALOG[slug]
        if severity is None:
            severity = self.profile.severity(slug) if self.profile is not None \
                else info.severity
        if severity == catalog.OFF:
            return
        self.items.append(Finding(code=info.code, severity=severity, mountpoint=mountpoint,
                                  message=message, hint=hint, rule=slug, device=device,
                                  line=line))


def lint_text(text, filename="<stdin>", profile=None, ks_version=DEFAULT_KS_VERSION,
              base_dir=None):
    """Lint kickstart *text* (``str``, or ``bytes`` in UTF-8) and return a
    :class:`~org_ovirt_node.findings.Report`.

    *profile*: a :class:`~org_ovirt_node.profile.Profile`, a built-in name or a path; it
    replaces the profile ``%addon`` names. Relative ``%include`` paths are resolved against
    *base_dir* (default: the folder of *filename*, or the current one). Raises only
    :class:`LintInputError` (bytes that are not UTF-8, an unknown *ks_version*) and, for a
    *profile* argument that cannot be loaded, ``ProfileError``.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LintInputError(_("%(file)s is not UTF-8 text: %(error)s")
                                 % {"file": filename, "error": exc}) from None
    if isinstance(profile, str):
        profile = load_profile_cached(profile)
    if base_dir is None:
        base_dir = os.path.dirname(filename) if os.path.isfile(filename) else os.getcwd()
    with _LOCK:
        _reusable(ks_version)  # an unknown version is a usage problem, raised here
        return _lint(text, filename, profile, ks_version, base_dir)


def _lint(text, filename, profile, ks_version, base_dir):
    findings = _Findings()
    expansion = expand_includes(text, base_dir)
    try:
        handler, data, addon_errors, expansion = parse_kickstart(text, base_dir, ks_version,
                                                                 expansion)
    except Exception as exc:  # noqa: BLE001 - pykickstart raises more than KickstartError
        findings.add("ks-syntax", _syntax_message(exc),
                     line=_line_of(expansion)(getattr(exc, "lineno", None)))
        return Report(tuple(findings.items), origin=filename)
    return _judge(handler, data, addon_errors, expansion, profile, filename, findings)


def _syntax_message(exc):
    message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
    if not getattr(exc, "message", None):
        message = _("cannot parse the kickstart: %(error)s") % {"error": message}
    return message


def lint_file(path, profile=None, ks_version=DEFAULT_KS_VERSION):
    """Lint the kickstart at *path* (``-`` reads standard input)."""
    if path == "-":
        data = sys.stdin.buffer.read()
        return lint_text(data, filename="<stdin>", profile=profile, ks_version=ks_version,
                         base_dir=os.getcwd())
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise LintInputError(_("cannot read %(file)s: %(error)s")
                             % {"file": path, "error": exc.strerror or exc}) from None
    return lint_text(data, filename=path, profile=profile, ks_version=ks_version,
                     base_dir=os.path.dirname(os.path.abspath(path)))


def exit_code(report, strict=False):
    """2 when the kickstart did not parse, else the report's own 0/1."""
    if any(f.code == SYNTAX_CODE for f in report.findings):
        return 2
    return report.exit_code(strict)


def _judge(handler, data, addon_errors, expansion, profile, filename, findings):
    resolved = None
    if addon_errors:
        for exc in addon_errors:
            findings.add("ks-addon", exc.message or str(exc), line=exc.lineno)
    else:
        resolved = _resolve(data, profile, findings)
    findings.profile = resolved

    for line, path, reason in expansion.dynamic:
        if reason == "pre":
            message = _("%%include %(path)s is written by a %%pre script: the partitioning "
                        "is generated at install time and cannot be judged here.")
        elif reason == "missing":
            message = _("%%include %(path)s does not exist here: what it adds (often the "
                        "partitioning) cannot be judged statically.")
        elif reason == "loop":
            message = _("%%include %(path)s is nested too deeply or includes itself; it was "
                        "not read.")
        else:
            message = _("%%include %(path)s cannot be read; what it adds cannot be judged.")
        findings.add("ks-dynamic", message % {"path": path}, line=line,
                     hint=_("The addon checks the real layout during the installation "
                            "(%%addon %(name)s --mode=enforce).") % {"name": "org_ovirt_node"})

    _partitioning(handler, expansion, resolved, filename, findings)
    order = {catalog.ERROR: 0, catalog.WARNING: 1, catalog.INFO: 2}
    items = sorted(findings.items, key=lambda f: (order.get(f.severity, 3),
                                                  f.line if f.line is not None else 0))
    return Report(tuple(items), origin=filename)


def _resolve(data, profile, findings):
    """The profile to judge against, or None (with an ONN106 finding) when there is none."""
    from org_ovirt_node.profile import ProfileError
    base = profile
    try:
        if base is None:
            try:
                base = load_profile_cached(data.profile)
            except ProfileError:
                # resolve_profile words the problem with the %addon line.
                return data.resolve_profile()
        return data.resolve_profile(base=base) if data.seen else base
    except Exception as exc:  # noqa: BLE001 - resolve_profile raises KickstartParseError
        findings.add("ks-addon", getattr(exc, "message", None) or str(exc),
                     line=getattr(exc, "lineno", None))
        return None


def _line_of(expansion):
    def line_of(lineno):
        if isinstance(lineno, int) and 0 < lineno <= len(expansion.line_map):
            return expansion.line_map[lineno - 1]
        return lineno
    return line_of


def _has_manual(handler):
    return bool(getattr(getattr(handler, "partition", None), "partitions", None)
                or getattr(getattr(handler, "volgroup", None), "vgList", None)
                or getattr(getattr(handler, "logvol", None), "lvList", None)
                or getattr(getattr(handler, "raid", None), "raidList", None)
                or getattr(getattr(handler, "reqpart", None), "reqpart", False)
                or getattr(getattr(handler, "btrfs", None), "btrfsList", None))


def _partitioning(handler, expansion, profile, filename, findings):
    line_of = _line_of(expansion)
    autopart = getattr(handler, "autopart", None)
    dynamic = bool(expansion.dynamic)
    if autopart is not None and getattr(autopart, "autopart", False):
        _autopart(autopart, line_of(autopart.lineno), profile, findings)
        return
    if not _has_manual(handler):
        if not dynamic:
            findings.add("ks-no-partitioning",
                         _("The kickstart has no partitioning commands: the installer's "
                           "default applies (interactive, or automatic partitioning with the "
                           "product's scheme)."),
                         hint=_("Write 'autopart --type=thinp' or a thin layout with "
                                "part/volgroup/logvol (see docs/kickstart.md)."))
        return
    if profile is None:
        return  # the %addon problem is reported; nothing to judge against
    from org_ovirt_node.adapters.kickstart import layout_from_handler
    from org_ovirt_node.checker import check
    layout, issues = layout_from_handler(handler, profile, origin=filename, line_of=line_of)
    for line, message in issues:
        findings.add("ks-inconsistent", message, line=line,
                     hint=_("Define every PV, volume group and thin pool a command refers to "
                            "before it is used, with the same name."))
    only = PARTIAL_RULES if dynamic else None
    report = check(layout, profile, only=only)
    for finding in report.findings:
        findings.items.append(_soften_growing(finding, layout))
    if not dynamic:
        _vg_reserve(handler, layout, profile, line_of, findings)


def _soften_growing(finding, layout):
    """A ``--grow`` device below its minimum gets there only if the disks have room: that is
    a warning (the size written is what is guaranteed), not an error."""
    if finding.rule not in _GROW_RULES or finding.severity != catalog.ERROR or \
            finding.device is None:
        return finding
    dev = layout.get(finding.device)
    if dev is None or not dev.grow:
        return finding
    return dataclasses.replace(
        finding, severity=catalog.WARNING,
        message=finding.message + " " + _("It grows, so it may end up large enough, but "
                                          "only the size written is guaranteed."))


def _autopart(autopart, line, profile, findings):
    from pykickstart.constants import AUTOPART_TYPE_LVM_THINP
    kind = getattr(autopart, "type", None)
    if kind == AUTOPART_TYPE_LVM_THINP:
        findings.add("ks-autopart",
                     _("Automatic thin partitioning: the installer decides the sizes, so the "
                       "layout is checked at install time."), line=line)
    elif kind is None:
        findings.add("ks-autopart-type",
                     _("autopart without --type uses the installer's default scheme "
                       "(LVM Thin Provisioning on oVirt Node media, plain LVM elsewhere)."),
                     line=line, severity=catalog.WARNING,
                     hint=_("Write 'autopart --type=thinp'."))
    else:
        names = {}
        for name, value in getattr(autopart, "typeMap", {}).items():
            names.setdefault(value, name)   # "plain" before its alias "partition"
        findings.add("ks-autopart-type",
                     _("autopart --type=%(type)s does not put / on a thin LV in a thin pool, "
                       "which imgbased requires.") % {"type": names.get(kind, kind)},
                     line=line, hint=_("Write 'autopart --type=thinp'."))
    if profile is None:
        return
    for flag, point in (("noboot", "/boot"), ("nohome", "/home")):
        rule = profile.mounts.get(point)
        if getattr(autopart, flag, False) and rule is not None:
            slug = "required-mount" if rule.required else "optional-mount"
            findings.add(slug, _("autopart --%(flag)s leaves out %(point)s, which profile "
                                 "%(profile)s wants as a separate mount.")
                         % {"flag": flag, "point": point, "profile": profile.name},
                         line=line, mountpoint=point,
                         hint=_("Remove --%(flag)s.") % {"flag": flag})
    if getattr(autopart, "noswap", False) and profile.swap_policy != "none":
        findings.add("swap", _("autopart --noswap leaves out swap, which profile %(profile)s "
                               "wants (%(policy)s).") % {"profile": profile.name,
                                                         "policy": profile.swap_policy},
                     line=line, hint=_("Remove --noswap."))
    fstype = getattr(autopart, "fstype", "")
    if fstype and fstype not in profile.root.filesystems:
        findings.add("filesystem", _("autopart --fstype=%(fs)s; allowed for /: %(allowed)s.")
                     % {"fs": fstype, "allowed": ", ".join(profile.root.filesystems)},
                     line=line, mountpoint="/",
                     hint=_("Write --fstype=%(fs)s.") % {"fs": profile.root.filesystems[0]})


def _vg_reserve(handler, layout, profile, line_of, findings):
    """The reserve of the VG that holds /: disk sizes are unknown here, so what counts is
    what ``volgroup`` asks for. ``--reserved-percent`` must reach the profile's percentage;
    ``--reserved-space`` (absolute, so not comparable with a percentage of an unknown VG)
    its minimum."""
    root = layout.mounted("/")
    vg_dev = layout.vg_of(root) if root is not None else None
    if vg_dev is None or (not profile.reserve_percent and not profile.reserve_min):
        return
    vg = next((v for v in handler.volgroup.vgList if v.vgname == vg_dev.name), None)
    if vg is None or vg.preexist:
        return
    pct = getattr(vg, "reserved_percent", None) or 0
    space = (getattr(vg, "reserved_space", None) or 0) * MiB
    want_pct, want_min = profile.reserve_percent, profile.reserve_min
    hint = _("Write 'volgroup %(vg)s ... --reserved-percent=%(pct)s' so the thin pool can "
             "grow.") % {"vg": vg.vgname, "pct": "%g" % want_pct}
    line = line_of(vg.lineno)
    if not pct and not space:
        findings.add("vg-reserve",
                     _("Volume group %(vg)s keeps no reserve; profile %(profile)s wants "
                       "%(pct)s %% of it free (at least %(min)s) for the thin pool to grow.")
                     % {"vg": vg.vgname, "profile": profile.name, "pct": "%g" % want_pct,
                        "min": fs(want_min)}, line=line, device=vg.vgname, hint=hint)
    elif pct and pct < want_pct:
        findings.add("vg-reserve",
                     _("Volume group %(vg)s reserves %(have)s %%, below the %(pct)s %% of "
                       "profile %(profile)s.")
                     % {"vg": vg.vgname, "have": "%g" % pct, "pct": "%g" % want_pct,
                        "profile": profile.name}, line=line, device=vg.vgname, hint=hint)
    elif space and space < want_min:
        findings.add("vg-reserve",
                     _("Volume group %(vg)s reserves %(have)s, below the minimum of %(min)s "
                       "of profile %(profile)s.")
                     % {"vg": vg.vgname, "have": fs(space), "min": fs(want_min),
                        "profile": profile.name}, line=line, device=vg.vgname, hint=hint)
