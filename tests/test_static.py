# SPDX-License-Identifier: GPL-2.0-or-later
"""Architecture rules checked on the source: the core never imports pyanaconda, and the
fast paths (kickstart linter, checker, CLI parser) never load blivet."""
import ast
import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "org_ovirt_node")
# Only the installer glue may talk to Anaconda.
ANACONDA_GLUE = ("service", "gui", "tui", "categories")


def anaconda_imports(source):
    """Line numbers of every import of pyanaconda (any form) in *source*."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
                node.func, "id", "")) in ("import_module", "__import__") and node.args \
                and isinstance(node.args[0], ast.Constant):
            names = [str(node.args[0].value)]
        else:
            continue
        if any(n == "pyanaconda" or n.startswith("pyanaconda.") for n in names):
            lines.append(node.lineno)
    return lines


def core_modules():
    for folder, dirs, files in os.walk(PACKAGE):
        rel = os.path.relpath(folder, PACKAGE)
        if rel.split(os.sep)[0] in ANACONDA_GLUE:
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                yield os.path.join(folder, name)


def test_scanner_finds_every_form():
    sample = ("import os\nimport pyanaconda\nfrom pyanaconda.core import util\n"
              "import os, pyanaconda.modules as m\nimportlib.import_module('pyanaconda.ui')\n"
              "from . import pyanaconda_like\nx = 'import pyanaconda'\n")
    assert anaconda_imports(sample) == [2, 3, 4, 5]


def test_core_does_not_import_pyanaconda():
    modules = list(core_modules())
    assert any(m.endswith("checker.py") for m in modules)
    assert not any(os.sep + "service" + os.sep in m for m in modules)
    offenders = {}
    for path in modules:
        with open(path, encoding="utf-8") as handle:
            lines = anaconda_imports(handle.read())
        if lines:
            offenders[os.path.relpath(path, ROOT)] = lines
    assert offenders == {}


FAST_MODULES = ["org_ovirt_node.linter", "org_ovirt_node.kickstart", "org_ovirt_node.checker",
                "org_ovirt_node.profile", "org_ovirt_node.layout", "org_ovirt_node.cli"]


@pytest.mark.parametrize("module", FAST_MODULES)
def test_module_does_not_load_blivet(module):
    if importlib.util.find_spec(module) is None:
        pytest.skip("%s does not exist yet" % module)
    code = ("import sys, importlib; importlib.import_module(%r); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('blivet', 'pyanaconda', 'gi')))" % module)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_cli_parser_does_not_load_blivet():
    code = ("import sys; from org_ovirt_node.cli import build_parser; build_parser(); "
            "print('blivet' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
