# SPDX-License-Identifier: GPL-2.0-or-later
"""Fuzz kind ``profiles``: hostile storage profiles, fed to the real loader and renderers.

Each input is YAML text given either to :func:`~org_ovirt_node.profile.load_profile_text` or,
written to a temporary file, to :func:`~org_ovirt_node.profile.load_profile` (the bounded
file reader too), or raw bytes in a file (non-UTF-8, NULs, truncation). The text is a real
profile (the built-ins, site profiles that extend them) mutated a few times (lines dropped,
duplicated, swapped; values and keys replaced with hostile scalars, tags, aliases, control
characters, huge numbers and sizes), or one of the hand-made hostile cases: alias bombs,
recursive aliases, deep nesting, huge scalars and documents, directives, several documents,
``extends`` of devices, directories, ``/proc`` files and long chains.

Expected clean rejection: :class:`~org_ovirt_node.profile.ProfileError`, every problem of it
one printable line. A profile that loads must render both ways without an error: the
Anaconda drop-in (read back with ``ConfigParser``, as Anaconda does) and a kickstart of a
plan-free request list built from the profile (every line a known command; no ``%`` section).
Invariants: every name of a loaded profile passes :mod:`org_ovirt_node.names`.
"""
import atexit
import configparser
import copy
import os
import random
import shutil
import tempfile
from types import SimpleNamespace

import yaml

from org_ovirt_node import names
from org_ovirt_node.design import Disk, DiskFacts, design
from org_ovirt_node.installer.dropin import render_dropin
from org_ovirt_node.planning.render import render_kickstart
from org_ovirt_node.profile import (
    KIND_PARTITION,
    PROFILE_DIR,
    ProfileError,
    load_profile,
    load_profile_text,
)
from org_ovirt_node.sanitize import excerpt

KIND = "profiles"
DEFAULT_COUNT = 100_000
SLICE_COUNT = 200

MAX_PROBLEM_TEXT = 4000
KICKSTART_COMMANDS = ("#", "ignoredisk ", "clearpart ", "reqpart", "part ", "volgroup ",
                      "logvol ")
DROPIN_SECTIONS = ["Anaconda", "Storage", "Storage Constraints"]


def _builtin(name):
    with open(os.path.join(PROFILE_DIR, name + ".yaml"), encoding="utf-8") as handle:
        return handle.read()


SEEDS = (
    _builtin("ovirt-node"),
    _builtin("ovirt-node-minimal"),
    "name: site\nextends: ovirt-node\nmounts:\n  /var/lib/libvirt:\n    min: 20 GiB\n",
    "extends: ovirt-node-minimal\nswap:\n  policy: none\nrules:\n  ONN011: error\n",
    "name: plain\nswap: {policy: none}\nmounts:\n  /: {kind: partition, min: 10 GiB}\n"
    "  /boot: {kind: partition}\n",
    "name: lvroot\nvolume_group: {name: HostVG, reserve_percent: 0, reserve_min: 0 B}\n"
    "thin_pool: {name: tp, overcommit: true}\nfilesystems: {allowed: [ext4], default: ext4,"
    " options: [noatime, 'uid=0']}\nmounts:\n  /: {kind: lv, min: 6 GiB, grow: true}\n"
    "  /srv/a#b: {kind: thin, min: 1 GiB}\n  /srv/100%: {kind: partition, min: 1 GiB}\n",
    "name: x\nmounts:\n  /: {}\nforbidden_mounts: [/usr, /opt]\n",
)

