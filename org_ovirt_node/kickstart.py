"""The ``%addon org_ovirt_node`` kickstart section.

:class:`OvirtNodeData` is the data class Anaconda instantiates for the section (it only needs
``handle_header``, ``handle_line``, ``handle_end`` and ``__str__``, so nothing here imports
``pyanaconda``) and the one the kickstart linter uses. :class:`OvirtNodeSection` registers it
with a plain pykickstart parser, counting every line of the file so line numbers are exact.

Syntax (see docs/kickstart.md)::

    %addon org_ovirt_node [--profile=NAME|PATH] [--mode=enforce|warn|off]
    mount    /var min=8GiB default=10GiB          # change a mount of the profile
    require  /var/lib/libvirt min=20GiB kind=thin  # add (or make required) a mount
    optional /home                                 # a mount may be left out
    forbid   /opt                                  # a mount that must not be separate
    rule     mount-options error                   # a rule's severity (slug or code)
    %end

Every problem is a ``pykickstart.errors.KickstartParseError`` with the line it is about;
inside Anaconda any other exception would break kickstart processing, so none escapes.
"""
import shlex
from dataclasses import dataclass, field
from typing import Optional, Tuple

from pykickstart.errors import KickstartParseError
from pykickstart.sections import Section

from org_ovirt_node import rules as rule_catalog
from org_ovirt_node.i18n import _

ADDON_NAME = "org_ovirt_node"
DEFAULT_PROFILE = "ovirt-node"     # same as org_ovirt_node.profile.DEFAULT_PROFILE
MODES = ("enforce", "warn", "off")
DEFAULT_MODE = "enforce"

# Body verbs: those that describe a mount point and the keys they take.
MOUNT_VERBS = ("mount", "require", "optional")
VERBS = MOUNT_VERBS + ("forbid", "rule")
# key in an override line -> key in the profile schema's mount entry.
MOUNT_KEYS = {"min": "min", "default": "default", "kind": "kind", "grow": "grow",
              "fs": "filesystems", "options": "options"}
_BOOLEANS = {"yes": True, "true": True, "on": True, "no": False, "false": False, "off": False}


@dataclass(frozen=True)
class Override:
    """One parsed body line. ``settings`` keeps (key, value-text) pairs in line order, so
    ``str()`` writes back what was read; ``lineno`` is not part of equality (it changes when
    the section is written back without blank and comment lines)."""

    verb: str
    target: str
    settings: Tuple[Tuple[str, str], ...] = ()
    lineno: Optional[int] = field(default=None, compare=False)

    def __str__(self):
        if self.verb == "rule":
            return "rule %s %s" % (self.target, self.settings[0][1])
        words = [self.verb, _quote(self.target)]
        words.extend("%s=%s" % (k, _quote(v)) for k, v in self.settings)
        return " ".join(words)

    def to_profile_dict(self, base):
        """This override in the profile schema, relative to the profile *base*."""
        if self.verb == "rule":
            return {"rules": {self.target: self.settings[0][1]}}
        if self.verb == "forbid":
            return {"forbidden_mounts": list(base.forbidden_mounts) + [self.target]}
        entry = {}
        for key, value in self.settings:
            entry[MOUNT_KEYS[key]] = _schema_value(key, value)
        if self.verb == "require":
            entry["presence"] = "required"
        elif self.verb == "optional":
            entry["presence"] = "optional"
        current = base.mounts.get(self.target)
        if "min" in entry and "default" not in entry and current is not None:
            # A raised minimum lifts the default with it, so "min=20GiB" alone is enough.
            from org_ovirt_node.units import parse_size
            if current.default_size is not None and \
                    parse_size(entry["min"]) > current.default_size:
                entry["default"] = entry["min"]
        return {"mounts": {self.target: entry}}


def _quote(text):
    return shlex.quote(text) if text else "''"


def _schema_value(key, value):
    if key == "grow":
        return _BOOLEANS[value.lower()]
    if key in ("fs", "options"):
        return [v for v in value.split(",") if v]
    return value


def _error(message, lineno):
    return KickstartParseError(message, lineno=lineno)


_HEADER_PARSER = None


