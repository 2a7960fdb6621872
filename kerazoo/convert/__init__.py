"""Load checkpoints of other implementations into kerazoo models."""

from kerazoo.convert.huggingface import from_huggingface

__all__ = ["from_huggingface"]