# Scalars YAML resolves to surprising types, tags, aliases and hostile text.
VALUES = (
    "2001-13-45", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "9" * 5000, "9" * 4000,
    "9" * 19, "-9" + "9" * 20, "0x1F", "0o17", "0b101", "1_000", "1:20:30", "190:20:30.15",
    ".nan", ".inf", "-.inf", "1e400", "~", "null", "yes", "no", "on", "off", "y", "n",
    "!!float abc", "!!bool maybe", "!!timestamp x", "!!int 0x", "!!int ''", "!foo x",
    "!!python/object/apply:os.system ['true']", "!!python/name:os.system x", "!!binary a",
    "!!binary '@@@'", "!!set {a}", "!!set x", "!!omap [1]", "!!omap x", "!!pairs [a]",
    "!!merge x", "!!value x", "!!str [1]", "!!map x", "!!seq x", "!!null x",
    "!<tag:yaml.org,2002:str> x", "!<!> x", "!" + "t" * 3000 + " x", "*a", "&a x", "*" + "z" * 300,
    "[]", "{}", "[[[[]]]]", "{a: {b: {c: d}}}", "[a, [b, [c]]]", "''", '""', "' '",
    '"\\x00"', '"\\u202e"', '"\\e[2J"', '"\\x1b]0;x\\x07"', '"/var\\n%pre\\nid\\n%end"',
    '"a\\rb"', '"\\u2028"', '"\\x85"', '"\\ud800"', '"a b"', "'x,,y'", "'a;b'",
    '"context=\\"x\\""', '"' + "x" * 5000 + '"', "x" * 4097, "|\n  multi\n  line\n",
    ">-\n  folded\n  text\n", "16 EiB", "8 EiB", "9 EiB", "0 B", "0.1 B", "-1 GiB",
    "1e400 GiB", "1" * 70 + " GiB", "1" * 60 + " B", "6 GiBs", "6", "'6'", "NaN GiB",
    "1.5 TiB", "1 EB", "512 B", "@x", "`x`", "%x", "? x", "- x", "caf\u00e9", "\U0001f4a9",
    "discard", "thin", "lv", "partition", "any", "required", "optional", "none", "xfs",
    "ext4", "efi", "onn", "pool00", "my vg", "-onn", "snapshot0", "pool_tmeta", ".", "..",
    "ovirt-node", "/dev/zero", "/", "/proc/self/environ", "no-such-profile", "x\x00y",
)
KEYS = (
    "name", "description", "extends", "disk", "min_total", "volume_group", "thin_pool",
    "filesystems", "swap", "mounts", "forbidden_mounts", "rules", "presence", "kind", "min",
    "default", "grow", "options", "allowed", "policy", "reserve_percent", "reserve_min",
    "reserve_max", "overcommit", "min_metadata", "max_data_percent", "/", "/var", "/var/",
    "//var", "/var/../etc", '"/var\\n%pre"', '"/a b"', "/d\u00e9p\u00f4t", "/snapshots",
    "/root", "/var_log", "/pool00", "/swap", "/srv/a#b", "/100%", "var", "<<", "? [a]",
    "? {a: b}", "*a", "&a k", "!!bool maybe", "2001-13-45", "9" * 5000, "ONN011", "swap",
    "mount-options", '"\\x1b[2J"', "k" * 100,
)
INSERTS = (
    "\x00", "\t", "\r", "\n", "\r\n", "\x1b", "\u2028", "\u0085", "\ufeff", "\u202e", ":",
    ": ", "- ", "&a ", "*a", "!!", "!", "{", "}", "[", "]", ",", "#", "'", '"', "\\", "%",
    "|", ">", "?", "@", "`", "&", "*", "---\n", "...\n", "  ", "<<: *a\n", "\udcff",
)


# --- hand-made hostile cases -----------------------------------------------------------------
BIG_SHARE = 0.02  # of the cases that come in sizes: the big ones cost up to ~0.5 s each


def _size(rng, small, big):
    """A size for a hostile case: usually cheap, sometimes at or past the loader's limits."""
    return rng.choice(big) if rng.random() < BIG_SHARE else rng.choice(small)


def _alias_bomb(rng):
    width, levels = rng.randint(2, 10), rng.randint(2, 12)
    lines = ["a0: &a0 [%s]" % ",".join(['"lol"'] * width)]
    for i in range(1, levels):
        lines.append("a%d: &a%d [%s]" % (i, i, ",".join(["*a%d" % (i - 1)] * width)))
    return "\n".join(lines) + "\n"