def header_parser():
    """The ``KSOptionParser`` for the header (built once: construction is not free)."""
    global _HEADER_PARSER
    if _HEADER_PARSER is None:
        from pykickstart.options import KSOptionParser
        from pykickstart.version import RHEL9
        parser = KSOptionParser(
            prog="%%addon %s" % ADDON_NAME, version=RHEL9,
            description=_("Keep the installation on the storage layout oVirt Node needs."))
        parser.add_argument("--profile", default=DEFAULT_PROFILE, version=RHEL9,
                            metavar="NAME|PATH",
                            help=_("built-in profile name or path of a profile YAML file "
                                   "(default: ovirt-node)"))
        parser.add_argument("--mode", default=DEFAULT_MODE, choices=MODES, version=RHEL9,
                            help=_("enforce: errors stop the installation; warn: findings "
                                   "are reported, never blocking; off: nothing is checked"))
        _HEADER_PARSER = parser
    return _HEADER_PARSER


class OvirtNodeData:
    """Data of the ``%addon org_ovirt_node`` section (Anaconda's AddonData protocol)."""

    def __init__(self, name=ADDON_NAME):
        self.name = name
        self.profile = DEFAULT_PROFILE
        self.mode = DEFAULT_MODE
        self.overrides = []
        self.seen = False
        self.header_lineno = None
        self._last_lineno = 0

    # --- Anaconda's protocol ------------------------------------------------------------
    def handle_header(self, args, line_number=None):
        """*args* are the words after ``%addon org_ovirt_node``."""
        try:
            self._handle_header(list(args), line_number)
        except KickstartParseError:
            raise
        except Exception as exc:  # noqa: BLE001 - nothing but kickstart errors may escape
            raise _error(_("%%addon %(name)s: cannot read the header: %(error)s")
                         % {"name": ADDON_NAME, "error": exc}, line_number) from None

    def _handle_header(self, args, line_number):
        if self.seen:
            raise _error(_("%%addon %(name)s is given more than once (first on line "
                           "%(line)s); merge the sections.")
                         % {"name": ADDON_NAME, "line": self.header_lineno}, line_number)
        self.seen = True
        self.header_lineno = line_number
        self._last_lineno = line_number or 0
        parser = header_parser()
        try:
            ns, extra = parser.parse_known_args(args=args, lineno=line_number)
        except KickstartParseError as exc:
            raise _error("%%addon %s: %s" % (ADDON_NAME, exc.message), line_number) from None
        if extra:
            raise _error(_("%%addon %(name)s: unexpected argument %(arg)r (expected "
                           "--profile=NAME|PATH and --mode=enforce|warn|off)")
                         % {"name": ADDON_NAME, "arg": extra[0]}, line_number)
        if not ns.profile or not ns.profile.strip():
            raise _error(_("%%addon %(name)s: --profile needs a built-in profile name or a "
                           "path") % {"name": ADDON_NAME}, line_number)
        self.profile = ns.profile
        self.mode = ns.mode

    def handle_line(self, line, line_number=None):
        """One body line: an override, a blank line or a ``#`` comment."""
        if line_number is None:
            line_number = self._last_lineno + 1
        self._last_lineno = line_number
        try:
            override = parse_override(line, line_number)
        except KickstartParseError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _error(_("%%addon %(name)s: cannot read this line: %(error)s")
                         % {"name": ADDON_NAME, "error": exc}, line_number) from None
        if override is not None:
            self.overrides.append(override)

    def handle_end(self):
        """Nothing to finish: each line is checked as it is read, and the profile is
        resolved by :meth:`resolve_profile` (the profile file may not exist where the
        kickstart is merely parsed)."""

    def __str__(self):
        if not self.seen and not self.overrides and self.profile == DEFAULT_PROFILE \
                and self.mode == DEFAULT_MODE:
            return ""
        lines = ["%%addon %s --profile=%s --mode=%s"
                 % (ADDON_NAME, _quote(self.profile), self.mode)]
        lines.extend(str(o) for o in self.overrides)
        lines.append("%end")
        return "\n".join(lines) + "\n"

    def __eq__(self, other):
        if not isinstance(other, OvirtNodeData):
            return NotImplemented
        return (self.profile, self.mode, self.overrides) == \
            (other.profile, other.mode, other.overrides)

    __hash__ = None

    def __repr__(self):
        return "OvirtNodeData(profile=%r, mode=%r, overrides=%r)" % (
            self.profile, self.mode, [str(o) for o in self.overrides])

    # --- the effective profile ----------------------------------------------------------
    def resolve_profile(self, base=None):
        """The profile named by ``--profile`` (or *base*, an already loaded profile that
        replaces it) with every override applied, in order. Raises ``KickstartParseError``
        at the line of the header (profile problems) or of the override that fails."""
        try:
            return self._resolve(base)
        except KickstartParseError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _error(_("%%addon %(name)s: cannot use profile %(profile)r: %(error)s")
                         % {"name": ADDON_NAME, "profile": self.profile, "error": exc},
                         self.header_lineno) from None

    def _resolve(self, base):
        from org_ovirt_node.profile import ProfileError, load_profile
        profile = base
        if profile is None:
            try:
                profile = load_profile(self.profile)
            except ProfileError as exc:
                raise _error(_("%%addon %(name)s --profile=%(profile)s: %(problems)s")
                             % {"name": ADDON_NAME, "profile": self.profile,
                                "problems": _problems(exc)}, self.header_lineno) from None
        for override in self.overrides:
            if override.verb == "mount" and override.target not in profile.mounts:
                raise _error(_("%(target)s is not a mount point of profile %(profile)s "
                               "(it has: %(mounts)s); use 'require' or 'optional' to add it.")
                             % {"target": override.target, "profile": profile.name,
                                "mounts": ", ".join(profile.mounts)}, override.lineno)
            origin = "%%addon %s line %s" % (ADDON_NAME, override.lineno)
            try:
                profile = profile.derive(override.to_profile_dict(profile), origin)
            except ProfileError as exc:
                raise _error(_("'%(line)s' does not fit profile %(profile)s: %(problems)s")
                             % {"line": str(override), "profile": profile.name,
                                "problems": _problems(exc)}, override.lineno) from None
        return profile


