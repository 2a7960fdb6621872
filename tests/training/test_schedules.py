import math

import pytest

from kerazoo.training.schedules import warmup_cosine_schedule


def rate(schedule, step):
    return float(schedule(step))


def test_warmup_rises_linearly_from_zero_to_the_peak():
    schedule = warmup_cosine_schedule(1e-3, 1e-4, warmup_steps=10, total_steps=110)
    assert rate(schedule, 0) == 0.0
    assert rate(schedule, 1) == pytest.approx(1e-4)
    assert rate(schedule, 5) == pytest.approx(5e-4)
    assert rate(schedule, 10) == pytest.approx(1e-3)


def test_cosine_decay_reaches_the_floor_at_the_last_step_and_stays():
    schedule = warmup_cosine_schedule(1e-3, 1e-4, warmup_steps=10, total_steps=110)
    # Half-way through the decay the cosine is at its mid-point.
    assert rate(schedule, 60) == pytest.approx((1e-3 + 1e-4) / 2)
    quarter = 1e-4 + (1e-3 - 1e-4) * 0.5 * (1 + math.cos(math.pi / 4))
    assert rate(schedule, 35) == pytest.approx(quarter)
    assert rate(schedule, 110) == pytest.approx(1e-4)
    assert rate(schedule, 500) == pytest.approx(1e-4)


def test_no_warmup_starts_at_the_peak():
    schedule = warmup_cosine_schedule(2e-3, 0.0, warmup_steps=0, total_steps=20)
    assert rate(schedule, 0) == pytest.approx(2e-3)
    assert rate(schedule, 20) == pytest.approx(0.0)


@pytest.mark.parametrize(
    "arguments, error, words",
    [
        ((0.0, 0.0, 0, 10), ValueError, "peak_learning_rate"),
        ((1e-3, 2e-3, 0, 10), ValueError, "min_learning_rate"),
        ((1e-3, -1e-4, 0, 10), ValueError, "min_learning_rate"),
        ((1e-3, 1e-4, 10, 10), ValueError, "warmup_steps"),
        ((1e-3, 1e-4, -1, 10), ValueError, "warmup_steps"),
        ((1e-3, 1e-4, 0, 0), ValueError, "total_steps"),
        ((1e-3, 1e-4, 1.5, 10), TypeError, "warmup_steps"),
        (("1e-3", 1e-4, 0, 10), TypeError, "peak_learning_rate"),
        ((float("nan"), 1e-4, 0, 10), ValueError, "peak_learning_rate"),
    ],
)
def test_bad_arguments_are_named(arguments, error, words):
    with pytest.raises(error, match=words):
        warmup_cosine_schedule(*arguments)
