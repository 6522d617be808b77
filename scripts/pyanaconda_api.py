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
longer fits is reported; so is a method called on an imported object
(``hubQ.send_ready(name)``, ``thread_manager.wait(name)``) that the object lacks or whose
signature the call does not fit.

Branch differences the addon handles on purpose live in its compat module
(``org_ovirt_node/tui/compat.py``): names imported in ``try: ... except ImportError:``
are alternatives (fine if one of them is present), and a function the compat module calls in
several shapes (it picks one by signature) is fine if one shape fits.

Last, the Storage D-Bus methods the spokes call (``DBUS_MEMBERS``) are looked up in the
checkout's interface sources, with their argument count.

Prints one table per checkout and exits 1 if a name is missing or a call does not fit
(docs/anaconda-compat.md).
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
COMPAT = os.path.join("org_ovirt_node", "tui", "compat.py")


def _alternative_groups(tree):
    """``{id(ImportFrom node): group key}`` for imports in ``try``/``except ImportError``."""
    groups = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        handlers = [h for h in node.handlers if isinstance(h.type, ast.Name)
                    and h.type.id in ("ImportError", "ModuleNotFoundError")]
        if not handlers:
            continue
        for block in [node.body] + [h.body for h in handlers]:
            for stmt in block:
                if isinstance(stmt, ast.ImportFrom):
                    groups[id(stmt)] = "try@%d" % node.lineno
    return groups


def addon_imports():
    """``{(module, name): [uses]}``: *name* is None for ``import module``; each use is
    ``{"where": "file:line", "calls": [(positional count, [keywords])], "attr_calls":
    [(attribute, positional count, [keywords])], "alternative": key or None,
    "any_shape": bool}`` (``any_shape``: the compat module, where one fitting shape is
    enough)."""
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
            alternatives = _alternative_groups(tree)
            aliases = {}
            for node in ast.walk(tree):
                if (isinstance(node, ast.ImportFrom)
                        and (node.module or "").split(".")[0] == "pyanaconda"):
                    for alias in node.names:
                        group = alternatives.get(id(node))
                        use = {"where": "%s:%d" % (rel, node.lineno), "calls": [],
                               "attr_calls": [], "any_shape": rel == COMPAT,
                               "alternative": ("%s:%s:%s" % (rel, group,
                                                             alias.asname or alias.name)
                                               if group else None)}
                        found.setdefault((node.module, alias.name), []).append(use)
                        aliases.setdefault(alias.asname or alias.name, []).append(use)
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.name.split(".")[0] == "pyanaconda":
                            found.setdefault((alias.name, None), []).append(
                                {"where": "%s:%d" % (rel, node.lineno), "calls": [],
                                 "attr_calls": [], "any_shape": False, "alternative": None})
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred)
                                                         for a in node.args):
                    continue
                shape = (len(node.args), sorted(k.arg for k in node.keywords if k.arg))
                func = node.func
                if isinstance(func, ast.Name) and func.id in aliases:
                    for use in aliases[func.id]:
                        use["calls"].append(shape)
                elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                        and func.value.id in aliases):
                    for use in aliases[func.value.id]:
                        use["attr_calls"].append((func.attr,) + shape)
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


def _attribute_calls(obj, attr_calls):
    """``[text]`` for each ``obj.attr(...)`` call whose attribute is missing or whose
    signature the call does not fit."""
    bad = []
    for attr, count, keywords in attr_calls:
        member = getattr(obj, attr, None)
        if member is None:
            bad.append("%s has no %s" % (getattr(obj, "__name__", type(obj).__name__), attr))
            continue
        try:
            sig = inspect.signature(member)
        except (TypeError, ValueError):
            continue
        if _fits(sig, [(count, keywords)]):
            bad.append("%s%s: the addon passes %d positional%s"
                       % (attr, sig, count, " + " + ",".join(keywords) if keywords else ""))
    return sorted(set(bad))


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
    for module, name, calls, attr_calls in wanted:
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
                entry["attr_unfit"] = _attribute_calls(obj, attr_calls)
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
    wanted = [(m, n, [c for use in uses for c in use["calls"]],
               [c for use in uses for c in use["attr_calls"]])
              for (m, n), uses in imports.items()]
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", checkout],
                          input=json.dumps(wanted), capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    try:
        answers = json.loads(proc.stdout)
    except ValueError:
        why = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        answers = [{"how": "error", "why": why}] * len(wanted)
    out = []
    for (module, name, calls, _attr_calls), entry in zip(wanted, answers):
        if entry["how"] == "error":
            fallback = source_lookup(checkout, module, name, calls)
            if fallback["present"]:
                fallback["import_error"] = entry["why"]
            entry = fallback
        uses = imports[(module, name)]
        if entry.get("unfit") and all(use["any_shape"] for use in uses):
            # the compat module calls it in every shape it supports: one must fit
            if len(entry["unfit"]) < len(set(map(_shape_key, calls))):
                entry["shapes_unused"] = entry.pop("unfit")
        out.append(((module, name), entry))
    return out


