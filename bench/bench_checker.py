# SPDX-License-Identifier: GPL-2.0-or-later
"""Checker speed: load a profile; check Anaconda's autopart on one sparse disk; check a
synthetic layout of 64 disks and 1,000 thin LVs (target < 50 ms), then 2,000 and 4,000 LVs
to show the check is linear in the number of devices."""
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from org_ovirt_node import layout as L  # noqa: E402
from org_ovirt_node.checker import check  # noqa: E402
from org_ovirt_node.layout import Device, Layout  # noqa: E402
from org_ovirt_node.planning.blivet_reader import layout_from_blivet  # noqa: E402
from org_ovirt_node.profile import load_profile  # noqa: E402
from org_ovirt_node.units import GiB, MiB  # noqa: E402

TARGET_MS = 50.0


def median_ms(func, runs):
    """Median wall time of *runs* calls of *func*, in milliseconds (and its last result)."""
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def synthetic_layout(profile, disks=64, thin_lvs=1000):
    """One VG over *disks* PVs, one thin pool; the profile's thin mounts plus enough
    extra thin LVs, each mounted, to reach *thin_lvs*; /boot on the first disk; swap."""
    disk_size = 256 * GiB
    devices = [Device("sda1", L.PARTITION, GiB, ("d0",), "xfs", "/boot")]
    pvs = []
    for i in range(disks):
        devices.append(Device("d%d" % i, L.DISK, disk_size))
        devices.append(Device("d%dp2" % i, L.PARTITION, disk_size - 2 * GiB, ("d%d" % i,),
                              "lvmpv"))
        pvs.append("d%dp2" % i)
    vg_size = disks * (disk_size - 2 * GiB)
    devices.append(Device("vg", L.VG, vg_size, tuple(pvs), free=profile.reserve_for(vg_size),
                          extent_size=4 * MiB))
    devices.append(Device("vg-swap", L.LV, 4 * GiB, ("vg",), "swap"))
    thin = [(p, r.default_size) for p, r in profile.mounts.items() if r.kind == "thin"]
    thin += [("/data/lv%04d" % i, GiB) for i in range(thin_lvs - len(thin))]
    devices.append(Device("vg-pool", L.THINPOOL, sum(s for _, s in thin), ("vg",),
                          metadata_size=GiB))
    for i, (point, size) in enumerate(thin):
        devices.append(Device("vg-thin%04d" % i, L.THINLV, size, ("vg-pool",), "xfs", point,
                              ("discard",)))
    return Layout(tuple(devices), origin="synthetic")


def bench_profile():
    ms, profile = median_ms(lambda: load_profile("ovirt-node"), 20)
    print("load profile ovirt-node:                    %7.2f ms (median of 20)" % ms)
    ms, _ = median_ms(lambda: load_profile("ovirt-node-minimal"), 20)
    print("load profile ovirt-node-minimal (extends):  %7.2f ms (median of 20)" % ms)
    return profile


def bench_one_disk(profile):
    from blivet_helpers import anaconda_thinp_autopart, blivet_with_disks
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        b, disks = blivet_with_disks(tmp, [100 * GiB])
        anaconda_thinp_autopart(b, disks)
        build_ms = (time.perf_counter() - start) * 1000
        adapt_ms, lay = median_ms(lambda: layout_from_blivet(b), 20)
        check_ms, report = median_ms(lambda: check(lay, profile), 50)
    print("1 disk, Anaconda autopart (%d devices):" % len(lay))
    print("  schedule in blivet (once):                %7.2f ms" % build_ms)
    print("  layout_from_blivet:                       %7.2f ms (median of 20)" % adapt_ms)
    print("  check:                                    %7.2f ms (median of 50), %d errors, "
          "%d warnings" % (check_ms, len(report.errors), len(report.warnings)))


def bench_many(profile):
    print("64 disks, one VG, one thin pool:")
    results = []
    for count in (1000, 2000, 4000):
        lay = synthetic_layout(profile, 64, count)
        ms, report = median_ms(lambda lay=lay: check(lay, profile), 25)
        assert report.ok, report.errors[:3]
        results.append((count, len(lay), ms))
        print("  %5d thin LVs (%5d devices): check  %7.2f ms (median of 25), %.2f us/device"
              % (count, len(lay), ms, ms * 1000 / len(lay)))
    base = results[0]
    for count, _devices, ms in results[1:]:
        print("  %dx the LVs -> %.2fx the time (linear: %.0fx)"
              % (count // base[0], ms / base[2], count / base[0]))
    verdict = "OK" if base[2] < TARGET_MS else "TOO SLOW"
    print("  target: 1,000 thin LVs under %.0f ms: %s (%.2f ms)" % (TARGET_MS, verdict, base[2]))
    return base[2] < TARGET_MS


def main():
    profile = bench_profile()
    bench_one_disk(profile)
    if not bench_many(profile):
        sys.exit(1)


if __name__ == "__main__":
    main()
