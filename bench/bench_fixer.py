# SPDX-License-Identifier: GPL-2.0-or-later
"""``check --fix`` speed (issue 11, item 6), each from a fresh process as a user runs it:

- ``check --fix`` on a corpus kickstart the fixer accepts: under 1.5x ``check`` alone;
- ``check`` (the linter's cold start) within 1.3x pykickstart's ``ksvalidator`` on the same
  file.

Figures are medians of CPU time (user + system of the child, what the process costs; wall
time also shows how busy the machine is). The in-process cost of one fix against one lint
is printed too."""
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
sys.path.insert(0, ROOT)

CORPUS = os.path.join(ROOT, "tests", "corpus")
# Kickstarts the fixer rewrites (oVirt's own), first one found is used.
CANDIDATES = ("ovirt-44-guide-custom-partitioning.ks", "ovirt-node-ng-node-install.ks")
FALLBACK = os.path.join(ROOT, "data", "examples", "pxe-custom-thin.ks")
RUNS = 5


def corpus_file():
    for name in CANDIDATES:
        path = os.path.join(CORPUS, name)
        if os.path.exists(path):
            return path
    return FALLBACK


def _child_cpu():
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# Children may write bytecode, as an installed package has it: a first run writes it
# (PYTHONDONTWRITEBYTECODE would make every run compile the modules again, which neither
# an installed ovirt-node-layout nor pykickstart's ksvalidator does).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(argv, runs=RUNS):
    """Median wall and CPU seconds of *argv* in a fresh process, after one warm-up run
    (its exit status is not judged: check exits 1 on a file with errors)."""
    walls, cpus = [], []
    subprocess.run(argv, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    for _ in range(runs):
        cpu = _child_cpu()
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        walls.append(time.perf_counter() - start)
        cpus.append(_child_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _cli_has_fix():
    out = subprocess.run([sys.executable, "-m", "org_ovirt_node", "check", "--help"],
                         cwd=ROOT, env=ENV, capture_output=True, text=True,
                         check=False).stdout
    return "--fix" in out


def _ksvalidator():
    exe = os.path.join(os.path.dirname(sys.executable), "ksvalidator")
    return exe if os.path.exists(exe) else shutil.which("ksvalidator")


def in_process(path):
    """Milliseconds of one warm lint and one warm fix of *path* in this process."""
    from org_ovirt_node.kickstart.fixer import FixRefusedError, fix_file
    from org_ovirt_node.kickstart.linter import lint_file
    lint_file(path)
    start = time.process_time()
    for _ in range(20):
        lint_file(path)
    lint = (time.process_time() - start) / 20
    try:
        fix_file(path)
    except FixRefusedError:
        return lint * 1000, None
    start = time.process_time()
    for _ in range(20):
        fix_file(path)
    return lint * 1000, (time.process_time() - start) / 20 * 1000


def main():
    path = corpus_file()
    name = os.path.relpath(path, ROOT)
    check = [sys.executable, "-m", "org_ovirt_node", "check", path]
    if _cli_has_fix():
        fix = [sys.executable, "-m", "org_ovirt_node", "check", "--fix", "--diff", path]
    else:   # the command line is not wired yet: the same work through the API
        fix = [sys.executable, "-c", "import sys; from org_ovirt_node.kickstart.fixer import "
               "fix_file, unified_diff; print(unified_diff(fix_file(sys.argv[1])))", path]
    check_wall, check_cpu = timed(check)
    fix_wall, fix_cpu = timed(fix)
    ratio = fix_cpu / check_cpu
    print("fixer: %s: check %.0f ms CPU (%.0f wall), check --fix %.0f ms CPU (%.0f wall): "
          "%.2fx (target < 1.5x%s)" % (name, check_cpu * 1000, check_wall * 1000,
                                        fix_cpu * 1000, fix_wall * 1000, ratio,
                                        "" if ratio < 1.5 else ", ** SLOW **"))
    exe = _ksvalidator()
    if exe:
        ks_wall, ks_cpu = timed([exe, "-v", "RHEL9", path])
        ratio = check_cpu / ks_cpu
        print("fixer: linter cold start %.0f ms CPU vs ksvalidator %.0f ms CPU (%.0f wall) "
              "on the same file: %.2fx (target <= 1.3x%s)"
              % (check_cpu * 1000, ks_cpu * 1000, ks_wall * 1000, ratio,
                 "" if ratio <= 1.3 else ", ** SLOW **"))
    else:
        print("fixer: ksvalidator not installed; cold start not compared")
    lint_ms, fix_ms = in_process(path)
    print("fixer: in one process: lint %.2f ms, fix %s" % (
        lint_ms, "refused" if fix_ms is None else "%.2f ms (lint, plan, lint again)" % fix_ms))
    print("fixer: load average %.2f on %d CPUs" % (os.getloadavg()[0], os.cpu_count() or 1))


if __name__ == "__main__":
    main()
