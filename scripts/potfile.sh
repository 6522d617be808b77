#!/usr/bin/env bash
# Regenerate the POT from the sources (gettext domain org_ovirt_node), or with --check fail
# when the committed POT differs from what the sources give (creation date ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
[ "${1:-}" = "--check" ] && { check=1; shift; }
pot=${1:-po/org_ovirt_node.pot}
command -v xgettext >/dev/null || { echo "potfile: xgettext missing (package gettext)" >&2; exit 2; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
mapfile -t py < <(find org_ovirt_node -name '*.py' | LC_ALL=C sort)
mapfile -t ui < <(find org_ovirt_node -name '*.glade' | LC_ALL=C sort)
xgettext --from-code=UTF-8 --package-name=org_ovirt_node --add-comments=TRANSLATORS: \
    --keyword=_ --keyword=N_ --keyword=P_:1,2 --sort-by-file -L Python -o "$tmp" "${py[@]}"
if [ "${#ui[@]}" -gt 0 ]; then
    xgettext --from-code=UTF-8 -j -L Glade --sort-by-file -o "$tmp" "${ui[@]}"
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