def _shape_key(call):
    return (call[0], tuple(call[1]))


# The Storage D-Bus members the spokes call (org_ovirt_node/tui/layout.py and the pyanaconda
# helpers it uses): (interface source under pyanaconda/modules/storage, member, arguments).
DBUS_MEMBERS = (
    ("storage_interface.py", "CreatePartitioning", 1),
    ("storage_interface.py", "ApplyPartitioning", 1),
    ("storage_interface.py", "AppliedPartitioning", 0),
    ("storage_interface.py", "ResetPartitioning", 0),
    ("storage_interface.py", "ScanDevicesWithTask", 0),
    ("disk_selection/selection_interface.py", "SelectedDisks", 0),
    ("partitioning/base_interface.py", "GetDeviceTree", 0),
    ("partitioning/base_interface.py", "ConfigureWithTask", 0),
    ("partitioning/base_interface.py", "ValidateWithTask", 0),
    ("partitioning/interactive/scheduler_interface.py", "DestroyDevice", 1),
    ("partitioning/interactive/scheduler_interface.py", "AddDevice", 1),
    ("partitioning/interactive/scheduler_interface.py", "ChangeDevice", 2),
    ("partitioning/interactive/scheduler_interface.py", "GenerateDeviceFactoryRequest", 1),
    # the scheduler's device tree derives from DeviceTreeInterface (Viewer + Handler)
    ("devicetree/viewer_interface.py", "GetDevices", 0),
    ("devicetree/viewer_interface.py", "GetMountPoints", 0),
    ("devicetree/viewer_interface.py", "GetDeviceData", 1),
    ("devicetree/handler_interface.py", "SetDeviceMountOptions", 2),
)


def dbus_members(checkout):
    """``[(member, text or None)]``: None if *checkout* defines the member with that many
    arguments (a property getter: none), else what is wrong."""
    out = []
    for source, member, count in DBUS_MEMBERS:
        path = os.path.join(checkout, "pyanaconda", "modules", "storage", source)
        try:
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read(), path)
        except OSError:
            out.append((member, "no %s" % source))
            continue
        defs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == member]
        if not defs:
            out.append((member, "%s defines no %s" % (source, member)))
        elif not any(len(d.args.args) - 1 == count for d in defs):
            out.append((member, "%s takes %s arguments, the spokes pass %d" % (
                member, "/".join(str(len(d.args.args) - 1) for d in defs), count)))
        else:
            out.append((member, None))
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
        counts = {"present": 0, "missing": 0, "unfit": 0, "alternative": 0}
        results = check_checkout(path, imports)
        # an alternative (try/except ImportError) group is fine if one member is present
        present_groups = {use["alternative"] for key, entry in results if entry["present"]
                          for use in imports[key] if use["alternative"]}
        for (module, name), entry in results:
            full = module if name is None else "%s.%s" % (module, name)
            uses = imports[(module, name)]
            if not entry["present"] and uses and all(
                    use["alternative"] in present_groups for use in uses):
                state = "absent, an alternative is used (%s)" % entry["why"]
                counts["alternative"] += 1
            elif not entry["present"]:
                state = "MISSING: %s" % entry["why"]
                counts["missing"] += 1
            elif entry.get("unfit") or entry.get("attr_unfit"):
                parts = []
                if entry.get("unfit"):
                    parts.append("%s%s: the addon passes %s" % (
                        name, entry.get("signature") or "",
                        "; ".join("%d positional%s" % (n, " + " + ",".join(k) if k else "")
                                  for n, k in entry["unfit"])))
                parts += entry.get("attr_unfit") or []
                state = "CALL DOES NOT FIT " + "; ".join(parts)
                counts["unfit"] += 1
            else:
                state = "present (%s)" % entry["how"]
                if entry.get("signature"):
                    state += " %s%s" % (name, entry["signature"])
                if entry.get("shapes_unused"):
                    state += " [compat: the other shape(s) %s are for other branches]" % (
                        ", ".join("%d positional" % n for n, _k in entry["shapes_unused"]))
                counts["present"] += 1
            if entry.get("import_error"):
                state += " [import failed: %s]" % entry["import_error"][:120]
            users = ", ".join(use["where"] for use in uses)
            print("%s  %-68s  %s  <- %s" % (label, full, state, users))
        dbus_bad = 0
        for member, problem in dbus_members(path):
            print("%s  D-Bus Storage.%-54s  %s" % (label, member, problem and "MISSING: " + problem
                                                   or "present"))
            dbus_bad += problem is not None
        print("%s: %d names: %d present, %d absent with an alternative present, %d missing, "
              "%d calls that do not fit; %d Storage D-Bus members, %d missing"
              % (label, len(imports), counts["present"], counts["alternative"],
                 counts["missing"], counts["unfit"], len(DBUS_MEMBERS), dbus_bad))
        failed = failed or counts["missing"] or counts["unfit"] or dbus_bad
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
