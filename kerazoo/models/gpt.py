"""The GPT family: its hyperparameters, presets and registration.

The models are `GPTBackbone` (token ids -> hidden states) and `GPTCausalLM`
(the backbone with its tied language-model head), which `build("gpt")`
returns.
"""

import dataclasses

from kerazoo.models.gpt_backbone import GPTBackbone
from kerazoo.models.gpt_causal_lm import GPTCausalLM
from kerazoo.models.registry import Family, register_family


@dataclasses.dataclass(frozen=True)
class GPTConfig:
    """Hyperparameters of a GPT model (see `GPTBackbone`)."""

    vocabulary_size: int = 65  # Tiny Shakespeare's characters; set from the tokenizer.
    num_layers: int = 4
    num_heads: int = 4
    hidden_dim: int = 128
    intermediate_dim: int = 512  # 4 x hidden_dim, as in GPT-2.
    max_sequence_length: int = 64  # The context: the most tokens the model sees.
    dropout: float = 0.0
    layer_norm_epsilon: float = 1e-5
    activation: str = "gelu_approximate"  # GPT-2's tanh GELU.
    use_bias: bool = True  # Biases in projections and layer norms, as GPT-2 has.


PRESETS = {
    # nanoGPT's CPU config for Tiny Shakespeare.
    "gpt-nano": GPTConfig(),
    # nanoGPT's shakespeare-char GPU config.
    "gpt-mini": GPTConfig(
        num_layers=6,
        num_heads=6,
        hidden_dim=384,
        intermediate_dim=1536,
        max_sequence_length=256,
        dropout=0.2,
    ),
    # The GPT-2 124M shape.
    "gpt2-small": GPTConfig(
        vocabulary_size=50257,
        num_layers=12,
        num_heads=12,
        hidden_dim=768,
        intermediate_dim=3072,
        max_sequence_length=1024,
        dropout=0.1,
    ),
}


def build_gpt_causal_lm(dtype=None, **hyperparameters):
    """A `GPTCausalLM` on a new `GPTBackbone(**hyperparameters, dtype=dtype)`."""
    return GPTCausalLM(GPTBackbone(**hyperparameters, dtype=dtype, name="gpt_backbone"))


register_family(
    Family(
        name="gpt",
        config_class=GPTConfig,
        builder=build_gpt_causal_lm,
        presets=PRESETS,
        default_preset="gpt-nano",
        description="decoder-only causal language model (GPT-2 layout, pre-LN)",
        task="causal_lm",
        # TrainConfig's defaults are the recipe tuned on gpt-nano; larger
        # presets keep nanoGPT's optimizer settings.
        preset_recipes={
            "gpt-mini": {"beta_2": 0.99, "global_clipnorm": 1.0, "batch_size": 64},
            "gpt2-small": {
                "peak_learning_rate": 6e-4,
                "min_learning_rate": 6e-5,
                "beta_1": 0.9,
                "beta_2": 0.95,
                "global_clipnorm": 1.0,
            },
        },
    )
)
