import keras
import numpy as np
import pytest

from kerazoo.layers import PositionEmbedding, TokenAndPositionEmbedding
from tests.layers.harness import check_layer


def test_position_embedding_shared_checks(tmp_path):
    inputs = {"inputs": np.random.rand(2, 10, 16).astype("float32")}
    check_layer(
        lambda **kw: PositionEmbedding(sequence_length=32, **kw), inputs, (2, 10, 16), tmp_path=tmp_path
    )


def test_token_and_position_embedding_shared_checks(tmp_path):
    inputs = {"token_ids": np.random.randint(0, 50, (2, 10)).astype("int32")}
    for position in ("learned", "sinusoidal"):
        check_layer(
            lambda **kw: TokenAndPositionEmbedding(50, 32, 16, position=position, **kw),
            inputs,
            (2, 10, 16),
            tmp_path=tmp_path,
        )


def test_position_embedding_rows_follow_start_index():
    layer = PositionEmbedding(sequence_length=32)
    full = np.asarray(layer(np.zeros((1, 20, 8), "float32")))
    tail = np.asarray(layer(np.zeros((1, 4, 8), "float32"), start_index=16))
    np.testing.assert_allclose(tail, full[:, 16:20])
    np.testing.assert_allclose(full[0], np.asarray(layer.embeddings)[:20])


def test_token_and_position_is_the_sum_and_ties_logits():
    layer = TokenAndPositionEmbedding(50, 32, 16)
    ids = np.array([[3, 7, 7]], "int32")
    out = np.asarray(layer(ids))
    table = np.asarray(layer.token_embedding.embeddings)
    positions = np.asarray(layer.position_embedding.embeddings)[:3]
    np.testing.assert_allclose(out[0], table[[3, 7, 7]] + positions, atol=1e-6)
    logits = np.asarray(layer.token_embedding(out, reverse=True))
    np.testing.assert_allclose(logits[0], out[0] @ table.T, atol=1e-5)
    assert logits.dtype == np.float32


def test_too_long_input_is_a_clear_error():
    with pytest.raises(ValueError, match="holds 8"):
        PositionEmbedding(sequence_length=8)(np.zeros((1, 9, 4), "float32"))


def test_bad_arguments():
    with pytest.raises(ValueError, match="sequence_length"):
        PositionEmbedding(sequence_length=0)
    with pytest.raises(ValueError, match="position"):
        TokenAndPositionEmbedding(10, 8, 4, position="rotary")


def test_passes_the_keras_mask_on():
    layer = PositionEmbedding(sequence_length=8)
    ids = np.array([[4, 5, 6, 0, 0], [7, 0, 0, 0, 0]], "int32")
    embedded = keras.layers.Embedding(10, 6, mask_zero=True)(ids)
    out = layer(embedded)
    np.testing.assert_array_equal(np.asarray(out._keras_mask), ids != 0)
    np.testing.assert_allclose(np.asarray(out), np.asarray(layer(np.asarray(embedded))))
