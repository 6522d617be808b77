# SPDX-License-Identifier: GPL-2.0-or-later
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
inside Anaconda any other exception would break kickstart processing, so none escapes
(every entry point turns an unexpected exception into one). Input is bounded: a body line
or ``--profile`` value longer than :data:`~org_ovirt_node.sanitize.MAX_SCALAR` is refused
before it is split into words, sizes above the profile's maximum
(:data:`org_ovirt_node.profile.MAX_SIZE`, 8 EiB: more would overflow the installer's 64-bit
size arithmetic and the D-Bus ``UInt64`` of the plan) are refused, and messages quote
only short sanitised excerpts of what they reject (a kickstart may ``%include`` any file
of the machine: its lines must not be printed back).
"""
import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Optional, Tuple

from pykickstart.errors import KickstartParseError
from pykickstart.sections import Section

from org_ovirt_node import rules as rule_catalog
from org_ovirt_node.i18n import _
from org_ovirt_node.requirements import require_yaml
from org_ovirt_node.sanitize import EXCERPT_LIMIT, MAX_SCALAR, excerpt, is_clean_text
from org_ovirt_node.suggest import with_suggestion

ADDON_NAME = "org_ovirt_node"
DEFAULT_PROFILE = rule_catalog.DEFAULT_PROFILE
MODES = rule_catalog.MODES
DEFAULT_MODE = rule_catalog.DEFAULT_MODE

# Body verbs: those that describe a mount point and the keys they take.
MOUNT_VERBS = ("mount", "require", "optional")
VERBS = MOUNT_VERBS + ("forbid", "rule")
# key in an override line -> key in the profile schema's mount entry.
MOUNT_KEYS = {"min": "min", "default": "default", "kind": "kind", "grow": "grow",
              "fs": "filesystems", "options": "options"}
_BOOLEANS = {"yes": True, "true": True, "on": True, "no": False, "false": False, "off": False}

MAX_LISTED_ERRORS = 5
"""Problems listed per ``%addon`` section when collecting them (the linter); the rest are
summarised in one line, so an ``%include``-d file is never printed line by line."""
_MAX_PROBLEMS = 3       # profile problems quoted in one message


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


# A --profile path that names an existing file is shown whole up to this length (it names
# the file; the file's content is never quoted beyond an excerpt). Anything else, which may
# be a line of an %include-d file that is no kickstart, only as an excerpt.
PATH_LIMIT = 512


def _show_profile(name):
    """The --profile value for a message: whole when it names an existing file."""
    try:
        exists = os.path.isfile(name)
    except (TypeError, ValueError):
        exists = False
    return _show(name, PATH_LIMIT if exists else EXCERPT_LIMIT)


def _show(text, limit=EXCERPT_LIMIT):
    """*text* as it is when short and printable, else a sanitised excerpt."""
    if is_clean_text(text) and len(text) <= limit:
        return text
    return excerpt(text, limit)


def _unexpected(exc):
    """An unexpected exception, named and quoted briefly (its text may contain input)."""
    return "%s: %s" % (type(exc).__name__, excerpt(str(exc)))


_WORD_RE = re.compile(r"\S+")
_QUOTE_CHARS = "'\"[](){},:;."
# A word a message is written with (letters, or a number), possibly quoted or punctuated.
_OWN_WORD_RE = re.compile(r"[(\"'\[]?(?:[A-Za-z%-]{1,24}|[0-9]{1,9})[)\"'\]]?[:.,;]?")


def _escaped(word, limit):
    """*word* with control characters escaped, cut to *limit* characters (no quotes)."""
    return excerpt(word, limit)[1:-1].replace("\\'", "'")


def limit_quoted(message, source="", budget=EXCERPT_LIMIT):
    """*message* (written by pykickstart, shlex, a library) with the input it quotes cut
    down to about *budget* characters in all, control characters escaped.

    A word counts as quoted input when it occurs in *source* (the rejected line or value,
    with or without its quotes and backslashes) or does not look like a word of prose; once
    the budget is spent, further input words become one ``…``."""
    message = str(message)[:MAX_SCALAR * 4]
    source = source or ""
    plain = source.replace("\\", "").replace("'", "").replace('"', "")
    left, out = budget, []
    for word in _WORD_RE.findall(message):
        core = word.strip(_QUOTE_CHARS).replace("\\", "")
        quoted = len(core) > 2 and (core in source or core in plain)
        if not quoted and _OWN_WORD_RE.fullmatch(word):
            out.append(word)
        elif left > 0:
            out.append(_escaped(word, left))
            left -= len(word)
        elif not out[-1:] or not out[-1].endswith("\u2026"):
            out.append("\u2026")
    return " ".join(out)


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
                         % {"name": ADDON_NAME, "error": _unexpected(exc)},
                         line_number) from None

    def _handle_header(self, args, line_number):
        # Profiles are YAML: without PyYAML in the image, stop here, naming the package.
        require_yaml(KickstartParseError, lineno=line_number)
        if self.seen:
            raise _error(_("%%addon %(name)s is given more than once (first on line "
                           "%(line)s); merge the sections.")
                         % {"name": ADDON_NAME, "line": self.header_lineno}, line_number)
        self.seen = True
        self.header_lineno = line_number
        self._last_lineno = line_number or 0
        if not all(isinstance(a, str) for a in args):
            raise _error(_("%%addon %(name)s: cannot read the header (expected words of "
                           "text)") % {"name": ADDON_NAME}, line_number)
        if sum(len(a) + 1 for a in args) > MAX_SCALAR:
            raise _error(_("%%addon %(name)s: the header is longer than %(max)d characters "
                           "(expected --profile=NAME|PATH and --mode=enforce|warn|off)")
                         % {"name": ADDON_NAME, "max": MAX_SCALAR}, line_number)
        parser = header_parser()
        try:
            ns, extra = parser.parse_known_args(args=args, lineno=line_number)
        except KickstartParseError as exc:
            raise _error("%%addon %s: %s" % (ADDON_NAME, limit_quoted(exc.message,
                                                                      " ".join(args))),
                         line_number) from None
        if extra:
            raise _error(_("%%addon %(name)s: unexpected argument %(arg)s (expected "
                           "--profile=NAME|PATH and --mode=enforce|warn|off)")
                         % {"name": ADDON_NAME, "arg": excerpt(extra[0])}, line_number)
        if not ns.profile or not ns.profile.strip():
            raise _error(_("%%addon %(name)s: --profile needs a built-in profile name or a "
                           "path") % {"name": ADDON_NAME}, line_number)
        if not is_clean_text(ns.profile):
            raise _error(_("%%addon %(name)s: --profile=%(profile)s contains control "
                           "characters (expected a built-in profile name or a path)")
                         % {"name": ADDON_NAME, "profile": excerpt(ns.profile)}, line_number)
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
        except Exception as exc:  # noqa: BLE001 - nothing but kickstart errors may escape
            raise _error(_("%%addon %(name)s: cannot read this line: %(error)s")
                         % {"name": ADDON_NAME, "error": _unexpected(exc)},
                         line_number) from None
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
        except Exception as exc:  # noqa: BLE001 - nothing but kickstart errors may escape
            raise _error(_("%%addon %(name)s: cannot use profile %(profile)s: %(error)s")
                         % {"name": ADDON_NAME, "profile": _show_profile(self.profile),
                            "error": _unexpected(exc)}, self.header_lineno) from None

    def _resolve(self, base):
        from org_ovirt_node.profile import ProfileError, load_profile
        profile = base
        if profile is None:
            try:
                profile = load_profile(self.profile)
            except ProfileError as exc:
                raise _error(_("%%addon %(name)s --profile=%(profile)s: %(problems)s")
                             % {"name": ADDON_NAME, "profile": _show_profile(self.profile),
                                "problems": _problems(exc)}, self.header_lineno) from None
        for override in self.overrides:
            if override.verb == "mount" and override.target not in profile.mounts:
                raise _error(_("%(target)s is not a mount point of profile %(profile)s "
                               "(it has: %(mounts)s); use 'require' or 'optional' to add it.")
                             % {"target": _show(override.target), "profile": profile.name,
                                "mounts": ", ".join(profile.mounts)}, override.lineno)
            origin = "%%addon %s line %s" % (ADDON_NAME, override.lineno)
            try:
                profile = profile.derive(override.to_profile_dict(profile), origin)
            except ProfileError as exc:
                raise _error(_("%(line)s does not fit profile %(profile)s: %(problems)s")
                             % {"line": excerpt(str(override), EXCERPT_LIMIT * 2),
                                "profile": profile.name,
                                "problems": _problems(exc)}, override.lineno) from None
        return profile

    def autopart_refusal(self, profile, autopart):
        """Why ``autopart`` (*autopart*: pykickstart's command object, with ``autopart``,
        ``type`` and ``fstype``; ``None``: not read) cannot build *profile* (this section's
        resolved profile) with the shipped drop-in
        (:func:`~org_ovirt_node.design.autopart_shortfalls`): a ``KickstartParseError`` on
        the line of the first override it concerns (else on the header) saying what autopart
        creates and how to fix it; ``None`` when it can, or when autopart is not used."""
        from pykickstart.constants import AUTOPART_TYPE_LVM_THINP

        from org_ovirt_node.design import autopart_shortfalls
        if autopart is None or not getattr(autopart, "autopart", False):
            return None
        problems = []
        kind = getattr(autopart, "type", None)
        if kind is not None and kind != AUTOPART_TYPE_LVM_THINP and any(
                r.required and r.kind == "thin" for r in profile.mounts.values()):
            problems.append((None, _("autopart --type=%(type)s creates no thin pool, the "
                                     "profile wants thin LVs")
                             % {"type": _AUTOPART_TYPES.get(kind, kind)}))
        fstype = getattr(autopart, "fstype", None) or None
        problems.extend((s.mountpoint, s.message)
                        for s in autopart_shortfalls(profile, fstype=fstype))
        if not problems:
            return None
        points = {point for point, _text in problems if point}
        line = next((o.lineno for o in self.overrides if o.target in points and o.lineno),
                    self.header_lineno)
        # No line numbers in the text: Anaconda hands each module only its part of the file
        # and maps the error's own line number back to the original, not numbers in a text.
        return _error(_("%%addon %(name)s: automatic partitioning (autopart) cannot build "
                        "the layout this section asks for: %(problems)s. Fix: drop what "
                        "autopart cannot honour (the overrides or autopart options named), or "
                        "replace autopart with the partitioning 'ovirt-node-layout plan "
                        "--format kickstart' renders for this profile.")
                      % {"name": ADDON_NAME,
                         "problems": "; ".join(text for _point, text in problems)}, line)


_AUTOPART_TYPES = {0: "plain", 1: "btrfs", 2: "lvm", 3: "thinp"}
"""pykickstart's AUTOPART_TYPE_* values by their ``autopart --type`` names."""


