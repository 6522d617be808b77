# SPDX-License-Identifier: GPL-2.0-or-later
"""The package tree is the architecture: each folder may import only what its layer allows.

Two views, both over every module found by walking ``org_ovirt_node/`` (a module that is
renamed or moved is still checked; a folder nobody declared fails, nothing skips):

- **statically**, every import statement of every module, including the ones inside
  functions (lazy imports are how the fast paths stay fast, so they are where a forbidden
  dependency would hide), must name an allowed internal package or third-party library;
- **at run time**, importing all of a layer's modules in a fresh interpreter may load only the
  third-party libraries that layer allows, whatever it pulls in indirectly (``sys.modules``).
  A layer's union is checked at once: each module's set is a subset of it.

Plus: the module-level import graph of the package has no cycles.
"""
import ast
import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "org_ovirt_node")
DOUBLE = os.path.join(ROOT, "tests", "anaconda_double")
CORE = "core"

# Third-party libraries whose presence marks a dependency boundary.
GUARDED = frozenset({"blivet", "pykickstart", "pyanaconda", "dasbus", "yaml", "gi", "requests",
                     "parted", "bytesize"})

# layer → (internal layers it may import, guarded libraries it may import in its source,
#          guarded libraries that may be loaded by importing it)
LAYERS = {
    CORE: ({CORE}, {"yaml"}, {"yaml"}),
    "kickstart": ({CORE, "kickstart"}, {"yaml", "pykickstart", "requests"},
                  # pykickstart.load imports requests; the linter defers it (test_imports).
                  {"yaml", "pykickstart", "requests"}),
    "planning": ({CORE, "planning"}, {"yaml", "blivet", "parted"},
                 # Planning modules import blivet only when they run (the CLI starts fast).
                 {"yaml"}),
    "host": ({CORE, "host"}, {"yaml"}, {"yaml"}),
    "installer": ({CORE, "installer"}, {"yaml"}, {"yaml"}),
    "service": ({CORE, "installer", "kickstart", "service"},
                {"yaml", "pykickstart", "pyanaconda", "dasbus", "gi"}, GUARDED - {"blivet"}),
    "tui": ({CORE, "installer", "service", "tui"},
            {"yaml", "pykickstart", "pyanaconda", "dasbus", "gi"}, GUARDED - {"blivet"}),
    "gui": ({CORE, "installer", "service", "tui", "gui"},
            {"yaml", "pykickstart", "pyanaconda", "dasbus", "gi"}, GUARDED - {"blivet"}),
    "cli": ({CORE, "kickstart", "planning", "host", "installer", "cli"},
            {"yaml", "pykickstart", "blivet", "requests"},
            # The parser and `check` must start without blivet (test_imports).
            {"yaml", "pykickstart", "requests"}),
}


def layer_of(module):
    """``org_ovirt_node.kickstart.linter`` → ``kickstart``; top-level modules → the core."""
    if module == "org_ovirt_node.__main__":
        return "cli"                    # `python -m org_ovirt_node` is the command line
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and os.path.isdir(os.path.join(PACKAGE, parts[1]))):
        return parts[1]
    return CORE


def all_modules():
    """Every module of the package as (dotted name, path), found on disk."""
    out = []
    for folder, dirs, files in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                rel = os.path.relpath(os.path.join(folder, name), ROOT)[:-3]
                dotted = rel.replace(os.sep, ".")
                if dotted.endswith(".__init__"):
                    dotted = dotted[:-len(".__init__")]
                out.append((dotted, os.path.join(ROOT, rel + ".py")))
    return out


MODULES = all_modules()


