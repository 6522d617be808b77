# SPDX-License-Identifier: GPL-2.0-or-later
"""Declarative storage profiles: YAML files that say what the layout must be.

A profile is loaded with :func:`load_profile` (a built-in name such as ``ovirt-node`` or a
path), validated against a strict schema, and turned into an immutable :class:`Profile`.
``extends:`` merges a base profile under the file's own keys, so a site writes only its
differences. Every problem is a :class:`ProfileError` that names ``file:line:column``, the
key path and what was expected; YAML is read with ``SafeLoader`` only.

Profiles are input from whoever wrote the kickstart or the command line, and a profile path
may name any file of the machine, so loading is bounded and never discloses a file:

- a profile must be a regular UTF-8 file of at most :data:`MAX_PROFILE_BYTES`, read with a
  bounded read (never a device, FIFO or directory); ``extends`` chains are at most
  :data:`MAX_EXTENDS` long;
- YAML anchors and aliases are refused outright (``&a``/``*a``, hence merge keys ``<<: *a``
  too): counting alias expansion would still allow large documents for no benefit, and
  ``extends:`` is the way to share settings. Nesting is capped at :data:`MAX_DEPTH`, a
  document at :data:`MAX_NODES` values and a scalar at ``sanitize.MAX_SCALAR`` characters,
  all checked while composing, before anything is built;
- a scalar YAML cannot construct (``2001-13-45``, ``!!bool maybe``) or an integer beyond
  64 bits is a located problem, like any other; sizes lie in 1 B–8 EiB;
- every name that reaches generated text (mount points, mount options, VG/pool names, the
  LV names derived from mount points, the profile's name) is checked with
  :mod:`org_ovirt_node.names` here, so no profile can add lines to a kickstart;
- messages quote at most a short excerpt (:func:`~org_ovirt_node.sanitize.excerpt`), a file
  none of whose top-level keys is a profile key gets one problem, and at most
  :data:`MAX_PROBLEMS` problems are listed.

The schema (see ``data/profiles/ovirt-node.yaml`` for a commented example)::

    name, description, extends
    disk:          {min_total}
    volume_group:  {name, reserve_percent, reserve_min, reserve_max}
    thin_pool:     {name, overcommit, min_metadata, all_thin_in_root_pool,
                    max_data_percent, max_metadata_percent}
    filesystems:   {allowed, default, options}
    swap:          {policy, kind, min}
    mounts:        {<mount point>: {presence, kind, min, recommended, default, created_size,
                                    grow, filesystems, options}}
    forbidden_mounts: [<mount point>, ...]
    rules:         {<slug or code>: error|warning|info|off}

A mount's ``presence`` says what its absence means: ``required`` (an error, ONN002: the
install or imgbased fails without it), ``created`` (a warning, ONN016: imgbased creates it
at the first update as a thin LV of ``created_size`` in the pool of /, so the layout works
but the volume is not there at install time) or ``optional`` (ONN013). Required and created
mounts are planned; optional ones are not. Sizes: ``min`` is the hard minimum (ONN005,
an error below it: the installer or imgbased refuses), ``recommended`` the size below which
a warning says so (ONN017: e.g. the size imgbased gives a volume it creates, and it never
resizes one that exists), ``default`` what the planner asks for (default: ``recommended``,
else ``min``); ``min <= recommended <= default``. docs/profiles.md describes every key.

A profile without ``name:`` is named after its file. Problems that an ``extends:`` base
contributes (an inherited value the file's own values contradict) are reported at the
file's own line, saying where the inherited value comes from. Sizes in decimal units
(``10 GB``) are accepted with a note (:attr:`Profile.notes`) giving their binary value.
An unknown key, rule, severity or profile name (``extends:``, :func:`load_profile`, hence
``%addon --profile=``) gets ``did you mean`` the closest known one
(:mod:`org_ovirt_node.suggest`).
"""
import functools
import os
import posixpath
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional, Tuple

import yaml

from org_ovirt_node import rules as rule_catalog
from org_ovirt_node.files import LARGE, SPECIAL, FileReadError, read_regular_file
from org_ovirt_node.i18n import N_, P_, _
from org_ovirt_node.names import (
    InvalidNameError,
    check_lvm_name,
    check_mount_options,
    check_mountpoint,
    lv_name_for_mountpoint,
)
from org_ovirt_node.sanitize import MAX_SCALAR, excerpt
from org_ovirt_node.suggest import closest, did_you_mean, with_suggestion
from org_ovirt_node.units import EiB, SizeError, decimal_note, format_size, parse_size

PROFILE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "profiles")
# Defined once in the rule catalogue (with SWAP_POLICIES below); re-exported here, the CLI
# imports it from here.
DEFAULT_PROFILE = rule_catalog.DEFAULT_PROFILE

# Device kinds a profile may ask for.
KIND_THIN = "thin"            # thin LV in the thin pool of /
KIND_LV = "lv"                # ordinary (thick) LV
KIND_PARTITION = "partition"  # a partition (or an MD array of partitions), never on LVM
KIND_ANY = "any"
MOUNT_KINDS = (KIND_THIN, KIND_LV, KIND_PARTITION, KIND_ANY)

REQUIRED, CREATED, OPTIONAL = "required", "created", "optional"
PRESENCES = (REQUIRED, CREATED, OPTIONAL)
SWAP_POLICIES = rule_catalog.SWAP_POLICIES
# The default severity of the swap rule under each swap policy.
_SWAP_SEVERITY = {rule_catalog.SWAP_REQUIRED: rule_catalog.ERROR,
                  rule_catalog.SWAP_RECOMMENDED: rule_catalog.WARNING,
                  rule_catalog.SWAP_NONE: rule_catalog.OFF}
