# SPDX-License-Identifier: GPL-2.0-or-later
"""Fuzz kind ``addon``: hostile ``%addon org_ovirt_node`` sections, through real pykickstart.

Each case is the text of one section (sometimes with blank lines, comments, other addons or
a command around it): the header with ``--profile``/``--mode`` values (names, paths of
hostile files in a private folder: a "secret" file, a FIFO, a directory, ``/dev/zero``,
``/proc/self/environ``, an alias bomb, a deep nesting, non-UTF-8 bytes, a valid site
profile), and body lines built from the real verbs and keys with hostile values (sizes
huge, negative, with odd units or 5,000 digits; mount points relative, unnormalised, with
spaces, quotes or control characters; unbalanced quotes, NULs, escape sequences, lines of
5,000 to 200,000 characters), or mutated from valid sections.

It runs the section the two ways the addon meets it: parsed by a pykickstart
``KickstartParser`` with :class:`~org_ovirt_node.kickstart.addon.OvirtNodeSection` registered
(errors raised, as Anaconda does, and collected, as the linter does), and through the data
class's Anaconda protocol (``handle_header``/``handle_line``/``handle_end``) followed by
``resolve_profile`` (what the installer module does at once).

Expected clean rejection: ``KickstartError``. Anything else escaping is a crash, and so is a
broken invariant: a message with control characters, longer than a few hundred characters
or quoting the secret line beyond a short excerpt; more than ``MAX_LISTED_ERRORS`` + 1
collected problems for one section; an accepted size above ``MAX_SIZE``; a section whose
written form (``str()``) does not read back the same.
"""
import atexit
import os
import shutil
import tempfile
import traceback

from pykickstart.errors import KickstartError
from pykickstart.parser import KickstartParser
from pykickstart.version import RHEL9, makeVersion

from org_ovirt_node.kickstart.addon import (
    MAX_LISTED_ERRORS,
    MOUNT_KEYS,
    VERBS,
    OvirtNodeData,
    OvirtNodeSection,
)
from org_ovirt_node.profile import MAX_SIZE, load_profile
from org_ovirt_node.sanitize import excerpt
from org_ovirt_node.units import SizeError, parse_size

KIND = "addon"
DEFAULT_COUNT = 100_000
SLICE_COUNT = 200

# A "secret" line (as long as one of /etc/shadow): only a short excerpt may come out.
SECRET_HEAD = "root:$6$ONNFUZZ"
SECRET = SECRET_HEAD + "k9Qx1sP0bLr7TzV3mWc8YdNe2GhJ5uAo4iKfB6vRyXlZq:19000:0:99999:7:::"
CANARY = "B6vRyXlZq"            # far beyond any excerpt of SECRET
MAX_MESSAGE = 1500
HEADER_WORD_MAX = 6000

SIZES = (
    "1GiB", "8GiB", "20 GiB", "1.5TiB", "0B", "512B", "1", "-1GiB", "1e9GiB", "NaN", "inf",
    "16EiB", "8EiB", "8192PiB", "9EiB", "10EB", "9223372036854775807B", "9223372036854775808B",
    "9223372036854775809B", "18446744073709551616B", "9" * 30 + "GiB", "9" * 5000 + "B",
    "1" * 70 + " GiB", "0.000001B", "1.GiB", ".5GiB", "1 G i B", "1GiBs", "GiB", "", "1\x00GiB",
    "\u0661GiB", "1\u00a0GiB", "１GiB",
)
MOUNTS = (
    "/", "/var", "/var/log", "/var/log/audit", "/home", "/tmp", "/boot", "/srv", "/opt", "/usr",
    "/var/lib/libvirt", "var", "/var/", "//var", "/var/../etc", "/./var", "/a b", "/a\tb",
    "/a'b", '/a"b', "/a\\b", "/a`b", "/a\x00b", "/a\x1b[2Jb", "/\u202eevil", "/d\u00e9p\u00f4t",
    "/" + "x" * 300, "/" + "y" * 2000, "", "-", "--", "swap", "none", "/snapshots", "/100%",
    "/srv/a#b", "/$HOME", "/*",
)
VALUES = (
    "thin", "lv", "partition", "any", "fat", "yes", "no", "true", "off", "maybe", "xfs",
    "ext4", "xfs,ext4", "ntfs", ",", "", "discard", "defaults,discard", "discard,,noatime",
    "a;b", "context=\"x\"", "uid=0", "a\nb", "\x1b[31m", "%pre", "x" * 5000,
)
RULES = ("mount-options", "swap", "ONN011", "ONN012", "onn011", "ks-dynamic", "nonsense", "",
         "ONN999", "x" * 300)
