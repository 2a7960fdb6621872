"""Position-wise feed-forward network of a Transformer block."""

import keras

from kerazoo.layers.activations import get_activation
from kerazoo.utils.checks import check_int, check_real


@keras.saving.register_keras_serializable(package="kerazoo")
class FeedForward(keras.layers.Layer):
    """Two dense layers with an activation between, then dropout.

    `outer(activation(inner(x)))`, the same at every position.

    Args:
        intermediate_dim: int. Width of the inner layer (4 x model width in
            GPT-2 and BERT).
        activation: str. `"gelu_approximate"` (GPT-2), `"gelu"`, `"relu"` or
            another Keras activation name. Defaults to `"gelu"`.
        dropout: float. Dropout on the output. Defaults to 0.
        use_bias: bool. Defaults to True.
        kernel_initializer: initializer of the inner kernel.
        output_kernel_initializer: initializer of the outer kernel; defaults
            to `kernel_initializer`.

    Call arguments:
        inputs: (batch, time, dim) tensor.
        training: bool, enables dropout.

    Returns:
        (batch, time, dim) tensor.

    Example:
    >>> FeedForward(256)(keras.ops.ones((2, 10, 64))).shape
    TensorShape([2, 10, 64])
    """

    def __init__(
        self,
        intermediate_dim,
        activation="gelu",
        dropout=0.0,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        output_kernel_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        get_activation(activation)
        self.intermediate_dim = check_int("intermediate_dim", intermediate_dim, low=1)
        self.activation = activation
        self.dropout = check_real("dropout", dropout, low=0.0, high=1.0)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.output_kernel_initializer = keras.initializers.get(
            output_kernel_initializer or kernel_initializer
        )

    def build(self, input_shape):
        self.inner = keras.layers.Dense(
            self.intermediate_dim,
            activation=get_activation(self.activation),
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.get(
                keras.initializers.serialize(self.kernel_initializer)
            ),
            dtype=self.dtype_policy,
            name="inner",
        )
        self.inner.build(input_shape)
        self.outer = keras.layers.Dense(
            input_shape[-1],
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.get(
                keras.initializers.serialize(self.output_kernel_initializer)
            ),
            dtype=self.dtype_policy,
            name="outer",
        )
        self.outer.build((*input_shape[:-1], self.intermediate_dim))
        self.output_dropout = keras.layers.Dropout(
            self.dropout, dtype=self.dtype_policy, name="output_dropout"
        )

    def call(self, inputs, training=None):
        return self.output_dropout(self.outer(self.inner(inputs)), training=training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "intermediate_dim": self.intermediate_dim,
                "activation": self.activation,
                "dropout": self.dropout,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "output_kernel_initializer": keras.initializers.serialize(
                    self.output_kernel_initializer
                ),
            }
        )
        return config
