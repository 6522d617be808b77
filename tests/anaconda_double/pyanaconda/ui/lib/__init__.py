"""Double of ``pyanaconda.ui.lib``."""
