import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerazoo.generation import beam_search, decode, generator_for, SamplingSettings
from kerazoo.models import TransformerEncoderDecoder, build, resolve_config

rng = np.random.default_rng(0)
START, END = 2, 3


def tiny(**overrides):
    config = dict(vocabulary_size=40, num_encoder_layers=2, num_decoder_layers=2, num_heads=2,
                  hidden_dim=16, intermediate_dim=32, max_source_length=12,
                  max_target_length=10, dropout=0.0)
    config.update(overrides)
    return build("transformer", **config)


def sources(batch=3, width=7):
    ids = rng.integers(4, 40, (batch, width)).astype("int32")
    mask = np.ones((batch, width), "int32")
    mask[1, 4:] = 0
    ids[mask == 0] = 0
    return {"encoder_token_ids": ids, "encoder_padding_mask": mask}


def full_logits(model, source, target):
    ones = np.ones_like(target, "int32")
    return np.asarray(model({**source, "decoder_token_ids": target, "decoder_padding_mask": ones}))


def recompute_greedy(model, source, steps):
    target = np.full((len(source["encoder_token_ids"]), 1), START, "int32")
    for _ in range(steps):
        nxt = full_logits(model, source, target)[:, -1].argmax(-1).astype("int32")
        target = np.concatenate([target, nxt[:, None]], axis=1)
    return target


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(1)
    return tiny()


def test_maps_the_four_inputs_to_float32_logits(model):
    source = sources()
    logits = full_logits(model, source, rng.integers(0, 40, (3, 5)).astype("int32"))
    assert logits.shape == (3, 5, 40) and logits.dtype == np.float32
    assert sorted(t.name for t in model.inputs) == sorted(
        ["encoder_token_ids", "encoder_padding_mask", "decoder_token_ids",
         "decoder_padding_mask"])
    assert model.vocabulary_size == 40 and model.context_window == 10


def test_transformer_base_has_the_papers_parameter_count():
    config = resolve_config("transformer", "transformer-base")
    assert (config.num_encoder_layers, config.hidden_dim, config.num_heads,
            config.intermediate_dim, config.vocabulary_size) == (6, 512, 8, 2048, 37000)
    d, f, v = 512, 2048, 37000
    norm, ffn = 2 * d, d * f + f + f * d + d
    encoder = 4 * d * d + 4 * d + ffn + 2 * norm
    decoder = 8 * d * d + 8 * d + ffn + 3 * norm
    expected = v * d + 6 * encoder + 6 * decoder  # one shared, tied table
    assert build("transformer", "transformer-base").count_params() == expected == 63_082_496
    tiny_config = resolve_config("transformer", "transformer-tiny")
    assert (tiny_config.num_encoder_layers, tiny_config.num_decoder_layers,
            tiny_config.hidden_dim, tiny_config.num_heads, tiny_config.intermediate_dim) == (
        3, 3, 256, 8, 512)


def test_source_padding_and_later_targets_do_not_change_logits(model):
    source = sources()
    target = rng.integers(4, 40, (3, 6)).astype("int32")
    base = full_logits(model, source, target)
    wider = {k: np.pad(v, [[0, 0], [0, 3]]) for k, v in source.items()}
    np.testing.assert_allclose(full_logits(model, wider, target), base, atol=1e-5)
    changed = target.copy()
    changed[:, 4:] = 5
    np.testing.assert_allclose(full_logits(model, source, changed)[:, :4], base[:, :4],
                               atol=1e-5)
    other = {**source, "encoder_token_ids": source["encoder_token_ids"] % 30 + 5}
    assert not np.allclose(full_logits(model, other, target), base)


def test_cached_greedy_decoding_equals_full_recompute(model):
    source = sources()
    prompts = [[START]] * 3
    settings = SamplingSettings(greedy=True)
    cached = generator_for(model).generate_ids(prompts, 8, settings,
                                               encoder_inputs=source)
    assert cached == recompute_greedy(model, source, 8).tolist()
    tokens, _ = decode(model, tf.constant(prompts), tf.constant([1, 1, 1]), 8,
                       settings.as_tensors(), tf.constant([], tf.int32), encoder_inputs=source)
    assert tokens.numpy().tolist() == cached


def test_beam_search_with_one_beam_is_greedy(model):
    source = sources()
    tokens, lengths, _ = beam_search(model, tf.constant([[START]] * 3), tf.constant([1, 1, 1]),
                                     max_new_tokens=8, num_beams=1, encoder_inputs=source)
    assert tokens.numpy()[:, 0].tolist() == recompute_greedy(model, source, 8).tolist()
    four, _, scores = beam_search(model, tf.constant([[START]] * 3), tf.constant([1, 1, 1]),
                                  max_new_tokens=8, num_beams=4, num_return_sequences=2,
                                  stop_token_ids=(END,), encoder_inputs=source)
    assert four.shape == (3, 2, 9) and np.all(np.diff(scores.numpy(), axis=1) <= 0)


def test_cross_attention_scores_are_distributions_over_the_real_source(model):
    source = sources()
    target = rng.integers(4, 40, (3, 5)).astype("int32")
    inputs = {**source, "decoder_token_ids": target,
              "decoder_padding_mask": np.ones_like(target)}
    scores = np.asarray(model.cross_attention_scores(inputs, layer=1))
    assert scores.shape == (3, 2, 5, 7)
    real = source["encoder_padding_mask"][:, None, None, :]
    np.testing.assert_allclose((scores * real).sum(-1), 1.0, atol=1e-5)
    assert np.all(scores[1, :, :, 4:] < 1e-6)
    # Causal: a later target token does not change earlier rows; layers differ.
    changed = {**inputs, "decoder_token_ids": np.concatenate([target[:, :4], target[:, :1]], 1)}
    np.testing.assert_allclose(np.asarray(model.cross_attention_scores(changed, 1))[:, :, :4],
                               scores[:, :, :4], atol=1e-6)
    assert not np.allclose(np.asarray(model.cross_attention_scores(inputs, 0)), scores)
    with pytest.raises(ValueError, match="2 \\(layers 0 to 1\\)"):
        model.cross_attention_scores(inputs, layer=2)


def test_decoding_without_a_source_is_a_clear_error(model):
    with pytest.raises(ValueError, match="encoder_inputs"):
        model.init_decoding_state(2)


def test_config_and_keras_round_trip(model, tmp_path):
    source, target = sources(), rng.integers(4, 40, (3, 5)).astype("int32")
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(model)))
    clone = keras.saving.deserialize_keras_object(config)
    assert clone.get_config() == model.get_config()
    model.save(tmp_path / "t.keras")
    loaded = keras.saving.load_model(tmp_path / "t.keras")
    assert isinstance(loaded, TransformerEncoderDecoder)
    np.testing.assert_allclose(full_logits(loaded, source, target),
                               full_logits(model, source, target), atol=1e-5)


def test_untied_separate_vocabularies_and_pre_ln():
    model = tiny(target_vocabulary_size=23, tie_weights=False, normalize_first=True)
    assert model.vocabulary_size == 23
    names = [w.path for w in model.weights]
    assert any("source_embeddings" in n for n in names)
    assert any("target_embeddings" in n and "reverse" in n for n in names)
    source = sources()
    assert full_logits(model, source, np.ones((3, 4), "int32")).shape == (3, 4, 23)
    cached = generator_for(model).generate_ids([[START]] * 3, 3, SamplingSettings(greedy=True),
                                               encoder_inputs=source)
    assert cached == recompute_greedy(model, source, 3).tolist()