def _problems(exc):
    """The first few problems of a ``ProfileError`` (the loader quotes only excerpts; a
    file that is no profile at all, such as ``--profile=/etc/shadow``, has one problem
    per line, so they are counted, not listed)."""
    problems = list(exc.problems)
    shown = ["%s: %s" % (_show(p.key), _show(p.message, 240)) if p.key
             else _show(p.message, 240) for p in problems[:_MAX_PROBLEMS]]
    if len(problems) > _MAX_PROBLEMS:
        shown.append(_("and %(count)d more problems") % {"count": len(problems) - _MAX_PROBLEMS})
    return "; ".join(shown)


# --- body lines -----------------------------------------------------------------------
def parse_override(line, lineno=None):
    """Parse one body line into an :class:`Override`; ``None`` for blank and comment lines.
    Raises ``KickstartParseError`` naming the word and what was expected."""
    if not isinstance(line, str):
        raise _error(_("expected a line of text, got %(type)s")
                     % {"type": type(line).__name__}, lineno)
    if len(line) > MAX_SCALAR:
        # Refused before shlex, whose work grows faster than the line.
        raise _error(_("this line has %(length)d characters; an override line has at most "
                       "%(max)d") % {"length": len(line), "max": MAX_SCALAR}, lineno)
    try:
        words = shlex.split(line, comments=True)
    except ValueError as exc:
        raise _error(_("cannot split this line into words: %(error)s (check the quotes)")
                     % {"error": limit_quoted(exc, line)}, lineno) from None
    if not words:
        return None
    verb = words[0]
    if verb not in VERBS:
        raise _error(with_suggestion(
            _("unknown override %(verb)s (expected one of: %(verbs)s)")
            % {"verb": excerpt(verb), "verbs": ", ".join(VERBS)}, verb, VERBS), lineno)
    if verb == "rule":
        return _parse_rule(words, lineno)
    if len(words) < 2:
        raise _error(_("'%(verb)s' needs a mount point, e.g. '%(verb)s /var'")
                     % {"verb": verb}, lineno)
    target = _mountpoint(verb, words[1], lineno)
    if verb == "forbid":
        if len(words) > 2:
            raise _error(_("'forbid' takes only a mount point, got %(extra)s")
                         % {"extra": excerpt(words[2])}, lineno)
        return Override(verb, target, (), lineno)
    settings = []
    seen = set()
    shown = _show(target)
    for word in words[2:]:
        key, sep, value = word.partition("=")
        if not sep or key not in MOUNT_KEYS:
            raise _error(with_suggestion(
                _("'%(verb)s %(target)s': %(word)s is not KEY=VALUE with KEY one of %(keys)s")
                % {"verb": verb, "target": shown, "word": excerpt(word),
                   "keys": ", ".join(MOUNT_KEYS)}, key, MOUNT_KEYS), lineno)
        if key in seen:
            raise _error(_("'%(verb)s %(target)s': %(key)s is given twice")
                         % {"verb": verb, "target": shown, "key": key}, lineno)
        seen.add(key)
        _check_value(key, value, lineno)
        settings.append((key, value))
    if verb == "mount" and not settings:
        raise _error(_("'mount %(target)s' changes nothing: give at least one of %(keys)s")
                     % {"target": shown, "keys": ", ".join(MOUNT_KEYS)}, lineno)
    return Override(verb, target, tuple(settings), lineno)


