# SPDX-License-Identifier: GPL-2.0-or-later
"""Packaging and delivery (issue 14): licence and SPDX headers, the single-sourced version, the
translations (call-time lookup, German catalogue, POT header), the missing-PyYAML guard, and
what `make rpm`, `make install`, `make updates-img` build (tests marked ``packaging``; the
spec's %check leaves those out, since they build the very package being built).

The packaging tests drive the project's own make targets, on real tools: rpmbuild, rpm -qp,
rpmlint, cpio, bash. They write only under build/ and pytest's temporary folders.
"""
import configparser
import gzip
import os
import re
import shutil
import subprocess
import sys

import pytest
from pykickstart.errors import KickstartParseError

import org_ovirt_node
from org_ovirt_node import i18n
from org_ovirt_node.requirements import require_module, require_yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSION = org_ovirt_node.__version__
SPEC = os.path.join(ROOT, "org_ovirt_node.spec")
RPMTOP = os.path.join(ROOT, "build", "rpmbuild")
SITE = "/usr/lib/python3.[0-9]+/site-packages/org_ovirt_node"
ADDON_DIR = "/usr/share/anaconda/addons/org_ovirt_node"
BUS_NAME = "org.fedoraproject.Anaconda.Addons.OvirtNode"
DBUS_SERVICE = "/usr/share/anaconda/dbus/services/%s.service" % BUS_NAME
DBUS_CONF = "/usr/share/anaconda/dbus/confs/%s.conf" % BUS_NAME
DROPIN = "/etc/anaconda/conf.d/90-org_ovirt_node.conf"
LANG_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", i18n.LOCALEDIR_ENV)


def make(*targets, **variables):
    """Run ``make`` in the checkout; returns its output, fails the test with it on error."""
    argv = ["make", "-s", "--no-print-directory"] + list(targets) + \
        ["%s=%s" % item for item in variables.items()]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, "%s failed:\n%s\n%s" % (" ".join(argv), proc.stdout,
                                                        proc.stderr)
    return proc.stdout


def english_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in LANG_VARS}
    env.update(extra)
    return env


def spec_field(name):
    with open(SPEC, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()
    raise AssertionError("no %s: in the spec" % name)


# --- licence, version ---------------------------------------------------------------------
def test_licence_is_gpl2_or_later_everywhere():
    with open(os.path.join(ROOT, "LICENSE"), encoding="utf-8") as handle:
        text = handle.read()
    assert "GNU GENERAL PUBLIC LICENSE" in text and "Version 2, June 1991" in text
    assert "51 Franklin Street" in text  # the address rpmlint accepts
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(ROOT, "setup.cfg"))
    assert cfg["metadata"]["license"] == "GPL-2.0-or-later"
    assert spec_field("License") == "GPL-2.0-or-later"


def test_version_has_one_source():
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(ROOT, "setup.cfg"))
    assert cfg["metadata"]["version"] == "attr: org_ovirt_node.__version__"
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)
    # The spec and the changelogs repeat it: they must agree.
    assert spec_field("Version") == VERSION
    with open(SPEC, encoding="utf-8") as handle:
        changelog = handle.read().split("%changelog", 1)[1]
    first = changelog.strip().splitlines()[0]
    assert first.startswith("* ") and first.endswith("- %s-1" % VERSION), first
    with open(os.path.join(ROOT, "CHANGELOG.md"), encoding="utf-8") as handle:
        text = handle.read()
    released = re.findall(r"^## \[(\d[^\]]*)\]", text, re.M)
    assert released and released[0] == VERSION
    assert "## [Unreleased]" in text