FILESYSTEMS = ("ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "efi")

# Bounds on what a profile may cost to load (see the module docstring).
MAX_PROFILE_BYTES = 256 * 1024  # pure-Python YAML reads ~1 MiB in 2-4 s; profiles are ~2 KiB
MAX_DEPTH = 32
MAX_NODES = 2000  # a full profile has ~150; pure-Python YAML takes ~80 us per value
MAX_EXTENDS = 16
MAX_PROBLEMS = 20
MAX_SIZE = 8 * EiB
MAX_INT = 2 ** 63
MAX_NAME = 255


class ProfileError(Exception):
    """A profile that cannot be used. ``problems`` lists every problem found, each a
    :class:`Problem`; ``str()`` gives one ``file:line:column: key: message`` per line."""

    def __init__(self, problems):
        problems = list(problems)
        if len(problems) > MAX_PROBLEMS + 1:
            rest = len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS] + [Problem(
                problems[MAX_PROBLEMS].file, None, None, "",
                P_("... and %(count)d more problem", "... and %(count)d more problems", rest)
                % {"count": rest})]
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Problem:
    file: str
    line: Optional[int]
    column: Optional[int]
    key: str
    message: str
    severity: str = "error"         # "note" for the remarks of Profile.notes

    @property
    def location(self):
        """``file:line:column`` (as much of it as is known); control characters in the
        file name are escaped."""
        where = str(self.file)
        if not where.isprintable():
            where = excerpt(where, 200, quote=False)
        if self.line is not None:
            where += ":%d" % self.line
            if self.column is not None:
                where += ":%d" % self.column
        return where

    def __str__(self):
        return "%s: %s: %s" % (self.location, self.key or "(top)", self.message)

    def diagnostic(self):
        """The compiler-style line editors and CI understand:
        ``file:line:column: error: key: message``."""
        key = "%s: " % self.key if self.key else ""
        return "%s: %s: %s%s" % (self.location, self.severity, key, self.message)

    def to_dict(self):
        return {"file": self.file, "line": self.line, "column": self.column,
                "key": self.key, "message": self.message, "severity": self.severity}


# --- located YAML -----------------------------------------------------------------------
@dataclass(frozen=True)
class Mark:
    file: str
    line: Optional[int] = None
    column: Optional[int] = None


class LMap(dict):
    """A mapping that remembers where it and each of its keys' values came from."""

    def __init__(self, mark, items=(), marks=None):
        super().__init__(items)
        self.mark = mark
        self.marks = dict(marks or {})

    def mark_of(self, key):
        return self.marks.get(key, self.mark)


class LList(list):
    def __init__(self, mark, items=(), marks=()):
        super().__init__(items)
        self.mark = mark
        self.marks = list(marks)


def _mark(node, filename):
    return Mark(filename, node.start_mark.line + 1, node.start_mark.column + 1)


_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_YAML_TAG_PREFIX = "tag:yaml.org,2002:"


class _LimitError(yaml.MarkedYAMLError):
    """A profile beyond a structural limit (an anchor or alias, depth, size), found while
    composing, before any node is built."""


class _BoundedLoader(yaml.SafeLoader):
    """``SafeLoader`` whose composer refuses anchors and aliases and caps the nesting depth,
    the number of nodes and the length of scalars. The scanner and parser of PyYAML are not
    recursive; the composer is, so the depth cap also keeps it far from ``RecursionError``."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def _limit(self, event, message):
        raise _LimitError(problem=message, problem_mark=event.start_mark)

    def compose_node(self, parent, index):
        event = self.peek_event()
        if event.anchor is not None:
            sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
            self._limit(event, _(
                "YAML anchors and aliases are not supported in profiles (found %(what)s); "
                "write the value out, or share settings with extends:")
                % {"what": sign + excerpt(event.anchor, 20, quote=False)})
        self._nodes += 1
        if self._nodes > MAX_NODES:
            self._limit(event, _("the profile has more than %(max)d values") % {
                "max": MAX_NODES})
        if isinstance(event, yaml.ScalarEvent):
            if len(event.value) > MAX_SCALAR:
                self._limit(event, _("a value longer than %(max)d characters") % {
                    "max": MAX_SCALAR})
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            self._limit(event, _("mappings and lists are nested deeper than %(max)d levels")
                        % {"max": MAX_DEPTH})
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _to_located(node, filename, constructor, problems, path=""):
    """Turn a composed YAML node into LMap/LList/scalars, flagging duplicate keys.

    Only the SafeLoader's constructors run; a collection with any other tag (e.g.
    ``!!python/object``) is a problem, not silently read as a plain mapping or list.
    Recursion is bounded by the composer's depth cap."""
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) \
            and node.tag not in (_MAP_TAG, _SEQ_TAG):
        problems.append(Problem(filename, *_line_col(node), path,
                                _("unsupported YAML tag %(tag)s") % {"tag": _clip(node.tag)}))
        return None
    if isinstance(node, yaml.MappingNode):
        out = LMap(_mark(node, filename))
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(filename, *_line_col(key_node), path,
                                        _("keys must be plain strings")))
                continue
            key = str(_scalar(key_node, filename, constructor, problems, path))
            key_path = _join(path, key)
            if key in out:
                problems.append(Problem(filename, *_line_col(key_node), key_path,
                                        _("duplicate key (first at line %(line)d)")
                                        % {"line": out.marks[key].line}))
                continue
            out[key] = _to_located(value_node, filename, constructor, problems, key_path)
            out.marks[key] = _mark(key_node, filename)
        return out
    if isinstance(node, yaml.SequenceNode):
        items, marks = [], []
        for i, item in enumerate(node.value):
            items.append(_to_located(item, filename, constructor, problems,
                                     "%s[%d]" % (path, i)))
            marks.append(_mark(item, filename))
        return LList(_mark(node, filename), items, marks)
    return _scalar(node, filename, constructor, problems, path)


def _scalar(node, filename, constructor, problems, path):
    """Construct a scalar with the safe constructor; a tag it refuses, a value it cannot
    convert (``2001-13-45`` as a timestamp) or an integer beyond 64 bits becomes a problem."""
    try:
        value = constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        problems.append(Problem(filename, *_line_col(node), path,
                                _("bad YAML value: %(error)s") % {
                                    "error": _clip(getattr(exc, "problem", None) or exc)}))
        return None
    except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError):
        # SafeConstructor lets these escape for text its resolver matched loosely.
        problems.append(Problem(filename, *_line_col(node), path,
                                _("cannot read %(value)s as YAML type %(tag)s") % {
                                    "value": excerpt(node.value), "tag": _short_tag(node.tag)}))
        return None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= MAX_INT:
        problems.append(Problem(filename, *_line_col(node), path,
                                _("the number %(value)s is out of range") % {
                                    "value": excerpt(node.value, 24)}))
        return None
    return value


