"""A tiny stand-in language model and synthetic token data for training tests."""

import keras
import numpy as np
import pytest
import tensorflow as tf

VOCAB_SIZE = 16
SEQUENCE_LENGTH = 8


class _PoisonOnToken(keras.layers.Layer):
    """Turns the logits of a batch into NaN when its inputs hold `token_id`."""

    def __init__(self, token_id, **kwargs):
        super().__init__(**kwargs)
        self.token_id = token_id

    def call(self, token_ids, logits):
        poisoned = keras.ops.any(keras.ops.equal(token_ids, self.token_id))
        # Added rather than selected with `where(poisoned, logits * nan, ...)`,
        # whose gradient is NaN even when the clean branch is taken.
        return logits + keras.ops.where(poisoned, np.nan, 0.0)


def build_tiny_lm(poison_token_id=None, width=16):
    """Embedding + LayerNormalization + Dense: a bigram language model.

    Args:
        poison_token_id: If set, a batch containing this token gets NaN logits.
        width: Embedding width.

    Returns:
        A built model mapping int32 `(batch, time)` to `(batch, time, vocab)`.
    """
    token_ids = keras.Input((SEQUENCE_LENGTH,), dtype="int32", name="token_ids")
    hidden = keras.layers.Embedding(VOCAB_SIZE, width, name="token_embedding")(
        token_ids
    )
    hidden = keras.layers.LayerNormalization(name="norm")(hidden)
    logits = keras.layers.Dense(VOCAB_SIZE, name="logits")(hidden)
    if poison_token_id is not None:
        logits = _PoisonOnToken(poison_token_id)(token_ids, logits)
    return keras.Model(token_ids, logits, name="tiny_lm")


def successor_dataset(batches=4, batch_size=8, seed=0, vocab_size=VOCAB_SIZE):
    """Sequences counting up modulo the vocabulary: each target is token + 1.

    Args:
        batches: Number of batches.
        batch_size: Sequences per batch.
        seed: Seed of the random start tokens.
        vocab_size: Tokens are drawn from `[0, vocab_size)`.

    Returns:
        A finite dataset of int32 `(token_ids, targets)` pairs,
        each `(batch_size, SEQUENCE_LENGTH)`.
    """
    starts = np.random.default_rng(seed).integers(0, vocab_size, batches * batch_size)
    tokens = (starts[:, None] + np.arange(SEQUENCE_LENGTH + 1)) % vocab_size
    tokens = tokens.astype("int32")
    return tf.data.Dataset.from_tensor_slices((tokens[:, :-1], tokens[:, 1:])).batch(
        batch_size
    )


@pytest.fixture
def make_tiny_lm():
    """`build_tiny_lm`, for tests that need several models or a poisoned one."""
    return build_tiny_lm


@pytest.fixture
def make_dataset():
    """`successor_dataset`."""
    return successor_dataset
