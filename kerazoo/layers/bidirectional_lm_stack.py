"""BidirectionalLMStack: ELMo's forward and backward LSTM stacks, every layer returned."""

import keras
import tensorflow as tf
from keras import ops

from kerazoo.utils.checks import check_int, check_real

DIRECTIONS = ("forward", "backward")


@keras.saving.register_keras_serializable(package="kerazoo")
class BidirectionalLMStack(keras.layers.Layer):
    """Two independent stacks of projected LSTMs, one reading left to right, one right to left.

    Each direction runs `num_layers` x (LSTM of `units` -> linear projection
    to `projection_dim`), with a residual connection from a layer's input to
    its output from the second layer on and dropout between layers (Peters
    et al. 2018; Jozefowicz et al. 2016's LSTMP). The backward stack reads
    every sequence reversed within its length (`tf.reverse_sequence`), so
    right padding stays at the right and its outputs are put back in the
    original order: position t of the backward output has read tokens t..end.

    The LSTMs keep cuDNN's conditions (tanh, sigmoid, no recurrent dropout,
    not unrolled, biases, right-padded masks), so `fit` gets the fused
    kernel on a GPU.

    Args:
        num_layers: int >= 1, layers per direction.
        units: int >= 1, LSTM units.
        projection_dim: int >= 1, the width of each layer's output and of
            the inputs (the residual connections add them).
        dropout: float in [0, 1), between layers. Defaults to 0.
        **kwargs: Layer arguments.

    Call arguments:
        inputs: (batch, time, projection_dim) token representations.
        mask: (batch, time) bool, True for real tokens, right-padded; None
            for no padding. Keras passes the mask of the inputs.
        training: bool, apply dropout.

    Returns:
        (batch, num_layers + 1, time, 2 * projection_dim): layer 0 is the
        inputs twice (`[x, x]`), layer k is `[forward_k, backward_k]`, as
        ELMo's biLM returns them; padded positions are 0.

    Example:
    >>> stack = BidirectionalLMStack(num_layers=2, units=16, projection_dim=8)
    >>> stack(keras.ops.ones((2, 5, 8))).shape
    TensorShape([2, 3, 5, 16])
    """

    def __init__(self, num_layers, units, projection_dim, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        check_int("num_layers", num_layers, low=1)
        check_int("units", units, low=1)
        check_int("projection_dim", projection_dim, low=1)
        check_real("dropout", dropout, low=0.0, high=1.0)
        self.num_layers = num_layers
        self.units = units
        self.projection_dim = projection_dim
        self.dropout = dropout
        self.supports_masking = True
        self.lstms = {direction: [] for direction in DIRECTIONS}
        self.projections = {direction: [] for direction in DIRECTIONS}
        for direction in DIRECTIONS:
            for i in range(num_layers):
                self.lstms[direction].append(keras.layers.LSTM(
                    units, return_sequences=True, dtype=self.dtype_policy,
                    name=f"{direction}_lstm_{i}"))
                self.projections[direction].append(keras.layers.Dense(
                    projection_dim, use_bias=False, dtype=self.dtype_policy,
                    name=f"{direction}_projection_{i}"))
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=self.dtype_policy,
                                                  name="dropout")

    def build(self, input_shape):
        if input_shape[-1] != self.projection_dim:
            raise ValueError(
                f"BidirectionalLMStack needs inputs of width projection_dim="
                f"{self.projection_dim} (the residual connections add them); received "
                f"{input_shape[-1]}."
            )
        for direction in DIRECTIONS:
            for lstm, projection in zip(self.lstms[direction], self.projections[direction]):
                lstm.build(input_shape)
                projection.build((*input_shape[:-1], self.units))

    def call(self, inputs, mask=None, training=None):
        shape = ops.shape(inputs)
        if mask is None:
            mask = ops.ones((shape[0], shape[1]), "bool")
        mask = ops.cast(mask, "bool")
        lengths = ops.sum(ops.cast(mask, "int32"), axis=1)
        forward = self._direction("forward", inputs, mask, training)
        reversed_inputs = tf.reverse_sequence(inputs, lengths, seq_axis=1, batch_axis=0)
        backward = [
            tf.reverse_sequence(outputs, lengths, seq_axis=1, batch_axis=0)
            for outputs in self._direction("backward", reversed_inputs, mask, training)
        ]
        layers = [ops.concatenate([inputs, inputs], axis=-1)] + [
            ops.concatenate([f, b], axis=-1) for f, b in zip(forward, backward)
        ]
        # Masked steps: the fused and generic kernels output different things there.
        keep = ops.cast(mask, self.compute_dtype)[:, None, :, None]
        return ops.stack(layers, axis=1) * keep

    def _direction(self, direction, x, mask, training):
        """The outputs of each layer of one direction, in its reading order."""
        outputs = []
        for i, (lstm, projection) in enumerate(
                zip(self.lstms[direction], self.projections[direction])):
            if i > 0:
                x = self.dropout_layer(x, training=training)
            h = projection(lstm(x, mask=mask, training=training))
            if i > 0:
                h = h + x
            outputs.append(h)
            x = h
        return outputs

    def compute_mask(self, inputs, mask=None):
        # The output has a layer axis; callers take the mask from the character ids.
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_layers + 1, input_shape[1], 2 * self.projection_dim)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_layers": self.num_layers,
            "units": self.units,
            "projection_dim": self.projection_dim,
            "dropout": self.dropout,
        })
        return config