def test_version_option_prints_the_package_version():
    proc = subprocess.run([sys.executable, "-m", "org_ovirt_node", "--version"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ovirt-node-layout %s" % VERSION


# --- SPDX headers ---------------------------------------------------------------------------
SPDX = "# SPDX-License-Identifier: GPL-2.0-or-later"


def spdx_sources(root):
    """The files scripts/spdx.sh must have marked (the same set it walks)."""
    found = []
    for top in ("org_ovirt_node", "tests", "bench", "scripts"):
        for folder, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            found += [os.path.join(folder, f) for f in files if f.endswith(".py")]
    for top in ("scripts", os.path.join("data", "completion")):
        folder = os.path.join(root, top)
        found += [os.path.join(folder, f) for f in os.listdir(folder)
                  if f.endswith((".sh", ".in"))]
    found += [os.path.join(root, ".ci", "run"), os.path.join(root, "Makefile")]
    return sorted(set(found))


def lacking_spdx(root):
    lacking = []
    for path in spdx_sources(root):
        with open(path, encoding="utf-8") as handle:
            head = [handle.readline() for _ in range(5)]
        if not any(line.startswith("# SPDX-License-Identifier:") for line in head):
            lacking.append(os.path.relpath(path, root))
    return lacking


def test_every_source_file_has_an_spdx_header():
    """Passes once `scripts/spdx.sh` has run over the tree (the lead runs it when the other
    changes are in); lists the files still lacking the line."""
    assert lacking_spdx(ROOT) == []


def test_spdx_script_adds_the_line_after_shebang_and_coding(tmp_path):
    root = tmp_path / "tree"
    for sub in ("org_ovirt_node", "tests", "bench", "scripts", ".ci", "data/completion"):
        (root / sub).mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "scripts", "spdx.sh"), root / "scripts" / "spdx.sh")
    (root / "org_ovirt_node" / "mod.py").write_text('"""Doc."""\nX = 1\n')
    (root / "org_ovirt_node" / "empty.py").write_text("")
    (root / "tests" / "tool.py").write_text(
        "#!/usr/bin/python3\n# -*- coding: utf-8 -*-\nprint('ü')\n", encoding="utf-8")
    (root / "bench" / "done.py").write_text(SPDX + "\nY = 2\n")
    (root / "data" / "completion" / "x.bash.in").write_text("complete -F f x\n")
    (root / ".ci" / "run").write_text("#!/bin/sh\nmake check\n")
    (root / "Makefile").write_text("all:\n\ttrue\n")
    script = str(root / "scripts" / "spdx.sh")
    check = subprocess.run([script, "--check"], capture_output=True, text=True)
    assert check.returncode == 1 and "org_ovirt_node/mod.py" in check.stdout
    assert "bench/done.py" not in check.stdout
    subprocess.run([script], check=True, capture_output=True)
    assert subprocess.run([script, "--check"], capture_output=True).returncode == 0
    assert lacking_spdx(str(root)) == []
    assert (root / "tests" / "tool.py").read_text(encoding="utf-8").splitlines()[:3] == [
        "#!/usr/bin/python3", "# -*- coding: utf-8 -*-", SPDX]
    assert (root / "org_ovirt_node" / "mod.py").read_text() == SPDX + '\n"""Doc."""\nX = 1\n'
    assert (root / "bench" / "done.py").read_text().count("SPDX") == 1
    assert os.access(script, os.X_OK)
    subprocess.run([sys.executable, "-m", "py_compile", str(root / "tests" / "tool.py")],
                   check=True)


# --- translations ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compiled_catalogs():
    """build/locale/<lang>/LC_MESSAGES/org_ovirt_node.mo, as `make mo` compiles them."""
    make("mo")
    return os.path.join(ROOT, "build", "locale")


@pytest.fixture
def language(monkeypatch, compiled_catalogs):
    """Switch the language of this process, as Anaconda does after the addon is imported."""
    for name in LANG_VARS:
        monkeypatch.delenv(name, raising=False)

    def switch(lang):
        monkeypatch.setenv("LANG", lang)
    return switch


def test_translation_follows_the_language_at_call_time(language):
    from org_ovirt_node.installer import ui_model
    language("C")
    assert ui_model.evaluate("off").status == "Layout check is off"
    language("de_DE.UTF-8")  # after import, like Anaconda's language spoke
    assert ui_model.evaluate("off").status == "Layout-Prüfung ist ausgeschaltet"
    language("en_US.UTF-8")
    assert ui_model.evaluate("off").status == "Layout check is off"


