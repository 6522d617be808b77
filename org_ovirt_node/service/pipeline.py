# SPDX-License-Identifier: GPL-2.0-or-later
"""Many D-Bus calls in flight at once, for reading Anaconda's device tree quickly.

Reading a tree takes two or three calls per device; made one after the other, each waits a
full round trip through the bus and the Storage module, and dasbus' per-call Python work
doubles that. Here all calls of one method are sent at once with Gio and their replies
collected on a private GLib main context, so the service's own main loop is not re-entered
(no other D-Bus request is dispatched meanwhile).
"""
from gi.repository import Gio, GLib

__all__ = ["Pipeline", "LazyStructure"]


class LazyStructure:
    """A read-only view of an ``a{sv}`` reply that unpacks only the fields asked for (the
    adapter reads a handful of the dozen fields Anaconda sends)."""

    __slots__ = ("_variant",)

    def __init__(self, variant):
        self._variant = variant

    def get(self, key, default=None):
        value = self._variant.lookup_value(key, None)
        return default if value is None else value.unpack()


def _reply_value(reply):
    value = reply.get_child_value(0)
    if value.get_type_string() == "a{sv}":
        return LazyStructure(value)
    return value.unpack()


class Pipeline:
    """``call_many`` for :func:`org_ovirt_node.installer.dbus_reader.read_tree` that talks to
    *service_name* at *object_path* over *connection*; *interfaces* maps each method name to
    the D-Bus interface that defines it."""

    def __init__(self, connection, service_name, object_path, interfaces, timeout_ms=-1):
        self.connection = connection
        self.service_name = service_name
        self.object_path = object_path
        self.interfaces = interfaces
        self.timeout_ms = timeout_ms

    def __call__(self, proxy, method, keys):
        """``[proxy.method(key) for key in keys]``, all in flight at once (*proxy* is not
        used: the calls go straight through Gio); raises the first error a call returned."""
        return self.call_batches(proxy, [(method, keys)])[0]

    def call_batches(self, proxy, batches):
        """Several :meth:`__call__` at once: *batches* is ``[(method, keys)]``; returns one
        result list per batch. All calls are in flight together (one wait for the slowest
        instead of one per method); raises the first error a call returned."""
        batches = [(method, list(keys)) for method, keys in batches]
        results = [[None] * len(keys) for _method, keys in batches]
        errors = []
        pending = [sum(len(keys) for _method, keys in batches)]
        if not pending[0]:
            return results

        def done(connection, result, where):
            batch, index = where
            try:
                results[batch][index] = _reply_value(connection.call_finish(result))
            except GLib.Error as exc:
                errors.append(exc)
            pending[0] -= 1

        context = GLib.MainContext.new()
        context.push_thread_default()
        try:
            call = self.connection.call
            flags, timeout = Gio.DBusCallFlags.NONE, self.timeout_ms
            new_tuple, new_string = GLib.Variant.new_tuple, GLib.Variant.new_string
            for number, (method, keys) in enumerate(batches):
                interface = self.interfaces[method]
                for index, key in enumerate(keys):
                    # GLib's own constructors: PyGObject's GLib.Variant("(s)", ...) parses
                    # the type string in Python, a large share of the time per call.
                    call(self.service_name, self.object_path, interface, method,
                         new_tuple(new_string(key)), None, flags, timeout, None, done,
                         (number, index))
            while pending[0]:
                context.iteration(True)
        finally:
            context.pop_thread_default()
        if errors:
            raise errors[0]
        return results
