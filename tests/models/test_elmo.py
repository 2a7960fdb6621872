"""The elmo family: presets, the biLM's logits, the embedder frozen and fine-tuned, files."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerazoo.models import (
    ElmoBackbone,
    ElmoBidirectionalLM,
    ElmoEmbedder,
    build,
    resolve_config,
)

TEXTS = ["the cat sat on the mat", "a dog", ""]


def tiny_backbone(**overrides):
    settings = dict(filters=((1, 8), (2, 8)), num_highway_layers=1, projection_dim=8,
                    num_layers=1, lstm_units=12, max_characters=12)
    return ElmoBackbone(**{**settings, **overrides})


def test_build_makes_a_bidirectional_lm_with_float32_logits_per_direction():
    model = build("elmo", "elmo-tiny", vocabulary_size=30)
    assert isinstance(model, ElmoBidirectionalLM)
    assert model.input.name == "character_ids" and model.input.dtype == "int32"
    ids = np.random.default_rng(0).integers(1, 261, (2, 5, 50)).astype("int32")
    logits = model(ids)
    assert logits.shape == (2, 5, 2, 30) and logits.dtype == tf.float32


def test_the_original_preset_has_the_papers_sizes():
    config = resolve_config("elmo", "elmo-original")
    assert sum(count for _, count in config.filters) == 2048
    assert [width for width, _ in config.filters] == [1, 2, 3, 4, 5, 6, 7]
    assert (config.lstm_units, config.projection_dim, config.num_layers) == (4096, 512, 2)
    assert (config.num_highway_layers, config.max_characters) == (2, 50)
    small = resolve_config("elmo")
    assert small.filters == ((1, 32), (2, 32), (3, 64))
    assert (small.projection_dim, small.num_layers, small.lstm_units) == (128, 2, 256)
    assert dataclasses.asdict(small)["vocabulary_size"] > 0


def test_embedder_returns_every_layer_per_word_with_a_mask():
    backbone = tiny_backbone()
    out = ElmoEmbedder(backbone)(tf.constant(TEXTS))
    assert out["embeddings"].shape == (3, 2, 6, 16)
    assert out["mask"].numpy().tolist() == [[1] * 6, [1, 1, 0, 0, 0, 0], [0] * 6]
    assert not out["embeddings"].numpy()[1, :, 2:].any()
    # Word i is position i + 1 of the backbone (after <S>).
    alone = ElmoEmbedder(backbone)(tf.constant(["a dog"]))["embeddings"].numpy()
    np.testing.assert_allclose(out["embeddings"].numpy()[1, :, :2], alone[0], atol=1e-5)


def test_mixed_embedder_weights_sum_to_one_and_only_empty_strings_give_no_words():
    embedder = ElmoEmbedder(tiny_backbone(), mix=True)
    out = embedder(tf.constant(TEXTS))
    assert out["embeddings"].shape == (3, 6, 16)
    assert float(keras.ops.sum(embedder.scalar_mix.mixing_weights())) == pytest.approx(1.0)
    empty = embedder(tf.constant(["", ""]))
    assert empty["embeddings"].shape == (2, 0, 16) and empty["mask"].shape == (2, 0)
    # A word longer than max_characters is truncated, not refused.
    assert embedder(tf.constant(["x" * 500]))["mask"].numpy().tolist() == [[1]]
    with pytest.raises(ValueError, match="1-D batch"):
        embedder(tf.constant("one string"))


def classifier(embedder):
    texts = keras.Input(shape=(), dtype="string", name="texts")
    out = embedder(texts)
    mixed = keras.layers.GlobalAveragePooling1D()(out["embeddings"], mask=out["mask"])
    return keras.Model(texts, keras.layers.Dense(2, name="classes")(mixed))


def fit_once(model):
    model.compile(keras.optimizers.Adam(0.05), keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    texts = tf.constant(["good film", "bad film", "a good one", "so bad"])
    model.fit(texts, np.array([1, 0, 1, 0]), batch_size=4, epochs=1, verbose=0)


@pytest.mark.parametrize("trainable", [False, True], ids=["frozen", "fine_tuned"])
def test_embedder_inside_a_downstream_model_frozen_or_fine_tuned(trainable, tmp_path):
    backbone = tiny_backbone()
    embedder = ElmoEmbedder(backbone, mix=True, trainable=trainable)
    model = classifier(embedder)
    before = [w.numpy().copy() for w in backbone.weights]
    mix_before = embedder.scalar_mix.layer_weights.numpy().copy()
    head_before = model.get_layer("classes").kernel.numpy().copy()
    fit_once(model)
    changed = [not np.array_equal(b, w.numpy()) for b, w in zip(before, backbone.weights)]
    assert all(changed) if trainable else not any(changed)
    assert (not np.array_equal(mix_before, embedder.scalar_mix.layer_weights.numpy())) \
        == trainable
    assert not np.array_equal(head_before, model.get_layer("classes").kernel.numpy())
    # The whole classifier, raw strings in, round-trips a .keras file.
    texts = tf.constant(TEXTS[:2])
    path = tmp_path / "classifier.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(reloaded(texts).numpy(), model(texts).numpy(), atol=1e-5)
    assert reloaded.layers[1].trainable == trainable


def test_embedder_and_bilm_configs_rebuild_them(tmp_path):
    embedder = ElmoEmbedder(tiny_backbone(dropout=0.2), mix=True, layer_norm=True)
    clone = ElmoEmbedder.from_config(embedder.get_config())
    assert clone.get_config() == embedder.get_config()
    model = ElmoBidirectionalLM(tiny_backbone(), vocabulary_size=20)
    ids = np.random.default_rng(1).integers(1, 261, (2, 4, 12)).astype("int32")
    model.save(tmp_path / "bilm.keras")
    reloaded = keras.saving.load_model(tmp_path / "bilm.keras")
    np.testing.assert_allclose(reloaded(ids).numpy(), model(ids).numpy(), atol=1e-5)
    assert reloaded.backbone.get_config() == model.backbone.get_config()
