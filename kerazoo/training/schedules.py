"""Learning-rate schedule: linear warmup, then cosine decay to a floor."""

import keras

from kerazoo.utils.checks import check_int, check_real


def warmup_cosine_schedule(
    peak_learning_rate: float,
    min_learning_rate: float,
    warmup_steps: int,
    total_steps: int,
) -> keras.optimizers.schedules.LearningRateSchedule:
    """Builds a linear-warmup, cosine-decay learning-rate schedule.

    With `step` the optimizer's update count (0 for the first update):

    - `step < warmup_steps`: `peak_learning_rate * step / warmup_steps`,
      rising linearly from 0;
    - `warmup_steps <= step <= total_steps`: a half cosine from
      `peak_learning_rate` down to `min_learning_rate`;
    - `step > total_steps`: `min_learning_rate`.

    It is keras' own `CosineDecay`, so a compiled model saved with it reloads
    without custom objects.

    Args:
        peak_learning_rate: Rate reached at the end of warmup; > 0.
        min_learning_rate: Floor reached at `total_steps`;
            0 <= `min_learning_rate` <= `peak_learning_rate`.
        warmup_steps: Length of the linear warmup; 0 <= `warmup_steps` <
            `total_steps`. 0 starts the decay at `peak_learning_rate` directly.
        total_steps: Step at which the floor is reached, usually the number of
            optimizer updates in the run; > 0.

    Returns:
        A schedule mapping a scalar step to a float32 scalar learning rate.

    Raises:
        TypeError: If a rate is not a real number or a step count is not an
            integer.
        ValueError: If the values break the bounds above.

    Example:

    >>> schedule = warmup_cosine_schedule(1e-3, 1e-4, warmup_steps=10,
    ...                                   total_steps=100)
    >>> [round(float(schedule(s)), 6) for s in (0, 5, 10, 100)]
    [0.0, 0.0005, 0.001, 0.0001]
    """
    peak_learning_rate = check_real(
        "peak_learning_rate", peak_learning_rate, low=0.0, low_inclusive=False
    )
    min_learning_rate = check_real(
        "min_learning_rate",
        min_learning_rate,
        low=0.0,
        high=peak_learning_rate,
        high_inclusive=True,
    )
    total_steps = check_int("total_steps", total_steps, low=1)
    warmup_steps = check_int("warmup_steps", warmup_steps, low=0)
    if warmup_steps >= total_steps:
        raise ValueError(
            f"`warmup_steps` must be < total_steps={total_steps}, "
            f"got {warmup_steps}."
        )
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0,
        decay_steps=total_steps - warmup_steps,
        alpha=min_learning_rate / peak_learning_rate,
        warmup_target=peak_learning_rate,
        warmup_steps=warmup_steps,
    )
