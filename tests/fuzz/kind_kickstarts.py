# SPDX-License-Identifier: GPL-2.0-or-later
"""Fuzz kind ``kickstarts``: whole kickstarts through the kickstart linter.

Each case is a kickstart built from real partitioning commands: a compliant thin layout, the
shipped examples, ``autopart`` variants, RAID and LUKS layouts, then mutated a few times:
lines dropped, repeated, swapped; options (read from pykickstart's own parsers) added,
dropped, left without their value or given hostile values (huge, negative, unicode digits,
quotes, control characters, 20,000 characters); unbalanced quotes, NULs, CRs, a BOM;
``%include`` of files in a private folder (chains, a self-include, a fan-out of 7 x 10, a
3 MiB and a 5 MiB file, a "secret" file, a NUL-separated environment, a FIFO, a directory,
``/dev/zero``, ``/proc/self/environ``, missing files, one a ``%pre`` script writes); a
``%addon org_ovirt_node`` section from the ``addon`` kind; ``%pre``/``%post``/``%packages``
sections, unknown or unterminated ones; lines of up to 1 MB; rarely thousands of logvols.

It runs :func:`~org_ovirt_node.kickstart.linter.lint_text` (sometimes another syntax version) or
:func:`~org_ovirt_node.kickstart.linter.lint_file` on a temporary file (sometimes with bytes
that are not UTF-8). Expected: a report, or
:class:`~org_ovirt_node.kickstart.linter.LintInputError`. Anything else is a crash, and so is a
broken invariant: an exit code other than 0/1/2, a finding
with an unknown code, a line outside the file, a message that is not one printable line,
longer than a few hundred characters or quoting the secret line beyond a short excerpt.
"""
import atexit
import os
import shutil
import tempfile

from pykickstart.version import RHEL9, makeVersion

from org_ovirt_node import rules as catalog
from org_ovirt_node.kickstart.linter import LintInputError, exit_code, lint_file, lint_text
from org_ovirt_node.sanitize import excerpt

try:
    from fuzz import kind_addon
except ImportError:         # loaded from a file by path: the addon kind sits beside it
    import importlib.util
    _spec = importlib.util.spec_from_file_location(
        "kind_addon", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                   "kind_addon.py"))
    kind_addon = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(kind_addon)

KIND = "kickstarts"
DEFAULT_COUNT = 100_000
SLICE_COUNT = 200

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "data", "examples")
SECRET = kind_addon.SECRET
CANARY = kind_addon.CANARY
MAX_MESSAGE = 2000
CODES = {info.code for info in catalog.CATALOG.values()}
SEVERITIES = ("error", "warning", "info")

THIN = ('logvol %s --vgname=HostVG --name=%s --thin --poolname=HostPool '
        '--fsoptions="defaults,discard" --size=%d%s')
MOUNTS = [("/", "root", 6144, " --grow"), ("/var", "var", 5120, ""),
          ("/var/tmp", "var_tmp", 10240, ""), ("/var/crash", "var_crash", 10240, ""),
          ("/var/log", "var_log", 8192, ""), ("/var/log/audit", "var_audit", 2048, ""),
          ("/home", "home", 1024, ""), ("/tmp", "tmp", 1024, "")]


def _compliant():
    lines = ["text", "zerombr", "clearpart --all --initlabel", "reqpart --add-boot",
             "part pv.01 --size=42000 --grow", "volgroup HostVG pv.01 --reserved-percent=20",
             "logvol swap --vgname=HostVG --name=swap --recommended",
             "logvol none --vgname=HostVG --name=HostPool --thinpool --size=40000 --grow"]
    lines += [THIN % m for m in MOUNTS]
    return lines


def _examples():
    out = []
    for name in sorted(os.listdir(EXAMPLES)) if os.path.isdir(EXAMPLES) else ():
        if name.endswith(".ks"):
            with open(os.path.join(EXAMPLES, name), encoding="utf-8") as handle:
                out.append(handle.read().splitlines())
    return out