def _mountpoint(verb, word, lineno):
    """The normalised mount point *word* of a *verb* line; one that could not be written
    into a kickstart or fstab (whitespace, quotes, control characters) is refused."""
    from org_ovirt_node.names import InvalidNameError, check_mountpoint
    from org_ovirt_node.profile import normalize_mountpoint
    target = normalize_mountpoint(word)
    if target is None:
        raise _error(_("'%(verb)s': %(word)s is not a mount point (expected an absolute path "
                       "such as /var/lib/libvirt)") % {"verb": verb, "word": excerpt(word)},
                     lineno)
    try:
        return check_mountpoint(target)
    except InvalidNameError as exc:
        raise _error("'%s': %s" % (verb, exc), lineno) from None


def _parse_rule(words, lineno):
    if len(words) != 3:
        raise _error(_("'rule' needs a rule and a severity, e.g. 'rule mount-options error'"),
                     lineno)
    info = rule_catalog.lookup(words[1])
    if info is None:
        raise _error(with_suggestion(
            _("unknown rule %(rule)s (expected a slug such as mount-options or a code such as "
              "ONN011)") % {"rule": excerpt(words[1])},
            words[1], rule_catalog.names()),
            lineno)
    severity = words[2].lower()
    if severity not in rule_catalog.SEVERITIES:
        raise _error(with_suggestion(
            _("rule %(rule)s: unknown severity %(sev)s (expected one of: %(choices)s)")
            % {"rule": info.slug, "sev": excerpt(words[2]),
               "choices": ", ".join(rule_catalog.SEVERITIES)}, severity, rule_catalog.SEVERITIES),
            lineno)
    return Override("rule", info.slug, (("severity", severity),), lineno)


