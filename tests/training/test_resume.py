import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerazoo.data
import kerazoo.models
from kerazoo.training.backup import EpochBackup, latest_backup, restore_backup
from kerazoo.training.compiling import compile_model
from kerazoo.training.optimizers import build_optimizer
from kerazoo.training.config import TrainConfig
from kerazoo.training.fit import train

CONFIG = TrainConfig(steps=12, epochs=4, peak_learning_rate=1e-2, warmup_steps=2)


class Interrupt(Exception):
    """Stands in for the run being killed."""


class InterruptAtBatch(keras.callbacks.Callback):
    """Raises at 0-based `batch` of 0-based `epoch`: a kill in mid-epoch."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.epoch, self.batch, self.current = epoch, batch, None

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if (self.current, batch) == (self.epoch, self.batch):
            raise Interrupt()


def tiny_gpt(seed=7):
    """A one-layer GPT with dropout, so resuming must restore the random state too."""
    keras.utils.set_random_seed(seed)
    return kerazoo.models.build(
        "gpt", num_layers=1, num_heads=2, hidden_dim=16, intermediate_dim=32,
        max_sequence_length=8, vocabulary_size=16, dropout=0.2,
    )


def test_a_run_killed_mid_epoch_resumes_to_the_weights_of_an_unbroken_run(
    tmp_path, make_dataset
):
    # 5 distinct batches for 3-step epochs: a resumed run that restarted the
    # data would train on other batches than the unbroken one.
    data = make_dataset(batches=5)
    unbroken = tiny_gpt()
    train(unbroken, data, None, tmp_path / "unbroken", CONFIG, verbose=0)

    killed = tiny_gpt()
    with pytest.raises(Interrupt):
        train(killed, data, None, tmp_path / "run", CONFIG,
              callbacks=[InterruptAtBatch(epoch=2, batch=1)], verbose=0)
    assert latest_backup(tmp_path / "run" / "backup").name == "epoch-002"

    resumed = tiny_gpt(seed=99)  # A new process: other initial weights.
    history = train(resumed, data, None, tmp_path / "run", CONFIG, verbose=0)

    assert history["steps"]["step"] == list(range(1, 13))
    assert history["epochs"]["step"] == [3, 6, 9, 12]
    for mine, reference in zip(resumed.weights, unbroken.weights):
        np.testing.assert_allclose(mine.numpy(), reference.numpy(), rtol=1e-6, atol=1e-7)
    assert not (tmp_path / "run" / "backup").exists()


def test_restore_takes_the_newest_complete_backup(tmp_path, make_dataset):
    model = tiny_gpt()
    with pytest.raises(Interrupt):
        train(model, make_dataset(), None, tmp_path, CONFIG,
              callbacks=[InterruptAtBatch(epoch=3, batch=0)], verbose=0)
    backup = tmp_path / "backup"
    assert [p.name for p in backup.iterdir()] == ["epoch-003"]
    metadata = json.loads((backup / "epoch-003" / "backup.json").read_text())
    assert metadata == {"epoch": 3, "steps_per_epoch": 3}
    # What a kill while writing the next backup leaves: a hidden, partial folder.
    (backup / ".epoch-004.0123abcd.tmp").mkdir()
    (backup / ".epoch-004.0123abcd.tmp" / "state.weights.h5").write_bytes(b"\x89HDF")

    fresh = tiny_gpt(seed=3)
    fresh.compile(optimizer="adamw", loss="mse")
    with pytest.raises(ValueError, match="does not fit"):
        restore_backup(fresh, backup, steps_per_epoch=3)
    compile_model(fresh, build_optimizer(fresh, CONFIG.learning_rate_schedule()))
    assert restore_backup(fresh, backup, steps_per_epoch=3) == 3
    for restored, saved in zip(fresh.weights, model.weights):
        np.testing.assert_array_equal(restored.numpy(), saved.numpy())
    assert int(fresh.optimizer.iterations.numpy()) == 9

    with pytest.raises(ValueError, match="steps_per_epoch`=4"):
        restore_backup(fresh, backup, steps_per_epoch=4)
    # Other epochs are another run: refused before the backup is read.
    with pytest.raises(ValueError, match="other settings: train_config.epochs"):
        train(tiny_gpt(), make_dataset(), None, tmp_path,
              TrainConfig(steps=12, epochs=3), verbose=0)


def test_a_new_backup_replaces_the_old_one_whole(tmp_path, make_dataset):
    model = tiny_gpt()
    model.compile(optimizer="adamw", loss="sparse_categorical_crossentropy")
    backup = EpochBackup(tmp_path)
    backup.set_model(model)
    backup.set_params({"steps": 5})
    (tmp_path / ".epoch-001.feed.tmp").mkdir()
    backup.on_epoch_end(0)
    backup.on_epoch_end(1)
    assert [p.name for p in tmp_path.iterdir()] == ["epoch-002"]
    assert sorted(p.name for p in (tmp_path / "epoch-002").iterdir()) == [
        "backup.json", "random_state.npz", "state.weights.h5"
    ]
    backup.on_train_end()
    assert not tmp_path.exists()


def test_causal_lm_batches_depend_only_on_seed_and_step():
    tokens = np.random.default_rng(0).integers(0, 50, 2000)

    def train_batches():
        return kerazoo.data.causal_lm_datasets_from_token_ids(tokens, 16, 4, seed=5).train

    unbroken = [x.numpy() for x, _ in train_batches().take(12)]
    resumed = [x.numpy() for x, _ in train_batches().skip(7).take(5)]
    np.testing.assert_array_equal(resumed, unbroken[7:])
    assert not np.array_equal(unbroken[0], unbroken[1])
    policy = train_batches().options().experimental_distribute.auto_shard_policy
    assert policy == tf.data.experimental.AutoShardPolicy.DATA
