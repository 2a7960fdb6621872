"""Transformer encoder block: bidirectional self-attention then feed-forward."""

import keras
from keras.src.backend import get_keras_mask

from kerazoo.layers.attention import MultiHeadAttention
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
            Defaults to the Keras mask of `inputs`, if any.
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
        self.self_attention_layernorm = self._layer_norm("self_attention_layernorm", input_shape)
        self.self_attention = self._attention(MultiHeadAttention, "self_attention", input_shape)
        self.feedforward_layernorm = self._layer_norm("feedforward_layernorm", input_shape)
        self.feedforward = self._feedforward(input_shape)
        self.residual_dropout = self._residual_dropout()

    def call(self, inputs, padding_mask=None, attention_mask=None, training=None):
        if padding_mask is None:
            padding_mask = get_keras_mask(inputs)
        mask = merge_masks(padding_mask, attention_mask)
        x = inputs
        if self.normalize_first:  # Pre-LN (GPT-2): x = x + f(norm(x)).
            h = self.self_attention(
                self.self_attention_layernorm(x), attention_mask=mask, training=training
            )
            x = x + self.residual_dropout(h, training=training)
            x = x + self.feedforward(self.feedforward_layernorm(x), training=training)
        else:  # Post-LN (BERT): x = norm(x + f(x)).
            h = self.self_attention(x, attention_mask=mask, training=training)
            h = self.residual_dropout(h, training=training)
            x = self._to_stream(self.self_attention_layernorm(x + h))
            h = self.feedforward(x, training=training)
            x = self._to_stream(self.feedforward_layernorm(x + h))
        return x
