"""The training state after each epoch, saved so a killed run can resume.

Keras' `BackupAndRestore` writes its weights and then a `training_metadata.json`
with the epoch, both in place: a kill while the weights are written leaves a
truncated file, and a kill between the two writes leaves weights of one epoch
labelled with the epoch before, which a resumed run then trains again. Here
the whole state of one epoch (weights and optimizer state, the random-number
state of dropout layers, and the epoch itself) is one folder, written under a
temporary name and renamed into place, so a backup is there complete or not
at all. Its epoch is read before `fit` starts, so `train` can skip the batches
of the finished epochs and the resumed run sees the same data as one that was
never stopped.
"""

import json
import os
import pathlib
import re
import shutil
import warnings

import keras
import numpy as np

from kerazoo.utils.atomic import atomic_path
from kerazoo.utils.checks import check_int, check_path

BACKUP_PATTERN = re.compile(r"epoch-(\d+)")
WEIGHTS_FILE = "state.weights.h5"
RANDOM_STATE_FILE = "random_state.npz"
METADATA_FILE = "backup.json"


class EpochBackup(keras.callbacks.Callback):
    """Backs up the training state after every epoch; deletes it when `fit` ends.

    After 1-based epoch `n` it writes `directory/epoch-{n:03d}/` atomically and
    then removes every older backup. The folder holds the model's weights with
    the optimizer's state, the state of the model's seed generators (so
    dropout draws the masks an uninterrupted run would draw), and
    `backup.json` with the epoch and the steps per epoch. `restore_backup`
    reads it back. A kill loses at most the epoch in progress.

    The callback owns `directory`. When training ends normally (also when
    `NanGuard` stops it) the directory is removed: a finished run needs no
    backup.

    Args:
        directory: Folder for the backups; created when needed.

    Example:

    >>> EpochBackup("runs/demo/backup").directory.name
    'backup'
    """

    def __init__(self, directory: str | os.PathLike):
        super().__init__()
        self.directory = check_path("directory", directory)

    def on_epoch_end(self, epoch, logs=None):
        finished = epoch + 1
        name = f"epoch-{finished:03d}"
        with atomic_path(self.directory / name) as folder:
            folder.mkdir()
            self.model.save_weights(folder / WEIGHTS_FILE)
            np.savez(folder / RANDOM_STATE_FILE, *_random_states(self.model))
            metadata = {"epoch": finished, "steps_per_epoch": self.params.get("steps")}
            (folder / METADATA_FILE).write_text(json.dumps(metadata) + "\n")
        # Older backups, and the temporaries of writes a kill interrupted.
        for path in self.directory.iterdir():
            if path.name != name:
                shutil.rmtree(path, ignore_errors=True)

    def on_train_end(self, logs=None):
        shutil.rmtree(self.directory, ignore_errors=True)


def latest_backup(directory: str | os.PathLike) -> pathlib.Path | None:
    """The newest complete backup folder in `directory`, or `None`.

    Folders left half-written by a kill keep their temporary (hidden) names
    and are never returned.
    """
    directory = check_path("directory", directory)
    if not directory.is_dir():
        return None
    found = [
        (int(match.group(1)), path)
        for path in directory.iterdir()
        if (match := BACKUP_PATTERN.fullmatch(path.name))
        and (path / METADATA_FILE).is_file()
    ]
    return max(found)[1] if found else None


def restore_backup(
    model: keras.Model, directory: str | os.PathLike, steps_per_epoch: int
) -> int:
    """Loads the newest backup in `directory` into a compiled `model`.

    Call it inside the strategy scope the model was built under, before `fit`.

    Args:
        model: The compiled model to resume; same architecture as the one
            backed up.
        directory: The folder `EpochBackup` writes to; it may be missing.
        steps_per_epoch: Steps of one epoch of the run being resumed, >= 1.

    Returns:
        The number of finished epochs restored; 0 (and `model` untouched)
        when there is no backup.

    Raises:
        ValueError: If the backup was made with another number of steps per
            epoch, so its epochs do not line up with this run's, or for
            another model or optimizer.
    """
    check_int("steps_per_epoch", steps_per_epoch, low=1)
    folder = latest_backup(directory)
    if folder is None:
        return 0
    metadata = json.loads((folder / METADATA_FILE).read_text())
    if metadata["steps_per_epoch"] != steps_per_epoch:
        raise ValueError(
            f"The backup {folder} was made with {metadata['steps_per_epoch']} "
            f"steps per epoch, but this run has `steps_per_epoch`="
            f"{steps_per_epoch}. Resume with the same steps and epochs, or "
            "train into a new run folder."
        )
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    # Keras only warns when a saved optimizer does not fit the model's, and
    # then leaves the optimizer state as it was.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.load_weights(folder / WEIGHTS_FILE)
    skipped = [str(w.message) for w in caught if "Skipping" in str(w.message)]
    if skipped:
        raise ValueError(
            f"The backup {folder} does not fit `model` {model.name!r} and its "
            f"optimizer: {skipped[0]} Resume with the same model and config."
        )
    with np.load(folder / RANDOM_STATE_FILE) as saved:
        states = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    variables = _random_state_variables(model)
    if len(states) != len(variables):
        raise ValueError(
            f"The backup {folder} holds {len(states)} random-number states, "
            f"but `model` {model.name!r} has {len(variables)}: it is not the "
            "model that was backed up."
        )
    for variable, state in zip(variables, states):
        variable.assign(state)
    return metadata["epoch"]


def _random_state_variables(model: keras.Model) -> list:
    # `variables` adds the seed-generator states to `weights`, which
    # `save_weights` leaves out.
    weights = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def _random_states(model: keras.Model) -> list[np.ndarray]:
    return [keras.ops.convert_to_numpy(v.value) for v in _random_state_variables(model)]

