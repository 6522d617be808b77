# SPDX-License-Identifier: GPL-2.0-or-later
"""One bounded reader for every file the tools read on a user's behalf.

Profiles, ``%include``-d kickstarts, passphrase files and ``etc/fstab`` under ``--root`` all
name a path that may be anything: ``/dev/zero`` never ends, a FIFO blocks, a directory or a
device must not even be opened (opening a device can have effects of its own), and a huge
file would be read whole. :func:`read_regular_file` opens nothing but a regular file,
checks it again on the open descriptor (a FIFO swapped in after the ``stat`` cannot block the
non-blocking open) and reads at most *limit* bytes.

Pure standard library: the kickstart linter and the installer addon both import it.
"""
import os
import stat

from org_ovirt_node.i18n import N_, _
from org_ovirt_node.units import format_size

# Why a path is not read: the key callers branch on, and the words shown.
MISSING, SPECIAL, LARGE, UNREADABLE = "missing", "special", "large", "unreadable"

_FILE_KINDS = ((stat.S_ISDIR, N_("a directory")), (stat.S_ISFIFO, N_("a FIFO")),
               (stat.S_ISCHR, N_("a character device")), (stat.S_ISBLK, N_("a block device")),
               (stat.S_ISSOCK, N_("a socket")))

_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0))


class FileReadError(OSError):
    """*path* was not read: *reason* is one of the module's reason keys, the message says
    why in words (translated; the path itself is left to the caller to quote)."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __str__(self):
        return self.message


def kind_of(mode):
    """What a non-regular file is, in words (``a FIFO``, ``a directory``...)."""
    return next((_(text) for test, text in _FILE_KINDS if test(mode)), _("not a regular file"))


def _not_regular(mode):
    return FileReadError(SPECIAL, _("not a regular file (%(kind)s)") % {"kind": kind_of(mode)})


def read_regular_file(path, limit) -> bytes:
    """The bytes of the regular file *path* when it holds at most *limit* of them; else
    :class:`FileReadError` (never blocks, never reads more than ``limit + 1`` bytes)."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(mode)
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise FileReadError(MISSING, _("no such file")) from None
    except FileReadError:
        raise
    except OSError as exc:
        raise FileReadError(UNREADABLE, exc.strerror or str(exc)) from None
    except ValueError:  # a NUL in the path
        raise FileReadError(UNREADABLE, _("not a valid path")) from None
    too_big = FileReadError(LARGE, _("larger than %(limit)s") % {"limit": format_size(limit)})
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(info.st_mode)
        if info.st_size > limit:
            raise too_big
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # the file grew while it was read (or st_size lied: /proc)
                raise too_big
    except OSError as exc:
        if isinstance(exc, FileReadError):
            raise
        raise FileReadError(UNREADABLE, exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