def _deep(rng):
    depth = _size(rng, (1, 5, 31, 32, 33, 34, 100), (1000, 20000, rng.randint(1, 60000)))
    form = rng.randrange(4)
    if form == 0:
        return "mounts: " + "[" * depth + "]" * depth + "\n"
    if form == 1:
        return "mounts: " + "{a: " * depth + "1" + "}" * depth + "\n"
    if form == 2:
        return "".join("  " * i + "a:\n" for i in range(min(depth, 3000)))
    return "".join("  " * i + "- \n" for i in range(min(depth, 3000)))


def _hostile(rng):
    """One hand-made hostile profile text (or bytes, or an extends target)."""
    pick = rng.randrange(24)
    if pick == 0:
        return _alias_bomb(rng)
    if pick == 1:
        return rng.choice(("name: &a [*a]\n", "a: &a {b: *a}\n", "&a [*a, *a]\n",
                           "a: &x {name: y}\nb:\n  <<: *x\n", "name: *nope\n"))
    if pick == 2:
        return _deep(rng)
    if pick == 3:
        return "name: " + "x" * _size(rng, (4096, 4097), (100000, 300000)) + "\nmounts: {/: {}}\n"
    if pick == 4:
        return "rules: [" + "1," * _size(rng, (0, 10, 300), (1999, 2001, 60000)) + "]\n"
    if pick == 5:
        return "".join("k%d: %d\n" % (i, i) for i in range(_size(rng, (1, 30), (2001, 20000))))
    if pick == 6:
        return "# " + "x" * _size(rng, (1000,), (262144, 300000)) + "\nname: x\nmounts: {/: {}}\n"
    if pick == 7:
        return "\n" * _size(rng, (0, 10, 1000), (100000, 300000))
    if pick == 8:
        return "%YAML 1.1\n%TAG ! tag:yaml.org,2002:\n---\nname: !str x\nmounts: {/: {}}\n"
    if pick == 9:
        return "name: x\nmounts: {/: {}}\n---\nname: y\n"
    if pick == 10:
        return "extends: %s\n" % rng.choice((
            "/dev/zero", "/dev/null", "/proc/self/environ", "/", ".", "..", "/tmp",
            "ovirt-node", "ovirt-node.yaml", "no-such", "a" * 5000, '"x\\x00y"', "[a]",
            "{a: b}", "''", "~", "/proc/self/fd/0", "../../../../../../dev/zero"))
    if pick == 11:
        return _seed(rng).replace("\n", "\r\n")
    if pick == 12:
        return "\ufeff" + _seed(rng)
    if pick == 13:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
    if pick == 14:
        return _seed(rng).encode("utf-8")[:rng.randint(0, 400)] + b"\xff\xfe"
    if pick == 15:
        return "name: caf\u00e9\nmounts: {/: {}}\n".encode("latin-1")
    if pick == 16:
        return ("root:$6$salt$hash:19000:0:99999:7:::\n" * rng.randint(1, 50))
    if pick == 17:
        return "".join(rng.choice(INSERTS) for _ in range(rng.randint(1, 60)))
    if pick == 18:
        return "? " + "[" * 40 + "\n"
    if pick == 19:
        return "name: x\nmounts:\n  /: {}\n" + "".join(
            "user%d:$6$secret%d:\n" % (i, i) for i in range(rng.randint(1, 60)))
    if pick == 20:
        return "!!map {name: x, mounts: {/: {}}}\n"
    if pick == 21:
        return "- a\n- b\n" if rng.random() < 0.5 else "just text\n"
    if pick == 22:
        return "mounts:\n  /:\n    min: %s\n" % rng.choice(VALUES)
    return "extends: ovirt-node\nmounts:\n  %s: {kind: %s}\n" % (
        rng.choice(KEYS), rng.choice(("thin", "lv", "partition", "any")))