def _short_tag(tag):
    if tag.startswith(_YAML_TAG_PREFIX):
        return "!!" + tag[len(_YAML_TAG_PREFIX):]
    return _clip(tag)


def _clip(text, limit=160):
    """Text from YAML's own messages or tags, cut short and with control characters escaped."""
    return excerpt(text, limit, quote=False)


def _line_col(node):
    return node.start_mark.line + 1, node.start_mark.column + 1


def _key_text(key):
    """A key as it appears in a key path: itself when it looks like a key or a mount point,
    else a short excerpt (a file that is not a profile must not be printed through its keys)."""
    key = str(key)
    if len(key) <= 40 and key.isprintable() and (
            key.replace("_", "").replace("-", "").replace(".", "").isalnum()
            or (key.startswith("/") and not any(c.isspace() for c in key))):
        return key
    return excerpt(key, 16)


def _join(path, key):
    return "%s.%s" % (path, _key_text(key)) if path else _key_text(key)


def parse_yaml(text, filename):
    """Parse *text* into located data (``SafeLoader`` only, bounded: see the module
    docstring). Raises :class:`ProfileError`."""
    if isinstance(text, (bytes, bytearray)):
        text = _decode(bytes(text), filename)
    if not isinstance(text, str):
        raise ProfileError([Problem(filename, None, None, "", _("expected YAML text"))])
    if len(text) > MAX_PROFILE_BYTES:
        raise ProfileError([Problem(filename, None, None, "", _too_big())])
    try:
        node = yaml.compose(text, Loader=_BoundedLoader)
    except _LimitError as exc:
        mark = exc.problem_mark
        raise ProfileError([Problem(filename, mark.line + 1, mark.column + 1, "",
                                    exc.problem)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = _("not valid YAML: %(error)s") % {
            "error": _clip(exc.problem or _("syntax error"))}
        raise ProfileError([Problem(filename, line, col, "", message)]) from None
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow (NUL, most control characters, a lone surrogate).
        position = exc.position
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        character = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = _("not valid YAML: the character #x%(code)04x is not allowed") % {
            "code": character}
        raise ProfileError([Problem(filename, line, column, "", message)]) from None
    except yaml.YAMLError as exc:
        message = _("not valid YAML: %(error)s") % {"error": _clip(exc)}
        raise ProfileError([Problem(filename, None, None, "", message)]) from None
    if node is None:
        raise ProfileError([Problem(filename, 1, 1, "", _("the profile is empty"))])
    problems = []
    constructor = yaml.SafeLoader("")
    try:
        data = _to_located(node, filename, constructor, problems)
    except yaml.YAMLError as exc:
        message = _("bad YAML value: %(error)s") % {"error": _clip(exc)}
        raise ProfileError([Problem(filename, None, None, "", message)]) from None
    if problems:
        raise ProfileError(problems)
    if not isinstance(data, LMap):
        raise ProfileError([Problem(filename, 1, 1, "", _("expected a mapping of profile keys"))])
    return data


def merge(base, over):
    """Deep-merge located *over* onto *base*: mappings merge key by key, anything else
    (lists included) is replaced. Marks follow the value that wins."""
    if not (isinstance(base, dict) and isinstance(over, dict)):
        return over
    out = LMap(getattr(over, "mark", None) or getattr(base, "mark", None))
    out.update(base)
    out.marks.update(getattr(base, "marks", {}))
    for key, value in over.items():
        out[key] = merge(base[key], value) if key in base else value
        if hasattr(over, "marks") and key in over.marks:
            out.marks[key] = over.marks[key]
    return out


# --- the profile ------------------------------------------------------------------------
@dataclass(frozen=True)
class MountRule:
    """What one mount point must look like."""

    mountpoint: str
    presence: str = REQUIRED
    kind: str = KIND_THIN
    min_size: Optional[int] = None          # hard minimum: an error below it
    default_size: Optional[int] = None      # what the planner asks for
    grow: bool = False
    filesystems: Tuple[str, ...] = ()
    options: Tuple[str, ...] = ()
    where: str = ""                 # "file:line" of its definition, for messages
    recommended_size: Optional[int] = None  # a warning below it
    created_size: Optional[int] = None      # presence created: what imgbased creates

    @property
    def required(self):
        """Its absence is an error."""
        return self.presence == REQUIRED

    @property
    def planned(self):
        """The planner creates it (required and created mounts)."""
        return self.presence in (REQUIRED, CREATED)


@dataclass(frozen=True)
class Profile:
    """A validated, immutable profile. Build with :func:`load_profile`."""

    name: str
    description: str
    source: str
    mounts: Mapping[str, MountRule]
    forbidden_mounts: Tuple[str, ...]
    min_disk_total: Optional[int]
    vg_name: str
    reserve_percent: float
    reserve_min: int
    reserve_max: Optional[int]
    pool_name: str
    overcommit: bool
    min_metadata: Optional[int]
    all_thin_in_root_pool: bool
    max_data_percent: float
    max_metadata_percent: float
    filesystems: Tuple[str, ...]
    default_filesystem: str
    options: Tuple[str, ...]
    swap_policy: str
    swap_kind: str
    swap_min: Optional[int]
    severities: Mapping[str, str]
    raw: Mapping = field(repr=False, compare=False, default_factory=dict)
    # Remarks that do not stop the profile from loading (a decimal size unit), as
    # Problem(severity="note"); the command line prints them.
    notes: Tuple[Problem, ...] = field(compare=False, default=())

    @property
    def root(self) -> MountRule:
        return self.mounts["/"]

    @property
    def root_kind(self):
        return self.root.kind

    def severity(self, slug):
        """Severity of rule *slug* in this profile (``off`` disables it)."""
        if slug in self.severities:
            return self.severities[slug]
        if slug == "swap":
            # The swap policy sets the default; an explicit rules: entry wins.
            return _SWAP_SEVERITY[self.swap_policy]
        return rule_catalog.CATALOG[slug].severity

    def reserve_for(self, vg_size):
        """The space the profile wants kept free in a VG of *vg_size* bytes."""
        reserve = int(vg_size * self.reserve_percent / 100)
        reserve = max(reserve, self.reserve_min)
        if self.reserve_max is not None:
            reserve = min(reserve, self.reserve_max)
        return reserve

    def derive(self, overrides, origin):
        """A new profile: *overrides* (plain or located data in the profile schema) merged
        over this one and validated again. Problems are reported against *origin*."""
        located = _locate_plain(overrides, origin)
        return _build(merge(self.raw, located), origin=origin)

    def to_dict(self):
        return _plain(self.raw)


def _locate_plain(value, origin, depth=0):
    """Plain override data (from ``--set`` or a kickstart) as located data, nested at most
    :data:`MAX_DEPTH` levels like a profile file."""
    if isinstance(value, LMap) or isinstance(value, LList):
        return value
    if isinstance(value, (dict, list, tuple)) and depth >= MAX_DEPTH:
        raise ProfileError([Problem(origin, None, None, "", _(
            "mappings and lists are nested deeper than %(max)d levels") % {"max": MAX_DEPTH})])
    if isinstance(value, dict):
        return LMap(Mark(origin), {k: _locate_plain(v, origin, depth + 1)
                                   for k, v in value.items()},
                    {k: Mark(origin) for k in value})
    if isinstance(value, (list, tuple)):
        return LList(Mark(origin), [_locate_plain(v, origin, depth + 1) for v in value],
                     [Mark(origin)] * len(value))
    return value


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# --- loading ----------------------------------------------------------------------------
def builtin_profiles():
    """Names of the profiles shipped with the addon."""
    try:
        names = os.listdir(PROFILE_DIR)
    except OSError:
        return []
    return sorted(n[:-5] for n in names if n.endswith(".yaml"))


def resolve_profile_path(name_or_path, relative_to=None):
    """A built-in name or a path (relative to *relative_to*'s folder) -> an existing path.

    A path is returned when anything exists there, so that reading it can say what is wrong
    (a directory, a device); a built-in name must be a file of the profile folder."""
    candidates = []
    if os.sep in name_or_path or name_or_path.endswith((".yaml", ".yml")):
        if relative_to and not os.path.isabs(name_or_path):
            candidates.append(os.path.join(os.path.dirname(relative_to), name_or_path))
        candidates.append(name_or_path)
        exists = os.path.exists
    else:
        candidates.append(os.path.join(PROFILE_DIR, name_or_path + ".yaml"))
        exists = os.path.isfile
    for path in candidates:
        if exists(path):
            # Built-ins are reached through a symlink; name the file people edit.
            return os.path.realpath(path) if path.startswith(PROFILE_DIR) else path
    return None


def _profile_stem(name_or_path):
    """The built-in name a profile name or path may have meant: ``./ovirt-nod.yaml`` ->
    ``ovirt-nod`` (what ``did you mean`` compares with the built-in names)."""
    stem = os.path.basename(str(name_or_path))
    for suffix in (".yaml", ".yml"):
        if stem.endswith(suffix):
            stem = stem[:-len(suffix)]
    return stem


def suggest_profile(name_or_path):
    """``did you mean ovirt-node?`` (translated) when *name_or_path* names nothing and is
    close to a built-in profile's name; ``""`` otherwise. :func:`load_profile` and
    ``extends:`` add it to their "no such profile" problem."""
    if not isinstance(name_or_path, str) or not name_or_path \
            or resolve_profile_path(name_or_path) is not None:
        return ""
    return did_you_mean(_profile_stem(name_or_path), builtin_profiles())


def load_profile(name_or_path=DEFAULT_PROFILE):
    """Load and validate a profile by built-in name or path. Raises :class:`ProfileError`."""
    if not isinstance(name_or_path, str) or not name_or_path:
        raise ProfileError([Problem(_("<profile>"), None, None, "",
                                    _("expected a profile name or path, got %(value)s")
                                    % {"value": _show(name_or_path)})])
    path = resolve_profile_path(name_or_path)
    if path is None:
        raise ProfileError([Problem(name_or_path, None, None, "", with_suggestion(
            _("no such profile (built-in profiles: %(names)s)")
            % {"names": ", ".join(builtin_profiles())},
            _profile_stem(name_or_path), builtin_profiles()))])
    return _build(_load_raw(path, (), top=True), origin=path)


def load_profile_text(text, filename="<profile>"):
    """Validate a profile given as YAML text (``extends:`` is resolved against built-ins)."""
    return _build(_resolve_extends(parse_yaml(text, filename), filename, (), top=True),
                  origin=filename)


def _too_big():
    return _("the file is larger than %(max)s; a profile is a small YAML file") % {
        "max": format_size(MAX_PROFILE_BYTES)}


def _decode(data, path):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError([Problem(path, None, None, "", _(
            "cannot read: not UTF-8 text (byte 0x%(byte)02x at offset %(offset)d)") % {
                "byte": data[exc.start], "offset": exc.start})]) from None


def read_profile_file(path):
    """The text of the profile file at *path*: a regular file (never a device, FIFO or
    directory, which are not even opened), read with a bounded read of at most
    :data:`MAX_PROFILE_BYTES`, and UTF-8. Raises :class:`ProfileError`."""
    try:
        data = read_regular_file(path, MAX_PROFILE_BYTES)
    except FileReadError as exc:
        if exc.reason == LARGE:
            message = _too_big()
        elif exc.reason == SPECIAL:
            message = _("%(reason)s; a profile is a YAML file") % {"reason": exc}
        else:
            message = _("cannot read: %(error)s") % {"error": exc}
        raise ProfileError([Problem(path, None, None, "", message)]) from None
    return _decode(data, path)


def _load_raw(path, chain, top=False):
    real = os.path.realpath(path)
    if real in chain:
        raise ProfileError([Problem(path, None, None, "extends",
                                    _("circular extends: %(chain)s") % {
                                        "chain": _clip(" -> ".join(chain + (real,)), 400)})])
    text = read_profile_file(path)
    return _resolve_extends(_copy_located(_parse_cached(text, path)), path, chain + (real,),
                            top=top)


@functools.lru_cache(maxsize=8)
def _parse_cached(text, path):
    """:func:`parse_yaml` of a profile file, remembered by its text: the built-ins are parsed
    once, not on every ``extends: ovirt-node`` (pure-Python YAML is slow). Callers get a copy
    (:func:`_copy_located`), never the remembered data."""
    return parse_yaml(text, path)


def _copy_located(value):
    """A deep copy of located data (scalars are immutable and shared)."""
    if isinstance(value, LMap):
        return LMap(value.mark, ((k, _copy_located(v)) for k, v in value.items()), value.marks)
    if isinstance(value, LList):
        return LList(value.mark, [_copy_located(v) for v in value], value.marks)
    return value


def _name_after_file(data, path):
    """Name a profile file without ``name:`` after its file (``site.yaml`` -> ``site``), so
    that messages name it, not the profile it extends. Text without a file stays unnamed."""
    if "name" in data or str(path).startswith("<"):
        return
    stem = os.path.basename(str(path))
    for suffix in (".yaml", ".yml"):
        if stem.endswith(suffix):
            stem = stem[:-len(suffix)]
    if stem and len(stem) <= MAX_NAME and stem.isprintable():
        data["name"] = stem
        data.marks["name"] = data.mark


def _resolve_extends(data, path, chain, top=False):
    _check_is_profile(data)
    if top:
        _name_after_file(data, path)
    base_name = data.pop("extends", None)
    if base_name is None:
        return data
    mark = data.marks.get("extends", data.mark)

    def fail(message):
        return ProfileError([Problem(path, mark.line, mark.column, "extends", message)])

    if not isinstance(base_name, str) or not base_name:
        raise fail(_("expected a built-in profile name or a path"))
    if len(chain) >= MAX_EXTENDS:
        raise fail(_("the extends chain is longer than %(max)d profiles") % {
            "max": MAX_EXTENDS})
    base_path = resolve_profile_path(base_name, relative_to=path)
    if base_path is not None and os.path.realpath(base_path) in chain:
        raise fail(_("circular extends: %(chain)s") % {"chain": _clip(" -> ".join(
            chain + (os.path.realpath(base_path),)), 400)})
    if base_path is None:
        raise fail(with_suggestion(
            _("no such profile %(name)s (built-in profiles: %(names)s)")
            % {"name": excerpt(base_name), "names": ", ".join(builtin_profiles())},
            _profile_stem(base_name), builtin_profiles()))
    merged = merge(_load_raw(base_path, chain), data)
    merged.extends_mark = mark      # where problems at inherited values are reported
    return merged


# --- validation -------------------------------------------------------------------------
class _Validator:
    """Walks located data against the schema, collecting every problem (and notes)."""

    def __init__(self, origin, extends_mark=None):
        self.origin = origin
        self.extends_mark = extends_mark    # the file's own "extends:" line, if any
        self.problems = []
        self.notes = []

    def mark(self, container, key):
        """Where *key* of *container* (or the container itself) was written."""
        return container.mark_of(key) if isinstance(container, LMap) and key is not None \
            else getattr(container, "mark", None) or Mark(self.origin)

    def problem(self, container, key, path, message):
        self.add(self.mark(container, key), path, message)

    def add(self, mark, path, message, severity="error"):
        """Record a problem at *mark*. One at a value the file inherited (through
        ``extends:`` or as the base of overrides) is the file's: it is reported at the file's
        ``extends:`` line (or the file), saying where the inherited value is."""
        if mark.file != self.origin:
            message = _("%(message)s (inherited from %(where)s)") % {
                "message": message, "where": _where(mark)}
            mark = self.extends_mark or Mark(self.origin)
        target = self.notes if severity == "note" else self.problems
        target.append(Problem(mark.file, mark.line, mark.column, path, message, severity))

    def section(self, data, key, path, allowed):
        """The mapping at data[key] ({} if absent), with keys not in *allowed* reported
        (*allowed* None: the caller checks the keys)."""
        value = data.get(key)
        if value is None:
            return LMap(data.mark_of(key))
        if not isinstance(value, dict):
            self.problem(data, key, path,
                         _("expected a mapping, got %(value)s") % {"value": _type(value)})
            return LMap(data.mark_of(key))
        if allowed is not None:
            self.unknown(value, path, allowed)
        return value

    def unknown(self, data, path, allowed):
        for key in data:
            if key not in allowed:
                close = closest(str(key), allowed)
                if close:
                    message = _("unknown key (did you mean %(close)s? expected one of: "
                                "%(keys)s)") % {"close": close, "keys": ", ".join(allowed)}
                else:
                    message = _("unknown key (expected one of: %(keys)s)") % {
                        "keys": ", ".join(allowed)}
                self.problem(data, key, _join(path, key), message)

    def size(self, data, key, path, default=None, required=False, allow_zero=False):
        """A size of 1 B to 8 EiB (0 B too if *allow_zero*)."""
        if key not in data or data[key] is None:
            if required:
                self.problem(data, None, _join(path, key), _("missing (expected a size)"))
            return default
        value = data[key]
        try:
            size = parse_size(value)
        except SizeError as exc:
            self.problem(data, key, _join(path, key),
                         _("%(error)s, got %(value)s") % {"error": exc, "value": _show(value)})
            return default
        if size > MAX_SIZE:
            self.problem(data, key, _join(path, key),
                         _("%(value)s is too large (at most %(max)s)") % {
                             "value": _show(value), "max": format_size(MAX_SIZE)})
            return default
        if size <= 0 and not (allow_zero and size == 0):
            self.problem(data, key, _join(path, key),
                         _("a size must be larger than 0, got %(value)s") % {
                             "value": _show(value)})
            return default
        note = decimal_note(value)
        if note:
            self.add(self.mark(data, key), _join(path, key), note, severity="note")
        return size

    def boolean(self, data, key, path, default):
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(data, key, _join(path, key),
                         _("expected true or false, got %(value)s") % {"value": _show(value)})
            return default
        return value

    def number(self, data, key, path, default, low, high):
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not low <= value <= high:
            self.problem(data, key, _join(path, key),
                         _("expected a number from %(low)s to %(high)s, got %(value)s") % {
                             "low": low, "high": high, "value": _show(value)})
            return default
        return value

    def text(self, data, key, path, default, check=None):
        """A non-empty string; *check* (a :mod:`~org_ovirt_node.names` validator) may
        refuse it with its own message."""
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.problem(data, key, _join(path, key),
                         _("expected a non-empty string, got %(value)s") % {
                             "value": _show(value)})
            return default
        if check is not None:
            try:
                check(value)
            except InvalidNameError as exc:
                self.problem(data, key, _join(path, key), str(exc))
                return default
        return value

    def choice(self, data, key, path, default, choices):
        value = data.get(key, default)
        if value not in choices:
            self.problem(data, key, _join(path, key),
                         _("expected one of %(choices)s, got %(value)s") % {
                             "choices": ", ".join(choices), "value": _show(value)})
            return default
        return value

    def names(self, data, key, path, default, choices=None, check=None):
        """A list of names (a single string is a list of one), each one of *choices* or
        accepted by *check*."""
        value = data.get(key, default)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            self.problem(data, key, _join(path, key),
                         _("expected a list, got %(value)s") % {"value": _type(value)})
            return tuple(default)
        out = []
        for i, item in enumerate(value):
            message = None
            if not isinstance(item, str) or not item or (choices and item not in choices):
                if choices:
                    message = _("expected one of %(choices)s, got %(value)s") % {
                        "choices": ", ".join(choices), "value": _show(item)}
                else:
                    message = _("expected a name, got %(value)s") % {"value": _show(item)}
            elif check is not None:
                try:
                    check(item)
                except InvalidNameError as exc:
                    message = str(exc)
            if message is not None:
                if isinstance(value, LList) and value.marks[i].line:
                    # A block list: point at the offending item, not at the key.
                    self.add(value.marks[i], "%s[%d]" % (_join(path, key), i), message)
                else:
                    self.problem(data, key, _join(path, key), message)
                continue
            out.append(item)
        return tuple(out)


def _where(mark):
    """``file:line`` of *mark*, as much of it as is known."""
    return Problem(mark.file, mark.line, None, "", "").location


def _safe_repr(value):
    try:
        return repr(value)
    except Exception:  # noqa: BLE001 - e.g. an int too long to print; say what it is
        return "<%s>" % type(value).__name__


def _show(value):
    """A rejected value as a message quotes it: a short, sanitised excerpt."""
    if isinstance(value, (dict, list, tuple)):
        return _type(value)
    if isinstance(value, (str, bytes, bytearray)):
        return excerpt(value)
    return excerpt(_safe_repr(value), quote=False)


def _type(value):
    if isinstance(value, dict):
        return _("a mapping")
    if isinstance(value, (list, tuple)):
        return _("a list")
    return _show(value)


def _check_line(text):
    """The profile's name: one printable line (it reaches comments of generated files)."""
    if len(text) > MAX_NAME or not text.isprintable():
        raise InvalidNameError(
            _("expected a single line of printable text (no control characters), at most "
              "%(max)d characters, got %(value)s") % {"max": MAX_NAME, "value": excerpt(text)})
    return text


def _check_pool_name(text):
    return check_lvm_name(text, "thin pool")


def _description(v, data):
    value = data.get("description")
    if value is None:
        return ""
    if not isinstance(value, str):
        v.problem(data, "description", "description",
                  _("expected text, got %(value)s") % {"value": _show(value)})
        return ""
    if not value.replace("\n", "").replace("\t", "").isprintable():
        v.problem(data, "description", "description",
                  _("the description contains control characters: %(value)s")
                  % {"value": excerpt(value)})
        return ""
    return value


def normalize_mountpoint(path):
    """``/var/log/`` -> ``/var/log``; ``None`` for anything that is not an absolute path."""
    if not isinstance(path, str) or not path.startswith("/") or "\x00" in path:
        return None
    # normpath keeps a leading "//" (POSIX leaves its meaning open); a mount point never has it.
    return "/" + posixpath.normpath(path).lstrip("/")


_TOP_KEYS = ("name", "description", "disk", "volume_group", "thin_pool", "filesystems",
             "swap", "mounts", "forbidden_mounts", "rules")
_MOUNT_KEYS = ("presence", "kind", "min", "recommended", "default", "created_size", "grow",
               "filesystems", "options")


def _check_is_profile(data):
    """Refuse, with one problem that quotes none of its text, a parsed file none of whose
    top-level keys is a profile key (``--profile=/etc/shadow``)."""
    if data and "extends" not in data and not any(key in _TOP_KEYS for key in data):
        mark = data.mark
        raise ProfileError([Problem(mark.file, mark.line, mark.column, "", P_(
            "not a profile: its %(count)d top-level key is not a profile key (expected "
            "%(keys)s)", "not a profile: none of its %(count)d top-level keys is a profile key "
            "(expected %(keys)s)", len(data)) % {"count": len(data),
                                                 "keys": ", ".join(_TOP_KEYS)})])


def _build(data, origin):
    v = _Validator(origin, getattr(data, "extends_mark", None))
    v.unknown(data, "", _TOP_KEYS)

    disk = v.section(data, "disk", "disk", ("min_total",))
    vg = v.section(data, "volume_group", "volume_group",
                   ("name", "reserve_percent", "reserve_min", "reserve_max"))
    pool = v.section(data, "thin_pool", "thin_pool",
                     ("name", "overcommit", "min_metadata", "all_thin_in_root_pool",
                      "max_data_percent", "max_metadata_percent"))
    fs = v.section(data, "filesystems", "filesystems", ("allowed", "default", "options"))
    swap = v.section(data, "swap", "swap", ("policy", "kind", "min"))
    rules = v.section(data, "rules", "rules", None)

    allowed_fs = v.names(fs, "allowed", "filesystems", ("ext4", "xfs"), FILESYSTEMS)
    default_fs = v.choice(fs, "default", "filesystems", "xfs", FILESYSTEMS)
    if default_fs not in allowed_fs and allowed_fs:
        # At the key the file wrote: its allowed list when the default is inherited.
        at = "allowed" if fs.mark_of("default").file != v.origin and \
            fs.mark_of("allowed").file == v.origin else "default"
        v.problem(fs, at, "filesystems." + at,
                  _("%(fs)r is not in filesystems.allowed (%(allowed)s); write, e.g., "
                    "%(fix)s") % {
                      "fs": default_fs, "allowed": ", ".join(allowed_fs),
                      "fix": "filesystems: {allowed: [%s], default: %s}" % (
                          ", ".join(allowed_fs), allowed_fs[0])})
    options = v.names(fs, "options", "filesystems", (), check=check_mount_options)
    vg_name = v.text(vg, "name", "volume_group", "onn", check=check_lvm_name)
    pool_name = v.text(pool, "name", "thin_pool", "pool00", check=_check_pool_name)

    mounts = _build_mounts(v, data, allowed_fs, options, pool_name)
    forbidden = _build_forbidden(v, data, mounts)

    reserve_min = v.size(vg, "reserve_min", "volume_group", 0, allow_zero=True)
    reserve_max = v.size(vg, "reserve_max", "volume_group", None)
    if reserve_max is not None and reserve_min > reserve_max:
        v.problem(vg, "reserve_min", "volume_group.reserve_min",
                  _("reserve_min is above reserve_max (%(max)s); write, e.g., %(fix)s") % {
                      "max": format_size(reserve_max),
                      "fix": "volume_group: {reserve_min: %s, reserve_max: %s}" % (
                          format_size(reserve_min), format_size(reserve_min))})

    severities = _build_severities(v, rules)

    profile_kwargs = dict(
        name=v.text(data, "name", "", "unnamed", check=_check_line),
        description=_description(v, data),
        source=origin,
        mounts=MappingProxyType(mounts),
        forbidden_mounts=forbidden,
        min_disk_total=v.size(disk, "min_total", "disk", None),
        vg_name=vg_name,
        reserve_percent=v.number(vg, "reserve_percent", "volume_group", 0, 0, 100),
        reserve_min=reserve_min,
        reserve_max=reserve_max,
        pool_name=pool_name,
        overcommit=v.boolean(pool, "overcommit", "thin_pool", False),
        min_metadata=v.size(pool, "min_metadata", "thin_pool", None),
        all_thin_in_root_pool=v.boolean(pool, "all_thin_in_root_pool", "thin_pool", True),
        max_data_percent=v.number(pool, "max_data_percent", "thin_pool", 80, 1, 100),
        max_metadata_percent=v.number(pool, "max_metadata_percent", "thin_pool", 80, 1, 100),
        filesystems=allowed_fs,
        default_filesystem=default_fs,
        options=options,
        swap_policy=v.choice(swap, "policy", "swap", rule_catalog.SWAP_RECOMMENDED,
                             SWAP_POLICIES),
        swap_kind=v.choice(swap, "kind", "swap", KIND_LV, MOUNT_KINDS),
        swap_min=v.size(swap, "min", "swap", None),
        severities=MappingProxyType(severities),
        raw=data,
    )
    if v.problems:
        # In file order, as an editor or a reader goes through them.
        raise ProfileError(sorted(v.problems, key=_file_order))
    return Profile(notes=tuple(sorted(v.notes, key=_file_order)), **profile_kwargs)


def _build_severities(v, rules):
    """``rules:`` as {slug: severity}. An unknown rule or severity is a problem that offers
    the closest slug, code or severity (``vg-reserv`` -> ``vg-reserve``, ``onn011`` ->
    ``ONN011``, ``eror`` -> ``error``); the message does not list the seventy-odd slugs
    and codes."""
    severities = {}
    for key, value in rules.items():
        path = _join("rules", key)
        info = rule_catalog.lookup(key)
        if info is None:
            v.problem(rules, key, path, with_suggestion(
                _("unknown rule %(rule)s (expected a slug such as mount-options or a code "
                  "such as ONN011)") % {"rule": excerpt(str(key))}, str(key), rule_catalog.names()))
            continue
        if value is False:
            value = rule_catalog.OFF  # YAML 1.1 reads a bare `off` as false
        if value not in rule_catalog.SEVERITIES:
            v.problem(rules, key, path, with_suggestion(
                _("expected one of %(choices)s, got %(value)s")
                % {"choices": ", ".join(rule_catalog.SEVERITIES), "value": _show(value)},
                value, rule_catalog.SEVERITIES))
            continue
        severities[info.slug] = value
    return severities


def _file_order(problem):
    return (problem.file, problem.line or 0, problem.column or 0)


def _build_mounts(v, data, allowed_fs, options, pool_name):
    raw_mounts = data.get("mounts")
    mounts = {}
    # LV names the planner will use: each mount's must be valid and unique.
    lv_names = {"swap": (N_("swap"), True), pool_name: (N_("the thin pool"), True)}
    if not isinstance(raw_mounts, dict):
        v.problem(data, "mounts" if "mounts" in data else None, "mounts",
                  _("expected a mapping of mount points (at least '/')"))
        return mounts
    for point, spec in raw_mounts.items():
        path = _join("mounts", point)
        norm = normalize_mountpoint(point)
        if norm is None:
            v.problem(raw_mounts, point, path, _("a mount point must be an absolute path"))
            continue
        try:
            check_mountpoint(norm)
        except InvalidNameError as exc:
            v.problem(raw_mounts, point, path, str(exc))
            continue
        if norm in mounts:
            v.problem(raw_mounts, point, path,
                      _("duplicate mount point %(point)s") % {"point": norm})
            continue
        if spec is None:
            spec = LMap(raw_mounts.mark_of(point))
        if not isinstance(spec, dict):
            v.problem(raw_mounts, point, path,
                      _("expected a mapping, got %(value)s") % {"value": _type(spec)})
            continue
        v.unknown(spec, path, _MOUNT_KEYS)
        sizes = {"min": v.size(spec, "min", path),
                 "recommended": v.size(spec, "recommended", path)}
        if sizes["min"] is not None and sizes["recommended"] is not None and \
                sizes["min"] > sizes["recommended"] and \
                spec.mark_of("recommended").file != v.origin and \
                spec.mark_of("min").file != spec.mark_of("recommended").file:
            # A file that raises an inherited mount's minimum raises its recommended size
            # (a threshold for a warning) with it; the default follows unless written.
            sizes["recommended"] = sizes["min"]
        sizes["default"] = v.size(spec, "default", path,
                                  sizes["recommended"] or sizes["min"])
        _check_size_order(v, spec, path, norm, sizes)
        fss = v.names(spec, "filesystems", path, allowed_fs, FILESYSTEMS)
        mark = raw_mounts.mark_of(point)
        kind = v.choice(spec, "kind", path, KIND_THIN, MOUNT_KINDS)
        presence = v.choice(spec, "presence", path, REQUIRED, PRESENCES)
        created = _created_size(v, spec, path, presence, kind, sizes["default"])
        if kind != KIND_PARTITION and not _check_lv_name(v, raw_mounts, point, path, norm,
                                                         lv_names):
            continue
        mounts[norm] = MountRule(
            mountpoint=norm,
            presence=presence,
            kind=kind,
            min_size=sizes["min"],
            default_size=sizes["default"],
            grow=v.boolean(spec, "grow", path, False),
            filesystems=fss,
            options=v.names(spec, "options", path, options, check=check_mount_options),
            where="%s:%s" % (mark.file, mark.line) if mark.line else mark.file,
            recommended_size=sizes["recommended"],
            created_size=created,
        )
    if "/" not in mounts:
        v.problem(data, "mounts", "mounts", _("the profile must describe '/'"))
    elif not mounts["/"].required:
        spec = raw_mounts.get("/")
        message = _("'/' cannot be optional (write presence: required)") \
            if mounts["/"].presence == OPTIONAL else \
            _("'/' cannot be created later: it holds the operating system (write presence: "
              "required)")
        if isinstance(spec, LMap) and "presence" in spec:
            v.problem(spec, "presence", "mounts./.presence", message)
        else:
            v.problem(raw_mounts, "/", "mounts./.presence", message)
    return mounts


_SIZE_WORDS = {"min": N_("the minimum"), "recommended": N_("the recommended size"),
               "default": N_("the default size")}


def _check_size_order(v, spec, path, point, sizes):
    """``min <= recommended <= default`` among the keys the mount has (set in the file or
    inherited). One problem per mount, at the key of the file itself; when the other value
    is inherited, the message says where it comes from, and in every case it says, as YAML,
    what to write."""
    order = ("min", "recommended", "default")
    for i, low in enumerate(order):
        if low not in spec or sizes[low] is None:
            continue
        for high in order[i + 1:]:
            if high not in spec or sizes[high] is None or sizes[low] <= sizes[high]:
                continue
            low_mark, high_mark = spec.mark_of(low), spec.mark_of(high)
            # Report at the value the file itself wrote (the one it can change).
            at = high if low_mark.file != v.origin and high_mark.file == v.origin else low
            raised = {k: sizes[low] for k in order[i + 1:]
                      if k in spec and sizes[k] is not None and sizes[k] < sizes[low]}
            fix = _yaml_mount(point, dict({low: sizes[low]}, **raised))
            values = {"low": _(_SIZE_WORDS[low]), "low_size": format_size(sizes[low]),
                      "high": _(_SIZE_WORDS[high]), "high_size": format_size(sizes[high]),
                      "fix": fix}
            if low_mark.file != high_mark.file:
                inherited = high if at == low else low
                values["where"] = _where(high_mark if at == low else low_mark)
                values["inherited"] = _(_SIZE_WORDS[inherited])
                message = _("%(low)s (%(low_size)s) is above %(high)s (%(high_size)s); "
                            "%(inherited)s comes from %(where)s (the profile this one "
                            "extends): set both here, e.g. %(fix)s") % values
            else:
                message = _("%(low)s (%(low_size)s) is above %(high)s (%(high_size)s); write, "
                            "e.g., %(fix)s") % values
            v.problem(spec, at, "%s.%s" % (path, at), message)
            return


def _yaml_mount(point, sizes):
    """A mount's sizes as the YAML line to write: ``/var: {min: 20 GiB, default: 20 GiB}``."""
    return "%s: {%s}" % (point, ", ".join("%s: %s" % (k, format_size(s))
                                           for k, s in sizes.items()))


def _created_size(v, spec, path, presence, kind, default):
    """The size imgbased creates a ``presence: created`` mount with (``created_size``,
    default: the mount's default size); ``None`` for the other presences, which ignore it
    (a site that makes an inherited created mount required keeps the inherited key)."""
    size = v.size(spec, "created_size", path)
    if presence != CREATED:
        return None
    if kind not in (KIND_THIN, KIND_ANY):
        v.problem(spec, "kind", path + ".kind",
                  _("presence: created needs kind: thin (imgbased creates thin LVs in the "
                    "pool of /); for another kind write presence: required"))
    size = size if size is not None else default
    if size is None:
        v.problem(spec, "presence", path + ".presence",
                  _("presence: created needs created_size (the size imgbased creates it "
                    "with), e.g. created_size: 10 GiB"))
    return size


def _check_lv_name(v, raw_mounts, point, path, norm, lv_names):
    """Whether the LV the planner makes for mount point *norm* gets a valid name that no
    other LV of the layout has (``/var_log`` and ``/var/log`` would share ``var_log``)."""
    lv_name = lv_name_for_mountpoint(norm)
    try:
        check_lvm_name(lv_name, "LV")
    except InvalidNameError as exc:
        v.problem(raw_mounts, point, path,
                  _("the LV for this mount point would be named after it, and LVM refuses "
                    "that: %(error)s (or use kind: partition)") % {"error": exc})
        return False
    if lv_name in lv_names:
        other, translate = lv_names[lv_name]
        v.problem(raw_mounts, point, path,
                  _("its LV would get the same LV name %(lv)s as %(other)s")
                  % {"lv": excerpt(lv_name), "other": _(other) if translate else other})
        return False
    lv_names[lv_name] = (norm, False)
    return True


def _build_forbidden(v, data, mounts):
    raw = data.get("forbidden_mounts", [])
    if not isinstance(raw, list):
        v.problem(data, "forbidden_mounts", "forbidden_mounts",
                  _("expected a list of mount points, got %(value)s") % {"value": _type(raw)})
        return ()
    out = []
    for i, point in enumerate(raw):
        key = "forbidden_mounts[%d]" % i
        norm = normalize_mountpoint(point)
        mark = raw.marks[i] if isinstance(raw, LList) else Mark(v.origin)
        if norm is None:
            v.add(mark, key, _("expected an absolute mount point, got %(value)s")
                  % {"value": _show(point)})
            continue
        try:
            check_mountpoint(norm)
        except InvalidNameError as exc:
            v.add(mark, key, str(exc))
            continue
        if norm in mounts:
            v.add(mark, key, _("%(point)s is both forbidden and listed under mounts "
                               "(%(where)s)") % {"point": norm, "where": mounts[norm].where})
        else:
            out.append(norm)
    return tuple(out)
