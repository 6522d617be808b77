# SPDX-License-Identifier: GPL-2.0-or-later
"""The command line's top-level guard: an unexpected exception is one line naming the bug and
how to report it (the traceback only with ``--debug``) and exit 3; Ctrl-C is exit 130; a
closed pipe is exit 0; argparse errors stay exit 2. Also ``--version``."""
import os
import platform
import signal
import subprocess
import sys
import time

import pytest

import org_ovirt_node
from org_ovirt_node import cli
from org_ovirt_node.cli import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    main,
    profile_cmd,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPORT = "please report this as a bug of org_ovirt_node with the command line and `--debug` output"
# A message that must not come out whole: it stands for input text (a file's lines).
SECRET = ("root:$6$rounds=5000$not-a-real-hash$but-as-long-as-one-of-the-lines-of-etc-shadow"
          ":19000:0:99999:7:::")


def crash_with(exc):
    def command(args):
        raise exc
    return command


@pytest.fixture
def list_raises(monkeypatch):
    """``profile list`` raises what the test gives."""
    def set_exception(exc):
        monkeypatch.setattr(profile_cmd, "cmd_list", crash_with(exc))
    return set_exception


def test_unexpected_exception_is_one_line_and_exit_3(capsys, list_raises):
    list_raises(ValueError(SECRET + "\nsecond line"))
    assert main(["profile", "list"]) == EXIT_BUG == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.endswith(REPORT + "\n")
    assert err.startswith("ovirt-node-layout: internal error (a bug): ValueError ")
    assert "Traceback" not in err
    # Where: the innermost frame of the package, then the one that raised.
    assert "at org_ovirt_node/cli/__init__.py:" in err
    assert "(raised in tests/test_cli_guard.py:" in err and " in command)" in err
    # The message is a short, escaped excerpt: input text never comes out whole.
    assert SECRET not in err and "\u2026" in err


def test_an_exception_without_message_is_named_by_its_type(capsys, list_raises):
    list_raises(RuntimeError())
    assert main(["profile", "list"]) == EXIT_BUG
    assert "internal error (a bug): RuntimeError at org_ovirt_node/" in capsys.readouterr().err


def test_debug_prints_the_traceback_before_the_line(capsys, list_raises):
    list_raises(KeyError("boom"))
    for argv in (["--debug", "profile", "list"], ["profile", "list", "--debug"]):
        assert main(argv) == EXIT_BUG
        err = capsys.readouterr().err
        assert err.startswith("Traceback (most recent call last):")
        assert 'in command\n    raise exc\nKeyError: \'boom\'\n' in err
        assert err.splitlines()[-1].endswith(REPORT)


def test_debug_before_the_subcommand_is_not_reset_by_it():
    args = cli.build_parser().parse_args(["--debug", "profile", "show"])
    assert args.debug is True
    assert cli.build_parser().parse_args(["profile", "show"]).debug is False


