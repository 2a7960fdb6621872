"""Model families composed from `kerazoo.layers`, and the builder that makes them."""

from kerazoo.models import gpt  # noqa: F401  (registers the family)
from kerazoo.models.gpt import GPT, GPTConfig
from kerazoo.models.registry import build, get_family, list_models, resolve_config

__all__ = ["GPT", "GPTConfig", "build", "get_family", "list_models", "resolve_config"]
