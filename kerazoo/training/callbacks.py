"""The callbacks every kerazoo run uses, and the run folder they fill."""

import importlib.util
import os

import keras

from kerazoo.training.backup import EpochBackup
from kerazoo.training.checkpoint import AtomicModelCheckpoint
from kerazoo.training.learning_curve import LearningCurvePlot
from kerazoo.training.nan_guard import NanGuard
from kerazoo.training.run_history import RunHistory
from kerazoo.utils.checks import check_path

CHECKPOINT_DIR = "checkpoints"
BACKUP_DIR = "backup"
TENSORBOARD_DIR = "logs"
HISTORY_FILE = "history.json"
LEARNING_CURVE_FILE = "learning_curve.png"


def default_callbacks(
    run_dir: str | os.PathLike, keep_checkpoints: int = 3
) -> list[keras.callbacks.Callback]:
    """Callbacks that make a run inspectable, resumable and safe to kill.

    They fill `run_dir` with:

    - `checkpoints/epoch-NNN.keras`: the whole model after each epoch, the
      newest `keep_checkpoints` kept (`AtomicModelCheckpoint`);
    - `history.json`: per-epoch logs and per-step loss (`RunHistory`);
    - `learning_curve.png`: train and validation loss (`LearningCurvePlot`);
    - `logs/`: TensorBoard event files;
    - `backup/`: weights, optimizer state and epoch of the last finished
      epoch, written atomically and deleted when `fit` ends (`EpochBackup`):
      `train` with the same `run_dir` after a crash resumes at the epoch
      after that one (`restore_backup`).

    `NanGuard` (first) stops the run at a non-finite loss; the checkpoint
    callback then skips that epoch, so the newest checkpoint stays a good one.
    `EpochBackup` comes last: if the process dies between callbacks, the
    backup is older than the history and checkpoints, and the resumed run
    redoes (and rewrites) that epoch instead of leaving a gap in the record.

    Args:
        run_dir: The run folder.
        keep_checkpoints: How many `.keras` checkpoints to keep, >= 1.
            Defaults to 3.

    Returns:
        The callbacks, in the order `fit` must call them.

    Raises:
        TypeError: If `run_dir` is not a path.
        ValueError: If `keep_checkpoints` < 1.
        ModuleNotFoundError: If `tensorboard` is not installed.

    Example:

    >>> [type(c).__name__ for c in default_callbacks("runs/demo")]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['NanGuard', 'AtomicModelCheckpoint', 'RunHistory', 'LearningCurvePlot',
     'TensorBoard', 'EpochBackup']
    """
    run_dir = check_path("run_dir", run_dir)
    # Keras' TensorBoard callback would only fail at its first write, after an
    # epoch of compute; TensorFlow does not depend on the package.
    if importlib.util.find_spec("tensorboard") is None:
        raise ModuleNotFoundError(
            "Training logs TensorBoard events, which needs the `tensorboard` "
            "package: pip install tensorboard"
        )
    run_history = RunHistory(run_dir / HISTORY_FILE)
    return [
        NanGuard(run_dir / CHECKPOINT_DIR),
        AtomicModelCheckpoint(run_dir / CHECKPOINT_DIR, keep_last=keep_checkpoints),
        run_history,
        LearningCurvePlot(run_history, run_dir / LEARNING_CURVE_FILE),
        keras.callbacks.TensorBoard(log_dir=os.fspath(run_dir / TENSORBOARD_DIR)),
        EpochBackup(run_dir / BACKUP_DIR),
    ]
