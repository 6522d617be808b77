# SPDX-License-Identifier: GPL-2.0-or-later
"""Fuzz kind ``planner``: random device trees on sparse image files, planned with every clear
option.

A case is 1-4 disks: blank, random bytes blkid does not recognise (at the start or the end),
a damaged GPT, a GPT or msdos label with primary, extended and logical partitions, an
existing VG with a thin pool, thin and thick LVs on partitions (or on a whole disk), possibly
spanning two disks; then a clear option (none, all, a subset), firmware, swap, encryption, profile.
Hand-made hostile trees (the defects issue 9 found) are mixed in.

``run`` plans and judges the outcome:
- a refusal (``PlanError``, or ``ValueError`` for a bad argument) leaves the complete
  ``tree_state`` identical (checked before anything else);
- a success has zero checker errors on the layout being installed, and no pre-existing
  device outside the clear option is destroyed, resized, reformatted or changed.
Anything else raised is a crash.

Speed: the images live in one temporary folder for the whole run, named by index and size
(libparted caches a device by path with its length) and zeroed before reuse; labels are
written with libparted in this process (parted(8) takes ~0.2 s a call). Most of a tree's
time is the plan itself.
"""
import atexit
import contextlib
import os
import random
import shutil
import tempfile

KIND = "planner"
DEFAULT_COUNT = 10_000
SLICE_COUNT = 15

MiB = 1024 ** 2
GiB = 1024 ** 3
TiB = 1024 ** 4
# Disk sizes (a small set: every distinct (index, size) is one libparted cache entry).
SIZES_GIB = (1, 8, 20, 40, 64, 70, 80, 100, 128, 200, 500, 1024, 2560, 4096)
PROFILES = ("ovirt-node", "ovirt-node", "ovirt-node-minimal")
# A failure injected after blivet has done its part of a stage (a fifth of the cases), so
# that refusals after the tree was changed are common, not only the ones decided up front.
INJECT = ("initialize_disk", "do_partitioning", "create_device", "grow_lvm", "check")

_state = {}


# --- generation ----------------------------------------------------------------------------
def _partitions(rng, size_mib, label):
    """Non-overlapping partitions ``(kind, start_mib, end_mib)`` for a *label*."""
    count = rng.choice((0, 1, 1, 2, 3, 4, 6))
    if not count:
        return []
    cuts = sorted(rng.sample(range(1, size_mib - 1), min(2 * count, size_mib - 2)))
    spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2]) if b - a >= 3]
    if label == "gpt":
        return [("primary", a, b) for a, b in spans]
    if len(spans) < 2 or rng.random() < 0.4:
        return [("primary", a, b) for a, b in spans[:4]]
    # msdos: some primaries, then an extended partition around the rest as logical ones
    # (each starts 1 MiB into its span: room for the EBR before it).
    primaries = rng.randint(0, min(3, len(spans) - 1))
    rest = spans[primaries:]
    return ([("primary", a, b) for a, b in spans[:primaries]]
            + [("extended", rest[0][0], rest[-1][1])]
            + [("logical", a + 1, b) for a, b in rest])