def test_a_failure_while_building_the_parser_is_a_bug_too(capsys, monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", cli.COMMANDS + ("no_such_cmd",))
    assert main(["profile", "list"]) == EXIT_BUG
    err = capsys.readouterr().err
    assert "ModuleNotFoundError" in err and err.count("\n") == 1


def test_keyboard_interrupt_is_130_with_one_line(capsys, list_raises):
    list_raises(KeyboardInterrupt())
    assert main(["profile", "list"]) == EXIT_INTERRUPTED == 130
    assert capsys.readouterr() == ("", "ovirt-node-layout: interrupted\n")


def test_broken_pipe_is_exit_0(capsys, list_raises):
    list_raises(BrokenPipeError())
    assert main(["profile", "list"]) == EXIT_OK
    assert capsys.readouterr() == ("", "")


def test_usage_errors_stay_exit_2(capsys, list_raises):
    list_raises(UsageError("bad input"))
    assert main(["profile", "list"]) == EXIT_USAGE
    assert capsys.readouterr().err == "ovirt-node-layout: bad input\n"
    for argv in (["--no-such-option"], ["no-such-command"], [], ["plan", "--firmware", "x"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        assert "Traceback" not in capsys.readouterr().err


def test_system_exit_from_a_command_is_not_a_bug(list_raises):
    list_raises(SystemExit(2))
    with pytest.raises(SystemExit):
        main(["profile", "list"])


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == "ovirt-node-layout %s\n" % org_ovirt_node.__version__


def test_exit_codes_are_documented():
    assert "3 a bug of this program" in cli.__doc__
    assert "3 a bug of this program" in " ".join(cli.build_parser().format_help().split())
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = " ".join(handle.read().split())
    # The README's table is generated from cli.EXIT_CODES (scripts/cli_docs.py markdown).
    assert "| 3 | a bug of this program:" in readme


# --- as a real process ----------------------------------------------------------------------
def run_module(*args, stdin=None, code=None):
    argv = [sys.executable] + (["-c", code] if code else ["-m", "org_ovirt_node"]) + list(args)
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60,
                          stdin=stdin)


CRASHING = ("import sys; from org_ovirt_node.cli import main, profile_cmd\n"
            "def command(args):\n    raise RuntimeError('broken')\n"
            "profile_cmd.cmd_list = command\n"
            "sys.exit(main(sys.argv[1:]))\n")


def test_process_exit_3_and_debug():
    proc = run_module("profile", "list", code=CRASHING)
    assert proc.returncode == 3 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "RuntimeError 'broken'" in proc.stderr
    proc = run_module("--debug", "profile", "list", code=CRASHING)
    assert proc.returncode == 3
    assert proc.stderr.startswith("Traceback") and "RuntimeError: broken" in proc.stderr


def test_process_version_help_and_argparse_errors():
    proc = run_module("--version")
    assert (proc.returncode, proc.stdout) == (0, "ovirt-node-layout %s\n"
                                              % org_ovirt_node.__version__)
    proc = run_module("--help")
    assert proc.returncode == 0 and "3 a bug of this program" in " ".join(proc.stdout.split())
    proc = run_module("plan", "--no-such-option")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [["--help"], ["profile", "show"], ["check", "--help"]])
def test_process_closed_pipe_is_exit_0_and_silent(args):
    proc = subprocess.Popen([sys.executable, "-m", "org_ovirt_node"] + args, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # before the program writes anything
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0 and err == b""


READ_SYSCALL = {"x86_64": "0", "aarch64": "63", "ppc64le": "3", "s390x": "3"}


@pytest.mark.skipif(platform.machine() not in READ_SYSCALL, reason="read(2)'s number unknown")
def test_process_ctrl_c_is_130_with_one_line():
    reading_stdin = READ_SYSCALL[platform.machine()] + " 0x0 "
    proc = subprocess.Popen([sys.executable, "-m", "org_ovirt_node", "check", "-"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        # Wait until it blocks reading standard input (syscall 0 on fd 0): Python's SIGINT
        # handler is installed by then.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open("/proc/%d/syscall" % proc.pid, encoding="ascii") as handle:
                if handle.read().startswith(reading_stdin):
                    break
            time.sleep(0.02)
        else:
            pytest.fail("the command never read standard input")
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert err == b"ovirt-node-layout: interrupted\n"


# --- names that are not UTF-8, output encodings that cannot take every character -----------
def run_with_stdout(encoding, *args):
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    argv = [os.fsencode(a) if isinstance(a, str) else a for a in args]
    return subprocess.run([sys.executable, "-m", "org_ovirt_node"] + argv, cwd=ROOT, env=env,
                          capture_output=True, timeout=60)


def test_a_file_name_that_is_not_utf8_is_printed_as_its_bytes(tmp_path):
    """A UTF-8 locale makes standard output strict: printing such a name raised
    UnicodeEncodeError (found by the argv fuzz kind)."""
    folder = os.fsencode(str(tmp_path))
    kickstart = folder + b"/\xff-caf\xe9.ks"
    with open(kickstart, "wb") as handle:
        handle.write(b"autopart --type=thinp\n")
    profile = folder + b"/\xff.yaml"
    with open(profile, "wb") as handle:
        handle.write(b"name: x\nextends: ovirt-node\n")
    proc = run_with_stdout("utf-8:strict", "check", kickstart)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(kickstart + b":1: info: ONN101 ")
    for action in ("show", "validate"):
        proc = run_with_stdout("utf-8:strict", "profile", action, profile)
        assert proc.returncode == 0, proc.stderr
        assert profile in proc.stdout


def test_characters_the_output_encoding_lacks_are_escaped(tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("name: x\nextends: ovirt-node\ndescription: caf\u00e9 \u2192\n",
                       encoding="utf-8")
    proc = run_with_stdout("ascii:strict", "profile", "show", str(profile))
    assert proc.returncode == 0, proc.stderr
    assert b"caf\\xe9 \\u2192" in proc.stdout


def test_in_process_stdout_is_left_as_it_was(monkeypatch, tmp_path):
    import io
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    monkeypatch.setattr(sys, "stdout", stream)
    path = os.fsdecode(os.fsencode(str(tmp_path)) + b"/\xff.ks")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("autopart --type=thinp\n")
    assert main(["check", path]) == EXIT_OK
    assert stream.errors == "strict"
    assert stream.buffer.getvalue().startswith(os.fsencode(path) + b":1: info")


def _single_value_options():
    """(subcommand, option) for every option of every subcommand that takes one value."""
    import argparse
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, subparser in sub.choices.items():
        for action in subparser._actions:
            if action.option_strings and action.nargs is None:
                yield name, action.option_strings[-1]


OPTIONS = sorted(set(_single_value_options()))


def test_there_are_options_to_try():
    assert len(OPTIONS) > 20 and ("check", "--ks-version") in OPTIONS


@pytest.mark.parametrize("command,option", OPTIONS)
def test_an_option_given_dashdash_is_a_usage_error(capsys, command, option):
    """argparse turns ``--opt=--`` into an empty list without calling the option's type
    (make fuzz, argv seed 5 input 17781: ``check --ks-vers=--`` was exit 3)."""
    try:
        code = cli.main([command, option + "=--"])
    except SystemExit as exc:       # argparse's own usage errors (a choice, a missing FILE)
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert "internal error" not in err
