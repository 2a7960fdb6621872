"""Serving chosen examples as a TFDS dataset, offline, with `tfds.testing.mock_data`."""

import tensorflow as tf


def serve(examples):
    """A `mock_data` `as_dataset_fn` that serves `examples` and records the split.

    Args:
        examples: dict of feature name -> list of values, one per example.

    Returns:
        (as_dataset, calls): pass `as_dataset_fn=as_dataset`; `calls` gets one
        `(dataset name, split)` per load.
    """
    calls = []

    def as_dataset(builder, *args, split=None, **kwargs):
        calls.append((builder.name, split))
        return tf.data.Dataset.from_tensor_slices(examples)

    return as_dataset, calls


def serve_splits(splits):
    """A `mock_data` `as_dataset_fn` that serves `splits[split]` for each split asked.

    Args:
        splits: dict of split name -> examples, as `serve` takes them.
    """

    def as_dataset(builder, *args, split=None, **kwargs):
        return tf.data.Dataset.from_tensor_slices(splits[split])

    return as_dataset
