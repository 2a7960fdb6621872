"""Settings of one training run."""

import dataclasses

import keras

from kerazoo.training.schedules import warmup_cosine_schedule
from kerazoo.utils.checks import check_int, check_real, check_type


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What `train` needs besides the model, the data and the run folder.

    Every value is checked when the config is made, so a bad setting fails
    before any compute is spent.

    Args:
        steps: Total optimizer updates, >= 1; divisible by `epochs`.
        epochs: Number of epochs the steps are split into, >= 1. Each epoch
            ends with validation, a checkpoint and a backup.
        peak_learning_rate: Rate at the end of warmup, > 0.
        min_learning_rate: Floor of the cosine decay, reached at `steps`;
            in [0, `peak_learning_rate`].
        warmup_steps: Linear warmup length, in [0, `steps`); a few percent
            of `steps` is usual for transformers.
        weight_decay: AdamW decoupled decay, >= 0.
        beta_1: Adam's first-moment decay, in [0, 1).
        beta_2: Adam's second-moment decay, in [0, 1).
        global_clipnorm: Gradient global-norm clip, > 0, or `None` for none.
        jit_compile: Compile train and eval steps with XLA.
        steps_per_execution: Steps per `tf.function` call, >= 1; must divide
            the steps of an epoch.
        keep_checkpoints: `.keras` checkpoints kept in the run folder, >= 1.

    Example:

    >>> TrainConfig(steps=1000, epochs=10).steps_per_epoch
    100
    """

    steps: int
    epochs: int = 1
    peak_learning_rate: float = 3e-4
    min_learning_rate: float = 3e-5  # a tenth of the peak, as in Chinchilla
    warmup_steps: int = 0
    weight_decay: float = 0.1
    beta_1: float = 0.9
    beta_2: float = 0.95
    global_clipnorm: float | None = 1.0
    jit_compile: bool = False
    steps_per_execution: int = 1
    keep_checkpoints: int = 3

    def __post_init__(self):
        check_int("steps", self.steps, low=1)
        check_int("epochs", self.epochs, low=1)
        if self.steps % self.epochs:
            raise ValueError(
                f"`steps`={self.steps} must split evenly over "
                f"`epochs`={self.epochs}; choose a multiple of {self.epochs}."
            )
        # Building the schedule checks the rates and the warmup.
        self.learning_rate_schedule()
        check_real("weight_decay", self.weight_decay, low=0.0)
        check_real("beta_1", self.beta_1, low=0.0, high=1.0)
        check_real("beta_2", self.beta_2, low=0.0, high=1.0)
        if self.global_clipnorm is not None:
            check_real(
                "global_clipnorm", self.global_clipnorm, low=0.0, low_inclusive=False
            )
        check_type("jit_compile", self.jit_compile, bool, "a bool")
        check_int("steps_per_execution", self.steps_per_execution, low=1)
        if self.steps_per_epoch % self.steps_per_execution:
            raise ValueError(
                f"`steps_per_execution`={self.steps_per_execution} must divide "
                f"the {self.steps_per_epoch} steps of an epoch."
            )
        check_int("keep_checkpoints", self.keep_checkpoints, low=1)

    def learning_rate_schedule(
        self,
    ) -> keras.optimizers.schedules.LearningRateSchedule:
        """Linear warmup to the peak, cosine decay to the floor at `steps`."""
        return warmup_cosine_schedule(
            self.peak_learning_rate,
            self.min_learning_rate,
            self.warmup_steps,
            self.steps,
        )

    @property
    def steps_per_epoch(self) -> int:
        """Optimizer updates per epoch."""
        return self.steps // self.epochs
