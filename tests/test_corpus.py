# SPDX-License-Identifier: GPL-2.0-or-later
"""Real, public oVirt Node / RHVH layouts (tests/corpus/*.ks) judged with the default profile.

Each file starts with ``# source: <URL>``, ``# expect: clean|warnings|errors`` and
``# why: <one line>``; the verdict must hold. The files keep what real kickstarts do
(option values after a space, trailing comments, tabs, ``--percent``, ``--recommended``,
``--grow --maxsize``, ``reqpart`` with and without ``--add-boot``, no ``--fstype``,
``--encrypted``, multipath ``/dev/disk/by-id`` disks, ``--reserved-space``, two VGs, extra
mounts), and the kickstart reader must read every partitioning command of them.
"""
import glob
import os
import re

import pytest
from pykickstart.parser import KickstartParser
from pykickstart.version import makeVersion, stringToVersion

from org_ovirt_node import layout as L
from org_ovirt_node.kickstart.linter import DEFAULT_KS_VERSION, lint_file
from org_ovirt_node.kickstart.reader import layout_from_handler
from org_ovirt_node.profile import load_profile
from org_ovirt_node.units import GiB, MiB

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
FILES = sorted(glob.glob(os.path.join(CORPUS, "*.ks")))
VERDICTS = ("clean", "warnings", "errors")
HEADER = re.compile(r"# source: (https://\S+)\n# expect: (\w+)\n# why: (\S.{19,})\n")
PARTITIONING = re.compile(r"^(part|partition|raid|volgroup|logvol)\s", re.M)
# What imgbased creates at the first update (constants.py.in IMGBASED_DEFAULT_VOLUMES)
# and never resizes: a layout may lack them or have them smaller without an error.
CREATED = ("/var/crash", "/var/log", "/var/log/audit", "/var/tmp", "/home", "/tmp")


def header(path):
    with open(path, encoding="utf-8") as handle:
        match = HEADER.match(handle.read())
    assert match, "%s: no '# source:', '# expect:', '# why:' header" % path
    return match.groups()


def verdict(report):
    if report.errors:
        return "errors"
    return "warnings" if report.warnings else "clean"


def read_layout(path):
    """The layout the kickstart reader builds from *path* (pykickstart, the linter's
    syntax version) and the reader's unresolved references."""
    handler = makeVersion(stringToVersion(DEFAULT_KS_VERSION))
    parser = KickstartParser(handler)
    with open(path, encoding="utf-8") as handle:
        parser.readKickstartFromString(handle.read())
    return layout_from_handler(handler, load_profile(), origin=path)


def by_name(path):
    return os.path.join(CORPUS, path)


def test_the_corpus_covers_every_verdict():
    assert len(FILES) >= 12
    assert {header(p)[1] for p in FILES} == set(VERDICTS)


@pytest.mark.parametrize("path", FILES, ids=os.path.basename)
def test_corpus_file_gets_its_documented_verdict(path):
    source, expected, why = header(path)
    assert expected in VERDICTS and why
    report = lint_file(path, profile="ovirt-node")
    # Read as a kickstart without complaint: every finding is about the layout.
    assert not [f for f in report.findings if f.code in ("ONN105", "ONN107")], \
        [(f.line, f.code, f.message) for f in report.findings]
    assert verdict(report) == expected, (source, why, [
        (f.line, f.severity, f.code, f.message) for f in report.findings
        if f.severity != "info"])


@pytest.mark.parametrize("name", ["ovirt-44-guide-custom-partitioning.ks",
                                  "ovirt-node-ng-node-install.ks"])
def test_ovirts_own_layouts_have_no_error_about_what_imgbased_creates(name):
    """Issue 11: the oVirt 4.4 guide's example and oVirt's node-install.ks.in were refused
    for mounts imgbased creates at the first update and for sizes it never resizes."""
    report = lint_file(by_name(name), profile="ovirt-node")
    assert not [f for f in report.errors if f.mountpoint in CREATED]
    warned = {f.mountpoint for f in report.warnings
              if f.rule in ("created-mount", "recommended-size")}
    assert {"/var/tmp", "/var/log", "/var/log/audit", "/home", "/tmp"} <= warned
    # What is left is fatal for the installer or imgbased, and says so.
    rules = {f.rule for f in report.errors}
    assert rules == ({"min-size"} if "guide" in name else {"vg-no-reserve"})


def test_the_strict_profile_refuses_the_guides_example():
    report = lint_file(by_name("ovirt-44-guide-custom-partitioning.ks"),
                       profile="ovirt-node-strict")
    assert {f.mountpoint for f in report.errors} >= {"/var/tmp", "/var/crash", "/boot"}


