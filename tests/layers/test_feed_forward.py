import numpy as np
import pytest

from kerazoo.layers import FeedForward
from tests.layers.harness import check_layer


def test_shared_checks(tmp_path):
    inputs = {"inputs": np.random.rand(2, 6, 16).astype("float32")}
    check_layer(lambda **kw: FeedForward(32, **kw), inputs, (2, 6, 16), tmp_path=tmp_path)


def test_is_outer_of_activation_of_inner():
    layer = FeedForward(8, activation="relu")
    x = np.random.rand(1, 3, 4).astype("float32")
    out = np.asarray(layer(x))
    hidden = np.maximum(x @ np.asarray(layer.inner.kernel) + np.asarray(layer.inner.bias), 0)
    expected = hidden @ np.asarray(layer.outer.kernel) + np.asarray(layer.outer.bias)
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_gelu_approximate_is_gpt2s_tanh_form():
    layer = FeedForward(8, activation="gelu_approximate")
    x = np.random.rand(1, 3, 4).astype("float32")
    out = np.asarray(layer(x))
    h = x @ np.asarray(layer.inner.kernel) + np.asarray(layer.inner.bias)
    h = 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h**3)))
    np.testing.assert_allclose(out, h @ np.asarray(layer.outer.kernel) + np.asarray(layer.outer.bias), atol=1e-5)


def test_unknown_activation():
    with pytest.raises(ValueError, match="Unknown `activation` 'swishy'"):
        FeedForward(8, activation="swishy")
