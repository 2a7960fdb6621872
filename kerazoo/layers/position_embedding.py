"""Learned absolute position embeddings (GPT, BERT)."""

import keras
from keras import ops

from kerazoo.utils.checks import check_int


@keras.saving.register_keras_serializable(package="kerazoo")
class PositionEmbedding(keras.layers.Layer):
    """A learned embedding per position, up to `sequence_length` positions.

    Args:
        sequence_length: int. The most positions the layer can embed (the
            model's context length).
        initializer: initializer for the `(sequence_length, dim)` table.
            Defaults to `RandomNormal(stddev=0.02)` as in GPT-2 and BERT.

    Call arguments:
        inputs: (batch, time, dim) tensor; only its shape is used.
        start_index: int or scalar int tensor. Position of the first step, for
            incremental decoding with a cache. Defaults to 0.

    Returns:
        (batch, time, dim) position embeddings. A Keras mask on `inputs`
        passes through unchanged: each position's output depends on that
        position only.

    Example:
    >>> layer = PositionEmbedding(sequence_length=64)
    >>> layer(keras.ops.zeros((2, 10, 16))).shape
    TensorShape([2, 10, 16])
    """

    def __init__(self, sequence_length, initializer=None, **kwargs):
        super().__init__(**kwargs)
        self.sequence_length = check_int("sequence_length", sequence_length, low=1)
        self.initializer = keras.initializers.get(
            initializer or keras.initializers.RandomNormal(stddev=0.02)
        )
        self.supports_masking = True

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.sequence_length, input_shape[-1]),
            initializer=self.initializer,
        )

    def call(self, inputs, start_index=0):
        shape = ops.shape(inputs)
        length = shape[-2]
        static_length = inputs.shape[-2]
        if static_length is not None and static_length > self.sequence_length:
            raise ValueError(
                f"Input has {static_length} positions but this "
                f"`PositionEmbedding` holds {self.sequence_length}. Use "
                "shorter sequences or a model with a longer context."
            )
        table = ops.convert_to_tensor(self.embeddings)
        positions = ops.slice(table, (start_index, 0), (length, shape[-1]))
        return ops.broadcast_to(ops.cast(positions, self.compute_dtype), shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "sequence_length": self.sequence_length,
                "initializer": keras.initializers.serialize(self.initializer),
            }
        )
        return config
