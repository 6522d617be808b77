# SPDX-License-Identifier: GPL-2.0-or-later
"""Fuzz kind ``argv``: command lines for ``ovirt-node-layout``, run through ``cli.main(argv)``
in this process with standard input, output and error captured.

Each case is a command line built from the real parser's subcommands and options (read from
``cli.build_parser()``, so new options are covered) with hostile values: sizes such as
``8EiB``, ``nan`` or 5,000 digits, names with newlines or undecodable bytes (what
``os.fsdecode`` makes of non-UTF-8 arguments), and paths to hostile files in a private
folder: ``/dev/zero``, FIFOs, directories, missing files, Latin-1 and binary data, a
kickstart that ``%include``\\ s a "secret" file, a profile whose mount point carries a
``%pre`` section. A third of the cases are then mutated (tokens dropped, repeated, swapped,
abbreviated, joined with ``=``, unknown options inserted).

Expected: exit 0, 1 or 2 (``SystemExit`` from argparse included). A crash is exit 3 (the
CLI's guard; the original exception is re-raised with its traceback) or any exception, and
so is a broken invariant: exit 2 without any message, a Python codec error as the message,
a traceback in the output, the secret file's long line in the output, the injected section
in generated text.

Safety: nothing is ever written to a disk. ``apply`` gets no ``--yes`` and only paths that
do not exist (its disk argument once mapped a file name to ``/dev/<name>``); no command line
that names a block device or asks for ``--disks=auto`` (a scan of the machine) runs.
Cost: about 2 % of the cases can reach a full plan (~100 ms); the others are refused before
blivet plans (too-small disks, bad values).
"""
import atexit
import errno
import io
import os
import shutil
import stat
import sys
import tempfile
import threading

KIND = "argv"
DEFAULT_COUNT = 100_000
SLICE_COUNT = 200

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "data", "examples")
# A "secret" line (as long as one of /etc/shadow): it must never come out whole.
SECRET = ("root:$6$ONNFUZZCANARY$k9Qx1sP0bLr7TzV3mWc8YdNe2GhJ5uAo4iKfB6vRyXlZq"
          ":19000:0:99999:7:::")
INJECTED = "ONNFUZZINJECTED"   # a line that must never start a line of generated text
NON_UTF8 = os.fsdecode(b"\xff\xfe-caf\xe9")  # what Python makes of a Latin-1 argument
FULL_PLAN_SHARE = 0.02

_fixtures = None


class _GettextCache:
    """While a command line runs, remember ``gettext.find``'s answers. argparse translates
    its own strings (about 30 per parser, and ``main`` builds the parser on every call)
    through it, and it searches the locale folders on disk every time: half the time of a
    case went there. Keyed on the locale variables; removed after each case, so nothing
    else in the process sees it."""

    ENV = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
    answers = {}

    def __enter__(self):
        import gettext

        self.module, self.find = gettext, gettext.find
        answers, find, env = self.answers, self.find, self.ENV

        def cached_find(domain, localedir=None, languages=None, all=False):  # noqa: A002
            if languages is not None:
                return find(domain, localedir, languages, all)
            key = (domain, localedir, all) + tuple(os.environ.get(v) for v in env)
            if key not in answers:
                answers[key] = find(domain, localedir, None, all)
            return answers[key]
        gettext.find = cached_find
        return self

    def __exit__(self, *exc):
        self.module.find = self.find


