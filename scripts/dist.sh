#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The release tarball, as `make dist` and the spec's Source0 want it:
#   scripts/dist.sh OUT.tar.gz NAME-VERSION   every distributed file under NAME-VERSION/
#   scripts/dist.sh --list                    the distributed files, one per line
# Distributed: what git tracks plus new files git would track (not ignored), that exist; a
# copy without git (an unpacked tarball) distributes its whole tree but build/ and caches.
# Editors' temporary files are left out. Reproducible: names sorted, owner root, mtime
# SOURCE_DATE_EPOCH (else the last commit); OUT is replaced only when its content changes,
# so `make rpm` rebuilds only then.
set -euo pipefail
cd "$(dirname "$0")/.."

list() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -z --cached --others --exclude-standard | tr '\0' '\n' |
            while IFS= read -r f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\n' "$f"; done
    else
        find . \( -name .git -o -name build -o -name .venv -o -name __pycache__ \
                  -o -name '.*_cache' -o -name .hypothesis -o -name '*.egg-info' \) -prune \
               -o \( -type f -o -type l \) -print | sed 's|^\./||'
    fi | grep -v -E '(^|/)(\.#[^/]*|[^/]*~|[^/]*\.sw[po]|[^/]*\.tmp)$' | LC_ALL=C sort -u
}

if [ "${1:-}" = "--list" ]; then
    list
    exit 0
fi
out=${1:?usage: dist.sh OUT.tar.gz NAME-VERSION | --list}
name=${2:?usage: dist.sh OUT.tar.gz NAME-VERSION | --list}
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
mkdir -p "$(dirname "$out")"
tmp="$out.tmp"
list | tar --create --no-recursion --files-from=- --transform "s|^|$name/|S" \
    --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    --mode=u+rw,go+r,go-w --format=gnu | gzip -9n > "$tmp"
if [ -f "$out" ] && cmp -s "$tmp" "$out"; then
    rm -f "$tmp"
    echo "dist: $out is up to date"
else
    mv "$tmp" "$out"
    echo "dist: wrote $out ($(list | wc -l) files)"
fi