def test_spoke_status_and_plurals_in_german(language):
    from org_ovirt_node.installer import ui_model
    language("de_DE.UTF-8")
    error = {"code": "ONN002", "severity": "error", "mount-point": "/var",
             "message": "m", "hint": "h"}
    one = ui_model.evaluate("enforce", [error], profile="ovirt-node")
    two = ui_model.evaluate("enforce", [error, dict(error, code="ONN001")], "ovirt-node")
    assert one.status == "1 Layout-Fehler blockiert die Installation"
    assert two.status == "2 Layout-Fehler blockieren die Installation"
    assert two.lines[1] == "Fehler ONN002 /var: m"
    assert ui_model.not_ready_status() == "Warten auf die Speicherkonfiguration …"


def test_language_variable_precedence_is_gettexts(language, monkeypatch):
    from org_ovirt_node.i18n import _
    language("de_DE.UTF-8")
    monkeypatch.setenv("LANGUAGE", "fr:de")  # no French catalogue: the next one
    assert _("Layout check is off") == "Layout-Prüfung ist ausgeschaltet"
    monkeypatch.setenv("LC_ALL", "C")  # LANGUAGE still wins, as in gettext
    assert _("Layout check is off") == "Layout-Prüfung ist ausgeschaltet"
    monkeypatch.setenv("LANGUAGE", "xx")
    assert _("Layout check is off") == "Layout check is off"


def test_cli_output_is_translated_under_lang(compiled_catalogs):
    env = english_env(LANG="de_DE.UTF-8")
    proc = subprocess.run([sys.executable, "-m", "org_ovirt_node", "profile", "show"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    header = [line.split() for line in proc.stdout.splitlines()
              if line.split()[:1] in (["MOUNT"], ["EINHÄNGEPUNKT"])]
    assert header == [["EINHÄNGEPUNKT", "PFLICHT", "ART", "MINDESTENS", "EMPFOHLEN", "STANDARD",
                       "FS", "OPTIONEN"]]
    assert "darf kein eigener Einhängepunkt sein" in proc.stdout


def test_german_catalogue_is_complete_and_checked():
    pot = os.path.join(ROOT, "po", "org_ovirt_node.pot")
    de = os.path.join(ROOT, "po", "de.po")
    stats = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, de],
                           capture_output=True, text=True)
    assert stats.returncode == 0, stats.stderr
    assert "fuzzy" not in stats.stderr and "untranslated" not in stats.stderr, stats.stderr
    # Every message of the POT has its translation (msgcmp fails on a missing one).
    cmp = subprocess.run(["msgcmp", "--use-untranslated", de, pot], capture_output=True,
                         text=True)
    assert cmp.returncode == 0, cmp.stderr[-2000:]
    with open(os.path.join(ROOT, "po", "LINGUAS"), encoding="utf-8") as handle:
        linguas = [w for line in handle for w in line.split("#")[0].split()]
    assert linguas == ["de"]


def test_msgcheck_rejects_a_broken_catalogue_and_a_linguas_mismatch(tmp_path):
    root = tmp_path / "tree"
    (root / "scripts").mkdir(parents=True)
    (root / "po").mkdir()
    shutil.copy(os.path.join(ROOT, "scripts", "msgcheck.sh"), root / "scripts")
    shutil.copy(os.path.join(ROOT, "po", "de.po"), root / "po" / "de.po")
    script = str(root / "scripts" / "msgcheck.sh")
    (root / "po" / "LINGUAS").write_text("de\n")
    ok = subprocess.run([script], capture_output=True, text=True)
    assert ok.returncode == 0 and "translated messages" in ok.stdout, ok.stderr
    (root / "po" / "LINGUAS").write_text("de cs\n")
    missing = subprocess.run([script], capture_output=True, text=True)
    assert missing.returncode == 1 and "po/cs.po does not exist" in missing.stderr
    (root / "po" / "LINGUAS").write_text("de\n")
    with open(root / "po" / "de.po", "a", encoding="utf-8") as handle:
        handle.write('\n#, python-format\nmsgid "%(count)d disks"\nmsgstr "%(anzahl)d Platten"\n')
    broken = subprocess.run([script], capture_output=True, text=True)
    assert broken.returncode == 1 and "does not compile" in broken.stderr


