# SPDX-License-Identifier: GPL-2.0-or-later
"""The static kickstart linter: parse a kickstart with pykickstart, turn its partitioning
into the layout model and judge it against the profile, without blivet and without disks.

Steps of :func:`lint_text`:

1. ``%include`` expansion of our own (pykickstart raises on a missing file): an included
   regular text file is inlined, its lines mapped to the ``%include`` line; a missing,
   unreadable or special one (FIFO, device, a file with NUL bytes such as
   ``/proc/self/environ``), or one a ``%pre`` script writes, is dropped and becomes an
   ONN103 warning (the layout is produced at install time and cannot be judged here).
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

Hostile input. A kickstart may ``%include`` any file of the machine the linter runs on,
and its messages often end up in public CI logs: a message quotes at most a short
sanitised excerpt of a line (:func:`org_ovirt_node.sanitize.excerpt`), and the problems
of one ``%addon`` section are listed up to a few, then counted. Work is bounded and linear:
the text with its included files is refused (:class:`LintInputError`, exit 2, at the
``%include`` line) beyond :data:`MAX_EXPANDED_BYTES`, :data:`MAX_EXPANDED_LINES` or
:data:`MAX_INCLUSIONS` files read, one included file beyond :data:`MAX_INCLUDE_BYTES`, and
a line pykickstart splits into words beyond :data:`MAX_COMMAND_LINE` characters (script
and package lines may be longer); pykickstart's duplicate checks and ``shlex`` are replaced
by linear equivalents during the parse (:class:`_IndexedList`, :func:`fast_split`).
"""
import copy
import dataclasses
import importlib
import os
import re
import shlex
import sys
import threading
import types
import warnings

from org_ovirt_node import rules as catalog
from org_ovirt_node.files import FileReadError, read_regular_file
from org_ovirt_node.findings import RuleResult, make_finding, make_report
from org_ovirt_node.i18n import _
from org_ovirt_node.sanitize import MAX_SCALAR, excerpt, is_clean_text
from org_ovirt_node.units import MiB
from org_ovirt_node.units import format_size as fs

DEFAULT_KS_VERSION = "RHEL9"

# Input bounds: work and memory stay proportional to at most these (see the module doc).
MAX_INCLUDE_DEPTH = 8                   # %include nesting
MAX_INCLUDE_BYTES = 4 * MiB             # one included file
MAX_INCLUSIONS = 64                     # files read through %include, in all
MAX_EXPANDED_BYTES = 8 * MiB            # the kickstart with its included files
MAX_EXPANDED_LINES = 100_000            # ... in lines
MAX_COMMAND_LINE = 4 * MAX_SCALAR       # a line pykickstart splits into words (shlex)
SYNTAX_CODE = catalog.CATALOG["ks-syntax"].code

# Layout rules that judge what is there; the others need the whole layout (they report
# what is missing or sum sizes) and are skipped when part of it is generated at install time.
PARTIAL_RULES = ("root-kind", "device-kind", "same-pool", "min-size", "filesystem",
                 "forbidden-mount", "duplicate-mount", "mount-options", "ks-inconsistent")
KICKSTART_RULES = {}
"""Checks only a kickstart allows (slug -> rule, like :data:`org_ovirt_node.checker.RULES`);
one with the slug of a layout rule replaces it for kickstarts. Their context is the
checker's plus ``handler`` (pykickstart's), ``line_of`` and ``issues`` (unresolved
references from :func:`~org_ovirt_node.kickstart.reader.layout_from_handler`)."""
_GROW_RULES = ("min-size",)


class LintInputError(Exception):
    """Input the linter cannot read at all (missing file, not text, unknown kickstart
    version, an input bound reached). The command line reports it and exits 2.

    When the problem has a place, *filename* and *line* say where and *detail* what;
    ``str()`` is then ``file:line: detail``."""

    def __init__(self, message, filename=None, line=None):
        self.filename, self.line, self.detail = filename, line, message
        if filename is not None and line is not None:
            message = "%s:%s: %s" % (filename, line, message)
        super().__init__(message)


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
# Sections pykickstart knows: inside one, only lines starting with one of these (or %end,
# %include, %ksappend) are split into words; script and package lines are taken as they are.
_SECTION_HEADERS = frozenset(("%pre", "%pre-install", "%post", "%traceback", "%onerror",
                              "%packages", "%addon", "%anaconda"))
