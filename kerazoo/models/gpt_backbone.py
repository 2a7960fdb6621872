"""GPTBackbone: a decoder-only Transformer trunk (GPT-2 layout, pre-LN), no head."""

import math

import keras
from keras import ops

from kerazoo.layers import TokenAndPositionEmbedding, TransformerDecoderBlock
from kerazoo.utils.checks import check_int


@keras.saving.register_keras_serializable(package="kerazoo")
class GPTBackbone(keras.Model):
    """GPT-2's trunk: token ids in, final hidden states out.

    Token + learned position embeddings, `num_layers` pre-LN decoder blocks
    with causal self-attention and a final layer norm. Weights are
    initialised as GPT-2: normal(0.02), with the projections that write into
    the residual stream scaled by `1 / sqrt(2 * num_layers)`. Tasks
    (`GPTCausalLM`) put their heads on it.

    Args:
        vocabulary_size: int. Token ids are in [0, vocabulary_size).
        num_layers: int >= 1. Decoder blocks.
        num_heads: int. Attention heads; must divide `hidden_dim`.
        hidden_dim: int. Width of the residual stream.
        intermediate_dim: int. Feed-forward inner width.
        max_sequence_length: int. The context: the most tokens the model sees.
        dropout: float. Dropout on embeddings, attention and residual
            branches. Defaults to 0.
        layer_norm_epsilon: float. Defaults to 1e-5.
        activation: str. Feed-forward activation. Defaults to GPT-2's tanh
            GELU, `"gelu_approximate"`.
        use_bias: bool. Biases in projections and layer norms (GPT-2); False
            is nanoGPT's bias-free variant. Defaults to True.
        dtype: a dtype policy (`"float32"`, `"mixed_bfloat16"`, ...) or None
            for the global one when built. It is part of the config, so a
            reloaded model computes as it was built.

    Call arguments:
        token_ids: (batch, time) int32, time <= max_sequence_length.

    Returns:
        (batch, time, hidden_dim) hidden states in the compute dtype.

    Example:
    >>> backbone = GPTBackbone(65, 2, 2, 32, 128, 16)
    >>> backbone(keras.ops.ones((2, 10), "int32")).shape
    TensorShape([2, 10, 32])
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
        dtype=None,
        **kwargs,
    ):
        check_int("num_layers", num_layers, low=1)
        if hidden_dim % num_heads != 0:
            raise ValueError(
                f"`num_heads`={num_heads} must divide `hidden_dim`={hidden_dim}. "
                "Choose a width that is a multiple of the head count."
            )
        dtype = keras.dtype_policies.get(dtype or keras.config.dtype_policy())
        std = 0.02
        # === Layers ===
        self.embeddings = TokenAndPositionEmbedding(
            vocabulary_size,
            max_sequence_length,
            hidden_dim,
            embeddings_initializer=keras.initializers.RandomNormal(stddev=std),
            dtype=dtype,
            name="embeddings",
        )
        self.embeddings_dropout = keras.layers.Dropout(
            dropout, dtype=dtype, name="embeddings_dropout"
        )
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
                dtype=dtype,
                name=f"transformer_layer_{i}",
            )
            for i in range(num_layers)
        ]
        self.final_layernorm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon,
            center=use_bias,
            dtype=dtype,
            name="final_layernorm",
        )

        # === Functional model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        x = self.embeddings_dropout(self.embeddings(token_ids))
        for block in self.transformer_layers:
            x = block(x)
        hidden = self.final_layernorm(x)
        super().__init__(inputs=token_ids, outputs=hidden, **kwargs)
        # A functional model ignores `dtype`; set it so `get_config` keeps it.
        self.dtype_policy = dtype

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
    def token_embedding(self):
        """The token table (`keras.layers.ReversibleEmbedding`), for tied heads."""
        return self.embeddings.token_embedding

    def init_cache(self, batch_size):
        """An empty key/value cache for incremental decoding.

        Args:
            batch_size: int or scalar tensor.

        Returns:
            A tuple of `num_layers` zero tensors, each
            (batch, 2, num_heads, max_sequence_length, head_dim) in the
            compute dtype.
        """
        head_dim = self.hidden_dim // self.num_heads
        shape = (batch_size, 2, self.num_heads, self.max_sequence_length, head_dim)
        return tuple(
            ops.zeros(shape, dtype=self.compute_dtype) for _ in range(self.num_layers)
        )

    def call_with_cache(self, token_ids, cache, cache_update_index):
        """Run `T` new tokens through the trunk, reading and updating the cache.

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
            `(hidden, cache)`: (batch, T, hidden_dim) hidden states and the
            updated cache tuple.
        """
        x = self.embeddings(token_ids, start_index=cache_update_index)
        new_cache = []
        for block, layer_cache in zip(self.transformer_layers, cache):
            x, layer_cache = block(
                x, self_attention_cache=layer_cache, cache_update_index=cache_update_index
            )
            new_cache.append(layer_cache)
        return self.final_layernorm(x), tuple(new_cache)

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
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
