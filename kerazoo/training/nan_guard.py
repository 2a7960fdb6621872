"""Stopping a run whose training loss stops being finite."""

import math
import os
import sys

import keras

from kerazoo.training.checkpoint import latest_checkpoint
from kerazoo.utils.checks import check_path


class NanGuard(keras.callbacks.Callback):
    """Stops training at the first non-finite loss and says where to go back to.

    Keras' `TerminateOnNaN` stops too, but names neither the optimizer step
    nor the checkpoint to restart from. Once the loss is NaN or infinite every
    later step is wasted, and the weights are usually NaN as well, so the
    useful report is the step at which it happened and the newest checkpoint
    saved before it (`AtomicModelCheckpoint` skips epochs with a non-finite
    loss, so that checkpoint is a good one).

    The check reads the loss keras logs after each execution, so with
    `steps_per_execution` > 1 the step named is the last of the execution in
    which the loss went bad.

    Args:
        checkpoint_dir: The folder `AtomicModelCheckpoint` writes to.

    Attributes:
        stopped_at_step: The 1-based optimizer step whose loss was not
            finite, or `None` while training is healthy.
        last_good_checkpoint: The newest checkpoint at that moment, or `None`.
        message: The report, also printed to stderr; `None` while healthy.
    """

    def __init__(self, checkpoint_dir: str | os.PathLike):
        super().__init__()
        self.checkpoint_dir = check_path("checkpoint_dir", checkpoint_dir)
        self.stopped_at_step = None
        self.last_good_checkpoint = None
        self.message = None

    def on_train_begin(self, logs=None):
        self.stopped_at_step = None
        self.last_good_checkpoint = None
        self.message = None

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(loss):
            return
        self.model.stop_training = True
        self.stopped_at_step = int(
            keras.ops.convert_to_numpy(self.model.optimizer.iterations)
        )
        self.last_good_checkpoint = latest_checkpoint(self.checkpoint_dir)
        restart = (
            f"restart from {self.last_good_checkpoint}"
            if self.last_good_checkpoint is not None
            else "no checkpoint was saved before it"
        )
        self.message = (
            f"Training stopped: the loss became {loss} at optimizer step "
            f"{self.stopped_at_step}; {restart}."
        )
        print(self.message, file=sys.stderr, flush=True)
