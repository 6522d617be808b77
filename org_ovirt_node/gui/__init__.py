"""Graphical (Gtk) installer UI of the addon; Anaconda finds spokes in ``gui/spokes``."""