def _problems(exc):
    return "; ".join(("%s: %s" % (p.key, p.message)) if p.key else p.message
                     for p in exc.problems)


# --- body lines -----------------------------------------------------------------------
def parse_override(line, lineno=None):
    """Parse one body line into an :class:`Override`; ``None`` for blank and comment lines.
    Raises ``KickstartParseError`` naming the word and what was expected."""
    if not isinstance(line, str):
        raise _error(_("expected a line of text, got %(type)s")
                     % {"type": type(line).__name__}, lineno)
    try:
        words = shlex.split(line, comments=True)
    except ValueError as exc:
        raise _error(_("cannot split this line into words: %(error)s (check the quotes)")
                     % {"error": exc}, lineno) from None
    if not words:
        return None
    verb = words[0]
    if verb not in VERBS:
        raise _error(_("unknown override %(verb)r (expected one of: %(verbs)s)")
                     % {"verb": verb, "verbs": ", ".join(VERBS)}, lineno)
    if verb == "rule":
        return _parse_rule(words, lineno)
    if len(words) < 2:
        raise _error(_("'%(verb)s' needs a mount point, e.g. '%(verb)s /var'")
                     % {"verb": verb}, lineno)
    from org_ovirt_node.profile import normalize_mountpoint
    target = normalize_mountpoint(words[1])
    if target is None:
        raise _error(_("'%(verb)s': %(word)r is not a mount point (expected an absolute path "
                       "such as /var/lib/libvirt)") % {"verb": verb, "word": words[1]}, lineno)
    if verb == "forbid":
        if len(words) > 2:
            raise _error(_("'forbid' takes only a mount point, got %(extra)r")
                         % {"extra": words[2]}, lineno)
        return Override(verb, target, (), lineno)
    settings = []
    seen = set()
    for word in words[2:]:
        key, sep, value = word.partition("=")
        if not sep or key not in MOUNT_KEYS:
            raise _error(_("'%(verb)s %(target)s': %(word)r is not KEY=VALUE with KEY one of "
                           "%(keys)s") % {"verb": verb, "target": target, "word": word,
                                          "keys": ", ".join(MOUNT_KEYS)}, lineno)
        if key in seen:
            raise _error(_("'%(verb)s %(target)s': %(key)s is given twice")
                         % {"verb": verb, "target": target, "key": key}, lineno)
        seen.add(key)
        _check_value(key, value, lineno)
        settings.append((key, value))
    if verb == "mount" and not settings:
        raise _error(_("'mount %(target)s' changes nothing: give at least one of %(keys)s")
                     % {"target": target, "keys": ", ".join(MOUNT_KEYS)}, lineno)
    return Override(verb, target, tuple(settings), lineno)


