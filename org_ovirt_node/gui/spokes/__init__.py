"""Graphical spokes of the addon (Anaconda collects every spoke class in this package)."""
