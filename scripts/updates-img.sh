#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build an updates.img (gzip-compressed cpio "newc" archive, what Anaconda overlays onto the
# installer's root with inst.updates=) holding the addon, its D-Bus service and policy, the
# ovirt-node-layout command (for a kickstart's %pre), its translations and, with DROPIN=1,
# the Anaconda drop-in.
#   scripts/updates-img.sh OUT.img [DROPIN]      (make updates-img [DROPIN=1])
# The package goes straight into /usr/share/anaconda/addons/org_ovirt_node (PYTHONDIR set to
# the addons folder), as Anaconda looks for it; no symlink, no byte code, owner root.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: updates-img.sh OUT.img [DROPIN]}
dropin=${2:-0}
stage="$(dirname "$out")/updates-root"
rm -rf "$stage"
mkdir -p "$stage"
make -s --no-print-directory install DESTDIR="$(realpath "$stage")" \
    PYTHONDIR=/usr/share/anaconda/addons DROPIN="$dropin" >/dev/null
# Man page, completion and the JSON Schemas (for pipelines validating --format json) are of
# no use in the installer.
rm -rf "$stage/usr/share/man" "$stage/usr/share/bash-completion" "$stage/usr/share/org_ovirt_node"
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
find "$stage" -exec touch -h -d "@$epoch" {} +
tmp="$out.tmp"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9n > "$tmp"
mv "$tmp" "$out"
echo "updates-img: wrote $out ($(find "$stage" -type f | wc -l) files$( [ "$dropin" = 1 ] && echo ", with the drop-in"))"