@pytest.mark.parametrize("path", FILES, ids=os.path.basename)
def test_the_reader_reads_every_partitioning_command(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    lines = {text.count("\n", 0, m.start()) + 1 for m in PARTITIONING.finditer(text)}
    layout, issues = read_layout(path)
    assert issues == []
    assert lines <= {d.source_line for d in layout}, sorted(
        lines - {d.source_line for d in layout})


def _mounted(layout, point):
    dev = layout.mounted(point)
    assert dev is not None, point
    return dev


def test_values_after_a_space_and_trailing_comments():
    guide, _ = read_layout(by_name("ovirt-44-guide-custom-partitioning.ks"))
    assert _mounted(guide, "/boot").format == "xfs"             # --fstype xfs
    assert _mounted(guide, "/boot").size == 1000 * MiB
    old, _ = read_layout(by_name("imgbased-2014-runtime-layout.ks"))
    assert old["part pv.01"].size == 4096 * MiB                 # --size 4096
    assert _mounted(old, "/boot").format == "ext4"              # --fstype ext4
    rhhi, _ = read_layout(by_name("rhhi-reserved-space.ks"))
    vg = rhhi["RHVH"]
    assert (vg.reserved_space, vg.reserved_percent) == (1024 * MiB, 0)  # --reserved-space 1024
    two, _ = read_layout(by_name("ovhs-el-host-two-vgs.ks"))
    luks = [d for d in two if d.kind == L.LUKS]
    assert {d.parents[0] for d in luks} >= {"part pv.1001"}     # "#--passphrase" is a comment


def test_sizes_that_depend_on_the_disks_are_unknown():
    percent, _ = read_layout(by_name("rhvh-qe-percent-sizes.ks"))
    assert _mounted(percent, "/").size is None and _mounted(percent, "/").kind == L.THINLV
    assert _mounted(percent, "/var").size is None
    swap = [d for d in percent if d.format == L.SWAP]
    assert [d.size for d in swap] == [None]                     # --percent=5
    node, _ = read_layout(by_name("ovirt-node-ng-node-install.ks"))
    assert [d.size for d in node if d.format == L.SWAP] == [None]  # --recommended
    luns, _ = read_layout(by_name("rhvh-qe-fc-multipath-three-luns.ks"))
    home = _mounted(luns, "/home")
    assert (home.size, home.grow) == (20000 * MiB, True)        # --grow --maxsize=50000
    pool = next(d for d in luns if d.kind == L.THINPOOL)
    assert pool.size is None and pool.grow


def test_reqpart_with_and_without_add_boot():
    node, _ = read_layout(by_name("ovirt-node-ng-node-install.ks"))
    boot = _mounted(node, "/boot")
    # Anaconda's platform /boot: the profile's size, its filesystem through design's rule.
    assert (boot.kind, boot.size, boot.format) == (L.PARTITION, 1 * GiB, "xfs")
    bare, _ = read_layout(by_name("rhvh-qe-reqpart-without-boot.ks"))
    assert bare.mounted("/boot") is None


def test_no_fstype_takes_the_profiles_default_filesystem():
    node, _ = read_layout(by_name("ovirt-node-ng-node-install.ks"))
    assert {_mounted(node, p).format for p in ("/", "/var", "/tmp")} == {"xfs"}


def test_multipath_disks_two_vgs_and_encrypted_raid():
    luns, _ = read_layout(by_name("rhvh-qe-fc-multipath-three-luns.ks"))
    disks = [d.name for d in luns if d.kind == L.DISK]
    assert all(d.startswith("/dev/disk/by-id/scsi-36") for d in disks) and len(disks) >= 3
    vg = luns["rhvh"]
    assert vg.reserved_percent == 2 and len(vg.parents) == 3
    two, _ = read_layout(by_name("ovhs-el-host-two-vgs.ks"))
    assert sorted(d.name for d in two if d.kind == L.VG) == ["ovhs_data", "ovhs_os"]
    assert two.vg_of(_mounted(two, "/data")).name == "ovhs_data"
    mirrored, _ = read_layout(by_name("ovhs-node-mirrored-encrypted.ks"))
    boot = _mounted(mirrored, "/boot")
    assert (boot.kind, boot.size) == (L.MDRAID, 500 * MiB)      # RAID1 of two 500 MiB
    pv = mirrored["md1"]
    assert pv.format == "luks" and pv.size is None              # members grow
    assert [d.format for d in mirrored.children_of(pv)] == ["lvmpv"]
    root = _mounted(mirrored, "/")
    assert mirrored.vg_of(root).name == "HostVG" and root.kind == L.THINLV
