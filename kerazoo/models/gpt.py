"""GPT: a decoder-only Transformer language model (GPT-2 layout, pre-LN)."""

import dataclasses
import math

import keras
from keras import ops

from kerazoo.layers import TokenAndPositionEmbedding, TransformerDecoderBlock
from kerazoo.models.registry import Family, register_family
from kerazoo.utils.checks import check_int


@dataclasses.dataclass(frozen=True)
class GPTConfig:
    """Hyperparameters of a GPT model."""

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


@keras.saving.register_keras_serializable(package="kerazoo")
class GPT(keras.Model):
    """Decoder-only Transformer language model, GPT-2's architecture.

    Token + learned position embeddings, `num_layers` pre-LN decoder blocks
    with causal self-attention, a final layer norm, and logits from the tied
    token embedding. Weights are initialised as GPT-2: normal(0.02), with
    the projections that write into the residual stream scaled by
    `1 / sqrt(2 * num_layers)`. Logits are float32 under mixed precision.

    Args:
        vocabulary_size, num_layers, num_heads, hidden_dim, intermediate_dim,
        max_sequence_length, dropout, layer_norm_epsilon, activation,
        use_bias: see `GPTConfig`.

    Call arguments:
        token_ids: (batch, time) int32, time <= max_sequence_length.

    Returns:
        (batch, time, vocabulary_size) float32 logits.

    Example:
    >>> model = GPT(**dataclasses.asdict(PRESETS["gpt-nano"]))
    >>> model(keras.ops.ones((2, 16), "int32")).shape
    TensorShape([2, 16, 65])
    """

    def __init__(
        self,
        vocabulary_size,
        num_layers,
        num_heads,
        hidden_dim,
        intermediate_dim,
        max_sequence_length,
        dropout=0.0,
        layer_norm_epsilon=1e-5,
        activation="gelu_approximate",
        use_bias=True,
        **kwargs,
    ):
        check_int("num_layers", num_layers, low=1)
        if hidden_dim % num_heads != 0:
            raise ValueError(
                f"`num_heads`={num_heads} must divide `hidden_dim`={hidden_dim}. "
                "Choose a width that is a multiple of the head count."
            )
        std = 0.02
        # === Layers ===
        self.embeddings = TokenAndPositionEmbedding(
            vocabulary_size,
            max_sequence_length,
            hidden_dim,
            embeddings_initializer=keras.initializers.RandomNormal(stddev=std),
            name="embeddings",
        )
        self.embeddings_dropout = keras.layers.Dropout(dropout, name="embeddings_dropout")
        self.transformer_layers = [
            TransformerDecoderBlock(
                num_heads,
                intermediate_dim,
                dropout=dropout,
                activation=activation,
                layer_norm_epsilon=layer_norm_epsilon,
                normalize_first=True,
                use_bias=use_bias,
                kernel_initializer=keras.initializers.RandomNormal(stddev=std),
                output_kernel_initializer=keras.initializers.RandomNormal(
                    stddev=std / math.sqrt(2 * num_layers)
                ),
                name=f"transformer_layer_{i}",
            )
            for i in range(num_layers)
        ]
        self.final_layernorm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, center=use_bias, name="final_layernorm"
        )

        # === Functional model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        x = self.embeddings_dropout(self.embeddings(token_ids))
        for block in self.transformer_layers:
            x = block(x)
        logits = self.embeddings.token_embedding(self.final_layernorm(x), reverse=True)
        super().__init__(inputs=token_ids, outputs=logits, **kwargs)

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.max_sequence_length = max_sequence_length
        self.dropout = dropout
        self.layer_norm_epsilon = layer_norm_epsilon
        self.activation = activation
        self.use_bias = use_bias

    @property
    def head_dim(self):
        return self.hidden_dim // self.num_heads

    def init_cache(self, batch_size):
        """An empty key/value cache for incremental decoding.

        Args:
            batch_size: int or scalar tensor.

        Returns:
            A tuple of `num_layers` zero tensors, each
            (batch, 2, num_heads, max_sequence_length, head_dim) in the
            compute dtype.
        """
        shape = (batch_size, 2, self.num_heads, self.max_sequence_length, self.head_dim)
        return tuple(
            ops.zeros(shape, dtype=self.compute_dtype) for _ in range(self.num_layers)
        )

    def call_with_cache(self, token_ids, cache, cache_update_index):
        """Run `T` new tokens through the model, reading and updating the cache.

        The tokens take positions `cache_update_index .. cache_update_index +
        T - 1` and attend to every earlier position held in the cache. With a
        zero cache and index 0 this prefills a prompt; with `T = 1` it is one
        decoding step. Equal to the full forward pass on the same tokens.

        Args:
            token_ids: (batch, T) int32.
            cache: tuple from `init_cache` or a previous call.
            cache_update_index: int or scalar int tensor; `cache_update_index
                + T <= max_sequence_length`.

        Returns:
            `(logits, cache)`: (batch, T, vocabulary_size) float32 logits and
            the updated cache tuple.
        """
        x = self.embeddings(token_ids, start_index=cache_update_index)
        new_cache = []
        for block, layer_cache in zip(self.transformer_layers, cache):
            x, layer_cache = block(
                x, self_attention_cache=layer_cache, cache_update_index=cache_update_index
            )
            new_cache.append(layer_cache)
        logits = self.embeddings.token_embedding(self.final_layernorm(x), reverse=True)
        return logits, tuple(new_cache)

    def get_config(self):
        return {
            "vocabulary_size": self.vocabulary_size,
            "num_layers": self.num_layers,
            "num_heads": self.num_heads,
            "hidden_dim": self.hidden_dim,
            "intermediate_dim": self.intermediate_dim,
            "max_sequence_length": self.max_sequence_length,
            "dropout": self.dropout,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "activation": self.activation,
            "use_bias": self.use_bias,
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


register_family(
    Family(
        name="gpt",
        config_class=GPTConfig,
        model_class=GPT,
        presets=PRESETS,
        default_preset="gpt-nano",
        description="decoder-only causal language model (GPT-2 layout, pre-LN)",
    )
)
