"""kerazoo.layers."""
