"""Double of ``pyanaconda.ui``."""
