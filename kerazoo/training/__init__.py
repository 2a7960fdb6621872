"""Training causal language models: schedule, optimizer, loss, callbacks, `train`.

`train(model, train_ds, validation_ds, run_dir, TrainConfig(steps=...))` is
the whole loop: AdamW (`build_optimizer`) on a warmup-cosine schedule
(`warmup_cosine_schedule`), token-mean cross-entropy and perplexity
(`compile_model`), and `default_callbacks`, which make the run folder
resumable after a kill and inspectable (checkpoints, `history.json`,
`learning_curve.png`, TensorBoard logs). Files are written atomically with
`kerazoo.utils.atomic`. `TrainConfig(optimizer="sgd", schedule="step_decay")`
trains with plain SGD on `StepDecaySchedule` instead (`optimizer_for`).

Scaling out: `strategy(kind)` picks a `tf.distribute` strategy (several GPUs,
a multi-worker cluster, a TPU), `per_replica_batch_size` splits the global
batch, and `precision(name)` builds models in mixed precision. `EpochBackup`
and `restore_backup` are the atomic epoch backups a killed run resumes from.
"""

from kerazoo.training.backup import EpochBackup, restore_backup
from kerazoo.training.callbacks import default_callbacks
from kerazoo.training.checkpoint import AtomicModelCheckpoint, latest_checkpoint
from kerazoo.training.compiling import compile_model
from kerazoo.training.config import TrainConfig
from kerazoo.training.fit import train
from kerazoo.training.learning_curve import LearningCurvePlot, plot_learning_curve
from kerazoo.training.losses import causal_lm_loss
from kerazoo.training.metrics import perplexity
from kerazoo.training.nan_guard import NanGuard
from kerazoo.training.optimizers import build_optimizer, optimizer_for
from kerazoo.training.precision import PRECISIONS, precision
from kerazoo.training.run_history import RunHistory, read_history
from kerazoo.training.schedules import warmup_cosine_schedule
from kerazoo.training.step_decay_schedule import StepDecaySchedule
from kerazoo.training.strategy import KINDS, per_replica_batch_size, strategy

__all__ = [
    "AtomicModelCheckpoint",
    "EpochBackup",
    "KINDS",
    "LearningCurvePlot",
    "NanGuard",
    "PRECISIONS",
    "RunHistory",
    "StepDecaySchedule",
    "TrainConfig",
    "build_optimizer",
    "causal_lm_loss",
    "compile_model",
    "default_callbacks",
    "latest_checkpoint",
    "optimizer_for",
    "per_replica_batch_size",
    "perplexity",
    "plot_learning_curve",
    "precision",
    "read_history",
    "restore_backup",
    "strategy",
    "train",
    "warmup_cosine_schedule",
]
