# SPDX-License-Identifier: GPL-2.0-or-later
"""The Anaconda configuration drop-in: shipped file up to date, and readable by the rules of
Anaconda's configuration format (configparser; ``default_partitioning`` lines
``name (attr value, ...)``; ``req_partition_sizes`` lines ``mount size``; whitespace-separated
mount point lists; sizes read by blivet's ``Size``; module patterns ``PREFIX.*`` or a name)."""
import configparser
import os

import pytest
from blivet.size import Size
from blivet_helpers import OVIRT_AUTOPART

from org_ovirt_node.cli import main
from org_ovirt_node.installer.dropin import format_conf_size, render_dropin
from org_ovirt_node.profile import load_profile

HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED = os.path.join(HERE, "..", "data", "anaconda-conf.d", "90-org_ovirt_node.conf")
SERVICE = "org.fedoraproject.Anaconda.Addons.OvirtNode"
STOCK_OPTIONAL = ["org.fedoraproject.Anaconda.Modules.Subscription",
                  "org.fedoraproject.Anaconda.Addons.*"]


# --- Anaconda's reading rules, reimplemented ---------------------------------------------
def read_conf(text):
    parser = configparser.ConfigParser()   # Anaconda uses a default ConfigParser
    parser.read_string(text)
    return parser


def split_two(value, sep=None):
    items = value.strip().split(sep, 1)
    return (items + ["", ""])[:2]


def partitioning(value):
    """default_partitioning -> [{name, size|min|max|free: Size}] with Anaconda's checks."""
    out = []
    for line in value.strip().split("\n"):
        name, raw = split_two(line)
        attrs = {"name": name}
        for item in filter(None, raw.strip("()").split(",")):
            key, val = split_two(item)
            if not val or key not in ("size", "min", "max", "free"):
                raise ValueError("Invalid attribute: " + key)
            attrs[key] = Size(val)
        if name != "swap" and not name.startswith("/"):
            raise ValueError("The mount point is not valid.")
        if "size" in attrs and "min" in attrs:
            raise ValueError("Only one of the attributes 'size' and 'min' can be set.")
        out.append(attrs)
    return out


def partition_sizes(value):
    sizes = {}
    for line in value.split("\n"):
        if line:
            mount, size = line.split(maxsplit=1)
            sizes[mount] = Size(size)
    return sizes


def module_matches(name, patterns):
    for pattern in patterns:
        if pattern.endswith(".*") and name.startswith(pattern[:-1]):
            return True
        if pattern == name:
            return True
    return False


@pytest.fixture(scope="module")
def conf():
    with open(SHIPPED, encoding="utf-8") as handle:
        return read_conf(handle.read())


# --- tests -----------------------------------------------------------------------------------
def test_shipped_dropin_is_up_to_date():
    with open(SHIPPED, encoding="utf-8") as handle:
        shipped = handle.read()
    assert shipped == render_dropin(load_profile("ovirt-node")), (
        "regenerate: ovirt-node-layout profile export-anaconda -o "
        "data/anaconda-conf.d/90-org_ovirt_node.conf")


def test_cli_export_writes_the_same(tmp_path, capsys):
    out = tmp_path / "x.conf"
    assert main(["profile", "export-anaconda", "-o", str(out)]) == 0
    assert out.read_text() == render_dropin(load_profile("ovirt-node"))
    assert main(["profile", "export-anaconda", "--profile", "ovirt-node-minimal"]) == 0
    assert capsys.readouterr().out == render_dropin(load_profile("ovirt-node-minimal"))


def test_addon_is_no_longer_optional(conf):
    optional = conf["Anaconda"]["optional_modules"].split()
    assert module_matches(SERVICE, STOCK_OPTIONAL)          # the stock value ignores it ...
    assert not module_matches(SERVICE, optional)             # ... the drop-in does not
    for name in ("org.fedoraproject.Anaconda.Modules.Subscription",
                 "org.fedoraproject.Anaconda.Addons.Kdump",
                 "org.fedoraproject.Anaconda.Addons.OSCAP"):
        assert module_matches(name, optional)


