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
   section registered; its syntax errors are ONN107 findings and nothing else
   (:func:`exit_code` maps them to 2: the input is unusable). pykickstart stops at the
   first error, so the rest of the text is parsed again after it (:func:`_parse_all`).
3. The profile: *profile* if given (the ``%addon`` overrides still apply on top), else the
   one ``%addon org_ovirt_node --profile`` names (a relative path from the kickstart's
   folder), else ``ovirt-node``. Problems in the section are ONN106 errors at their lines,
   all of them (every override is tried); when there is one the layout is not judged.
4. ``autopart --type=thinp`` is ONN101 (checked at install time); another type ONN102; no
   partitioning at all ONN104; otherwise the layout from ``part``/``raid``/``volgroup``/
   ``logvol``/``reqpart`` goes through :func:`org_ovirt_node.checker.check` plus the checks
   only a kickstart allows (VG reserve as written on ``volgroup``; references and
   commands given twice differently, ONN105). Hints of the findings the fixer can act on
   are written in kickstart terms by :func:`org_ovirt_node.kickstart.fixer.kickstart_hints`.
5. Until here lines are the parser's (of the expanded text); :func:`_relocate` places each
   finding in its file (:class:`LintFinding`: the kickstart's line, and for an included
   file its own line and the ``%include`` lines leading there), in file and line order.

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
from dataclasses import dataclass
from typing import Optional, Tuple

from org_ovirt_node import rules as catalog
from org_ovirt_node.files import FileReadError, read_regular_file
from org_ovirt_node.findings import Finding, Report, RuleResult, make_finding
from org_ovirt_node.i18n import N_, P_, _
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
MAX_ADDON_PROBLEMS = 5                  # overrides of %addon that do not fit, listed
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
# Findings whose hint the fixer words in kickstart terms (fixer.HINT_RULES).
_HINT_RULES = frozenset(("required-mount", "created-mount", "min-size", "recommended-size",
                         "mount-options", "vg-reserve", "vg-no-reserve", "pool-overcommit"))


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
    def __init__(self, overrides=None, main_dir=None):
        self.lines = []         # text the parser reads
        self.line_map = []      # its line i+1 -> line in the original file
        self.origins = {}       # its line i+1 -> :class:`Origin` (lines of included files)
        self.dynamic = []       # (line, path, reason, its line i+1) of includes left out
        self.included = []      # (path, Origin of its %include line or None, display name,
        #                            local: see Origin)
        self.size = 0           # characters in lines
        self.inclusions = 0     # files read through %include
        self.splitting = _Splitting()
        self.texts = {}                     # path of an included file -> its text
        self.overrides = overrides or {}    # real path -> text used instead of the file's
        self.main_dir = main_dir            # the linted file's folder as it was named

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


class Origin(tuple):
    """Where a line of an ``%include``-d file comes from: ``(display, line, path, via,
    local)``: the file's name for messages (relative to the linted file's folder as it was
    named), the line in it, its path for reading and writing, the ``%include`` lines that
    led there, outermost first, each ``(display or None for the linted file, line)``, and
    whether every ``%include`` on the way named a relative path (a file that travels with
    the kickstart, not one of the installed system)."""
    __slots__ = ()

    def __new__(cls, display, line, path, via, local=True):
        return tuple.__new__(cls, (display, line, path, via, local))

    display = property(lambda self: self[0])
    line = property(lambda self: self[1])
    path = property(lambda self: self[2])
    via = property(lambda self: self[3])
    local = property(lambda self: self[4])


