# SPDX-License-Identifier: GPL-2.0-or-later
"""``check --fix``: rewrite a kickstart's partitioning with the smallest change that
satisfies the profile.

What it does comes from the linter's findings and the profile, never from a list of its
own (no mount point or size is written here):

- a missing mount the profile plans (``required-mount``, ``created-mount``) of kind thin is
  added as a ``logvol`` in the thin pool of ``/``, after the pool's last thin LV, copied from
  that LV's line (its options, quoting and ``--opt=value`` or ``--opt value`` style; the
  name follows the file's own naming, ``var_log`` or ``lv_var-log``...), of the size the
  profile plans for it (what imgbased would create);
- a size below the hard minimum (``min-size``) is raised to it (``--maxsize`` with it);
- a missing mount option (``mount-options``, ``discard``) is added to ``--fsoptions``;
- a missing or too small VG reserve (``vg-reserve``, ``vg-no-reserve``) is set on
  ``volgroup`` to the profile's percentage (or minimum, for ``--reserved-space``);
- a thin pool of fixed size that no longer holds its thin LVs is raised to hold them.

Every other byte stays as it was (comments, order, other sections, line endings); a line
is edited in place, in the file it is in: a fix inside a relative ``%include`` goes to that
file. What cannot be fixed safely is refused with :class:`FixRefusedError`, saying why: a kickstart
that does not parse, partitioning generated at install time (``%include`` of a file a ``%pre``
script writes) or missing here, ``/`` not a thin LV or no pool to add to, ``autopart`` of
another type, an error no fix above removes. The result is linted again before it is
returned: it has no error and none of the findings above (:attr:`FixResult.report`).
"""
import math
import os
import re
from collections import Counter
from typing import NamedTuple, Optional

from org_ovirt_node import layout as L
from org_ovirt_node import profile as P
from org_ovirt_node import rules as catalog
from org_ovirt_node.i18n import _
from org_ovirt_node.kickstart import linter
from org_ovirt_node.kickstart.linter import DEFAULT_KS_VERSION, LintInputError
from org_ovirt_node.names import InvalidNameError, check_lvm_name, lv_name_for_mountpoint
from org_ovirt_node.sanitize import is_clean_text
from org_ovirt_node.units import MiB
from org_ovirt_node.units import format_size as fs

__all__ = ["Change", "FixRefusedError", "FixResult", "Reason", "fix_file", "fix_text",
           "unified_diff", "LintInputError"]

# Rules whose findings the fixer removes; a missing mount only when it is a thin LV to add.
MISSING_RULES = ("required-mount", "created-mount")
SIZE_RULES = ("min-size",)
OPTION_RULES = ("mount-options",)
RESERVE_RULES = ("vg-reserve", "vg-no-reserve")
POOL_RULES = ("pool-overcommit",)
FIXED_RULES = MISSING_RULES + SIZE_RULES + OPTION_RULES + RESERVE_RULES + POOL_RULES

# Options of a thin LV's line that describe that LV only: a line copied for a new LV
# drops them (pykickstart's ``dest`` names).
_OWN_OPTIONS = frozenset(("grow", "maxSizeMB", "percent", "recommended", "hibernation",
                          "label", "preexist", "format", "resize", "size"))
# The mount ``reqpart --add-boot`` creates (pykickstart and Anaconda, not a profile rule).
_REQPART_BOOT = "/boot"
_STYLE_SAMPLE = 6          # command lines the file's writing style is learnt from
HINT_RULES = FIXED_RULES + ("recommended-size",)
_SAFE_VALUE_RE = re.compile(r"^[A-Za-z0-9_.,:/+=@%-]+$")


class Reason(NamedTuple):
    """Why the fixer refuses: *file* None is the kickstart itself; *line* may be None."""
    file: Optional[str]
    line: Optional[int]
    message: str

    def __str__(self):
        where = self.file or ""
        if self.line is not None:
            where = "%s:%d" % (where, self.line) if where else str(self.line)
        return "%s: %s" % (where, self.message) if where else self.message


class FixRefusedError(Exception):
    """The kickstart is left as it is: ``reasons`` (:class:`Reason` s) say why.
    ``unverified`` is set when the planned fix did not lint clean (a gap of the fixer,
    not of the kickstart: tests treat it as a failure)."""

    unverified = False

    def __init__(self, reasons, filename=None):
        # in file and line order: the kickstart first, then included files; no line last
        reasons = [r if r.file else r._replace(file=filename) for r in reasons]
        self.reasons = tuple(sorted(reasons, key=lambda r: (
            r.file != filename, r.file or "", r.line is None, r.line or 0)))
        super().__init__("\n".join(str(r) for r in self.reasons))


class Change(NamedTuple):
    """One edit: *file* (the kickstart's name as given, or an included file's), the *line*
    of the original file it is at (a new line goes after it), and what was done."""
    file: str
    line: int
    message: str


