# SPDX-License-Identifier: GPL-2.0-or-later
"""``ovirt-node-layout``: the command line for profiles, plans, kickstart checks and hosts.

Each subcommand lives in its own module with ``register(subparsers)``, which adds its parser
and sets ``func``; modules are imported only when their subcommand runs... except for the
parser set-up itself, which must stay free of heavy imports (blivet is imported inside the
commands that need it, so ``check`` starts fast).

Exit codes: 0 ok, 1 violations found, 2 bad input or usage, 3 a bug of this program (an
unexpected exception: one line on standard error, the traceback with ``--debug``), 130
interrupted (Ctrl-C). Errors go to standard error. Printing never fails on a character the
output encoding lacks: the undecodable bytes of a file name go out as they came, anything
else as a backslash escape.
"""
import argparse
import codecs
import importlib
import os
import sys
import traceback

from org_ovirt_node import __version__
from org_ovirt_node.i18n import N_, _

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
EXIT_INTERRUPTED = 128 + 2  # the shell's code for SIGINT
PROG = "ovirt-node-layout"
# The one table of exit codes: --help's epilog, the man page, README and docs/cli.md are
# generated from it (scripts/cli_docs.py). Every command uses 0, 1 and 2 alike.
EXIT_CODES = (
    (EXIT_OK, N_("ok: no violation found, or the command did what was asked")),
    (EXIT_VIOLATIONS, N_("violations: the layout breaks the profile (errors, or warnings with "
                         "--strict), a plan does not fit the disks, apply refused or failed, "
                         "a kickstart --fix refuses to touch, a host in a fleet fails")),
    (EXIT_USAGE, N_("bad input or usage: a file that cannot be read or parsed, an invalid "
                    "profile, a wrong option; nothing was changed")),
    (EXIT_BUG, N_("a bug of this program: one line on standard error says how to report it; "
                  "--debug shows the traceback")),
    (EXIT_INTERRUPTED, N_("interrupted (Ctrl-C)")),
)

# Subcommand modules, in the order shown by --help.
COMMANDS = ("profile_cmd", "plan_cmd", "check_cmd", "apply_cmd", "verify_cmd", "fleet_cmd")


class UsageError(Exception):
    """Bad input or usage: reported on stderr, exit code 2. With *located*, the message is
    already ``file:line: ...`` diagnostics and is printed without the program name."""

    def __init__(self, message, located=False):
        super().__init__(message)
        self.located = located


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write("%s: error: %s\n" % (self.prog, message))
        sys.exit(EXIT_USAGE)


def add_format_option(parser, choices=("text", "json")):
    parser.add_argument("--format", choices=choices, default="text",
                        help=_("output format (default: text); json is described in "
                               "docs/json.md"))


def add_clear_option(parser):
    """``--clear`` as ``plan`` and ``apply`` both take it (:func:`parse_clear`)."""
    parser.add_argument("--clear", nargs="+", default=["none"], metavar="none|all|DISK",
                        help=_("what may be erased: none (default: free space only), all "
                               "(every chosen disk), or the disks named (space- or "
                               "comma-separated)"))


def parse_clear(values):
    """``none``, ``all`` or a list of disk names from ``--clear`` values (each may hold
    several names separated by commas); :class:`UsageError` for a mix or an empty name."""
    if isinstance(values, str):
        values = [values]
    names = [n.strip() for v in values for n in v.split(",")]
    if not names or any(not n for n in names):
        raise UsageError(_("--clear: expected none, all or disk names, got %(value)s")
                         % {"value": " ".join(values) or "''"})
    if names in (["none"], ["all"]):
        return names[0]
    if "none" in names or "all" in names:
        raise UsageError(_("--clear takes none, all, or disk names, not a mix"))
    return list(dict.fromkeys(names))


def did_you_mean(word, choices):
    """``did you mean X?`` for the choice closest to *word*, or ``""`` (:mod:`..suggest`)."""
    from org_ovirt_node.suggest import did_you_mean as suggestion
    return suggestion(word, choices)


def suggest_profile(name):
    """``did you mean ovirt-node?`` when *name* names nothing and is close to a built-in
    profile's name; ``""`` otherwise (:func:`org_ovirt_node.profile.suggest_profile`)."""
    from org_ovirt_node.profile import suggest_profile as suggestion
    return suggestion(name)