def imports_of(path, module, top_level_only=False):
    """Absolute names imported by the file at *path* (relative imports resolved)."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    nodes = tree.body if top_level_only else ast.walk(tree)
    names = []
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            # `from pkg import mod` may name a submodule: count both.
            names.append(base)
            names += ["%s.%s" % (base, alias.name) for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
                node.func, "id", "")) in ("import_module", "__import__") and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            names.append(node.args[0].value)
    return names


def _internal(name):
    known = {m for m, _ in MODULES}
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def test_every_folder_is_a_declared_layer():
    layers = {layer_of(m) for m, _ in MODULES}
    assert CORE in layers and "kickstart" in layers and "planning" in layers
    assert layers <= set(LAYERS), "undeclared folders: %s" % sorted(layers - set(LAYERS))


def test_the_layer_map_reads_the_tree():
    assert layer_of("org_ovirt_node.checker") == CORE
    assert layer_of("org_ovirt_node.kickstart.linter") == "kickstart"
    assert layer_of("org_ovirt_node.kickstart") == "kickstart"
    assert layer_of("org_ovirt_node.gui.spokes.ovirt_node") == "gui"


def test_the_scanner_sees_every_import_form(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nimport pyanaconda\nfrom pyanaconda.core import util\n"
                      "def f():\n    import blivet.devices as d\n"
                      "importlib.import_module('dasbus')\nfrom . import sibling\n"
                      "x = 'import yaml'\n")
    got = imports_of(str(sample), "org_ovirt_node.kickstart.sample")
    assert {"os", "pyanaconda", "pyanaconda.core", "blivet.devices", "dasbus",
            "org_ovirt_node.kickstart.sibling"} <= set(got)
    assert "yaml" not in got


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_module_imports_only_what_its_layer_allows(module, path):
    layer = layer_of(module)
    internal, libraries, _ = LAYERS[layer]
    bad = []
    for name in imports_of(path, module):
        root = name.split(".")[0]
        if root == "org_ovirt_node":
            target = _internal(name)
            if target and target != "org_ovirt_node" and layer_of(target) not in internal:
                bad.append(name)
        elif root in GUARDED and root not in libraries:
            bad.append(name)
    assert bad == [], "%s (layer %s) imports %s" % (module, layer, bad)


def _load_in_fresh_interpreter(modules, with_double):
    path = [ROOT] + ([DOUBLE] if with_double else [])
    code = textwrap.dedent("""
        import importlib, json, sys
        for name in %r:
            importlib.import_module(name)
        print(json.dumps(sorted({m.split(".")[0] for m in sys.modules
                                 if sys.modules[m] is not None})))
    """ % (modules,))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.splitlines()[-1]))


# The GUI spoke imports GTK through Anaconda's real GUI classes, which the double under
# tests/ does not carry: `make anaconda-compat` imports it in real Anaconda checkouts.
RUNTIME_LAYERS = sorted(set(LAYERS) - {"gui"})


@pytest.mark.parametrize("layer", RUNTIME_LAYERS)
def test_importing_a_layer_loads_only_what_it_allows(layer):
    # `__main__` modules run their program when imported; the static test covers them.
    modules = [m for m, _ in MODULES if layer_of(m) == layer and not m.endswith("__main__")]
    assert modules, "layer %s has no modules" % layer
    loaded = _load_in_fresh_interpreter(modules, layer in ("service", "gui", "tui"))
    assert "org_ovirt_node" in loaded      # the imports did happen
    allowed = LAYERS[layer][2]
    assert (loaded & GUARDED) - allowed == set()


def test_the_module_graph_has_no_cycles():
    graph = {}
    for module, path in MODULES:
        targets = set()
        for name in imports_of(path, module, top_level_only=True):
            target = _internal(name) if name.startswith("org_ovirt_node") else None
            if target and target != module:
                targets.add(target)
        graph[module] = targets
    # Package __init__ files that re-export nothing are roots: `org_ovirt_node` itself is
    # imported by every submodule (Python does it), so it is not an edge of ours.
    for targets in graph.values():
        targets.discard("org_ovirt_node")
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_building_the_cli_parser_does_not_load_blivet():
    """Every subcommand's options are defined without importing what the command runs."""
    code = ("import sys; from org_ovirt_node.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('blivet', 'gi', 'pyanaconda') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
