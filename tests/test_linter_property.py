"""Property tests: whatever the input, the linter returns a Report (or raises only its
documented LintInputError) and the %addon data class raises only KickstartParseError."""
import os
import shlex

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pykickstart.errors import KickstartParseError

from org_ovirt_node.findings import Report
from org_ovirt_node.kickstart import OvirtNodeData
from org_ovirt_node.linter import LintInputError, exit_code, lint_text

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "data", "examples")
SETTINGS = settings(max_examples=int(os.environ.get("ONN_PROPERTY_EXAMPLES", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


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


def _check(text):
    try:
        report = lint_text(text)
    except LintInputError:
        return
    assert isinstance(report, Report)
    assert exit_code(report) in (0, 1, 2)
    for finding in report.findings:
        assert finding.line is None or (isinstance(finding.line, int) and finding.line >= 0)


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(data):
    try:
        report = lint_text(data)
    except LintInputError:
        return
    assert isinstance(report, Report)


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
    _check(text)


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

    from org_ovirt_node.linter import fast_split
    if final_newline:
        text = text.replace("\n", "") + "\n"
    assert _split_outcome(fast_split, text, comments) == \
        _split_outcome(shlex.split, text, comments)
