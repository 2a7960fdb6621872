import numpy as np
import pytest
import tensorflow as tf

from kerazoo.training.compiling import compile_model
from kerazoo.training.config import TrainConfig
from kerazoo.training.fit import train
from kerazoo.training.nan_guard import NanGuard
from kerazoo.training.optimizers import build_optimizer
from kerazoo.training.run_history import read_history

POISON = 15


def poisoned_after(make_dataset, clean_batches):
    """`clean_batches` batches without token 15, then one made only of it."""
    clean = make_dataset(batches=clean_batches, vocab_size=POISON)
    poison = np.full((8, 8), POISON, "int32")
    return clean.concatenate(tf.data.Dataset.from_tensors((poison, poison)))


def test_training_stops_at_the_first_nan_step_and_names_it(
    tmp_path, make_tiny_lm, make_dataset, capsys
):
    model = make_tiny_lm(poison_token_id=POISON)
    compile_model(model, build_optimizer(model, 1e-3))
    guard = NanGuard(tmp_path / "checkpoints")
    model.fit(
        poisoned_after(make_dataset, clean_batches=2).repeat(),
        steps_per_epoch=10,
        epochs=2,
        callbacks=[guard],
        shuffle=False,
        verbose=0,
    )
    assert int(model.optimizer.iterations) == 3
    assert guard.stopped_at_step == 3
    assert guard.last_good_checkpoint is None
    assert "step 3" in guard.message and "no checkpoint" in guard.message
    assert guard.message in capsys.readouterr().err


def test_train_raises_with_the_step_and_the_last_good_checkpoint(
    tmp_path, make_tiny_lm, make_dataset
):
    config = TrainConfig(steps=6, epochs=3, peak_learning_rate=1e-3)
    with pytest.raises(FloatingPointError) as raised:
        train(
            make_tiny_lm(poison_token_id=POISON),
            poisoned_after(make_dataset, clean_batches=4),
            None,
            tmp_path,
            config,
            verbose=0,
        )
    last_good = tmp_path / "checkpoints" / "epoch-002.keras"
    assert "step 5" in str(raised.value) and str(last_good) in str(raised.value)
    assert sorted(p.name for p in last_good.parent.iterdir()) == [
        "epoch-001.keras",
        "epoch-002.keras",
    ]
    assert read_history(tmp_path / "history.json")["epochs"]["loss"][2] is None
