"""Length-bucketed batches of encoder inputs: each batch padded only to its longest example.

Examples of similar length are batched together, so short sentences do not pay for the
longest one's positions.
"""

import numpy as np
import tensorflow as tf

# Packed lengths at which buckets split (each bucket is padded to its longest example).
BUCKET_BOUNDARIES = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384)


def bucket_by_length(dataset, lengths, sequence_length, batch_size, padding_values,
                     drop_remainder=False):
    """Batches of a dataset of unpadded examples, bucketed by their packed length.

    Args:
        dataset: a `tf.data.Dataset` of tuples whose first element is a dict of 1-D
            encoder inputs with `token_ids` (packed, at most `sequence_length` long).
        lengths: (examples,) int NumPy array, each example's packed length, for the count of
            batches.
        sequence_length: int, the longest packed example.
        batch_size: int, examples per batch.
        padding_values: the padding of each element, as
            `tf.data.Dataset.bucket_by_sequence_length` takes it.
        drop_remainder: drop each bucket's last partial batch, so every batch has
            `batch_size` examples (training under a distribution strategy).

    Returns:
        The batched, prefetched `tf.data.Dataset`, its cardinality set.
    """
    boundaries = [b for b in BUCKET_BOUNDARIES if b < sequence_length]
    dataset = dataset.bucket_by_sequence_length(
        element_length_func=lambda inputs, *rest: tf.shape(inputs["token_ids"])[0],
        bucket_boundaries=[b + 1 for b in boundaries],
        bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
        padding_values=padding_values,
        drop_remainder=drop_remainder,
    )
    buckets = np.searchsorted(np.array(boundaries), np.asarray(lengths), side="left")
    dataset = with_batch_count(dataset, buckets, batch_size, drop_remainder)
    return dataset.prefetch(tf.data.AUTOTUNE)


def with_batch_count(dataset, buckets, batch_size, drop_remainder):
    """`dataset` of bucketed batches with its batch count declared.

    Bucketing hides how many batches come out; declared, Keras ends a validation or
    evaluation pass without warning that the input "ran out of data".

    Args:
        dataset: the batches `tf.data` made by bucketing the examples.
        buckets: (examples,) int NumPy array, each example's bucket.
        batch_size: int, examples per batch.
        drop_remainder: whether each bucket's last partial batch was dropped.
    """
    sizes = np.bincount(buckets)
    batches = int(np.sum(sizes // batch_size if drop_remainder else -(-sizes // batch_size)))
    return dataset.apply(tf.data.experimental.assert_cardinality(batches))
