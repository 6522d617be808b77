"""Adapters: each turns one kind of input into the neutral :class:`~org_ovirt_node.layout.Layout`.

- :mod:`.blivet_tree`: a ``blivet.Blivet`` / device tree (planner, installer, tests)
- :mod:`.kickstart`: pykickstart partitioning commands (the linter; never imports blivet)
- :mod:`.dbus_tree`: Anaconda's Storage ``DeviceTree`` D-Bus API (the addon service)
- :mod:`.host`: a live system's ``lsblk``/``lvs``/``findmnt`` output (``verify``)
"""