def test_pot_header_names_project_version_bugs_and_charset(tmp_path):
    out = tmp_path / "fresh.pot"
    subprocess.run([os.path.join(ROOT, "scripts", "potfile.sh"), str(out)], cwd=ROOT,
                   check=True, capture_output=True)
    for path in (str(out), os.path.join(ROOT, "po", "org_ovirt_node.pot")):
        with open(path, encoding="utf-8") as handle:
            header = handle.read().split("\n\n", 1)[0]
        assert '"Project-Id-Version: org_ovirt_node %s\\n"' % VERSION in header, path
        assert '"Report-Msgid-Bugs-To: https://github.com/oVirt/org_ovirt_node/issues\\n"' \
            in header, path
        assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header, path
        assert "PACKAGE" not in header and "SOME DESCRIPTIVE TITLE" not in header, path


# --- PyYAML missing in the installer ------------------------------------------------------
def test_require_yaml_names_module_and_package(monkeypatch):
    assert require_yaml(KickstartParseError).safe_load("a: 1") == {"a": 1}
    monkeypatch.setitem(sys.modules, "yaml", None)  # "import yaml" now raises ImportError
    with pytest.raises(KickstartParseError) as info:
        require_yaml(KickstartParseError, lineno=7)
    assert info.value.lineno == 7
    message = str(info.value)
    assert "'yaml'" in message and "python3-pyyaml" in message
    with pytest.raises(RuntimeError, match="'no_such_module_xyz'"):
        require_module("no_such_module_xyz", RuntimeError)


def _kickstart_without_yaml(monkeypatch):
    """Read and resolve a kickstart's %addon section as the addon service does, in an
    interpreter where PyYAML cannot be imported (and nothing imported it yet)."""
    from pykickstart.parser import KickstartParser
    from pykickstart.version import RHEL9, makeVersion

    from org_ovirt_node.kickstart.addon import OvirtNodeData, OvirtNodeSection
    monkeypatch.setitem(sys.modules, "yaml", None)
    for name in [m for m in sys.modules if m == "org_ovirt_node.profile"]:
        monkeypatch.delitem(sys.modules, name)
    handler = makeVersion(RHEL9)
    parser = KickstartParser(handler)
    data = OvirtNodeData()
    parser.registerSection(OvirtNodeSection(handler, data=data))
    parser.readKickstartFromString("text\n%addon org_ovirt_node --mode=enforce\n%end\n")
    data.resolve_profile()


def test_missing_yaml_is_a_kickstart_error_never_silent(monkeypatch):
    with pytest.raises(KickstartParseError) as info:
        _kickstart_without_yaml(monkeypatch)
    assert "yaml" in str(info.value)


def _guard_wired():
    path = os.path.join(ROOT, "org_ovirt_node", "kickstart", "addon.py")
    with open(path, encoding="utf-8") as handle:
        return "require_yaml" in handle.read()


@pytest.mark.skipif(not _guard_wired(), reason="require_yaml() is not called by "
                    "org_ovirt_node/kickstart/addon.py yet")
def test_missing_yaml_error_names_the_package_at_the_header_line(monkeypatch):
    with pytest.raises(KickstartParseError) as info:
        _kickstart_without_yaml(monkeypatch)
    assert "python3-pyyaml" in str(info.value)
    assert info.value.lineno == 2


# --- make rpm ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rpms():
    """``{package name: path}`` of the RPMs `make rpm` builds (incremental: a no-op when
    nothing changed since `make check` built them)."""
    make("rpm")
    found = {}
    for folder in ("SRPMS", os.path.join("RPMS", "noarch")):
        for name in os.listdir(os.path.join(RPMTOP, folder)):
            path = os.path.join(RPMTOP, folder, name)
            query = ["rpm", "-qp", "--qf", "%{NAME}|%{ARCH}", path]
            pkg, arch = subprocess.run(query, capture_output=True, text=True,
                                       check=True).stdout.split("|")
            if name.endswith(".src.rpm"):
                found[pkg + ".src"] = path
            else:
                assert arch == "noarch", name
                found[pkg] = path
    return found


def rpm_query(path, *options):
    return subprocess.run(["rpm", "-qp"] + list(options) + [path], capture_output=True,
                          text=True, check=True).stdout.splitlines()


def files_of(path):
    return [f for f in rpm_query(path, "-l") if "__pycache__" not in f]