class FixResult(NamedTuple):
    """What :func:`fix_text` returns. *files*: the new text of each file that changes
    (the kickstart under its name first); *original*: their old texts; *changes*: the
    edits in file and line order; *report*: the linter's report on the fixed kickstart."""
    filename: str
    files: dict
    original: dict
    changes: tuple
    report: object

    @property
    def changed(self):
        return bool(self.files)


# --- public API ---------------------------------------------------------------------------
def fix_file(path, profile=None, ks_version=DEFAULT_KS_VERSION):
    """:func:`fix_text` of the kickstart at *path* (``-`` reads standard input, named
    ``<stdin>``; its relative ``%include`` s are read from the current folder)."""
    import sys
    if path == "-":
        data = sys.stdin.buffer.read(linter.MAX_EXPANDED_BYTES + 1)
        return fix_text(data, "<stdin>", profile, ks_version, base_dir=os.getcwd())
    data = linter.read_kickstart(path)
    return fix_text(data, path, profile, ks_version,
                    base_dir=os.path.dirname(os.path.abspath(path)))


def fix_text(text, filename="<stdin>", profile=None, ks_version=DEFAULT_KS_VERSION,
             base_dir=None):
    """Fix kickstart *text* (``str`` or UTF-8 ``bytes``) -> :class:`FixResult` (no
    ``files`` when nothing needs fixing). *profile*, *base_dir*: as for
    :func:`~org_ovirt_node.kickstart.linter.lint_text`. Raises :class:`FixRefusedError`,
    :class:`~org_ovirt_node.kickstart.linter.LintInputError` (input the linter refuses) and,
    for a *profile* that cannot be loaded, ``ProfileError``."""
    if isinstance(profile, str):
        profile = linter.load_profile_cached(profile)
    with linter._LOCK:
        state = linter.lint_state(text, filename, profile, ks_version, base_dir)
        plan = _Plan(state)
        plan.make()
        if not plan.edits and not plan.inserts:
            return FixResult(filename, {}, {}, (), state.report)
        files, original = plan.apply()
        overrides = {plan.paths[key]: new for key, new in files.items() if key != filename}
        after = linter.lint_state(files.get(filename, state.text), filename, profile,
                                  ks_version, state.base_dir, overrides)
    _verify(after, filename)
    changes = tuple(sorted(plan.changes, key=lambda c: (c.file != filename, c.file, c.line)))
    return FixResult(filename, files, original, changes, after.report)


def unified_diff(result, context=3):
    """The changes of *result* as one unified diff (``--- a/FILE`` / ``+++ b/FILE`` per
    file), ``""`` when nothing changes."""
    import difflib  # only for --diff: not at start-up
    out = []
    for name, new in result.files.items():
        old = result.original[name]
        # a/ and b/ for names relative to the current folder (patch -p1), else as they are
        before, after = (name, name) if os.path.isabs(name) else ("a/" + name, "b/" + name)
        out.extend(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                        before, after, n=context))
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end "
                   "of file\n" for line in out)


def kickstart_hints(state, items):
    """The linter's findings *items* (parser lines, of :func:`linter.lint_state`) with
    their hints in the kickstart's own terms: the option and value to write on the line
    of the command concerned (``--size=1024``), or the whole ``logvol`` line to add for a
    missing mount (then at the line it goes after). Findings without such a hint are
    returned as they are."""
    import dataclasses
    if state.layout is None or state.profile is None:
        return items
    plan = _Plan(state)
    plan.prepare()
    out = []
    for finding in items:
        hint = plan.hint_for(finding) if finding.rule in HINT_RULES else None
        # A hint quotes the file's own words back: when they hold what a message must not
        # (control or format characters), the checker's own hint stays.
        if hint is not None and not is_clean_text(hint[0]):
            hint = None
        if hint is None:
            out.append(finding)
            continue
        text, line = hint
        out.append(dataclasses.replace(finding, hint=text, line=line or finding.line))
    return out


def _verify(after, filename):
    """The fixed kickstart must lint without errors and without what the fixer fixes."""
    left = [f for f in after.report.findings if f.severity == catalog.ERROR or
            (f.rule in FIXED_RULES and f.severity != catalog.INFO)]
    if left:
        exc = FixRefusedError([Reason(f.file, f.file_line if f.file else f.line,
                                      _("the fixed kickstart would still have: %(code)s "
                                        "%(message)s") % {"code": f.code, "message": f.message})
                               for f in left], filename)
        exc.unverified = True
        raise exc


# --- words of a command line, with their places -------------------------------------------
class _Word(NamedTuple):
    start: int
    end: int
    text: str           # unquoted


# A word: unquoted runs and quoted segments up to white space or "#"; its segments.
_SPACE = re.compile(r"[ \t\r\n]*")
_WORD = re.compile(r"""(?:[^ \t\r\n#'"]+|'[^']*'|"[^"]*")+""")
_SEGMENT = re.compile(r"[^ \t\r\n#'\"]+|'[^']*'|\"[^\"]*\"")