# --- mutations of real profiles ---------------------------------------------------------------
# Values for structured mutations (dumped by yaml.safe_dump, so the YAML stays valid and the
# hostile value reaches the validators and, when accepted, the renderers).
STRINGS = (
    "/var\n%pre\nid\n%end", "/srv/a#b", "/srv/100%", "/srv/a:b", "/a b", "/a'b", '/a"b',
    "/a\\b", "/d\u00e9p\u00f4t", "/\u202e", "/x\u2028y", "/x\x85y", "/snapshots", "/root",
    "/var_log", "/pool00", "/swap", "/var/", "//var", "/var/../etc", "/./x", "var", "", " ",
    "/" + "x" * 300, "/" + "y" * 1100, "discard", "defaults,discard", "a,,b", 'context="x"',
    "uid=0", "noatime", "x-systemd.automount", "my vg", "onn", "-onn", "pool_tmeta",
    "snapshot1", "a" * 128, "thin", "lv", "partition", "any", "optional", "required", "xfs",
    "ext4", "efi", "vfat", "6 GiB", "0 B", "9 EiB", "8 EiB", "1" * 60 + " B", "x\x1b[2J",
    "x\x00y", "ovirt-node", "error", "off", "warning", "none", "recommended",
)
OTHERS = (None, True, False, 0, -1, 2 ** 63, 2 ** 70, 1.5, float("nan"), float("inf"), [], {},
          ["a"], {"a": 1}, [[["x"]]])
_PARSED = {}


def _parsed_seed(rng):
    text = _seed(rng)
    if text not in _PARSED:
        _PARSED[text] = yaml.safe_load(text)
    return copy.deepcopy(_PARSED[text])


def _slots(data, out):
    """Every (container, key) of *data*, to pick one to change."""
    items = data.items() if isinstance(data, dict) else enumerate(data) \
        if isinstance(data, list) else ()
    for key, value in items:
        out.append((data, key))
        _slots(value, out)
    return out


def _value(rng):
    return rng.choice(STRINGS) if rng.random() < 0.7 else copy.deepcopy(rng.choice(OTHERS))


def _structured(rng):
    data = _parsed_seed(rng)
    for _ in range(rng.choice((1, 1, 2, 3))):
        op = rng.randrange(4)
        if op == 0:
            mounts = data.setdefault("mounts", {}) if isinstance(data, dict) else {}
            if isinstance(mounts, dict):
                mounts[rng.choice(STRINGS)] = {
                    "kind": rng.choice(("thin", "lv", "partition", "any")),
                    "min": rng.choice(("1 GiB", "5 GiB", "0 B", "9 EiB")),
                    "options": [rng.choice(STRINGS)] if rng.random() < 0.3 else []}
            continue
        slots = _slots(data, [])
        if not slots:
            continue
        container, key = rng.choice(slots)
        if op == 3 and isinstance(container, dict):
            container[rng.choice(STRINGS)] = container.pop(key)
        else:
            container[key] = _value(rng)
    try:
        return yaml.safe_dump(data, allow_unicode=rng.random() < 0.5)
    except yaml.YAMLError:
        return _seed(rng)


def _mutate_line(rng, lines):
    op = rng.randrange(7)
    i = rng.randrange(len(lines)) if lines else 0
    if op == 0 and lines:
        del lines[i]
    elif op == 1 and lines:
        lines.insert(i, lines[i])
    elif op == 2 and len(lines) > 1:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 3 and lines and ":" in lines[i]:
        key, _sep, _rest = lines[i].partition(":")
        lines[i] = "%s: %s" % (key, rng.choice(VALUES))
    elif op == 4 and lines and ":" in lines[i]:
        indent = len(lines[i]) - len(lines[i].lstrip(" "))
        _key, sep, rest = lines[i].strip().partition(":")
        lines[i] = " " * indent + rng.choice(KEYS) + sep + rest
    elif op == 5:
        indent = rng.choice((0, 2, 4, 6))
        lines.insert(i, " " * indent + "%s: %s" % (rng.choice(KEYS), rng.choice(VALUES)))
    elif lines:
        line = lines[i]
        at = rng.randint(0, len(line))
        lines[i] = line[:at] + rng.choice(INSERTS) + line[at + rng.randint(0, 2):]
    return lines


def _seed(rng):
    """A real profile: the short site profiles (which extend the built-ins) more often than
    the built-ins themselves, whose parse is the slow part of a load."""
    return rng.choice(SEEDS[:2]) if rng.random() < 0.2 else rng.choice(SEEDS[2:])


def _mutated(rng):
    lines = _seed(rng).split("\n")
    for _ in range(rng.choice((1, 1, 2, 3, 5))):
        lines = _mutate_line(rng, lines)
    return "\n".join(lines)


