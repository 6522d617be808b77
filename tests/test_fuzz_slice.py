# SPDX-License-Identifier: GPL-2.0-or-later
"""The deterministic slice of ``make fuzz`` (each kind's SLICE_COUNT inputs, seed 0, in this
process), and the fuzz runner's own behaviour on a made-up kind: crashes, hangs, memory,
dead children, replay, repro files."""
import os
import subprocess
import sys
import textwrap

import pytest
from fuzz import runner

KINDS = runner.discover()
# The input kinds issue 9 asks for (profiles, %addon sections, whole kickstarts, D-Bus device
# data, host tool output, command lines, planner trees).
EXPECTED_KINDS = {"profiles", "addon", "kickstarts", "dbus", "host", "argv", "planner"}
TESTS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TESTS)


def test_kinds_are_discovered():
    assert KINDS, "no tests/fuzz/kind_*.py found"
    missing = EXPECTED_KINDS - set(KINDS)
    assert not missing, "no fuzz kind for: %s" % ", ".join(sorted(missing))


@pytest.mark.parametrize("kind", KINDS)
def test_slice(kind):
    module = runner.load_kind(kind)  # KindError when it does not follow the convention
    result = runner.run_kind(module, seed=0, count=module.SLICE_COUNT, relative_memory=True)
    assert result.tried == module.SLICE_COUNT
    assert not result.failures, "%d failure(s):\n%s" % (len(result.failures), "\n".join(
        "%s\n    replay: %s" % (f, f.replay()) for f in result.failures[:20]))


# --- the runner itself, on a made-up kind ---------------------------------------------------
FAKE = '''
import mmap, os, signal, time
from fuzz.runner import case_rng

KIND = "fake"
DEFAULT_COUNT = 12
SLICE_COUNT = 12
# What input i does, by the value its generator draws (so the runner's seeding decides).
ACTIONS = {ACTIONS}
VALUES = {{case_rng(0, KIND, i).random(): action for i, action in ACTIONS.items()}}


def generate(rng):
    return rng.random()


def run(case):
    action = VALUES.get(case)
    if action == "crash":
        raise ValueError("broken input")
    if action == "hang":
        time.sleep(60)
    if action == "swallowed-hang":  # code that swallows the first alarm gets another
        try:
            time.sleep(60)
        except BaseException:
            pass
        time.sleep(60)
    if action == "memory":  # shared memory: resident, outside RLIMIT_DATA
        block = mmap.mmap(-1, 160 << 20)
        block.write(b"x" * (160 << 20))
        block.close()
    if action == "malloc":  # inside RLIMIT_DATA: MemoryError
        bytearray(1 << 40)
    if action == "stuck":  # beyond SIGALRM's reach: the parent kills the child
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])
        time.sleep(60)
    if action == "die":
        os.kill(os.getpid(), signal.SIGKILL)


def describe(case):
    return "fake %s" % VALUES.get(case, "ok")
'''


def fake_kind(folder, actions, name="fake", text=None):
    path = os.path.join(str(folder), "kind_%s.py" % name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text if text is not None else FAKE.format(ACTIONS=repr(actions)))
    return str(folder)


def test_run_kind_records_crashes_hangs_and_memory(tmp_path):
    actions = {1: "crash", 3: "hang", 4: "swallowed-hang", 6: "memory", 7: "malloc"}
    module = runner.load_kind("fake", fake_kind(tmp_path, actions))
    result = runner.run_kind(module, seed=0, count=9, timeout=0.3, mem_limit=64 << 20,
                             relative_memory=True)
    assert result.tried == 9
    found = {(f.index, f.what) for f in result.failures}
    assert found == {(1, "crash"), (3, "hang"), (4, "hang"), (6, "memory"), (7, "memory")}
    crash = result.failures[0]
    assert crash.error == "ValueError: 'broken input'"
    assert crash.frame.startswith("kind_fake.py:") or "kind_fake.py:" in crash.frame
    assert crash.frame.endswith(" in run") and crash.describe == "fake crash"
    assert crash.replay() == "PYTHONPATH=tests python -m fuzz --seed 0 --replay fake:1"
    assert "time.sleep(60)" in result.failures[1].trace  # where the hang was stopped
    # Input i does not depend on where a run starts: a replay sees the same input.
    again = runner.run_kind(module, seed=0, count=3, start=1, timeout=0.3)
    assert [(f.index, f.what) for f in again.failures] == [(1, "crash"), (3, "hang")]