SEEDS = [_compliant(), ["autopart --type=thinp"], ["autopart"], ["autopart --type=lvm"],
         ["autopart --type=thinp --fstype=ext3 --nohome --noswap --noboot"],
         ["part raid.01 --size=42000 --ondisk=sda", "part raid.02 --size=42000 --ondisk=sdb",
          "raid pv.01 --level=1 --device=md0 raid.01 raid.02",
          "volgroup HostVG pv.01 --reserved-space=20480",
          "logvol none --vgname=HostVG --name=HostPool --thinpool --size=40000",
          THIN % ("/", "root", 6144, " --encrypted --passphrase=x")],
         ["part / --size=20000 --fstype=xfs", "part swap --recommended",
          "part /boot --size=1024 --asprimary"],
         ["text", "rootpw --lock", "reboot"]] + _examples()

COMMANDS = ("part", "logvol", "volgroup", "raid", "autopart", "reqpart", "clearpart",
            "ignoredisk")
_parsers = makeVersion(RHEL9)
OPTIONS = {c: sorted({o for a in _parsers.commands[c].op._actions for o in a.option_strings
                      if o.startswith("--")}) for c in COMMANDS}
del _parsers

VALUES = ("", "0", "-1", "1", "1024", "99999999999999999999", "9" * 400, "18446744073709551616",
          "1e9", "nan", "inf", "0x10", "1.5", "\u0661\u0662", "\uff11", "abc", "$(id)", "`id`",
          "'", '"', "''", "\"a b\"", "a\\ b", "\\", "#", "=", "--", "-", "/", "//", "/a b",
          "/a\x1bb", "/\u202eevil", "pv.01", "pv.99", "raid.01", "HostVG", "HostPool", "none",
          "swap", "thinp", "lvm", "plain", "btrfs", "xfs", "ext3", "vfat", "efi", "biosboot",
          "sda", "sda,sdb", "disk/by-id/x", "z" * 90, "x" * 20_000, "\x00", "\r", "\t",
          "\u2028")
INSERTS = ("\x00", "\r", "\t", "\x1b[2J", "\u2028", "\ufeff", "'", '"', "\\", "#", " ", "%",
           "\udcff", "\U0001f4a9", "--", "=")