def _display_name(target, parent, base_dir, main_dir):
    """The name of an included *target* for messages: as written when absolute, else
    joined to the folder its includer was named in (*parent*: the includer's display name,
    None for the linted file, whose folder is *main_dir* when known)."""
    if os.path.isabs(target):
        return target
    if parent is not None:
        folder = os.path.dirname(parent)
    elif main_dir is not None:
        folder = main_dir
    else:
        rel = os.path.relpath(base_dir) if os.path.isabs(base_dir) else base_dir
        folder = "" if rel == os.curdir else base_dir if rel.startswith(os.pardir) else rel
    return os.path.normpath(os.path.join(folder, target))


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
                    chain=(), origin_file=None, origin=None):
    """Inline ``%include``-d files that exist; drop and record the rest (see module doc).
    Raises :class:`_BoundError` when a bound is reached: a line pykickstart would split that
    is longer than :data:`MAX_COMMAND_LINE`, more than :data:`MAX_INCLUSIONS` files read,
    more than :data:`MAX_EXPANDED_LINES` lines or :data:`MAX_EXPANDED_BYTES` in all, an
    included file larger than :data:`MAX_INCLUDE_BYTES`."""
    out = out if out is not None else _Expansion()
    lines = text.splitlines(True)
    if pre_words is None:
        pre_words = _pre_words(lines)
    parent = origin      # the Origin of the %include line that brought this text, or None
    display, local = (None, True) if origin_file is None else out.included[-1][2:]
    via = () if origin_file is None else (parent.via if parent else ()) + \
        ((parent.display if parent else None, parent.line if parent else at_line),)
    for number, line in enumerate(lines, 1):
        here = at_line if at_line is not None else number
        origin = Origin(display, number, origin_file, via, local) \
            if origin_file is not None else None
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
        reason, included = _include(path, target, pre_words, depth, chain, out.overrides)
        if reason == "large":
            raise _BoundError(here, _("%%include %(path)s%(where)s: the file is larger than "
                                      "%(max)s")
                              % {"path": _short(target, 80), "max": fs(MAX_INCLUDE_BYTES),
                                 "where": _where(origin)})
        if reason is not None:
            out.add("#\n", here, origin)     # keep the line count
            out.dynamic.append((here, target, reason, len(out.lines)))
            continue
        out.inclusions += 1
        if out.inclusions > MAX_INCLUSIONS:
            raise _BoundError(here, _("%%include %(path)s%(where)s: more than %(max)d files "
                                      "are included in all; the kickstart is refused")
                              % {"path": _short(target, 80), "max": MAX_INCLUSIONS,
                                 "where": _where(origin)})
        inner = included.splitlines(True)
        out.texts[path] = included
        out.included.append((path, origin, _display_name(
            target, origin.display if origin else None, base_dir, out.main_dir),
            local and not os.path.isabs(target)))
        expand_includes(included, os.path.dirname(path), pre_words | _pre_words(inner),
                        depth + 1, here, out, chain + (os.path.realpath(path),), path,
                        origin or Origin(None, number, None, ()))
    return out


def _include(path, target, pre_words, depth, chain, overrides=None):
    """(reason it is left out or None, its text). *overrides*: texts that replace files
    (the fixer's results, judged before they are written), by normalized path."""
    if target in pre_words or os.path.basename(target) in pre_words:
        return "pre", None
    try:
        if depth >= MAX_INCLUDE_DEPTH or os.path.realpath(path) in chain:
            return "loop", None
    except (OSError, ValueError):
        return "unreadable", None
    if overrides:
        text = overrides.get(os.path.normpath(path))
        if text is not None:
            if len(text) > MAX_INCLUDE_BYTES:
                return "large", None
            return None, text
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
        # Only the commands a parse dispatched to changed (pykickstart's dispatcher is the one
        # place that touches them): fresh() puts back those, not all hundred of them.
        self._dirty = set(commands)
        dispatch = self.handler.dispatcher

        def dispatcher(args, lineno):
            command = self.handler.commands.get(args[0]) if args else None
            if command is not None:
                self._dirty.add(id(command))
            return dispatch(args, lineno)
        self.handler.dispatcher = dispatcher
        self._own = dict(vars(self.handler))

    def fresh(self):
        dirty, self._dirty = self._dirty, set()
        for command, state, mutable in self._commands:
            if id(command) not in dirty:
                continue
            attrs = vars(command)
            attrs.clear()
            attrs.update(state)
            for key in mutable:
                attrs[key] = copy.copy(state[key])
        for command, name, keys in self._indexed:
            if id(command) in dirty:
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
    handler is reused: it is valid until the next parse with the same version. Line
    numbers (``lineno`` of commands and errors) are those of ``expansion.lines``."""
    from pykickstart.parser import KickstartParser

    from org_ovirt_node.kickstart.addon import OvirtNodeData, OvirtNodeSection
    if expansion is None:
        expansion = expand_includes(text, base_dir)
    handler = _reusable(ks_version).fresh()
    parser = KickstartParser(handler, followIncludes=False)
    data = OvirtNodeData()
    addon_errors = []
    # Lines stay the parser's (of the expanded text): findings are placed in their files
    # at the end (:func:`_relocate`).
    parser.registerSection(OvirtNodeSection(handler, data=data, errors=addon_errors))
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
MAX_PARSE_ERRORS = 20           # pykickstart errors listed for one kickstart
MAX_PARSE_WORK = 200_000        # lines parsed in all while looking for more of them
# Commands a kickstart gives once: a second one silently replaces the first (pykickstart
# keeps the last), which is a contradiction when they differ (a file and its %include).
_SINGLE_COMMANDS = frozenset(("clearpart", "ignoredisk", "autopart", "reqpart", "zerombr",
                              "bootloader"))


@dataclass(frozen=True)
class LintFinding(Finding):
    """A finding of the linter. ``line`` is the line of the linted file (for a line of an
    ``%include``-d file, the ``%include`` line); when the line is in an included file,
    *file* and *file_line* say where, and *included_from* lists the ``%include`` lines
    that lead there (``"main.ks:4"``, outermost first)."""
    file: Optional[str] = None
    file_line: Optional[int] = None
    included_from: Tuple[str, ...] = ()

    @property
    def location(self):
        """``(file or None for the linted file, line)`` of the text the finding is about."""
        return (self.file, self.file_line) if self.file else (None, self.line)


class _Findings:
    """Findings of one kickstart with the parser's line numbers (placed at the end)."""

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


