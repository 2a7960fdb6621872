"""BERT models: shapes, presets, parameter counts, masks, dtype policies and `.keras` round trips."""

import dataclasses

import keras
import numpy as np
import pytest

from kerazoo.models import (
    BertBackbone,
    BertMaskedLM,
    BertTextClassifier,
    build,
    get_family,
    resolve_config,
)

VOCABULARY = 50


def encoder_inputs(batch=2, length=7, seed=0, vocabulary=VOCABULARY):
    rng = np.random.default_rng(seed)
    return {
        "token_ids": rng.integers(0, vocabulary, (batch, length)).astype("int32"),
        "segment_ids": (np.arange(length) >= length // 2).astype("int32")[None].repeat(batch, 0),
        "padding_mask": np.ones((batch, length), "int32"),
    }


def small(family, **overrides):
    return build(family, "bert-tiny", vocabulary_size=VOCABULARY, max_sequence_length=16,
                 dropout=0.0, **overrides)


@pytest.mark.parametrize(
    "preset, shape",
    [("bert-tiny", (2, 128, 2)), ("bert-mini", (4, 256, 4)), ("bert-small", (4, 512, 8)),
     ("bert-base", (12, 768, 12))],
)
def test_presets_have_their_shapes(preset, shape):
    config = resolve_config("bert", preset)
    assert (config.num_layers, config.hidden_dim, config.num_heads) == shape
    assert config.intermediate_dim == 4 * config.hidden_dim
    encoder = dataclasses.asdict(config)
    assert encoder.pop("next_sentence") is False  # off unless asked for
    for family in ("bert_classifier", "bert_encoder"):
        other = dataclasses.asdict(resolve_config(family, preset))
        other.pop("label_names", None)
        assert other == encoder


def test_bert_base_has_exactly_bert_bases_parameter_count():
    # BertModel (bert-base-uncased, with its pooler): 109,482,240 parameters.
    assert build("bert_encoder", "bert-base").count_params() == 109_482_240


def test_backbone_outputs_hidden_states_and_pooled_cls():
    backbone = small("bert_encoder")
    inputs = encoder_inputs()
    outputs = backbone(inputs)
    assert outputs["sequence_output"].shape == (2, 7, 128)
    assert outputs["pooled_output"].shape == (2, 128)
    cls = outputs["sequence_output"][:, 0]
    expected = np.tanh(cls @ backbone.pooler.kernel.numpy() + backbone.pooler.bias.numpy())
    np.testing.assert_allclose(outputs["pooled_output"], expected, atol=1e-5)


def test_padding_does_not_change_the_real_positions():
    backbone = small("bert_encoder")
    inputs = encoder_inputs(batch=1, length=5)
    padded = {name: np.pad(value, ((0, 0), (0, 4))) for name, value in inputs.items()}
    padded["token_ids"][:, 5:] = 7  # Padding ids that would change the output if seen.
    plain = backbone(inputs)["sequence_output"].numpy()
    longer = backbone(padded)["sequence_output"].numpy()[:, :5]
    np.testing.assert_allclose(longer, plain, atol=1e-5)


def test_segment_ids_matter():
    backbone = small("bert_encoder")
    inputs = encoder_inputs()
    other = dict(inputs, segment_ids=np.zeros_like(inputs["segment_ids"]))
    assert not np.allclose(backbone(inputs)["sequence_output"], backbone(other)["sequence_output"])


def test_masked_lm_scores_only_the_masked_positions_with_the_tied_table():
    model = small("bert")
    assert isinstance(model, BertMaskedLM)
    head = model.masked_lm_head
    assert head.token_embedding is model.backbone.token_embedding
    # The head adds the transform and an output bias, no vocabulary x width matrix.
    head_parameters = sum(int(np.prod(w.shape)) for w in head.weights
                          if w is not model.backbone.token_embedding.embeddings)
    assert head_parameters == 128 * 128 + 128 + 2 * 128 + VOCABULARY
    inputs = dict(encoder_inputs(), mask_positions=np.array([[1, 3, 0], [6, 2, 2]], "int32"))
    logits = model(inputs).numpy()
    assert logits.shape == (2, 3, VOCABULARY) and logits.dtype == np.float32
    # Each row of logits is the head at that position: row 1, slots 1 and 2, agree.
    np.testing.assert_allclose(logits[1, 1], logits[1, 2], atol=1e-6)


def test_masked_lm_head_takes_the_backbones_tanh_gelu_and_round_trips(tmp_path):
    model = small("bert", activation="gelu_approximate")
    x = np.linspace(-3.0, 3.0, 7).astype("float32")
    np.testing.assert_allclose(model.masked_lm_head.intermediate_activation(x),
                               keras.activations.gelu(x, approximate=True), atol=1e-6)
    inputs = dict(encoder_inputs(), mask_positions=np.array([[1, 3], [6, 2]], "int32"))
    model.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(reloaded(inputs), model(inputs), atol=1e-5)


def test_classifier_has_its_label_names():
    model = small("bert_classifier", label_names=("negative", "positive", "neutral"))
    assert isinstance(model, BertTextClassifier)
    assert model.label_names == ["negative", "positive", "neutral"]
    assert model(encoder_inputs()).shape == (2, 3)
    with pytest.raises(ValueError, match="at least 2 distinct"):
        BertTextClassifier(model.backbone, ["only"])


@pytest.mark.parametrize("family", ["bert", "bert_classifier", "bert_encoder"])
@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
def test_keras_round_trip_keeps_outputs_and_policy(family, policy, tmp_path):
    model = small(family, dtype=policy)
    inputs = encoder_inputs()
    if family == "bert":
        inputs["mask_positions"] = np.array([[1, 2], [3, 4]], "int32")
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert type(reloaded) is type(model)
    assert reloaded.dtype_policy.name == policy
    backbone = getattr(reloaded, "backbone", reloaded)
    assert backbone.dtype_policy.name == policy
    assert backbone.transformer_layers[0].compute_dtype == ("bfloat16" if "bf" in policy
                                                            else "float32")
    first, second = model(inputs), reloaded(inputs)
    for a, b in zip(keras.tree.flatten(first), keras.tree.flatten(second)):
        np.testing.assert_array_equal(np.asarray(a, "float32"), np.asarray(b, "float32"))
    if family == "bert_classifier":
        assert reloaded.label_names == model.label_names


def test_layer_norms_compute_in_float32_under_mixed_precision():
    backbone = small("bert_encoder", dtype="mixed_bfloat16")
    assert backbone.embeddings_layernorm.compute_dtype == "float32"
    assert backbone.transformer_layers[0].self_attention_layernorm.compute_dtype == "float32"
    assert backbone(encoder_inputs())["sequence_output"].dtype == "bfloat16"


def test_families_train_with_their_tasks():
    assert get_family("bert").task == "masked_lm"
    assert get_family("bert_classifier").task == "text_classification"
    assert get_family("bert_encoder").task == "text_embedding"


def test_bad_width_is_refused():
    with pytest.raises(ValueError, match="must divide `hidden_dim`"):
        BertBackbone(10, 1, 3, 32, 64, 8)


def masked_lm_inputs(batch=2, seed=0):
    inputs = encoder_inputs(batch=batch, seed=seed)
    inputs["mask_positions"] = np.tile(np.array([[1, 5]], "int32"), (batch, 1))
    return inputs


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
def test_next_sentence_head_scores_the_pooled_cls_in_float32(policy):
    model = small("bert", next_sentence=True, dtype=policy)
    assert isinstance(model, BertMaskedLM) and model.next_sentence
    inputs = masked_lm_inputs(batch=3)
    outputs = model(inputs)
    assert outputs["masked_lm"].shape == (3, 2, VOCABULARY)
    assert outputs["next_sentence"].shape == (3, 2)
    assert outputs["next_sentence"].dtype == "float32"
    pooled = model.backbone(encoder_inputs(batch=3))["pooled_output"]
    kernel, bias = model.next_sentence_head.get_weights()
    np.testing.assert_allclose(outputs["next_sentence"],
                               np.asarray(pooled, "float32") @ kernel + bias, atol=1e-2)
    # Without the option the model is what it was: one tensor of masked-LM logits.
    assert small("bert")(inputs).shape == (3, 2, VOCABULARY)
    assert not hasattr(small("bert"), "next_sentence_head")


def test_next_sentence_model_round_trips_and_sums_both_losses(tmp_path):
    model = small("bert", next_sentence=True)
    config = model.get_config()
    assert config["next_sentence"] is True
    rebuilt = BertMaskedLM.from_config(config)
    assert rebuilt.next_sentence and len(rebuilt.weights) == len(model.weights)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  weighted_metrics=[keras.metrics.SparseCategoricalAccuracy("masked_lm_accuracy")])
    inputs = masked_lm_inputs(batch=4)
    targets = {"masked_lm": np.full((4, 2), 7, "int32"),
               "next_sentence": np.array([0, 1, 0, 1], "int32")}
    results = model.evaluate(inputs, targets, verbose=0, return_dict=True)
    assert {"masked_lm_loss", "next_sentence_loss", "masked_lm_accuracy",
            "next_sentence_accuracy"} <= set(results)
    assert results["loss"] == pytest.approx(
        results["masked_lm_loss"] + results["next_sentence_loss"], rel=1e-5)
    path = tmp_path / "nsp.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert reloaded.next_sentence
    for name, value in model(inputs).items():
        np.testing.assert_allclose(reloaded(inputs)[name], value, atol=1e-6)
    again = reloaded.evaluate(inputs, targets, verbose=0, return_dict=True)
    assert again["next_sentence_loss"] == pytest.approx(results["next_sentence_loss"], rel=1e-5)
    with pytest.raises(TypeError, match="`next_sentence` must be a bool, got 'yes'"):
        BertMaskedLM(model.backbone, next_sentence="yes")
