# SPDX-License-Identifier: GPL-2.0-or-later
"""Planner speed and memory: plan the ovirt-node profile on 1, 8 and 32 blank sparse disks of
1 TiB. Each case runs in a fresh interpreter, so its peak RSS (``ru_maxrss``) is its own;
the time is that of ``plan()`` alone (median of a few runs for the small cases), the
memory that of the whole process (Python, blivet, libparted, the plan).

Targets: 1 disk < 150 ms, 32 disks < 3 s, memory < 150 MB. Exit 1 when one is missed.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
TIB = 1024 ** 4
CASES = ((1, 5), (8, 3), (32, 1))        # (disks, runs)
TARGET_S = {1: 0.150, 32: 3.0}
TARGET_RSS_MB = 150.0

# The child: sparse images, a fresh Blivet per run, time plan() only.
CHILD = r"""
import json, os, resource, statistics, sys, tempfile, time
sys.path.insert(0, sys.argv[1])
import blivet
from org_ovirt_node.planning.discovery import discover_disks
from org_ovirt_node.planning.planner import plan
from org_ovirt_node.profile import load_profile
count, runs, size = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
profile = load_profile("ovirt-node")
times = []
with tempfile.TemporaryDirectory() as folder:
    paths = []
    for i in range(count):
        path = os.path.join(folder, "d%d.img" % i)
        with open(path, "wb") as handle:
            handle.truncate(size)
        paths.append(path)
    for _ in range(runs):
        b = blivet.Blivet()
        disks = discover_disks(b, paths)
        start = time.perf_counter()
        result = plan(profile, b, disks, firmware="bios", ram=16 * 1024 ** 3)
        times.append(time.perf_counter() - start)
        assert not result.report.errors
print(json.dumps({"seconds": statistics.median(times),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 * 1.048576,
                  "pool": result.summary["pool_size"]}))
"""


def run_case(count, runs):
    out = subprocess.run([sys.executable, "-c", CHILD, ROOT, str(count), str(runs), str(TIB)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ok = True
    print("%-8s %12s %12s %14s  %s" % ("disks", "plan (ms)", "peak RSS MB", "pool (GiB)",
                                       "target"))
    for count, runs in CASES:
        figures = run_case(count, runs)
        target = TARGET_S.get(count)
        verdict = []
        if target is not None:
            passed = figures["seconds"] < target
            ok &= passed
            verdict.append("%s < %g ms" % ("ok" if passed else "MISSED", target * 1000))
        mem_ok = figures["rss_mb"] < TARGET_RSS_MB
        ok &= mem_ok
        verdict.append("%s < %g MB" % ("ok" if mem_ok else "MISSED", TARGET_RSS_MB))
        print("%-8d %12.1f %12.1f %14.1f  %s" % (count, figures["seconds"] * 1000,
                                                 figures["rss_mb"], figures["pool"] / 1024 ** 3,
                                                 ", ".join(verdict)), flush=True)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