class _State:
    """What one lint saw, for :mod:`org_ovirt_node.kickstart.fixer`: the parse (valid until
    the next one, under :data:`_LOCK`), the expansion, the profile judged against, the
    layout and the findings with the parser's line numbers."""

    def __init__(self, text, filename, base_dir, expansion):
        self.text, self.filename, self.base_dir = text, filename, base_dir
        self.expansion = expansion
        self.handler = self.data = self.profile = self.layout = None
        self.parsed = False
        self.raw = []
        self.report = None


def lint_text(text, filename="<stdin>", profile=None, ks_version=DEFAULT_KS_VERSION,
              base_dir=None, overrides=None):
    """Lint kickstart *text* (``str``, or ``bytes`` in UTF-8) and return a
    :class:`~org_ovirt_node.findings.Report` of :class:`LintFinding` s in file and line
    order.

    *profile*: a :class:`~org_ovirt_node.profile.Profile`, a built-in name or a path; it
    replaces the profile ``%addon`` names. Relative ``%include`` paths (and a relative
    ``%addon --profile`` path) are resolved against *base_dir* (default: the folder of
    *filename*, or the current one). *overrides* maps paths of included files to texts
    read instead of theirs. Raises only :class:`LintInputError` (bytes that are not UTF-8
    text, an unknown *ks_version*, an input bound reached: see :func:`expand_includes`)
    and, for a *profile* argument that cannot be loaded, ``ProfileError``.
    """
    with _LOCK:
        return lint_state(text, filename, profile, ks_version, base_dir, overrides).report


def lint_state(text, filename="<stdin>", profile=None, ks_version=DEFAULT_KS_VERSION,
               base_dir=None, overrides=None):
    """:func:`lint_text`, returning the :class:`_State` (its ``report`` is the result).
    Callers hold :data:`_LOCK` while they use the state's parse."""
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
    main_dir = None
    if base_dir is None:
        if os.path.isfile(filename):
            base_dir = main_dir = os.path.dirname(filename)
        else:
            base_dir = os.getcwd()
    elif filename not in ("<stdin>", "-") and \
            os.path.abspath(os.path.dirname(filename)) == os.path.abspath(base_dir):
        main_dir = os.path.dirname(filename)
    overrides = {os.path.normpath(k): v for k, v in (overrides or {}).items()}
    with _LOCK:
        _reusable(ks_version)  # an unknown version is a usage problem, raised here
        return _lint(text, filename, profile, ks_version, base_dir, overrides, main_dir)


def _lint(text, filename, profile, ks_version, base_dir, overrides=None, main_dir=None):
    findings = _Findings()
    try:
        expansion = expand_includes(text, base_dir, out=_Expansion(overrides, main_dir))
    except _BoundError as exc:
        raise LintInputError(exc.message, filename, exc.line) from None
    state = _State(text, filename, base_dir, expansion)
    parsed = _parse_all(expansion, base_dir, ks_version, findings)
    if parsed is None:
        state.raw = findings.items
        state.report = _placed_report(findings.items, expansion, filename)
        return state
    state.parsed = True
    state.handler, state.data, addon_errors = parsed
    _judge(state, addon_errors, profile, findings)
    state.raw = findings.items
    state.report = _placed_report(findings.items, expansion, filename)
    return state


