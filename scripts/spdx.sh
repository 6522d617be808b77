#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Add "# SPDX-License-Identifier: GPL-2.0-or-later" to every source file that lacks one:
# the Python files of org_ovirt_node/, tests/, bench/ and scripts/, the shell scripts and
# templates in scripts/ and data/completion/, .ci/run and the Makefile. The line goes
# first, or after a "#!" line and a coding line. With --check, only list the files lacking
# it (exit 1 if any). tests/test_packaging.py checks the same set.
#   scripts/spdx.sh [--check]
set -euo pipefail
cd "$(dirname "$0")/.."
LINE="# SPDX-License-Identifier: GPL-2.0-or-later"
check=0
[ "${1:-}" = "--check" ] && check=1

sources() {
    find org_ovirt_node tests bench scripts -name __pycache__ -prune -o -type f -name '*.py' -print
    find scripts data/completion -maxdepth 1 -type f \( -name '*.sh' -o -name '*.in' \) -print
    printf '%s\n' .ci/run Makefile
}

has_line() { head -n 5 "$1" | grep -q 'SPDX-License-Identifier:'; }

add_line() {
    # After line 1 if it is a shebang, and after a following (or first) coding line.
    awk -v line="$LINE" '
        !done && NR == 1 && /^#!/ { print; next }
        !done && NR <= 2 && /^#.*coding[:=]/ { print; next }
        !done { print line; done = 1 }
        { print }
        END { if (!done) print line }
    ' "$1" > "$1.spdx-tmp"
    chmod --reference="$1" "$1.spdx-tmp"
    mv "$1.spdx-tmp" "$1"
}

missing=0
while IFS= read -r f; do
    has_line "$f" && continue
    missing=$((missing + 1))
    if [ "$check" = 1 ]; then
        echo "spdx: $f has no SPDX-License-Identifier line"
    else
        add_line "$f"
        echo "spdx: added to $f"
    fi
done < <(sources | LC_ALL=C sort -u)
[ "$check" = 1 ] && [ "$missing" -gt 0 ] && exit 1
exit 0
