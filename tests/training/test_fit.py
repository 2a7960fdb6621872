import math

import keras
import matplotlib.image
import numpy as np
import pytest
import tensorflow as tf

from kerazoo.training.config import TrainConfig
from kerazoo.training.fit import train
from kerazoo.training.run_history import read_history

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CONFIG = TrainConfig(
    steps=24,
    epochs=3,
    peak_learning_rate=1e-2,
    min_learning_rate=1e-3,
    warmup_steps=2,
    keep_checkpoints=2,
    beta_1=0.85,
    beta_2=0.99,
)


class Interrupt(Exception):
    """Stands in for the run being killed."""


class InterruptAtEpoch(keras.callbacks.Callback):
    """Raises when 0-based `epoch` begins, after the previous one was backed up."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise Interrupt()


class RecordStart(keras.callbacks.Callback):
    """Records the weights training starts from and the epochs it runs."""

    def on_train_begin(self, logs=None):
        self.start_weights = [v.numpy() for v in self.model.weights]
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


def test_train_learns_and_fills_the_run_folder(tmp_path, make_tiny_lm, make_dataset):
    model = make_tiny_lm()
    history = train(
        model,
        make_dataset(batches=4),
        make_dataset(batches=2, seed=1),
        tmp_path,
        CONFIG,
        verbose=0,
    )

    step_losses = history["steps"]["loss"]
    assert (model.optimizer.beta_1, model.optimizer.beta_2) == (CONFIG.beta_1, CONFIG.beta_2)
    assert history["steps"]["step"] == list(range(1, 25))
    assert step_losses[0] == pytest.approx(math.log(16), abs=0.5)
    assert step_losses[-1] < 0.5
    assert history["epochs"]["val_loss"][-1] < 0.5
    assert history["epochs"]["epoch"] == [1, 2, 3]
    assert history["epochs"]["step"] == [8, 16, 24]
    assert history["epochs"]["learning_rate"][-1] == pytest.approx(1e-3)
    np.testing.assert_allclose(
        history["epochs"]["val_perplexity"],
        np.exp(history["epochs"]["val_loss"]),
        rtol=1e-4,
    )
    assert read_history(tmp_path / "history.json") == history

    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [
        "epoch-002.keras",
        "epoch-003.keras",
    ]
    curve = tmp_path / "learning_curve.png"
    assert curve.read_bytes()[:8] == PNG_SIGNATURE
    assert matplotlib.image.imread(curve).ndim == 3
    for split in ("train", "validation"):
        events = list((tmp_path / "logs" / split).glob("events.out.tfevents.*"))
        assert events and events[0].stat().st_size > 0
    # A finished run needs no backup.
    assert not (tmp_path / "backup").exists()
    assert not list(tmp_path.rglob(".*tmp*"))


def test_a_run_interrupted_after_an_epoch_resumes_at_the_next_one(
    tmp_path, make_tiny_lm, make_dataset
):
    config = TrainConfig(steps=16, epochs=4, peak_learning_rate=1e-2)
    first_model = make_tiny_lm()
    with pytest.raises(Interrupt):
        train(
            first_model,
            make_dataset(batches=4),
            None,
            tmp_path,
            config,
            callbacks=[InterruptAtEpoch(2)],
            verbose=0,
        )
    assert (tmp_path / "backup").is_dir()

    # A new process would build a fresh model and call train again.
    record = RecordStart()
    resumed_model = make_tiny_lm()
    history = train(
        resumed_model,
        make_dataset(batches=4),
        None,
        tmp_path,
        config,
        callbacks=[record],
        verbose=0,
    )
    assert record.epochs == [2, 3]
    for restored, saved in zip(record.start_weights, first_model.weights):
        np.testing.assert_array_equal(restored, saved.numpy())
    assert history["epochs"]["epoch"] == [1, 2, 3, 4]
    assert history["epochs"]["step"] == [4, 8, 12, 16]
    assert history["steps"]["step"] == list(range(1, 17))
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [
        "epoch-002.keras",
        "epoch-003.keras",
        "epoch-004.keras",
    ]

    # The same model trained again in a new folder starts from the first epoch.
    train(
        resumed_model,
        make_dataset(batches=4),
        None,
        tmp_path / "next",
        config,
        callbacks=[record],
        verbose=0,
    )
    assert record.epochs == [0, 1, 2, 3]


def test_train_runs_under_a_mirrored_strategy(tmp_path, make_tiny_lm, make_dataset):
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        model = make_tiny_lm()
        history = train(
            model,
            make_dataset(batches=2),
            None,
            tmp_path,
            TrainConfig(steps=2),
            verbose=0,
        )
    assert model.distribute_strategy is strategy
    assert history["epochs"]["step"] == [2]


def test_a_model_built_outside_the_strategy_in_scope_is_refused(
    tmp_path, make_tiny_lm, make_dataset
):
    model = make_tiny_lm()
    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
        with pytest.raises(ValueError, match="not built under the distribution"):
            train(model, make_dataset(), None, tmp_path, TrainConfig(steps=2))
    assert not tmp_path.joinpath("checkpoints").exists()


def test_datasets_must_yield_integer_pairs(tmp_path, make_tiny_lm, make_dataset):
    floats = tf.data.Dataset.from_tensors((np.zeros((2, 8)), np.zeros((2, 8))))
    tokens_only = make_dataset().map(lambda token_ids, targets: token_ids)
    for name, bad in (("train_ds", floats), ("train_ds", tokens_only)):
        with pytest.raises(TypeError, match=name):
            train(make_tiny_lm(), bad, None, tmp_path, TrainConfig(steps=2))
    with pytest.raises(TypeError, match="validation_ds"):
        train(make_tiny_lm(), make_dataset(), [1, 2], tmp_path, TrainConfig(steps=2))
    with pytest.raises(TypeError, match="config"):
        train(make_tiny_lm(), make_dataset(), None, tmp_path, {"steps": 2})


@pytest.mark.parametrize(
    "keywords, error, words",
    [
        ({"steps": 0}, ValueError, "steps"),
        ({"steps": 10, "epochs": 3}, ValueError, "split evenly"),
        ({"steps": 10, "warmup_steps": 10}, ValueError, "warmup_steps"),
        ({"steps": 10, "min_learning_rate": 1.0}, ValueError, "min_learning_rate"),
        ({"steps": 10, "weight_decay": -1.0}, ValueError, "weight_decay"),
        ({"steps": 10, "beta_1": 1.0}, ValueError, "beta_1"),
        ({"steps": 10, "beta_2": -0.1}, ValueError, "beta_2"),
        ({"steps": 10, "steps_per_execution": 3}, ValueError, "steps_per_execution"),
        ({"steps": 10, "jit_compile": 1}, TypeError, "jit_compile"),
        ({"steps": 10, "keep_checkpoints": 0}, ValueError, "keep_checkpoints"),
        ({"steps": 10.0}, TypeError, "steps"),
    ],
)
def test_bad_configs_are_named(keywords, error, words):
    with pytest.raises(error, match=words):
        TrainConfig(**keywords)


def _padded_lm():
    """Maps {"token_ids", "padding_mask"} to logits; padded positions output zeros."""
    token_ids = keras.Input((8,), dtype="int32", name="token_ids")
    padding_mask = keras.Input((8,), dtype="int32", name="padding_mask")
    hidden = keras.layers.Embedding(16, 8, name="token_embedding")(token_ids)
    logits = keras.layers.Dense(16, name="logits")(hidden)
    mask = keras.ops.cast(padding_mask, "float32")[..., None]
    return keras.Model({"token_ids": token_ids, "padding_mask": padding_mask}, logits * mask)


def test_dict_inputs_and_sample_weights_mask_padding_out_of_the_loss(tmp_path, make_dataset):
    def padded(garbage):
        def pad(token_ids, targets):
            real = tf.cast(tf.range(8) < 5, tf.int32)[None, :] * tf.ones_like(token_ids)
            targets = tf.where(real == 1, targets, garbage)
            return {"token_ids": token_ids, "padding_mask": real}, targets, tf.cast(real, "float32")

        return make_dataset(batches=4).map(pad)

    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    final = []
    for garbage, folder in ((0, "a"), (7, "b")):
        keras.utils.set_random_seed(3)
        model = _padded_lm()
        history = train(model, padded(garbage), padded(garbage), tmp_path / folder,
                        TrainConfig(steps=8, epochs=2, jit_compile=False), verbose=0,
                        loss=loss, metrics=[])
        final.append([np.asarray(w) for w in model.weights])
    assert history["epochs"]["loss"][-1] < history["epochs"]["loss"][0]
    # Targets under weight 0 change nothing: the loss never saw them.
    for a, b in zip(*final):
        np.testing.assert_array_equal(a, b)