SEVERITIES = ("error", "warning", "info", "off", "ERROR", "fatal", "", "x" * 300)
JUNK = ("\x00", "\x1b]0;title\x07", "'", '"', "\\", "#", "=", "%end", "%include /nonexistent",
        "\u2028", "\ud800", "\udcff", "\ufeff", "\r", "\t", "  ", "$(id)", "`id`", ";", "|")
MODES = ("enforce", "warn", "off", "loud", "", "ENFORCE", "x" * 300, "\x1b")


# --- the private folder of hostile profile files ------------------------------------------
class Fixtures:
    """Files a ``--profile=`` may name, made once per process in a private folder."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="onn-fuzz-addon-")
        atexit.register(shutil.rmtree, self.base, True)
        self.paths = {
            "secret": self._write("shadow", ("%s\n" % SECRET) * 30),
            "secret_map": self._write("shadow.yaml", "".join(
                "%s%d: x\n" % (SECRET, n) for n in range(30))),
            "bomb": self._write("bomb.yaml", "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
                "%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n" % ((chr(98 + i), chr(98 + i))
                                                                    + (chr(97 + i),) * 9)
                for i in range(8))),
            "deep": self._write("deep.yaml", "mounts: " + "[" * 200 + "]" * 200 + "\n"),
            "latin1": self._write("latin1.yaml", b"name: caf\xe9\n"),
            "nul": self._write("nul.yaml", b"name: a\x00b\n"),
            "site": self._write("site.yaml", "extends: ovirt-node\nmounts:\n"
                                "  /var/lib/libvirt: {kind: thin, min: 20 GiB}\n"),
            "huge": self._write("huge.yaml", "# " + "x" * (2 << 20) + "\n"),
            "dir": self.base,
            "missing": os.path.join(self.base, "missing.yaml"),
            "zero": "/dev/zero",
            "environ": "/proc/self/environ",
        }
        fifo = os.path.join(self.base, "fifo.yaml")
        try:
            os.mkfifo(fifo)
            self.paths["fifo"] = fifo
        except (OSError, AttributeError):
            pass
        self.names = sorted(self.paths)

    def _write(self, name, data):
        path = os.path.join(self.base, name)
        with open(path, "wb") as handle:
            handle.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path


_FIXTURES = []


def fixtures():
    if not _FIXTURES:
        _FIXTURES.append(Fixtures())
    return _FIXTURES[0]


# --- generating --------------------------------------------------------------------------------
def _pick(rng, choices, junk=0.15):
    """A value from *choices*, sometimes with junk inserted or made very long."""
    value = rng.choice(choices)
    roll = rng.random()
    if roll < junk:
        at = rng.randint(0, len(value))
        value = value[:at] + rng.choice(JUNK) + value[at:]
    elif roll < junk + 0.01:
        value = value * rng.choice((100, 2000))
    return value


def _quoted(rng, word):
    roll = rng.random()
    if roll < 0.1:
        return "'%s'" % word
    if roll < 0.15:
        return '"%s"' % word
    if roll < 0.18:
        return rng.choice(("'", '"')) + word        # unbalanced
    return word


GOOD_SIZES = ("1GiB", "6GiB", "8 GiB", "10GiB", "20GiB", "1.5TiB", "8EiB", "512MiB")
GOOD_MOUNTS = ("/var", "/var/log", "/var/tmp", "/home", "/tmp", "/var/crash", "/srv",
               "/var/lib/libvirt", "/opt", "/data/a")
GOOD_VALUES = {"kind": ("thin", "lv", "partition", "any"), "grow": ("yes", "no"),
               "fs": ("xfs", "ext4", "xfs,ext4"), "options": ("discard", "defaults,discard")}


def good_line(rng):
    """A line that parses (it may still not fit the profile)."""
    verb = rng.choice(VERBS)
    if verb == "rule":
        return "rule %s %s" % (rng.choice(RULES[:4] + RULES[5:6]), rng.choice(SEVERITIES[:5]))
    if verb == "forbid":
        return "forbid %s" % rng.choice(("/opt", "/usr", "/srv", "/data/a"))
    words = [verb, rng.choice(GOOD_MOUNTS)]
    keys = rng.sample(tuple(MOUNT_KEYS), rng.randint(1 if verb == "mount" else 0, 3))
    for key in keys:
        value = rng.choice(GOOD_SIZES) if key in ("min", "default") else \
            rng.choice(GOOD_VALUES[key])
        words.append("%s=%s" % (key, rng.choice((value, value, "'%s'" % value, '"%s"' % value))
                                if " " not in value else "'%s'" % value))
    return " ".join(words)


def hostile_line(rng):
    """One body line with hostile words or values."""
    roll = rng.random()
    if roll < 0.1:
        return rng.choice(("", "   ", "# a comment", "#" + SECRET))
    if roll < 0.2:
        return "".join(rng.choice(JUNK + tuple(VERBS)) for _ in range(rng.randint(1, 8)))
    if roll < 0.25:
        return SECRET
    if roll < 0.27:
        return rng.choice(VERBS) + " /var min=" + "9" * rng.choice((5000, 50_000, 200_000))
    verb = rng.choice(VERBS + ("frobnicate", "Mount", "")) if rng.random() < 0.1 else \
        rng.choice(VERBS)
    if verb == "rule":
        words = [verb, _pick(rng, RULES), _pick(rng, SEVERITIES)]
        if rng.random() < 0.1:
            words = words[:rng.randint(0, 3)] + ["extra"] * rng.randint(0, 1)
        return " ".join(_quoted(rng, w) for w in words)
    words = [verb, _pick(rng, MOUNTS)]
    for _ in range(rng.randint(0, 1) if verb == "forbid" else rng.randint(0, 4)):
        key = rng.choice(tuple(MOUNT_KEYS) + ("size", "min", "", "MIN"))
        value = _pick(rng, SIZES) if key in ("min", "default", "size") else _pick(rng, VALUES)
        words.append(rng.choice(("%s=%s", "%s=%s", "%s=%s", "%s%s", "%s==%s")) % (key, value))
    return " ".join(_quoted(rng, w) for w in words)


def body_line(rng):
    return good_line(rng) if rng.random() < 0.75 else hostile_line(rng)


def header_args(rng):
    """The words after ``%addon org_ovirt_node``."""
    args = []
    roll = rng.random()
    if roll < 0.3:
        args.append("--profile=" + rng.choice(("ovirt-node", "ovirt-node-minimal")))
    elif roll < 0.5:
        args.append("--profile=" + fixtures().paths[rng.choice(fixtures().names)])
    elif roll < 0.6:
        value = rng.choice(("no-such-profile", "", "../../etc/passwd", "ovirt-node.yaml",
                            "x" * 5000)) if rng.random() < 0.5 else _pick(rng, MOUNTS, 0.5)
        args.append(_quoted(rng, "--profile=" + value) if rng.random() < 0.9
                    else "--profile")
    if rng.random() < 0.5:
        args.append("--mode=" + (rng.choice(MODES[:3]) if rng.random() < 0.9
                                 else _pick(rng, MODES)))
    if rng.random() < 0.03:
        args.append(rng.choice(("extra", "--colour=red", "--profile=ovirt-node", SECRET)))
    rng.shuffle(args)
    # pykickstart itself splits the header line with shlex, whose work grows faster than the
    # line: longer headers would measure pykickstart, not the addon.
    return [a[:HEADER_WORD_MAX] for a in args]


def section(rng, header=None, lines=None):
    """The text of one ``%addon org_ovirt_node`` section (with a little around it)."""
    header = header_args(rng) if header is None else header
    if lines is None:
        lines = [body_line(rng) for _ in range(rng.choice((0, 1, 2, 3, 5, 8, 12)))]
        if rng.random() < 0.05:                 # many bad lines: listed, then summarised
            lines += [hostile_line(rng) for _ in range(rng.randint(6, 40))]
    out = ["%addon org_ovirt_node" + "".join(" " + a for a in header)]
    out += lines
    out.append("%end" if rng.random() < 0.97 else rng.choice(("", "%end extra", "%ned")))
    before = rng.choice(("", "", "text\n", "# c\n\n", "%addon com_redhat_kdump\n%end\n"))
    after = rng.choice(("",) * 12 + ("reboot\n", "%addon org_ovirt_node\n%end\n"))
    return before + "\n".join(out) + "\n" + after


def generate(rng):
    """``(mode, text)``: mode ``section`` (pykickstart parser) or ``anaconda`` (the data
    class's protocol, line by line)."""
    return (rng.choice(("section", "section", "anaconda")), section(rng))


def describe(case):
    mode, text = case
    return "%s, %d chars: %s" % (mode, len(text), excerpt(text, 120))


# --- running -----------------------------------------------------------------------------------
_STATE = {}


def _handler():
    if "handler" not in _STATE:
        _STATE["handler"] = makeVersion(RHEL9)
        _STATE["base"] = load_profile("ovirt-node")
    return _STATE["handler"]


def _ours(exc):
    """True if *exc* was raised by the addon's code (pykickstart's own errors about the
    rest of the kickstart, such as lines after a broken ``%end``, are its business)."""
    return any(f.filename.endswith(os.path.join("org_ovirt_node", "kickstart.py"))
               for f in traceback.extract_tb(exc.__traceback__))


def _check_message(exc, ours=True):
    if not ours and not _ours(exc):
        return
    message = getattr(exc, "message", None) or ""
    assert isinstance(message, str), "a KickstartError whose message is %r" % type(message)
    assert message.isprintable(), "a message with control characters: %s" % excerpt(message)
    assert len(message) < MAX_MESSAGE, "a message of %d characters" % len(message)
    assert CANARY not in message, "the secret line came out: %s" % excerpt(message, 200)


def _check_accepted(data):
    for override in data.overrides:
        for key, value in override.settings:
            if key in ("min", "default"):
                try:
                    size = parse_size(value)
                except SizeError as exc:
                    raise AssertionError("an accepted size that does not parse: %r" % value) \
                        from exc
                assert 0 <= size <= MAX_SIZE, "an accepted size of %d bytes" % size
    written = str(data)
    if not written:
        return
    again = _parse(written, errors=None)
    assert again == data, "%r reads back as %r" % (written, again)


class _PykickstartSplitError(KickstartError):
    """pykickstart's own ``shlex`` error on a header or ``%end`` line with an unclosed quote:
    raised by its parser before the section sees the line (the same for any kickstart)."""


def _parse(text, errors):
    handler = _handler()
    parser = KickstartParser(handler, followIncludes=False)
    data = OvirtNodeData()
    parser.registerSection(OvirtNodeSection(handler, data=data, errors=errors))
    try:
        parser.readKickstartFromString(text)
    except ValueError as exc:
        frames = traceback.extract_tb(exc.__traceback__)
        files = [os.path.basename(f.filename) for f in frames]
        if files[-1:] == ["shlex.py"] and len(files) >= 3 and "pykickstart" in \
                frames[files.index("shlex.py") - 1].filename:
            raise _PykickstartSplitError(str(exc)) from None
        raise
    return data


def _resolve(data):
    """``resolve_profile`` as the installer runs it; the built-in profile is loaded once."""
    base = _STATE["base"] if data.profile == "ovirt-node" else None
    try:
        profile = data.resolve_profile(base=base)
    except KickstartError as exc:
        _check_message(exc)
        return
    for rule in profile.mounts.values():
        for size in (rule.min_size, rule.default_size):
            assert size is None or 0 <= size <= MAX_SIZE, "a resolved size of %r" % size


def _run_section(text):
    collected = []
    try:
        _parse(text, errors=collected)
    except KickstartError as exc:       # a problem outside the section (no %end...)
        _check_message(exc, ours=False)
    for exc in collected:
        assert isinstance(exc, KickstartError), "a collected %r" % type(exc)
        _check_message(exc)
    try:
        data = _parse(text, errors=None)
    except KickstartError as exc:
        _check_message(exc, ours=False)
        return
    counts = {}
    for exc in collected:
        counts[exc.lineno] = counts.get(exc.lineno, 0) + 1
    assert len(collected) <= (MAX_LISTED_ERRORS + 1) * max(1, text.count("%addon")), \
        "%d problems listed" % len(collected)
    _check_accepted(data)
    _resolve(data)


def _run_anaconda(text):
    """The data class as Anaconda's addon section drives it: the header words, then every
    line of the body with its number."""
    import shlex
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith("%addon org_ovirt_node")),
                 None)
    if start is None:
        return
    data = OvirtNodeData()
    try:
        header = lines[start]
        try:
            args = shlex.split(header)[2:] if len(header) < 20_000 else [header]
        except ValueError:
            args = header.split()[2:]
        data.handle_header(args, line_number=start + 1)
        for number, line in enumerate(lines[start + 1:], start + 2):
            if line.strip() == "%end":
                break
            data.handle_line(line + "\n", line_number=number)
        data.handle_end()
    except KickstartError as exc:
        _check_message(exc)
        return
    _check_accepted(data)
    _resolve(data)


def run(case):
    mode, text = case
    _handler()
    if mode == "anaconda":
        _run_anaconda(text)
    else:
        _run_section(text)


if __name__ == "__main__":  # a quick local loop: python tests/fuzz/kind_addon.py [count]
    import random
    import sys
    import time
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    began = time.monotonic()
    for index in range(count):
        run(generate(random.Random("0:%s:%d" % (KIND, index))))
    print("%d inputs in %.1f s" % (count, time.monotonic() - began))