_PRE_WORD_RE = re.compile(r"[\s'\"<>|;&()=`]+")


class _BoundError(Exception):
    """An input bound was reached at *line* (of the linted file): the input is refused."""

    def __init__(self, line, message):
        super().__init__(message)
        self.line = line
        self.message = message


class _Splitting:
    """Follows pykickstart's state over the lines it reads, to tell which lines it splits
    into words with ``shlex`` (:meth:`mode`): command lines (comments stripped), and inside
    sections only the ``%`` lines that end or start a section."""

    def __init__(self):
        self.in_section = False

    def mode(self, line):
        """None (not split), ``"command"`` or ``"section"``, and advance the state."""
        stripped = line.lstrip()
        if not stripped or (not self.in_section and stripped[0] == "#"):
            return None
        if self.in_section and stripped[0] != "%":
            return None
        first = stripped.split(None, 1)[0]
        if not self.in_section:
            if first[0] == "%" and first not in ("%include", "%ksappend"):
                self.in_section = True
            return "command"
        if first == "%end":
            self.in_section = False
        elif first not in _SECTION_HEADERS and first != "%include":
            return None     # a script line that happens to start with %
        return "section"


class _Expansion:
    def __init__(self):
        self.lines = []         # text the parser reads
        self.line_map = []      # its line i+1 -> line in the original file
        self.origins = {}       # its line i+1 -> (included file, line there)
        self.dynamic = []       # (line, path, reason) of includes left out
        self.size = 0           # characters in lines
        self.inclusions = 0     # files read through %include
        self.splitting = _Splitting()

    def add(self, line, here, origin=None):
        # One "\n" ends every line: pykickstart splits lines as str.splitlines does (at
        # \r, \x0c, \u2028... too), and "x\u2028" + "\n" would be two lines to it.
        parts = line.splitlines()
        line = (parts[0] if parts else "") + "\n"
        self.size += len(line)
        if self.size > MAX_EXPANDED_BYTES:
            raise _BoundError(here, _("the kickstart with its %%include-d files is larger than "
                                      "%(size)s; it is refused")
                              % {"size": fs(MAX_EXPANDED_BYTES)})
        if len(self.lines) >= MAX_EXPANDED_LINES:
            raise _BoundError(here, _("the kickstart with its %%include-d files has more than "
                                      "%(lines)d lines; it is refused")
                              % {"lines": MAX_EXPANDED_LINES})
        self.lines.append(line)
        self.line_map.append(here)
        if origin is not None:
            self.origins[len(self.lines)] = origin


def _pre_words(lines):
    """The words of every ``%pre`` script and their base names: a file a script writes
    (``echo ... > /tmp/part-include``) shows up among them, and may be %include-d."""
    body, inside = [], False
    for line in lines:
        words = line.split(None, 1)
        if not inside and words and words[0] == "%pre":
            inside = True
        elif inside and words and words[0] == "%end":
            inside = False
        elif inside:
            body.append(line)
    words = set(w for w in _PRE_WORD_RE.split("".join(body)) if w)
    return words | set(os.path.basename(w) for w in words)


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


def _read_text_file(path, limit):
    """(reason it is not read or None, text) of the regular file *path*, at most *limit*
    bytes (:func:`files.read_regular_file`: a FIFO would block, a device may never end); a
    file with NUL bytes or not in UTF-8 is no kickstart (``/proc/self/environ``)."""
    try:
        data = read_regular_file(path, limit)
    except FileReadError as exc:
        return exc.reason, None
    if b"\0" in data:
        return "binary", None
    try:
        return None, data.decode("utf-8")
    except UnicodeDecodeError:
        return "binary", None


def _where(origin):
    return " (%s)" % (_("line %(line)d of %(file)s")
                      % {"line": origin[1], "file": _short(origin[0], 80)}) if origin else ""


