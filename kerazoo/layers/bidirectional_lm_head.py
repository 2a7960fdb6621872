"""BidirectionalLMHead: ELMo's shared softmax over the top forward and backward states."""

import keras
from keras import ops

from kerazoo.utils.checks import check_int


@keras.saving.register_keras_serializable(package="kerazoo")
class BidirectionalLMHead(keras.layers.Layer):
    """Next-token logits from the forward half, previous-token logits from the backward half.

    One `Dense` over the vocabulary (the shared softmax of Peters et al.
    2018) is applied to both halves of the top layer of a
    `BidirectionalLMStack` output. Logits are in the compute dtype.

    Args:
        vocabulary_size: int >= 1.
        **kwargs: Layer arguments.

    Call arguments:
        layers: (batch, num_layers + 1, time, 2 * projection_dim).

    Returns:
        (batch, time, 2, vocabulary_size): `[..., 0, :]` predicts the
        next token, `[..., 1, :]` the previous one.

    Example:
    >>> head = BidirectionalLMHead(11)
    >>> head(keras.ops.ones((2, 3, 5, 8))).shape
    TensorShape([2, 5, 2, 11])
    """

    def __init__(self, vocabulary_size, **kwargs):
        super().__init__(**kwargs)
        check_int("vocabulary_size", vocabulary_size, low=1)
        self.vocabulary_size = vocabulary_size
        self.softmax = keras.layers.Dense(vocabulary_size, dtype=self.dtype_policy,
                                          name="softmax")

    def build(self, input_shape):
        self.softmax.build((None, None, input_shape[-1] // 2))

    def call(self, layers):
        forward, backward = ops.split(layers[:, -1], 2, axis=-1)
        return ops.stack([self.softmax(forward), self.softmax(backward)], axis=2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2], 2, self.vocabulary_size)

    def get_config(self):
        config = super().get_config()
        config.update({"vocabulary_size": self.vocabulary_size})
        return config
