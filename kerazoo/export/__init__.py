"""kerazoo.export."""
