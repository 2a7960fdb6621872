"""Highway: gated layers that carry their input or transform it (Srivastava et al. 2015)."""

import keras
from keras import ops

from kerazoo.utils.checks import check_int


@keras.saving.register_keras_serializable(package="kerazoo")
class Highway(keras.layers.Layer):
    """`num_layers` x (y = g * x + (1 - g) * activation(W x + b)), g = sigmoid(W_g x + b_g).

    The gate biases start at 1, so a new layer mostly carries its input, as
    in ELMo's token encoder (AllenNLP's `Highway`). Input and output widths
    are equal; masks pass through.

    Args:
        num_layers: int >= 0. Defaults to 2.
        activation: of the transform. Defaults to `"relu"`.
        **kwargs: Layer arguments.

    Call arguments:
        inputs: (..., dim) float.

    Returns:
        (..., dim), the same shape.

    Example:
    >>> Highway(2)(keras.ops.ones((2, 3, 8))).shape
    TensorShape([2, 3, 8])
    """

    def __init__(self, num_layers=2, activation="relu", **kwargs):
        super().__init__(**kwargs)
        check_int("num_layers", num_layers, low=0)
        self.num_layers = num_layers
        self.activation = keras.activations.get(activation)
        self.supports_masking = True
        self.transforms = []

    def build(self, input_shape):
        dim = input_shape[-1]
        # One Dense a layer computes the transform and the gate together.
        self.transforms = [
            keras.layers.Dense(2 * dim, bias_initializer=_GateBiasAtOne(dim),
                               dtype=self.dtype_policy, name=f"highway_{i}")
            for i in range(self.num_layers)
        ]
        for transform in self.transforms:
            transform.build(input_shape)

    def call(self, inputs):
        x = inputs
        for transform in self.transforms:
            candidate, gate = ops.split(transform(x), 2, axis=-1)
            gate = ops.sigmoid(gate)
            x = gate * x + (1.0 - gate) * self.activation(candidate)
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_layers": self.num_layers,
            "activation": keras.activations.serialize(self.activation),
        })
        return config


@keras.saving.register_keras_serializable(package="kerazoo")
class _GateBiasAtOne(keras.initializers.Initializer):
    """Zeros for the transform's `dim` biases, then ones for the gate's."""

    def __init__(self, dim):
        self.dim = dim

    def __call__(self, shape, dtype=None):
        return ops.concatenate([ops.zeros((self.dim,), dtype), ops.ones((self.dim,), dtype)])

    def get_config(self):
        return {"dim": self.dim}