@pytest.mark.packaging
def test_rpm_builds_the_source_and_three_noarch_packages(rpms):
    assert sorted(rpms) == ["org_ovirt_node.src", "ovirt-node-anaconda-addon",
                            "ovirt-node-anaconda-addon-dropin", "ovirt-node-layout"]
    assert sorted(rpm_query(rpms["org_ovirt_node.src"], "-l")) == [
        "org_ovirt_node-%s.tar.gz" % VERSION, "org_ovirt_node.spec"]
    # The source package keeps what %check needs, although `make rpm` skips it.
    assert {"python3-pytest", "python3-blivet", "python3-pyyaml", "dbus-daemon", "gettext",
            "make"} <= set(rpm_query(rpms["org_ovirt_node.src"], "--requires"))


@pytest.mark.packaging
def test_addon_package_files_and_requirements(rpms):
    path = rpms["ovirt-node-anaconda-addon"]
    files = files_of(path)
    assert {ADDON_DIR, DBUS_SERVICE, DBUS_CONF} <= set(files)
    assert not any(f.startswith(ADDON_DIR + "/") for f in files)  # one link, not a copy
    links = dict(line.split(" -> ") for line in rpm_query(
        path, "--qf", "[%{FILENAMES} -> %{FILELINKTOS}\n]") if not line.endswith(" -> "))
    target = os.path.normpath(os.path.join(os.path.dirname(ADDON_DIR), links[ADDON_DIR]))
    assert re.fullmatch(SITE, target), target  # ...into the CLI package's copy
    assert any(re.fullmatch(SITE, f) for f in files_of(rpms["ovirt-node-layout"]))
    requires = set(rpm_query(path, "--requires"))
    assert {"anaconda-core >= 34.25", "python3-blivet", "python3-pykickstart",
            "python3-dasbus", "python3-pyyaml",
            "ovirt-node-layout = %s-1" % VERSION} <= requires
    assert "/usr/share/licenses/ovirt-node-anaconda-addon-%s/LICENSE" % VERSION in files


@pytest.mark.packaging
def test_cli_package_files_and_no_anaconda(rpms):
    path = rpms["ovirt-node-layout"]
    files = set(files_of(path))
    site = {re.sub(SITE, "SITE", f) for f in files if re.match(SITE, f)}
    assert {"SITE/__init__.py", "SITE/cli/__init__.py", "SITE/service/__main__.py",
            "SITE/gui/spokes/ovirt_node.glade", "SITE/tui/spokes/ovirt_node.py",
            "SITE/i18n.py", "SITE/requirements.py",
            "SITE/profiles/ovirt-node.yaml", "SITE/profiles/ovirt-node-minimal.yaml",
            "SITE/profiles/ovirt-node-strict.yaml", "SITE/kickstart/fixer.py",
            "SITE/planning/planner.py", "SITE/installer/repair.py"} <= site
    assert {"/usr/bin/ovirt-node-layout",
            "/usr/share/org_ovirt_node/schemas/output-v1.json",
            "/usr/share/man/man1/ovirt-node-layout.1.gz",
            "/usr/share/bash-completion/completions/ovirt-node-layout",
            "/usr/share/locale/de/LC_MESSAGES/org_ovirt_node.mo",
            "/usr/share/licenses/ovirt-node-layout-%s/LICENSE" % VERSION} <= files
    # %find_lang marks the catalogue with its language.
    langs = dict(line.split(" ", 1) for line in rpm_query(
        path, "--qf", "[%{FILENAMES} %{FILELANGS}\n]"))
    assert langs["/usr/share/locale/de/LC_MESSAGES/org_ovirt_node.mo"] == "de"
    requires = rpm_query(path, "--requires")
    assert not any(r.startswith("anaconda") for r in requires), requires
    assert {"python3-pyyaml", "python3-pykickstart", "python3-blivet"} <= set(requires)


@pytest.mark.packaging
def test_dropin_package_is_a_config_file_of_its_own(rpms):
    path = rpms["ovirt-node-anaconda-addon-dropin"]
    assert rpm_query(path, "-c") == [DROPIN]
    assert "ovirt-node-anaconda-addon = %s-1" % VERSION in rpm_query(path, "--requires")
    for other in ("ovirt-node-anaconda-addon", "ovirt-node-layout"):
        assert DROPIN not in files_of(rpms[other])