def add_rule_option(parser):
    """``--rule SLUG=SEVERITY`` (repeatable), as ``rule SLUG SEVERITY`` in ``%addon``."""
    parser.add_argument("--rule", action="append", default=[], metavar="SLUG=SEVERITY",
                        help=_("change a rule's severity for this run (error, warning, info "
                               "or off; the rule by slug or code, e.g. mount-options=error); "
                               "repeat for more"))


def apply_rule_options(profile, values):
    """*profile* with the ``--rule`` severities of *values*; :class:`UsageError` with ``did
    you mean`` for an unknown rule or severity."""
    from org_ovirt_node import rules as catalog
    from org_ovirt_node.sanitize import excerpt
    if not values:
        return profile
    changes = {}
    for value in values:
        slug, sep, severity = value.partition("=")
        slug, severity = slug.strip(), severity.strip().lower()
        if not sep or not slug or not severity:
            raise UsageError(_("--rule %(value)s: expected SLUG=SEVERITY, e.g. "
                               "mount-options=error") % {"value": excerpt(value)})
        info = catalog.lookup(slug) or catalog.lookup(slug.upper())
        if info is None:
            hint = did_you_mean(slug, catalog.names())
            raise UsageError(_("--rule %(value)s: unknown rule %(rule)s%(hint)s") % {
                "value": excerpt(value), "rule": excerpt(slug),
                "hint": "; " + hint if hint else ""})
        if severity not in catalog.SEVERITIES:
            hint = did_you_mean(severity, catalog.SEVERITIES)
            raise UsageError(_("--rule %(value)s: expected a severity of %(choices)s%(hint)s")
                             % {"value": excerpt(value),
                                "choices": ", ".join(catalog.SEVERITIES),
                                "hint": "; " + hint if hint else ""})
        changes[info.slug] = severity
    from org_ovirt_node.profile import ProfileError
    try:
        return profile.derive({"rules": changes}, profile.source)
    except ProfileError as exc:
        raise UsageError("\n".join(p.diagnostic() for p in exc.problems),
                         located=True) from None


def load_profile_or_usage(name, loader=None):
    """The profile *name* (the default when None), its notes printed on standard error and
    kept for the JSON envelope (:func:`output.report_notes`); or a :class:`UsageError` that
    lists every problem of it as ``file:line:column: error: key: message`` (the loader says
    ``did you mean`` for a name close to a built-in profile's)."""
    from org_ovirt_node.cli import output
    from org_ovirt_node.profile import DEFAULT_PROFILE, ProfileError, load_profile
    try:
        profile = (loader or load_profile)(name or DEFAULT_PROFILE)
    except ProfileError as exc:
        raise UsageError("\n".join(p.diagnostic() for p in exc.problems),
                         located=True) from None
    output.report_notes(profile)
    return profile


def _add_debug_option(parser, default):
    parser.add_argument("--debug", action="store_true", default=default,
                        help=_("on an internal error, print the full traceback"))


def _subparsers(parser):
    """Every sub-parser below *parser*, depth first."""
    for action in parser._actions:  # argparse keeps no public list of sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases map to one parser
                yield sub
                yield from _subparsers(sub)


def build_parser():
    parser = _Parser(prog=PROG,
                     description=_("Check and plan the storage layout oVirt Node needs."),
                     epilog=_("Exit codes: 0 ok, 1 violations found, 2 bad input or usage, "
                              "3 a bug of this program (report it; --debug shows the "
                              "traceback), 130 interrupted. Colour: on a terminal, unless "
                              "NO_COLOR is set; FORCE_COLOR=1 forces it."))
    parser.add_argument("--version", action="version", version="%s %s" % (PROG, __version__))
    _add_debug_option(parser, False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=_Parser)
    subparsers.required = True
    for name in COMMANDS:
        module = importlib.import_module("org_ovirt_node.cli." + name)
        module.register(subparsers)
    # --debug also after the subcommand; SUPPRESS keeps a sub-parser from resetting the
    # value given before it.
    for sub in _subparsers(parser):
        _add_debug_option(sub, argparse.SUPPRESS)
    return parser


