"""Contract double of Anaconda's ``pyanaconda`` (tests only; see ../README.md)."""
