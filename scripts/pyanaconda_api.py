#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every ``pyanaconda`` name the addon imports, checked against Anaconda checkouts.

    scripts/pyanaconda_api.py [LABEL=]CHECKOUT [[LABEL=]CHECKOUT ...]

For each name imported by ``org_ovirt_node`` (``from pyanaconda... import NAME`` and
``import pyanaconda...``, found with ``ast``, at module level or inside functions) and each
checkout, the name is looked up by importing it with the checkout first on ``sys.path`` (in a
subprocess; the environment given by scripts/anaconda-compat.sh makes that work) and, where
importing is impossible (a GUI module without Anaconda's widget library, say), by parsing the
checkout's source. Where the addon calls an imported function or class directly, the call's
shape (positional count and keywords) is bound to the checkout's signature: a call that no
longer fits is reported. Prints one table per checkout and exits 1 if a name is missing or a
call does not fit (docs/anaconda-compat.md).
"""
import ast
import inspect
import json
import os
import subprocess
import sys
from collections import OrderedDict

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(REPO, "org_ovirt_node")


# --- what the addon uses -------------------------------------------------------------------
def addon_imports():
    """``{(module, name): [uses]}``: *name* is None for ``import module``; each use is
    ``{"where": "file:line", "calls": [(positional count, [keywords])]}``."""
    found = OrderedDict()
    for folder, dirs, files in os.walk(PACKAGE):
        dirs.sort()
        for file in sorted(files):
            if not file.endswith(".py"):
                continue
            path = os.path.join(folder, file)
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read(), path)
            rel = os.path.relpath(path, REPO)
            aliases = {}
            for node in ast.walk(tree):
                if (isinstance(node, ast.ImportFrom)
                        and (node.module or "").split(".")[0] == "pyanaconda"):
                    for alias in node.names:
                        use = {"where": "%s:%d" % (rel, node.lineno), "calls": []}
                        found.setdefault((node.module, alias.name), []).append(use)
                        aliases[alias.asname or alias.name] = use
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.name.split(".")[0] == "pyanaconda":
                            found.setdefault((alias.name, None), []).append(
                                {"where": "%s:%d" % (rel, node.lineno), "calls": []})
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in aliases
                        and not any(isinstance(a, ast.Starred) for a in node.args)):
                    aliases[node.func.id]["calls"].append(
                        (len(node.args), sorted(k.arg for k in node.keywords if k.arg)))
    return found


# --- looking a name up in a checkout ---------------------------------------------------------
def _signature_text(obj):
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return None


def _fits(signature, calls):
    """The calls (positional count, keywords) that *signature* cannot bind."""
    bad = []
    for count, keywords in calls:
        try:
            signature.bind(*([None] * count), **{k: None for k in keywords})
        except TypeError:
            bad.append((count, keywords))
    return bad


def worker(checkout, wanted):
    """In a subprocess with *checkout* first on sys.path: import each (module, name)."""
    import importlib
    sys.path.insert(0, REPO)
    sys.path.insert(0, checkout)
    os.environ.setdefault("ANACONDA_CONFIG_TMP", os.path.join(checkout, "data", "anaconda.conf"))
    try:  # as in every Anaconda process: the bus module first (avoids a circular import)
        import pyanaconda.core.dbus  # noqa: F401
    except Exception:  # noqa: BLE001, S110 - then each name says why it cannot be imported
        pass
    out = []
    for module, name, calls in wanted:
        entry = {"how": "import"}
        try:
            mod = importlib.import_module(module)
            if not os.path.abspath(mod.__file__).startswith(checkout + os.sep):
                raise ImportError("%s comes from %s, not the checkout" % (module, mod.__file__))
            if name is None:
                entry["present"] = True
            elif hasattr(mod, name):
                obj = getattr(mod, name)
                entry["present"] = True
                if inspect.isfunction(obj) or inspect.isclass(obj):
                    entry["signature"] = _signature_text(obj)
                    try:
                        sig = inspect.signature(obj)
                    except (TypeError, ValueError):
                        sig = None
                    if sig is not None:
                        entry["unfit"] = _fits(sig, calls)
            else:
                entry["present"] = False
                entry["why"] = "%s has no %s" % (module, name)
        except Exception as exc:  # noqa: BLE001 - the source is parsed instead
            entry = {"how": "error", "why": "%s: %s" % (type(exc).__name__, exc)}
        out.append(entry)
    json.dump(out, sys.stdout)


def source_lookup(checkout, module, name, calls):
    """The same answer from the checkout's source (no import)."""
    base = os.path.join(checkout, *module.split("."))
    path = next((p for p in (base + ".py", os.path.join(base, "__init__.py"))
                 if os.path.isfile(p)), None)
    if path is None:
        return {"how": "source", "present": False, "why": "no module %s" % module}
    if name is None:
        return {"how": "source", "present": True}
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    for node in tree.body:
        defines = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        if isinstance(node, defines) and node.name == name:
            entry = {"how": "source", "present": True}
            func = node if not isinstance(node, ast.ClassDef) else next(
                (n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"),
                None)
            if func is not None:
                sig = _signature_from_ast(func, drop_self=isinstance(node, ast.ClassDef))
                entry["signature"] = str(sig)
                entry["unfit"] = _fits(sig, calls)
            return entry
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            targets = [(a.asname or a.name).split(".")[0] for a in node.names]
        if name in targets:
            return {"how": "source", "present": True}
    return {"how": "source", "present": False, "why": "%s defines no %s" % (module, name)}


def _signature_from_ast(func, drop_self):
    """An ``inspect.Signature`` built from a parsed ``def`` (defaults and annotations
    replaced, so nothing of the checkout runs)."""
    args = func.args
    params = []
    positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
    if drop_self and positional:
        positional = positional[1:]
    first_default = len(positional) - len(args.defaults)
    for index, arg in enumerate(positional):
        params.append(inspect.Parameter(
            arg.arg, inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=None if index >= first_default else inspect.Parameter.empty))
    if args.vararg:
        params.append(inspect.Parameter(args.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        params.append(inspect.Parameter(
            arg.arg, inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if default is None else None))
    if args.kwarg:
        params.append(inspect.Parameter(args.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


def check_checkout(checkout, imports):
    """``[(key, entry)]`` for every imported name in *checkout*."""
    wanted = [(m, n, [c for use in uses for c in use["calls"]]) for (m, n), uses in imports.items()]
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", checkout],
                          input=json.dumps(wanted), capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    try:
        answers = json.loads(proc.stdout)
    except ValueError:
        why = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        answers = [{"how": "error", "why": why}] * len(wanted)
    out = []
    for (module, name, calls), entry in zip(wanted, answers):
        if entry["how"] == "error":
            fallback = source_lookup(checkout, module, name, calls)
            if fallback["present"]:
                fallback["import_error"] = entry["why"]
            entry = fallback
        out.append(((module, name), entry))
    return out


def main(argv):
    if len(argv) >= 2 and argv[0] == "--worker":
        worker(os.path.abspath(argv[1]), json.load(sys.stdin))
        return 0
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    imports = OrderedDict(sorted(addon_imports().items(),
                                 key=lambda item: (item[0][0], item[0][1] or "")))
    failed = False
    for arg in argv:
        label, _, path = arg.rpartition("=")
        path = os.path.abspath(path)
        label = label or os.path.basename(path)
        print("== %s (%s)" % (label, path))
        counts = {"present": 0, "missing": 0, "unfit": 0}
        for (module, name), entry in check_checkout(path, imports):
            full = module if name is None else "%s.%s" % (module, name)
            if not entry["present"]:
                state = "MISSING: %s" % entry["why"]
                counts["missing"] += 1
            elif entry.get("unfit"):
                state = "CALL DOES NOT FIT %s%s: the addon passes %s" % (
                    name, entry.get("signature") or "",
                    "; ".join("%d positional%s" % (n, " + " + ",".join(k) if k else "")
                              for n, k in entry["unfit"]))
                counts["unfit"] += 1
            else:
                state = "present (%s)" % entry["how"]
                if entry.get("signature"):
                    state += " %s%s" % (name, entry["signature"])
                counts["present"] += 1
            if entry.get("import_error"):
                state += " [import failed: %s]" % entry["import_error"][:120]
            users = ", ".join(use["where"] for use in imports[(module, name)])
            print("%s  %-68s  %s  <- %s" % (label, full, state, users))
        print("%s: %d names: %d present, %d missing, %d calls that do not fit"
              % (label, len(imports), counts["present"], counts["missing"], counts["unfit"]))
        failed = failed or counts["missing"] or counts["unfit"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
