# SPDX-License-Identifier: GPL-2.0-or-later
"""What linting a kickstart pulls in (issue 10, item 6).

``ovirt-node-layout check`` runs in every CI pipeline and must start fast: no blivet (seconds
of imports, and it probes the machine), and no ``requests``, which pykickstart imports in
``pykickstart.load`` only to fetch kickstarts from URLs. The linter replaces that module by a
stand-in that imports the real one on first use (``linter._defer_pykickstart_load``).

Each check runs in a fresh interpreter and inspects its ``sys.modules`` after linting real
kickstarts from data/examples/: a test process has already imported everything. A module that
is renamed or moved makes the child fail, and so the test: nothing here skips.
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
EXAMPLES = os.path.join(ROOT, "data", "examples")
KICKSTARTS = sorted(os.path.join(EXAMPLES, n) for n in os.listdir(EXAMPLES) if n.endswith(".ks"))
# Top-level packages linting must never import.
FORBIDDEN = ("requests", "urllib3", "blivet", "gi", "pyanaconda", "dasbus")


def _child(code):
    """Run *code* in a fresh interpreter (this checkout first on its path); its JSON output."""
    env = dict(os.environ, PYTHONPATH=os.path.abspath(ROOT), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


_REPORT_MODULES = """
    import json, sys
    def top_level_loaded(names):
        return sorted(n for n in sys.modules
                      if n.split(".")[0] in names and sys.modules[n] is not None)
"""


def test_there_are_example_kickstarts_to_lint():
    # The tests below lint these; an empty list would make them pass on nothing.
    assert len(KICKSTARTS) >= 3


@pytest.mark.parametrize("path", KICKSTARTS, ids=os.path.basename)
def test_linting_a_kickstart_imports_neither_requests_nor_blivet(path):
    out = _child(_REPORT_MODULES + """
    from org_ovirt_node.kickstart.linter import exit_code, lint_file
    report = lint_file(%r)
    print(json.dumps({"exit": exit_code(report), "codes": [f.code for f in report.findings],
                      "loaded": top_level_loaded(%r)}))
    """ % (path, FORBIDDEN))
    # The kickstart was really linted (every example is valid: exit 0, and pykickstart ran).
    assert out["exit"] == 0, out["codes"]
    assert out["loaded"] == []


def test_the_check_command_imports_neither_requests_nor_blivet():
    """The same through the command line entry point, with all the examples at once."""
    out = _child(_REPORT_MODULES + """
    from org_ovirt_node.cli import main
    try:
        code = main(["check"] + %r)
    except SystemExit as exc:
        code = exc.code
    print()
    print(json.dumps({"exit": code, "loaded": top_level_loaded(%r),
                      "pykickstart": "pykickstart.parser" in sys.modules}))
    """ % (KICKSTARTS, FORBIDDEN))
    assert out["exit"] == 0
    assert out["pykickstart"]           # it did parse
    assert out["loaded"] == []


def test_fixing_a_kickstart_imports_neither_requests_nor_blivet(tmp_path):
    """``check --fix`` is the linter plus the fixer: the same start-up budget."""
    guide = os.path.join(str(tmp_path), "guide.ks")
    with open(guide, "w") as handle:
        handle.write("reqpart --add-boot\npart pv.01 --size=42000 --grow\n"
                     "volgroup vg pv.01\n"
                     "logvol none --vgname=vg --name=pool --thinpool --size=40000 --grow\n"
                     "logvol / --vgname=vg --name=root --thin --poolname=pool --size=6144 "
                     "--grow\nlogvol /var --vgname=vg --name=var --thin --poolname=pool "
                     "--size=5120\n")
    out = _child(_REPORT_MODULES + """
    from org_ovirt_node.kickstart.fixer import fix_file
    result = fix_file(%r)
    print(json.dumps({"changed": result.changed, "loaded": top_level_loaded(%r)}))
    """ % (guide, FORBIDDEN))
    assert out["changed"]               # it really fixed something
    assert out["loaded"] == []


def test_the_deferral_is_what_keeps_requests_out():
    """Control: with the real ``pykickstart.load`` imported first (the deferral then steps
    aside), linting does pull ``requests`` in. Without this, the tests above could pass
    because pykickstart stopped importing it, and the stand-in would be dead code."""
    out = _child(_REPORT_MODULES + """
    import pykickstart.load  # noqa: F401 - the real module, before the linter
    from org_ovirt_node.kickstart.linter import lint_file
    lint_file(%r)
    print(json.dumps({"loaded": top_level_loaded(("requests",))}))
    """ % KICKSTARTS[0])
    assert "requests" in out["loaded"]


def test_the_stand_in_loads_the_real_module_on_first_use():
    """Behaviour is unchanged: using ``pykickstart.load`` through the stand-in imports the
    real module (and ``requests`` with it) and gives its functions."""
    out = _child(_REPORT_MODULES + """
    import org_ovirt_node.kickstart.linter  # noqa: F401 - installs the stand-in
    before = top_level_loaded(("requests",))
    stub = sys.modules["pykickstart.load"]
    stand_in = type(stub).__name__
    from pykickstart.load import load_to_file
    real = sys.modules["pykickstart.load"]
    print(json.dumps({"before": before, "after": top_level_loaded(("requests",)),
                      "stand_in": stand_in, "real": type(real).__name__,
                      "same": load_to_file is real.load_to_file}))
    """)
    assert out["before"] == []
    assert out["stand_in"] == "_DeferredLoad"
    assert out["real"] == "module" and out["same"]
    assert "requests" in out["after"]
