import json
import math

import keras
import numpy as np
import pytest

from kerazoo.training.run_history import RunHistory, empty_history, read_history


@pytest.fixture
def recorder(tmp_path, make_tiny_lm):
    """A RunHistory attached to a compiled tiny model, plus the model."""
    model = make_tiny_lm()
    model.compile(optimizer=keras.optimizers.AdamW(0.01), loss="mse")
    run_history = RunHistory(tmp_path / "history.json")
    run_history.set_model(model)
    return run_history, model


def run_epoch(run_history, model, epoch, step_losses, steps_per_execution=1):
    """Feeds `run_history` the running means keras would log for these losses."""
    run_history.on_epoch_begin(epoch)
    running_means = np.cumsum(step_losses) / np.arange(1, len(step_losses) + 1)
    for batch in range(steps_per_execution - 1, len(step_losses), steps_per_execution):
        model.optimizer.iterations.assign_add(steps_per_execution)
        run_history.on_train_batch_end(batch, {"loss": float(running_means[batch])})
    run_history.on_epoch_end(epoch, {"loss": float(running_means[-1])})


def test_step_losses_are_recovered_from_keras_running_means(recorder):
    run_history, model = recorder
    run_history.on_train_begin()
    run_epoch(run_history, model, 0, [4.0, 2.0, 3.0, 1.0])
    run_epoch(run_history, model, 1, [2.0, 1.0, 1.5, 0.5], steps_per_execution=2)
    steps = run_history.history["steps"]
    assert steps["step"] == [1, 2, 3, 4, 6, 8]
    np.testing.assert_allclose(steps["loss"], [4.0, 2.0, 3.0, 1.0, 1.5, 1.0])


def test_each_epoch_is_written_with_its_step_and_learning_rate(recorder):
    run_history, model = recorder
    run_history.on_train_begin()
    run_epoch(run_history, model, 0, [3.0, 1.0])
    written = read_history(run_history.path)
    assert written == run_history.history
    assert written["epochs"]["epoch"] == [1]
    assert written["epochs"]["step"] == [2]
    assert written["epochs"]["loss"] == [2.0]
    assert written["epochs"]["learning_rate"] == [pytest.approx(0.01)]


def test_a_metric_missing_in_some_epochs_stays_aligned(recorder):
    run_history, _ = recorder
    run_history.on_train_begin()
    run_history.on_epoch_end(0, {"loss": 2.0})
    run_history.on_epoch_end(1, {"loss": 1.0, "val_loss": 1.5})
    run_history.on_epoch_end(2, {"loss": 0.5})
    epochs = run_history.history["epochs"]
    assert epochs["val_loss"] == [None, 1.5, None]
    assert all(len(column) == 3 for column in epochs.values())


def test_non_finite_values_are_written_as_null(recorder):
    run_history, model = recorder
    run_history.on_train_begin()
    run_epoch(run_history, model, 0, [1.0, math.nan])

    def refuse(constant):
        raise AssertionError(f"history.json holds {constant}, which is not JSON")

    written = json.loads(run_history.path.read_text(), parse_constant=refuse)
    assert written["steps"]["loss"] == [1.0, None]
    assert written["epochs"]["loss"] == [None]


def test_a_resumed_run_drops_records_from_the_resumed_epoch_on(recorder):
    run_history, model = recorder
    run_history.on_train_begin()
    for epoch in range(3):
        run_epoch(run_history, model, epoch, [1.0, 1.0])

    # A new process: BackupAndRestore restored the state after epoch 2 (4 steps).
    resumed = RunHistory(run_history.path)
    resumed.set_model(model)
    model.optimizer.iterations.assign(4)
    resumed.on_train_begin()
    run_epoch(resumed, model, 2, [0.5, 0.5])
    assert resumed.history["epochs"]["epoch"] == [1, 2, 3]
    assert resumed.history["epochs"]["loss"] == [1.0, 1.0, 0.5]
    assert resumed.history["steps"]["step"] == [1, 2, 3, 4, 5, 6]


def test_a_missing_file_reads_as_an_empty_history(tmp_path):
    assert read_history(tmp_path / "history.json") == empty_history()
