"""The Transformer family (encoder-decoder): its hyperparameters, presets and registration.

`build("transformer")` returns a `TransformerEncoderDecoder`, trained by the
`seq2seq` task (`kerazoo.tasks.seq2seq`): by default German to English on
the shipped Multi30k.
"""

import dataclasses

from kerazoo.models.registry import Family, register_family
from kerazoo.models.transformer_encoder_decoder import TransformerEncoderDecoder


@dataclasses.dataclass(frozen=True)
class TransformerConfig:
    """Hyperparameters of a Transformer (see `TransformerEncoderDecoder`)."""

    vocabulary_size: int = 8000  # Shared source/target WordPiece; set from the tokenizer.
    num_encoder_layers: int = 3
    num_decoder_layers: int = 3
    num_heads: int = 8
    hidden_dim: int = 256
    intermediate_dim: int = 512
    max_source_length: int = 64  # Multi30k's longest sentences are ~60 WordPieces.
    max_target_length: int = 64
    target_vocabulary_size: int | None = None  # None: the source's (shared).
    tie_weights: bool = True  # Output projection = target embedding, as the paper.
    dropout: float = 0.1
    activation: str = "relu"
    layer_norm_epsilon: float = 1e-5
    normalize_first: bool = False  # The paper's post-LN.


PRESETS = {
    # A small model for Multi30k on CPU.
    "transformer-tiny": TransformerConfig(),
    # The paper's base model, with its 37,000-token shared vocabulary (WMT en-de).
    "transformer-base": TransformerConfig(
        vocabulary_size=37000,
        num_encoder_layers=6,
        num_decoder_layers=6,
        num_heads=8,
        hidden_dim=512,
        intermediate_dim=2048,
        max_source_length=256,
        max_target_length=256,
    ),
}


def build_transformer(dtype=None, **hyperparameters):
    """A `TransformerEncoderDecoder(**hyperparameters, dtype=dtype)`."""
    return TransformerEncoderDecoder(**hyperparameters, dtype=dtype, name="transformer")


def paper_learning_rate(hidden_dim, warmup_steps):
    """The paper's peak rate: `hidden_dim ** -0.5 * warmup_steps ** -0.5`."""
    return hidden_dim**-0.5 * warmup_steps**-0.5


register_family(
    Family(
        name="transformer",
        config_class=TransformerConfig,
        builder=build_transformer,
        presets=PRESETS,
        default_preset="transformer-tiny",
        description="encoder-decoder Transformer for translation (Vaswani et al. 2017)",
        task="seq2seq",
        # The paper's optimizer and schedule: Adam(0.9, 0.98) without weight
        # decay, linear warmup then inverse square-root decay.
        recipe={
            "schedule": "inverse_sqrt",
            "steps": 4000,
            "epochs": 10,
            "batch_size": 64,
            "warmup_steps": 1000,
            "peak_learning_rate": paper_learning_rate(256, 1000),
            "min_learning_rate": 0.0,
            "weight_decay": 0.0,
            "beta_1": 0.9,
            "beta_2": 0.98,
            "global_clipnorm": 1.0,
        },
        preset_recipes={
            "transformer-base": {
                "steps": 100_000,
                "warmup_steps": 4000,
                "peak_learning_rate": paper_learning_rate(512, 4000),
            },
        },
    )
)
