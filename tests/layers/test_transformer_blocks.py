import h5py
import keras
import numpy as np
import pytest

from kerazoo.layers import TransformerDecoderBlock, TransformerEncoderBlock
from tests.layers import numpy_reference as reference
from tests.layers.harness import check_layer

rng = np.random.default_rng(0)


@pytest.mark.parametrize("normalize_first", [False, True])
def test_encoder_shared_checks(tmp_path, normalize_first):
    inputs = {
        "inputs": rng.normal(size=(2, 6, 16)).astype("float32"),
        "padding_mask": np.array([[1] * 6, [1] * 4 + [0] * 2], "int32"),
    }
    check_layer(
        lambda **kw: TransformerEncoderBlock(4, 32, normalize_first=normalize_first, **kw),
        inputs,
        (2, 6, 16),
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("normalize_first", [False, True])
def test_decoder_shared_checks(tmp_path, normalize_first):
    inputs = {"inputs": rng.normal(size=(2, 6, 16)).astype("float32")}
    check_layer(
        lambda **kw: TransformerDecoderBlock(4, 32, normalize_first=normalize_first, **kw),
        inputs,
        (2, 6, 16),
        tmp_path=tmp_path,
    )


def test_decoder_with_cross_attention_shared_checks(tmp_path):
    inputs = {
        "inputs": rng.normal(size=(2, 6, 16)).astype("float32"),
        "memory": rng.normal(size=(2, 5, 16)).astype("float32"),
        "memory_padding_mask": np.array([[1] * 5, [1] * 3 + [0] * 2], "int32"),
    }
    check_layer(
        lambda **kw: TransformerDecoderBlock(4, 32, cross_attention=True, **kw),
        inputs,
        (2, 6, 16),
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("normalize_first", [False, True])
def test_decoder_cannot_see_the_future(normalize_first):
    block = TransformerDecoderBlock(4, 32, normalize_first=normalize_first)
    x = rng.normal(size=(2, 8, 16)).astype("float32")
    later_changed = x.copy()
    later_changed[:, 5:] = rng.normal(size=(2, 3, 16))
    out, out_changed = np.asarray(block(x)), np.asarray(block(later_changed))
    np.testing.assert_allclose(out[:, :5], out_changed[:, :5], atol=1e-5)
    assert not np.allclose(out[:, 5:], out_changed[:, 5:])


def test_encoder_padding_does_not_change_real_positions():
    block = TransformerEncoderBlock(4, 32)
    x = rng.normal(size=(1, 7, 16)).astype("float32")
    mask = np.array([[1] * 5 + [0] * 2], "int32")
    other_padding = x.copy()
    other_padding[:, 5:] = rng.normal(size=(1, 2, 16))
    out = np.asarray(block(x, padding_mask=mask))
    np.testing.assert_allclose(out[:, :5], np.asarray(block(other_padding, padding_mask=mask))[:, :5], atol=1e-5)
    # The encoder is bidirectional: without padding, later tokens matter.
    assert not np.allclose(out[:, :5], np.asarray(block(other_padding))[:, :5])


def test_cross_attention_padding_hides_memory_positions():
    block = TransformerDecoderBlock(4, 32, cross_attention=True)
    x = rng.normal(size=(1, 4, 16)).astype("float32")
    memory = rng.normal(size=(1, 6, 16)).astype("float32")
    mask = np.array([[1, 1, 1, 1, 0, 0]], "int32")
    changed = memory.copy()
    changed[:, 4:] += 3.0
    a = np.asarray(block(x, memory=memory, memory_padding_mask=mask))
    b = np.asarray(block(x, memory=changed, memory_padding_mask=mask))
    np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("cross_attention", [False, True])
def test_cached_decoding_equals_full_recompute(cross_attention):
    block = TransformerDecoderBlock(4, 32, normalize_first=True, cross_attention=cross_attention)
    x = rng.normal(size=(2, 9, 16)).astype("float32")
    memory = rng.normal(size=(2, 5, 16)).astype("float32") if cross_attention else None
    full = np.asarray(block(x, memory=memory))
    cross_cache = block.cross_attention.compute_memory_cache(memory) if cross_attention else None
    cache = np.zeros((2, 2, 4, 9, 4), "float32")
    pieces = []
    for i in range(9):
        out, cache = block(
            x[:, i : i + 1],
            self_attention_cache=cache,
            cross_attention_cache=cross_cache,
            cache_update_index=i,
        )
        pieces.append(np.asarray(out))
    np.testing.assert_allclose(np.concatenate(pieces, 1), full, atol=1e-5)


def test_pre_and_post_ln_differ_in_wiring():
    x = rng.normal(size=(1, 4, 16)).astype("float32")
    post = TransformerEncoderBlock(4, 32, normalize_first=False)
    out = np.asarray(post(x))
    # Post-LN ends with a layer norm: every position has mean 0, variance 1.
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(-1), 1, atol=1e-2)
    pre = TransformerEncoderBlock(4, 32, normalize_first=True)
    assert not np.allclose(np.asarray(pre(x)).std(-1), 1, atol=1e-2)


def test_heads_must_divide_width():
    with pytest.raises(ValueError, match="must divide the model width 18"):
        TransformerDecoderBlock(4, 32)(np.zeros((1, 3, 18), "float32"))


def test_weight_paths_and_saved_layout_are_stable(tmp_path):
    """Saved `.keras` files and the GPT-2 converter address weights by these names."""
    block = TransformerDecoderBlock(4, 32, cross_attention=True, name="block")
    inputs, memory = keras.Input((3, 16)), keras.Input((2, 12))
    model = keras.Model([inputs, memory], block(inputs, memory=memory))
    dense = lambda path: [f"{path}/kernel", f"{path}/bias"]  # noqa: E731
    norm = lambda path: [f"{path}/gamma", f"{path}/beta"]  # noqa: E731
    assert [w.path for w in block.weights] == [
        *norm("block/self_attention_layernorm"),
        *dense("block/self_attention/qkv"),
        *dense("block/self_attention/output_dense"),
        *norm("block/cross_attention_layernorm"),
        *dense("block/cross_attention/query"),
        *dense("block/cross_attention/key_value"),
        *dense("block/cross_attention/output_dense"),
        *norm("block/feedforward_layernorm"),
        *dense("block/feedforward/inner"),
        *dense("block/feedforward/outer"),
    ]
    # A `.keras` file stores weights under the attribute names.
    path = tmp_path / "block.weights.h5"
    model.save_weights(path)
    with h5py.File(path) as store:
        saved = []
        store.visit(lambda name: saved.append(name) if name.endswith("/vars/0") else None)
    assert sorted(saved) == sorted(
        f"layers/transformer_decoder_block/{layer}/vars/0"
        for layer in [
            "self_attention_layernorm",
            "self_attention/qkv",
            "self_attention/output_dense",
            "cross_attention_layernorm",
            "cross_attention/query",
            "cross_attention/key_value",
            "cross_attention/output_dense",
            "feedforward_layernorm",
            "feedforward/inner",
            "feedforward/outer",
        ]
    )
    # Each thing has one name: the sublayer is a cross-attention by its class.
    assert not hasattr(block.cross_attention, "cross_attention")


def _padded(ids, side):
    """Rows of `ids` padded with 0 to one length, on the right or the left."""
    length = max(len(row) for row in ids)
    pad = lambda row: [0] * (length - len(row))  # noqa: E731
    return np.array([row + pad(row) if side == "right" else pad(row) + row for row in ids], "int32")


@pytest.mark.parametrize(
    "make_block, side",
    [
        (lambda: TransformerEncoderBlock(4, 32), "right"),
        (lambda: TransformerEncoderBlock(4, 32, normalize_first=True), "right"),
        # Causal attention never sees right padding: pad on the left.
        (lambda: TransformerDecoderBlock(4, 32), "left"),
        (lambda: TransformerDecoderBlock(4, 32, normalize_first=True), "left"),
    ],
    ids=["encoder-post-ln", "encoder-pre-ln", "decoder-post-ln", "decoder-pre-ln"],
)
def test_keras_mask_is_the_padding_mask(make_block, side):
    rows = [[5, 6, 7, 8, 9], [3, 4], [11, 12, 13]]
    ids = _padded(rows, side)
    real = ids != 0
    embedding = keras.layers.Embedding(20, 16, mask_zero=True)
    block = make_block()
    token_ids = keras.Input((None,), dtype="int32")
    model = keras.Model(token_ids, block(embedding(token_ids)))

    out = np.asarray(model(ids))
    explicit = np.asarray(block(embedding(ids), padding_mask=real.astype("int32")))
    np.testing.assert_allclose(out[real], explicit[real], atol=1e-6)
    # Padding does not leak: each row alone, unpadded, gives the same outputs.
    for row, tokens in enumerate(rows):
        alone = np.asarray(model(np.array([tokens], "int32")))[0]
        np.testing.assert_allclose(out[row][real[row]], alone, atol=1e-5)
    # The mask passes on to the next layer.
    masked = block(embedding(ids))
    np.testing.assert_array_equal(np.asarray(masked._keras_mask), real)


def test_keras_mask_of_the_memory_is_the_memory_padding_mask():
    rows = [[5, 6, 7, 8], [3, 4]]
    memory_ids = _padded(rows, "right")
    real = memory_ids != 0
    embedding = keras.layers.Embedding(20, 16, mask_zero=True)
    block = TransformerDecoderBlock(4, 32, cross_attention=True)
    x = rng.normal(size=(2, 3, 16)).astype("float32")

    out = np.asarray(block(x, memory=embedding(memory_ids)))
    explicit = block(x, memory=embedding(memory_ids), memory_padding_mask=real.astype("int32"))
    np.testing.assert_allclose(out, np.asarray(explicit), atol=1e-6)
    for row, tokens in enumerate(rows):
        alone = block(x[row : row + 1], memory=embedding(np.array([tokens], "int32")))
        np.testing.assert_allclose(out[row], np.asarray(alone)[0], atol=1e-5)


@pytest.mark.parametrize("normalize_first", [False, True], ids=["post-ln", "pre-ln"])
@pytest.mark.parametrize("activation", ["gelu", "relu"])
def test_encoder_matches_numpy(normalize_first, activation):
    block = TransformerEncoderBlock(
        4, 32, normalize_first=normalize_first, activation=activation, layer_norm_epsilon=1e-3
    )
    x = rng.normal(size=(2, 6, 16)).astype("float32")
    padding_mask = np.array([[1] * 6, [1] * 4 + [0] * 2], "int32")
    block(x)
    reference.randomize_weights(block)
    out = np.asarray(block(x, padding_mask=padding_mask))
    expected = reference.encoder_block(x, block, padding_mask=padding_mask)
    np.testing.assert_allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize("normalize_first", [False, True], ids=["post-ln", "pre-ln"])
@pytest.mark.parametrize("cross_attention", [False, True], ids=["", "cross"])
def test_decoder_matches_numpy(normalize_first, cross_attention):
    block = TransformerDecoderBlock(
        4,
        32,
        normalize_first=normalize_first,
        cross_attention=cross_attention,
        activation="gelu_approximate",
    )
    x = rng.normal(size=(2, 6, 16)).astype("float32")
    memory = rng.normal(size=(2, 5, 12)).astype("float32") if cross_attention else None
    masks = {
        "padding_mask": np.array([[1] * 6, [0] * 2 + [1] * 4], "int32"),
        "memory_padding_mask": np.array([[1] * 5, [1] * 3 + [0] * 2], "int32"),
    }
    block(x, memory=memory)
    reference.randomize_weights(block)
    out = np.asarray(block(x, memory=memory, **masks))
    weights = []
    expected = reference.decoder_block(x, block, memory=memory, cross_weights=weights, **masks)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    if cross_attention:
        out, scores = block(x, memory=memory, return_cross_attention_scores=True, **masks)
        np.testing.assert_allclose(np.asarray(out), expected, atol=1e-5)
        np.testing.assert_allclose(np.asarray(scores), weights[0], atol=1e-6)
    else:
        with pytest.raises(ValueError, match="cross_attention=True"):
            block(x, return_cross_attention_scores=True)


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
@pytest.mark.parametrize("normalize_first", [False, True], ids=["post-ln", "pre-ln"])
def test_norms_and_softmax_compute_in_float32_under_mixed_precision(
    policy, normalize_first, softmax_input_dtypes
):
    x = rng.normal(size=(2, 6, 16)).astype("float32")
    encoder = TransformerEncoderBlock(4, 32, normalize_first=normalize_first, dtype=policy)
    decoder = TransformerDecoderBlock(
        4, 32, normalize_first=normalize_first, cross_attention=True, dtype=policy
    )
    outputs = [encoder(x), decoder(x, memory=x)]
    norms = [
        encoder.self_attention_layernorm,
        encoder.feedforward_layernorm,
        decoder.self_attention_layernorm,
        decoder.cross_attention_layernorm,
        decoder.feedforward_layernorm,
    ]
    assert [norm.compute_dtype for norm in norms] == ["float32"] * 5
    # One softmax per attention: encoder self, decoder self and cross.
    assert softmax_input_dtypes == ["float32"] * 3
    # The residual stream, and so the output, stays in the compute dtype.
    half = policy.split("_")[1]
    assert [keras.backend.standardize_dtype(out.dtype) for out in outputs] == [half, half]
