import keras
import numpy as np
import pytest

from kerazoo.layers import SinusoidalPositionEncoding
from tests.layers.harness import check_layer


def test_shared_checks(tmp_path):
    inputs = {"inputs": np.random.rand(2, 12, 16).astype("float32")}
    check_layer(lambda **kw: SinusoidalPositionEncoding(**kw), inputs, (2, 12, 16), tmp_path=tmp_path)


def test_values_equal_the_papers_formula():
    length, dim = 50, 32
    encoding = np.asarray(SinusoidalPositionEncoding()(np.zeros((1, length, dim), "float32")))[0]
    expected = np.zeros((length, dim))
    for pos in range(length):
        for i in range(dim // 2):
            angle = pos / 10000 ** (2 * i / dim)
            expected[pos, 2 * i] = np.sin(angle)
            expected[pos, 2 * i + 1] = np.cos(angle)
    np.testing.assert_allclose(encoding, expected, atol=1e-5)


def test_start_index_shifts_positions():
    layer = SinusoidalPositionEncoding()
    full = np.asarray(layer(np.zeros((1, 20, 8), "float32")))
    tail = np.asarray(layer(np.zeros((1, 5, 8), "float32"), start_index=15))
    np.testing.assert_allclose(tail, full[:, 15:], atol=1e-5)


def test_bad_wavelength():
    with pytest.raises(ValueError, match="max_wavelength"):
        SinusoidalPositionEncoding(max_wavelength=0)


def test_passes_the_keras_mask_on():
    layer = SinusoidalPositionEncoding()
    ids = np.array([[4, 5, 6, 0, 0], [7, 0, 0, 0, 0]], "int32")
    embedded = keras.layers.Embedding(10, 6, mask_zero=True)(ids)
    out = layer(embedded)
    np.testing.assert_array_equal(np.asarray(out._keras_mask), ids != 0)
    np.testing.assert_allclose(np.asarray(out), np.asarray(layer(np.asarray(embedded))))