def expand_includes(text, base_dir, pre_words=None, depth=0, at_line=None, out=None,
                    chain=(), origin_file=None):
    """Inline ``%include``-d files that exist; drop and record the rest (see module doc).
    Raises :class:`_BoundError` when a bound is reached: a line pykickstart would split that
    is longer than :data:`MAX_COMMAND_LINE`, more than :data:`MAX_INCLUSIONS` files read,
    more than :data:`MAX_EXPANDED_LINES` lines or :data:`MAX_EXPANDED_BYTES` in all, an
    included file larger than :data:`MAX_INCLUDE_BYTES`."""
    out = out if out is not None else _Expansion()
    lines = text.splitlines(True)
    if pre_words is None:
        pre_words = _pre_words(lines)
    for number, line in enumerate(lines, 1):
        here = at_line if at_line is not None else number
        origin = (origin_file, number) if origin_file is not None else None
        mode = out.splitting.mode(line)
        if mode is not None and len(line) > MAX_COMMAND_LINE:
            # Refused before shlex sees it: its work grows faster than the line.
            raise _BoundError(here, _("a line of %(length)d characters%(where)s; kickstart "
                                      "commands and section headers are at most %(max)d")
                              % {"length": len(line), "where": _where(origin),
                                 "max": MAX_COMMAND_LINE})
        target = _include_target(line) if mode is not None else None
        if target is None:
            out.add(line, here, origin)
            continue
        path = target if os.path.isabs(target) else os.path.join(base_dir, target)
        reason, included = _include(path, target, pre_words, depth, chain)
        if reason == "large":
            raise _BoundError(here, _("%%include %(path)s%(where)s: the file is larger than "
                                      "%(max)s")
                              % {"path": _short(target, 80), "max": fs(MAX_INCLUDE_BYTES),
                                 "where": _where(origin)})
        if reason is not None:
            out.dynamic.append((here, target, reason))
            out.add("#\n", here, origin)     # keep the line count
            continue
        out.inclusions += 1
        if out.inclusions > MAX_INCLUSIONS:
            raise _BoundError(here, _("%%include %(path)s%(where)s: more than %(max)d files "
                                      "are included in all; the kickstart is refused")
                              % {"path": _short(target, 80), "max": MAX_INCLUSIONS,
                                 "where": _where(origin)})
        inner = included.splitlines(True)
        expand_includes(included, os.path.dirname(path), pre_words | _pre_words(inner),
                        depth + 1, here, out, chain + (os.path.realpath(path),), path)
    return out


def _include(path, target, pre_words, depth, chain):
    """(reason it is left out or None, its text)."""
    if target in pre_words or os.path.basename(target) in pre_words:
        return "pre", None
    try:
        if depth >= MAX_INCLUDE_DEPTH or os.path.realpath(path) in chain:
            return "loop", None
    except (OSError, ValueError):
        return "unreadable", None
    return _read_text_file(path, MAX_INCLUDE_BYTES)


def _short(text, limit=40):
    """*text* as it is when short and printable, else a sanitised excerpt."""
    if is_clean_text(text) and len(text) <= limit:
        return text
    return excerpt(text, limit)


# --- pykickstart ----------------------------------------------------------------------
# One piece of a line for :func:`fast_split`: unquoted characters, a quoted string,
# whitespace (shlex's: space, tab, CR, LF only) or a comment sign.
_PIECE_RE = re.compile(r"""[^ \t\r\n'"#]+|'[^']*'|"[^"]*"|[ \t\r\n]+|#""")
_PIECE_NO_COMMENT_RE = re.compile(r"""[^ \t\r\n'"]+|'[^']*'|"[^"]*"|[ \t\r\n]+""")