def _parse_all(expansion, base_dir, ks_version, findings):
    """``(handler, data, addon_errors)``, or None with an ONN107 finding for each
    error pykickstart raises: it stops at the first, so the line is blanked and the text
    parsed again, up to :data:`MAX_PARSE_ERRORS` errors and :data:`MAX_PARSE_WORK` lines
    (a section header is not blanked: its body would turn into commands)."""
    lines = expansion.lines
    work, failed, seen, first, modes = 0, False, set(), 1, None
    while True:
        work += len(lines)
        try:
            handler, data, addon_errors, _exp = parse_kickstart(None, base_dir, ks_version,
                                                                expansion)
        except Exception as exc:  # noqa: BLE001 - pykickstart raises more than KickstartError
            failed = True
            lineno = getattr(exc, "lineno", None)
            if not isinstance(lineno, int) or not 0 < lineno <= len(lines):
                lineno = _unsplittable_line(expansion)
            if lineno in seen:      # blanking it did not help (a section left open...)
                break
            seen.add(lineno)
            findings.add("ks-syntax", _syntax_message(exc, expansion, lineno), line=lineno)
            if lineno is None or lines[lineno - 1].lstrip().startswith("%") or \
                    len(findings.items) >= MAX_PARSE_ERRORS or work > MAX_PARSE_WORK:
                break
            if expansion.lines is lines:     # blank a copy: the state keeps the text
                lines = expansion.lines = list(lines)
            # The lines up to an error in a command parsed: the next parse reads only the
            # rest, so a kickstart costs about one parse more (not in a section: its body
            # would turn into commands).
            if modes is None:
                splitting = _Splitting()
                modes = [splitting.mode(line) for line in lines]
            if modes[lineno - 1] == "command":
                for number in range(first, lineno):
                    lines[number - 1] = "#\n"
                first = lineno
            origin = expansion.origins.get(lineno)
            if origin is None:
                lines[lineno - 1] = "#\n"
            else:
                # One error per included file: a file that is no kickstart (a secret of
                # the machine) must not be quoted back line by line.
                for number, other in expansion.origins.items():
                    if other.path == origin.path:
                        lines[number - 1] = "#\n"
            continue
        if failed:
            break
        return handler, data, addon_errors
    return None


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
    data = read_kickstart(path)
    return lint_text(data, filename=path, profile=profile, ks_version=ks_version,
                     base_dir=os.path.dirname(os.path.abspath(path)))


def read_kickstart(path):
    """The bytes of the kickstart at *path* (at most one byte past the bound: /dev/zero or
    a huge file ends there). Raises :class:`LintInputError`."""
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_EXPANDED_BYTES + 1)
    except OSError as exc:
        raise LintInputError(_("cannot read %(file)s: %(error)s")
                             % {"file": path, "error": exc.strerror or exc}) from None


def kickstarts_in(paths):
    """*paths* with every directory replaced by the ``*.ks`` files in it (sorted, not
    recursive); ``-`` and files are kept as they are."""
    out = []
    for path in paths:
        if path != "-" and os.path.isdir(path):
            try:
                names = sorted(os.listdir(path))
            except OSError as exc:
                raise LintInputError(_("cannot read %(file)s: %(error)s")
                                     % {"file": path, "error": exc.strerror or exc}) from None
            out.extend(os.path.join(path, n) for n in names if n.endswith(".ks")
                       and os.path.isfile(os.path.join(path, n)))
        else:
            out.append(path)
    return out


def lint_paths(paths, profile=None, ks_version=DEFAULT_KS_VERSION):
    """Lint files and directories (each ``*.ks`` file in a directory): yields ``(path,
    report or LintInputError)`` in order, so one unreadable file does not stop the rest."""
    for path in kickstarts_in(paths):
        try:
            yield path, lint_file(path, profile=profile, ks_version=ks_version)
        except LintInputError as exc:
            yield path, exc


def exit_code(report, strict=False):
    """2 when the kickstart did not parse, else the report's own 0/1."""
    if any(f.code == SYNTAX_CODE for f in report.findings):
        return 2
    return report.exit_code(strict)


_DYNAMIC_MESSAGES = {
    "pre": N_("%%include %(path)s is written by a %%pre script: the partitioning is "
              "generated at install time and cannot be judged here."),
    "missing": N_("%%include %(path)s does not exist here: what it adds (often the "
                  "partitioning) cannot be judged statically."),
    "loop": N_("%%include %(path)s is nested too deeply or includes itself; it was not "
               "read."),
    "special": N_("%%include %(path)s is not a regular file; it was not read."),
    "binary": N_("%%include %(path)s is not a text file (NUL bytes or not UTF-8); it was "
                 "not read."),
}