def generate(rng):
    """``(mode, data)``: mode ``text`` (load_profile_text) or ``file`` (load_profile of a
    temporary file holding *data*, text or bytes)."""
    roll = rng.random()
    data = _hostile(rng) if roll < 0.25 else _seed(rng) if roll < 0.28 else \
        _structured(rng) if roll < 0.6 else _mutated(rng)
    mode = "file" if isinstance(data, bytes) or rng.random() < 0.25 else "text"
    return (mode, data)


def describe(case):
    mode, data = case
    return "%s, %d %s: %s" % (mode, len(data), "bytes" if isinstance(data, bytes) else "chars",
                              excerpt(data, 80))


# --- running -----------------------------------------------------------------------------------
_TMP = []


def _temp_path():
    if not _TMP:
        directory = tempfile.mkdtemp(prefix="fuzz-profiles-")
        atexit.register(shutil.rmtree, directory, True)
        _TMP.append(os.path.join(directory, "profile.yaml"))
    return _TMP[0]


def _check_problems(exc):
    assert exc.problems, "a ProfileError without problems"
    for problem in exc.problems:
        text = str(problem)
        assert text.isprintable(), "a problem that is not one printable line: %r" % text[:200]
        assert len(text) < MAX_PROBLEM_TEXT, "a problem of %d characters" % len(text)
        problem.diagnostic()
        problem.to_dict()


def _check_names(profile):
    for point, rule in profile.mounts.items():
        names.check_mountpoint(point)
        for option in rule.options:
            names.check_mount_options(option)
        if rule.kind != KIND_PARTITION:
            names.check_lvm_name(names.lv_name_for_mountpoint(point), "LV")
    for point in profile.forbidden_mounts:
        names.check_mountpoint(point)
    names.check_lvm_name(profile.vg_name, "VG")
    names.check_lvm_name(profile.pool_name, "thin pool")
    assert profile.name.isprintable(), profile.name


def _check_dropin(profile):
    text = render_dropin(profile)
    parser = configparser.ConfigParser()   # as Anaconda reads it, % interpolation included
    parser.read_string(text)
    assert parser.sections() == DROPIN_SECTIONS, parser.sections()
    for section in parser.sections():
        for key in parser[section]:
            parser[section][key]           # interpolation must not fail
    separate = parser["Storage Constraints"]["must_not_be_on_root"].split()
    assert separate == [p for p, r in profile.mounts.items() if r.required and p != "/"]


def _check_kickstart(profile):
    """Render the kickstart of the profile's real design on one 256 GiB disk (no blivet:
    the renderer reads only the design and these few plan fields)."""
    facts = DiskFacts((Disk("sda", 2 ** 38),), firmware="bios", ram=2 ** 34)
    try:
        the_design = design(profile, facts)
    except ValueError:
        return  # a profile the design step refuses (e.g. no filesystem it can use)
    plan = SimpleNamespace(profile_name=profile.name, disks=("sda",), clear=("sda",),
                           summary={"firmware_from_platform": True}, design=the_design)
    text = render_kickstart(plan, profile)
    for line in text.splitlines():
        assert line.startswith(KICKSTART_COMMANDS), "unexpected kickstart line %r" % line[:200]


def run(case):
    mode, data = case
    try:
        if mode == "file":
            path = _temp_path()
            with open(path, "wb") as handle:
                handle.write(data if isinstance(data, bytes) else data.encode("utf-8",
                                                                               "surrogatepass"))
            profile = load_profile(path)
        else:
            profile = load_profile_text(data, "fuzz.yaml")
    except ProfileError as exc:
        _check_problems(exc)
        return
    _check_names(profile)
    _check_dropin(profile)
    _check_kickstart(profile)


if __name__ == "__main__":  # a quick local loop: python tests/fuzz/kind_profiles.py [count]
    import sys
    import time
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    began = time.monotonic()
    for index in range(count):
        case = generate(random.Random("0:%s:%d" % (KIND, index)))
        run(case)
    print("%d inputs in %.1f s" % (count, time.monotonic() - began))
