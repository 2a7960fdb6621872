"""Fixed sinusoidal position encoding ("Attention Is All You Need", section 3.5)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerazoo")
class SinusoidalPositionEncoding(keras.layers.Layer):
    """Sinusoidal position encodings, the paper's formula.

    `PE[pos, 2i] = sin(pos / max_wavelength ** (2i / dim))` and
    `PE[pos, 2i + 1] = cos(pos / max_wavelength ** (2i / dim))`.
    The layer has no weights; it returns the encodings (it does not add them),
    broadcast to the shape of its input, so the caller decides how to combine.

    Args:
        max_wavelength: float. The longest wavelength, 10000 in the paper.

    Call arguments:
        inputs: (batch, time, dim) tensor; only its shape and dtype are used.
        start_index: int or scalar int tensor. Position of the first step, for
            incremental decoding with a cache. Defaults to 0.

    Returns:
        (batch, time, dim) encodings in the layer's compute dtype. A Keras
        mask on `inputs` passes through unchanged: each position's output
        depends on that position only.

    Example:
    >>> x = keras.ops.zeros((2, 10, 16))
    >>> SinusoidalPositionEncoding()(x).shape
    TensorShape([2, 10, 16])
    """

    def __init__(self, max_wavelength=10000.0, **kwargs):
        super().__init__(**kwargs)
        if max_wavelength <= 0:
            raise ValueError(
                f"`max_wavelength` must be positive, got {max_wavelength}."
            )
        self.max_wavelength = float(max_wavelength)
        self.supports_masking = True

    def call(self, inputs, start_index=0):
        shape = ops.shape(inputs)
        length, dim = shape[-2], shape[-1]
        positions = ops.cast(ops.arange(length) + start_index, "float32")
        # Pair i shares one frequency: dims 2i (sin) and 2i + 1 (cos).
        pair_index = ops.cast(ops.arange(dim) // 2, "float32")
        inverse_frequency = ops.power(
            self.max_wavelength,
            -2.0 * pair_index / ops.cast(dim, "float32"),
        )
        angles = positions[:, None] * inverse_frequency[None, :]  # (time, dim)
        is_even = ops.equal(ops.arange(dim) % 2, 0)
        encoding = ops.where(is_even[None, :], ops.sin(angles), ops.cos(angles))
        encoding = ops.cast(encoding, self.compute_dtype)
        return ops.broadcast_to(encoding, shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_wavelength": self.max_wavelength})
        return config
