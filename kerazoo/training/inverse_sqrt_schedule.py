"""The Transformer paper's learning-rate schedule: linear warmup, inverse square-root decay."""

import keras
from keras import ops

from kerazoo.utils.checks import check_int, check_real


@keras.saving.register_keras_serializable(package="kerazoo")
class InverseSqrtSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """`peak * min(step / warmup, sqrt(warmup / step))`, floored at `min_learning_rate`.

    With `peak_learning_rate = d_model ** -0.5 * warmup_steps ** -0.5` this
    is "Attention Is All You Need"'s `d_model ** -0.5 * min(step ** -0.5,
    step * warmup_steps ** -1.5)` (section 5.3), with `step` counted from 1
    at the first update as there.

    Args:
        peak_learning_rate: rate at the end of warmup, > 0.
        warmup_steps: linear warmup length, >= 1.
        min_learning_rate: floor of the decay, in [0, peak]. Defaults to 0
            (the paper's: none).

    Example:
    >>> schedule = InverseSqrtSchedule(1e-3, warmup_steps=100)
    >>> [round(float(schedule(s)), 6) for s in (0, 99, 399)]
    [1e-05, 0.001, 0.0005]
    """

    def __init__(self, peak_learning_rate, warmup_steps, min_learning_rate=0.0):
        self.peak_learning_rate = check_real(
            "peak_learning_rate", peak_learning_rate, low=0.0, low_inclusive=False
        )
        self.warmup_steps = check_int("warmup_steps", warmup_steps, low=1)
        self.min_learning_rate = check_real(
            "min_learning_rate", min_learning_rate, low=0.0, high=peak_learning_rate,
            high_inclusive=True,
        )

    def __call__(self, step):
        step = ops.cast(step, "float32") + 1.0
        warmup = float(self.warmup_steps)
        factor = ops.minimum(step / warmup, ops.sqrt(warmup / step))
        return ops.maximum(self.peak_learning_rate * factor, self.min_learning_rate)

    def get_config(self):
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "warmup_steps": self.warmup_steps,
            "min_learning_rate": self.min_learning_rate,
        }
