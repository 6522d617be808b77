"""``ovirt-node-layout plan``: placeholder until its issue lands."""


def register(subparsers):
    """Adds nothing yet."""
