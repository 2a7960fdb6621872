"""Multi-head scaled dot-product self-attention with masks and a key/value cache."""

import math

import keras
from keras import ops
from keras.src.backend import get_keras_mask

from kerazoo.layers.masks import merge_masks
from kerazoo.utils.checks import check_int, check_real

# Scores are float32 under mixed precision, so a large finite value is safe.
_MASKED_SCORE = -1e9


@keras.saving.register_keras_serializable(package="kerazoo")
class MultiHeadAttention(keras.layers.Layer):
    """Multi-head self-attention ("Attention Is All You Need", section 3.2).

    Queries, keys and values come from one fused `qkv` kernel of shape
    (dim, 3 * dim), laid out Q | K | V with heads contiguous inside each part
    (GPT-2's `c_attn` layout), which is one large matrix multiply instead of
    three. `MultiHeadCrossAttention` is the variant that reads a memory.

    Scores, the softmax and the masked fill are float32 whatever the compute
    dtype, so mixed precision stays stable.

    Incremental decoding uses a fixed-size cache of shape
    (batch, 2, num_heads, max_length, head_dim) (keys then values): each call
    writes its new keys/values at `cache_update_index` with an in-place
    slice update (XLA-friendly: shapes never change) and attends over the
    whole cache under the mask.

    Args:
        num_heads: int. Number of heads; must divide the model width.
        dropout: float. Dropout on attention probabilities. Defaults to 0.
        use_bias: bool. Biases on the projections. Defaults to True.
        kernel_initializer: initializer of the input projections.
        output_kernel_initializer: initializer of the output projection;
            defaults to `kernel_initializer` (GPT-2 scales it down by depth).
        bias_initializer: initializer of all biases. Defaults to zeros.

    Call arguments:
        query: (batch, T, dim) tensor.
        attention_mask: (batch or 1, T, S) bool/int mask, 1 = may attend. S
            is T, or the cache length with a cache. Without a cache, defaults
            to the Keras mask of `query` (e.g. from `Embedding(mask_zero=True)`)
            as a key padding mask, if any; the Keras mask passes on to the output.
        cache: optional cache tensor, see above.
        cache_update_index: int or scalar int tensor: where the T new
            keys/values go in the cache.
        training: bool, enables dropout.

    Returns:
        (batch, T, dim) tensor, or `(output, cache)` when a cache is given.

    Example:
    >>> layer = MultiHeadAttention(num_heads=4)
    >>> x = keras.ops.ones((2, 10, 64))
    >>> layer(x).shape
    TensorShape([2, 10, 64])
    """

    def __init__(
        self,
        num_heads,
        dropout=0.0,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        output_kernel_initializer=None,
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_heads = check_int("num_heads", num_heads, low=1)
        self.dropout = check_real("dropout", dropout, low=0.0, high=1.0)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.output_kernel_initializer = keras.initializers.get(
            output_kernel_initializer or kernel_initializer
        )
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.supports_masking = True

    def _dense(self, units, name, initializer):
        return keras.layers.Dense(
            units,
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.get(
                keras.initializers.serialize(initializer)
            ),
            bias_initializer=self.bias_initializer,
            dtype=self.dtype_policy,
            name=name,
        )

    def _check_width(self, query_shape):
        dim = query_shape[-1]
        if dim % self.num_heads != 0:
            raise ValueError(
                f"`num_heads`={self.num_heads} must divide the model width "
                f"{dim}. Choose a width that is a multiple of the head count."
            )
        self.hidden_dim = dim
        self.head_dim = dim // self.num_heads

    def _build_output(self, query_shape):
        self.output_dense = self._dense(
            self.hidden_dim, "output_dense", self.output_kernel_initializer
        )
        self.output_dense.build(query_shape)
        self.probability_dropout = keras.layers.Dropout(
            self.dropout, dtype=self.dtype_policy, name="probability_dropout"
        )

    def build(self, query_shape):
        self._check_width(query_shape)
        self.qkv = self._dense(3 * self.hidden_dim, "qkv", self.kernel_initializer)
        self.qkv.build(query_shape)
        self._build_output(query_shape)

    def _split_heads(self, x, parts):
        """(batch, time, parts * dim) -> `parts` tensors (batch, heads, time, head_dim)."""
        batch, length = ops.shape(x)[0], ops.shape(x)[1]
        x = ops.reshape(x, (batch, length, parts, self.num_heads, self.head_dim))
        x = ops.transpose(x, (2, 0, 3, 1, 4))  # (parts, batch, heads, time, head_dim)
        # Unstack, not `x[i]`: the gradient of a strided slice writes a
        # zero-filled copy of the whole input per part, that of unstack one stack.
        return ops.unstack(x, num=parts, axis=0)

    def _heads_of_queries(self, projected):
        """(batch, time, dim) -> (batch, time, heads, head_dim).

        Queries keep the projection's layout: the einsums in `_attend` read
        them and write the output in that layout, which saves two transposes
        (and their gradients) per layer.
        """
        batch, length = ops.shape(projected)[0], ops.shape(projected)[1]
        return ops.reshape(projected, (batch, length, self.num_heads, self.head_dim))

    def _attend(self, q, k, v, attention_mask, training, return_probabilities=False):
        """Attention of queries over keys/values, projected out: (batch, T, dim).

        q is (batch, T, heads, head_dim); k and v are (batch, heads, S, head_dim).
        With `return_probabilities`, also the (batch, heads, T, S) float32
        softmax weights (before dropout).
        """
        scale = 1.0 / math.sqrt(self.head_dim)
        scores = ops.einsum("bthd,bhsd->bhts", q, k)  # (batch, heads, T, S)
        scores = ops.cast(scores, "float32") * scale
        if attention_mask is not None:
            mask = ops.cast(attention_mask, "bool")[:, None, :, :]
            scores = ops.where(mask, scores, _MASKED_SCORE)
        weights = ops.softmax(scores, axis=-1)
        probabilities = self.probability_dropout(
            ops.cast(weights, self.compute_dtype), training=training
        )
        context = ops.einsum(
            "bhts,bhsd->bthd", probabilities, ops.cast(v, self.compute_dtype)
        )  # (batch, T, heads, head_dim)
        batch, length = ops.shape(q)[0], ops.shape(q)[1]
        context = ops.reshape(context, (batch, length, self.hidden_dim))
        output = self.output_dense(context)
        return (output, weights) if return_probabilities else output

    def call(
        self,
        query,
        attention_mask=None,
        cache=None,
        cache_update_index=None,
        training=None,
    ):
        if cache is not None and cache_update_index is None:
            raise ValueError("A self-attention `cache` needs `cache_update_index`.")
        if attention_mask is None and cache is None:
            attention_mask = merge_masks(get_keras_mask(query))
        # Split, not slice, for the same reason as in `_split_heads`.
        q, kv = ops.split(self.qkv(query), [self.hidden_dim], axis=-1)
        q = self._heads_of_queries(q)
        k, v = self._split_heads(kv, 2)
        if cache is not None:
            new = ops.cast(ops.stack([k, v], axis=1), cache.dtype)
            cache = ops.slice_update(cache, (0, 0, 0, cache_update_index, 0), new)
            k, v = cache[:, 0], cache[:, 1]
        output = self._attend(q, k, v, attention_mask, training)
        return output if cache is None else (output, cache)

    def compute_output_shape(self, query_shape):
        return query_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "dropout": self.dropout,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "output_kernel_initializer": keras.initializers.serialize(
                    self.output_kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            }
        )
        return config