@pytest.mark.packaging
def test_rpmlint_reports_no_errors(rpms):
    argv = ["rpmlint", "-c", os.path.join(ROOT, "packaging", "rpmlint.toml"), SPEC] + \
        sorted(rpms.values())
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    summary = proc.stdout.strip().splitlines()[-1]
    assert proc.returncode == 0 and " 0 errors" in summary, proc.stdout + proc.stderr
    assert "4 packages and 1 specfiles checked" in summary


@pytest.mark.packaging
def test_dist_tarball_holds_the_sources(rpms):
    tarball = os.path.join(ROOT, "build", "org_ovirt_node-%s.tar.gz" % VERSION)
    listing = subprocess.run(["tar", "-tvzf", tarball], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    names = {line.split()[5] for line in listing}
    prefix = "org_ovirt_node-%s/" % VERSION
    for name in ("LICENSE", "org_ovirt_node.spec", "Makefile", "po/de.po", "po/LINGUAS",
                 "org_ovirt_node/__init__.py", "scripts/cli_docs.py", "tests/test_packaging.py"):
        assert prefix + name in names
    assert not any("/build/" in n or "__pycache__" in n or "/.git/" in n for n in names)
    link = [line for line in listing if line.split()[5] == prefix + "org_ovirt_node/profiles"]
    assert link and link[0].startswith("l") and " 0/0 " in link[0]


def test_dist_tarball_is_reproducible(tmp_path):
    """scripts/dist.sh on a tree without git: caches, build output and editors' files are
    left out; the same sources give the same bytes, and the file is then left alone."""
    root = tmp_path / "src"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "scripts", "dist.sh"), root / "scripts")
    (root / "pkg").mkdir()
    (root / "pkg" / "a.py").write_text("A = 1\n")
    (root / "pkg" / "a.py~").write_text("old\n")
    (root / "pkg" / "__pycache__").mkdir()
    (root / "pkg" / "__pycache__" / "a.pyc").write_bytes(b"x")
    (root / "build").mkdir()
    (root / "build" / "out").write_text("x")
    os.symlink("pkg", root / "link")
    out = str(tmp_path / "t.tar.gz")
    dist = [str(root / "scripts" / "dist.sh"), out, "t-1"]
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    subprocess.run(dist, check=True, capture_output=True, env=env)
    first = open(out, "rb").read()
    before = os.stat(out).st_mtime_ns
    os.utime(root / "pkg" / "a.py")  # touched, not changed
    again = subprocess.run(dist, check=True, capture_output=True, text=True, env=env)
    assert "is up to date" in again.stdout
    assert os.stat(out).st_mtime_ns == before and open(out, "rb").read() == first
    listing = subprocess.run(["tar", "-tvzf", out], capture_output=True, text=True,
                             check=True, env=dict(os.environ, TZ="UTC")).stdout.splitlines()
    assert [line.split()[5] for line in listing] == [
        "t-1/link", "t-1/pkg/a.py", "t-1/scripts/dist.sh"]
    assert all(" 0/0 " in line and "2023-11-14" in line for line in listing), listing
    (root / "pkg" / "a.py").write_text("A = 2\n")
    changed = subprocess.run(dist, check=True, capture_output=True, text=True, env=env)
    assert "wrote" in changed.stdout and open(out, "rb").read() != first


# --- make install ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A `make install DESTDIR=...` tree, with the Makefile's defaults."""
    dest = tmp_path_factory.mktemp("destdir")
    make("install", DESTDIR=str(dest))
    return dest


def tree(root):
    return sorted(os.path.relpath(os.path.join(folder, name), root)
                  for folder, dirs, files in os.walk(root) for name in files + dirs
                  if "__pycache__" not in folder and name != "__pycache__")


@pytest.mark.packaging
def test_install_tree(installed):
    files = tree(str(installed))
    site = [f for f in files if re.fullmatch(SITE.lstrip("/"), f)]
    assert len(site) == 1
    for name in ("usr/bin/ovirt-node-layout", "usr/share/man/man1/ovirt-node-layout.1",
                 "usr/share/bash-completion/completions/ovirt-node-layout",
                 "usr/share/locale/de/LC_MESSAGES/org_ovirt_node.mo",
                 "usr/share/org_ovirt_node/schemas/output-v1.json",
                 DBUS_SERVICE.lstrip("/"), DBUS_CONF.lstrip("/"),
                 site[0] + "/profiles/ovirt-node.yaml", site[0] + "/cli/__init__.py"):
        assert name in files
    link = installed / ADDON_DIR.lstrip("/")
    assert link.is_symlink() and not os.path.isabs(os.readlink(link))
    assert (link / "service" / "__main__.py").is_file()  # resolves inside the tree
    assert not (installed / DROPIN.lstrip("/")).exists()  # only with DROPIN=1
    assert os.stat(installed / "usr/bin/ovirt-node-layout").st_mode & 0o777 == 0o755