# --- the private folder of hostile files -------------------------------------------------
class Fixtures:
    """Hostile files in a private temporary folder, made once per process."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="onn-fuzz-argv-")
        atexit.register(shutil.rmtree, self.base, True)
        self.out = self.path("out")        # write targets; emptied after every case
        self.files = {}                    # name -> path, the files whose content matters
        self.dead_fifo = self.path("dead.fifo")   # never has a writer: must not be opened
        self.fed_fifos = [self.path("fed-%d.fifo" % i) for i in range(2)]  # a writer serves
        for fifo in [self.dead_fifo] + self.fed_fifos:
            os.mkfifo(fifo)
        os.mkdir(self.out)
        os.mkdir(self.path("dir"))
        self.missing = [self.path("missing"), self.path("dir", "missing", "deeper"),
                        self.path("onnfuzz-no-disk")]
        self._make_files()
        self._make_roots()
        self.signature = self._signature()

    def path(self, *parts):
        return os.path.join(self.base, *parts)

    def write(self, name, data):
        path = self.path(name)
        with open(path, "wb") as handle:
            handle.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        self.files[name] = path
        return path

    def _make_files(self):
        w = self.write
        w("empty", b"")
        w("secret.txt", "\n".join([SECRET, "daemon:*:19000:0:99999:7:::", SECRET]) + "\n")
        w("latin1.txt", b"name: caf\xe9\nmounts: {/: {kind: thin}}\n")
        w("binary.bin", bytes((i * 7919 + 13) % 256 for i in range(4096)))
        w("long-line.txt", "x" * 200_000)
        w("passphrase.txt", "correct horse battery staple\n")
        w("passphrase-latin1.txt", b"caf\xe9\n")
        with open(os.path.join(REPO, "data", "profiles", "ovirt-node.yaml"), "rb") as handle:
            w("profile.yaml", handle.read())
        w("profile-syntax.yaml", "name: x\nmounts: [\n")
        w("profile-types.yaml", "name: 2001-13-45\ndisk: {min_total: !!float abc}\n"
                                "mounts: {/: {min: %s GiB}}\n" % ("9" * 5000))
        w("profile-deep.yaml", "name: deep\nmounts: " + "[" * 3000 + "]" * 3000 + "\n")
        w("profile-bomb.yaml", "name: bomb\n" + "".join(
            "%s: &%s [%s]\n" % ("l%d" % i, "l%d" % i,
                                ", ".join(["*l%d" % (i - 1)] * 10) if i else "x")
            for i in range(8)) + "mounts: *l7\n")
        w("profile-recursive.yaml", "name: &a [*a]\n")
        w("profile-inject.yaml",
          "name: inject\nextends: ovirt-node\nmounts:\n"
          "  \"/srv\\n%%pre\\n%s\\n%%end\": {kind: thin, min: 1 GiB, default: 1 GiB}\n"
          "  /home: {kind: thin, min: 1 GiB, default: 1 GiB, options: [\"discard\\n%s\"]}\n"
          % (INJECTED, INJECTED))
        w("profile-dead-fifo-extends.yaml", "name: x\nextends: %s\n" % self.dead_fifo)
        # verify --format json reports, for fleet-report
        w("report-ok.json", '{"origin": "host1", "ok": true, "profile": "ovirt-node", '
                            '"counts": {"error": 0, "warning": 0, "info": 0}, "findings": []}')
        w("report-fail.json", '{"origin": "h\\n2\\u001b[2J", "ok": false, "counts": '
                              '{"error": 1}, "findings": [{"code": "ONN204", "severity": '
                              '"error", "message": "m\\nx", "hint": null}]}')
        w("report-deep.json", "[" * 100_000 + "]" * 100_000)
        w("report-bignum.json", '{"origin": "h", "counts": {"error": 1%s}, "ok": 1e999}'
          % ("0" * 5000))
        w("report-truncated.json", '{"origin": "h", "findings": [{"code": ')
        w("report-list.json", "[1, 2, 3]")
        w("report-types.json", '{"origin": ["x"], "ok": "yes", "counts": [], '
                               '"findings": {"a": 1}}')
        w("report-latin1.json", b'{"origin": "caf\xe9", "ok": true}')
        w("report-surrogate.json", '{"origin": "\\ud800\\udcff", "ok": true}')
        reports = self.path("reports")
        os.makedirs(reports, exist_ok=True)
        for name in ("report-ok.json", "report-fail.json", "report-types.json"):
            shutil.copyfile(self.files[name], os.path.join(reports, name))
        w("ks-include-secret.ks", "%%include %s\n" % self.path("secret.txt"))
        w("ks-addon-secret.ks", "%%addon org_ovirt_node --profile=%s\n%%end\n"
          % self.path("secret.txt"))
        w("ks-include-dead-fifo.ks", "autopart --type=thinp\n%%include %s\n" % self.dead_fifo)
        w("ks-addon-dead-fifo.ks", "autopart --type=thinp\n%%addon org_ovirt_node "
                                   "--profile=%s\n%%end\n" % self.dead_fifo)
        w("ks-include-zero.ks", "autopart --type=thinp\n%include /dev/zero\n")
        w("ks-addon-zero.ks", "autopart --type=thinp\n%addon org_ovirt_node "
                              "--profile=/dev/zero\n%end\n")
        w("ks-include-self.ks", "%%include %s\n" % self.path("ks-include-self.ks"))
        w("ks-quote.ks", 'part / --fstype="xfs --size=1\n')
        w("ks-inject-profile.ks", "autopart --type=thinp\n%%addon org_ovirt_node "
                                  "--profile=%s\n%%end\n" % self.path("profile-inject.yaml"))
        w("ks-latin1.ks", b"autopart --type=thinp\n# caf\xe9\nlogvol / --name=r\xe9 "
                          b"--vgname=onn --size=1\n")
        # Names that are not UTF-8 (they reach output as surrogate escapes).
        self.non_utf8_file = self.path(NON_UTF8 + ".ks")
        with open(self.non_utf8_file, "wb") as handle:
            handle.write(b"autopart --type=thinp\n")
        self.non_utf8_profile = self.path(NON_UTF8 + ".yaml")
        shutil.copyfile(self.files["profile.yaml"], self.non_utf8_profile)
        self.small_image = self.path("small.img")          # far too small for any plan
        self.big_image = self.path("big.img")              # room for a full plan
        self.non_utf8_image = self.path(NON_UTF8 + ".img")
        for path, size in ((self.small_image, 1 << 20), (self.big_image, 64 << 30),
                           (self.non_utf8_image, 64 << 30)):
            with open(path, "wb") as handle:
                handle.truncate(size)
        self.images = [self.non_utf8_file, self.non_utf8_profile, self.small_image,
                       self.big_image, self.non_utf8_image]

    def _make_roots(self):
        """Installed roots for ``verify --root``, each with a hostile ``etc/fstab``."""
        self.roots = []

        def root(name, fstab=None, kind="file"):
            folder = self.path("roots", name)
            os.makedirs(os.path.join(folder, "etc"))
            target = os.path.join(folder, "etc", "fstab")
            if kind == "file":
                with open(target, "wb") as handle:
                    handle.write(fstab)
            elif kind == "fifo":
                os.mkfifo(target)
            elif kind == "symlink":
                os.symlink(fstab, target)
            elif kind == "dir":
                os.mkdir(target)
            self.roots.append(folder)

        root("fifo", kind="fifo")
        root("zero", "/dev/zero", kind="symlink")
        root("dir", kind="dir")
        root("none", kind="none")
        root("latin1", b"/dev/mapper/onn-root / xfs defaults,discard 0 0\n# caf\xe9\n"
                       b"/dev/sda1 /boot\xe9 ext4 defaults 1 2\n")
        root("escapes", b"/dev/mapper/onn-var\\040x /var\\040log xfs defaults\\011x 0 0\n"
                        b"LABEL=a\\\\b /home xfs \\777 0 0\n")
        root("long", b"/dev/x / xfs " + b"o" * 300_000 + b" 0 0\n")
        root("binary", bytes((i * 31 + 7) % 256 for i in range(2048)))
        root("fields", b"/dev/x\n/dev/y /var\n/dev/z /tmp xfs\n\n#\n   \t\n")
        root(NON_UTF8, b"/dev/mapper/onn-root / xfs defaults,discard 0 0\n")

    def _signature(self):
        sig = {}
        for path in list(self.files.values()) + self.images:
            try:
                info = os.lstat(path)
                sig[path] = (info.st_size, info.st_mtime_ns, info.st_mode)
            except OSError:
                sig[path] = None
        return sig

    def restore(self):
        """Empty ``out/`` and rewrite any file a command wrote over (``-o FILE`` may name
        one): every case starts from the same files."""
        shutil.rmtree(self.out, ignore_errors=True)
        os.mkdir(self.out)
        if self._signature() != self.signature:
            self._make_files()
            self.signature = self._signature()


def fixtures():
    global _fixtures
    if _fixtures is None or not os.path.isdir(_fixtures.base):
        _fixtures = Fixtures()
    return _fixtures


# --- values ------------------------------------------------------------------------------
SMALL_SIZES = ["1MiB", "10MiB", "1GiB", "512B", "1B", "20GiB", "0.5GiB", "1 MiB", "63GiB"]
BIG_SIZES = ["64GiB", "100GiB", "1TiB", "1PiB", "2PiB", "1EiB", "8EiB", "16EiB", "1024EiB",
             "17TiB", "1" + "0" * 30 + "B", "9" * 5000 + "GiB"]
BAD_SIZES = ["-1", "-1GiB", "nan", "nanGiB", "NaN GiB", "inf", "infGiB", "1e309", "1e309GiB",
             "0", "0GiB", "0.0000001B", "GiB", "", " ", "1.5", "1_000GiB", "0x10GiB",
             "\uff11\uff12GiB", "\u0661\u0662GiB", "64GiB\n", "64 gib", "6 G", "6 GB",
             "1ZiB", "1YiB", "64 GiB GiB", "--1GiB", NON_UTF8, "9" * 5000, "1e-999GiB"]
NAMES = ["onn", "my vg", "-vg", "..", ".", "a" * 200, "vg\n%pre", "vg;reboot", "snapshot",
         "pvmove", "vg_tdata", NON_UTF8, "", " ", "\t", "v" * 127, "\x1b[2J", "onn/root",
         "\u202eevil", "$(reboot)"]
FSTYPES = ["xfs", "ext4", "ext3", "btrfs", "vfat", "swap", "", "nosuchfs", "xfs\n%pre",
           "XFS", "ntfs", NON_UTF8, "x" * 300]
KS_VERSIONS = ["RHEL9", "RHEL8", "RHEL10", "F38", "DEVEL", "rhel9", "", "RHEL9\n", "F1",
               "nonsense", NON_UTF8, "RHEL" + "9" * 400]
FORMATS = ["text", "json", "kickstart", "xml", "", "JSON", NON_UTF8]
FIRMWARE = ["bios", "uefi", "coreboot", "", "BIOS"]
CLEARS = ["none", "all", "sda", "sda,sdb", ",", ",,,", " , ", "none,all", "sd\na",
          NON_UTF8, "*", "all none"]
HOSTILE_TOKENS = ["--nope", "-x", "--", "-", "---", "--=", "--disk=", "-h", "--debug",
                  "--format=kickstart", "--format", "=", "\udcff", "-\udcff", " ", "",
                  "\n", "--profile=", "A" * 5000, "--clear", "-o", "--root", "--strict",
                  "--yes-no", "--versio", NON_UTF8, "\u202e", "--help"]


def _profile_values(fx):
    f = fx.files
    return (["ovirt-node", "ovirt-node-minimal", "nope", "", "../../etc/passwd", NON_UTF8,
             "ovirt-node\n", "OVIRT-NODE"]
            + [f[n] for n in ("profile.yaml", "profile-syntax.yaml", "profile-types.yaml",
                              "profile-deep.yaml", "profile-bomb.yaml",
                              "profile-recursive.yaml", "profile-inject.yaml",
                              "profile-dead-fifo-extends.yaml", "secret.txt", "latin1.txt",
                              "binary.bin", "empty", "long-line.txt")]
            + [fx.path("dir"), fx.missing[0], "/dev/zero", "/dev/null", "/dev/urandom",
               "/proc/self/environ", fx.fed_fifos[0], fx.dead_fifo, fx.path("dir") + "/",
               fx.non_utf8_profile])


def _kickstart_values(fx):
    f = fx.files
    examples = sorted(os.path.join(EXAMPLES, n) for n in os.listdir(EXAMPLES))
    return (examples + [f[n] for n in f if n.startswith("ks-")]
            + [f["secret.txt"], f["binary.bin"], f["empty"], f["long-line.txt"],
               f["latin1.txt"], fx.non_utf8_file, fx.path("dir"), fx.missing[0],
               fx.missing[1], "/dev/null", "/dev/zero", fx.fed_fifos[1], "-"])


def _output_values(fx):
    return ([os.path.join(fx.out, "dropin.conf"), os.path.join(fx.out, NON_UTF8),
             os.path.join(fx.out, "no", "such", "dir.conf"), fx.out, "-", "/dev/null",
             "/dev/full", fx.path("dir")] + [os.path.join(fx.out, "x" * 300)])


def _passphrase_values(fx):
    f = fx.files
    return [f["passphrase.txt"], f["passphrase-latin1.txt"], f["empty"], f["binary.bin"],
            "/dev/zero", "/dev/null", fx.path("dir"), fx.missing[0], fx.fed_fifos[0],
            f["long-line.txt"], NON_UTF8]


def _disk_values(fx, rng, big):
    if big:
        return [rng.choice(BIG_SIZES + [fx.big_image, fx.non_utf8_image])]
    values = [rng.choice(SMALL_SIZES + BAD_SIZES + [fx.small_image, fx.path("dir"),
                                                    fx.missing[0], "/dev/null",
                                                    fx.fed_fifos[0], fx.dead_fifo])]
    while rng.random() < 0.25:
        values.append(rng.choice(SMALL_SIZES + [fx.small_image]))
    return values


# --- generating command lines --------------------------------------------------------------
def _pick(rng, values, hostile=0.1):
    """A value of *values*, or now and then any hostile token."""
    return rng.choice(HOSTILE_TOKENS) if rng.random() < hostile else rng.choice(values)


def _plan(rng, fx):
    big = rng.random() < FULL_PLAN_SHARE
    argv = ["plan"]
    for value in _disk_values(fx, rng, big):
        argv += ["--disk", value]
    options = [
        ("--profile", lambda: _pick(rng, _profile_values(fx))),
        ("--clear", lambda: _pick(rng, CLEARS)),
        ("--firmware", lambda: _pick(rng, FIRMWARE)),
        ("--swap", lambda: _pick(rng, SMALL_SIZES + BAD_SIZES + BIG_SIZES)),
        ("--ram", lambda: _pick(rng, SMALL_SIZES + BAD_SIZES + BIG_SIZES)),
        ("--fstype", lambda: _pick(rng, FSTYPES)),
        ("--vg-name", lambda: _pick(rng, NAMES)),
        ("--passphrase-file", lambda: _pick(rng, _passphrase_values(fx))),
        ("--format", lambda: _pick(rng, FORMATS)),
    ]
    for option, value in options:
        if rng.random() < 0.3:
            argv += [option, value()]
    if big and rng.random() < 0.5:
        argv += ["--profile", fx.files["profile-inject.yaml"], "--format", "kickstart"]
    return argv


def _check(rng, fx):
    argv = ["check"] + [_pick(rng, _kickstart_values(fx))
                        for _i in range(1 + (rng.random() < 0.3) + (rng.random() < 0.1))]
    if rng.random() < 0.3:
        argv += ["--profile", _pick(rng, _profile_values(fx))]
    if rng.random() < 0.3:
        argv += ["--ks-version", _pick(rng, KS_VERSIONS)]
    if rng.random() < 0.3:
        argv.append("--strict")
    if rng.random() < 0.3:
        argv += ["--format", _pick(rng, FORMATS)]
    return argv


def _profile(rng, fx):
    action = rng.choice(["list", "show", "show", "validate", "validate", "export-anaconda",
                         "nope", ""])
    argv = ["profile", action]
    if action == "show":
        if rng.random() < 0.8:
            argv.append(_pick(rng, _profile_values(fx)))
        if rng.random() < 0.4:
            argv += ["--format", _pick(rng, FORMATS)]
    elif action == "validate":
        argv += [_pick(rng, _profile_values(fx)) for _i in range(1 + (rng.random() < 0.3))]
        if rng.random() < 0.4:
            argv += ["--format", _pick(rng, FORMATS)]
    elif action == "export-anaconda":
        if rng.random() < 0.7:
            argv += ["--profile", _pick(rng, _profile_values(fx))]
        if rng.random() < 0.7:
            argv += [rng.choice(["-o", "--output"]), _pick(rng, _output_values(fx))]
    return argv


def _apply(rng, fx):
    """Only command lines that stop before any disk is opened: no --yes, missing disks."""
    argv = ["apply"]
    for _i in range(rng.choice([0, 1, 1, 2])):
        argv += ["--disk", rng.choice(fx.missing + ["onnfuzz-no-disk", NON_UTF8])]
    for option, values in (("--clear", CLEARS), ("--vg-name", NAMES), ("--fstype", FSTYPES),
                           ("--profile", ["ovirt-node", "nope", NON_UTF8, ""])):
        if rng.random() < 0.3:
            argv += [option, _pick(rng, values)]
    return argv


def _verify(rng, fx):
    if rng.random() < 0.85:  # refused before the host's tools run
        argv = ["verify", "--root", rng.choice(fx.missing + [fx.files["empty"], NON_UTF8])]
    else:
        argv = ["verify", "--root", rng.choice(fx.roots)]
    if rng.random() < 0.3:
        argv += ["--profile", _pick(rng, _profile_values(fx))]
    if rng.random() < 0.3:
        argv.append("--pre-upgrade")
        if rng.random() < 0.5:
            argv += ["--image-size", _pick(rng, SMALL_SIZES + BAD_SIZES + BIG_SIZES)]
    if rng.random() < 0.2:
        argv.append("--strict")
    if rng.random() < 0.3:
        argv += ["--format", _pick(rng, FORMATS)]
    return argv


def _fleet_report(rng, fx):
    f = fx.files
    values = ([f[n] for n in f if n.startswith("report-")]
              + [fx.path("reports"), fx.path("dir"), fx.missing[0], f["secret.txt"],
                 f["binary.bin"], f["empty"], "/dev/zero", "/dev/null", fx.fed_fifos[1],
                 NON_UTF8, "-"])
    argv = ["fleet-report"] + [_pick(rng, values) for _i in range(rng.randint(1, 3))]
    if rng.random() < 0.4:
        argv.append("--details")
    if rng.random() < 0.3:
        argv += ["--format", _pick(rng, FORMATS)]
    return argv


def _misc(rng, fx):
    return rng.choice([["--version"], ["--help"], [], ["--debug"], ["nope"], ["--nope"],
                       ["plan", "--help"], ["check"], ["profile"], ["-h", "check"],
                       [NON_UTF8], ["--", "plan"], ["help"], ["PLAN"]])


BUILDERS = [(_plan, 28), (_check, 24), (_profile, 24), (_apply, 5), (_verify, 8),
            (_fleet_report, 5), (_misc, 6)]


_options = []


def parser_options():
    """Every option string of the real parser and its sub-parsers (so an option added later
    is fuzzed too), ``--yes`` included: :func:`refused` keeps it away from ``apply``."""
    if not _options:
        from org_ovirt_node import cli
        parser = cli.build_parser()
        found = set()
        for sub in [parser] + list(cli._subparsers(parser)):
            for action in sub._actions:
                found.update(action.option_strings)
        _options.extend(sorted(found))
    return _options


def _mutate(rng, argv):
    argv = list(argv)
    for _i in range(rng.randint(1, 3)):
        op = rng.randrange(6)
        if op == 0 and len(argv) > 1:
            del argv[rng.randrange(1, len(argv))]
        elif op == 1 and argv:
            i = rng.randrange(len(argv))
            argv.insert(i, argv[i])
        elif op == 2 and len(argv) > 2:
            i = rng.randrange(1, len(argv) - 1)
            argv[i], argv[i + 1] = argv[i + 1], argv[i]
        elif op == 3:
            pool = HOSTILE_TOKENS if rng.random() < 0.5 else parser_options()
            argv.insert(rng.randint(0, len(argv)), rng.choice(pool))
        elif op == 4:
            options = [i for i, a in enumerate(argv) if a.startswith("--") and len(a) > 3]
            if options:
                i = rng.choice(options)
                argv[i] = argv[i][:rng.randint(3, len(argv[i]))]  # an abbreviation
        elif op == 5:
            options = [i for i, a in enumerate(argv[:-1]) if a.startswith("--")]
            if options:
                i = rng.choice(options)
                argv[i:i + 2] = [argv[i] + "=" + argv[i + 1]]
    return argv


def _stdin(rng, fx):
    lines = ["autopart --type=thinp", "part /boot --size=1024", "part pv.01 --grow",
             "volgroup onn pv.01", "logvol none --vgname=onn --name=pool00 --thinpool "
             "--size=1000 --grow", "logvol / --vgname=onn --name=root --thin "
             "--poolname=pool00 --size=6144", "%addon org_ovirt_node", "mount /var min=1EiB",
             "%end", "%%include %s" % fx.dead_fifo, "%%include %s" % fx.files["secret.txt"],
             'part / --fstype="xfs', "\x00", "\udcff\udcfe", "x" * 5000, "%pre", "reboot"]
    return "\n".join(rng.choice(lines) for _i in range(rng.randint(0, 12))).encode(
        "utf-8", "surrogateescape")


def generate(rng):
    fx = fixtures()
    builders, weights = zip(*BUILDERS)
    argv = rng.choices(builders, weights)[0](rng, fx)
    if rng.random() < 0.05:
        argv.insert(0, "--debug")
    if rng.random() < 0.33:
        argv = _mutate(rng, argv)
    return {"argv": argv, "stdin": _stdin(rng, fx) if "-" in argv else b""}


def describe(case):
    base = _fixtures.base + os.sep if _fixtures else None

    def show(arg):
        text = arg.replace(base, "$F/") if base else arg
        if text and all(c.isprintable() and c not in " '\"\\" for c in text):
            return text if len(text) <= 80 else text[:80] + "\u2026"
        return repr(text if len(text) <= 80 else text[:80] + "\u2026")
    text = " ".join(show(a) for a in case["argv"])
    if case["stdin"]:
        text += " <stdin: %d bytes>" % len(case["stdin"])
    return text


# --- running one ---------------------------------------------------------------------------
skipped = [0]  # command lines refused by refused(), for the tests


def _value(token):
    return token.split("=", 1)[1] if token.startswith("-") and "=" in token else token


def _is_block_device(path):
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _is_fifo(path):
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _output_targets(argv):
    """The values given to ``-o``/``--output``/``--fstab`` (any spelling argparse takes)."""
    targets = []
    for i, token in enumerate(argv):
        following = argv[i + 1] if i + 1 < len(argv) else None
        if token == "-o" or (len(token) > 3 and ("--output".startswith(token)
                                                 or "--fstab".startswith(token))):
            targets.append(following)
        elif token.startswith("-o"):
            targets.append(token[2:])
        elif token.startswith(("--o", "--fsta")) and "=" in token:
            targets.append(_value(token))
    return [t for t in targets if t is not None]


def refused(argv, fx):
    """Why *argv* must not run here, or None: it could read or write a disk of this machine
    (a block device, ``apply`` with ``--yes`` or with any existing path, even under /dev,
    ``--disks=auto``), or it would rightly wait for a FIFO's other end (a FIFO named
    as the file to read or write: shell process substitution works like that)."""
    values = [_value(t) for t in argv]
    for value in values:
        if value and _is_block_device(value):
            return "names a block device: %r" % value
    if "apply" in argv:
        if any(t.startswith(("-y", "--y")) for t in argv):
            return "apply with --yes"
        for value in values:
            if value and any(os.path.lexists(p) for p in (value, "/dev/" + value,
                                                          "/sys/block/" + value)):
                return "apply with an existing path: %r" % value
    if "auto" in values:
        return "--disks=auto scans the machine"
    if any(_is_fifo(t) for t in _output_targets(argv)):
        return "writes to a FIFO"
    profile_paths = argv[:2] in (["profile", "show"], ["profile", "validate"])
    options_end = argv.index("--") if "--" in argv else len(argv)  # then only operands
    for i, value in enumerate(values):
        # Profiles must be regular files and --disk is only looked at: a FIFO is fine there.
        if value == fx.dead_fifo and not (
                profile_paths or (i < options_end and (
                    argv[i].startswith("--profile=")
                    or (i and argv[i - 1] in ("--disk", "--profile"))))):
            return "reads a FIFO that has no writer"
    return None


class _FifoFeeder:
    """Serves the "fed" FIFOs named on a command line while it runs: a command reading a
    FIFO it was given (``check <(cat x)``) is right to wait for a writer."""

    CONTENT = b"autopart --type=thinp\n"

    def __init__(self, fifos):
        self.fifos = fifos
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            served = False
            for fifo in self.fifos:
                try:
                    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                except OSError as exc:
                    if exc.errno in (errno.ENXIO, errno.ENOENT):
                        continue  # no reader yet
                    raise
                try:
                    os.write(fd, self.CONTENT)
                except OSError:
                    pass
                os.close(fd)
                served = True
            self.stop.wait(0.02 if served else 0.001)

    def close(self):
        self.stop.set()
        self.thread.join()


def _capture(stdin_bytes):
    """Standard streams as a real process has them under a UTF-8 locale: strict UTF-8 out,
    errors escaped on stderr."""
    stdin = io.TextIOWrapper(io.BytesIO(stdin_bytes), encoding="utf-8")
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace",
                              write_through=True)
    return stdin, stdout, stderr


def call(argv, stdin_bytes=b""):
    """``cli.main(argv)`` with captured streams: (exit code, stdout, stderr, the exception
    the CLI's guard reported or None)."""
    from org_ovirt_node import cli

    reported = []
    original = cli.report_bug

    def report(exc, debug, stream=None):
        reported.append(exc)
        return original(exc, debug, stream)

    saved = sys.stdin, sys.stdout, sys.stderr
    streams = _capture(stdin_bytes)
    sys.stdin, sys.stdout, sys.stderr = streams
    cli.report_bug = report
    try:
        try:
            with _GettextCache():
                code = cli.main(list(argv))
        except SystemExit as exc:
            code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    finally:
        cli.report_bug = original
        sys.stdin, sys.stdout, sys.stderr = saved
    out, err = (s.buffer.getvalue().decode("utf-8", "backslashreplace") for s in streams[1:])
    return code, out, err, (reported[0] if reported else None)


def run(case):
    argv = case["argv"]
    fx = fixtures()
    if refused(argv, fx):
        skipped[0] += 1
        return
    fed = [f for f in fx.fed_fifos if any(f in t for t in argv)]
    feeder = _FifoFeeder(fed) if fed else None
    # Relative output paths (`-o '='`) land in the private folder, never in the checkout.
    cwd = os.getcwd()
    os.chdir(fx.out)
    try:
        code, out, err, bug = call(argv, case["stdin"])
    finally:
        os.chdir(cwd)
        if feeder:
            feeder.close()
        written = _written_text(fx)
        fx.restore()
    if bug is not None:
        raise bug
    check_outcome(argv, code, out, err, written)


def _written_text(fx):
    texts = []
    for folder, _dirs, names in os.walk(fx.out):
        for name in names:
            try:
                with open(os.path.join(folder, name), "rb") as handle:
                    texts.append(handle.read(1 << 20).decode("utf-8", "replace"))
            except OSError:
                pass
    return "\n".join(texts)


def check_outcome(argv, code, out, err, written=""):
    """The invariants of every command line's outcome; AssertionError when one breaks."""
    assert code in (0, 1, 2), "exit %r; stderr: %s" % (code, err[-300:])
    assert "Traceback (most recent call last)" not in out + err, "a traceback: " + err[-300:]
    if code == 2:  # a message says why (check reports a parse error as a finding)
        assert (out + err).strip(), "exit 2 without a message"
    assert "codec can't" not in err, "a Python codec error as the message: " + err[-200:]
    if not any(t.startswith("--pass") for t in argv):  # a passphrase may be printed
        assert SECRET not in out + err + written, "the secret file's line came out whole"
    for text in (out, written):
        for line in text.splitlines():
            assert not line.lstrip().startswith((INJECTED, "%pre")), \
                "injected line in generated text: %r" % line[:80]