def fast_split(s, comments=False, posix=True):
    """``shlex.split`` for one kickstart line, ten times faster on the common lines.

    shlex reads character by character in Python: it is most of the linter's time on a
    kickstart of thousands of lines. Lines without backslashes (the subtle part of shlex)
    and with at most a final newline are split here with a regular expression into the
    very same words; anything else, including an unclosed quote, goes to ``shlex.split``."""
    if not posix or not isinstance(s, str) or "\\" in s or "\n" in s[:-1]:
        return shlex.split(s, comments=comments, posix=posix)
    pieces = (_PIECE_RE if comments else _PIECE_NO_COMMENT_RE).findall(s)
    if sum(map(len, pieces)) != len(s):     # a gap: an unclosed quote; shlex words the error
        return shlex.split(s, comments=comments, posix=posix)
    words, word = [], None
    for piece in pieces:
        first = piece[0]
        if first in " \t\r\n":
            if word is not None:
                words.append(word)
                word = None
        elif first == "#" and comments:
            break
        else:
            if first == "'" or first == '"':
                piece = piece[1:-1]
            word = piece if word is None else word + piece
    if word is not None:
        words.append(word)
    return words


class _FastShlex:
    """Stands in for the ``shlex`` module inside ``pykickstart.parser`` during a parse."""

    split = staticmethod(fast_split)

    def __getattr__(self, name):
        return getattr(shlex, name)


# Attributes each data class's ``__eq__`` compares (pykickstart's own definitions), for
# :class:`_IndexedList`. A class whose ``__eq__`` is not listed keeps a plain list.
_EQ_KEYS = {
    "FC3_LogVolData.__eq__": ("vgname", "name"),
    "FC3_PartData.__eq__": ("mountpoint",),
    "FC3_VolGroupData.__eq__": ("vgname",),
    "FC3_RaidData.__eq__": ("device",),
    "F17_BTRFSData.__eq__": ("mountpoint",),
    "F27_MountData.__eq__": ("mount_point",),
    "F45_StratisPoolData.__eq__": ("name",),
    "F45_StratisFsData.__eq__": ("poolname", "name"),
    "FC3_NetworkData.__eq__": ("device",),
    "FC6_RepoData.__eq__": ("name",),
    "FC6_UserData.__eq__": ("name",),
    "F12_GroupData.__eq__": ("name",),
    "F22_SshKeyData.__eq__": ("username",),
    "F13_SshPwData.__eq__": ("username",),
    "F29_ModuleData.__eq__": ("name", "stream"),
}


def _dropping_index(name):
    """A list method of :class:`_IndexedList` that may change membership: drops the index."""
    def method(self, *args, **kwargs):
        self._index = None
        return getattr(list, name)(self, *args, **kwargs)
    method.__name__ = name
    return method


class _IndexedList(list):
    """A command's data list (``lvList``, ``partitions``...) with a hash index for ``in``.

    pykickstart tests every new entry against all earlier ones (``lvd in self.dataList()``,
    only to warn about duplicates), which makes 10,000 ``logvol`` lines take 50 million
    comparisons. Here ``in`` compares only the entries with the same *keys* (the attributes
    the data class's ``__eq__`` compares), still with ``==``. Any change but ``append``
    drops the index and ``in`` scans again."""

    def __init__(self, keys=()):
        super().__init__()
        self._keys = keys
        self._index = {}

    def __reduce_ex__(self, protocol):
        return list, (list(self),)      # a copy is a plain list: no index to share

    def _key(self, item):
        return tuple(getattr(item, k, None) for k in self._keys)

    def append(self, item):
        super().append(item)
        if self._index is not None:
            try:
                self._index.setdefault(self._key(item), []).append(item)
            except TypeError:       # an unhashable value: no index
                self._index = None

    def __contains__(self, item):
        if self._index is not None:
            try:
                return any(x == item for x in self._index.get(self._key(item), ()))
            except TypeError:
                pass
        return super().__contains__(item)

    extend = _dropping_index("extend")
    insert = _dropping_index("insert")
    remove = _dropping_index("remove")
    pop = _dropping_index("pop")
    clear = _dropping_index("clear")
    __setitem__ = _dropping_index("__setitem__")
    __delitem__ = _dropping_index("__delitem__")
    __iadd__ = _dropping_index("__iadd__")


