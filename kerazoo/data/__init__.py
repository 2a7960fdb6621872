"""kerazoo.data."""
