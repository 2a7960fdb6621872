"""Multi-head attention from a sequence to a memory (encoder-decoder attention)."""

import keras
from keras import ops
from keras.src.backend import get_keras_mask

from kerazoo.layers.attention import MultiHeadAttention
from kerazoo.layers.masks import merge_masks


@keras.saving.register_keras_serializable(package="kerazoo")
class MultiHeadCrossAttention(MultiHeadAttention):
    """Multi-head attention of queries over a memory (the encoder outputs).

    Queries are projected with `query` (dim, dim); keys and values come from
    the memory through one fused `key_value` (memory_dim, 2 * dim) kernel.
    Scores and softmax are float32, as in `MultiHeadAttention`, whose
    arguments this layer takes.

    For decoding, `compute_memory_cache(memory)` projects the memory's keys
    and values once per sequence; pass the result as `cache` at every step
    instead of `memory`.

    Call arguments:
        query: (batch, T, dim) tensor.
        memory: (batch, S, memory_dim) tensor, unless `cache` is given.
        attention_mask: (batch or 1, T, S) bool/int mask, 1 = may attend.
            Defaults to the Keras mask of `memory` as a key padding mask, if
            any. The Keras mask of `query` passes on to the output.
        cache: (batch, 2, num_heads, S, head_dim) from `compute_memory_cache`.
        training: bool, enables dropout.
        return_attention_scores: bool. Also return the attention weights, as
            `keras.layers.MultiHeadAttention` does. Defaults to False.

    Returns:
        (batch, T, dim) tensor; with `return_attention_scores`, `(output,
        weights)`, weights the (batch, num_heads, T, S) float32 softmax
        (before dropout), each row summing to 1 over the unmasked memory.

    Example:
    >>> layer = MultiHeadCrossAttention(num_heads=4)
    >>> layer(keras.ops.ones((2, 10, 64)), memory=keras.ops.ones((2, 7, 32))).shape
    TensorShape([2, 10, 64])
    """

    def build(self, query_shape, memory_shape=None):
        self._check_width(query_shape)
        memory_dim = self.hidden_dim if memory_shape is None else memory_shape[-1]
        self.query = self._dense(self.hidden_dim, "query", self.kernel_initializer)
        self.query.build(query_shape)
        self.key_value = self._dense(2 * self.hidden_dim, "key_value", self.kernel_initializer)
        self.key_value.build((*query_shape[:-1], memory_dim))
        self._build_output(query_shape)

    def call(self, query, memory=None, attention_mask=None, cache=None, training=None,
             return_attention_scores=False):
        if memory is None and cache is None:
            raise ValueError(
                "Cross-attention needs `memory` (the encoder outputs) or the "
                "`cache` from `compute_memory_cache`."
            )
        if attention_mask is None and memory is not None:
            attention_mask = merge_masks(get_keras_mask(memory))
        q = self._heads_of_queries(self.query(query))
        k, v = (cache[:, 0], cache[:, 1]) if cache is not None else self._keys_and_values(memory)
        return self._attend(q, k, v, attention_mask, training, return_attention_scores)

    def _keys_and_values(self, memory):
        return self._split_heads(self.key_value(memory), 2)

    def compute_memory_cache(self, memory):
        """Keys/values of a memory, computed once per sequence.

        Args:
            memory: (batch, S, memory_dim) encoder outputs.

        Returns:
            (batch, 2, num_heads, S, head_dim) cache.
        """
        return ops.stack(self._keys_and_values(memory), axis=1)

    def compute_output_shape(self, query_shape, memory_shape=None):
        return query_shape