def main(argv=None):
    """Run the command line; return the exit code (argparse's own errors exit 2 through
    ``SystemExit``, ``--help`` and ``--version`` exit 0)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    restore_stdout = _lenient_stdout()
    try:
        return _main(argv)
    finally:
        restore_stdout()


def _main(argv):
    debug = "--debug" in argv  # until parsed: a failure while building the parser is a bug too
    from org_ovirt_node.cli import output
    output.reset_notes()  # main() may run more than once in one process (tests, embedding)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        debug = args.debug
        _refuse_emptied_values(parser, args)
        status = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except UsageError as exc:
        sys.stderr.write(("%s\n" if exc.located else PROG + ": %s\n") % exc)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (``| head``): not an error. Point stdout at /dev/null so the
        # interpreter's final flush does not fail again.
        _silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        sys.stderr.write(PROG + ": " + _("interrupted") + "\n")
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the one place every unexpected error ends up
        report_bug(exc, debug)
        return EXIT_BUG


def _actions(parser):
    """Every action of *parser* and of its subcommands' parsers."""
    import argparse
    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield from _actions(sub)


def _refuse_emptied_values(parser, args):
    """argparse turns ``--opt=--`` into an empty list, without calling the option's type:
    an option that takes one value and got none is a usage error, not a list downstream."""
    import argparse
    for action in _actions(parser):
        if not action.option_strings or action.nargs is not None:
            continue
        value = getattr(args, action.dest, None)
        if isinstance(action, argparse._AppendAction):
            emptied = isinstance(value, list) and any(v == [] for v in value)
        else:
            emptied = value == [] and not isinstance(action.default, list)
        if emptied:
            raise UsageError(_("%(option)s: expected a value, got '--'")
                             % {"option": action.option_strings[-1]})


STDOUT_ERRORS = "org_ovirt_node.stdout"


def _stdout_errors(error):
    """Codec error handler of standard output. A file name that is not UTF-8 comes from the
    command line (or a directory) with each undecodable byte as U+DC80..U+DCFF: it goes out
    as that byte again, as ``ls`` prints it. Any other character the output encoding cannot
    take is written as a backslash escape. Printing a name never fails."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    code = ord(error.object[error.start])
    if 0xDC80 <= code <= 0xDCFF:
        return bytes([code - 0xDC00]), error.start + 1
    escape = "\\x%02x" if code < 0x100 else "\\u%04x" if code < 0x10000 else "\\U%08x"
    return escape % code, error.start + 1


codecs.register_error(STDOUT_ERRORS, _stdout_errors)


def _lenient_stdout():
    """Make standard output use :func:`_stdout_errors` where it would raise (a UTF-8 locale
    gives ``strict``); return what undoes it, for callers of :func:`main` in-process."""
    stream = sys.stdout
    if getattr(stream, "errors", None) != "strict" or not hasattr(stream, "reconfigure"):
        return lambda: None
    try:
        stream.reconfigure(errors=STDOUT_ERRORS)
    except (OSError, ValueError):
        return lambda: None

    def restore():
        try:
            stream.reconfigure(errors="strict")
        except (OSError, ValueError):
            pass
    return restore


def _silence_stdout():
    if sys.stdout is not sys.__stdout__:  # replaced (tests, embedding): nothing to flush
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _short_path(path, package_parent):
    path = os.path.abspath(path)
    if path.startswith(package_parent + os.sep):
        return os.path.relpath(path, package_parent)
    for marker in ("site-packages" + os.sep, "dist-packages" + os.sep):
        if marker in path:
            return path.split(marker, 1)[1]
    return os.path.basename(path)


def where(exc):
    """``file:line in function`` of the innermost frame of *exc*'s traceback in this package,
    followed by ``(raised in ...)`` when the exception came from deeper code (a library, the
    standard library)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parent = os.path.dirname(package)
    ours = [f for f in frames if os.path.abspath(f.filename).startswith(package + os.sep)]
    inner = frames[-1]
    outer = ours[-1] if ours else inner

    def show(frame):
        return "%s:%s in %s" % (_short_path(frame.filename, parent), frame.lineno, frame.name)
    if outer is inner:
        return show(inner)
    return _("%(ours)s (raised in %(inner)s)") % {"ours": show(outer), "inner": show(inner)}


def report_bug(exc, debug, stream=None):
    """One line on *stream* (stderr) naming the unexpected exception *exc*, where it was
    raised and how to report it; the full traceback first when *debug*. The exception's
    message is quoted only as a short sanitised excerpt: it may hold input text."""
    from org_ovirt_node.sanitize import excerpt

    stream = stream or sys.stderr
    if debug:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=stream)
    message = str(exc)
    stream.write(PROG + ": " + _(
        "internal error (a bug): %(error)s at %(where)s; please report this as a bug of "
        "org_ovirt_node with the command line and `--debug` output") % {
            "error": type(exc).__name__ + (" " + excerpt(message, 60) if message else ""),
            "where": where(exc)} + "\n")
