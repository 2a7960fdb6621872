"""causal_lm_contiguous_batches: the truncated-BPTT layout of PTB language models."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kerazoo.data import causal_lm_contiguous_batches


@settings(max_examples=40, deadline=None)
@given(length=st.integers(3, 300), batch=st.integers(1, 6), window=st.integers(1, 9))
def test_each_row_continues_across_batches_and_every_target_comes_once(length, batch, window):
    ids = np.arange(length)
    if (length // batch - 1) // window < 1:
        with pytest.raises(ValueError, match="too short"):
            causal_lm_contiguous_batches(ids, window, batch)
        return
    batches = causal_lm_contiguous_batches(ids, window, batch)
    pairs = [(x.numpy(), y.numpy()) for x, y in batches.dataset]
    assert len(pairs) == batches.steps_per_pass == (length // batch - 1) // window
    inputs = np.concatenate([x for x, _ in pairs], axis=1)  # (batch, steps * window)
    targets = np.concatenate([y for _, y in pairs], axis=1)
    row = length // batch
    for r in range(batch):
        # Row r is one stretch of the corpus, read in order across the batches.
        np.testing.assert_array_equal(inputs[r], np.arange(r * row, r * row + inputs.shape[1]))
    np.testing.assert_array_equal(targets, inputs + 1)
    # No target twice, and only the tail of each row (less than a window) unused.
    assert len(set(targets.ravel().tolist())) == targets.size
    assert row - 1 - targets.shape[1] < window


def test_shapes_and_dtype_and_bad_arguments():
    batches = causal_lm_contiguous_batches(np.arange(1000), 20, 4)
    x, y = next(iter(batches.dataset))
    assert x.shape == y.shape == (4, 20) and x.dtype.name == "int32"
    with pytest.raises(ValueError, match="positive"):
        causal_lm_contiguous_batches(np.arange(100), 0, 4)
    with pytest.raises(ValueError, match="int32"):
        causal_lm_contiguous_batches(np.array([2**40, 1, 2, 3]), 1, 1)
