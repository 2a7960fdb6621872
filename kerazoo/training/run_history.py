"""The history of a run, kept in `history.json` across interruptions."""

import json
import math
import os
import pathlib

import keras

from kerazoo.utils.atomic import atomic_write_text
from kerazoo.utils.checks import check_path


def empty_history() -> dict:
    """The history of a run that has not finished an epoch yet.

    Returns:
        `{"epochs": {"epoch": [], "step": []}, "steps": {"step": [], "loss": []}}`.
        `"epochs"` holds one entry per finished epoch in every list: the
        1-based `epoch`, the optimizer `step` it ended at, and each logged
        value (`loss`, `perplexity`, `val_loss`, `val_perplexity`,
        `learning_rate`). `"steps"` holds the training loss of each step
        (averaged over the steps of one execution when `steps_per_execution`
        > 1). Values that are not finite are `None`, so the file is strict
        JSON.
    """
    return {"epochs": {"epoch": [], "step": []}, "steps": {"step": [], "loss": []}}


def read_history(path: str | os.PathLike) -> dict:
    """Reads a history written by `RunHistory`, or `empty_history()` if missing.

    Args:
        path: A `history.json` file.

    Returns:
        The history, in the layout described by `empty_history`.
    """
    path = pathlib.Path(path)
    if not path.exists():
        return empty_history()
    return json.loads(path.read_text(encoding="utf-8"))


class RunHistory(keras.callbacks.Callback):
    """Records per-epoch logs and per-step training loss into `history.json`.

    Unlike keras' `History`, it survives interruptions: after each epoch the
    whole history is rewritten atomically, and when a resumed run (see
    `kerazoo.training.backup.EpochBackup`) starts again at some epoch, records
    from that epoch on are dropped before new ones are added. Put it before
    `EpochBackup` in the callback list, so that a kill between the two
    leaves the history ahead of the backup, never behind it.

    It also adds the optimizer's current `learning_rate` to the epoch logs,
    which later callbacks such as TensorBoard then see.

    Args:
        path: The `history.json` file.

    Attributes:
        history: The run's history, in the layout of `empty_history`.
    """

    def __init__(self, path: str | os.PathLike):
        super().__init__()
        self.path = check_path("path", path)
        self.history = empty_history()
        self._previous_batch = -1
        self._previous_loss_sum = 0.0

    def on_train_begin(self, logs=None):
        self.history = read_history(self.path)

    def on_epoch_begin(self, epoch, logs=None):
        _keep_where(self.history["epochs"], "epoch", lambda n: n <= epoch)
        step = self._step()
        _keep_where(self.history["steps"], "step", lambda n: n <= step)
        self._previous_batch = -1
        self._previous_loss_sum = 0.0

    def on_train_batch_end(self, batch, logs=None):
        # Keras logs the running mean of the epoch's loss; the loss of the
        # steps since the last call is recovered from the change in its sum.
        # In float32 this stays accurate to about 1e-3 for 10^4-step epochs.
        loss_sum = (batch + 1) * (logs or {}).get("loss", math.nan)
        loss = (loss_sum - self._previous_loss_sum) / (batch - self._previous_batch)
        self._previous_batch = batch
        self._previous_loss_sum = loss_sum
        self.history["steps"]["step"].append(self._step())
        self.history["steps"]["loss"].append(_finite_or_none(loss))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(
            keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
        )
        record = {"epoch": epoch + 1, "step": self._step(), **logs}
        epochs = self.history["epochs"]
        recorded = len(epochs["epoch"])
        for name, value in record.items():
            # A metric first logged late (validation every other epoch) gets
            # `None` for the epochs before, so every list stays aligned.
            column = epochs.setdefault(name, [None] * recorded)
            column.append(_finite_or_none(value))
        for name, column in epochs.items():
            if name not in record:
                column.append(None)
        atomic_write_text(self.path, json.dumps(self.history, indent=1) + "\n")

    def _step(self) -> int:
        return int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))


def _keep_where(columns: dict, key: str, keep) -> None:
    """Keeps the entries of aligned `columns` where `keep(columns[key][i])`."""
    indices = [i for i, value in enumerate(columns[key]) if keep(value)]
    for name, column in columns.items():
        columns[name] = [column[i] for i in indices]


def _finite_or_none(value):
    if isinstance(value, int):
        return value
    value = float(value)
    return value if math.isfinite(value) else None
