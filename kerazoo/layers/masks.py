"""Attention masks. Convention: 1 (or True) means "may attend", 0 means hidden.

Masks are int32 at model inputs (bool inputs break `fit` under
MirroredStrategy); inside layers they are turned into bool.
"""

from keras import ops


def causal_mask(query_length, key_length, query_start=0):
    """Mask that lets query `t` see keys `0 .. query_start + t` only.

    Args:
        query_length: int or scalar tensor, number of queries `T`.
        key_length: int or scalar tensor, number of keys `S`.
        query_start: int or scalar tensor, absolute position of query 0. With
            a cache, queries start at the cache index, keys at 0.

    Returns:
        (T, S) bool tensor.
    """
    query_positions = ops.arange(query_length) + query_start
    key_positions = ops.arange(key_length)
    return ops.greater_equal(query_positions[:, None], key_positions[None, :])


def merge_masks(padding_mask=None, attention_mask=None, causal=None):
    """Combine key padding, explicit and causal masks into one attention mask.

    Args:
        padding_mask: (batch, S) int/bool, 1 for real keys, or None.
        attention_mask: (batch, T, S) int/bool, or None.
        causal: (T, S) bool from `causal_mask`, or None.

    Returns:
        (batch, T, S) or (1, T, S) bool tensor, or None if no mask was given.
    """
    merged = None
    if padding_mask is not None:
        merged = ops.cast(padding_mask, "bool")[:, None, :]
    if attention_mask is not None:
        mask = ops.cast(attention_mask, "bool")
        merged = mask if merged is None else ops.logical_and(merged, mask)
    if causal is not None:
        causal = causal[None, :, :]
        merged = causal if merged is None else ops.logical_and(merged, causal)
    return merged
