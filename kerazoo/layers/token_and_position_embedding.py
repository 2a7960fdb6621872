"""Token embedding plus position information, the input stage of every Transformer."""

import keras
import keras_hub
from keras import ops

from kerazoo.layers.position_embedding import PositionEmbedding
from kerazoo.layers.position_encoding import SinusoidalPositionEncoding
from kerazoo.utils.checks import check_int

POSITION_KINDS = ("learned", "sinusoidal")


@keras.saving.register_keras_serializable(package="kerazoo")
class TokenAndPositionEmbedding(keras.layers.Layer):
    """Sum of a token embedding and a position embedding or encoding.

    The token table is a `keras_hub.layers.ReversibleEmbedding`, so the same
    weights map hidden states back to vocabulary logits (weight tying):
    `layer.token_embedding(hidden, reverse=True)` gives float32 logits.

    Args:
        vocabulary_size: int. Number of token ids.
        sequence_length: int. The longest sequence (the model's context).
        embedding_dim: int. Width of the embeddings.
        position: `"learned"` (GPT, BERT) or `"sinusoidal"` (the original
            Transformer). Defaults to `"learned"`.
        scale_embeddings: bool. Multiply token embeddings by
            `sqrt(embedding_dim)` before adding positions, as the original
            Transformer does. Defaults to False.
        tie_weights: bool. Reuse the token table for the output logits.
        embeddings_initializer: initializer of both tables. Defaults to
            `RandomNormal(stddev=0.02)`.

    Call arguments:
        token_ids: (batch, time) int tensor.
        start_index: int or scalar int tensor: position of the first token,
            for incremental decoding with a cache. Defaults to 0.

    Returns:
        (batch, time, embedding_dim) embeddings.

    Example:
    >>> layer = TokenAndPositionEmbedding(65, 64, 128)
    >>> layer(keras.ops.ones((2, 10), "int32")).shape
    TensorShape([2, 10, 128])
    """

    def __init__(
        self,
        vocabulary_size,
        sequence_length,
        embedding_dim,
        position="learned",
        scale_embeddings=False,
        tie_weights=True,
        embeddings_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_int("vocabulary_size", vocabulary_size, low=1)
        check_int("sequence_length", sequence_length, low=1)
        check_int("embedding_dim", embedding_dim, low=1)
        if position not in POSITION_KINDS:
            raise ValueError(
                f"`position` must be one of {POSITION_KINDS}, got {position!r}."
            )
        self.vocabulary_size = vocabulary_size
        self.sequence_length = sequence_length
        self.embedding_dim = embedding_dim
        self.position = position
        self.scale_embeddings = scale_embeddings
        self.tie_weights = tie_weights
        self.embeddings_initializer = keras.initializers.get(
            embeddings_initializer or keras.initializers.RandomNormal(stddev=0.02)
        )
        self.token_embedding = keras_hub.layers.ReversibleEmbedding(
            vocabulary_size,
            embedding_dim,
            tie_weights=tie_weights,
            embeddings_initializer=self.embeddings_initializer,
            dtype=self.dtype_policy,
            name="token_embedding",
        )
        if position == "learned":
            self.position_embedding = PositionEmbedding(
                sequence_length,
                initializer=self.embeddings_initializer,
                dtype=self.dtype_policy,
                name="position_embedding",
            )
        else:
            self.position_embedding = SinusoidalPositionEncoding(
                dtype=self.dtype_policy, name="position_embedding"
            )

    def build(self, input_shape):
        self.token_embedding.build(input_shape)
        self.position_embedding.build((*input_shape, self.embedding_dim))

    def call(self, token_ids, start_index=0):
        tokens = self.token_embedding(token_ids)
        if self.scale_embeddings:
            tokens = tokens * ops.cast(
                ops.sqrt(float(self.embedding_dim)), tokens.dtype
            )
        return tokens + self.position_embedding(tokens, start_index=start_index)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.embedding_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary_size": self.vocabulary_size,
                "sequence_length": self.sequence_length,
                "embedding_dim": self.embedding_dim,
                "position": self.position,
                "scale_embeddings": self.scale_embeddings,
                "tie_weights": self.tie_weights,
                "embeddings_initializer": keras.initializers.serialize(
                    self.embeddings_initializer
                ),
            }
        )
        return config
