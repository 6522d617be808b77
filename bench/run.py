# SPDX-License-Identifier: GPL-2.0-or-later
"""Run every ``bench/bench_*.py`` ``main()``, in name order, each in a fresh interpreter so
import time and memory are measured per benchmark. ``make bench`` runs this.

Usage: ``python bench/run.py [NAME ...]`` (e.g. ``checker`` for bench_checker.py only).
Exit status 1 when a benchmark fails (its own output says why).
"""
import glob
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# Runs in the child: load the bench file, call main(), then report the process's own peak
# memory and module count (RUSAGE_CHILDREN would mix benchmarks together).
CHILD = """
import importlib.util, resource, sys
spec = importlib.util.spec_from_file_location("bench_module", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.main()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("  [process: peak RSS %.0f MiB, %d modules loaded]" % (peak, len(sys.modules)))
"""


def bench_files(names=()):
    files = sorted(glob.glob(os.path.join(HERE, "bench_*.py")))
    if names:
        files = [f for f in files if os.path.basename(f)[6:-3] in names
                 or os.path.basename(f) in names]
    return files


def run_one(path):
    name = os.path.basename(path)
    print("=" * 72)
    print("== %s" % name)
    print("=" * 72, flush=True)
    start = time.perf_counter()
    status = subprocess.call([sys.executable, "-c", CHILD, path], cwd=os.path.dirname(HERE))
    elapsed = time.perf_counter() - start
    print("  [%s: exit %d, %.1f s wall]" % (name, status, elapsed), flush=True)
    return status


def main(argv=None):
    names = sys.argv[1:] if argv is None else argv
    files = bench_files(names)
    if not files:
        print("no benchmark matches %s" % " ".join(names), file=sys.stderr)
        return 2
    failed = [os.path.basename(f) for f in files if run_one(f) != 0]
    if failed:
        print("failed: %s" % ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