def _judge(state, addon_errors, profile, findings):
    expansion, data = state.expansion, state.data
    for exc in addon_errors:
        findings.add("ks-addon", exc.message or str(exc), line=exc.lineno)
    # The overrides that were read are judged against the profile even when others were
    # not: every problem of the section at once. The layout is judged only when none.
    resolved = _resolve(data, profile, findings, state.base_dir)
    if addon_errors:
        resolved = None
    findings.profile = state.profile = resolved

    for _line, path, reason, pline in expansion.dynamic:
        message = _(_DYNAMIC_MESSAGES.get(
            reason, N_("%%include %(path)s cannot be read; what it adds cannot be judged.")))
        findings.add("ks-dynamic", message % {"path": _short(path, 80)}, line=pline,
                     hint=_("The addon checks the real layout during the installation "
                            "(%%addon %(name)s --mode=enforce).") % {"name": "org_ovirt_node"})
    _contradictions(expansion, findings)
    _partitioning(state, findings)


def _resolve(data, profile, findings, base_dir="."):
    """The profile to judge against, or None (with an ONN106 finding) when there is none.
    Every override that does not fit the profile is reported (each is applied on what the
    ones before it made; a failing one is skipped); a relative ``--profile`` path is read
    from the kickstart's folder, like ``%include``."""
    from org_ovirt_node.kickstart.addon import OvirtNodeData, limit_quoted
    from org_ovirt_node.profile import ProfileError
    name = data.profile
    if isinstance(name, str) and (os.sep in name or name.endswith((".yaml", ".yml"))) \
            and not os.path.isabs(name) and os.path.exists(os.path.join(base_dir, name)):
        data.profile = os.path.join(base_dir, name)
    try:
        base = profile
        if base is None:
            try:
                base = load_profile_cached(data.profile)
            except ProfileError:
                # resolve_profile words the problem with the %addon line.
                return data.resolve_profile()
        if not data.seen:
            return base
    except Exception as exc:  # noqa: BLE001 - resolve_profile raises KickstartParseError
        findings.add("ks-addon", getattr(exc, "message", None) or limit_quoted(exc),
                     line=getattr(exc, "lineno", None))
        return None
    failed = 0
    for override in data.overrides:
        one = OvirtNodeData()
        one.seen, one.profile, one.header_lineno = True, data.profile, data.header_lineno
        one.overrides = [override]
        try:
            base = one.resolve_profile(base=base)
        except Exception as exc:  # noqa: BLE001 - resolve_profile raises KickstartParseError
            failed += 1
            if failed <= MAX_ADDON_PROBLEMS:
                findings.add("ks-addon", getattr(exc, "message", None) or limit_quoted(exc),
                             line=getattr(exc, "lineno", None))
    if failed > MAX_ADDON_PROBLEMS:
        findings.add("ks-addon", P_(
            "%%addon %(name)s: and %(count)d more override that does not fit the profile",
            "%%addon %(name)s: and %(count)d more overrides that do not fit the profile",
            failed - MAX_ADDON_PROBLEMS) % {"name": "org_ovirt_node",
                                            "count": failed - MAX_ADDON_PROBLEMS},
            line=data.header_lineno)
    return None if failed else base


def _contradictions(expansion, findings):
    """A command given once per kickstart (:data:`_SINGLE_COMMANDS`) given again with
    other options: pykickstart keeps the last, silently. Often one is in an %include."""
    splitting = _Splitting()
    seen = {}
    for number, line in enumerate(expansion.lines, 1):
        if splitting.mode(line) != "command" or line.lstrip()[:1] == "%":
            continue
        word = line.split(None, 1)[0]
        if word not in _SINGLE_COMMANDS:
            continue
        try:
            words = fast_split(line, comments=True)
        except ValueError:
            continue
        first = seen.get(word)
        if first is None:
            seen[word] = (number, words)
            continue
        if first[1] != words:
            findings.add("ks-inconsistent",
                         _("%(command)s is given again (first at %(first)s) with other "
                           "options; only this one counts.")
                         % {"command": word, "first": _line_name(expansion, first[0])},
                         line=number,
                         hint=_("Keep one %(command)s command, in one file.")
                         % {"command": word})
        seen[word] = (number, words)