# --- the private folder of files to include ---------------------------------------------------
class Fixtures:
    """Files a kickstart may ``%include``, made once per process in a private folder."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="onn-fuzz-kickstarts-")
        atexit.register(shutil.rmtree, self.base, True)
        w = self._write
        part = "\n".join(_compliant()[3:]) + "\n"
        self.paths = {
            "part": w("part.ks", part),
            "chain": w("c1.ks", "# chain\n%include c2.ks\n"),
            "loop": w("loop.ks", "%include loop.ks\n"),
            "secret": w("shadow", ("%s\n" % SECRET) * 30),
            "environ": w("environ", ("A=%s\0" % SECRET) * 10),
            "latin1": w("latin1.ks", b"# caf\xe9\nautopart --type=thinp\n"),
            "addon": w("addon.ks", "%addon org_ovirt_node\nmount /var min=6GiB\n%end\n"),
            "medium": w("medium.ks", ("#" * 1023 + "\n") * 3 * 1024),
            "big": w("big.ks", ("#" * 1023 + "\n") * 5 * 1024),
            "fanout": w("f0.ks", "%include f1.ks\n" * 10),
            "unterminated": w("pre.ks", "%pre\necho\n"),
            "sub": w(os.path.join("sub", "x.ks"), "%include ../part.ks\n"),
            "dir": self.base,
            "missing": os.path.join(self.base, "missing.ks"),
            "zero": "/dev/zero",
            "proc_environ": "/proc/self/environ",
            "proc_status": "/proc/self/status",
        }
        w("c2.ks", "%include c3.ks\n")
        w("c3.ks", part)
        for level in range(1, 7):
            w("f%d.ks" % level, "%%include %s\n" % ("leaf.ks" if level == 6 else
                                                    "f%d.ks" % (level + 1)) * 10)
        w("leaf.ks", "firewall --disabled\n")
        fifo = os.path.join(self.base, "fifo.ks")
        try:
            os.mkfifo(fifo)
            self.paths["fifo"] = fifo
        except (OSError, AttributeError):
            pass
        self.names = sorted(self.paths)
        self.main = os.path.join(self.base, "main.ks")

    def _write(self, name, data):
        path = os.path.join(self.base, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path


_FIXTURES = []


def fixtures():
    if not _FIXTURES:
        _FIXTURES.append(Fixtures())
    return _FIXTURES[0]


# --- mutations ------------------------------------------------------------------------------------
def _include_line(rng):
    fx = fixtures()
    path = fx.paths[rng.choice(fx.names)]
    if rng.random() < 0.3 and path.startswith(fx.base + os.sep):
        path = os.path.relpath(path, fx.base)
    return rng.choice(("%include {}", "%include {}", "%include '{}'", "%include {} # c",
                       "  %include {}", "%include", "%include \"{}")).format(path)


def _mutate_command(rng, line):
    words = line.split(" ")
    command = words[0] if words and words[0] in OPTIONS else rng.choice(COMMANDS)
    roll = rng.random()
    if roll < 0.3:                                   # add a real option
        option = rng.choice(OPTIONS[command])
        form = rng.choice(("{}={}", "{} {}", "{}", "{}=", "{}={}{}"))
        words.insert(rng.randint(1, max(1, len(words))),
                     form.format(option, rng.choice(VALUES), rng.choice(VALUES)))
    elif roll < 0.55 and len(words) > 1:             # a hostile value
        i = rng.randrange(1, len(words))
        key = words[i].split("=", 1)[0]
        words[i] = "%s=%s" % (key, rng.choice(VALUES)) if key.startswith("--") \
            else rng.choice(VALUES)
    elif roll < 0.7 and len(words) > 1:              # drop a value or a word
        i = rng.randrange(1, len(words))
        words[i] = words[i].split("=", 1)[0] if rng.random() < 0.5 else ""
    elif roll < 0.85:                                # insert odd characters
        i = rng.randrange(len(words))
        at = rng.randint(0, len(words[i]))
        words[i] = words[i][:at] + rng.choice(INSERTS) + words[i][at:]
    else:                                            # another command, same options
        words[0] = rng.choice(COMMANDS + ("Part", "logvol2", "%include", "#"))
    return " ".join(words)


def _section(rng):
    return rng.choice((
        lambda: ["%pre", "echo 'part / --size=1' > /tmp/part-include", "%end",
                 "%include /tmp/part-include"],
        lambda: ["%post --nochroot", "echo " + "a" * rng.choice((10, 20_000, 1_000_000)),
                 "%end"],
        lambda: ["%packages", "@core", "-kernel", "%end"],
        lambda: ["%packages", "@core"],                     # unterminated
        lambda: ["%foo", "bar", "%end"],
        lambda: ["%post", "%end " + "x" * rng.choice((10, 20_000))],
        lambda: kind_addon.section(rng).splitlines(),
        lambda: ["%addon com_redhat_kdump --enable", "%end"],
    ))()


def _many_logvols(rng):
    count = rng.choice((500, 2000))
    return ["logvol /srv/d%d --vgname=HostVG --name=%s --thin --poolname=HostPool --size=10"
            % (n, "d" if rng.random() < 0.5 else "d%d" % n) for n in range(count)]


def mutate(rng, lines):
    lines = list(lines)
    for _ in range(rng.choice((0, 1, 1, 2, 3, 5))):
        roll = rng.random()
        i = rng.randrange(len(lines)) if lines else 0
        if not lines:
            lines.append("")
        if roll < 0.35:
            lines[i] = _mutate_command(rng, lines[i])
        elif roll < 0.45:
            del lines[i]
        elif roll < 0.52:
            lines.insert(i, lines[i])
        elif roll < 0.58:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif roll < 0.75:
            lines.insert(i, _include_line(rng))
        elif roll < 0.9:
            lines[i:i] = _section(rng)
        elif roll < 0.93:
            lines.insert(i, rng.choice(COMMANDS) + " " + "x" * rng.choice((16_000, 17_000,
                                                                         1_000_000)))
        elif roll < 0.935:
            lines[i:i] = _many_logvols(rng)
        else:
            at = rng.randint(0, len(lines[i]))
            lines[i] = lines[i][:at] + rng.choice(INSERTS) + lines[i][at:]
    return lines


def generate(rng):
    """``(mode, version, text)``: mode ``text`` (lint_text), ``file`` (lint_file) or
    ``bytes`` (lint_file of a file with Latin-1 or broken UTF-8 bytes)."""
    lines = mutate(rng, rng.choice(SEEDS))
    ending = rng.choice(("\n",) * 8 + ("\r\n", ""))
    text = ending.join(lines) + ending
    if rng.random() < 0.02:
        text = "\ufeff" + text
    mode = rng.choice(("text",) * 6 + ("file", "bytes"))
    version = rng.choice(("RHEL9",) * 12 + ("RHEL8", "RHEL10", "F40", "RHEL99"))
    if mode == "bytes":
        data = text.encode("utf-8", "surrogatepass")
        at = rng.randint(0, len(data))
        text = data[:at] + rng.choice((b"\xe9", b"\xff\xfe", b"\xc3", b"\xed\xa0\x80")) + \
            data[at:]
    return (mode, version, text)


def describe(case):
    mode, version, text = case
    return "%s %s, %d: %s" % (mode, version, len(text), excerpt(text, 120))


# --- running ------------------------------------------------------------------------------------
def _check_text(text, what):
    assert isinstance(text, str), "%s is %r" % (what, type(text))
    assert text.isprintable(), "%s with control characters: %s" % (what, excerpt(text, 200))
    assert len(text) < MAX_MESSAGE, "%s of %d characters" % (what, len(text))
    assert CANARY not in text, "the secret line came out in %s: %s" % (what, excerpt(text, 200))


def run(case):
    mode, version, text = case
    fx = fixtures()
    try:
        if mode == "text":
            report = lint_text(text, filename=fx.main, ks_version=version, base_dir=fx.base)
        else:
            with open(fx.main, "wb") as handle:
                handle.write(text if isinstance(text, bytes)
                             else text.encode("utf-8", "surrogatepass"))
            report = lint_file(fx.main, ks_version=version)
    except LintInputError as exc:
        _check_text(str(exc), "an input error")
        return
    assert exit_code(report) in (0, 1, 2), "exit code %r" % exit_code(report)
    assert exit_code(report, strict=True) in (0, 1, 2)
    # Lines as pykickstart counts them (str.splitlines: \u2028, \x0c... end lines too).
    lines = len((text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
                .splitlines()) + 1
    for finding in report.findings:
        assert finding.code in CODES, "unknown code %r" % finding.code
        assert finding.severity in SEVERITIES, "severity %r" % finding.severity
        assert finding.line is None or (isinstance(finding.line, int)
                                        and 0 < finding.line <= lines), \
            "line %r of %d" % (finding.line, lines)
        _check_text(finding.message, "a message")
        _check_text(finding.hint or "", "a hint")


if __name__ == "__main__":  # a quick local loop: python tests/fuzz/kind_kickstarts.py [count]
    import random
    import sys
    import time
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    began = time.monotonic()
    for index in range(count):
        run(generate(random.Random("0:%s:%d" % (KIND, index))))
    print("%d inputs in %.1f s" % (count, time.monotonic() - began))