def test_default_partitioning_is_the_profiles(conf):
    profile = load_profile("ovirt-node")
    assert conf["Storage"]["default_scheme"] == "LVM_THINP"
    parsed = partitioning(conf["Storage"]["default_partitioning"])
    by_name = {p["name"]: p for p in parsed}
    assert by_name["/"] == {"name": "/", "min": Size(profile.root.default_size)}
    assert "swap" in by_name
    for point, rule in profile.mounts.items():
        if point in ("/", "/boot"):
            continue
        assert by_name[point]["size"] == Size(rule.default_size)
    # The same mounts and sizes as the distribution's own oVirt configuration.
    assert {n: p["size"] for n, p in by_name.items() if "size" in p} == \
        {m: Size(s) for m, s in OVIRT_AUTOPART}


def test_constraints_are_the_profiles(conf):
    profile = load_profile("ovirt-node")
    constraints = conf["Storage Constraints"]
    assert constraints["root_device_types"].split() == ["LVM_THINP"]
    separate = set(constraints["must_not_be_on_root"].split())
    assert separate == {p for p, r in profile.mounts.items() if r.required and p != "/"}
    sizes = partition_sizes(constraints["req_partition_sizes"])
    assert sizes == {p: Size(r.min_size) for p, r in profile.mounts.items() if r.min_size}
    # Only what is fatal: Anaconda's checker has only errors. The mounts imgbased creates at
    # the first update and the sizes below which the profile only warns stay out, so the
    # drop-in says exactly what Anaconda's own oVirt configuration says (plus /boot, which
    # imgbased needs separate).
    assert separate == {"/boot", "/var"}
    assert sizes == {"/boot": Size("1 GiB"), "/var": Size("5 GiB"), "/var/tmp": Size("10 GiB")}


@pytest.mark.parametrize("size,text", [(6 * 1024 ** 3, "6 GiB"), (512 * 1024 ** 2, "512 MiB"),
                                       (1000, "1000 B")])
def test_sizes_read_back_exactly(size, text):
    assert format_conf_size(size) == text
    assert Size(text) == size


def test_derived_profile_renders_its_changes():
    profile = load_profile("ovirt-node").derive(
        {"mounts": {"/var/lib/libvirt": {"kind": "thin", "min": "20 GiB", "default": "20 GiB"},
                    "/": {"min": "10 GiB", "default": "10 GiB"}},
         "swap": {"policy": "none"}}, "test")
    conf = read_conf(render_dropin(profile))
    parsed = {p["name"]: p for p in partitioning(conf["Storage"]["default_partitioning"])}
    assert parsed["/var/lib/libvirt"]["size"] == Size("20 GiB")
    assert parsed["/"]["min"] == Size("10 GiB")
    assert "swap" not in parsed
    assert "/var/lib/libvirt" in conf["Storage Constraints"]["must_not_be_on_root"].split()


# --- hostile and unusual profiles (issue 9) --------------------------------------------------
def test_root_on_a_partition_and_no_swap_renders():
    """Used to crash with max() of an empty sequence: no LVM mount and no swap."""
    profile = load_profile("ovirt-node").derive(
        {"mounts": {point: {"presence": "optional"} for point in load_profile().mounts
                    if point not in ("/", "/boot")},
         "swap": {"policy": "none"}}, "test")
    profile = profile.derive({"mounts": {"/": {"kind": "partition"}}}, "test")
    conf = read_conf(render_dropin(profile))
    assert conf["Storage"]["default_scheme"] == "PLAIN"
    parsed = partitioning(conf["Storage"]["default_partitioning"])
    assert parsed == [{"name": "/", "min": Size(profile.root.default_size)}]
    assert conf["Storage Constraints"]["root_device_types"].split() == ["PARTITION"]


