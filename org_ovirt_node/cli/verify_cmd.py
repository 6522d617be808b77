"""``ovirt-node-layout verify``: placeholder until its issue lands."""


def register(subparsers):
    """Adds nothing yet."""
