"""kerazoo.convert."""
