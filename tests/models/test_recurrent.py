"""The recurrent LM families: state carried in pieces, cached decoding, files, cuDNN."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerazoo.data import CharTokenizer
from kerazoo.generation import check_decodable, generate
from kerazoo.models import (
    RecurrentBackbone,
    RecurrentCausalLM,
    build,
    get_family,
    list_models,
    resolve_config,
)

FAMILIES = ["rnn_lm", "lstm_lm", "gru_lm"]
rng = np.random.default_rng(0)


def tiny(family, **overrides):
    config = dict(vocabulary_size=23, num_layers=2, hidden_dim=16, embedding_dim=8,
                  dropout=0.3)
    config.update(overrides)
    return build(family, **config)


def ids(batch, time, vocabulary=23):
    return rng.integers(0, vocabulary, (batch, time)).astype("int32")


@pytest.mark.parametrize("family", FAMILIES)
def test_build_maps_token_ids_to_float32_logits(family):
    model = tiny(family)
    assert isinstance(model, RecurrentCausalLM)
    assert isinstance(model.backbone, RecurrentBackbone)
    assert model.backbone.cell == {"rnn_lm": "simple_rnn", "lstm_lm": "lstm",
                                   "gru_lm": "gru"}[family]
    logits = model(ids(3, 9))
    assert logits.shape == (3, 9, 23) and logits.dtype == tf.float32
    assert model.input.name == "token_ids"
    assert model.context_window is None
    check_decodable(model)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("tie_weights", [False, True], ids=["untied", "tied"])
def test_two_halves_with_the_state_carried_equal_the_whole(family, tie_weights):
    model = tiny(family, tie_weights=tie_weights, embedding_dim=16)
    tokens = ids(4, 14)
    whole = np.asarray(model(tokens))
    state = model.init_decoding_state(4)
    first, state = model.decode_step(tokens[:, :6], state, 0)
    second, state = model.decode_step(tokens[:, 6:], state, 6)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, atol=1e-5)
    # And the backbone alone: hidden states in pieces equal the whole.
    backbone = model.backbone
    hidden, carried = backbone.call_with_state(tokens[:, :9], backbone.initial_state(4))
    rest, _ = backbone.call_with_state(tokens[:, 9:], carried)
    np.testing.assert_allclose(
        np.concatenate([hidden, rest], axis=1), np.asarray(backbone(tokens)), atol=1e-5)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("tie_weights", [False, True])
def test_a_masked_prefill_leaves_each_row_in_its_last_real_tokens_state(family, tie_weights):
    model = tiny(family, tie_weights=tie_weights, embedding_dim=16)
    tokens = ids(3, 10)
    lengths = [10, 4, 7]
    mask = (np.arange(10)[None, :] < np.array(lengths)[:, None]).astype("int32")
    with warnings.catch_warnings():
        # The tied head reads the masked hidden states without Keras' mask warning.
        warnings.simplefilter("error", UserWarning)
        _, state = model.decode_step(tokens, model.init_decoding_state(3), 0, mask)
    nxt = ids(3, 1)
    logits, _ = model.decode_step(nxt, state, 0)
    for row, length in enumerate(lengths):
        alone = np.concatenate([tokens[row:row + 1, :length], nxt[row:row + 1]], axis=1)
        np.testing.assert_allclose(logits[row, 0], np.asarray(model(alone))[0, -1], atol=1e-5)


def recompute_greedy(model, prompt, new_tokens):
    """Greedy decoding that re-runs the whole sequence for every new token."""
    forward = tf.function(model, input_signature=[tf.TensorSpec([1, None], tf.int32)])
    tokens = list(prompt)
    for _ in range(new_tokens):
        tokens.append(int(np.argmax(forward(tf.constant([tokens]))[0, -1])))
    return tokens


@pytest.mark.parametrize("family", FAMILIES)
def test_cached_generation_equals_full_recompute_past_the_training_window(family):
    tokenizer = CharTokenizer.from_corpus("abcdefghijklmnopqrstuvw")
    model = tiny(family, max_sequence_length=8)
    prompts = ["abc", "hello", "w"]
    # 30 new tokens: far past the 8-token training window (no window slides).
    texts = generate(model, tokenizer, prompts, max_new_tokens=30, greedy=True)
    for prompt, text in zip(prompts, texts):
        expected = recompute_greedy(model, tokenizer.encode(prompt), 30)
        assert tokenizer.encode(text) == expected


def test_beam_search_reorders_the_recurrent_state():
    tokenizer = CharTokenizer.from_corpus("abcdefghijklmnopqrstuvw")
    model = tiny("lstm_lm")
    texts = generate(model, tokenizer, ["abc", "de"], max_new_tokens=6, num_beams=3,
                     num_return_sequences=2)
    assert len(texts) == 4 and all(len(t) in (9, 8) for t in texts)
    # One beam is greedy search.
    one = generate(model, tokenizer, "abc", max_new_tokens=6, num_beams=1, greedy=True)
    assert one == generate(model, tokenizer, "abc", max_new_tokens=6, greedy=True)


@pytest.mark.parametrize("family", FAMILIES)
def test_keras_file_round_trip(family, tmp_path):
    model = tiny(family, tie_weights=family == "gru_lm", embedding_dim=16, init_scale=0.1)
    tokens = ids(2, 7)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is RecurrentCausalLM
    assert loaded.get_config() == model.get_config()
    np.testing.assert_allclose(np.asarray(loaded(tokens)), np.asarray(model(tokens)), atol=1e-6)
    logits, _ = loaded.decode_step(tokens, loaded.init_decoding_state(2), 0)
    np.testing.assert_allclose(logits, np.asarray(model(tokens)), atol=1e-5)


def keras_cudnn_predicate(layer):
    """Keras' own test of a layer's arguments (its TensorFlow backend), less the GPU."""
    import importlib

    rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")

    cell = layer.cell
    if isinstance(layer, keras.layers.GRU):
        arguments = rnn._do_gru_arguments_support_cudnn(
            cell.activation, cell.recurrent_activation, layer.unroll, cell.use_bias,
            cell.reset_after)
    else:
        arguments = rnn._do_lstm_arguments_support_cudnn(
            cell.activation, cell.recurrent_activation, layer.unroll, cell.use_bias)
    return arguments and layer.recurrent_dropout == 0 and layer.use_cudnn in ("auto", True)


@pytest.mark.parametrize("family", ["lstm_lm", "gru_lm"])
@pytest.mark.parametrize("preset", ["shakespeare-char", "ptb-small", "ptb-medium",
                                    "ptb-medium-tied"])
def test_what_the_builder_makes_keeps_cudnn_eligible(family, preset):
    model = build(family, preset, vocabulary_size=50)
    layers = model.backbone.recurrent_layers
    assert len(layers) == 2
    for layer, conditions in zip(layers, model.backbone.cudnn_conditions()):
        assert all(conditions.values()), conditions
        assert keras_cudnn_predicate(layer)
        # Dropout lives in separate layers, so the recurrent layers have none.
        assert layer.dropout == 0 and layer.recurrent_dropout == 0 and not layer.unroll
    assert resolve_config(family, preset).dropout == model.backbone.dropout


def test_generation_never_uses_cudnn_kernels_so_xla_compiles_it():
    model = tiny("lstm_lm")
    seen = []
    original = keras.layers.LSTM.inner_loop

    def spy(layer, *args, **kwargs):
        seen.append(layer.use_cudnn)
        return original(layer, *args, **kwargs)

    keras.layers.LSTM.inner_loop = spy
    try:
        model.decode_step(ids(2, 3), model.init_decoding_state(2), 0)
    finally:
        keras.layers.LSTM.inner_loop = original
    assert seen == [False, False]
    assert [layer.use_cudnn for layer in model.backbone.recurrent_layers] == ["auto", "auto"]


def test_presets_and_parameter_counts():
    small = resolve_config("lstm_lm", "ptb-small")
    medium = resolve_config("lstm_lm", "ptb-medium")
    assert (small.num_layers, small.hidden_dim, small.dropout, small.init_scale) == (
        2, 200, 0.0, 0.1)
    assert (medium.num_layers, medium.hidden_dim, medium.dropout, medium.init_scale) == (
        2, 650, 0.5, 0.05)
    # Zaremba et al.'s small model: embedding, 2 LSTMs of 200, softmax over 10k words
    # (+ <PAD> and <BOS>).
    vocab, width = 10_002, 200
    lstm = 4 * (2 * width * width + width)
    assert build("lstm_lm", "ptb-small").count_params() == (
        vocab * width + 2 * lstm + width * vocab + vocab)
    assert build("lstm_lm", "ptb-small", tie_weights=True).count_params() == (
        vocab * width + 2 * lstm)
    # The tied medium variant: one 10k x 650 table serves as embedding and softmax.
    width = 650
    lstm = 4 * (2 * width * width + width)
    assert build("lstm_lm", "ptb-medium-tied").count_params() == (
        vocab * width + 2 * lstm)
    for family in FAMILIES:
        assert get_family(family).default_preset == "shakespeare-char"
    listing = list_models()
    assert "ptb-small" in listing and "lstm_lm" in listing and "gru_lm" in listing


def test_init_scale_draws_every_matrix_uniformly():
    model = build("lstm_lm", "ptb-small", vocabulary_size=300)
    for weight in model.weights:
        values = np.asarray(weight)
        if "bias" in weight.path:
            assert not values.any(), weight.path
        else:
            assert np.abs(values).max() <= 0.1 and values.std() > 0.05, weight.path


def test_mixed_precision_keeps_logits_float32():
    model = tiny("lstm_lm", dtype="mixed_bfloat16")
    assert model(ids(2, 5)).dtype == tf.float32
    state = model.init_decoding_state(2)
    assert state[0][0].dtype == tf.bfloat16
    logits, state = model.decode_step(ids(2, 3), state, 0)
    assert logits.dtype == tf.float32 and state[1][1].dtype == tf.bfloat16


def test_dropout_is_applied_in_training_only():
    model = tiny("gru_lm", dropout=0.5)
    tokens = ids(2, 6)
    np.testing.assert_allclose(model(tokens), model(tokens))
    assert not np.allclose(model(tokens, training=True), model(tokens, training=True))


def test_bad_configurations_are_clear_errors():
    with pytest.raises(ValueError, match="tie_weights=True` needs `embedding_dim`"):
        build("lstm_lm", tie_weights=True, embedding_dim=32, hidden_dim=64)
    with pytest.raises(ValueError, match="`cell` must be one of"):
        RecurrentBackbone(10, 1, 8, cell="transformer")
    with pytest.raises(ValueError, match="dropout"):
        build("gru_lm", dropout=1.0)
    with pytest.raises(ValueError, match="Unknown hyperparameter"):
        build("rnn_lm", num_heads=4)
    with pytest.raises(ValueError, match="no encoder"):
        tiny("lstm_lm").init_decoding_state(1, encoder_inputs=tf.zeros((1, 2)))


def test_carrying_the_state_across_contiguous_batches_reads_each_row_whole():
    from kerazoo.data import causal_lm_contiguous_batches

    model = tiny("lstm_lm")
    corpus = rng.integers(0, 23, 3 * 31).astype("int32")
    batches = causal_lm_contiguous_batches(corpus, 5, 3)
    state = model.init_decoding_state(3)
    pieces = []
    for inputs, _ in batches.dataset:
        logits, state = model.decode_step(inputs, state, 0)
        pieces.append(logits)
    rows = corpus.reshape(3, 31)[:, : 5 * batches.steps_per_pass]
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), model(rows), atol=1e-5)
