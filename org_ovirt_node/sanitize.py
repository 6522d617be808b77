# SPDX-License-Identifier: GPL-2.0-or-later
"""Short, harmless excerpts of rejected input, and the input bounds shared by every reader.

A message that quotes what it rejects must not become a way to print a file of the machine
(``--profile=/etc/shadow``, ``%include /proc/self/environ``) or to smuggle terminal control
sequences into a log. :func:`excerpt` quotes at most a few dozen characters, with every control,
format or non-printable character escaped, so quoting hostile text is always safe.
Pure standard library: the kickstart linter and the installer addon both import it.
"""

MAX_SCALAR = 4096
"""The longest scalar (YAML value, kickstart argument, line fragment) accepted anywhere."""

EXCERPT_LIMIT = 40
ELLIPSIS = "\u2026"

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(char, quote):
    """*char* as it appears in an excerpt: itself if printable, else a Python-style escape."""
    if char in _ESCAPES:
        return _ESCAPES[char]
    if char == "'" and quote:
        return "\\'"
    if char.isprintable():
        return char
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte (surrogateescape)
        return "\\x%02x" % (code - 0xDC00)
    if code < 0x100:
        return "\\x%02x" % code
    if code < 0x10000:
        return "\\u%04x" % code
    return "\\U%08x" % code


def excerpt(text, limit=EXCERPT_LIMIT, quote=True):
    """A repr-like excerpt of *text*: at most *limit* characters of content (between single
    quotes unless *quote* is false), control and non-printable characters escaped (``\\n``,
    ``\\x1b``, ``\\u202e``), cut with ``…`` when longer. Undecodable bytes show as
    ``\\xNN``; any other object is quoted through ``str()``. Work is bounded by *limit*, not
    by the length of *text*.
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text[:limit * 4]).decode("utf-8", "surrogateescape")
    elif not isinstance(text, str):
        try:
            text = str(text)
        except Exception:  # noqa: BLE001 - an object whose str() fails is still quoted
            text = "<%s>" % type(text).__name__
    limit = max(1, int(limit))
    mark = "'" if quote else ""
    pieces, used = [], 0
    for char in text[:limit + 1]:
        piece = _escape_char(char, quote)
        if used + len(piece) > limit:
            return "%s%s%s%s" % (mark, "".join(pieces), ELLIPSIS, mark)
        pieces.append(piece)
        used += len(piece)
    if len(text) > limit:
        return "%s%s%s%s" % (mark, "".join(pieces), ELLIPSIS, mark)
    return "%s%s%s" % (mark, "".join(pieces), mark)


def is_clean_text(text):
    """True if *text* is a string without control, format or other non-printable characters
    (spaces are allowed; newlines and tabs are not)."""
    return isinstance(text, str) and text.isprintable()
