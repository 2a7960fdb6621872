"""kerazoo.cli."""