def test_cli_exports_root_on_a_partition(tmp_path, capsys):
    site = tmp_path / "site.yaml"
    site.write_text("name: plain\nswap: {policy: none}\nmounts:\n"
                    "  /: {kind: partition, min: 10 GiB}\n  /boot: {kind: partition}\n")
    assert main(["profile", "export-anaconda", "--profile", str(site)]) == 0
    conf = read_conf(capsys.readouterr().out)
    # / does not grow in this profile: a fixed size, as the planner and the kickstart ask.
    assert partitioning(conf["Storage"]["default_partitioning"]) == [
        {"name": "/", "size": Size("10 GiB")}]


def test_lv_root_uses_the_lvm_scheme():
    profile = load_profile("ovirt-node").derive({"mounts": {"/": {"kind": "lv"}}}, "test")
    assert read_conf(render_dropin(profile))["Storage"]["default_scheme"] == "LVM"


def test_percent_in_a_mount_point_survives_interpolation():
    """Anaconda's ConfigParser interpolates %: a literal % must be written %%."""
    profile = load_profile("ovirt-node").derive(
        {"mounts": {"/srv/100%": {"kind": "partition", "min": "1 GiB", "default": "1 GiB"}}},
        "t")
    conf = read_conf(render_dropin(profile))
    assert "/srv/100%" in conf["Storage Constraints"]["must_not_be_on_root"].split()
    assert "/srv/100%" in partition_sizes(conf["Storage Constraints"]["req_partition_sizes"])


def _bad_profile(**changes):
    """The default profile with fields replaced behind the loader's back."""
    import dataclasses
    return dataclasses.replace(load_profile("ovirt-node"), **changes)


def _bad_mounts(point):
    from org_ovirt_node.profile import MountRule
    profile = load_profile("ovirt-node")
    mounts = dict(profile.mounts)
    mounts[point] = MountRule(mountpoint=point, min_size=1024 ** 3, default_size=1024 ** 3)
    return mounts


@pytest.mark.parametrize("changes, fragment", [
    ({"mounts": _bad_mounts("/srv\n%pre\nid\n%end")}, "mount point"),
    ({"mounts": _bad_mounts("/srv\n[Anaconda]")}, "mount point"),
    ({"mounts": _bad_mounts("/a b")}, "mount point"),
    ({"name": "x\n[Anaconda]\nkickstart_modules ="}, "profile name"),
])
def test_dropin_refuses_values_that_break_its_lines(changes, fragment):
    with pytest.raises(ValueError) as exc:
        render_dropin(_bad_profile(**changes))
    message = str(exc.value)
    assert "cannot write the Anaconda configuration" in message and fragment in message
    assert "\n" not in message


@pytest.mark.parametrize("name", ["ovirt-node", "ovirt-node-minimal", "ovirt-node-strict"])
def test_constraints_hold_only_what_is_fatal_in_every_builtin(name):
    """Anaconda's storage checker knows only errors: a mount the profile only warns about
    (created by imgbased later, optional) is never in must_not_be_on_root, and a size it only
    recommends is never in req_partition_sizes; the strict profile's are all there."""
    profile = load_profile(name)
    constraints = read_conf(render_dropin(profile))["Storage Constraints"]
    separate = set(constraints["must_not_be_on_root"].split())
    sizes = partition_sizes(constraints["req_partition_sizes"])
    assert separate == {p for p, r in profile.mounts.items() if r.required and p != "/"}
    assert sizes == {p: Size(r.min_size) for p, r in profile.mounts.items() if r.min_size}
    if name == "ovirt-node-strict":
        assert {"/var/crash", "/var/log", "/tmp"} <= separate
        assert sizes["/var/log"] == Size("8 GiB") and sizes["/"] == Size("6 GiB")
    else:
        assert separate == {"/boot", "/var"}
        assert sizes == {"/boot": Size("1 GiB"), "/var": Size("5 GiB"),
                         "/var/tmp": Size("10 GiB")}
