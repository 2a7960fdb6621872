"""Transformer encoder block: bidirectional self-attention then feed-forward."""

import keras

from kerazoo.layers.masks import merge_masks
from kerazoo.layers.transformer_block import TransformerBlock


@keras.saving.register_keras_serializable(package="kerazoo")
class TransformerEncoderBlock(TransformerBlock):
    """One encoder block (BERT, the Transformer's encoder).

    Self-attention sees every non-padding position; see `TransformerBlock`
    for the arguments (pre-LN or post-LN, widths, dropout, initializers).

    Call arguments:
        inputs: (batch, time, dim) tensor.
        padding_mask: (batch, time) int32, 1 for real tokens, 0 for padding.
        attention_mask: (batch, time, time) int32, 1 = may attend.
        training: bool, enables dropout.

    Returns:
        (batch, time, dim) tensor.

    Example:
    >>> block = TransformerEncoderBlock(num_heads=4, intermediate_dim=256)
    >>> block(keras.ops.ones((2, 10, 64))).shape
    TensorShape([2, 10, 64])
    """

    def build(self, input_shape):
        self._check_width(input_shape)
        self.self_attention_layernorm = self._layer_norm(
            "self_attention_layernorm", input_shape
        )
        self.self_attention = self._attention("self_attention", False, input_shape)
        self._build_feedforward(input_shape)

    def call(self, inputs, padding_mask=None, attention_mask=None, training=None):
        mask = merge_masks(padding_mask, attention_mask)

        def attend(h):
            h = self.self_attention(h, attention_mask=mask, training=training)
            return self.residual_dropout(h, training=training)

        x, _ = self._residual(inputs, self.self_attention_layernorm, attend)
        return self._feedforward_residual(x, training)
