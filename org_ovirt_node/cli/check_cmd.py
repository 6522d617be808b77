"""``ovirt-node-layout check``: placeholder until its issue lands."""


def register(subparsers):
    """Adds nothing yet."""
