# SPDX-License-Identifier: GPL-2.0-or-later
"""``did you mean …`` for a mistyped word: one helper for every place that refuses a name
from a known list (CLI options, ``%addon`` keywords and rules, profile names)."""
import difflib

from org_ovirt_node.i18n import _

# difflib's ratio below which a choice is not offered: 0.6 keeps "mount-option" →
# "mount-options" and "requre" → "require", and offers nothing for unrelated words.
CUTOFF = 0.6


def closest(word, choices):
    """The choice closest to *word*, or ``None`` (also for a non-string or empty *word*).
    A choice that differs only in case wins first: difflib compares characters exactly, so
    ``onn011`` would not reach ``ONN011`` (ratio 0.5) nor ``Error`` always ``error``."""
    if not isinstance(word, str) or not word:
        return None
    choices = [str(c) for c in choices]
    folded = word.casefold()
    same = [c for c in choices if c.casefold() == folded and c != word]
    if same:
        return same[0]
    close = difflib.get_close_matches(word, choices, n=1, cutoff=CUTOFF)
    return close[0] if close else None


def did_you_mean(word, choices):
    """``did you mean X?`` (translated) for the choice closest to *word*, or ``""``."""
    close = closest(word, choices)
    return _("did you mean %(name)s?") % {"name": close} if close else ""


def with_suggestion(message, word, choices):
    """*message* followed by ``; did you mean X?`` when a choice is close to *word*."""
    hint = did_you_mean(word, choices)
    return "%s; %s" % (message, hint) if hint else message
