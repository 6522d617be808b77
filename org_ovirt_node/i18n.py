# SPDX-License-Identifier: GPL-2.0-or-later
"""Translations: every user-facing string goes through gettext domain ``org_ovirt_node``.

``N_`` marks constants for extraction without translating them at import time; ``_``
translates at the point of use, so a message shows in the language active then.

The catalogue is looked up at call time, not at import: Anaconda changes the language
(``LANG``) after the addon is imported, and a host command may be run under any
``LANGUAGE``/``LC_ALL``/``LC_MESSAGES``/``LANG``. The translation for one set of those
variables is cached; a change of any of them selects the catalogue again.

Where the compiled catalogues (``<lang>/LC_MESSAGES/org_ovirt_node.mo``) are searched, first
match wins:

1. ``$ORG_OVIRT_NODE_LOCALEDIR`` when set;
2. ``build/locale`` of a source checkout (``make mo`` compiles ``po/*.po`` there);
3. ``<prefix>/share/locale`` of the tree the package is installed in, found by walking up
   from the package folder: ``/usr/share/anaconda/addons/org_ovirt_node`` and
   ``/usr/lib/python3.X/site-packages/org_ovirt_node`` both lead to ``/usr/share/locale``,
   and a ``make install DESTDIR=...`` tree to its own ``usr/share/locale``;
4. gettext's default folder (``sys.base_prefix/share/locale``).
"""
import gettext
import os
import threading

DOMAIN = "org_ovirt_node"
LOCALEDIR_ENV = "ORG_OVIRT_NODE_LOCALEDIR"
# The variables gettext reads, in its order of precedence.
_LANGUAGE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_lock = threading.Lock()
_KEY_VARS = _LANGUAGE_VARS + (LOCALEDIR_ENV,)
try:    # the keys as os.environ stores them (bytes on POSIX, str on Windows)
    _RAW_KEYS = tuple(os.environ.encodekey(k) for k in _KEY_VARS)
except AttributeError:
    _RAW_KEYS = None
_cache = {}


def _installed_localedirs():
    """``share/locale`` folders of the trees above the package folder (closest first)."""
    dirs = []
    folder = os.path.dirname(_PACKAGE_DIR)
    while True:
        candidate = os.path.join(folder, "share", "locale")
        if os.path.isdir(candidate):
            dirs.append(candidate)
        parent = os.path.dirname(folder)
        if parent == folder:
            return dirs
        folder = parent


def localedirs():
    """The folders searched for compiled catalogues, in order (see the module docstring)."""
    dirs = []
    override = os.environ.get(LOCALEDIR_ENV)
    if override:
        dirs.append(override)
    checkout = os.path.dirname(_PACKAGE_DIR)
    if os.path.isdir(os.path.join(checkout, "po")):
        dirs.append(os.path.join(checkout, "build", "locale"))
    dirs.extend(_installed_localedirs())
    dirs.append(None)  # gettext's default folder
    return dirs


def _environment_key():
    """The variables that choose the catalogue, as a cache key. Read from the mapping behind
    ``os.environ`` when there is one (a plain dict lookup per variable: ``_`` runs for every
    message, and ``os.environ.get`` decodes on each call); same values, same semantics."""
    raw = getattr(os.environ, "_data", None)
    if isinstance(raw, dict) and _RAW_KEYS is not None:
        return tuple(map(raw.get, _RAW_KEYS))
    return tuple(map(os.environ.get, _KEY_VARS))


def translation():
    """The ``gettext`` translation for the language active now (a ``NullTranslations``
    when there is no catalogue for it)."""
    key = _environment_key()
    found = _cache.get(key)
    if found is None:
        with _lock:
            found = _cache.get(key)
            if found is None:
                found = _cache[key] = _lookup()
    return found


def _lookup():
    for folder in localedirs():
        if gettext.find(DOMAIN, folder):
            return gettext.translation(DOMAIN, folder, fallback=True)
    return gettext.NullTranslations()


def _(message):
    """Translate *message* in the addon's domain."""
    return translation().gettext(message)


def N_(message):  # noqa: N802 - the conventional gettext marker name
    """Mark *message* for extraction; translate later with ``_``."""
    return message


def P_(singular, plural, count):  # noqa: N802
    """Plural-aware translation."""
    return translation().ngettext(singular, plural, count)