def _disk(rng, index):
    size = rng.choice(SIZES_GIB) * GiB
    kind = rng.choice(("blank", "blank", "gpt", "gpt", "gpt", "msdos", "msdos", "data",
                       "tail", "pv", "damaged"))
    disk = {"size": size, "label": None, "parts": [], "data": [], "lvm": None}
    if kind in ("gpt", "msdos"):
        if kind == "msdos" and size > 2 * TiB:
            kind = "gpt"
        disk["label"] = kind
        disk["parts"] = _partitions(rng, size // MiB, kind)
        if disk["parts"] and rng.random() < 0.4:
            usable = [i for i, p in enumerate(disk["parts"]) if p[0] != "extended"]
            if usable:
                disk["lvm"] = _lvm(rng, "vg%d" % index, rng.sample(
                    usable, rng.randint(1, min(2, len(usable)))))
    elif kind == "data":
        disk["data"] = [(0, rng.choice((512, 4096, 64 * 1024, 1024 * 1024, 3 * MiB)))]
    elif kind == "damaged":  # a GPT whose partition entries no longer match their CRC
        disk["label"] = "gpt"
        disk["parts"] = [("primary", 1, size // MiB // 2)]
        disk["flip"] = 1024 + rng.randrange(128)
    elif kind == "tail":
        disk["data"] = [(size - rng.choice((512, 4096, MiB)), 512)]
    elif kind == "pv":  # an existing PV on the whole disk
        disk["lvm"] = _lvm(rng, "vg%d" % index, None)
    return disk


def _lvm(rng, name, parts):
    """An existing VG on the partitions *parts* (indexes; None: the whole disk)."""
    pool = rng.random() < 0.7
    return {"vg": name, "parts": parts, "pool": pool,
            "thin": [("t%d" % i, rng.choice((1, 5, 50)) * GiB,
                      rng.choice(("xfs", "ext4", None))) for i in range(rng.randint(0, 3))]
            if pool else [],
            "thick": [("l%d" % i, rng.choice((1, 2)) * GiB, rng.choice(("swap", "xfs", None)))
                      for i in range(rng.randint(0, 2))]}


def _clear(rng, count):
    mode = rng.choice(("none", "none", "all", "some"))
    if mode != "some":
        return mode
    return sorted(rng.sample(range(count), rng.randint(1, count)))


def _hand_made(rng):
    """The trees issue 9's defects were found with, and their neighbours."""
    pick = rng.randrange(7)
    gpt2 = {"size": 100 * GiB, "label": "gpt", "parts": [("primary", 1, 30720),
                                                        ("primary", 30720, 61440)],
            "data": [], "lvm": None}
    swap = {"size": 50 * GiB, "label": "gpt", "parts": [("primary", 1, 2048)], "data": [],
            "lvm": None, "swap": [0]}
    ext = {"size": 100 * GiB, "label": "msdos",
           "parts": [("primary", 1, 10240), ("extended", 10240, 51200),
                     ("logical", 11264, 20480), ("logical", 21504, 30720)],
           "data": [], "lvm": None}
    noise = {"size": 80 * GiB, "label": None, "parts": [], "data": [(0, 8 * MiB)],
             "lvm": None}
    blank = {"size": 80 * GiB, "label": None, "parts": [], "data": [], "lvm": None}
    three = {"size": 200 * GiB, "label": "msdos",
             "parts": [("primary", 1, 10240), ("primary", 10240, 20480),
                       ("primary", 20480, 30720)], "data": [], "lvm": None}
    span = [dict(gpt2, lvm={"vg": "span", "parts": [0], "pool": True,
                            "thin": [("t", 5 * GiB, "xfs")], "thick": [], "spans": 1}),
            dict(gpt2)]
    cases = [
        ([gpt2, swap], [0]),                 # clear a disk beside a swap partition
        ([ext, blank], [0]),                 # clear msdos with logical partitions
        ([ext, blank], "none"),
        ([noise], "none"),                   # unrecognised data, not cleared
        ([noise, blank], rng.choice(("none", [0], "all"))),
        (span, [0]),                         # half a spanning VG: refused
        ([three, blank], "none"),            # a new extended partition on an image
    ]
    disks, clear = cases[pick]
    return {"disks": [dict(d) for d in disks], "clear": clear, "firmware":
            rng.choice(("bios", "uefi")), "passphrase": None, "swap": None,
            "profile": "ovirt-node", "vg_name": None, "hand_made": pick,
            "inject": rng.choice((None, None) + INJECT)}


def generate(rng):
    if rng.random() < 0.15:
        return _hand_made(rng)
    count = rng.choice((1, 1, 2, 2, 3, 4))
    disks = [_disk(rng, i) for i in range(count)]
    if count > 1 and rng.random() < 0.1:  # a VG spanning the first partition of two disks
        with_parts = [i for i, d in enumerate(disks) if d["parts"] and "flip" not in d
                      and d["parts"][0][0] == "primary"]
        if len(with_parts) >= 2:
            first, second = with_parts[:2]
            disks[first]["lvm"] = dict(_lvm(rng, "span", [0]), spans=second)
            disks[second]["lvm"] = None
    return {"disks": disks, "clear": _clear(rng, count),
            "firmware": rng.choice(("bios", "uefi")),
            "passphrase": rng.choice((None, None, None, "pass word")),
            "swap": rng.choice((None, None, 0, 2 * GiB)),
            "profile": rng.choice(PROFILES),
            "vg_name": rng.choice((None,) * 30 + ("hostvg", "my vg", "-x")),
            "inject": rng.choice((None,) * 4 + INJECT)}


def describe(case):
    parts = []
    for i, d in enumerate(case["disks"]):
        text = "d%d:%dGiB:%s" % (i, d["size"] // GiB, d["label"] or ("data" if d["data"]
                                                                       else "blank"))
        if d["parts"]:
            text += "[%s]" % ",".join(p[0][0] for p in d["parts"])
        if d["lvm"]:
            text += "+vg"
        parts.append(text)
    return "%s clear=%s %s%s%s%s" % (
        " ".join(parts), case["clear"], case["firmware"], " luks" if case["passphrase"] else "",
        " vg=%r" % case["vg_name"] if case["vg_name"] else "",
        " fail-at=%s" % case["inject"] if case.get("inject") else "")


# --- the tree on disk and in blivet --------------------------------------------------------
def _folder():
    if "dir" not in _state:
        _state["dir"] = tempfile.mkdtemp(prefix="onn-fuzz-planner-")
        atexit.register(shutil.rmtree, _state["dir"], True)
    return _state["dir"]


def _write(index, disk):
    from blivet_helpers import write_label
    path = os.path.join(_folder(), "d%d_%d.img" % (index, disk["size"] // MiB))
    with open(path, "wb") as handle:  # truncated to zero: no data of an earlier tree
        handle.truncate(disk["size"])
    if disk["label"]:
        write_label(path, disk["label"], disk["parts"])
    if "flip" in disk:
        with open(path, "r+b") as handle:
            handle.seek(disk["flip"])
            byte = handle.read(1)
            handle.seek(disk["flip"])
            handle.write(bytes([byte[0] ^ 0xFF]))
    if disk["data"]:
        rng = random.Random(index)
        with open(path, "r+b") as handle:
            for offset, length in disk["data"]:
                handle.seek(offset)
                handle.write(rng.randbytes(length))
    return path


def _partition(b, disk, number):
    """The existing partition device of *disk* whose parted number is *number*."""
    return next(p for p in disk.children
                if p.parted_partition is not None and p.parted_partition.number == number)


def build(case):
    """(Blivet, disks) for *case*: images written, read back, existing LVM declared."""
    import blivet
    from blivet.formats import get_format
    from blivet_helpers import existing_lvm

    from org_ovirt_node.planning.discovery import discover_disks
    paths = [_write(i, d) for i, d in enumerate(case["disks"])]
    b = blivet.Blivet()
    disks = discover_disks(b, paths)
    for disk, spec in zip(disks, case["disks"]):
        numbers = _numbers(spec["parts"])
        for index in spec.get("swap", ()):
            part = _partition(b, disk, numbers[index])
            part.format = get_format("swap", device=part.path, exists=True)
        lvm = spec["lvm"]
        if not lvm:
            continue
        if lvm["parts"] is None:
            pvs = [disk]
        else:
            pvs = [_partition(b, disk, numbers[i]) for i in lvm["parts"]]
        if "spans" in lvm:
            other = disks[lvm["spans"]]
            pvs.append(_partition(b, other, _numbers(case["disks"][lvm["spans"]]
                                                     ["parts"])[0]))
        size = sum(int(pv.size) for pv in pvs)
        existing_lvm(b, pvs, lvm["vg"], pool=("pool", size // 2) if lvm["pool"] else None,
                     thin=lvm["thin"], thick=[t for t in lvm["thick"]
                                              if t[1] < size // 4])
    return b, disks


def _numbers(parts):
    """The partition numbers libparted gives *parts* (msdos logicals start at 5)."""
    numbers, primary, logical = [], 0, 4
    for kind, _start, _end in parts:
        if kind == "logical":
            logical += 1
            numbers.append(logical)
        else:
            primary += 1
            numbers.append(primary)
    return numbers


# --- the run -------------------------------------------------------------------------------
def _installed(b):
    from org_ovirt_node.layout import Layout
    from org_ovirt_node.planning.blivet_reader import device_record
    wanted = set()
    for dev in b.devicetree.devices:
        if not dev.exists:
            wanted.update(a.id for a in dev.ancestors)
    return Layout(tuple(device_record(d) for d in b.devicetree.devices
                        if d.id in wanted and not getattr(d, "is_internal_lv", False)))


def _profile(name):
    key = "profile:" + name
    if key not in _state:
        from org_ovirt_node.profile import load_profile
        _state[key] = load_profile(name)
    return _state[key]


class InjectedError(Exception):
    """The failure a case injects into blivet (the planner turns it into a PlanError)."""


@contextlib.contextmanager
def _injected(stage, b):
    """Make *stage* (a Blivet method, a blivet.partitioning function, or the checker) fail
    right after it did its work, for the duration of one plan."""
    if stage is None:
        yield
        return
    import blivet.partitioning

    import org_ovirt_node.checker
    from org_ovirt_node.findings import Finding, Report
    if stage == "check":
        target, real = org_ovirt_node.checker, org_ovirt_node.checker.check

        def patched(layout, profile, *args, **kwargs):
            return Report((Finding("FUZZ", "error", None, "injected check failure"),))
    else:
        target = type(b) if hasattr(type(b), stage) else blivet.partitioning
        real = getattr(target, stage)

        def patched(*args, **kwargs):
            result = real(*args, **kwargs)
            if stage != "create_device" or type(args[-1]).__name__ == "LVMVolumeGroupDevice":
                raise InjectedError("injected failure after %s" % stage)
            return result
    setattr(target, stage if stage != "check" else "check", patched)
    try:
        yield
    finally:
        setattr(target, stage, real)


def run(case):
    from org_ovirt_node.checker import check
    from org_ovirt_node.planning.planner import PlanError, plan, tree_state

    profile = _profile(case["profile"])
    b, disks = build(case)
    names = [d.name for d in disks]
    clear = case["clear"]
    if isinstance(clear, list):
        clear = [names[i] for i in clear]
    cleared = set(names) if clear == "all" else set(clear if clear != "none" else ())
    blank = {d.name for d, spec in zip(disks, case["disks"])
             if not (spec["label"] or spec["data"] or spec["lvm"] or "flip" in spec)}
    existing = {d.id: (d.name, int(d.size), d.format.type, d.format.exists)
                for d in b.devices if d.exists}
    on_disks = {d.id: {a.name for a in d.ancestors if a.is_disk} for d in b.devices}
    before = tree_state(b)
    try:
        with _injected(case.get("inject"), b):
            result = plan(profile, b, disks, clear=clear, firmware=case["firmware"],
                          passphrase=case["passphrase"], swap=case["swap"],
                          vg_name=case["vg_name"], ram=16 * GiB)
    except (PlanError, ValueError) as exc:
        if tree_state(b) != before:
            raise AssertionError("a refused plan changed the tree (%s: %s)"
                                 % (type(exc).__name__, exc)) from exc
        return
    errors = check(_installed(b), profile).errors
    if errors or result.report.errors:
        raise AssertionError("a plan with checker errors: %s"
                             % "; ".join(f.message for f in errors or result.report.errors))
    for action in b.devicetree.actions:
        dev = action.device
        if dev.id in existing and (action.is_destroy or action.is_resize or action.is_format):
            if not (on_disks[dev.id] <= cleared or (dev.is_disk and dev.name in blank)):
                raise AssertionError("touched %s outside the clear option: %s"
                                     % (dev.name, action))
    survivors = {d.id: (d.name, int(d.size), d.format.type, d.format.exists)
                 for d in b.devices if d.exists}
    for dev_id, state in existing.items():
        if on_disks[dev_id] & cleared or state[0] in blank:
            continue
        if survivors.get(dev_id) != state:
            raise AssertionError("%s outside the clear option changed: %s -> %s"
                                 % (state[0], state, survivors.get(dev_id)))
