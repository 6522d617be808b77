#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The addon against the REAL Anaconda of a checkout (issue 12, docs/anaconda-compat.md):
#   1. every pyanaconda name and call the addon uses, checked in that checkout;
#   2. the service tests with ANACONDA_SRC set (the real KickstartService, tasks, ...);
#   3. the text spoke in the real TUI classes (tests/test_tui_spoke.py);
#   4. the graphical spoke in real GTK under Xvfb, in the real AnacondaWidgets SpokeWindow
#      built from the checkout's widgets/, with a screenshot per state
#      (tests/test_gui_spoke.py; PNGs under build/anaconda-compat/<branch>/screenshots).
#
#   ANACONDA_SRC=/path/to/anaconda-checkout [ANACONDA_BRANCH=rhel-9] scripts/anaconda-compat.sh
#
# Nothing of Anaconda enters this repository: the checkout stays where it is; everything
# built or fetched for a run lives under build/anaconda-compat/ (git-ignored, cached):
#   - requests-file, requests-ftp (PyPI; pyanaconda.core.util imports them) and langtable
#     (PyPI; pyanaconda.localization, imported by the UI): pip --target into $WORK/deps;
#   - a stand-in for python-meh (not packaged anywhere here; the UI modules only reference
#     three of its names at import time) in $WORK/stubs;
#   - the en_US.UTF-8 locale pyanaconda.modules.common.init() sets: localedef into
#     $WORK/locale, found through LOCPATH;
#   - Debian packages (python3-systemd for pyanaconda.anaconda_logging, python3-pwquality for
#     pyanaconda.input_checking; the GTK/autotools/
#     Xvfb set AnacondaWidgets needs): apt-get install when root, else a message;
#   - AnacondaWidgets, built once per branch and commit into $WORK/<branch>/widgets.
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
# The branch label: given, or the checkout's folder name without "anaconda-".
BRANCH=${ANACONDA_BRANCH:-$(basename "$ANACONDA_SRC")}
BRANCH=${BRANCH#anaconda-}
OUT="$WORK/$BRANCH"
mkdir -p "$OUT"

# The checkout's commit: its git metadata, or a file COMMIT/.commit written when it was
# exported (git archive), or "unknown".
commit=$(git -C "$ANACONDA_SRC" rev-parse HEAD 2>/dev/null \
         || cat "$ANACONDA_SRC/COMMIT" "$ANACONDA_SRC/.commit" 2>/dev/null \
         || echo unknown)
commit=$(echo "$commit" | head -n1)

# --- what Debian 12 lacks ---------------------------------------------------------------
DEBS="python3-systemd python3-pwquality libgtk-3-dev libgladeui-dev libxklavier-dev
      gobject-introspection libgirepository1.0-dev autoconf automake libtool gtk-doc-tools gettext
      autopoint xvfb xauth gir1.2-gtk-3.0 gir1.2-keybinder-3.0"
missing=""
for deb in $DEBS; do
    dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $deb"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "anaconda-compat: apt-get install$missing"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
            >"$WORK/apt.log" 2>&1 || { tail -20 "$WORK/apt.log" >&2; exit 2; }
    else
        echo "anaconda-compat: needs Debian packages: apt-get install$missing" >&2
        exit 2
    fi
fi
if ! PYTHONPATH="$WORK/deps" "$PY" -c "import requests_file, requests_ftp, langtable" 2>/dev/null
then
    "$PY" -m pip install -q --no-deps --target "$WORK/deps" requests-file requests-ftp langtable
fi
# python-meh (Anaconda's exception reporter, a project of its own, not on PyPI or Debian):
# pyanaconda.ui.gui and pyanaconda.ui.tui import it at module level and use it only when an
# exception dialog is shown. A stand-in with the three names they reference at import time.
mkdir -p "$WORK/stubs/meh/ui"
: > "$WORK/stubs/meh/__init__.py"
: > "$WORK/stubs/meh/ui/__init__.py"
cat > "$WORK/stubs/meh/ui/gui.py" <<'EOF_MEH'
"""Stand-in for python-meh (anaconda-compat)."""


class GraphicalIntf:
    pass
EOF_MEH
cat > "$WORK/stubs/meh/ui/text.py" <<'EOF_MEH'
"""Stand-in for python-meh (anaconda-compat)."""


class TextIntf:
    pass


class IOHandler:
    pass
EOF_MEH
if [ ! -d "$WORK/locale/en_US.UTF-8" ]; then
    mkdir -p "$WORK/locale"
    localedef -i en_US -f UTF-8 "$WORK/locale/en_US.UTF-8"
fi

# --- AnacondaWidgets from the checkout (cached per branch and commit) --------------------
WIDGETS="$OUT/widgets"
if [ "$(cat "$WIDGETS/.built" 2>/dev/null)" != "$commit" ]; then
    echo "anaconda-compat: building AnacondaWidgets of $BRANCH into $WIDGETS" \
         "(log: $OUT/widgets.log)"
    rm -rf "$OUT/widgets-src" "$WIDGETS"
    cp -r "$ANACONDA_SRC/widgets" "$OUT/widgets-src"
    # widgets/configure.ac uses ANACONDA_SOFT_FAILURE, defined in the top-level acinclude.m4
    cat "$ANACONDA_SRC/acinclude.m4" >> "$OUT/widgets-src/acinclude.m4"
    if ! (cd "$OUT/widgets-src" && ./autogen.sh && ./configure --prefix="$WIDGETS" \
            && make -j1 && make install) >"$OUT/widgets.log" 2>&1; then
        tail -30 "$OUT/widgets.log" >&2
        echo "anaconda-compat: AnacondaWidgets did not build (see $OUT/widgets.log)" >&2
        exit 2
    fi
    echo "$commit" > "$WIDGETS/.built"
fi
overrides=$(ls -d "$WIDGETS"/lib/python3*/site-packages 2>/dev/null | head -n1 || true)
export GI_TYPELIB_PATH="$WIDGETS/lib/girepository-1.0${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}"
export LD_LIBRARY_PATH="$WIDGETS/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONPATH="$WORK/deps:$WORK/stubs${overrides:+:$overrides}${PYTHONPATH:+:$PYTHONPATH}"
export LOCPATH="$WORK/locale"
export ANACONDA_CONFIG_TMP="$ANACONDA_SRC/data/anaconda.conf"
export ANACONDA_COMPAT_OUT="$OUT"       # the GUI test saves its screenshots here
if [ "${1:-}" = "--widgets-only" ]; then
    exit 0
fi

# --- the run ----------------------------------------------------------------------------
echo "anaconda-compat: $ANACONDA_SRC (branch $BRANCH, commit $commit)"
# Proof that the real pyanaconda is the one imported, not the double.
PYTHONPATH="$ANACONDA_SRC:.:$PYTHONPATH" "$PY" -c '
import os, sys
import org_ovirt_node.service.service, org_ovirt_node.service.interface, org_ovirt_node.service.tasks
import pyanaconda
where = os.path.dirname(os.path.dirname(os.path.abspath(pyanaconda.__file__)))
print("anaconda-compat: pyanaconda from", where)
sys.exit(where != os.environ["ANACONDA_SRC"])'

rm -rf "$OUT/screenshots"
mkdir -p "$OUT/screenshots"
status=0
"$PY" scripts/pyanaconda_api.py "$BRANCH=$ANACONDA_SRC" | tee "$OUT/api.txt" || status=1
"$PY" -m pytest -q -rs -p no:cacheprovider "$@" \
    tests/test_service.py tests/test_service_dbus.py tests/test_dbus_tree.py \
    tests/test_kickstart_addon.py 2>&1 | tee "$OUT/service-tests.txt" || status=1
# The spokes: the real simpleline/GTK classes; GTK needs a display (Xvfb).
xvfb-run -a -s "-screen 0 1280x900x24" "$PY" -m pytest -q -rs -p no:cacheprovider "$@" \
    tests/test_tui_spoke.py tests/test_gui_spoke.py 2>&1 | tee "$OUT/spoke-tests.txt" \
    || status=1
echo "anaconda-compat: $BRANCH $commit: $([ $status = 0 ] && echo passed || echo FAILED);" \
     "screenshots: $OUT/screenshots" | tee "$OUT/result.txt"
exit $status
