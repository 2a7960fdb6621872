"""Fixtures of the layer tests."""

import keras
import pytest


@pytest.fixture
def softmax_input_dtypes(monkeypatch):
    """The dtypes of the tensors `keras.ops.softmax` receives while the test runs."""
    dtypes = []
    softmax = keras.ops.softmax

    def recording_softmax(x, axis=-1):
        dtypes.append(keras.backend.standardize_dtype(x.dtype))
        return softmax(x, axis=axis)

    monkeypatch.setattr(keras.ops, "softmax", recording_softmax)
    return dtypes
