"""kerazoo.models."""