def _scan(line):
    """The words of a command line with their spans, as pykickstart splits it (``shlex``,
    ``#`` starting a comment); None when this simple scanner is not sure (escapes, an
    unterminated quote, or any disagreement with the linter's own split)."""
    if "\\" in line:
        return None
    words, i, n = [], 0, len(line)
    while True:
        i = _SPACE.match(line, i).end()
        if i >= n or line[i] == "#":
            break
        match = _WORD.match(line, i)
        if match is None:
            return None         # an unterminated quote
        text = "".join(seg[1:-1] if seg[0] in "'\"" else seg
                       for seg in _SEGMENT.findall(match.group()))
        words.append(_Word(i, match.end(), text))
        i = match.end()
    if [w.text for w in words] != linter.fast_split(line, comments=True):
        return None
    return words


class _Option(NamedTuple):
    word: int               # index of the option word
    dest: str               # pykickstart's name for it
    value: Optional[tuple]  # (start, end) of the value's raw text, None for a flag
    raw: str                # the value as written (quotes included)


_DESTS = {}


def _dests(op):
    """The option destinations of a command's parser (cached: the linter reuses parsers)."""
    found = _DESTS.get(id(op))
    if found is None or found[0] is not op:
        found = _DESTS[id(op)] = (op, frozenset(a.dest for a in op._actions))
    return found[1]


class _Command:
    """A command line split into its command, positional words and options, each with its
    place, using the command's own option parser (aliases and abbreviations resolved)."""

    def __init__(self, line, op):
        self.line = line
        self.words = _scan(line)
        self.options = []
        self.positional = []
        # what the command accepts (raid has no --size: its members make its size)
        self.dests = _dests(op)
        if not self.words:
            self.words = None
            return
        actions = op._option_string_actions
        i = 1
        while i < len(self.words):
            word = self.words[i]
            text = self.line[word.start:word.end]
            if not word.text.startswith("-"):
                self.positional.append(i)
                i += 1
                continue
            name, eq, _rest = word.text.partition("=")
            action = _action(op, actions, name)
            if action is None:
                i += 1
                continue
            if eq:
                at = text.index("=") + 1
                span = (word.start + at, word.end)
            elif action.nargs == 0:
                span = None
            elif i + 1 < len(self.words):
                i += 1
                span = (self.words[i].start, self.words[i].end)
            else:
                span = None
            raw = self.line[span[0]:span[1]] if span else ""
            self.options.append(_Option(i if not span or eq else i - 1, action.dest, span, raw))
            i += 1

    def find(self, dest):
        return [o for o in self.options if o.dest == dest]

    def end(self):
        """Where a new option goes: after the last word."""
        return self.words[-1].end


def _action(op, actions, name):
    action = actions.get(name)
    if action is None and getattr(op, "allow_abbrev", False) and name.startswith("--"):
        found = {id(a): a for key, a in actions.items() if key.startswith(name)}
        if len(found) == 1:
            action = next(iter(found.values()))
    return action


def _unquote(raw):
    """The text of a raw value and its quote character ('' when none)."""
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1], raw[0]
    return raw, ""


def _quoted(value, quote=""):
    if quote:
        return quote + value + quote
    return value if _SAFE_VALUE_RE.match(value) else '"%s"' % value


# --- the plan -------------------------------------------------------------------------------
class _Style:
    """How the kickstart writes options: ``--opt=value`` or ``--opt value``, and whether
    ``--fsoptions`` values are quoted."""

    def __init__(self, commands):
        eq = sep = quoted = plain = 0
        for cmd in commands:
            for opt in cmd.options:
                if opt.value is None:
                    continue
                if cmd.line[opt.value[0] - 1] == "=":
                    eq += 1
                else:
                    sep += 1
                if opt.dest == "fsopts":
                    if _unquote(opt.raw)[1]:
                        quoted += 1
                    else:
                        plain += 1
        self.sep = " " if sep > eq else "="
        self.quote = '"' if quoted >= plain else ""
        self.order = []     # option order of the logvol line with the most options
        best = 0
        for cmd in commands:
            if cmd.words and cmd.words[0].text == "logvol" and len(cmd.options) > best:
                best, self.order = len(cmd.options), [o.dest for o in cmd.options]


