"""ELMo's layers: character ids, character CNN, highway, bidirectional LSTM stack, head, mix."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerazoo.layers import (
    BidirectionalLMHead,
    BidirectionalLMStack,
    CharCNNEncoder,
    Highway,
    ScalarMix,
)
from kerazoo.layers.character_ids import (
    BEGIN_SENTENCE,
    BEGIN_WORD,
    END_SENTENCE,
    END_WORD,
    sentence_character_ids,
    token_mask,
    word_character_ids,
)
from tests.layers.harness import check_layer

rng = np.random.default_rng(0)


def characters(batch, time, max_characters=10):
    ids = rng.integers(1, 261, (batch, time, max_characters)).astype("int32")
    ids[:, -1] = 0  # A padding word at the end of every row.
    return ids


# === Character ids ===

def test_a_word_is_its_bytes_plus_one_between_word_marks():
    ids = word_character_ids(["ab", "é"], 6).numpy().tolist()
    assert ids[0] == [BEGIN_WORD, ord("a") + 1, ord("b") + 1, END_WORD, 0, 0]
    # A two-byte UTF-8 character is two ids.
    assert ids[1] == [BEGIN_WORD, 0xC3 + 1, 0xA9 + 1, END_WORD, 0, 0]


def test_a_word_longer_than_max_characters_keeps_its_first_bytes():
    ids = word_character_ids(["abcdefgh"], 5).numpy().tolist()
    assert ids == [[BEGIN_WORD, ord("a") + 1, ord("b") + 1, ord("c") + 1, END_WORD]]


def test_max_characters_below_three_is_refused():
    with pytest.raises(ValueError, match="max_characters"):
        word_character_ids(["a"], 2)


def test_sentences_get_boundary_words_and_right_padding_even_when_empty():
    words = tf.strings.split(tf.constant(["a bc", ""]))
    ids = sentence_character_ids(words, 5).numpy()
    assert ids.shape == (2, 4, 5)
    assert ids[0, 0].tolist() == [BEGIN_WORD, BEGIN_SENTENCE, END_WORD, 0, 0]
    assert ids[0, 3].tolist() == [BEGIN_WORD, END_SENTENCE, END_WORD, 0, 0]
    assert ids[1, 1].tolist() == [BEGIN_WORD, END_SENTENCE, END_WORD, 0, 0]
    assert token_mask(ids).numpy().tolist() == [[True] * 4, [True, True, False, False]]


# === The shared harness ===

@pytest.mark.parametrize("name, make_layer, inputs, expected_shape", [
    ("char_cnn", lambda **kw: CharCNNEncoder(((1, 4), (3, 6)), character_dim=5, **kw),
     {"character_ids": characters(2, 4)}, (2, 4, 10)),
    ("highway", lambda **kw: Highway(2, **kw),
     {"inputs": rng.normal(size=(2, 4, 6)).astype("float32")}, (2, 4, 6)),
    ("stack", lambda **kw: BidirectionalLMStack(2, 12, 6, dropout=0.1, **kw),
     {"inputs": rng.normal(size=(2, 5, 6)).astype("float32")}, (2, 3, 5, 12)),
    ("head", lambda **kw: BidirectionalLMHead(7, **kw),
     {"layers": rng.normal(size=(2, 3, 4, 8)).astype("float32")}, (2, 4, 2, 7)),
    ("scalar_mix", lambda **kw: ScalarMix(3, layer_norm=True, **kw),
     {"layers": rng.normal(size=(2, 3, 4, 5)).astype("float32")}, (2, 4, 5)),
])
def test_layer_passes_the_shared_checks(name, make_layer, inputs, expected_shape, tmp_path):
    check_layer(make_layer, inputs, expected_shape, tmp_path=tmp_path, atol=1e-4)


# === Behaviour ===

def test_char_cnn_masks_padding_words_and_refuses_filters_wider_than_words():
    encoder = CharCNNEncoder(((2, 3),))
    ids = characters(2, 4)
    assert encoder.compute_mask(ids).numpy().tolist() == [[True, True, True, False]] * 2
    with pytest.raises(ValueError, match="widest filter"):
        CharCNNEncoder(((12, 3),))(characters(1, 2))


def test_highway_starts_close_to_carrying_its_input():
    layer = Highway(1)
    x = rng.normal(size=(3, 8)).astype("float32")
    layer(x)
    bias = layer.transforms[0].bias.numpy()
    np.testing.assert_array_equal(bias, [0.0] * 8 + [1.0] * 8)


def test_stack_forward_sees_the_past_and_backward_the_future():
    stack = BidirectionalLMStack(2, 8, 4)
    x = rng.normal(size=(1, 6, 4)).astype("float32")
    changed = x.copy()
    changed[0, 3] += 1.0
    before, after = stack(x).numpy(), stack(changed).numpy()
    forward_moved = ~np.isclose(before[0, 1:, :, :4], after[0, 1:, :, :4]).all(axis=(0, 2))
    backward_moved = ~np.isclose(before[0, 1:, :, 4:], after[0, 1:, :, 4:]).all(axis=(0, 2))
    assert forward_moved.tolist() == [False, False, False, True, True, True]
    assert backward_moved.tolist() == [True, True, True, True, False, False]
    # Layer 0 is the input, twice.
    np.testing.assert_allclose(before[0, 0], np.concatenate([x[0], x[0]], -1), atol=1e-6)


def test_stack_outputs_of_a_padded_row_equal_the_unpadded_row():
    stack = BidirectionalLMStack(2, 8, 4)
    x = rng.normal(size=(1, 5, 4)).astype("float32")
    padded = np.concatenate([x, rng.normal(size=(1, 3, 4)).astype("float32")], axis=1)
    mask = np.array([[True] * 5 + [False] * 3])
    alone, with_padding = stack(x).numpy(), stack(padded, mask=mask).numpy()
    np.testing.assert_allclose(with_padding[:, :, :5], alone, atol=1e-5)
    assert not with_padding[:, :, 5:].any()


def test_stack_lstms_meet_cudnn_conditions():
    stack = BidirectionalLMStack(2, 8, 4)
    for lstms in stack.lstms.values():
        for lstm in lstms:
            assert lstm.cell.activation in (keras.activations.tanh, keras.ops.tanh)
            assert lstm.cell.recurrent_activation in (keras.activations.sigmoid,
                                                      keras.ops.sigmoid)
            assert lstm.recurrent_dropout == 0 and not lstm.unroll
            assert lstm.cell.use_bias and lstm.use_cudnn in ("auto", True)


def test_head_shares_one_softmax_between_directions():
    head = BidirectionalLMHead(5)
    layers = np.zeros((1, 2, 3, 8), "float32")
    layers[0, -1, :, :4] = 1.0
    layers[0, -1, :, 4:] = 1.0  # Equal halves give equal logits.
    logits = head(layers).numpy()
    np.testing.assert_allclose(logits[0, :, 0], logits[0, :, 1])
    assert len(head.trainable_weights) == 2  # One kernel, one bias.


def test_scalar_mix_is_gamma_times_a_softmax_weighted_sum():
    mix = ScalarMix(3)
    layers = rng.normal(size=(2, 3, 4, 5)).astype("float32")
    mix(layers)
    mix.layer_weights.assign([0.5, -1.0, 2.0])
    mix.gamma.assign(1.5)
    weights = mix.mixing_weights().numpy()
    assert weights.sum() == pytest.approx(1.0)
    expected = 1.5 * np.einsum("k,bktd->btd", weights, layers)
    np.testing.assert_allclose(mix(layers).numpy(), expected, atol=1e-5)


def test_scalar_mix_layer_norm_uses_only_the_masked_positions():
    mix = ScalarMix(2, layer_norm=True)
    layers = rng.normal(size=(1, 2, 4, 3)).astype("float32")
    mask = np.array([[1, 1, 0, 0]])
    garbage = layers.copy()
    garbage[:, :, 2:] = 1000.0  # What padding holds must not matter.
    out = mix(layers, mask=mask).numpy()
    np.testing.assert_allclose(mix(garbage, mask=mask).numpy()[:, :2], out[:, :2], atol=1e-5)
    assert mix.compute_mask(layers, mask).numpy().tolist() == [[True, True, False, False]]


def test_scalar_mix_refuses_another_number_of_layers():
    with pytest.raises(ValueError, match="num_layers=2"):
        ScalarMix(3)(np.zeros((1, 2, 4, 3), "float32"))
