# SPDX-License-Identifier: GPL-2.0-or-later
"""Consistency and help (issue 13, item 4), through the installed command: a description
for every command and option, ``--clear`` alike on plan and apply, ``apply --firmware``,
``did you mean`` for profile names and rules, exit codes 0/1/2 from one table, and the
README and docs/cli.md references generated from the argument definitions."""
import argparse
import os
import subprocess
import sys

import pytest

from org_ovirt_node.cli import EXIT_CODES, build_parser

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, ".venv", "bin", "ovirt-node-layout")
if not os.path.exists(CLI):
    CLI = os.path.join(os.path.dirname(sys.executable), "ovirt-node-layout")
EXAMPLE = os.path.join(ROOT, "data", "examples", "pxe-custom-thin.ks")
GiB = 1 << 30


def run(*argv, cwd=None):
    return subprocess.run([CLI] + list(argv), capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, LC_ALL="C", NO_COLOR="1"), timeout=300)


def commands(parser=None, path=()):
    parser = parser or build_parser()
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, path + (name,))


def test_every_command_and_option_has_a_description():
    missing = []
    for path, parser in commands():
        if not parser.description:
            missing.append(" ".join(path) or "(program)")
        for action in parser._actions:
            if not isinstance(action, argparse._SubParsersAction) and \
                    (not action.help or action.help == argparse.SUPPRESS):
                missing.append("%s %s" % (" ".join(path), action.option_strings or action.dest))
    assert missing == []


@pytest.mark.parametrize("path", [p for p, _parser in commands() if p])
def test_help_of_every_command_runs(path):
    proc = run(*path, "--help")
    assert proc.returncode == 0 and "usage: ovirt-node-layout " + " ".join(path) in proc.stdout


def test_readme_and_cli_reference_are_generated_from_the_parser():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "cli_docs.py"),
                           "markdown", "--check", "README.md", "docs/cli.md"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    with open(os.path.join(ROOT, "docs", "cli.md"), encoding="utf-8") as handle:
        reference = handle.read()
    for path, parser in commands():
        for action in parser._actions:
            for name in action.option_strings:
                assert name in reference, (path, name)


def test_the_docs_check_fails_on_a_stale_file(tmp_path):
    for name in ("README.md", "cli.md"):
        src = os.path.join(ROOT, name if name == "README.md" else "docs/" + name)
        with open(src, encoding="utf-8") as handle:
            text = handle.read()
        (tmp_path / name).write_text(text.replace("| `plan` |", "| `plan (old)` |"))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "cli_docs.py"),
                           "markdown", "--check", str(tmp_path / "README.md"),
                           str(tmp_path / "cli.md")], capture_output=True, text=True)
    assert proc.returncode == 1 and "README.md is out of date" in proc.stderr


def test_exit_codes_are_one_table():
    assert [code for code, _text in EXIT_CODES] == [0, 1, 2, 3, 130]
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    assert "| 2 | bad input or usage:" in readme


@pytest.mark.parametrize("argv,status", [
    (["check", EXAMPLE], 0), (["check", "--strict", "/dev/null/x.ks"], 2),
    (["plan", "--disk", "20GiB"], 1), (["plan", "--disk", "lots"], 2),
    (["profile", "show", "nope"], 2), (["profile", "list"], 0),
    (["verify", "--root", "/nonexistent"], 2), (["fleet-report", "/nonexistent.json"], 1),
    (["apply", "--disk", "/nonexistent.img"], 2), (["nosuchcommand"], 2),
])
def test_exit_codes_0_1_2(argv, status):
    assert run(*argv).returncode == status


def image(tmp_path, name, size):
    path = str(tmp_path / name)
    with open(path, "wb") as handle:
        handle.truncate(size)
    subprocess.run(["parted", "-s", path, "mklabel", "gpt", "mkpart", "p", "1MiB", "2GiB"],
                   check=True)
    return path


@pytest.mark.parametrize("clear", [["a.img,b.img"], ["a.img", "b.img"]])
def test_clear_takes_the_same_syntax_on_plan_and_apply(tmp_path, clear):
    a, b = image(tmp_path, "a.img", 40 * GiB), image(tmp_path, "b.img", 40 * GiB)
    plan = run("plan", "--disk", a, "--disk", b, "--ram", "4GiB", "--format", "kickstart",
               "--clear", *clear)
    assert plan.returncode == 0, plan.stderr
    assert "clearpart --all --initlabel --drives=a.img,b.img" in plan.stdout
    apply = run("apply", "--disk", a, "--disk", b, "--clear", *clear)
    assert apply.returncode == 0, apply.stderr
    assert "destroy device partition a.img1" in apply.stdout
    assert "destroy device partition b.img1" in apply.stdout
    for cmd in ("plan", "apply"):
        proc = run(cmd, "--disk", a, "--clear", "all", "a.img")
        assert proc.returncode == 2 and "not a mix" in proc.stderr


def test_apply_firmware(tmp_path):
    path = str(tmp_path / "node.img")
    with open(path, "wb") as handle:
        handle.truncate(80 * GiB)
    uefi = run("apply", "--disk", path, "--firmware", "uefi")
    assert uefi.returncode == 0 and "(600 MiB, efi, /boot/efi)" in uefi.stdout
    bios = run("apply", "--disk", path, "--firmware", "bios")
    assert bios.returncode == 0 and "/boot/efi" not in bios.stdout
    # A blank disk below 2 TiB gets an msdos label under BIOS: /boot and the PV only.
    assert bios.stdout.count("create device partition") == 2
    assert uefi.stdout.count("create device partition") == 3


def test_did_you_mean_for_profiles_and_rules():
    proc = run("check", "--profile", "ovirt-nod", EXAMPLE)
    assert proc.returncode == 2 and "did you mean ovirt-node?" in proc.stderr
    proc = run("plan", "--rule", "mount-option=error")
    assert proc.returncode == 2 and "did you mean mount-options?" in proc.stderr
    proc = run("plan", "--rule", "mount-options=fatal")
    assert proc.returncode == 2 and "expected a severity of error, warning, info, off" \
        in proc.stderr
    proc = run("profile", "show", "/etc/nothing-like-a-profile.yaml")
    assert proc.returncode == 2 and "did you mean" not in proc.stderr


def test_rule_option_changes_a_severity():
    proc = run("plan", "--rule", "ONN011=off", "--ram", "4GiB")
    assert proc.returncode == 0, proc.stderr
    proc = run("verify", "--rule", "nonsense=error")
    assert proc.returncode == 2 and "unknown rule" in proc.stderr
