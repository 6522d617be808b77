"""``ovirt-node-layout apply``: placeholder until its issue lands."""


def register(subparsers):
    """Adds nothing yet."""
