# SPDX-License-Identifier: GPL-2.0-or-later
"""Colour on a terminal and the summary line of ``check`` (issue 13, item 7), through the
installed command: severities coloured on a terminal (a real pseudo-terminal here), not in a
pipe, never with NO_COLOR, in a pipe with FORCE_COLOR; the summary line counts every file."""
import os
import pty
import subprocess
import sys

import pytest

from org_ovirt_node.cli.output import colour_enabled, colour_findings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, ".venv", "bin", "ovirt-node-layout")
if not os.path.exists(CLI):
    CLI = os.path.join(os.path.dirname(sys.executable), "ovirt-node-layout")
EXAMPLES = os.path.join(ROOT, "data", "examples")
PRE = os.path.join(EXAMPLES, "pre-generated.ks")        # one warning
CUSTOM = os.path.join(EXAMPLES, "pxe-custom-thin.ks")   # infos only
ESC = "\x1b["


def env(**extra):
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    base.update(LC_ALL="C", TERM="xterm", **extra)
    return base


def piped(*argv, **extra):
    return subprocess.run([CLI] + list(argv), capture_output=True, text=True,
                          env=env(**extra), timeout=300)


def on_terminal(*argv, **extra):
    """Standard output of the command run on a pseudo-terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([CLI] + list(argv), stdout=slave, stderr=subprocess.DEVNULL,
                            env=env(**extra))
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    proc.wait(timeout=300)
    return b"".join(chunks).decode("utf-8", "replace")


def test_severities_are_coloured_on_a_terminal():
    out = on_terminal("check", PRE, CUSTOM)
    assert ": \x1b[1;33mwarning\x1b[0m: ONN103" in out
    assert ": \x1b[36minfo\x1b[0m: ONN" in out
    assert "\x1b[32m2 files checked: 0 error(s), 1 warning(s)" in out


def test_no_color_wins_even_on_a_terminal():
    assert ESC not in on_terminal("check", PRE, NO_COLOR="1")
    assert ESC not in piped("check", PRE, NO_COLOR="1", FORCE_COLOR="1").stdout


def test_a_pipe_gets_no_colour_unless_forced():
    assert ESC not in piped("check", PRE).stdout
    forced = piped("check", PRE, FORCE_COLOR="1").stdout
    assert "\x1b[1;33mwarning\x1b[0m" in forced
    assert ESC not in piped("check", PRE, FORCE_COLOR="0").stdout


def test_plan_and_verify_marks_are_coloured_when_forced():
    out = piped("plan", "--ram", "4GiB", FORCE_COLOR="1").stdout
    assert "\x1b[32m+\x1b[0m" in out  # created devices
    assert ESC not in piped("plan", "--ram", "4GiB").stdout


@pytest.mark.parametrize("argv,summary,status", [
    ([CUSTOM], "1 file checked: 0 error(s), 0 warning(s), 3 note(s)", 0),
    ([PRE, CUSTOM], "2 files checked: 0 error(s), 1 warning(s), 3 note(s)", 0),
    ([PRE, "/nonexistent.ks"], "2 files checked: 0 error(s), 1 warning(s), 0 note(s); "
                               "1 could not be read", 2),
])
def test_check_ends_with_a_summary_line(argv, summary, status):
    proc = piped("check", *argv)
    assert proc.returncode == status
    assert proc.stdout.splitlines()[-1] == summary


def test_colour_rules_in_process():
    class Tty:
        def isatty(self):
            return True
    assert colour_enabled(Tty(), {"TERM": "xterm"})
    assert not colour_enabled(Tty(), {"TERM": "dumb"})
    assert not colour_enabled(Tty(), {"NO_COLOR": "1"})
    assert colour_enabled(object(), {"FORCE_COLOR": "1"})
    # Only the diagnostic's own severity, not the word inside a message.
    assert colour_findings("a.ks:1: error: ONN1 x: warning: y", True) == \
        "a.ks:1: \x1b[1;31merror\x1b[0m: ONN1 x: warning: y"
