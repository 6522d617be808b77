# SPDX-License-Identifier: GPL-2.0-or-later
"""Property tests of the kickstart linter and the ``%addon`` section, on real pykickstart.

Whatever the input, :func:`lint_text` either refuses it with :class:`LintInputError` at a
line of the input, or returns a report whose findings hold the invariants of
:func:`_check_report` (codes from the catalogue, lines inside the file, the order the text
output relies on, the exit code the command line returns). A kickstart rendered from a
design lints clean against its own profile, and the ``%addon`` data class raises only
``KickstartParseError``.
"""
import os
import shlex
import types

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pykickstart.errors import KickstartParseError

from org_ovirt_node import design as D
from org_ovirt_node.kickstart.addon import OvirtNodeData
from org_ovirt_node.kickstart.linter import (
    MAX_PARSE_ERRORS,
    LintInputError,
    exit_code,
    lint_text,
)
from org_ovirt_node.planning.render import render_kickstart
from org_ovirt_node.profile import load_profile
from org_ovirt_node.rules import BY_CODE, CATALOG, ERROR, INFO, WARNING
from org_ovirt_node.units import GiB

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "data", "examples")
SETTINGS = settings(max_examples=int(os.environ.get("ONN_PROPERTY_EXAMPLES", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
_RANK = {ERROR: 0, WARNING: 1, INFO: 2}
SYNTAX_CODE = CATALOG["ks-syntax"].code


def _examples():
    out = []
    for name in sorted(os.listdir(EXAMPLES)):
        if name.endswith(".ks"):
            with open(os.path.join(EXAMPLES, name), encoding="utf-8") as handle:
                out.append(handle.read())
    return out


VALID = _examples()
# Words that make mutations hit interesting paths of the parser, the section and the adapter.
WORDS = ["%addon", "org_ovirt_node", "%end", "%include", "%pre", "--size=", "--grow",
         "--thin", "--thinpool", "--poolname=", "--vgname=", "pv.01", "raid.01", "/var",
         "/", "swap", "none", "--percent=50", "--reserved-percent=", "--reserved-space=1",
         "mount", "require", "optional", "forbid", "rule", "min=", "default=", "kind=thin",
         "--profile=", "--mode=", "'", '"', "\\", "#", "\n", " ", "\t", "\x00", "=",
         "autopart", "--type=thinp", "reqpart", "--add-boot", "logvol", "part", "volgroup",
         "raid", "--level=1", "--device=md0", "--encrypted", "-1", "99999999999999999999",
         "/nonexistent/x", "%ksappend", "\r", "\u00e9", "--fsoptions=discard"]


def _line_count(text):
    """Lines of *text* as the linter numbers them (``str.splitlines``, as pykickstart)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return max(1, len(text.splitlines()))


def _check_report(text, report):
    """The invariants of every report, whatever the input."""
    lines = _line_count(text)
    codes = [f.code for f in report.findings]
    for f in report.findings:
        info = BY_CODE.get(f.code)
        assert info is not None and info.slug == f.rule, f
        assert f.severity in _RANK, f
        assert f.message.strip(), f
        assert f.line is None or (isinstance(f.line, int) and 1 <= f.line <= lines), \
            (f, lines)
    # In line order (what editors show), errors first on one line; a line of an included
    # file at its %include line, in that file's order.
    keys = [(f.line or 0, f.file_line or 0, _RANK[f.severity]) for f in report.findings]
    assert keys == sorted(keys), keys
    if SYNTAX_CODE in codes:
        # A kickstart that does not parse is its parse errors (each line once, at most
        # MAX_PARSE_ERRORS) and nothing else: exit 2.
        assert set(codes) == {SYNTAX_CODE} and len(codes) <= MAX_PARSE_ERRORS
        assert len({f.line for f in report.findings}) == len(codes)
        assert exit_code(report) == 2 and exit_code(report, strict=True) == 2
        return
    has_errors = any(f.severity == ERROR for f in report.findings)
    has_warnings = any(f.severity == WARNING for f in report.findings)
    assert exit_code(report) == (1 if has_errors else 0)
    assert exit_code(report, strict=True) == (1 if has_errors or has_warnings else 0)


def _check(text, profile=None):
    try:
        report = lint_text(text, profile=profile)
    except LintInputError as exc:
        # A refusal says where: this input is small, so never for its size.
        assert exc.filename == "<stdin>" and isinstance(exc.line, int), exc
        assert 1 <= exc.line <= _line_count(text.decode("utf-8", "replace")
                                            if isinstance(text, bytes) else text), exc
        assert exc.detail and str(exc).startswith("<stdin>:%d: " % exc.line)
        return None
    _check_report(text, report)
    return report


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(data):
    _check(data)


@SETTINGS
@given(st.text(max_size=300))
def test_random_text(text):
    _check(text)


@st.composite
def mutated(draw):
    lines = draw(st.sampled_from(VALID)).splitlines(True)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "replace", "swap"]))
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        if not lines:
            lines = [""]
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "insert":
            lines.insert(i, " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=6)))
                         + "\n")
        elif op == "replace":
            words = lines[i].split(" ")
            j = draw(st.integers(0, max(0, len(words) - 1)))
            words[j] = draw(st.sampled_from(WORDS + [""]))
            lines[i] = " ".join(words)
        else:
            j = draw(st.integers(0, max(0, len(lines) - 1)))
            lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


@SETTINGS
@given(mutated())
def test_mutations_of_valid_kickstarts(text):
    report = _check(text)
    # The linter reuses pykickstart's handler between runs: a second run of the same text
    # (after another kickstart) finds the same.
    if report is not None:
        lint_text(VALID[0])
        assert lint_text(text) == report


def test_the_examples_lint_clean():
    # The seeds of the mutations: each is a valid kickstart (documented as exit 0).
    assert len(VALID) >= 3
    for text in VALID:
        report = _check(text)
        assert report is not None and exit_code(report) == 0, report


# --- a kickstart rendered from a design lints clean against its profile ------------------
PROFILE_OVERRIDES = [
    {},
    {"filesystems": {"default": "ext4"}},
    {"swap": {"min": "12 GiB"}},
    {"mounts": {"/srv": {"kind": "thin", "min": "2 GiB", "default": "3 GiB", "grow": True},
                "/var": {"min": "8 GiB", "default": "8 GiB"}}},
    {"mounts": {"/": {"kind": "lv"}}},
]
_PROFILES = {}


def _profile(name, index):
    if (name, index) not in _PROFILES:
        base = load_profile(name)
        data = PROFILE_OVERRIDES[index]
        _PROFILES[name, index] = base.derive(data, "override-%d" % index) if data else base
    return _PROFILES[name, index]


@SETTINGS
@given(st.sampled_from(["ovirt-node", "ovirt-node-minimal"]),
       st.integers(0, len(PROFILE_OVERRIDES) - 1),
       st.lists(st.integers(40, 2048), min_size=1, max_size=3),
       st.sampled_from([None, "bios", "uefi"]), st.integers(1, 512), st.booleans())
def test_a_kickstart_rendered_from_a_design_lints_clean(name, index, sizes_gib, firmware,
                                                       ram_gib, encrypted):
    profile = _profile(name, index)
    names = tuple("sd" + chr(ord("a") + i) for i in range(len(sizes_gib)))
    facts = D.DiskFacts(tuple(D.Disk(n, s * GiB, label="gpt") for n, s in zip(names, sizes_gib)),
                        firmware=firmware, ram=ram_gib * GiB)
    design = D.design(profile, facts, encrypted=encrypted)
    assume(design.boot_disk is not None and design.needed <= facts.total)
    # What render_kickstart reads of the planner's Plan (the planner needs disks).
    plan = types.SimpleNamespace(profile_name=design.profile_name, disks=names, clear=names,
                                 design=design,
                                 summary={"firmware_from_platform": firmware is None})
    text = render_kickstart(plan, profile)
    report = _check(text, profile)
    assert report is not None
    # Clean: no error, no warning (infos may say what a kickstart cannot tell, e.g. sizes).
    assert report.errors == () and report.warnings == (), (text, report.findings)
    assert exit_code(report, strict=True) == 0


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=6),
       st.lists(st.text(max_size=40), max_size=6), st.one_of(st.none(), st.integers(-5, 50)))
def test_addon_data_raises_only_kickstart_errors(header, body, lineno):
    data = OvirtNodeData()
    try:
        data.handle_header(header, line_number=lineno)
    except KickstartParseError:
        pass
    for line in body:
        try:
            data.handle_line(line, line_number=lineno)
        except KickstartParseError:
            pass
    try:
        data.handle_end()
        profile = data.resolve_profile()
    except KickstartParseError:
        return
    assert "/" in profile.mounts
    # what it writes reads back the same
    again = OvirtNodeData()
    lines = str(data).splitlines()
    again.handle_header(shlex.split(lines[0])[2:] if lines else [])
    for line in lines[1:-1]:
        again.handle_line(line)
    assert again == data


# The linter's fast stand-in for shlex.split must split every line exactly as shlex does
# (it replaces it inside pykickstart during a parse), errors included.
SPLIT_CHARS = st.sampled_from(["a", "b", "-", "=", " ", "  ", "\t", "\r", "\n", "'", '"', "#",
                               "\\", "\x00", "\x0b", "\x1c", "\xa0", "\u00e9", "$", "%"])


def _split_outcome(split, text, comments):
    try:
        return split(text, comments=comments)
    except ValueError as exc:
        return ("error", str(exc))


@SETTINGS
@given(st.lists(SPLIT_CHARS, max_size=30).map("".join), st.booleans(), st.booleans())
def test_fast_split_is_shlex_split(text, comments, final_newline):
    import shlex

    from org_ovirt_node.kickstart.linter import fast_split
    if final_newline:
        text = text.replace("\n", "") + "\n"
    assert _split_outcome(fast_split, text, comments) == \
        _split_outcome(shlex.split, text, comments)
