# SPDX-License-Identifier: GPL-2.0-or-later
# Two commands for a newcomer: `make run` and `make check`. Both bootstrap on first use
# (system packages when root, a venv from /usr/bin/python3 with --system-site-packages).
VENV      ?= .venv
PY        := $(VENV)/bin/python
CLI       := $(VENV)/bin/ovirt-node-layout
DOMAIN    := org_ovirt_node
POT       := po/$(DOMAIN).pot
PY_SOURCES = $(shell find org_ovirt_node -name '*.py' | LC_ALL=C sort)
UI_SOURCES = $(shell find org_ovirt_node -name '*.glade' | LC_ALL=C sort)
# Anaconda's install paths (see README "Packaging").
DESTDIR   ?=
ADDONDIR  ?= /usr/share/anaconda/addons
DBUSDIR   ?= /usr/share/anaconda/dbus
# Everything else `make install` writes (docs/packaging.md); the spec passes its own macros.
PREFIX        ?= /usr
BINDIR        ?= $(PREFIX)/bin
DATADIR       ?= $(PREFIX)/share
MANDIR        ?= $(DATADIR)/man
LOCALEDIR     ?= $(DATADIR)/locale
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
# The JSON Schemas of `--format json` (docs/json.md), for pipelines that validate against the
# installed version.
SCHEMADIR     ?= $(DATADIR)/$(DOMAIN)/schemas
SCHEMAS        = $(wildcard data/schemas/*.json)
SYSCONFDIR    ?= /etc
# The interpreter that runs the generators (man page, completion: standard library only) and
# whose library folder gets the package. PYTHONDIR=$(ADDONDIR) installs the package into the
# addons folder itself (what updates.img does); otherwise the addons folder gets a symlink.
SYSPYTHON     ?= /usr/bin/python3
PYTHONDIR     ?= $(shell $(SYSPYTHON) -c 'import sysconfig; print(sysconfig.get_path("purelib", "posix_prefix", {"base": "$(PREFIX)", "platbase": "$(PREFIX)"}))')
# DROPIN=1: also install the Anaconda drop-in (a packager's choice: it makes this addon mandatory).
DROPIN        ?= 0
DROPIN_CONF   := 90-$(DOMAIN).conf
VERSION   := $(shell sed -n 's/^__version__ = "\(.*\)"$$/\1/p' org_ovirt_node/__init__.py)
BUILD     := build
DISTNAME  := $(DOMAIN)-$(VERSION)
TARBALL   := $(BUILD)/$(DISTNAME).tar.gz
SPEC      := $(DOMAIN).spec
# Translations: po/LINGUAS lists the languages (Weblate's layout: po/<lang>.po beside the POT).
LINGUAS    = $(shell sed 's/\#.*//' po/LINGUAS)
MO_FILES   = $(foreach l,$(LINGUAS),$(BUILD)/locale/$(l)/LC_MESSAGES/$(DOMAIN).mo)
MAN_PAGE  := $(BUILD)/man/ovirt-node-layout.1
COMPLETION := $(BUILD)/completion/ovirt-node-layout
# rpmbuild: its own tree under build/. On a host whose RPM database does not even know rpm
# (Debian), BuildRequires cannot be checked (--nodeps) and Debian's brp-compress, a bash
# script, must not run under dash (it would leave the man page uncompressed). %check runs
# the unit tests; `make check` runs them itself, so `make rpm` builds --without check (no
# test BuildRequires either) unless RPM_CHECK=1, which runs them with the venv's interpreter.
RPMTOP    := $(abspath $(BUILD))/rpmbuild
FOREIGN_RPM := $(shell rpm -q rpm >/dev/null 2>&1 || echo 1)
RPM_CHECK ?= 0
RPMBUILD  = rpmbuild --define "_topdir $(RPMTOP)" \
	$(if $(FOREIGN_RPM),--nodeps --define "__brp_compress /bin/bash /usr/lib/rpm/brp-compress %{?_prefix}")
RPM_CHECK_FLAGS = $(if $(filter 1,$(RPM_CHECK)),--define "__python3 $(abspath $(PY))",--without check)
RPM_STAMP := $(RPMTOP)/.built-$(VERSION)
UPDATES_IMG := $(BUILD)/updates.img

.PHONY: all bootstrap run check test unit lint compat potfile potcheck bench e2e install clean \
	uninstall mo msgcheck po-update man completion dist rpm rpmlint updates-img spdx fuzz \
	anaconda-compat docs
all: check

bootstrap:
	@scripts/bootstrap.sh

run: bootstrap
	$(CLI) profile show
	$(CLI) plan

check: bootstrap lint compat potcheck msgcheck rpm rpmlint test

test: bootstrap mo
	$(PY) -m pytest -q

# The inner loop: every test but the qemu guest (e2e), package builds and Ansible's (setup.cfg
# markers), on every core when pytest-xdist is there (bootstrap installs it); `make check`
# still runs everything, in one process.
XDIST = $(shell $(PY) -c 'import xdist' >/dev/null 2>&1 && echo "-n auto")
unit: bootstrap mo
	ONN_PROPERTY_EXAMPLES=$(or $(ONN_PROPERTY_EXAMPLES),40) \
		$(PY) -m pytest -q $(XDIST) -m "not e2e and not packaging and not ansible"

lint: bootstrap
	$(VENV)/bin/ruff check org_ovirt_node tests bench scripts

compat: bootstrap
	$(VENV)/bin/vermin -q --no-tips --violations --eval-annotations -t=3.9- org_ovirt_node tests bench scripts

e2e: bootstrap
	$(PY) -m pytest -q -m e2e tests

bench: bootstrap
	$(PY) bench/run.py

# Every fuzz kind of tests/fuzz at its DEFAULT_COUNT, two kinds at a time (docs/fuzz.md);
# FUZZ_ARGS adds options, e.g. FUZZ_ARGS="--kind argv --count 5000". Not part of `make check`,
# which runs each kind's deterministic slice (tests/test_fuzz_slice.py).
fuzz: bootstrap
	PYTHONPATH=tests $(PY) -m fuzz --jobs 2 $(FUZZ_ARGS)

# The addon against the REAL Anaconda of a checkout (docs/anaconda-compat.md): every pyanaconda
# name and call it uses, the service tests, the text spoke in the real TUI classes and the
# graphical spoke in real GTK under Xvfb (AnacondaWidgets built from the checkout into build/,
# screenshots in build/anaconda-compat/<branch>/screenshots):
# `make anaconda-compat ANACONDA_SRC=<checkout> [ANACONDA_BRANCH=rhel-9]`. Without
# ANACONDA_SRC it says so and does nothing. Not part of `make check`.
anaconda-compat: bootstrap
	ANACONDA_SRC="$(ANACONDA_SRC)" ANACONDA_BRANCH="$(ANACONDA_BRANCH)" PY="$(PY)" \
		scripts/anaconda-compat.sh $(ANACONDA_COMPAT_ARGS)

# The POT is generated from the sources; `make check` fails when it is stale.
potfile:
	@scripts/potfile.sh $(POT)

potcheck:
	@scripts/potfile.sh --check $(POT)

# After `make potfile`: merge the new messages into every po/<lang>.po (what Weblate's msgmerge
# add-on does); new and changed messages come out untranslated or fuzzy for the translators.
po-update:
	@for po in po/*.po; do msgmerge --quiet --update --backup=none --previous $$po $(POT) && \
		echo "po-update: $$po: $$(msgfmt --statistics -o /dev/null $$po 2>&1)"; done

# Compiled translations, in the build tree (org_ovirt_node/i18n.py finds them there too).
mo: $(MO_FILES)

$(BUILD)/locale/%/LC_MESSAGES/$(DOMAIN).mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# Every .po compiles with --check (format strings, headers), and po/LINGUAS matches po/*.po.
msgcheck:
	@scripts/msgcheck.sh

# Always regenerated (it is quick): it names PYTHONDIR, which may differ from the last run.
man: $(MAN_PAGE)
$(MAN_PAGE): FORCE
	$(SYSPYTHON) scripts/cli_docs.py man $@ $(PYTHONDIR)/$(DOMAIN)/profiles

# The command references in README.md ("Command-line summary") and docs/cli.md, regenerated
# from the argparse definitions; tests/test_cli_help.py fails when they are stale.
docs: bootstrap
	$(PY) scripts/cli_docs.py markdown README.md docs/cli.md

completion: $(COMPLETION)
$(COMPLETION): scripts/cli_docs.py data/completion/ovirt-node-layout.bash.in $(PY_SOURCES)
	$(SYSPYTHON) scripts/cli_docs.py bash data/completion/ovirt-node-layout.bash.in $@

# Everything the packages need, under DESTDIR: the package (with its profiles) in PYTHONDIR,
# the addons folder pointing at it, the D-Bus service and policy, the CLI launcher, the man
# page, the bash completion, the compiled translations, the JSON Schemas (and with DROPIN=1
# the drop-in).
install: mo man completion
	install -d $(DESTDIR)$(PYTHONDIR) $(DESTDIR)$(ADDONDIR) $(DESTDIR)$(DBUSDIR)/services \
		$(DESTDIR)$(DBUSDIR)/confs $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(SCHEMADIR)
	rm -rf $(DESTDIR)$(PYTHONDIR)/$(DOMAIN)
	cp -rL org_ovirt_node $(DESTDIR)$(PYTHONDIR)/
	find $(DESTDIR)$(PYTHONDIR)/$(DOMAIN) -name __pycache__ -prune -exec rm -rf {} +
	chmod -R u=rwX,go=rX $(DESTDIR)$(PYTHONDIR)/$(DOMAIN)
	if [ "$(abspath $(PYTHONDIR))" != "$(abspath $(ADDONDIR))" ]; then \
		rm -rf $(DESTDIR)$(ADDONDIR)/$(DOMAIN); \
		ln -s "$$(realpath -m --relative-to=$(ADDONDIR) $(PYTHONDIR))/$(DOMAIN)" \
			$(DESTDIR)$(ADDONDIR)/$(DOMAIN); \
	fi
	install -m 644 data/org.fedoraproject.Anaconda.Addons.OvirtNode.service $(DESTDIR)$(DBUSDIR)/services/
	install -m 644 data/org.fedoraproject.Anaconda.Addons.OvirtNode.conf $(DESTDIR)$(DBUSDIR)/confs/
	sed -e "s|@VERSION@|$(VERSION)|" \
	    -e "s|@PYTHONDIR_REL@|$$(realpath -m --relative-to=$(BINDIR) $(PYTHONDIR))|" \
	    -e "s|@ADDONDIR_REL@|$$(realpath -m --relative-to=$(BINDIR) $(ADDONDIR))|" \
	    scripts/ovirt-node-layout.in > $(DESTDIR)$(BINDIR)/ovirt-node-layout
	chmod 755 $(DESTDIR)$(BINDIR)/ovirt-node-layout
	install -m 644 $(MAN_PAGE) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(COMPLETION) $(DESTDIR)$(COMPLETIONDIR)/
	install -m 644 $(SCHEMAS) $(DESTDIR)$(SCHEMADIR)/
	for lang in $(LINGUAS); do \
		install -D -m 644 $(BUILD)/locale/$$lang/LC_MESSAGES/$(DOMAIN).mo \
			$(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES/$(DOMAIN).mo || exit 1; \
	done
	if [ "$(DROPIN)" = 1 ]; then \
		install -D -m 644 data/anaconda-conf.d/$(DROPIN_CONF) \
			$(DESTDIR)$(SYSCONFDIR)/anaconda/conf.d/$(DROPIN_CONF); \
	fi

# Removes what `make install` (with the same variables) wrote; the drop-in only with DROPIN=1
# (it may be a site's edited copy).
uninstall:
	rm -rf $(DESTDIR)$(PYTHONDIR)/$(DOMAIN)
	rm -rf $(DESTDIR)$(ADDONDIR)/$(DOMAIN)
	rm -f $(DESTDIR)$(DBUSDIR)/services/org.fedoraproject.Anaconda.Addons.OvirtNode.service
	rm -f $(DESTDIR)$(DBUSDIR)/confs/org.fedoraproject.Anaconda.Addons.OvirtNode.conf
	rm -f $(DESTDIR)$(BINDIR)/ovirt-node-layout
	rm -f $(DESTDIR)$(MANDIR)/man1/ovirt-node-layout.1
	rm -f $(DESTDIR)$(COMPLETIONDIR)/ovirt-node-layout
	rm -f $(addprefix $(DESTDIR)$(SCHEMADIR)/,$(notdir $(SCHEMAS)))
	rmdir $(DESTDIR)$(SCHEMADIR) $(DESTDIR)$(DATADIR)/$(DOMAIN) 2>/dev/null || true
	for lang in $(LINGUAS); do rm -f $(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES/$(DOMAIN).mo; done
	if [ "$(DROPIN)" = 1 ]; then rm -f $(DESTDIR)$(SYSCONFDIR)/anaconda/conf.d/$(DROPIN_CONF); fi

# The release tarball: every file git tracks (or would track: new, not ignored), under
# $(DISTNAME)/, reproducible (sorted, root-owned, mtime from SOURCE_DATE_EPOCH or the last commit).
# Always re-packed; the file changes only when its content does (scripts/dist.sh).
dist: $(TARBALL)
$(TARBALL): FORCE
	@scripts/dist.sh $@ $(DISTNAME)
FORCE:

# Source (with every BuildRequires, as a build system rebuilds it) and binary (noarch) RPMs
# under build/rpmbuild/{SRPMS,RPMS/noarch}.
rpm: $(RPM_STAMP)
$(RPM_STAMP): $(TARBALL) $(SPEC)
	rm -rf $(RPMTOP)/RPMS $(RPMTOP)/SRPMS
	install -D -m 644 $(TARBALL) $(RPMTOP)/SOURCES/$(notdir $(TARBALL))
	@echo "rpmbuild -bs, -bb $(SPEC) (log: $(RPMTOP)/build.log)"
	@{ $(RPMBUILD) -bs $(SPEC) && $(RPMBUILD) -bb $(RPM_CHECK_FLAGS) $(SPEC); } \
		> $(RPMTOP)/build.log 2>&1 || { tail -40 $(RPMTOP)/build.log; exit 1; }
	@grep '^Wrote:' $(RPMTOP)/build.log
	@touch $@

# No errors allowed (warnings are printed). packaging/rpmlint.toml gives rpmlint Fedora's
# policy where Debian's rpmlint has none (each setting says why).
rpmlint: rpm
	rpmlint -c packaging/rpmlint.toml $(SPEC) $(RPMTOP)/SRPMS/*.src.rpm $(RPMTOP)/RPMS/noarch/*.rpm

# updates.img for `inst.updates=`: the addon in Anaconda's addons folder, its D-Bus files,
# the CLI and translations (DROPIN=1: the drop-in too). docs/packaging.md shows its use.
updates-img: mo man completion
	scripts/updates-img.sh $(UPDATES_IMG) $(DROPIN)

# SPDX-License-Identifier headers for every source file lacking one.
spdx:
	scripts/spdx.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
