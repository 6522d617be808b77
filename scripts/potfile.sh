#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerate the POT from the sources (gettext domain org_ovirt_node), or with --check fail
# when the committed POT differs from what the sources give (creation date ignored).
# The header names the project, its version (org_ovirt_node/__init__.py), where to report
# bugs in the messages (setup.cfg's bug tracker) and the charset (UTF-8), as Weblate and
# msginit want it.
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
[ "${1:-}" = "--check" ] && { check=1; shift; }
pot=${1:-po/org_ovirt_node.pot}
command -v xgettext >/dev/null || { echo "potfile: xgettext missing (package gettext)" >&2; exit 2; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' org_ovirt_node/__init__.py)
bugs=$(sed -n 's/^ *Bug Tracker *= *//p' setup.cfg)
[ -n "$version" ] && [ -n "$bugs" ] || { echo "potfile: version or bug tracker not found" >&2; exit 2; }
mapfile -t py < <(find org_ovirt_node -name '*.py' | LC_ALL=C sort)
mapfile -t ui < <(find org_ovirt_node -name '*.glade' | LC_ALL=C sort)
# --add-location=file: file names without line numbers, so moving code does not stale the POT.
header=(--from-code=UTF-8 --add-location=file --package-name=org_ovirt_node --package-version="$version"
        --msgid-bugs-address="$bugs" --copyright-holder="the org_ovirt_node authors")
# xgettext leaves the title and the charset as placeholders.
fill_header() {
    sed -i -e '1s/^# SOME DESCRIPTIVE TITLE\.$/# Messages of org_ovirt_node, the oVirt Node storage layout addon and CLI./' \
        -e 's/^"Content-Type: text\/plain; charset=CHARSET\\n"$/"Content-Type: text\/plain; charset=UTF-8\\n"/' \
        "$tmp"
}
xgettext "${header[@]}" --add-comments=TRANSLATORS: \
    --keyword=_ --keyword=N_ --keyword=P_:1,2 --sort-by-file -L Python -o "$tmp" "${py[@]}"
fill_header
if [ "${#ui[@]}" -gt 0 ]; then
    xgettext "${header[@]}" -j -L Glade --sort-by-file -o "$tmp" "${ui[@]}"
    fill_header
fi
strip() { grep -v '^"POT-Creation-Date:' "$1"; }
if [ "$check" = 1 ]; then
    if [ ! -f "$pot" ] || ! diff -q <(strip "$tmp") <(strip "$pot") >/dev/null; then
        echo "potcheck: $pot is out of date; run 'make potfile' and commit it" >&2
        exit 1
    fi
    echo "potcheck: $pot is up to date"
else
    cp "$tmp" "$pot"
    echo "potfile: wrote $pot ($(grep -c '^msgid ' "$pot") messages)"
fi