def _parse_rule(words, lineno):
    if len(words) != 3:
        raise _error(_("'rule' needs a rule and a severity, e.g. 'rule mount-options error'"),
                     lineno)
    info = rule_catalog.lookup(words[1])
    if info is None:
        raise _error(_("unknown rule %(rule)r (expected a slug such as mount-options or a "
                       "code such as ONN011)") % {"rule": words[1]}, lineno)
    severity = words[2].lower()
    if severity not in rule_catalog.SEVERITIES:
        raise _error(_("rule %(rule)s: unknown severity %(sev)r (expected one of: "
                       "%(choices)s)") % {"rule": words[1], "sev": words[2],
                                          "choices": ", ".join(rule_catalog.SEVERITIES)},
                     lineno)
    return Override("rule", info.slug, (("severity", severity),), lineno)


def _check_value(key, value, lineno):
    from org_ovirt_node.profile import FILESYSTEMS, MOUNT_KINDS
    from org_ovirt_node.units import SizeError, parse_size
    if key in ("min", "default"):
        try:
            parse_size(value)
        except SizeError as exc:
            raise _error(_("%(key)s=%(value)s: %(error)s (e.g. %(key)s=10GiB)")
                         % {"key": key, "value": value, "error": exc}, lineno) from None
    elif key == "kind" and value not in MOUNT_KINDS:
        raise _error(_("kind=%(value)s: expected one of %(choices)s")
                     % {"value": value, "choices": ", ".join(MOUNT_KINDS)}, lineno)
    elif key == "grow" and value.lower() not in _BOOLEANS:
        raise _error(_("grow=%(value)s: expected yes or no") % {"value": value}, lineno)
    elif key == "fs":
        names = [v for v in value.split(",") if v]
        bad = [v for v in names if v not in FILESYSTEMS]
        if bad or not names:
            raise _error(_("fs=%(value)s: expected a comma-separated list of %(choices)s")
                         % {"value": value, "choices": ", ".join(FILESYSTEMS)}, lineno)


# --- a pykickstart section for parsers outside Anaconda --------------------------------
class OvirtNodeSection(Section):
    """``%addon`` section for a pykickstart parser: routes ``%addon org_ovirt_node`` to an
    :class:`OvirtNodeData` and ignores other addons. ``allLines`` makes the parser pass
    blank and comment lines too, so the line counter matches the file. *line_map*
    (optional) turns the parser's line numbers into original ones (after %include
    expansion); *errors*, when a list, collects problems instead of raising them so a
    linter can go on and report them all."""

    sectionOpen = "%addon"  # noqa: N815 - pykickstart names
    allLines = True  # noqa: N815

    def __init__(self, handler, data=None, line_map=None, errors=None, **kwargs):
        super().__init__(handler, **kwargs)
        self.data = data if data is not None else OvirtNodeData()
        self.line_map = line_map
        self.errors = errors
        self._active = False
        self._lineno = 0
        self.other_addons = []

    def _orig(self, lineno):
        if self.line_map is not None and lineno is not None \
                and 0 < lineno <= len(self.line_map):
            return self.line_map[lineno - 1]
        return lineno

    def _call(self, func, *args):
        try:
            func(*args)
        except KickstartParseError as exc:
            if self.errors is None:
                raise
            self.errors.append(exc)

    def handleHeader(self, lineno, args):  # noqa: N802 - pykickstart's API
        super().handleHeader(lineno, args)
        self._lineno = lineno
        self._active = len(args) > 1 and args[1] == ADDON_NAME
        if not self._active:
            self.other_addons.append((args[1] if len(args) > 1 else "", lineno))
            return
        self._call(self.data.handle_header, args[2:], self._orig(lineno))

    def handleLine(self, line):  # noqa: N802
        self._lineno += 1
        if self._active:
            self._call(self.data.handle_line, line, self._orig(self._lineno))

    def finalize(self):
        if self._active:
            self._call(self.data.handle_end)
        self._active = False