def _check_value(key, value, lineno):
    from org_ovirt_node.names import InvalidNameError, check_mount_options
    from org_ovirt_node.profile import FILESYSTEMS, MAX_SIZE, MOUNT_KINDS
    from org_ovirt_node.units import SizeError, format_size, parse_size
    if key in ("min", "default"):
        try:
            size = parse_size(value)
        except SizeError as exc:
            raise _error(_("%(key)s=%(value)s: %(error)s (e.g. %(key)s=10GiB)")
                         % {"key": key, "value": _show(value),
                            "error": limit_quoted(exc, value)}, lineno) from None
        if size > MAX_SIZE:
            raise _error(_("%(key)s=%(value)s is larger than the maximum of %(max)s")
                         % {"key": key, "value": _show(value),
                            "max": format_size(MAX_SIZE)},
                         lineno)
    elif key == "kind" and value not in MOUNT_KINDS:
        raise _error(_("kind=%(value)s: expected one of %(choices)s")
                     % {"value": _show(value), "choices": ", ".join(MOUNT_KINDS)}, lineno)
    elif key == "grow" and value.lower() not in _BOOLEANS:
        raise _error(_("grow=%(value)s: expected yes or no") % {"value": _show(value)}, lineno)
    elif key == "fs":
        names = [v for v in value.split(",") if v]
        bad = [v for v in names if v not in FILESYSTEMS]
        if bad or not names:
            raise _error(_("fs=%(value)s: expected a comma-separated list of %(choices)s")
                         % {"value": _show(value), "choices": ", ".join(FILESYSTEMS)}, lineno)
    elif key == "options" and value.strip(","):
        try:
            check_mount_options(",".join(v for v in value.split(",") if v))
        except InvalidNameError as exc:
            raise _error("options=%s: %s" % (_show(value), exc), lineno) from None


