"""Double of ``pyanaconda.ui.tui``."""
