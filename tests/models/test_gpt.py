import numpy as np
import pytest
import keras

from kerazoo.models import build, list_models, resolve_config
from kerazoo.models import GPTBackbone, GPTCausalLM

rng = np.random.default_rng(0)


def tiny_gpt(**overrides):
    config = dict(vocabulary_size=31, num_layers=2, num_heads=2, hidden_dim=16,
                  intermediate_dim=32, max_sequence_length=12)
    config.update(overrides)
    return build("gpt", **config)


def test_build_default_maps_token_ids_to_logits():
    model = build("gpt")
    assert isinstance(model, GPTCausalLM) and isinstance(model.backbone, GPTBackbone)
    assert model.max_sequence_length == 64 and model.backbone.num_layers == 4
    logits = model(rng.integers(0, 65, (2, 10)).astype("int32"))
    assert logits.shape == (2, 10, 65)
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    assert model.input.name == "token_ids"


def test_gpt2_small_has_gpt2_124m_parameter_count():
    assert build("gpt", "gpt2-small").count_params() == 124_439_808


@pytest.mark.parametrize("preset,layers,heads,width,context", [
    ("gpt-nano", 4, 4, 128, 64), ("gpt-mini", 6, 6, 384, 256)])
def test_presets(preset, layers, heads, width, context):
    config = resolve_config("gpt", preset)
    assert (config.num_layers, config.num_heads, config.hidden_dim, config.max_sequence_length) == (
        layers, heads, width, context)


def test_weights_are_tied_and_residual_init_is_scaled():
    model = build("gpt", "gpt-mini", num_layers=8)
    names = [w.path for w in model.weights]
    assert not any("reverse" in n for n in names)
    inner = np.asarray(model.backbone.transformer_layers[0].feedforward.inner.kernel)
    outer = np.asarray(model.backbone.transformer_layers[0].feedforward.outer.kernel)
    np.testing.assert_allclose(inner.std(), 0.02, rtol=0.05)
    np.testing.assert_allclose(outer.std(), 0.02 / np.sqrt(16), rtol=0.05)


def test_causal_later_tokens_do_not_change_earlier_logits():
    model = tiny_gpt()
    ids = rng.integers(0, 31, (2, 12)).astype("int32")
    changed = ids.copy()
    changed[:, 7:] = (changed[:, 7:] + 1) % 31
    a, b = np.asarray(model(ids)), np.asarray(model(changed))
    np.testing.assert_allclose(a[:, :7], b[:, :7], atol=1e-5)
    assert not np.allclose(a[:, 7:], b[:, 7:])


def test_cached_decoding_equals_full_recompute():
    model = tiny_gpt()
    ids = rng.integers(0, 31, (3, 12)).astype("int32")
    full = np.asarray(model(ids))
    logits, cache = model.decode_step(ids[:, :4], model.init_decoding_state(3), 0)
    pieces = [np.asarray(logits)]
    for i in range(4, 12):
        logits, cache = model.decode_step(ids[:, i : i + 1], cache, i)
        pieces.append(np.asarray(logits))
    np.testing.assert_allclose(np.concatenate(pieces, 1), full, atol=1e-5)


def test_keras_file_round_trip(tmp_path):
    model = tiny_gpt()
    ids = rng.integers(0, 31, (2, 12)).astype("int32")
    path = tmp_path / "gpt.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert isinstance(reloaded, GPTCausalLM)
    assert reloaded.get_config() == model.get_config()
    np.testing.assert_allclose(np.asarray(reloaded(ids)), np.asarray(model(ids)), atol=1e-6)


def test_config_round_trip():
    model = tiny_gpt(dropout=0.1)
    clone = GPTCausalLM.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    assert clone.count_params() == model.count_params()


def test_mixed_precision_keeps_logits_float32():
    keras.config.set_dtype_policy("mixed_bfloat16")
    model = tiny_gpt()
    logits = model(rng.integers(0, 31, (2, 5)).astype("int32"))
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    assert model.backbone.transformer_layers[0].compute_dtype == "bfloat16"


def test_dtype_policy_is_a_model_argument_that_survives_a_reload(tmp_path):
    model = tiny_gpt(dtype="mixed_bfloat16")
    assert keras.config.dtype_policy().name == "float32"
    path = tmp_path / "bf16.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    ids = rng.integers(0, 31, (2, 5)).astype("int32")
    # The trunk and the head's matrix product compute in bfloat16 ...
    assert keras.backend.standardize_dtype(reloaded.backbone(ids).dtype) == "bfloat16"
    assert reloaded.backbone.token_embedding.compute_dtype == "bfloat16"
    assert reloaded.backbone.get_config()["dtype"] == model.backbone.get_config()["dtype"]
    # ... and the logits are cast to float32 after it.
    assert keras.backend.standardize_dtype(reloaded(ids).dtype) == "float32"
    np.testing.assert_allclose(np.asarray(reloaded(ids)), np.asarray(model(ids)), atol=1e-6)


def test_bad_configurations_are_clear_errors():
    with pytest.raises(ValueError, match="Unknown preset 'gpt-huge'.*gpt-nano"):
        build("gpt", "gpt-huge")
    with pytest.raises(ValueError, match="Unknown model family 'gtp'"):
        build("gtp")
    with pytest.raises(ValueError, match=r"`num_heads`=5 must divide `hidden_dim`=128"):
        build("gpt", num_heads=5)
    with pytest.raises(ValueError, match="Unknown hyperparameter.*'width'"):
        build("gpt", width=3)


def test_list_models_names_every_preset():
    text = list_models()
    for name in ("gpt-nano (default)", "gpt-mini", "gpt2-small"):
        assert name in text


def test_bias_free_variant_has_no_biases_and_still_round_trips(tmp_path):
    model = tiny_gpt(use_bias=False)
    assert not [w.path for w in model.weights if w.path.endswith(("/bias", "/beta"))]
    with_bias = tiny_gpt()
    # Per block: qkv, output, inner, outer biases and two layer-norm betas; plus the final beta.
    d, inner, layers = 16, 32, 2
    assert with_bias.count_params() - model.count_params() == layers * (3 * d + d + inner + d + 2 * d) + d
    path = tmp_path / "nobias.keras"
    model.save(path)
    ids = rng.integers(0, 31, (1, 6)).astype("int32")
    np.testing.assert_allclose(np.asarray(keras.saving.load_model(path)(ids)), np.asarray(model(ids)), atol=1e-6)
