"""Settings of one training run."""

import dataclasses

import keras

from kerazoo.training.inverse_sqrt_schedule import InverseSqrtSchedule
from kerazoo.training.schedules import warmup_cosine_schedule
from kerazoo.training.step_decay_schedule import StepDecaySchedule
from kerazoo.utils.checks import check_int, check_real, check_type


SCHEDULES = ("warmup_cosine", "inverse_sqrt", "step_decay")
OPTIMIZERS = ("adamw", "sgd")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What `train` needs besides the model, the data and the run folder.

    Every value is checked when the config is made, so a bad setting fails
    before any compute is spent. The defaults are kerazoo's recipe, tuned on
    gpt-nano and Tiny Shakespeare (1.87 validation loss in 2000 steps;
    benchmarks/RESULTS.md); a family overrides what differs for it
    (`kerazoo.models.Family.recipe`), and `kerazoo train` starts from the
    same values. The learning rates are for the loss as a mean over tokens,
    and so is `global_clipnorm`: a recipe written for a loss summed over `T`
    time steps (Zaremba et al.'s PTB LSTMs) multiplies its rate by `T` and
    divides its clip norm by `T`, which gives the same updates (plain SGD).

    Args:
        steps: Total optimizer updates, >= 1; divisible by `epochs`
            (`epochs_for(steps, epochs)` picks a count that divides).
        epochs: Number of epochs the steps are split into, >= 1. Each epoch
            ends with validation, a checkpoint and a backup.
        peak_learning_rate: Rate at the end of warmup, > 0.
        min_learning_rate: Floor of the cosine decay, reached at `steps`;
            in [0, `peak_learning_rate`].
        warmup_steps: Linear warmup length, in [0, `steps`), or None for 5%
            of `steps`.
        weight_decay: AdamW decoupled decay, >= 0.
        beta_1: Adam's first-moment decay, in [0, 1).
        beta_2: Adam's second-moment decay, in [0, 1). A long memory (0.999)
            beat nanoGPT's 0.99 on gpt-nano.
        global_clipnorm: Gradient global-norm clip, > 0, or `None` for none.
        jit_compile: Compile train and eval steps with XLA (faster for the
            Transformers here, on CPU too; every new input shape recompiles).
        steps_per_execution: Steps per `tf.function` call, >= 1; must divide
            the steps of an epoch.
        keep_checkpoints: `.keras` checkpoints kept in the run folder, >= 1.
        schedule: `"warmup_cosine"` (linear warmup, cosine decay to
            `min_learning_rate` at `steps`) or `"inverse_sqrt"` (the
            Transformer paper's: linear warmup, then decay as
            1/sqrt(step), floored at `min_learning_rate`) or `"step_decay"`
            (`StepDecaySchedule`: `peak_learning_rate` for `constant_epochs`
            epochs, then times `decay_per_epoch` at each later epoch; no
            warmup, `warmup_steps` and `min_learning_rate` unused).
        optimizer: `"adamw"` (`build_optimizer`) or `"sgd"` (plain SGD, no
            momentum, no weight decay: `weight_decay` and the betas unused);
            both clip to `global_clipnorm`.
        constant_epochs: With `"step_decay"`, epochs at the peak rate, >= 1.
        decay_per_epoch: With `"step_decay"`, the factor of each later
            epoch, in (0, 1].

    Example:

    >>> TrainConfig(steps=1000, epochs=10).steps_per_epoch
    100
    """

    steps: int
    epochs: int = 1
    peak_learning_rate: float = 1e-3
    min_learning_rate: float = 1e-4  # a tenth of the peak, as in Chinchilla
    warmup_steps: int | None = None
    weight_decay: float = 0.1
    beta_1: float = 0.85
    beta_2: float = 0.999
    global_clipnorm: float | None = 5.0
    jit_compile: bool = True
    steps_per_execution: int = 1
    keep_checkpoints: int = 3
    schedule: str = "warmup_cosine"
    optimizer: str = "adamw"
    constant_epochs: int = 4  # Zaremba et al.'s small PTB model's.
    decay_per_epoch: float = 0.5

    def __post_init__(self):
        check_int("steps", self.steps, low=1)
        check_int("epochs", self.epochs, low=1)
        if self.warmup_steps is None:
            # Frozen: set the derived default once, here.
            object.__setattr__(self, "warmup_steps", self.steps // 20)
        if self.steps % self.epochs:
            raise ValueError(
                f"`steps`={self.steps} must split evenly over "
                f"`epochs`={self.epochs}; choose a multiple of {self.epochs}, or "
                f"{epochs_for(self.steps, self.epochs)} epochs."
            )
        if self.schedule not in SCHEDULES:
            raise ValueError(
                f"`schedule` must be one of {SCHEDULES}, got {self.schedule!r}."
            )
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"`optimizer` must be one of {OPTIMIZERS}, got {self.optimizer!r}."
            )
        check_int("constant_epochs", self.constant_epochs, low=1)
        check_real("decay_per_epoch", self.decay_per_epoch, low=0.0, high=1.0,
                   low_inclusive=False, high_inclusive=True)
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
        """The `schedule`: warmup and decay to the floor, or the step decay."""
        if self.schedule == "step_decay":
            return StepDecaySchedule(
                self.peak_learning_rate, self.steps_per_epoch, self.constant_epochs,
                self.decay_per_epoch,
            )
        if self.schedule == "inverse_sqrt":
            return InverseSqrtSchedule(
                self.peak_learning_rate, max(self.warmup_steps, 1), self.min_learning_rate
            )
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


def epochs_for(steps: int, epochs: int) -> int:
    """The most epochs, at most `epochs`, that `steps` splits into evenly.

    So a user asking for few steps gets them: `epochs_for(5, 10)` is 5
    epochs of one step, and every epoch stays the same length, which exact
    resume needs.

    Example:

    >>> epochs_for(2000, 10), epochs_for(5, 10), epochs_for(2001, 10)
    (10, 5, 3)
    """
    check_int("steps", steps, low=1)
    check_int("epochs", epochs, low=1)
    return max(n for n in range(1, min(steps, epochs) + 1) if steps % n == 0)