class _ReusableHandler:
    """One pykickstart handler per syntax version, reset before every parse.

    ``makeVersion`` costs tens of milliseconds (it builds an option parser for every
    command), far too much for hundreds of kickstarts a second, and a deep copy of a
    template still costs several. Instead the commands' initial attributes are recorded
    once and put back before each parse (lists and dicts copied, option parsers shared:
    they keep no state between lines; data lists become :class:`_IndexedList`). Not
    thread-safe: :data:`_LOCK` serializes users.
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
        self._indexed = [(c, name, keys) for c, name, keys in map(_data_list, commands.values())
                         if name is not None]
        self._own = dict(vars(self.handler))

    def fresh(self):
        for command, state, mutable in self._commands:
            attrs = vars(command)
            attrs.clear()
            attrs.update(state)
            for key in mutable:
                attrs[key] = copy.copy(state[key])
        for command, name, keys in self._indexed:
            setattr(command, name, _IndexedList(keys))
        attrs = vars(self.handler)
        attrs.clear()
        attrs.update(self._own)
        for key in ("certificates", "scripts", "_null_section_strings"):
            attrs[key] = []
        attrs["packages"] = copy.deepcopy(self._own["packages"])
        return self.handler


def _data_list(command):
    """(command, attribute holding its data list, keys of :data:`_EQ_KEYS`) or a None name
    when the command has no data list or its data class compares unknown attributes."""
    try:
        data_list = command.dataList()
        keys = _EQ_KEYS.get(command.dataClass.__eq__.__qualname__)
    except Exception:  # noqa: BLE001 - commands without data lists raise various errors
        return command, None, None
    if keys is None or not isinstance(data_list, list) or data_list:
        return command, None, None
    name = next((k for k, v in vars(command).items() if v is data_list), None)
    return command, name, keys


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

    from org_ovirt_node.kickstart.addon import OvirtNodeData, OvirtNodeSection
    if expansion is None:
        expansion = expand_includes(text, base_dir)
    handler = _reusable(ks_version).fresh()
    parser = KickstartParser(handler, followIncludes=False)
    data = OvirtNodeData()
    addon_errors = []
    parser.registerSection(OvirtNodeSection(handler, data=data, line_map=expansion.line_map,
                                            errors=addon_errors))
    module = sys.modules[KickstartParser.__module__]
    with warnings.catch_warnings():
        # Deprecation notes from pykickstart go nowhere: the linter judges the layout.
        warnings.simplefilter("ignore")
        module.shlex = _FastShlex()
        try:
            parser.readKickstartFromString("".join(expansion.lines))
        finally:
            module.shlex = shlex
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

    def add(self, slug, message, line=None, hint="", mountpoint=None, severity=None):
        info = catalog.CATALOG[slug]
        if severity is None:
            severity = self.profile.severity(slug) if self.profile is not None \
                else info.severity
        if severity == catalog.OFF:
            return
        self.items.append(make_finding(info, severity,
                                       RuleResult(mountpoint, None, message, hint, line)))


def lint_text(text, filename="<stdin>", profile=None, ks_version=DEFAULT_KS_VERSION,
              base_dir=None):
    """Lint kickstart *text* (``str``, or ``bytes`` in UTF-8) and return a
    :class:`~org_ovirt_node.findings.Report`.

    *profile*: a :class:`~org_ovirt_node.profile.Profile`, a built-in name or a path; it
    replaces the profile ``%addon`` names. Relative ``%include`` paths are resolved against
    *base_dir* (default: the folder of *filename*, or the current one). Raises only
    :class:`LintInputError` (bytes that are not UTF-8 text, an unknown *ks_version*, an
    input bound reached: see :func:`expand_includes`) and, for a *profile* argument that
    cannot be loaded, ``ProfileError``.
    """
    if len(text) > MAX_EXPANDED_BYTES:
        raise LintInputError(_("%(file)s is larger than %(max)s; it is refused")
                             % {"file": filename, "max": fs(MAX_EXPANDED_BYTES)})
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = text.count(b"\n", 0, exc.start) + 1
            raise LintInputError(_("not UTF-8 text (byte 0x%(byte)02x; save the file as "
                                   "UTF-8)") % {"byte": text[exc.start]},
                                 filename, line) from None
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise LintInputError(_("a NUL character: this is not a kickstart (a text file)"),
                             filename, line)
    if isinstance(profile, str):
        profile = load_profile_cached(profile)
    if base_dir is None:
        base_dir = os.path.dirname(filename) if os.path.isfile(filename) else os.getcwd()
    with _LOCK:
        _reusable(ks_version)  # an unknown version is a usage problem, raised here
        return _lint(text, filename, profile, ks_version, base_dir)


def _lint(text, filename, profile, ks_version, base_dir):
    findings = _Findings()
    try:
        expansion = expand_includes(text, base_dir)
    except _BoundError as exc:
        raise LintInputError(exc.message, filename, exc.line) from None
    try:
        handler, data, addon_errors, expansion = parse_kickstart(text, base_dir, ks_version,
                                                                 expansion)
    except Exception as exc:  # noqa: BLE001 - pykickstart raises more than KickstartError
        lineno = getattr(exc, "lineno", None)
        if not isinstance(lineno, int) or not 0 < lineno <= len(expansion.lines):
            lineno = _unsplittable_line(expansion)
        findings.add("ks-syntax", _syntax_message(exc, expansion, lineno),
                     line=_line_of(expansion)(lineno))
        return make_report(findings.items, filename)
    return _judge(handler, data, addon_errors, expansion, profile, filename, findings)


def _unsplittable_line(expansion):
    """The first line pykickstart splits into words that ``shlex`` cannot split ("No
    closing quotation"), or None: shlex's errors carry no line number."""
    splitting = _Splitting()
    for number, line in enumerate(expansion.lines, 1):
        mode = splitting.mode(line)
        if mode is None:
            continue
        try:
            shlex.split(line, comments=(mode == "command"))
        except ValueError:
            return number
    return None


def _syntax_message(exc, expansion, lineno):
    """pykickstart's message for *exc*, quoting at most a short excerpt of the line (which
    may come from any %include-d file of the machine), and where in an included file."""
    from org_ovirt_node.kickstart.addon import limit_quoted
    source = expansion.lines[lineno - 1] if lineno else ""
    message = getattr(exc, "message", None)
    if message:
        message = limit_quoted(message, source)
    else:
        message = _("cannot parse the kickstart: %(error)s") % {
            "error": limit_quoted(str(exc), source) or exc.__class__.__name__}
    return message + _where(expansion.origins.get(lineno))


def lint_file(path, profile=None, ks_version=DEFAULT_KS_VERSION):
    """Lint the kickstart at *path* (``-`` reads standard input)."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_EXPANDED_BYTES + 1)
        return lint_text(data, filename="<stdin>", profile=profile, ks_version=ks_version,
                         base_dir=os.getcwd())
    try:
        # Read at most one byte past the bound: /dev/zero or a huge file ends here.
        with open(path, "rb") as handle:
            data = handle.read(MAX_EXPANDED_BYTES + 1)
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
        elif reason == "special":
            message = _("%%include %(path)s is not a regular file; it was not read.")
        elif reason == "binary":
            message = _("%%include %(path)s is not a text file (NUL bytes or not UTF-8); it "
                        "was not read.")
        else:
            message = _("%%include %(path)s cannot be read; what it adds cannot be judged.")
        findings.add("ks-dynamic", message % {"path": _short(path, 80)}, line=line,
                     hint=_("The addon checks the real layout during the installation "
                            "(%%addon %(name)s --mode=enforce).") % {"name": "org_ovirt_node"})

    _partitioning(handler, expansion, resolved, filename, findings)
    return make_report(findings.items, filename)


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
        from org_ovirt_node.kickstart.addon import limit_quoted
        findings.add("ks-addon", getattr(exc, "message", None) or limit_quoted(exc),
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
    from org_ovirt_node.checker import RULES, Context, run_rules
    from org_ovirt_node.kickstart.reader import layout_from_handler
    layout, issues = layout_from_handler(handler, profile, origin=filename, line_of=line_of)
    ctx = Context(layout, profile)
    ctx.handler, ctx.line_of, ctx.issues = handler, line_of, issues
    table = dict(RULES)
    table.update(KICKSTART_RULES)
    for finding in run_rules(ctx, table, only=PARTIAL_RULES if dynamic else None):
        findings.items.append(_soften_growing(finding, layout))


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
        if profile is not None:  # what the shipped drop-in makes autopart miss (issue 10)
            from org_ovirt_node.design import autopart_shortfalls
            for short in autopart_shortfalls(profile):
                findings.add(short.rule, short.message, line=line, mountpoint=short.mountpoint,
                             hint=_("Partition explicitly (ovirt-node-layout plan --format "
                                    "kickstart) or leave the profile's value as it is."))
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
        # pykickstart keeps what "--type=--" parses to (a list) as it is.
        shown = names.get(kind) if isinstance(kind, (int, str)) else None
        findings.add("ks-autopart-type",
                     _("autopart --type=%(type)s does not put / on a thin LV in a thin pool, "
                       "which imgbased requires.") % {"type": shown or _short(str(kind))},
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
    if getattr(autopart, "noswap", False) and profile.swap_policy != catalog.SWAP_NONE:
        findings.add("swap", _("autopart --noswap leaves out swap, which profile %(profile)s "
                               "wants (%(policy)s).") % {"profile": profile.name,
                                                         "policy": profile.swap_policy},
                     line=line, hint=_("Remove --noswap."))
    fstype = getattr(autopart, "fstype", "")
    root = profile.mounts.get("/")
    allowed = root.filesystems if root is not None else ()
    # No filesystems listed allows any (as the layout rule reads it).
    if fstype and allowed and fstype not in allowed:
        findings.add("filesystem", _("autopart --fstype=%(fs)s; allowed for /: %(allowed)s.")
                     % {"fs": _short(fstype), "allowed": ", ".join(allowed)},
                     line=line, mountpoint="/",
                     hint=_("Write --fstype=%(fs)s.") % {"fs": allowed[0]})


@catalog.register("ks-inconsistent", KICKSTART_RULES)
def _inconsistent(ctx):
    """References between partitioning commands that do not resolve."""
    for line, message in ctx.issues:
        yield RuleResult(None, None, message,
                         _("Define every PV, volume group and thin pool a command refers to "
                           "before it is used, with the same name."), line)


@catalog.register("vg-reserve", KICKSTART_RULES)
def _vg_reserve(ctx):
    """The reserve of the VG that holds /: disk sizes are unknown here, so what counts is
    what ``volgroup`` asks for. ``--reserved-percent`` must reach the profile's percentage;
    ``--reserved-space`` (absolute, so not comparable with a percentage of an unknown VG)
    its minimum."""
    profile, vg_dev = ctx.profile, ctx.root_vg
    if vg_dev is None or (not profile.reserve_percent and not profile.reserve_min):
        return
    from org_ovirt_node.kickstart.reader import kickstart_name
    vg = next((v for v in ctx.handler.volgroup.vgList
               if kickstart_name(v.vgname) == vg_dev.name), None)
    if vg is None or vg.preexist:
        return
    pct = getattr(vg, "reserved_percent", None) or 0
    space = (getattr(vg, "reserved_space", None) or 0) * MiB
    want_pct, want_min = profile.reserve_percent, profile.reserve_min
    hint = _("Write 'volgroup %(vg)s ... --reserved-percent=%(pct)s' so the thin pool can "
             "grow.") % {"vg": vg_dev.name, "pct": "%g" % want_pct}
    if not pct and not space:
        message = _("Volume group %(vg)s keeps no reserve; profile %(profile)s wants "
                    "%(pct)s %% of it free (at least %(min)s) for the thin pool to grow.") % {
                        "vg": vg_dev.name, "profile": profile.name, "pct": "%g" % want_pct,
                        "min": fs(want_min)}
    elif pct and pct < want_pct:
        message = _("Volume group %(vg)s reserves %(have)s %%, below the %(pct)s %% of "
                    "profile %(profile)s.") % {
                        "vg": vg_dev.name, "have": "%g" % pct, "pct": "%g" % want_pct,
                        "profile": profile.name}
    elif space and space < want_min:
        message = _("Volume group %(vg)s reserves %(have)s, below the minimum of %(min)s "
                    "of profile %(profile)s.") % {
                        "vg": vg_dev.name, "have": fs(space), "min": fs(want_min),
                        "profile": profile.name}
    else:
        return
    yield RuleResult(None, vg_dev, message, hint)
