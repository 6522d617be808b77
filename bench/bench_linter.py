# SPDX-License-Identifier: GPL-2.0-or-later
"""Kickstart linter speed: cold start of ``check`` in a fresh process (target < 300 ms),
throughput in one process on a generated corpus (target >= 500 kickstarts/second), and
linear work on hostile sizes: a kickstart of 10,000 logvols (target < 2 s) and lines of
1 MB, refused or handled (target < 1 s each)."""
import os
import random
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
sys.path.insert(0, ROOT)

EXAMPLE = os.path.join(ROOT, "data", "examples", "pxe-custom-thin.ks")
MOUNTS = [("/", 6144), ("/var", 5120), ("/var/tmp", 10240), ("/var/crash", 10240),
          ("/var/log", 8192), ("/var/log/audit", 2048), ("/home", 1024), ("/tmp", 1024)]


def generate(count, seed=1):
    """*count* varied kickstarts: manual thin layouts with random sizes, dropped mounts,
    reserves and options, autopart of each type, %addon overrides, missing includes."""
    rnd = random.Random(seed)
    corpus = []
    for i in range(count):
        lines = ["text", "lang en_US.UTF-8", "rootpw --lock", "zerombr",
                 "clearpart --all --initlabel"]
        style = rnd.random()
        if style < 0.15:
            lines.append("autopart --type=%s" % rnd.choice(["thinp", "lvm", "plain"]))
        elif style < 0.2:
            lines.append("%%include /nonexistent/part-include-%d" % i)
        else:
            lines.append("reqpart --add-boot")
            lines.append("part pv.01 --size=%d --grow" % rnd.randint(20000, 90000))
            lines.append("volgroup onn pv.01 --reserved-percent=%d" % rnd.choice([0, 10, 20]))
            lines.append("logvol swap --vgname=onn --name=swap --recommended")
            lines.append("logvol none --vgname=onn --name=pool00 --thinpool --size=%d%s"
                         % (rnd.randint(10000, 80000), rnd.choice(["", " --grow"])))
            for n, (mp, size) in enumerate(MOUNTS):
                if mp != "/" and rnd.random() < 0.1:
                    continue
                lines.append('logvol %s --vgname=onn --name=lv%d --thin --poolname=pool00 '
                             '--fsoptions="%s" --size=%d%s'
                             % (mp, n, rnd.choice(["defaults,discard", "defaults"]),
                                int(size * rnd.uniform(0.8, 1.5)),
                                " --grow" if mp == "/" else ""))
        if rnd.random() < 0.3:
            lines += ["", "%addon org_ovirt_node --mode=enforce", "# site",
                      "mount /var min=%dGiB" % rnd.randint(5, 9), "%end"]
        corpus.append("\n".join(lines) + "\n")
    return corpus


def _child_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_start(runs=5):
    """Median wall time and median CPU time of a fresh ``check`` process. The CPU figure is
    what the process costs; the wall figure also shows how busy the machine is."""
    walls, cpus = [], []
    # Bytecode as an installed package has it: one warm-up run writes it (with
    # PYTHONDONTWRITEBYTECODE every run would compile the modules again).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    argv = [sys.executable, "-m", "org_ovirt_node", "check", EXAMPLE]
    subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
    for _ in range(runs):
        cpu = _child_cpu()
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - start)
        cpus.append(_child_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def throughput(count=1000):
    from org_ovirt_node.kickstart.linter import lint_text
    corpus = generate(count)
    lint_text(corpus[0])    # warm-up: handler template and profile cache
    start, cpu = time.perf_counter(), time.process_time()
    findings = 0
    for text in corpus:
        findings += len(lint_text(text).findings)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return count / elapsed, count / cpu, elapsed, findings


def many_logvols(count, same_name=False):
    """A thin layout with *count* extra thin logvols (all named alike if *same_name*)."""
    lines = ["reqpart --add-boot", "part pv.01 --size=42000 --grow",
             "volgroup onn pv.01 --reserved-percent=20",
             "logvol swap --vgname=onn --name=swap --recommended",
             "logvol none --vgname=onn --name=pool00 --thinpool --size=40000 --grow"]
    for n, (mp, size) in enumerate(MOUNTS):
        lines.append('logvol %s --vgname=onn --name=lv%d --thin --poolname=pool00 '
                     '--fsoptions="defaults,discard" --size=%d' % (mp, n, size))
    for n in range(count):
        name = "data" if same_name else "data%d" % n
        lines.append('logvol /srv/d%d --vgname=onn --name=%s --thin --poolname=pool00 '
                     '--fsoptions="defaults,discard" --size=1024' % (n, name))
    return "\n".join(lines) + "\n"


LONG = 1_000_000
LONG_LINES = [
    ("a 1 MB command line (refused)", "text\npart / --fsoptions=%s\n" % ("a" * LONG)),
    ("a 1 MB word of one character (refused)", "a" * LONG + "\n"),
    ("a 1 MB line in %post (accepted)",
     "autopart --type=thinp\n%%post\necho %s\n%%end\n" % ("a" * LONG)),
    ("a 1 MB %addon line (an ONN106 finding)",
     "autopart --type=thinp\n%%addon org_ovirt_node\nmount /var min=%sGiB\n%%end\n"
     % ("1" * LONG)),
]


def _timed(text):
    from org_ovirt_node.kickstart.linter import LintInputError, lint_text
    start, cpu = time.perf_counter(), time.process_time()
    try:
        outcome = "%d findings" % len(lint_text(text).findings)
    except LintInputError:
        outcome = "refused"
    return time.perf_counter() - start, time.process_time() - cpu, outcome


def hostile_sizes():
    """Wall and CPU time of the linear-work cases, each after a warm-up of the handler."""
    from org_ovirt_node.kickstart.linter import lint_text
    lint_text("autopart --type=thinp\n")
    # The same name 10,000 times: no target (pykickstart translates a duplicate warning per
    # line, which costs a fifth more), shown to prove its duplicate check stays linear.
    cases = [("10,000 logvols", many_logvols(10_000), 2.0),
             ("10,000 logvols of one name", many_logvols(10_000, same_name=True), None)]
    cases += [(label, text, 1.0) for label, text in LONG_LINES]
    for label, text, target in cases:
        wall, cpu, outcome = _timed(text)
        verdict = "no target" if target is None else "target < %g s%s" % (
            target, "" if cpu < target else ", ** SLOW **")
        print("linter: %s: %.2f s wall, %.2f s CPU, %s (%s)" % (label, wall, cpu, outcome,
                                                               verdict))


def main():
    wall, cpu = cold_start()
    print("linter: cold start `python -m org_ovirt_node check %s`, median of 5: %.0f ms wall, "
          "%.0f ms CPU (target < 300 ms)" % (os.path.basename(EXAMPLE), wall * 1000, cpu * 1000))
    rate, cpu_rate, elapsed, findings = throughput()
    print("linter: 1000 generated kickstarts in %.2f s: %.0f kickstarts/s wall, %.0f per CPU "
          "second, %d findings (target >= 500/s)" % (elapsed, rate, cpu_rate, findings))
    hostile_sizes()
    print("linter: load average %.2f on %d CPUs (wall figures suffer when it is high)"
          % (os.getloadavg()[0], os.cpu_count() or 1))


if __name__ == "__main__":
    main()
