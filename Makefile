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

.PHONY: all bootstrap run check test lint compat potfile potcheck bench e2e install clean
all: check

bootstrap:
	@scripts/bootstrap.sh

run: bootstrap
	$(CLI) profile show
	$(CLI) plan

check: bootstrap lint compat potcheck test

test: bootstrap
	$(PY) -m pytest -q

lint: bootstrap
	$(VENV)/bin/ruff check org_ovirt_node tests bench

compat: bootstrap
	$(VENV)/bin/vermin -q --no-tips --violations --eval-annotations -t=3.9- org_ovirt_node tests bench

e2e: bootstrap
	$(PY) -m pytest -q -m e2e tests

bench: bootstrap
	$(PY) bench/run.py

# The POT is generated from the sources; `make check` fails when it is stale.
potfile:
	@scripts/potfile.sh $(POT)

potcheck:
	@scripts/potfile.sh --check $(POT)

install:
	install -d $(DESTDIR)$(ADDONDIR) $(DESTDIR)$(DBUSDIR)/services $(DESTDIR)$(DBUSDIR)/confs
	cp -rL org_ovirt_node $(DESTDIR)$(ADDONDIR)/
	find $(DESTDIR)$(ADDONDIR)/$(DOMAIN) -name __pycache__ -prune -exec rm -rf {} +
	install -m 644 data/org.fedoraproject.Anaconda.Addons.OvirtNode.service $(DESTDIR)$(DBUSDIR)/services/
	install -m 644 data/org.fedoraproject.Anaconda.Addons.OvirtNode.conf $(DESTDIR)$(DBUSDIR)/confs/

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
