"""TaskData: what a task's data preparation hands to training."""

from typing import Any, Callable, NamedTuple

import tensorflow as tf


class TaskData(NamedTuple):
    """Datasets, the tokenizer that made them, and what the model needs from them.

    Attributes:
        tokenizer: the kerazoo tokenizer (saved with the run).
        train: infinite batches for `kerazoo.training.train`.
        validation: finite batches, or None.
        model_overrides: hyperparameters the data fixes, e.g.
            `{"vocabulary_size": 65}`.
        source: a printable name of the data.
        sample_prompt: what a sample at the end of training starts from, or
            None.
        prepare_model: None, or a callable `prepare_model(model)` that
            `kerazoo train` calls on the freshly built model, inside the
            strategy scope, before training (e.g. to load a pretrained
            encoder's weights, or to make a recurrent model carry its state
            across the batches). It raises a ValueError when the model cannot
            train on this data.
    """

    tokenizer: Any
    train: tf.data.Dataset
    validation: tf.data.Dataset | None
    model_overrides: dict
    source: str
    sample_prompt: str | None = None
    prepare_model: Callable[[Any], None] | None = None
