#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Check the translations: po/LINGUAS names exactly the po/<lang>.po files (Weblate's layout),
# and every one compiles with `msgfmt --check` (headers, format strings, plural forms).
# Prints each catalogue's statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v msgfmt >/dev/null || { echo "msgcheck: msgfmt missing (package gettext)" >&2; exit 2; }
[ -f po/LINGUAS ] || { echo "msgcheck: po/LINGUAS is missing" >&2; exit 1; }
status=0
listed=$(sed 's/#.*//' po/LINGUAS | tr -s ' \t' '\n\n' | sed '/^$/d' | LC_ALL=C sort)
present=$(find po -maxdepth 1 -name '*.po' -printf '%f\n' | sed 's/\.po$//' | LC_ALL=C sort)
for lang in $(comm -23 <(echo "$listed") <(echo "$present")); do
    echo "msgcheck: po/LINGUAS lists '$lang' but po/$lang.po does not exist" >&2; status=1
done
for lang in $(comm -13 <(echo "$listed") <(echo "$present")); do
    echo "msgcheck: po/$lang.po is not listed in po/LINGUAS" >&2; status=1
done
for lang in $present; do
    if ! stats=$(msgfmt --check --statistics -o /dev/null "po/$lang.po" 2>&1); then
        echo "$stats" >&2
        echo "msgcheck: po/$lang.po does not compile with msgfmt --check" >&2; status=1
    else
        echo "msgcheck: po/$lang.po: $stats"
    fi
done
exit $status