@pytest.mark.packaging
def test_installed_command_runs_its_own_tree(installed):
    launcher = str(installed / "usr/bin/ovirt-node-layout")
    # Through its shebang (/usr/bin/python3): --version needs only the parser.
    proc = subprocess.run([launcher, "--version"], capture_output=True, text=True,
                          env=english_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ovirt-node-layout %s" % VERSION
    # The tree's package, profiles and catalogue, not the checkout's.
    proc = subprocess.run([sys.executable, launcher, "profile", "show"], capture_output=True,
                          text=True, env=english_env(LANG="de_DE.UTF-8"), timeout=60)
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith("ovirt-node (%s/" % installed), first
    assert "EINHÄNGEPUNKT" in proc.stdout
    # Where that tree's i18n looks for catalogues: its own share/locale, not build/.
    code = ("import runpy, sys\nsys.argv = [%r, '--version']\ntry:\n"
            "    runpy.run_path(sys.argv[0], run_name='__main__')\nexcept SystemExit:\n"
            "    pass\nfrom org_ovirt_node import i18n\nprint(i18n.__file__)\n"
            "print(i18n.localedirs())\n") % launcher
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=english_env(), cwd=str(installed)).stdout
    out = out.split("\n", 1)[1]  # after the --version line
    assert out.startswith(str(installed))
    assert "%s/usr/share/locale" % installed in out
    assert os.path.join(ROOT, "build") not in out


@pytest.mark.packaging
def test_man_page_covers_every_command_and_option(installed):
    from org_ovirt_node.cli import build_parser
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    try:
        import cli_docs
    finally:
        sys.path.remove(os.path.join(ROOT, "scripts"))
    page = (installed / "usr/share/man/man1/ovirt-node-layout.1").read_text()
    assert page.startswith(".\\\"") and '.TH OVIRT\\-NODE\\-LAYOUT 1' in page
    assert "org_ovirt_node %s" % VERSION in page
    for path, sub, _text in cli_docs.command_paths(build_parser())[1:]:
        if cli_docs.subcommands(sub):
            continue
        assert '.SS "%s"' % cli_docs.roff(" ".join(path)) in page
        for option in cli_docs.options(sub):
            for name in option.option_strings:
                assert "\\fB%s\\fR" % cli_docs.roff(name) in page, (path, name)
    assert re.search(r"\.SH EXIT STATUS\n\.TP\n0\n", page)
    assert "output format (default: text)" in page
    if shutil.which("man"):
        proc = subprocess.run(["man", "--warnings", "-l", "-"], input=page, text=True,
                              capture_output=True, env=english_env(MANWIDTH="80"))
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
        assert "ovirt-node-layout - check and plan the storage layout oVirt Node needs" \
            in proc.stdout


def test_man_page_is_english_under_any_locale(tmp_path, compiled_catalogs):
    out = tmp_path / "page.1"
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "cli_docs.py"), "man",
                    str(out)], check=True, env=english_env(LANGUAGE="de", LANG="de_DE.UTF-8"))
    page = out.read_text()
    assert "output format (default: text)" in page and "Ausgabeformat" not in page


def complete(script, *words, cwd=None):
    """What bash completion offers for *words* (the last one is being typed)."""
    program = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
               '_ovirt_node_layout; printf "%s\\n" "${COMPREPLY[@]}"')
    proc = subprocess.run(["bash", "-c", program, "complete", script, "ovirt-node-layout"]
                          + list(words), capture_output=True, text=True, cwd=cwd, check=True)
    return [w for w in proc.stdout.splitlines() if w]


