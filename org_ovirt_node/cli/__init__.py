"""``ovirt-node-layout``: the command line for profiles, plans, kickstart checks and hosts.

Each subcommand lives in its own module with ``register(subparsers)``, which adds its parser
and sets ``func``; modules are imported only when their subcommand runs... except for the
parser set-up itself, which must stay free of heavy imports (blivet is imported inside the
commands that need it, so ``check`` starts fast).

Exit codes: 0 ok, 1 violations found, 2 bad input or usage. Errors go to standard error.
"""
import argparse
import importlib
import sys

from org_ovirt_node.i18n import _

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2

# Subcommand modules, in the order shown by --help.
COMMANDS = ("profile_cmd", "plan_cmd", "check_cmd", "apply_cmd", "verify_cmd")


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
                        help=_("output format (default: text)"))


def load_profile_or_usage(name, loader=None):
    """The profile *name* (the default when None), or a :class:`UsageError` that lists every
    problem of it as ``file:line:column: error: key: message``."""
    from org_ovirt_node.profile import DEFAULT_PROFILE, ProfileError, load_profile
    try:
        return (loader or load_profile)(name or DEFAULT_PROFILE)
    except ProfileError as exc:
        raise UsageError("\n".join(p.diagnostic() for p in exc.problems),
                         located=True) from None


def build_parser():
    parser = _Parser(prog="ovirt-node-layout",
                     description=_("Check and plan the storage layout oVirt Node needs."))
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=_Parser)
    subparsers.required = True
    for name in COMMANDS:
        module = importlib.import_module("org_ovirt_node.cli." + name)
        module.register(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        sys.stderr.write(("%s\n" if exc.located else "ovirt-node-layout: %s\n") % exc)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
