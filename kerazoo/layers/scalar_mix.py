"""ScalarMix: a learned weighted sum of a model's layers (ELMo's task-specific mix)."""

import keras
from keras import ops

from kerazoo.utils.checks import check_int


@keras.saving.register_keras_serializable(package="kerazoo")
class ScalarMix(keras.layers.Layer):
    """gamma * sum_k softmax(w)_k * h_k over the layers h_k (Peters et al. 2018, eq. 1).

    The scalar weights `w` start equal (zeros), so the mix starts as the
    layers' mean times `gamma` (which starts at 1). With `layer_norm=True`
    each layer is first normalised by its mean and variance over the real
    positions of `mask` (ELMo's optional variant); off by default. Weights,
    softmax and normalisation compute in float32.

    Args:
        num_layers: int >= 1, the layers mixed (the size of axis 1 of the
            inputs).
        layer_norm: bool. Defaults to False.
        **kwargs: Layer arguments.

    Call arguments:
        layers: (batch, num_layers, time, dim) float.
        mask: (batch, time) bool or int, 1 for real positions, or None. Used
            by the layer normalisation; returned as the output's Keras mask.

    Returns:
        (batch, time, dim).

    Example:
    >>> mix = ScalarMix(3)
    >>> mix(keras.ops.ones((2, 3, 5, 4))).shape
    TensorShape([2, 5, 4])
    """

    def __init__(self, num_layers, layer_norm=False, **kwargs):
        super().__init__(**kwargs)
        check_int("num_layers", num_layers, low=1)
        if not isinstance(layer_norm, bool):
            raise TypeError(f"`layer_norm` must be a bool. Received: layer_norm={layer_norm!r}.")
        self.num_layers = num_layers
        self.layer_norm = layer_norm
        self.supports_masking = True

    def build(self, input_shape):
        if input_shape[1] is not None and input_shape[1] != self.num_layers:
            raise ValueError(
                f"ScalarMix(num_layers={self.num_layers}) received {input_shape[1]} layers "
                f"(inputs of shape {input_shape}). Build it with num_layers={input_shape[1]}."
            )
        self.layer_weights = self.add_weight(
            name="layer_weights", shape=(self.num_layers,), initializer="zeros",
            dtype="float32", autocast=False)
        self.gamma = self.add_weight(name="gamma", shape=(), initializer="ones",
                                     dtype="float32", autocast=False)

    def mixing_weights(self):
        """softmax(w): (num_layers,) float32, summing to 1."""
        return ops.softmax(ops.convert_to_tensor(self.layer_weights))

    def call(self, layers, mask=None):
        layers = ops.cast(layers, "float32")
        if self.layer_norm:
            layers = _normalised(layers, mask)
        weights = ops.reshape(self.mixing_weights(), (1, self.num_layers, 1, 1))
        mixed = self.gamma * ops.sum(weights * layers, axis=1)
        return ops.cast(mixed, self.compute_dtype)

    def compute_mask(self, layers, mask=None):
        return None if mask is None else ops.cast(mask, "bool")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *input_shape[2:])

    def get_config(self):
        config = super().get_config()
        config.update({"num_layers": self.num_layers, "layer_norm": self.layer_norm})
        return config


def _normalised(layers, mask, epsilon=1e-12):
    """Each layer minus its mean, over its standard deviation, over the real positions."""
    if mask is None:
        shape = ops.shape(layers)
        mask = ops.ones((shape[0], shape[2]), "float32")
    mask = ops.cast(mask, "float32")[:, None, :, None]  # (batch, 1, time, 1)
    # Values per layer: real positions of the whole batch times the width.
    count = ops.maximum(ops.sum(mask) * ops.cast(ops.shape(layers)[-1], "float32"), 1.0)
    mean = ops.sum(layers * mask, axis=(0, 2, 3), keepdims=True) / count
    variance = ops.sum(((layers - mean) * mask) ** 2, axis=(0, 2, 3), keepdims=True) / count
    return (layers - mean) / ops.sqrt(variance + epsilon)