@pytest.mark.packaging
def test_bash_completion_follows_the_parser(installed, tmp_path):
    script = str(installed / "usr/share/bash-completion/completions/ovirt-node-layout")
    assert complete(script, "") == ["profile", "plan", "check", "apply", "verify", "fleet-report"]
    assert complete(script, "pr") == ["profile"]
    assert complete(script, "profile", "") == ["list", "show", "validate", "export-anaconda"]
    assert complete(script, "plan", "--firmware", "") == ["bios", "uefi"]
    assert complete(script, "plan", "--format=k") == ["kickstart"]
    assert complete(script, "--version", "plan", "--profile", "ovirt-node", "--fi") \
        == ["--firmware"]
    assert complete(script, "profile", "show", "ovirt-node-m") == ["ovirt-node-minimal"]
    assert set(complete(script, "verify", "--")) >= {"--root", "--profile", "--strict",
                                                     "--format"}
    (tmp_path / "site.ks").write_text("text\n")
    (tmp_path / "sub").mkdir()
    assert complete(script, "check", "si", cwd=str(tmp_path)) == ["site.ks"]
    assert complete(script, "verify", "--root", "s", cwd=str(tmp_path)) == ["sub"]
    check = subprocess.run(["bash", "-n", script], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.packaging
def test_dropin_install_and_uninstall_leave_nothing(tmp_path):
    make("install", DESTDIR=str(tmp_path), DROPIN="1")
    assert (tmp_path / DROPIN.lstrip("/")).is_file()
    make("uninstall", DESTDIR=str(tmp_path), DROPIN="1")
    left = [f for f in tree(str(tmp_path)) if not os.path.isdir(tmp_path / f)]
    assert left == []


# --- make updates-img --------------------------------------------------------------------------
def unpack(image, dest):
    with open(image, "rb") as handle:
        raw = handle.read()
    assert raw[:2] == b"\x1f\x8b"  # gzip
    archive = gzip.decompress(raw)
    assert archive[:6] == b"070701"  # cpio "newc"
    dest.mkdir()
    subprocess.run(["cpio", "-idm", "--quiet", "--no-absolute-filenames"], input=archive,
                   cwd=str(dest), check=True)
    listing = subprocess.run(["cpio", "-itv", "--quiet"], input=archive, capture_output=True,
                             check=True).stdout.decode().splitlines()
    return listing


@pytest.mark.packaging
def test_updates_img_holds_the_addon_where_anaconda_looks(tmp_path):
    make("updates-img", DROPIN="1")
    image = os.path.join(ROOT, "build", "updates.img")
    listing = unpack(image, tmp_path / "root")
    root = tmp_path / "root"
    addon = root / ADDON_DIR.lstrip("/")
    assert addon.is_dir() and not addon.is_symlink()
    for name in ("__init__.py", "service/__main__.py", "kickstart/addon.py", "requirements.py",
                 "gui/spokes/ovirt_node.py", "gui/spokes/ovirt_node.glade",
                 "tui/spokes/ovirt_node.py", "profiles/ovirt-node.yaml"):
        assert (addon / name).is_file(), name
    for name in (DBUS_SERVICE, DBUS_CONF, DROPIN, "/usr/bin/ovirt-node-layout",
                 "/usr/share/locale/de/LC_MESSAGES/org_ovirt_node.mo"):
        assert (root / name.lstrip("/")).is_file(), name
    names = tree(str(root))
    assert not any("site-packages" in n or "__pycache__" in n or n.startswith("usr/share/man")
                   for n in names)
    assert all(re.search(r" root +root ", line) for line in listing), listing[:3]
    assert not any(line.split()[-1].startswith(("/", "..")) for line in listing)
    # The command inside the image finds the package in the addons folder.
    proc = subprocess.run([sys.executable, str(root / "usr/bin/ovirt-node-layout"),
                           "profile", "list"], capture_output=True, text=True,
                          env=english_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["ovirt-node", "ovirt-node-minimal", "ovirt-node-strict"]


@pytest.mark.packaging
def test_updates_img_without_dropin_has_no_etc(tmp_path):
    make("updates-img")
    unpack(os.path.join(ROOT, "build", "updates.img"), tmp_path / "root")
    assert not (tmp_path / "root" / "etc").exists()
    assert (tmp_path / "root" / ADDON_DIR.lstrip("/") / "__init__.py").is_file()