def _line_name(expansion, pline):
    """``file:line`` of parser line *pline* for a message (the file as named)."""
    origin = expansion.origins.get(pline)
    if origin is not None:
        return "%s:%d" % (_short(origin.display, 80), origin.line)
    return _("line %(line)d") % {"line": expansion.line_map[pline - 1]}


def _has_manual(handler):
    return bool(getattr(getattr(handler, "partition", None), "partitions", None)
                or getattr(getattr(handler, "volgroup", None), "vgList", None)
                or getattr(getattr(handler, "logvol", None), "lvList", None)
                or getattr(getattr(handler, "raid", None), "raidList", None)
                or getattr(getattr(handler, "reqpart", None), "reqpart", False)
                or getattr(getattr(handler, "btrfs", None), "btrfsList", None))


def _partitioning(state, findings):
    handler, expansion, profile = state.handler, state.expansion, state.profile
    autopart = getattr(handler, "autopart", None)
    dynamic = bool(expansion.dynamic)
    if autopart is not None and getattr(autopart, "autopart", False):
        _autopart(autopart, autopart.lineno, profile, findings)
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
    # Devices carry the parser's lines; findings are placed in their files at the end.
    layout, issues = layout_from_handler(handler, profile, origin=state.filename,
                                         line_of=_same)
    state.layout = layout
    ctx = Context(layout, profile)
    ctx.handler, ctx.line_of, ctx.issues = handler, _same, issues
    table = dict(RULES)
    table.update(KICKSTART_RULES)
    judged = [_soften_growing(f, layout)
              for f in run_rules(ctx, table, only=PARTIAL_RULES if dynamic else None)]
    if any(f.rule in _HINT_RULES for f in judged):
        # Hints in the kickstart's terms: the option and value to write on the line.
        from org_ovirt_node.kickstart.fixer import kickstart_hints
        judged = kickstart_hints(state, judged)
    findings.items.extend(judged)


def _same(lineno):
    return lineno


# --- placing findings -----------------------------------------------------------------
_SEVERITY_RANK = {catalog.ERROR: 0, catalog.WARNING: 1, catalog.INFO: 2}


def _relocate(finding, expansion, filename):
    """*finding* (parser line) as a :class:`LintFinding` in the linted file's lines, with
    the included file's own line when it is about one; and its sort key."""
    pline = finding.line
    values = {f.name: getattr(finding, f.name) for f in dataclasses.fields(Finding)}
    if not isinstance(pline, int) or not 0 < pline <= len(expansion.line_map):
        return LintFinding(**values), (0, ())
    values["line"] = expansion.line_map[pline - 1]
    origin = expansion.origins.get(pline)
    if origin is None:
        return LintFinding(**values), (values["line"], ())
    via = tuple("%s:%d" % (filename if name is None else name, line)
                for name, line in origin.via)
    key = (values["line"], tuple(line for _name, line in origin.via[1:]) + (origin.line,))
    return LintFinding(file=origin.display, file_line=origin.line, included_from=via,
                       **values), key


def _placed_report(items, expansion, filename):
    """The report: findings in file and line order (those without a line first; the lines
    of an included file at its %include line), errors first on one line, rule order
    otherwise."""
    placed = [_relocate(f, expansion, filename) for f in items]
    placed.sort(key=lambda pair: (pair[1], _SEVERITY_RANK.get(pair[0].severity, 3)))
    return Report(tuple(f for f, _key in placed), origin=filename)


def render_text(report, origin=None, hints=True):
    """``file:line: severity: CODE message`` lines (plus an indented hint), a finding in
    an included file at that file's line, followed by where it is included from."""
    where = origin if origin is not None else report.origin
    lines = []
    for f in report.findings:
        if getattr(f, "file", None):
            loc = "%s:%d" % (f.file, f.file_line)
        else:
            loc = "%s:%d" % (where, f.line) if f.line else where
        text = "%s: %s: %s %s" % (loc, f.severity, f.code, f.message)
        if getattr(f, "included_from", ()):
            text += " " + _("(included from %(where)s)") % {
                "where": ", ".join(f.included_from)}
        lines.append(text)
        if hints and f.hint:
            lines.append("    %s" % f.hint)
    return "\n".join(lines)

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
            slug = "required-mount" if rule.required else "created-mount" \
                if getattr(rule, "presence", None) == "created" else "optional-mount"
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
        if "vg-no-reserve" in catalog.CATALOG and ctx.root_pool is not None and \
                ctx.root_pool.grow:
            return      # an error of its own (vg-no-reserve), not this warning too
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
