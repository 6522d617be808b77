"""Translations: every user-facing string goes through gettext domain ``org_ovirt_node``.

``N_`` marks constants for extraction without translating them at import time; ``_``
translates at the point of use, so a message shows in the language active then.
"""
import gettext

DOMAIN = "org_ovirt_node"

_translation = gettext.translation(DOMAIN, fallback=True)


def _(message):
    """Translate *message* in the addon's domain."""
    return _translation.gettext(message)


def N_(message):  # noqa: N802 - the conventional gettext marker name
    """Mark *message* for extraction; translate later with ``_``."""
    return message


def P_(singular, plural, count):  # noqa: N802
    """Plural-aware translation."""
    return _translation.ngettext(singular, plural, count)
