"""Text-mode (simpleline) installer UI of the addon; Anaconda finds spokes in ``tui/spokes``."""
