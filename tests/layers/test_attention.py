import keras
import numpy as np
import pytest

from kerazoo.layers import MultiHeadAttention, MultiHeadCrossAttention, causal_mask
from tests.layers import numpy_reference as reference
from tests.layers.harness import check_layer

rng = np.random.default_rng(0)


def test_self_attention_shared_checks(tmp_path):
    inputs = {"query": rng.normal(size=(2, 8, 16)).astype("float32")}
    check_layer(lambda **kw: MultiHeadAttention(4, **kw), inputs, (2, 8, 16), tmp_path=tmp_path)


def test_cross_attention_shared_checks(tmp_path):
    inputs = {
        "query": rng.normal(size=(2, 8, 16)).astype("float32"),
        "memory": rng.normal(size=(2, 5, 12)).astype("float32"),
    }
    check_layer(
        lambda **kw: MultiHeadCrossAttention(4, **kw),
        inputs,
        (2, 8, 16),
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("use_bias", [True, False])
def test_self_attention_matches_numpy(use_bias):
    layer = MultiHeadAttention(2, use_bias=use_bias)
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    mask = rng.random((2, 5, 5)) < 0.7
    mask[:, :, 0] = True
    layer(x)
    reference.randomize_weights(layer)
    out = np.asarray(layer(x, attention_mask=mask.astype("int32")))
    np.testing.assert_allclose(out, reference.attention(x, layer, mask=mask), atol=1e-5)


def test_cross_attention_matches_numpy():
    layer = MultiHeadCrossAttention(2)
    x = rng.normal(size=(2, 4, 8)).astype("float32")
    memory = rng.normal(size=(2, 6, 12)).astype("float32")
    mask = np.ones((2, 4, 6), bool)
    mask[1, :, 4:] = False
    layer(x, memory=memory)
    reference.randomize_weights(layer)
    out = np.asarray(layer(x, memory=memory, attention_mask=mask))
    expected, weights = reference.attention(x, layer, memory=memory, mask=mask,
                                            return_weights=True)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    out, scores = layer(x, memory=memory, attention_mask=mask, return_attention_scores=True)
    np.testing.assert_allclose(np.asarray(out), expected, atol=1e-5)
    assert scores.dtype == "float32" and scores.shape == (2, 2, 4, 6)
    np.testing.assert_allclose(np.asarray(scores), weights, atol=1e-6)


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
@pytest.mark.parametrize("cross", [False, True], ids=["self", "cross"])
def test_softmax_is_float32_under_mixed_precision(policy, cross, softmax_input_dtypes):
    x = rng.normal(size=(2, 4, 8)).astype("float32")
    if cross:
        out = MultiHeadCrossAttention(2, dtype=policy)(x, memory=x)
    else:
        out = MultiHeadAttention(2, dtype=policy)(x)
    assert softmax_input_dtypes == ["float32"]
    assert keras.backend.standardize_dtype(out.dtype) == policy.split("_")[1]


def test_masked_keys_do_not_matter():
    layer = MultiHeadAttention(2)
    x = rng.normal(size=(1, 6, 8)).astype("float32")
    mask = np.ones((1, 6, 6), "int32")
    mask[:, :, 4:] = 0
    changed = x.copy()
    changed[:, 4:] += 5.0
    out = np.asarray(layer(x, attention_mask=mask))
    out_changed = np.asarray(layer(changed, attention_mask=mask))
    np.testing.assert_allclose(out[:, :4], out_changed[:, :4], atol=1e-5)


def test_cached_decoding_equals_full_recompute():
    layer = MultiHeadAttention(4)
    x = rng.normal(size=(2, 10, 16)).astype("float32")
    full = np.asarray(layer(x, attention_mask=causal_mask(10, 10)[None]))
    cache = np.zeros((2, 2, 4, 10, 4), "float32")
    # A 3-token prefill, then one token at a time.
    out, cache = layer(x[:, :3], attention_mask=causal_mask(3, 10)[None], cache=cache, cache_update_index=0)
    pieces = [np.asarray(out)]
    for i in range(3, 10):
        out, cache = layer(
            x[:, i : i + 1], attention_mask=causal_mask(1, 10, i)[None], cache=cache, cache_update_index=i
        )
        pieces.append(np.asarray(out))
    np.testing.assert_allclose(np.concatenate(pieces, 1), full, atol=1e-5)


def test_cross_attention_cache_equals_memory():
    layer = MultiHeadCrossAttention(2)
    x = rng.normal(size=(2, 4, 8)).astype("float32")
    memory = rng.normal(size=(2, 6, 8)).astype("float32")
    direct = np.asarray(layer(x, memory=memory))
    cached = layer(x, cache=layer.compute_memory_cache(memory))
    np.testing.assert_allclose(np.asarray(cached), direct, atol=1e-5)


def test_dropout_only_in_training():
    layer = MultiHeadAttention(2, dropout=0.5)
    x = rng.normal(size=(2, 6, 8)).astype("float32")
    np.testing.assert_allclose(np.asarray(layer(x)), np.asarray(layer(x)))
    assert not np.allclose(np.asarray(layer(x, training=True)), np.asarray(layer(x)))


def test_heads_must_divide_width():
    with pytest.raises(ValueError, match="must divide the model width 10"):
        MultiHeadAttention(4)(np.zeros((1, 3, 10), "float32"))


def test_cross_attention_needs_memory():
    with pytest.raises(ValueError, match="memory"):
        MultiHeadCrossAttention(2)(np.zeros((1, 3, 8), "float32"))


def test_keras_mask_of_the_query_is_the_key_padding_mask():
    ids = np.array([[5, 6, 7, 0, 0], [3, 4, 8, 9, 2]], "int32")
    real = ids != 0
    embedded = keras.layers.Embedding(20, 8, mask_zero=True)(ids)
    layer = MultiHeadAttention(2)
    out = layer(embedded)
    explicit = layer(embedded, attention_mask=np.repeat(real[:, None, :], 5, axis=1))
    np.testing.assert_allclose(np.asarray(out), np.asarray(explicit), atol=1e-6)
    np.testing.assert_allclose(
        np.asarray(out)[0, :3], np.asarray(layer(np.asarray(embedded)[:1, :3]))[0], atol=1e-5
    )
    np.testing.assert_array_equal(np.asarray(out._keras_mask), real)


def test_keras_mask_of_the_memory_is_the_key_padding_mask():
    ids = np.array([[5, 6, 7, 0], [3, 4, 8, 9]], "int32")
    memory = keras.layers.Embedding(20, 8, mask_zero=True)(ids)
    layer = MultiHeadCrossAttention(2)
    x = rng.normal(size=(2, 3, 8)).astype("float32")
    out = np.asarray(layer(x, memory=memory))
    np.testing.assert_allclose(
        out[:1], np.asarray(layer(x[:1], memory=np.asarray(memory)[:1, :3])), atol=1e-5
    )
    assert not np.allclose(out[:1], np.asarray(layer(x[:1], memory=np.asarray(memory)[:1])))


@pytest.mark.parametrize("cross", [False, True], ids=["self", "cross"])
def test_training_gradient_has_no_strided_slice_gradients(cross):
    # Slicing the fused projections made one zero-filled copy of the whole
    # projection per slice in the backward pass (a third of a training step).
    import tensorflow as tf

    layer = MultiHeadCrossAttention(2) if cross else MultiHeadAttention(2)
    x = tf.constant(rng.normal(size=(2, 4, 8)).astype("float32"))
    kwargs = {"memory": x} if cross else {}
    layer(x, **kwargs)

    @tf.function
    def gradients(x):
        with tf.GradientTape() as tape:
            out = layer(x, training=True, **kwargs)
        return tape.gradient(out, layer.trainable_variables)

    graph = gradients.get_concrete_function(x).graph
    op_types = {op.type for op in graph.get_operations()}
    assert "MatMul" in op_types or "Einsum" in op_types
    assert "StridedSliceGrad" not in op_types
