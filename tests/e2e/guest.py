# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot this machine's kernel in qemu (TCG) and run a shell script inside, with this
machine's root shared read-only over 9p, so the guest runs the same Python, virtualenv,
blivet and LVM tools as the host, against virtio disks that are sparse image files.

The initramfs is built at test time in a scratch directory: a static busybox plus the
virtio/9p modules needed to mount the root, loaded in the order ``modules.dep`` gives. Every
other module (device-mapper, thin pools, filesystems) is loaded by ``modprobe`` from the
shared root after ``switch_root``.

Results leave the guest as a tar archive written raw onto an extra virtio disk (console
output interleaves with kernel messages; a disk does not). The console log is kept for
failure messages.
"""
import glob
import os
import shutil
import stat
import subprocess
import tarfile
import time
from typing import Dict, List, NamedTuple

QEMU = "qemu-system-x86_64"
BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")
# Modules the initramfs needs to reach the shared root (their dependencies are added).
ROOT_MODULES = ("virtio_pci", "virtio_blk", "9pnet_virtio", "9p")
# Loaded from the shared root once it is mounted.
GUEST_MODULES = ("dm_mod", "dm_thin_pool", "dm_persistent_data", "dm_bufio",
                 "dm_bio_prison", "libcrc32c", "crc32c_generic", "xfs", "ext4", "vfat")
RESULTS_DIR = "/run/onn-results"
# The project as the host sees it (the guest sees the same path over 9p).
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DONE_MARKER = "ONN-E2E-DONE"
RESULTS_DISK_SIZE = 64 * 1024 * 1024


class GuestResult(NamedTuple):
    ok: bool                   # the guest reached the end of its script
    console: str               # the whole serial console log
    files: Dict[str, bytes]    # files the script left in $RESULTS (relative names)
    elapsed: float             # seconds from qemu start to exit

    def text(self, name, default=None):
        data = self.files.get(name)
        return default if data is None else data.decode("utf-8", "replace")


def find_kernel():
    """(vmlinuz path, version) of the newest installed kernel with modules, or None."""
    found = []
    for path in glob.glob("/boot/vmlinuz-*"):
        version = os.path.basename(path)[len("vmlinuz-"):]
        if os.path.isfile("/lib/modules/%s/modules.dep" % version) and os.access(path, os.R_OK):
            found.append((path, version))
    return sorted(found)[-1] if found else None


def find_busybox():
    for path in BUSYBOX_CANDIDATES:
        if os.path.isfile(path):
            return path
    return None


def missing_requirements():
    """Why a guest cannot boot here (empty when it can)."""
    reasons = []
    if shutil.which(QEMU) is None:
        reasons.append("%s not found (Debian: qemu-system-x86)" % QEMU)
    if find_kernel() is None:
        reasons.append("no readable /boot/vmlinuz-* with /lib/modules/<ver>/modules.dep "
                       "(Debian: linux-image-amd64)")
    if find_busybox() is None:
        reasons.append("no static busybox (Debian: busybox-static)")
    if not os.path.exists("/lib/systemd/systemd-udevd"):
        reasons.append("no /lib/systemd/systemd-udevd (Debian: udev)")
    return reasons


# --- initramfs ---------------------------------------------------------------------------
def module_closure(version, names):
    """Relative module paths for *names* and their dependencies, dependencies first."""
    base = "/lib/modules/%s" % version
    deps = {}
    by_name = {}
    with open(os.path.join(base, "modules.dep"), encoding="utf-8") as handle:
        for line in handle:
            path, _, rest = line.partition(":")
            deps[path] = rest.split()
            by_name[_module_name(path)] = path
    order = []

    def visit(path):
        if path in order:
            return
        for dep in reversed(deps.get(path, ())):
            visit(dep)
        order.append(path)

    for name in names:
        path = by_name.get(name.replace("-", "_"))
        if path is None:
            continue  # built into the kernel
        visit(path)
    return order


def _module_name(path):
    name = os.path.basename(path)
    return name.split(".ko", 1)[0].replace("-", "_")


def _newc_entry(out, name, mode, data=b"", ino=1):
    name_b = name.encode() + b"\0"
    header = "070701" + "".join("%08X" % v for v in (
        ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
    out.write(header.encode() + name_b)
    out.write(b"\0" * ((4 - (110 + len(name_b)) % 4) % 4))
    out.write(data)
    out.write(b"\0" * ((4 - len(data) % 4) % 4))


def write_cpio(path, entries):
    """A newc cpio archive from (name, mode, bytes) entries (directories: data b"")."""
    with open(path, "wb") as out:
        for ino, (name, mode, data) in enumerate(entries, start=1):
            _newc_entry(out, name, mode, data, ino)
        _newc_entry(out, "TRAILER!!!", 0, b"", 0)


INIT = r"""#!/bin/busybox sh
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
for m in $($B cat /modules.order); do $B insmod /lib/modules/$m || echo "insmod $m failed"; done
$B mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /newroot \
  || { echo "cannot mount the shared root"; $B poweroff -f; }