def test_a_kind_missing_an_attribute_is_refused(tmp_path):
    folder = fake_kind(tmp_path, {}, text="KIND = 'fake'\nDEFAULT_COUNT = 1\n"
                                          "def generate(rng):\n    return 1\n")
    with pytest.raises(runner.KindError, match="missing SLICE_COUNT, run"):
        runner.load_kind("fake", folder)
    fake_kind(tmp_path, {}, text="KIND = 'other'\nDEFAULT_COUNT = SLICE_COUNT = 1\n"
                                 "generate = run = print\n")
    with pytest.raises(runner.KindError, match="KIND is 'other'"):
        runner.load_kind("fake", folder)
    fake_kind(tmp_path, {}, text="KIND = 'fake'\nDEFAULT_COUNT = 0\nSLICE_COUNT = 1\n"
                                 "generate = run = print\n")
    with pytest.raises(runner.KindError, match="DEFAULT_COUNT must be a positive int"):
        runner.load_kind("fake", folder)


def fuzz(*args, cwd=REPO):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([TESTS, REPO]))
    return subprocess.run([sys.executable, "-m", "fuzz"] + list(args), cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_runner_process_survives_dead_and_stuck_children(tmp_path):
    folder = fake_kind(tmp_path, {2: "crash", 4: "die", 6: "stuck", 8: "hang"})
    repros = tmp_path / "repro"
    proc = fuzz("--kinds-dir", folder, "--count", "10", "--timeout", "0.3",
                "--repro-dir", str(repros))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "fake: 10 inputs, 2 crashes, 2 hangs, 0 over memory" in out
    row = [line.split() for line in out.splitlines() if line.startswith("fake ")][0]
    assert row[:5] == ["fake", "10", "2", "2", "0"]
    assert "crash x1: ValueError at " in out and "(first: input 2)" in out
    assert "child process killed by SIGKILL" in out and "(first: input 4)" in out
    assert "SIGALRM did not stop it" in out
    assert "kind_fake.py:" in out.split("SIGALRM did not stop it")[0].splitlines()[-2]
    assert "replay: PYTHONPATH=tests python -m fuzz --seed 0 --replay fake:8" in out
    saved = sorted(os.listdir(str(repros)))
    assert saved == ["fake-2.txt", "fake-4.txt", "fake-6.txt", "fake-8.txt"]
    text = (repros / "fake-2.txt").read_text()
    assert "replay: PYTHONPATH=tests python -m fuzz --seed 0 --replay fake:2" in text
    assert 'raise ValueError("broken input")' in text


def test_runner_exit_0_replay_and_unknown_kinds(tmp_path):
    folder = fake_kind(tmp_path, {1: "crash"})
    proc = fuzz("--kinds-dir", folder, "--start", "2", "--count", "5",
                "--repro-dir", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "fake: 5 inputs, 0 crashes, 0 hangs, 0 over memory" in proc.stdout
    proc = fuzz("--kinds-dir", folder, "--replay", "fake:1")
    assert proc.returncode == 1
    assert textwrap.dedent('''\
        fake:1: fake crash
        Traceback (most recent call last):''') in proc.stdout
    assert "fake:1: crash: ValueError: 'broken input' at " in proc.stdout
    proc = fuzz("--kinds-dir", folder, "--replay", "fake:0")
    assert (proc.returncode, proc.stdout.splitlines()[-1]) == (0, "fake:0: passes")
    proc = fuzz("--kinds-dir", folder, "--kind", "nope")
    assert proc.returncode == 2 and "unknown kind(s) nope; known: fake" in proc.stdout


def test_argv_kind_refuses_what_could_touch_a_disk():
    from fuzz import kind_argv
    fx = kind_argv.fixtures()
    missing = fx.missing[0]
    for argv in (["apply", "--disk", missing, "--yes"], ["apply", "--disk", missing, "--ye"],
                 ["apply", "--disk", fx.small_image],
                 ["apply", "--disk", sorted(os.listdir("/sys/block"))[0]],
                 ["apply", "--disk", "/dev/null"], ["plan", "--disks=auto"],
                 ["plan", "--disks", "auto", "--disk", "1MiB"],
                 ["profile", "export-anaconda", "-o", fx.fed_fifos[0]],
                 ["profile", "export-anaconda", "--out=" + fx.fed_fifos[0]],
                 ["check", fx.dead_fifo], ["check", "--", "--profile", fx.dead_fifo]):
        assert kind_argv.refused(argv, fx), argv
    for argv in (["apply", "--disk", missing], ["plan", "--disks", "1MiB"],
                 ["plan", "--disk", fx.dead_fifo], ["check", fx.fed_fifos[1]],
                 ["check", "x.ks", "--profile", fx.dead_fifo],
                 ["profile", "show", fx.dead_fifo]):
        assert kind_argv.refused(argv, fx) is None, argv
