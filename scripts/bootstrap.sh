#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bootstrap: system packages (installed when root, listed precisely otherwise) and a
# virtualenv built from the *system* interpreter with --system-site-packages, because
# blivet needs the distribution's gi, BlockDev GI overrides, bytesize and parted, none of
# which can be pip-installed into a venv. Idempotent: a stamp file skips work already done.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
SYSPY=${SYSPY:-/usr/bin/python3}
STAMP="$VENV/.bootstrap-stamp"
WANT_E2E=${WANT_E2E:-1}

# --- system packages -------------------------------------------------------------
# Debian 12: libblockdev 2.x stack for blivet 3.6-3.7, the mkfs tools blivet insists on
# even when only planning, dbus-daemon for D-Bus tests, gettext for the POT, and
# rpm (rpmbuild), rpmlint and cpio for `make rpm` / `make updates-img`, and qemu + a
# distribution kernel + busybox for the end-to-end tests in a real kernel.
DEB_PKGS="python3-venv python3-gi gir1.2-glib-2.0 gir1.2-blockdev-2.0 python3-blockdev
 libblockdev-lvm2 libblockdev-dm2 libblockdev-crypto2 libblockdev-loop2 libblockdev-mdraid2
 libblockdev-swap2 libblockdev-fs2 libblockdev-part2 libblockdev-btrfs2 libblockdev-mpath2
 libblockdev-nvdimm2 python3-bytesize python3-parted python3-six python3-jsonschema
 python3-pytest-xdist
 lvm2 xfsprogs e2fsprogs dosfstools parted cryptsetup-bin mdadm dbus gettext make
 rpm rpmlint cpio"
DEB_E2E_PKGS="qemu-system-x86 linux-image-amd64 busybox-static udev"
# Fedora / EL 9: the distribution ships blivet, pykickstart and dasbus itself.
RPM_PKGS="python3 python3-blivet python3-pykickstart python3-dasbus python3-pyyaml
 python3-jsonschema python3-pytest-xdist python3-gobject-base lvm2 xfsprogs e2fsprogs
 dosfstools parted cryptsetup mdadm dbus-daemon gettext make rpm-build rpmlint cpio python3-devel"
RPM_E2E_PKGS="qemu-system-x86 kernel-core busybox systemd-udev"

missing_deb() {
    local p out=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || out="$out $p"
    done
    echo "$out"
}
missing_rpm() {
    local p out=""
    for p in "$@"; do rpm -q "$p" >/dev/null 2>&1 || out="$out $p"; done
    echo "$out"
}

install_system() {
    local missing
    if command -v dpkg-query >/dev/null 2>&1; then
        # shellcheck disable=SC2086
        missing=$(missing_deb $DEB_PKGS $([ "$WANT_E2E" = 1 ] && echo $DEB_E2E_PKGS))
        [ -z "$missing" ] && return 0
        if [ "$(id -u)" = 0 ]; then
            echo "bootstrap: installing Debian packages:$missing"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            # shellcheck disable=SC2086
            apt-get install -y -qq $missing >/dev/null
        else
            echo "bootstrap: missing Debian packages (run as root, or: sudo apt-get install$missing)" >&2
            exit 2
        fi
    elif command -v rpm >/dev/null 2>&1; then
        # shellcheck disable=SC2086
        missing=$(missing_rpm $RPM_PKGS $([ "$WANT_E2E" = 1 ] && echo $RPM_E2E_PKGS))
        [ -z "$missing" ] && return 0
        if [ "$(id -u)" = 0 ]; then
            echo "bootstrap: installing packages:$missing"
            # shellcheck disable=SC2086
            dnf install -y -q $missing
        else
            echo "bootstrap: missing packages (run as root, or: sudo dnf install$missing)" >&2
            exit 2
        fi
    else
        echo "bootstrap: neither dpkg nor rpm found; install by hand the equivalents of:" >&2
        echo "  $DEB_PKGS $DEB_E2E_PKGS" >&2
        exit 2
    fi
}

make_venv() {
    # Debian 12 gets blivet from PyPI and must stay on the libblockdev-2.x line; Fedora/EL
    # provide blivet as a system package, which the venv sees through --system-site-packages.
    local CONSTRAINT=""
    command -v dpkg-query >/dev/null 2>&1 && CONSTRAINT="-c constraints-debian12.txt"
    if [ ! -x "$VENV/bin/python" ]; then
        echo "bootstrap: creating $VENV from $SYSPY (--system-site-packages)"
        "$SYSPY" -m venv --system-site-packages "$VENV"
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check $CONSTRAINT -e '.[test]'
    # Prove the storage stack imports (catches a pyenv/venv mix-up early, with a clear message).
    if ! "$VENV/bin/python" -c 'import blivet' >/dev/null 2>&1; then
        echo "bootstrap: 'import blivet' fails in $VENV:" >&2
        "$VENV/bin/python" -c 'import blivet' 2>&1 | tail -3 >&2
        exit 2
    fi
}

sum=$(cat setup.cfg constraints-debian12.txt scripts/bootstrap.sh | cksum)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$sum" ] && [ -x "$VENV/bin/python" ]; then
    exit 0
fi
install_system
make_venv
echo "$sum" > "$STAMP"
echo "bootstrap: ready ($VENV)"
