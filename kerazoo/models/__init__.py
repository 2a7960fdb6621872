"""Model families composed from `kerazoo.layers`, and the builder that makes them.

Each family has a backbone (inputs -> hidden states) and task models that
put a head on it, as keras-hub does; `build(family, preset)` returns the
family's task model.
"""

from kerazoo.models import gpt, recurrent  # noqa: F401  (register the families)
from kerazoo.models.gpt import GPTConfig
from kerazoo.models.gpt_backbone import GPTBackbone
from kerazoo.models.gpt_causal_lm import GPTCausalLM
from kerazoo.models.recurrent import RecurrentLMConfig
from kerazoo.models.recurrent_backbone import RecurrentBackbone
from kerazoo.models.recurrent_causal_lm import RecurrentCausalLM
from kerazoo.models.registry import (
    Family,
    build,
    family_names,
    get_family,
    list_models,
    register_family,
    resolve_config,
)

__all__ = [
    "Family",
    "GPTBackbone",
    "GPTCausalLM",
    "GPTConfig",
    "RecurrentBackbone",
    "RecurrentCausalLM",
    "RecurrentLMConfig",
    "build",
    "family_names",
    "get_family",
    "list_models",
    "register_family",
    "resolve_config",
]