class _Plan:
    def __init__(self, state):
        self.state = state
        self.expansion = state.expansion
        self.filename = state.filename
        self.edits = {}         # (file key, line) -> new line text
        self.inserts = {}       # (file key, line) -> [new lines] after that line
        self.changes = []
        self.paths = {}         # file key -> path to read (included files)
        self.refusals = []
        self._commands = {}
        self._lines = {}        # file key -> its lines as read

    # --- where a parser line is ---------------------------------------------------------
    def place(self, pline):
        """(file key, line in that file, local) of parser line *pline*."""
        origin = self.expansion.origins.get(pline)
        if origin is None:
            return self.filename, self.expansion.line_map[pline - 1], True
        self.paths[origin.display] = os.path.normpath(origin.path)
        return origin.display, origin.line, origin.local

    def text_of(self, key):
        if key == self.filename:
            return self.state.text
        return self.expansion.texts[self.paths[key]] if self.paths[key] in \
            self.expansion.texts else self.expansion.texts[_raw_path(self.expansion, key)]

    def refuse(self, pline, message):
        if pline:
            key, line, _local = self.place(pline)
            self.refusals.append(Reason(None if key == self.filename else key, line, message))
        else:
            self.refusals.append(Reason(None, None, message))

    def command(self, pline):
        """The :class:`_Command` at parser line *pline*, or None (with a refusal)."""
        if pline in self._commands:
            return self._commands[pline]
        line = self.current(pline)
        word = line.split(None, 1)[0] if line.strip() else ""
        cmd_obj = self.state.handler.commands.get(word)
        cmd = _Command(line, cmd_obj.op) if cmd_obj is not None else None
        if cmd is None or cmd.words is None:
            self.refuse(pline, _("this line cannot be edited safely (quotes or escapes the "
                                 "fixer does not rewrite); fix it by hand."))
            cmd = None
        self._commands[pline] = cmd
        return cmd

    def current(self, pline):
        """The text of the line at *pline* as it is now (edited or as read)."""
        key, line, _local = self.place(pline)
        if (key, line) in self.edits:
            return self.edits[(key, line)]
        if key not in self._lines:
            self._lines[key] = self.text_of(key).splitlines(True)
        return self._lines[key][line - 1]

    def edit(self, pline, cmd, replacements, message):
        """Replace spans of the line at *pline* (``(start, end, text)``, not overlapping)."""
        key, line, local = self.place(pline)
        if not local:
            self.refuse(pline, _("the fix belongs in a file included by an absolute path "
                                 "(a file of the installed system, not beside the "
                                 "kickstart): %(message)s") % {"message": message})
            return
        text = cmd.line
        for start, end, new in sorted(replacements, reverse=True):
            text = text[:start] + new + text[end:]
        self.edits[(key, line)] = text
        self._commands[pline] = _Command(text, self.state.handler.commands[
            text.split(None, 1)[0]].op)
        self.changes.append(Change(key, line, message))

    # --- making the plan --------------------------------------------------------------------
    def make(self):
        state = self.state
        findings = state.raw
        if not state.parsed:
            for f in findings:
                self.refuse(f.line, _("the kickstart does not parse: %(message)s")
                            % {"message": f.message})
            raise FixRefusedError(self.refusals, self.filename)
        for _line, path, reason, pline in self.expansion.dynamic:
            self.refuse(pline, _("%%include %(path)s is not here to read (%(reason)s): the "
                                 "partitioning it may hold cannot be fixed statically.")
                        % {"path": linter._short(path, 80), "reason": _reason_text(reason)})
        if state.profile is None:
            for f in findings:
                if f.rule == "ks-addon":
                    self.refuse(f.line, f.message)
        if self.refusals:
            raise FixRefusedError(self.refusals, self.filename)
        self.profile, self.layout = state.profile, state.layout
        fixable = [f for f in findings if f.rule in FIXED_RULES]
        for f in findings:
            if f.severity == catalog.ERROR and f.rule not in FIXED_RULES:
                self.refuse(f.line, _refusal_text(f))
        if self.layout is None:
            if self.refusals:
                raise FixRefusedError(self.refusals, self.filename)
            return
        self.prepare()
        for f in fixable:
            if f.rule in SIZE_RULES:
                self.raise_size(f)
        for f in fixable:
            if f.rule in OPTION_RULES:
                self.add_options(f)
        missing = [f.mountpoint for f in fixable if f.rule in MISSING_RULES]
        if missing:
            self.add_mounts(missing)
        if any(f.rule in RESERVE_RULES for f in fixable):
            self.set_reserve()
        self.fit_pool()
        if self.refusals:
            raise FixRefusedError(self.refusals, self.filename)

    def prepare(self):
        from org_ovirt_node.checker import Context
        self.profile, self.layout = self.state.profile, self.state.layout
        self.ctx = Context(self.layout, self.profile)
        self.sizes = {}     # device name -> new size in bytes
        self._style = None

    @property
    def style(self):
        """The file's :class:`_Style`, from the lines of its last LVM devices (a sample is
        enough; learnt when first needed)."""
        if self._style is None:
            lines = sorted({d.source_line for d in self.layout if d.source_line and
                            d.kind in (L.VG, L.LV, L.THINLV, L.THINPOOL)})
            self._style = _Style([c for c in map(self.command_quiet,
                                                 lines[-_STYLE_SAMPLE:]) if c])
        return self._style

    def sep_of(self, cmd):
        """``=`` or `` `` as *cmd* writes its options (the file's way when it has none)."""
        valued = [o for o in cmd.options if o.value is not None]
        if not valued:
            return self.style.sep
        return _Style([cmd]).sep

    def command_quiet(self, pline):
        """The :class:`_Command` at *pline*, or None when it cannot be edited safely."""
        if pline in self._commands:
            return self._commands[pline]
        line = self.current(pline)
        word = line.split(None, 1)[0] if line.strip() else ""
        cmd_obj = self.state.handler.commands.get(word)
        if cmd_obj is None:
            return None
        cmd = _Command(line, cmd_obj.op)
        if not cmd.words:
            return None
        self._commands[pline] = cmd
        return cmd

    # --- hints --------------------------------------------------------------------------
    def hint_for(self, finding):
        """``(hint, parser line or None)`` in the kickstart's terms for *finding*, or
        None."""
        rule, profile = finding.rule, self.profile
        mrule = profile.mounts.get(finding.mountpoint) if finding.mountpoint else None
        if rule in MISSING_RULES:
            return self._missing_hint(finding, mrule)
        cmd = self.command_quiet(finding.line) if finding.line else None
        sep = self.sep_of(cmd) if cmd is not None else self.style.sep
        if rule == "vg-reserve" or rule == "vg-no-reserve":
            want_pct = min(max(int(math.ceil(profile.reserve_percent or 0)), 1), 99)
            if cmd is not None and cmd.find("reserved_space") and \
                    not cmd.find("reserved_percent"):
                option = "--reserved-space%s%d" % (sep, _mib(profile.reserve_min or 0))
            else:
                option = "--reserved-percent%s%d" % (sep, want_pct)
            return _("Write %(option)s on this volgroup line.") % {"option": option}, None
        if cmd is None:
            return None
        if rule in ("min-size", "recommended-size", "pool-overcommit"):
            if "size" not in cmd.dests:
                return None     # raid: its members make its size; the checker's hint stays
            if rule == "pool-overcommit":
                pool = self.layout.get(finding.device) if finding.device else None
                want = sum(d.size or 0 for d in self.layout.children_of(pool)
                           if d.kind == L.THINLV) if pool is not None else None
            elif rule == "recommended-size":
                want = getattr(mrule, "recommended_size", None)
            else:
                want = mrule.min_size if mrule is not None else profile.swap_min
            if not want:
                return None
            return _("Write --size%(sep)s%(mib)d on this line (MiB: %(size)s).") % {
                "sep": sep, "mib": _mib(want), "size": fs(_mib(want) * MiB)}, None
        if rule in OPTION_RULES and mrule is not None:
            repl, added = _with_options(cmd, mrule.options, self.style)
            if not added:
                return None
            # the new value of the --fsoptions there is, else a new one in the file's quoting
            value = repl[0][2] if cmd.find("fsopts") else \
                _quoted(",".join(["defaults"] + added), self.style.quote)
            return _("Write --fsoptions%(sep)s%(value)s on this line.") % {
                "sep": sep, "value": value}, None
        return None

    def _missing_hint(self, finding, mrule):
        reqpart = getattr(self.state.handler, "reqpart", None)
        if finding.mountpoint == _REQPART_BOOT and reqpart is not None and \
                getattr(reqpart, "reqpart", False) and not getattr(reqpart, "addBoot", False):
            return _("Write reqpart --add-boot on this line."), reqpart.lineno
        ctx = self.ctx
        pool = ctx.root_pool
        size = _planned_size(mrule)
        if pool is None or ctx.root is None or ctx.root.kind != L.THINLV or not size or \
                mrule.kind not in (P.KIND_THIN, P.KIND_ANY):
            return None
        thin = [d for d in self.layout.children_of(pool) if d.kind == L.THINLV]
        if not thin:
            return None
        last = max(thin, key=lambda d: d.source_line)
        template = self.template(thin, quiet=True)
        if template is None:
            return None
        names = {d.name.split("/", 1)[1] for d in self.layout
                 if "/" in d.name and d.name.split("/", 1)[0] == pool.name.split("/", 1)[0]}
        name = _Naming(self.layout, thin).name(finding.mountpoint, names)
        line = self.new_lv_line(template, finding.mountpoint, name, size, mrule)
        return _("Add after this line: %(line)s") % {"line": line.strip()}, last.source_line

    # --- sizes --------------------------------------------------------------------------
    def raise_size(self, finding):
        dev = self.layout.get(finding.device) if finding.device else None
        if dev is None or not finding.line:
            self.refuse(finding.line, _refusal_text(finding))
            return
        rule = self.profile.mounts.get(finding.mountpoint) if finding.mountpoint else None
        want = rule.min_size if rule is not None else self.profile.swap_min
        if not want:
            self.refuse(finding.line, _refusal_text(finding))
            return
        if self.set_size(finding.line, want, dev):
            self.sizes[_base(self.layout, dev).name] = want

    def set_size(self, pline, want, dev=None):
        """``--size`` of the command at *pline* to *want* bytes (MiB, rounded up), and its
        ``--maxsize`` if that is below."""
        cmd = self.command(pline)
        if cmd is None:
            return False
        if "size" not in cmd.dests:
            self.refuse(pline, _("%(what)s takes its size from its members: raise their "
                                 "--size by hand (to make it at least %(size)s).")
                        % {"what": cmd.words[0].text, "size": fs(want)})
            return False
        mib = _mib(want)
        sizes = cmd.find("size")
        repl = []
        if sizes:
            for opt in sizes:
                repl.append(opt.value + (str(mib),))
        else:
            repl.append(_new_option(cmd, "size", "--size%s%d" % (self.style.sep, mib),
                                    self.style.order))
        for opt in cmd.find("maxSizeMB"):
            try:
                if int(_unquote(opt.raw)[0]) < mib:
                    repl.append(opt.value + (str(mib),))
            except ValueError:
                pass
        what = finding_name(dev)
        self.edit(pline, cmd, repl, _("%(what)s: --size=%(mib)d (%(size)s, the minimum of the "
                                      "profile)") % {"what": what, "mib": mib,
                                                     "size": fs(mib * MiB)})
        return True

    # --- mount options ------------------------------------------------------------------
    def add_options(self, finding):
        rule = self.profile.mounts.get(finding.mountpoint)
        if rule is None or not finding.line:
            self.refuse(finding.line, _refusal_text(finding))
            return
        cmd = self.command(finding.line)
        if cmd is None:
            return
        repl, added = _with_options(cmd, rule.options, self.style)
        if added:
            self.edit(finding.line, cmd, repl,
                      _("%(point)s: mount option %(options)s added to --fsoptions")
                      % {"point": finding.mountpoint, "options": ",".join(added)})

    # --- missing mounts -----------------------------------------------------------------
    def add_mounts(self, points):
        ctx, profile = self.ctx, self.profile
        pool = ctx.root_pool
        thin = [d for d in self.layout.children_of(pool) if d.kind == L.THINLV] \
            if pool is not None else []
        points = [p for p in points if not self.add_boot(p)]
        if not points:
            return
        if pool is None or ctx.root is None or ctx.root.kind != L.THINLV or not thin:
            self.refuse(None, _("missing: %(points)s; there is no thin pool of / to add "
                                "them to: a thin layout needs writing, not a fix "
                                "(ovirt-node-layout plan --format kickstart).")
                        % {"points": ", ".join(points)})
            return
        last = max(thin, key=lambda d: d.source_line)
        template = self.template(thin)
        if template is None:
            return
        key, line, local = self.place(last.source_line)
        if not local:
            self.refuse(last.source_line, _("new logvols would go to a file included by an "
                                            "absolute path (not beside the kickstart)."))
            return
        names = {d.name.split("/", 1)[1] for d in self.layout
                 if d.kind in (L.LV, L.THINLV, L.THINPOOL) and "/" in d.name
                 and d.name.split("/", 1)[0] == pool.name.split("/", 1)[0]}
        naming = _Naming(self.layout, thin)
        new_lines = []
        for point in points:
            rule = profile.mounts.get(point)
            size = _planned_size(rule)
            if rule is None or rule.kind not in (P.KIND_THIN, P.KIND_ANY) or not size:
                self.refuse(None, _("%(point)s is missing; the fixer adds only thin LVs in "
                                    "the pool of /: create it by hand.") % {"point": point})
                continue
            name = naming.name(point, names)
            names.add(name)
            new = self.new_lv_line(template, point, name, size, rule)
            new_lines.append(new)
            self.sizes[name] = size
            self.changes.append(Change(key, line, _(
                "%(point)s: new thin LV %(name)s of %(size)s in pool %(pool)s") % {
                    "point": point, "name": name, "size": fs(_mib(size) * MiB),
                    "pool": pool.name}))
        if new_lines:
            self.inserts.setdefault((key, line), []).extend(new_lines)

    def add_boot(self, point):
        """A missing /boot where the kickstart has ``reqpart`` without ``--add-boot``:
        adding that option is the fix (it makes the /boot partition the platform needs)."""
        reqpart = getattr(self.state.handler, "reqpart", None)
        rule = self.profile.mounts.get(point)
        if point != _REQPART_BOOT or rule is None or rule.kind not in (
                P.KIND_PARTITION, P.KIND_ANY) or reqpart is None or \
                not getattr(reqpart, "reqpart", False) or getattr(reqpart, "addBoot", False):
            return False
        # Every reqpart line alike (a second one differing would be a contradiction).
        splitting = linter._Splitting()
        for pline, line in enumerate(self.expansion.lines, 1):
            if splitting.mode(line) != "command" or line.split(None, 1)[0] != "reqpart":
                continue
            cmd = self.command(pline)
            if cmd is not None and not cmd.find("addBoot"):
                self.edit(pline, cmd, [(cmd.end(), cmd.end(), " --add-boot")],
                          _("%(point)s: reqpart --add-boot") % {"point": point})
        return True

    def template(self, thin, quiet=False):
        """The command of a thin LV of the pool to copy: the last one that is not / (whose
        line has ``--grow``), else /."""
        ordered = sorted(thin, key=lambda d: d.source_line, reverse=True)
        ordered.sort(key=lambda d: self.layout.get(d.name) is self.ctx.root or
                     _mounted(self.layout, d) == "/")
        for dev in ordered:
            cmd = self.command_quiet(dev.source_line)
            if cmd is not None and cmd.positional:
                return cmd
        if not quiet:
            self.refuse(ordered[0].source_line, _("no thin LV line of the pool can be "
                                                  "copied safely (quotes or escapes)."))
        return None

    def new_lv_line(self, template, point, name, size, rule):
        cmd = template
        line = cmd.line
        repl = []
        mp = cmd.words[cmd.positional[0]]
        repl.append((mp.start, mp.end, point))
        named = sized = False
        for opt in cmd.options:
            word = cmd.words[opt.word]
            if opt.dest == "size" and opt.value and not sized:
                repl.append(opt.value + (str(_mib(size)),))
                sized = True
            elif opt.dest in _OWN_OPTIONS:
                start = _space_before(line, word.start)
                repl.append((start, opt.value[1] if opt.value else word.end, ""))
            elif opt.dest == "name" and opt.value:
                repl.append(opt.value + (_quoted(name),))
                named = True
        sep = self.style.sep
        tail = ""
        if not named:
            tail += " --name%s%s" % (sep, _quoted(name))
        if not sized:
            tail += " --size%s%d" % (sep, _mib(size))
        fs_opts = cmd.find("fstype")
        if rule.filesystems and fs_opts and _unquote(fs_opts[-1].raw)[0] not in rule.filesystems:
            repl.append(fs_opts[-1].value + (rule.filesystems[0],))
        opt_repl, _added = _with_options(cmd, rule.options, self.style)
        for start, end, text in opt_repl:
            if start == end == cmd.end():
                tail += text
            else:
                repl.append((start, end, text))
        end = cmd.end()
        ending = line[len(line.rstrip("\r\n")):] or "\n"
        body = line[:end]
        for start, stop, text in sorted(repl, reverse=True):
            body = body[:start] + text + body[stop:]
        return body + tail + ending

    # --- VG reserve ---------------------------------------------------------------------
    def set_reserve(self):
        vg, profile = self.ctx.root_vg, self.profile
        if vg is None or not vg.source_line:
            self.refuse(None, _("the volume group of / has no volgroup line to set a "
                                "reserve on."))
            return
        cmd = self.command(vg.source_line)
        if cmd is None:
            return
        pct, space = cmd.find("reserved_percent"), cmd.find("reserved_space")
        sep = self.style.sep
        want_pct = int(math.ceil(profile.reserve_percent or 0))
        want_mib = _mib(profile.reserve_min or 0)
        if space and not pct:
            repl = [o.value + (str(want_mib),) for o in space]
            message = _("volume group %(vg)s: --reserved-space=%(mib)d (%(size)s)") % {
                "vg": vg.name, "mib": want_mib, "size": fs(want_mib * MiB)}
        elif pct or want_pct:
            want_pct = min(max(want_pct, 1), 99)
            repl = [o.value + (str(want_pct),) for o in pct] or \
                [(cmd.end(), cmd.end(), " --reserved-percent%s%d" % (sep, want_pct))]
            message = _("volume group %(vg)s: --reserved-percent=%(pct)d") % {
                "vg": vg.name, "pct": want_pct}
        else:
            repl = [(cmd.end(), cmd.end(), " --reserved-space%s%d" % (sep, want_mib))]
            message = _("volume group %(vg)s: --reserved-space=%(mib)d (%(size)s)") % {
                "vg": vg.name, "mib": want_mib, "size": fs(want_mib * MiB)}
        self.edit(vg.source_line, cmd, repl, message)

    # --- the pool -----------------------------------------------------------------------
    def fit_pool(self):
        """A pool of fixed size raised to hold its thin LVs, with their new sizes."""
        pool = getattr(self.ctx, "root_pool", None)
        if pool is None or pool.size is None or self.profile.overcommit or \
                not pool.source_line:
            return
        total = 0
        for dev in self.layout.children_of(pool):
            if dev.kind == L.THINLV:
                total += self.sizes.get(dev.name, dev.size or 0)
        known = {d.name.split("/", 1)[-1] for d in self.layout.children_of(pool)}
        total += sum(size for name, size in self.sizes.items()
                     if "/" not in name and name not in known)
        if total <= pool.size + self.ctx.slack:
            return
        cmd = self.command(pool.source_line)
        if cmd is None:
            return
        mib = _mib(total)
        repl = [o.value + (str(mib),) for o in cmd.find("size")] or \
            [(cmd.end(), cmd.end(), " --size%s%d" % (self.style.sep, mib))]
        self.edit(pool.source_line, cmd, repl,
                  _("thin pool %(pool)s: --size=%(mib)d (%(size)s) to hold its thin LVs")
                  % {"pool": pool.name, "mib": mib, "size": fs(mib * MiB)})

    # --- applying -----------------------------------------------------------------------
    def apply(self):
        """``({file key: new text}, {file key: old text})`` of the files that change."""
        keys = []
        for key, _line in list(self.edits) + list(self.inserts):
            if key not in keys:
                keys.append(key)
        keys.sort(key=lambda k: k != self.filename)
        files, original = {}, {}
        for key in keys:
            old = self.text_of(key)
            lines = old.splitlines(True)
            for (k, line), text in self.edits.items():
                if k == key:
                    lines[line - 1] = text
            for (k, line), new in sorted(self.inserts.items(), reverse=True):
                if k != key:
                    continue
                if not lines[line - 1].endswith(("\n", "\r")):
                    lines[line - 1] += _ending_of(new[0])
                lines[line:line] = new
            text = "".join(lines)
            if text != old:
                files[key], original[key] = text, old
        return files, original


