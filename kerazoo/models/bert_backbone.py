"""BertBackbone: a bidirectional Transformer encoder (Devlin et al., 2019), no head."""

import keras
from keras import ops

from kerazoo.layers import TokenAndPositionEmbedding, TransformerEncoderBlock
from kerazoo.utils.checks import check_int


@keras.saving.register_keras_serializable(package="kerazoo")
class BertBackbone(keras.Model):
    """BERT's trunk: token, segment and padding inputs in; hidden states and pooled output out.

    Token + learned position + segment embeddings, summed and layer-normed,
    then `num_layers` post-LN encoder blocks (GELU feed-forward) and a
    pooler: a tanh dense layer on the final hidden state of the first
    token (`[CLS]`). Weights are initialised as BERT's: truncated
    normal(0.02), zero biases. Tasks (`BertMaskedLM`, `BertTextClassifier`)
    put their heads on it.

    Args:
        vocabulary_size: int. Token ids are in [0, vocabulary_size).
        num_layers: int >= 1. Encoder blocks.
        num_heads: int. Attention heads; must divide `hidden_dim`.
        hidden_dim: int. Width of the hidden states.
        intermediate_dim: int. Feed-forward inner width.
        max_sequence_length: int. The longest input (the position table).
        num_segments: int. Segment (token type) ids are in [0, num_segments).
            Defaults to 2 (sentence A and B).
        dropout: float. Dropout on embeddings, attention probabilities and
            residual branches. Defaults to 0.1, as BERT.
        layer_norm_epsilon: float. Defaults to BERT's 1e-12.
        activation: str. Feed-forward activation. Defaults to `"gelu"`
            (exact, erf), as BERT.
        dtype: a dtype policy (`"float32"`, `"mixed_bfloat16"`, ...) or None
            for the global one when built. It is part of the config, so a
            reloaded model computes as it was built. Layer norms compute in
            float32 under mixed precision.

    Call arguments:
        inputs: a dict of (batch, time) int32 tensors, time <=
            max_sequence_length: `token_ids`, `segment_ids` and
            `padding_mask` (1 for real tokens, 0 for padding).

    Returns:
        A dict: `sequence_output` (batch, time, hidden_dim), the final hidden
        states, and `pooled_output` (batch, hidden_dim), both in the compute
        dtype.

    Example:
    >>> backbone = BertBackbone(100, 2, 2, 32, 64, 16)
    >>> ones = keras.ops.ones((2, 10), "int32")
    >>> outputs = backbone({"token_ids": ones, "segment_ids": 0 * ones, "padding_mask": ones})
    >>> outputs["sequence_output"].shape, outputs["pooled_output"].shape
    (TensorShape([2, 10, 32]), TensorShape([2, 32]))
    """

    def __init__(
        self,
        vocabulary_size,
        num_layers,
        num_heads,
        hidden_dim,
        intermediate_dim,
        max_sequence_length,
        num_segments=2,
        dropout=0.1,
        layer_norm_epsilon=1e-12,
        activation="gelu",
        dtype=None,
        **kwargs,
    ):
        check_int("num_layers", num_layers, low=1)
        check_int("num_segments", num_segments, low=1)
        if hidden_dim % num_heads != 0:
            raise ValueError(
                f"`num_heads`={num_heads} must divide `hidden_dim`={hidden_dim}. "
                "Choose a width that is a multiple of the head count."
            )
        dtype = keras.dtype_policies.get(dtype or keras.config.dtype_policy())
        initializer = keras.initializers.TruncatedNormal(stddev=0.02)

        # === Layers ===
        self.embeddings = TokenAndPositionEmbedding(
            vocabulary_size,
            max_sequence_length,
            hidden_dim,
            embeddings_initializer=initializer,
            dtype=dtype,
            name="embeddings",
        )
        self.segment_embedding = keras.layers.Embedding(
            num_segments,
            hidden_dim,
            embeddings_initializer=initializer,
            dtype=dtype,
            name="segment_embedding",
        )
        self.embeddings_layernorm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon,
            dtype=dtype.variable_dtype,
            name="embeddings_layernorm",
        )
        self.embeddings_dropout = keras.layers.Dropout(
            dropout, dtype=dtype, name="embeddings_dropout"
        )
        self.transformer_layers = [
            TransformerEncoderBlock(
                num_heads,
                intermediate_dim,
                dropout=dropout,
                activation=activation,
                layer_norm_epsilon=layer_norm_epsilon,
                normalize_first=False,
                kernel_initializer=initializer,
                dtype=dtype,
                name=f"transformer_layer_{i}",
            )
            for i in range(num_layers)
        ]
        self.pooler = keras.layers.Dense(
            hidden_dim,
            activation="tanh",
            kernel_initializer=initializer,
            dtype=dtype,
            name="pooler",
        )

        # === Functional model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        segment_ids = keras.Input(shape=(None,), dtype="int32", name="segment_ids")
        padding_mask = keras.Input(shape=(None,), dtype="int32", name="padding_mask")
        x = self.embeddings(token_ids) + self.segment_embedding(segment_ids)
        x = ops.cast(self.embeddings_layernorm(x), dtype.compute_dtype)
        x = self.embeddings_dropout(x)
        for block in self.transformer_layers:
            x = block(x, padding_mask=padding_mask)
        pooled = self.pooler(x[:, 0, :])
        super().__init__(
            inputs={
                "token_ids": token_ids,
                "segment_ids": segment_ids,
                "padding_mask": padding_mask,
            },
            outputs={"sequence_output": x, "pooled_output": pooled},
            **kwargs,
        )
        # A functional model ignores `dtype`; set it so `get_config` keeps it.
        self.dtype_policy = dtype

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.max_sequence_length = max_sequence_length
        self.num_segments = num_segments
        self.dropout = dropout
        self.layer_norm_epsilon = layer_norm_epsilon
        self.activation = activation

    @property
    def token_embedding(self):
        """The token table (`keras_hub.layers.ReversibleEmbedding`), for tied heads."""
        return self.embeddings.token_embedding

    def get_config(self):
        return {
            "vocabulary_size": self.vocabulary_size,
            "num_layers": self.num_layers,
            "num_heads": self.num_heads,
            "hidden_dim": self.hidden_dim,
            "intermediate_dim": self.intermediate_dim,
            "max_sequence_length": self.max_sequence_length,
            "num_segments": self.num_segments,
            "dropout": self.dropout,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "activation": self.activation,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
