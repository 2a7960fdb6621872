"""Property tests of the causal-LM pipeline: every token lands where it should, once.

The corpora hold distinct token ids, so each window shows which corpus
positions it came from.
"""

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from kerazoo.data.causal_lm import causal_lm_datasets_from_token_ids, split_token_ids

SETTINGS = settings(max_examples=30, deadline=None)
fractions = st.floats(0.01, 0.99)


@SETTINGS
@given(
    token_ids=st.lists(st.integers(0, 2**31 - 1), max_size=200),
    validation_fraction=fractions,
)
def test_split_keeps_every_token_once_in_order(token_ids, validation_fraction):
    train_ids, validation_ids = split_token_ids(token_ids, validation_fraction)
    assert np.concatenate([train_ids, validation_ids]).tolist() == token_ids
    assert len(train_ids) == int(len(token_ids) * (1 - validation_fraction))
    assert train_ids.dtype == validation_ids.dtype == np.int32


def test_split_refuses_ids_that_int32_cannot_hold():
    with pytest.raises(ValueError, match="2147483648"):
        split_token_ids([2**31], 0.5)
    with pytest.raises(ValueError, match="id -1"):
        split_token_ids([3, -1], 0.5)


def windows(dataset, count):
    """The first `count` (inputs, targets) rows of a batched dataset."""
    rows = []
    for inputs, targets in dataset:
        rows.extend(zip(inputs.numpy(), targets.numpy()))
        if len(rows) >= count:
            break
    return rows[:count]


@settings(max_examples=40, deadline=None)
@given(
    sequence_length=st.integers(1, 10),
    batch_size=st.integers(1, 5),
    validation_fraction=st.floats(0.05, 0.5),
    # Corpus length around the shortest that makes one validation batch, so
    # both sides of the "too short" boundary come up.
    extra_length=st.integers(-20, 300),
    seed=st.integers(0, 2**31 - 1),
)
def test_windows_cover_each_split_exactly_once(
    sequence_length, batch_size, validation_fraction, extra_length, seed
):
    shortest = (batch_size * sequence_length + 1) / validation_fraction
    length = max(2, int(shortest) + extra_length)
    token_ids = np.random.default_rng(seed).permutation(length) + 7  # distinct ids
    train_ids, validation_ids = split_token_ids(token_ids, validation_fraction)
    validation_windows = (len(validation_ids) - 1) // sequence_length
    usable = len(train_ids) > sequence_length and validation_windows >= batch_size
    event("usable" if usable else "too short")
    if not usable:
        with pytest.raises(ValueError, match="The corpus is too short"):
            causal_lm_datasets_from_token_ids(
                token_ids, sequence_length, batch_size, validation_fraction, seed
            )
        return
    train, validation = causal_lm_datasets_from_token_ids(
        token_ids, sequence_length, batch_size, validation_fraction, seed
    )
    position = {token: i for i, token in enumerate(token_ids)}

    def start_of(inputs, targets):
        """The window's corpus position; checks it is contiguous and shifted by one."""
        start = position[inputs[0]]
        np.testing.assert_array_equal(inputs, token_ids[start : start + sequence_length])
        np.testing.assert_array_equal(targets, token_ids[start + 1 : start + sequence_length + 1])
        return start

    # One pass over training: every start offset once, no window reaching
    # into validation.
    starts = len(train_ids) - sequence_length
    train_rows = windows(train, starts)
    assert sorted(start_of(*row) for row in train_rows) == list(range(starts))
    # Validation: non-overlapping windows in order, as many whole batches as fit.
    kept = validation_windows // batch_size * batch_size
    validation_rows = windows(validation, kept + 1)
    assert [start_of(*row) for row in validation_rows] == [
        len(train_ids) + i * sequence_length for i in range(kept)
    ]
    # Together: each token on one side only, and none lost but validation's
    # tail that makes no whole batch.
    train_tokens = set(np.concatenate([np.concatenate(row) for row in train_rows]).tolist())
    validation_tokens = set(np.concatenate([np.concatenate(r) for r in validation_rows]).tolist())
    assert train_tokens == set(train_ids.tolist())
    assert validation_tokens == set(validation_ids[: kept * sequence_length + 1].tolist())