def _raw_path(expansion, key):
    for path, _origin, display, _local in expansion.included:
        if display == key:
            return path
    raise KeyError(key)


def _ending_of(line):
    return line[len(line.rstrip("\r\n")):] or "\n"


def _space_before(line, start):
    while start > 0 and line[start - 1] in " \t":
        start -= 1
    return start


def _mib(size):
    return int(math.ceil(size / MiB))


def _planned_size(rule):
    """What a missing mount is created with: what imgbased creates (``created_size``),
    else what the planner asks for, else the minimum."""
    if rule is None:
        return None
    return getattr(rule, "created_size", None) or rule.default_size or rule.min_size


def _base(layout, dev):
    """The LV under a LUKS device (sizes are written on the LV's line)."""
    while dev.kind == L.LUKS and dev.parents:
        parent = layout.get(dev.parents[0])
        if parent is None:
            break
        dev = parent
    return dev


def _mounted(layout, dev):
    """The mount point of *dev* or of the LUKS device on it."""
    if dev.mountpoint:
        return dev.mountpoint
    for child in layout.children_of(dev):
        if child.mountpoint:
            return child.mountpoint
    return None


def finding_name(dev):
    if dev is None:
        return "?"
    return dev.mountpoint or dev.name


def _with_options(cmd, wanted, style):
    """Replacements adding the mount options *wanted* to the ``--fsoptions`` of *cmd*, and
    the options added."""
    opts = cmd.find("fsopts")
    if opts:
        opt = opts[-1]
        value, quote = _unquote(opt.raw)
        have = [o.strip() for o in value.split(",") if o.strip()]
        added = [o for o in wanted if o not in have]
        if not added:
            return [], []
        new = ",".join([value.rstrip(",")] + added) if value.strip() else \
            ",".join(["defaults"] + added)
        return [opt.value + (_quoted(new, quote or ("" if _SAFE_VALUE_RE.match(new)
                                                    else '"')),)], added
    added = list(wanted)
    if not added or "fsopts" not in cmd.dests:
        return [], []
    new = ",".join(["defaults"] + added)
    return [_new_option(cmd, "fsopts", "--fsoptions%s%s" % (style.sep, _quoted(new, style.quote)),
                        style.order)], added


