"""kerazoo.generation."""
