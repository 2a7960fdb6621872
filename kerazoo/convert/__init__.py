"""Load checkpoints of other implementations into kerazoo models."""

from kerazoo.convert.huggingface import checkpoint_family, from_huggingface

__all__ = ["checkpoint_family", "from_huggingface"]