def _new_option(cmd, dest, text, order):
    """The replacement inserting option *text* into *cmd*: before the first option that
    comes after *dest* in the file's usual *order* (a list of dests), else at the end."""
    if dest in order:
        later = set(order[order.index(dest) + 1:])
        for opt in cmd.options:
            if opt.dest in later:
                start = cmd.words[opt.word].start
                return (start, start, text + " ")
    return (cmd.end(), cmd.end(), " " + text)


class _Naming:
    """The file's way of naming LVs after their mount points: a prefix, a separator between
    path parts and a suffix, learnt from its thin LVs (``var_log``, ``lv_var-log``...)."""

    def __init__(self, layout, thin):
        affixes, seps = Counter(), Counter()
        for dev in thin:
            point = _mounted(layout, dev)
            if not point or point == "/" or "/" not in dev.name:
                continue
            name = dev.name.split("/", 1)[1]
            parts = point.strip("/").split("/")
            # one part (/var) tells the prefix and suffix; more (/var/log) the separator
            for sep in (("_",) if len(parts) == 1 else ("_", "-", ".", "")):
                core = sep.join(parts)
                at = name.find(core)
                if at >= 0:
                    affixes[(name[:at], name[at + len(core):])] += 1
                    if len(parts) > 1:
                        seps[sep] += 1
                    break
        self.affixes = affixes.most_common(1)[0][0] if affixes else None
        self.sep = seps.most_common(1)[0][0] if seps else "_"

    def name(self, point, taken):
        if self.affixes is not None:
            prefix, suffix = self.affixes
            base = prefix + self.sep.join(point.strip("/").split("/")) + suffix
        else:
            base = lv_name_for_mountpoint(point)
        try:
            check_lvm_name(base, "LV")
        except InvalidNameError:
            base = lv_name_for_mountpoint(point)
        name, n = base, 2
        while name in taken:
            name = "%s%d" % (base, n)
            n += 1
        return name


def _reason_text(reason):
    return {"pre": _("a %pre script writes it"), "missing": _("it does not exist here"),
            "loop": _("nested too deeply or including itself"),
            "special": _("not a regular file"), "binary": _("not a text file")}.get(
                reason, _("it cannot be read"))


def _refusal_text(finding):
    """Why an error the fixer does not fix stops it, from the finding itself."""
    if finding.rule == "root-kind":
        return _("%(message)s The fixer does not turn / into a thin LV: every volume would "
                 "change (write a thin layout: ovirt-node-layout plan --format kickstart).") % {
                     "message": finding.message}
    return _("%(code)s %(message)s (not something the fixer changes)") % {
        "code": finding.code, "message": finding.message}
