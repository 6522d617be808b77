# SPDX-License-Identifier: GPL-2.0-or-later
"""`verify --pre-upgrade` on an installed oVirt Node with 100 thin LVs (target < 0.5 s).

The host's tools are replayed from recorded output (tests/upgrade_host.py: lsblk, lvs, vgs,
pvs, findmnt, lvmconfig), since this machine has no device-mapper to run LVM on. Two figures:

- in process: reading the six outputs, building the layout, the facts and the gate's report
  (the part this project controls), median of 20;
- cold: a fresh interpreter running the whole command, each tool a real process (``cat`` of
  its recorded output through the adapter's bounded runner), bytecode cached as installed,
  median of 5 (the target). On a real host add what LVM itself takes (lvs/vgs/pvs scan the
  PVs: tens of milliseconds each).
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from upgrade_host import NodeHost, fake_run  # noqa: E402

TARGET_S = 0.5
THIN_LVS = 100

COLD = r"""
import os, sys
sys.path.insert(0, %(root)r)
from org_ovirt_node.host import reader as host
real = host.run_tool
def replay(argv, **kwargs):
    return real(["cat", os.path.join(%(tools)r, os.path.basename(argv[0]) + ".out")], **kwargs)
host.run_tool = replay
from org_ovirt_node.cli import main
sys.exit(main(["verify", "--pre-upgrade", "--root", %(host)r, "--format", "json"]))
"""


def node():
    # 3 image LVs (init, base, layer) + 7 volumes + 90 more = 100 thin LVs in pool00.
    host = NodeHost(extra_thin=THIN_LVS - 10, pool_size=400 * 1024 ** 3, vg_size=500 * 1024 ** 3,
                    vg_free=100 * 1024 ** 3)
    assert len(host.thin_lvs()) == THIN_LVS
    return host


def in_process(host, root):
    import contextlib
    import io

    from org_ovirt_node.cli import main
    from org_ovirt_node.host import reader as adapter

    adapter.run_tool = fake_run(host.tools(root))
    times = []
    for _ in range(20):
        out = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out):
            status = main(["verify", "--pre-upgrade", "--root", root, "--format", "json"])
        times.append(time.perf_counter() - start)
        assert status == 0, out.getvalue()[-2000:]
    return statistics.median(times)


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold(root, cache):
    """(median wall time, median CPU time) of a fresh process running the command, with
    bytecode cached in *cache* as an installed package has it (one untimed run writes it;
    this environment may set PYTHONDONTWRITEBYTECODE, which would time the compiler)."""
    script = COLD % {"root": ROOT, "tools": os.path.join(root, ".tools"), "host": root}
    env = dict(os.environ, PYTHONPYCACHEPREFIX=cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=ROOT, env=env)
    times, cpu = [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), _children_cpu()
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=ROOT,
                              env=env)
        times.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - start_cpu)
        assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    return statistics.median(times), statistics.median(cpu)


def main():
    host = node()
    with tempfile.TemporaryDirectory() as tmp:
        root = host.make_root(os.path.join(tmp, "root"))
        warm = in_process(host, root)
        whole, cpu = cold(root, os.path.join(tmp, "pycache"))
    load = os.getloadavg()[0]
    print("verify --pre-upgrade, %d thin LVs (load average %.2f):" % (THIN_LVS, load))
    print("  in process (tools replayed):             %7.1f ms (median of 20)" % (warm * 1000))
    print("  cold process, 6 tool processes:          %7.1f ms (median of 5; CPU %.0f ms)"
          % (whole * 1000, cpu * 1000))
    verdict = "OK" if whole < TARGET_S else "TOO SLOW"
    print("  target: under %.0f ms: %s" % (TARGET_S * 1000, verdict))
    if whole >= TARGET_S:
        sys.exit(1)


if __name__ == "__main__":
    main()
