# SPDX-License-Identifier: GPL-2.0-or-later
"""Validators for names that reach generated text (names.py) and sanitised excerpts
(sanitize.py): LVM's own naming rules, mount point and mount option syntax, and quoting
of hostile input that can never print a file or a terminal escape."""
import pytest

from org_ovirt_node import names
from org_ovirt_node.names import (
    InvalidNameError,
    check_device_name,
    check_lvm_name,
    check_mount_options,
    check_mountpoint,
    lv_name_for_mountpoint,
)
from org_ovirt_node.sanitize import MAX_SCALAR, excerpt


# --- excerpt ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text, shown", [
    ("abc", "'abc'"),
    ("", "''"),
    ("a\nb", "'a\\nb'"),
    ("\x1b[31mred", "'\\x1b[31mred'"),
    ("it's", "'it\\'s'"),
    ("back\\slash", "'back\\\\slash'"),
    ("\u202eevil", "'\\u202eevil'"),            # bidi override: never reaches a terminal
    ("caf\u00e9", "'caf\u00e9'"),               # printable non-ASCII stays readable
    (b"\xff\x00ok", "'\\xff\\x00ok'"),
    (42, "'42'"),
])
def test_excerpt_escapes(text, shown):
    assert excerpt(text) == shown


def test_excerpt_is_short_and_bounded():
    secret = "root:$6$abcdefghijklmnopqrstuvwxyz0123456789:19000:0:99999:7:::\n" * 1000
    shown = excerpt(secret, 20)
    assert shown.endswith("\u2026'") and len(shown) <= 20 + 3
    assert "xyz" not in shown
    # Escapes count against the limit, so a run of control characters cannot widen it.
    assert len(excerpt("\x00" * 1000, 12)) <= 12 + 3
    assert excerpt("a" * 40) == "'" + "a" * 40 + "'"
    assert excerpt("a" * 41) == "'" + "a" * 40 + "\u2026'"


def test_excerpt_unquoted():
    assert excerpt("a\nb", quote=False) == "a\\nb"
    assert excerpt("it's", quote=False) == "it's"


def test_excerpt_of_an_object_whose_str_fails():
    class Bad:
        def __str__(self):
            raise ValueError("no")
    assert excerpt(Bad()) == "'<Bad>'"


def test_max_scalar():
    assert MAX_SCALAR == 4096


# --- LVM names -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["onn", "HostVG", "pool00", "a.b-c_d+e", "x" * 127, "_x",
                                  "1", "var_log_audit", "a-"])
def test_valid_lvm_names(name):
    assert check_lvm_name(name, "VG") == name
    assert check_lvm_name(name, "LV") == name


@pytest.mark.parametrize("name, fragment", [
    ("my vg", "characters LVM does not allow"),
    ("vg\n%pre", "characters LVM does not allow"),
    ("vg/x", "characters LVM does not allow"),
    ("caf\u00e9", "characters LVM does not allow"),
    ("-vg", "must not begin with a hyphen"),
    (".", "not allowed"),
    ("..", "not allowed"),
    ("x" * 128, "too long"),
    ("", "must not be empty"),
    (None, "must be a string"),
])
def test_invalid_lvm_names(name, fragment):
    with pytest.raises(InvalidNameError, match=fragment):
        check_lvm_name(name, "VG")


@pytest.mark.parametrize("name", ["snapshot", "snapshot1", "pvmove0", "root_tmeta", "a_tdata",
                                  "x_rimage_0", "x_mlog", "x_pmspare", "y_vorigin", "y_cdata",
                                  "y_corig", "y_cmeta", "z_vdata", "z_mimage_1", "z_rmeta_2"])
def test_reserved_lv_names(name):
    with pytest.raises(InvalidNameError, match="reserved by LVM"):
        check_lvm_name(name, "LV")
    with pytest.raises(InvalidNameError, match="reserved by LVM"):
        check_lvm_name(name, "thin pool")
    assert check_lvm_name(name, "VG") == name     # the LV restrictions are for LVs only


def test_invalid_name_error_is_a_value_error_and_quotes_an_excerpt():
    assert issubclass(InvalidNameError, ValueError)
    assert names.NameError_ is InvalidNameError
    with pytest.raises(ValueError) as exc:
        check_lvm_name("bad name" + "z" * 5000, "VG")
    assert len(str(exc.value)) < 200


# --- mount points ----------------------------------------------------------------------------
@pytest.mark.parametrize("point", ["/", "/var", "/var/log/audit", "/srv/data-1", "/d\u00e9j\u00e0",
                                   "/a:b", "/a#b", "/100%"])
def test_valid_mountpoints(point):
    assert check_mountpoint(point) == point


@pytest.mark.parametrize("point, fragment", [
    ("/var\n%pre\nid\n%end", "whitespace or control"),
    ("/var\r", "whitespace or control"),
    ("/a b", "whitespace or control"),
    ("/a\tb", "whitespace or control"),
    ("/a\u00a0b", "whitespace or control"),        # no-break space
    ("/a\u2028b", "whitespace or control"),        # line separator
    ("/a\x00b", "whitespace or control"),
    ("/a\u200bb", "whitespace or control"),        # zero-width space (format char)
    ("/a'b", "quotes or backslashes"),
    ('/a"b', "quotes or backslashes"),
    ("/a\\b", "quotes or backslashes"),
    ("/a`id`", "quotes or backslashes"),
    ("var", "absolute"),
    ("", "empty"),
    ("/var/", "normalised"),
    ("//var", "normalised"),
    ("/var//log", "normalised"),
    ("/var/./log", "normalised"),
    ("/var/../etc", "normalised"),
    ("/" + "a" * 2000, "too long"),
    (5, "must be a string"),
])
def test_invalid_mountpoints(point, fragment):
    with pytest.raises(InvalidNameError, match=fragment):
        check_mountpoint(point)


def test_lv_name_for_mountpoint():
    assert lv_name_for_mountpoint("/") == "root"
    assert lv_name_for_mountpoint("/var/log/audit") == "var_log_audit"


# --- mount options ---------------------------------------------------------------------------
@pytest.mark.parametrize("options", ["defaults", "defaults,discard", "noatime,nodev,nosuid",
                                     "uid=0,umask=077", "context=system_u:object_r:tmp_t:s0",
                                     "x-systemd.automount", "subvol=/@home", "compress=zstd:3"])
def test_valid_mount_options(options):
    assert check_mount_options(options) == options


@pytest.mark.parametrize("options, fragment", [
    ("defaults\n%pre", "characters mount options do not use"),
    ("a b", "characters mount options do not use"),
    ('context="system_u:object_r:tmp_t:s0"', "characters mount options do not use"),
    ("a;b", "characters mount options do not use"),
    ("a,,b", "empty option"),
    (",a", "empty option"),
    ("a,", "empty option"),
    ("", "empty"),
    ("a" * 2000, "too long"),
])
def test_invalid_mount_options(options, fragment):
    with pytest.raises(InvalidNameError, match=fragment):
        check_mount_options(options)


# --- device names ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sda", "nvme0n1", "vda", "disk/by-id/wwn-0x5000c500a1b2c3d4",
                                  "disk/by-path/pci-0000:00:1f.2-ata-1", "disk0.img", "mapper/x"])
def test_valid_device_names(name):
    assert check_device_name(name) == name


@pytest.mark.parametrize("name", ["sda\n%pre", "my disk", "a,b", "-sda", "", "a'b", "a\"b",
                                  "x" * 300])
def test_invalid_device_names(name):
    with pytest.raises(InvalidNameError):
        check_device_name(name)