# --- a pykickstart section for parsers outside Anaconda --------------------------------
class OvirtNodeSection(Section):
    """``%addon`` section for a pykickstart parser: routes ``%addon org_ovirt_node`` to an
    :class:`OvirtNodeData` and ignores other addons. ``allLines`` makes the parser pass
    blank and comment lines too, so the line counter matches the file. *line_map*
    (optional) turns the parser's line numbers into original ones (after %include
    expansion); *errors*, when a list, collects problems instead of raising them so a
    linter can go on and report them: the first :data:`MAX_LISTED_ERRORS` of a section,
    then one summary (an ``%include``-d file of the machine must not be printed back line
    by line). Whatever goes wrong, only ``KickstartParseError`` leaves this class."""

    sectionOpen = "%addon"  # noqa: N815 - pykickstart names
    allLines = True  # noqa: N815

    def __init__(self, handler, data=None, line_map=None, errors=None, **kwargs):
        super().__init__(handler, **kwargs)
        self.data = data if data is not None else OvirtNodeData()
        self.line_map = line_map
        self.errors = errors
        self._active = False
        self._lineno = 0
        self._listed = 0                # problems collected in the current section
        self._unlisted = []             # lines of the problems beyond those
        self.other_addons = []

    def _orig(self, lineno):
        if self.line_map is not None and lineno is not None \
                and 0 < lineno <= len(self.line_map):
            return self.line_map[lineno - 1]
        return lineno

    def _call(self, func, *args, lineno=None):
        try:
            func(*args)
        except KickstartParseError as exc:
            self._problem(exc)
        except Exception as exc:  # noqa: BLE001 - nothing but kickstart errors may escape
            self._problem(_error(_("%%addon %(name)s: cannot read this line: %(error)s")
                                 % {"name": ADDON_NAME, "error": _unexpected(exc)}, lineno))

    def _problem(self, exc):
        if self.errors is None:
            raise exc
        if self._listed < MAX_LISTED_ERRORS:
            self._listed += 1
            self.errors.append(exc)
        else:
            self._unlisted.append(exc.lineno)

    def _summarise(self):
        if self._unlisted and self.errors is not None:
            lines = sorted({n for n in self._unlisted if n is not None})
            self.errors.append(_error(
                _("%%addon %(name)s: and %(count)d more lines with problems (not listed; "
                  "the first problems above show what is wrong)")
                % {"name": ADDON_NAME, "count": len(self._unlisted)},
                lines[0] if lines else None))
        self._listed, self._unlisted = 0, []

    def handleHeader(self, lineno, args):  # noqa: N802 - pykickstart's API
        super().handleHeader(lineno, args)
        self._summarise()
        self._lineno = lineno
        self._active = len(args) > 1 and args[1] == ADDON_NAME
        if not self._active:
            self.other_addons.append((excerpt(args[1]) if len(args) > 1 else "", lineno))
            return
        self._call(self.data.handle_header, args[2:], self._orig(lineno),
                   lineno=self._orig(lineno))

    def handleLine(self, line):  # noqa: N802
        self._lineno += 1
        if self._active:
            lineno = self._orig(self._lineno)
            self._call(self.data.handle_line, line, lineno, lineno=lineno)

    def finalize(self):
        if self._active:
            self._call(self.data.handle_end)
        self._active = False
        self._summarise()
