# SPDX-License-Identifier: GPL-2.0-or-later
"""Byte sizes with explicit units, parsed without blivet (the kickstart linter must not import it).

The semantics are those of blivet's ``Size`` (libbytesize): IEC units (``KiB``, ``MiB``,
``GiB``, ...) are powers of 1024, SI units (``kB``, ``MB``, ``GB``, ...) powers of 1000, and
the bare letters ``K``/``M``/``G``/``T``/``P`` mean the binary unit, as in ``Size("6 G")``.
Unlike ``Size``, a bare number is refused: a profile must say what it means.
"""
import math
import re
from decimal import Decimal, InvalidOperation

from org_ovirt_node.i18n import _
from org_ovirt_node.sanitize import MAX_SCALAR

KiB = 1024
MiB = 1024 ** 2
GiB = 1024 ** 3
TiB = 1024 ** 4
PiB = 1024 ** 5
EiB = 1024 ** 6

_UNITS = {
    "b": 1,
    "kib": 1024, "mib": 1024 ** 2, "gib": 1024 ** 3, "tib": 1024 ** 4, "pib": 1024 ** 5,
    "eib": 1024 ** 6,
    "kb": 1000, "mb": 1000 ** 2, "gb": 1000 ** 3, "tb": 1000 ** 4, "pb": 1000 ** 5,
    "eb": 1000 ** 6,
    "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4, "p": 1024 ** 5, "e": 1024 ** 6,
}
_SIZE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)\s*$")

# Inserted into messages as it is (no words to translate): the binary units with their
# short forms, then the decimal ones; any case is accepted (10gib).
UNIT_NAMES = "B, KiB, MiB, GiB, TiB, PiB = K, M, G, T, P; kB, MB, GB, TB, PB"
MAX_SIZE_TEXT = MAX_SCALAR
"""Longer text is refused before any arithmetic (callers bound the value itself)."""


class SizeError(ValueError):
    """A size string that is not ``<number> <unit>``."""


def parse_size(text):
    """Return the number of bytes *text* (e.g. ``"1.5 GiB"``, ``"1100MiB"``) stands for.

    Raises :class:`SizeError` for a missing or unknown unit, a negative or malformed number.
    """
    if not isinstance(text, str):
        raise SizeError(_("expected a size with a unit, e.g. '6 GiB'"))
    if len(text) > MAX_SIZE_TEXT:
        raise SizeError(_("too long for a size (at most %(max)d characters)")
                        % {"max": MAX_SIZE_TEXT})
    match = _SIZE_RE.match(text)
    if not match:
        if re.match(r"^\s*-?[0-9.]+\s*$", text):
            raise SizeError(_("a size needs a unit (%(units)s)") % {"units": UNIT_NAMES})
        raise SizeError(_("expected '<number> <unit>' with a unit of %(units)s")
                        % {"units": UNIT_NAMES})
    number, unit = match.groups()
    factor = _UNITS.get(unit.lower())  # case-insensitive, like libbytesize
    if factor is None:
        raise SizeError(_("unknown unit %(unit)r (use one of %(units)s)")
                        % {"unit": unit, "units": UNIT_NAMES})
    try:
        value = Decimal(number) * factor
    except InvalidOperation:
        raise SizeError(_("malformed number %(number)r") % {"number": number}) from None
    return int(value)


def decimal_note(text):
    """A note for a size written in a decimal unit (``10 GB``, ``10gb``), which profiles
    accept but people often mean as binary: what it is in binary units and what to write
    for that; ``None`` for anything else (binary units, text that is no size)."""
    match = _SIZE_RE.match(text) if isinstance(text, str) else None
    if not match or match.group(2).lower() not in _DECIMAL:
        return None
    number, unit = match.groups()
    try:
        value = parse_size(text)
    except SizeError:
        return None
    binary = {"k": "KiB", "m": "MiB", "g": "GiB", "t": "TiB", "p": "PiB",
              "e": "EiB"}[unit[0].lower()]
    return _("%(text)s is a decimal unit and means %(size)s; write '%(number)s %(binary)s' "
             "for the binary size") % {"text": "%s %s" % (number, unit),
                                       "size": format_size(value), "number": number,
                                       "binary": binary}


_DECIMAL = frozenset(("kb", "mb", "gb", "tb", "pb", "eb"))

_IEC_UNITS = (("EiB", EiB), ("PiB", PiB), ("TiB", TiB), ("GiB", GiB), ("MiB", MiB),
              ("KiB", KiB))
_SCIENTIFIC_FROM = 10 ** 6 * EiB


def format_size(num_bytes, precision=2):
    """Render *num_bytes* in the largest IEC unit that keeps the number >= 1.

    Trailing zeros are dropped (``6 GiB``, ``1.07 GiB``, ``1100 MiB`` stays ``1.07 GiB``).
    Any int renders, however large (from a million EiB on in scientific notation,
    ``1.39e+42 EiB``); ``None`` or anything that is not a finite number gives ``?``.
    """
    try:
        value = int(num_bytes)
    except (TypeError, ValueError, OverflowError):
        return "?"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= _SCIENTIFIC_FROM:
        return "%s%s EiB" % (sign, _scientific(value, EiB))
    for unit, factor in _IEC_UNITS:
        if value >= factor:
            text = ("%.*f" % (precision, value / factor)).rstrip("0").rstrip(".")
            return "%s%s %s" % (sign, text, unit)
    return "%s%d B" % (sign, value)


def _scientific(value, factor):
    """``value / factor`` as ``1.39e+42``, through logarithms: float division overflows
    beyond 2**1024 and ``str()`` of a huge int is refused or slow."""
    exponent_f = math.log10(value) - math.log10(factor)
    exponent = int(math.floor(exponent_f))
    mantissa = round(10 ** (exponent_f - exponent), 2)
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return "%se+%d" % (("%.2f" % mantissa).rstrip("0").rstrip("."), exponent)
