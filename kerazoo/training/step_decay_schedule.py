"""Zaremba et al.'s learning-rate schedule: constant, then a factor per epoch."""

import keras
from keras import ops

from kerazoo.utils.checks import check_int, check_real


@keras.saving.register_keras_serializable(package="kerazoo")
class StepDecaySchedule(keras.optimizers.schedules.LearningRateSchedule):
    """`learning_rate` for `constant_epochs` epochs, then times `decay_per_epoch` each epoch.

    With `epoch = step // steps_per_epoch` (0 for the first epoch; `step`
    the optimizer's update count, 0 at the first update) the rate is
    `learning_rate * decay_per_epoch ** max(epoch + 1 - constant_epochs, 0)`:
    the schedule of Zaremba et al. 2014 and of TensorFlow's PTB tutorial
    (`lr_decay ** max(i + 1 - max_epoch, 0)`), with no warmup.

    Args:
        learning_rate: rate of the first `constant_epochs` epochs, > 0.
        steps_per_epoch: optimizer updates per epoch, >= 1.
        constant_epochs: epochs at `learning_rate`, >= 1.
        decay_per_epoch: factor applied at the start of each later epoch,
            in (0, 1].

    Example:
    >>> schedule = StepDecaySchedule(1.0, steps_per_epoch=10, constant_epochs=4,
    ...                              decay_per_epoch=0.5)
    >>> [float(schedule(s)) for s in (0, 39, 40, 50, 69)]
    [1.0, 1.0, 0.5, 0.25, 0.125]
    """

    def __init__(self, learning_rate, steps_per_epoch, constant_epochs, decay_per_epoch):
        self.learning_rate = check_real(
            "learning_rate", learning_rate, low=0.0, low_inclusive=False
        )
        self.steps_per_epoch = check_int("steps_per_epoch", steps_per_epoch, low=1)
        self.constant_epochs = check_int("constant_epochs", constant_epochs, low=1)
        self.decay_per_epoch = check_real(
            "decay_per_epoch", decay_per_epoch, low=0.0, high=1.0,
            low_inclusive=False, high_inclusive=True,
        )

    def __call__(self, step):
        epoch = ops.floor_divide(ops.cast(step, "int64"), self.steps_per_epoch)
        decays = ops.maximum(epoch + 1 - self.constant_epochs, 0)
        return self.learning_rate * ops.power(
            ops.cast(self.decay_per_epoch, "float32"), ops.cast(decays, "float32")
        )

    def get_config(self):
        return {
            "learning_rate": self.learning_rate,
            "steps_per_epoch": self.steps_per_epoch,
            "constant_epochs": self.constant_epochs,
            "decay_per_epoch": self.decay_per_epoch,
        }
