#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The addon's service side against the REAL pyanaconda of an Anaconda checkout (issue 12,
# docs/anaconda-compat.md): the service tests with ANACONDA_SRC set, plus the list of every
# pyanaconda name the addon imports, present or missing in that checkout.
#
#   ANACONDA_SRC=/path/to/anaconda-checkout scripts/anaconda-compat.sh
#
# Nothing of Anaconda enters this repository: the checkout stays where it is. What the
# checkout needs that Debian 12 lacks is provided here, for this run only:
#   - requests-file, requests-ftp (PyPI; pyanaconda.core.util imports them): pip --target
#     into $WORK/deps, put on PYTHONPATH;
#   - the en_US.UTF-8 locale pyanaconda.modules.common.init() sets: localedef into
#     $WORK/locale, found through LOCPATH;
#   - python3-systemd (pyanaconda.anaconda_logging): a Debian package, installed when root.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${ANACONDA_SRC:-}" ]; then
    echo "anaconda-compat: skipped: set ANACONDA_SRC to a checkout of rhinstaller/anaconda" \
         "(rhel-9, rhel-10 or main; docs/anaconda-compat.md)."
    exit 0
fi
ANACONDA_SRC=$(cd "$ANACONDA_SRC" && pwd)
if [ ! -f "$ANACONDA_SRC/pyanaconda/__init__.py" ] || [ ! -f "$ANACONDA_SRC/data/anaconda.conf" ]; then
    echo "anaconda-compat: $ANACONDA_SRC: expected an Anaconda checkout" \
         "(pyanaconda/__init__.py and data/anaconda.conf)." >&2
    exit 2
fi
export ANACONDA_SRC
PY=${PY:-.venv/bin/python}
WORK=${ANACONDA_COMPAT_WORK:-build/anaconda-compat}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# The checkout's commit: its git metadata, or a file COMMIT/.commit written when it was
# exported (git archive), or the commit git archive records in the tarball's header.
commit=$(git -C "$ANACONDA_SRC" rev-parse HEAD 2>/dev/null \
         || cat "$ANACONDA_SRC/COMMIT" "$ANACONDA_SRC/.commit" 2>/dev/null \
         || echo unknown)
commit=$(echo "$commit" | head -n1)

# --- what Debian 12 lacks ---------------------------------------------------------------
if ! "$PY" -c "import systemd.journal" 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-systemd >/dev/null
    else
        echo "anaconda-compat: pyanaconda needs python3-systemd: apt-get install python3-systemd" >&2
        exit 2
    fi
fi
if ! PYTHONPATH="$WORK/deps" "$PY" -c "import requests_file, requests_ftp" 2>/dev/null; then
    "$PY" -m pip install -q --no-deps --target "$WORK/deps" requests-file requests-ftp
fi
if [ ! -d "$WORK/locale/en_US.UTF-8" ]; then
    mkdir -p "$WORK/locale"
    localedef -i en_US -f UTF-8 "$WORK/locale/en_US.UTF-8"
fi
export PYTHONPATH="$WORK/deps${PYTHONPATH:+:$PYTHONPATH}"
export LOCPATH="$WORK/locale"
export ANACONDA_CONFIG_TMP="$ANACONDA_SRC/data/anaconda.conf"

# --- the run ----------------------------------------------------------------------------
echo "anaconda-compat: $ANACONDA_SRC (commit $commit)"
# Proof that the real pyanaconda is the one imported, not the double.
PYTHONPATH="$ANACONDA_SRC:.:$PYTHONPATH" "$PY" -c '
import os, sys
import org_ovirt_node.service.service, org_ovirt_node.service.interface, org_ovirt_node.service.tasks
import pyanaconda
where = os.path.dirname(os.path.dirname(os.path.abspath(pyanaconda.__file__)))
print("anaconda-compat: pyanaconda from", where)
sys.exit(where != os.environ["ANACONDA_SRC"])'

status=0
"$PY" scripts/pyanaconda_api.py "$ANACONDA_SRC" || true   # the spokes' gaps are known (issue 12)
"$PY" -m pytest -q -rs -p no:cacheprovider "$@" \
    tests/test_service.py tests/test_service_dbus.py tests/test_dbus_tree.py \
    tests/test_kickstart_addon.py || status=$?
exit $status
