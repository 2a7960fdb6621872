"""Per-epoch `.keras` checkpoints, written atomically, the last few kept."""

import math
import os
import pathlib
import re

import keras

from kerazoo.utils.atomic import atomic_path
from kerazoo.utils.checks import check_int, check_path

CHECKPOINT_PATTERN = re.compile(r"epoch-(\d+)\.keras")


def checkpoint_name(epoch: int) -> str:
    """File name of the checkpoint saved after 1-based `epoch`."""
    return f"epoch-{epoch:03d}.keras"


def list_checkpoints(directory: str | os.PathLike) -> list[tuple[int, pathlib.Path]]:
    """The checkpoints in `directory`, oldest epoch first.

    Args:
        directory: A checkpoint folder; it may be missing.

    Returns:
        `(epoch, path)` pairs sorted by the 1-based epoch.
    """
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = CHECKPOINT_PATTERN.fullmatch(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def latest_checkpoint(directory: str | os.PathLike) -> pathlib.Path | None:
    """Path of the newest checkpoint in `directory`, or `None` if there is none."""
    checkpoints = list_checkpoints(directory)
    return checkpoints[-1][1] if checkpoints else None


class AtomicModelCheckpoint(keras.callbacks.Callback):
    """Saves the whole model after every epoch, keeping the newest few.

    The file for 1-based epoch `n` is `directory/epoch-{n:03d}.keras`. It is
    written to a temporary sibling and renamed into place, so a kill during
    the save never leaves a truncated checkpoint behind.

    The callback owns `directory`. After each save it deletes all but the
    `keep_last` newest checkpoints, and also any numbered after the epoch just
    saved: those are left over from an earlier run in the same folder and
    would otherwise pass for the latest one.

    An epoch whose training loss is not finite is not saved, so the newest
    checkpoint is always the last good model.

    Args:
        directory: Folder for the checkpoints; created when needed.
        keep_last: How many checkpoints to keep, >= 1. Defaults to 3.

    Example:

    >>> checkpoint = AtomicModelCheckpoint("runs/demo/checkpoints")
    >>> checkpoint.keep_last
    3
    """

    def __init__(self, directory: str | os.PathLike, keep_last: int = 3):
        super().__init__()
        self.directory = check_path("directory", directory)
        self.keep_last = check_int("keep_last", keep_last, low=1)

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            return
        saved_epoch = epoch + 1
        with atomic_path(self.directory / checkpoint_name(saved_epoch)) as path:
            self.model.save(path)
        checkpoints = list_checkpoints(self.directory)
        older = [path for n, path in checkpoints if n <= saved_epoch]
        stale = [path for n, path in checkpoints if n > saved_epoch]
        for path in older[: -self.keep_last] + stale:
            path.unlink(missing_ok=True)