$B mount -t tmpfs -o mode=0755 tmpfs /newroot/run
# The guest gets a tmpfs /tmp of its own; a project checked out under the host's /tmp (as a
# CI clone may be) is bound back at its own path so the guest can still run it.
$B mkdir -p /newroot/run/hosttmp
$B mount -o bind /newroot/tmp /newroot/run/hosttmp
$B mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp
P="@PROJECT@"
case "$P" in
  /tmp/*) $B mkdir -p "/newroot$P"
          $B mount -o bind "/newroot/run/hosttmp${P#/tmp}" "/newroot$P" \
            || echo "cannot bind the project $P";;
esac
$B mkdir -p /newroot/run/onn-e2e
$B cp /guest.sh /newroot/run/onn-e2e/guest.sh
$B umount /proc /sys /dev
exec $B switch_root /newroot /bin/sh /run/onn-e2e/guest.sh
"""

# Runs under the host's /bin/sh after switch_root. `step NAME CMD...` runs CMD (a command
# or a shell function), keeps its stdout in $RESULTS/NAME.out, stderr in NAME.err and exit
# status in NAME.rc, and echoes them to the console for the log.
PRELUDE = r"""
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/run/onn-e2e LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 TERM=dumb
RESULTS=%(results)s
# The 9p export crosses the host's mounts (its /proc, /sys, /dev show through): always
# mount the guest's own on top.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p $RESULTS /run/lock /run/lvm /run/udev /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /dev/shm 2>/dev/null
cp -a /etc/lvm /run/lvm-etc
export LVM_SYSTEM_DIR=/run/lvm-etc
for m in %(modules)s; do modprobe $m 2>/dev/null; done
/lib/systemd/systemd-udevd --daemon >/dev/null 2>&1
udevadm trigger --action=add >/dev/null 2>&1
udevadm settle --timeout=60
step() {
    name=$1; shift
    echo "=== step $name: $*"
    t0=$(cut -d' ' -f1 /proc/uptime)
    "$@" >$RESULTS/$name.out 2>$RESULTS/$name.err
    rc=$?
    echo $rc >$RESULTS/$name.rc
    cat $RESULTS/$name.out $RESULTS/$name.err
    echo "=== step $name rc=$rc ($t0 -> $(cut -d' ' -f1 /proc/uptime) s since boot)"
    return 0
}
"""

EPILOGUE = r"""
sync
echo ok >$RESULTS/guest.done
%(busybox)s tar -cf %(disk)s -C $RESULTS .
sync
echo %(marker)s
%(busybox)s poweroff -f
echo o >/proc/sysrq-trigger
"""


def build_initramfs(workdir, version, script, results_dev):
    """Write ``initrd.cpio`` in *workdir* with busybox, the root modules and *script*."""
    busybox = find_busybox()
    entries = [(d, stat.S_IFDIR | 0o755, b"") for d in (
        "bin", "dev", "proc", "sys", "newroot", "lib", "lib/modules")]
    with open(busybox, "rb") as handle:
        entries.append(("bin/busybox", stat.S_IFREG | 0o755, handle.read()))
    modules = module_closure(version, ROOT_MODULES)
    dirs = set()
    for rel in modules:
        parts = rel.split("/")
        for i in range(1, len(parts)):
            dirs.add("/".join(parts[:i]))
    for d in sorted(dirs):
        entries.append(("lib/modules/" + d, stat.S_IFDIR | 0o755, b""))
    for rel in modules:
        with open("/lib/modules/%s/%s" % (version, rel), "rb") as handle:
            entries.append(("lib/modules/" + rel, stat.S_IFREG | 0o644, handle.read()))
    entries.append(("modules.order", stat.S_IFREG | 0o644, "\n".join(modules).encode()))
    entries.append(("init", stat.S_IFREG | 0o755,
                    INIT.replace("@PROJECT@", PROJECT_ROOT).encode()))
    guest = "#!/bin/sh\n" + PRELUDE % {"results": RESULTS_DIR,
                                       "modules": " ".join(GUEST_MODULES)}
    guest += script + EPILOGUE % {"busybox": busybox, "disk": results_dev,
                                  "marker": DONE_MARKER}
    entries.append(("guest.sh", stat.S_IFREG | 0o755, guest.encode()))
    path = os.path.join(workdir, "initrd.cpio")
    write_cpio(path, entries)
    return path


# --- running -----------------------------------------------------------------------------
def sparse_image(path, size):
    with open(path, "wb") as handle:
        handle.truncate(int(size))
    return path


def guest_device(index):
    """The guest's name of the *index*-th virtio disk (0 -> /dev/vda)."""
    return "/dev/vd" + "abcdefghijklmnopqrstuvwxyz"[index]


def run_guest(script, disks: List[str], workdir, timeout=480, memory_mib=2048,
              cpus=None) -> GuestResult:
    """Boot a guest with *disks* (image paths, /dev/vda... in order) and run *script*.

    *script* is shell for the host's /bin/sh; it has ``step NAME CMD...`` and ``$RESULTS``.
    """
    found = find_kernel()
    if found is None:
        raise RuntimeError("no kernel")
    kernel, version = found
    os.makedirs(workdir, exist_ok=True)
    results_img = sparse_image(os.path.join(workdir, "results.img"), RESULTS_DISK_SIZE)
    initrd = build_initramfs(workdir, version, script, guest_device(len(disks)))
    console = os.path.join(workdir, "console.log")
    cmd = [QEMU, "-accel", "tcg", "-m", str(memory_mib),
           "-smp", str(cpus or min(4, os.cpu_count() or 1)),
           "-nodefaults", "-display", "none", "-monitor", "none", "-no-reboot",
           "-serial", "file:" + console,
           "-kernel", kernel, "-initrd", initrd,
           "-append", "console=ttyS0 panic=-1 loglevel=4 rdinit=/init",
           # multidevs=remap: the export crosses mounts; without it inode numbers collide
           # and the guest's path lookups go wrong (its /sys mounted over /proc...).
           "-virtfs", "local,path=/,mount_tag=hostroot,security_model=passthrough,"
                      "readonly=on,multidevs=remap"]
    for path in list(disks) + [results_img]:
        cmd += ["-drive", "file=%s,if=virtio,format=raw,cache=unsafe" % path]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
        qemu_out = proc.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as exc:
        qemu_out = "qemu timed out after %ss\n%s" % (
            timeout, (exc.stdout or b"").decode("utf-8", "replace"))
    elapsed = time.monotonic() - start
    log = _read(console) + ("\n[qemu] " + qemu_out if qemu_out.strip() else "")
    files = read_results(results_img)
    ok = DONE_MARKER in log and "guest.done" in files
    return GuestResult(ok, log, files, elapsed)


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def read_results(path) -> Dict[str, bytes]:
    """The files of the tar archive the guest wrote raw on the results disk."""
    files = {}
    try:
        with tarfile.open(path, "r:") as tar:
            for member in tar:
                if member.isfile():
                    name = member.name[2:] if member.name.startswith("./") else member.name
                    files[name] = tar.extractfile(member).read()
    except (tarfile.TarError, OSError):
        pass
    return files


def content_digest(path, chunk=1 << 16) -> str:
    """A sha256 over the non-zero content of an image and where it sits.

    Two images get the same digest exactly when their bytes are identical (holes and
    zero-filled blocks count as zeros: the image is hashed as fixed-size chunks on a grid,
    all-zero chunks skipped), but holes are skipped with ``SEEK_DATA``, so a 64 GiB sparse
    image hashes in well under a second instead of reading 64 GiB.
    """
    import hashlib
    digest = hashlib.sha256()
    zero = bytes(chunk)
    with open(path, "rb") as handle:
        fd = handle.fileno()
        end = os.fstat(fd).st_size
        digest.update(b"size %d\n" % end)
        pos = 0  # everything below pos has been hashed
        while pos < end:
            try:
                data = os.lseek(fd, pos, os.SEEK_DATA)
            except OSError:
                break  # only a hole after pos
            hole = os.lseek(fd, data, os.SEEK_HOLE)
            start = max(pos, data - data % chunk)
            while start < hole:
                block = os.pread(fd, min(chunk, end - start), start)
                if block != zero[:len(block)]:
                    digest.update(b"@%d\n" % start)
                    digest.update(block)
                start += chunk
            pos = start
    return digest.hexdigest()
