"""Transformer decoder block: causal self-attention, optional cross-attention, FFN."""

import keras
from keras import ops
from keras.src.backend import get_keras_mask

from kerazoo.layers.attention import MultiHeadAttention
from kerazoo.layers.cross_attention import MultiHeadCrossAttention
from kerazoo.layers.masks import causal_mask, merge_masks
from kerazoo.layers.transformer_block import TransformerBlock


@keras.saving.register_keras_serializable(package="kerazoo")
class TransformerDecoderBlock(TransformerBlock):
    """One decoder block (GPT; the Transformer's decoder with cross-attention).

    Self-attention is causal: position t sees positions <= t only. With
    `cross_attention=True` a second attention reads the encoder outputs
    (the memory). See `TransformerBlock` for the other arguments.

    For incremental decoding, pass `self_attention_cache` (a
    (batch, 2, num_heads, max_length, head_dim) tensor) and
    `cache_update_index`: the block writes the new keys/values there and
    returns the updated cache. A `cross_attention_cache` from
    `self.cross_attention.compute_memory_cache(memory)` saves recomputing
    the memory's keys/values at every step.

    Args:
        cross_attention: bool. Add encoder-decoder attention. Defaults to False.
        **kwargs: see `TransformerBlock`.

    Call arguments:
        inputs: (batch, T, dim) tensor.
        memory: (batch, S, memory_dim) encoder outputs, with cross-attention.
        padding_mask: (batch, T) int32 (or (batch, max_length) with a cache),
            1 for real tokens. Without a cache, defaults to the Keras mask of
            `inputs`, if any.
        memory_padding_mask: (batch, S) int32, 1 for real memory positions.
            Defaults to the Keras mask of `memory`, if any.
        self_attention_cache: see above.
        cross_attention_cache: see above.
        cache_update_index: int or scalar int tensor.
        training: bool, enables dropout.
        return_cross_attention_scores: bool. Also return the cross-attention
            weights, (batch, num_heads, T, S) float32 (see
            `MultiHeadCrossAttention`). Defaults to False.

    Returns:
        (batch, T, dim) tensor, or `(outputs, self_attention_cache)` when a
        self-attention cache is given; with `return_cross_attention_scores`
        the weights follow as the last element of a tuple.

    Example:
    >>> block = TransformerDecoderBlock(num_heads=4, intermediate_dim=256)
    >>> block(keras.ops.ones((2, 10, 64))).shape
    TensorShape([2, 10, 64])
    """

    def __init__(self, num_heads, intermediate_dim, cross_attention=False, **kwargs):
        super().__init__(num_heads, intermediate_dim, **kwargs)
        # `self.cross_attention` is the sublayer (its name fixes the weight paths).
        self.cross_attention_enabled = cross_attention

    def build(self, inputs_shape, memory_shape=None):
        self._check_width(inputs_shape)
        self.self_attention_layernorm = self._layer_norm("self_attention_layernorm", inputs_shape)
        self.self_attention = self._attention(MultiHeadAttention, "self_attention", inputs_shape)
        if self.cross_attention_enabled:
            self.cross_attention_layernorm = self._layer_norm(
                "cross_attention_layernorm", inputs_shape
            )
            self.cross_attention = self._attention(
                MultiHeadCrossAttention, "cross_attention", inputs_shape, memory_shape
            )
        self.feedforward_layernorm = self._layer_norm("feedforward_layernorm", inputs_shape)
        self.feedforward = self._feedforward(inputs_shape)
        self.residual_dropout = self._residual_dropout()

    def call(
        self,
        inputs,
        memory=None,
        padding_mask=None,
        memory_padding_mask=None,
        self_attention_cache=None,
        cross_attention_cache=None,
        cache_update_index=None,
        training=None,
        return_cross_attention_scores=False,
    ):
        if return_cross_attention_scores and not self.cross_attention_enabled:
            raise ValueError(
                "`return_cross_attention_scores=True` needs a block built with "
                "`cross_attention=True`."
            )
        if self.cross_attention_enabled and memory is None and cross_attention_cache is None:
            raise ValueError(
                "This block has cross-attention: pass `memory` (the encoder "
                "outputs) or a `cross_attention_cache`."
            )
        if padding_mask is None and self_attention_cache is None:
            padding_mask = get_keras_mask(inputs)
        if memory_padding_mask is None and memory is not None:
            memory_padding_mask = get_keras_mask(memory)
        query_length = ops.shape(inputs)[1]
        if self_attention_cache is None:
            causal = causal_mask(query_length, query_length)
        else:
            cache_length = ops.shape(self_attention_cache)[3]
            causal = causal_mask(query_length, cache_length, cache_update_index)
        self_mask = merge_masks(padding_mask, causal=causal)
        cross_mask = merge_masks(memory_padding_mask)

        def attend_to_self(h):
            """Returns `(output, cache)`; the cache is None without one."""
            if self_attention_cache is None:
                return self.self_attention(h, attention_mask=self_mask, training=training), None
            return self.self_attention(
                h,
                attention_mask=self_mask,
                cache=self_attention_cache,
                cache_update_index=cache_update_index,
                training=training,
            )

        cross_scores = []

        def attend_to_memory(h):
            h = self.cross_attention(
                h,
                memory=memory,
                attention_mask=cross_mask,
                cache=cross_attention_cache,
                training=training,
                return_attention_scores=return_cross_attention_scores,
            )
            if not return_cross_attention_scores:
                return h
            cross_scores.append(h[1])
            return h[0]

        x = inputs
        if self.normalize_first:  # Pre-LN (GPT-2): x = x + f(norm(x)).
            h, cache = attend_to_self(self.self_attention_layernorm(x))
            x = x + self.residual_dropout(h, training=training)
            if self.cross_attention_enabled:
                h = attend_to_memory(self.cross_attention_layernorm(x))
                x = x + self.residual_dropout(h, training=training)
            x = x + self.feedforward(self.feedforward_layernorm(x), training=training)
        else:  # Post-LN (BERT): x = norm(x + f(x)).
            h, cache = attend_to_self(x)
            h = self.residual_dropout(h, training=training)
            x = self._to_stream(self.self_attention_layernorm(x + h))
            if self.cross_attention_enabled:
                h = self.residual_dropout(attend_to_memory(x), training=training)
                x = self._to_stream(self.cross_attention_layernorm(x + h))
            h = self.feedforward(x, training=training)
            x = self._to_stream(self.feedforward_layernorm(x + h))
        outputs = (x,) if self_attention_cache is None else (x, cache)
        outputs += tuple(cross_scores)
        return outputs[0] if len(outputs) == 1 else outputs

    def get_config(self):
        config = super().get_config()
        config.update({"cross_attention": self.cross_attention_enabled})
        return config
