"""kerazoo.training."""
