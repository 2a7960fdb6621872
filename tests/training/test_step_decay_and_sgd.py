"""The step-decay schedule and the plain-SGD optimizer a `TrainConfig` can ask for."""

import keras
import numpy as np
import pytest

from kerazoo.training import StepDecaySchedule, TrainConfig, optimizer_for


def rates(schedule, steps):
    return [float(schedule(step)) for step in steps]


def test_the_rate_holds_for_the_constant_epochs_then_decays_once_per_epoch():
    schedule = StepDecaySchedule(20.0, steps_per_epoch=10, constant_epochs=4, decay_per_epoch=0.5)
    # Steps 0-39 are epochs 1-4; each later epoch starts at a multiple of 10.
    assert rates(schedule, [0, 9, 10, 39]) == [20.0] * 4
    assert rates(schedule, [40, 49, 50, 129]) == pytest.approx([10.0, 10.0, 5.0, 20.0 * 0.5**9])


def test_the_schedule_reloads_from_its_config():
    schedule = StepDecaySchedule(35.0, steps_per_epoch=7, constant_epochs=6, decay_per_epoch=0.8)
    again = keras.optimizers.schedules.deserialize(
        keras.optimizers.schedules.serialize(schedule))
    steps = range(0, 120, 5)
    assert rates(again, steps) == rates(schedule, steps)


@pytest.mark.parametrize("arguments, words", [
    ((0.0, 10, 4, 0.5), "learning_rate"),
    ((1.0, 0, 4, 0.5), "steps_per_epoch"),
    ((1.0, 10, 0, 0.5), "constant_epochs"),
    ((1.0, 10, 4, 0.0), "decay_per_epoch"),
    ((1.0, 10, 4, 1.5), "decay_per_epoch"),
])
def test_bad_schedule_arguments_are_named(arguments, words):
    with pytest.raises(ValueError, match=words):
        StepDecaySchedule(*arguments)


def test_a_config_names_its_optimizer_and_schedule_or_is_refused():
    with pytest.raises(ValueError, match="`optimizer` must be one of"):
        TrainConfig(steps=10, optimizer="adam")
    with pytest.raises(ValueError, match="`schedule` must be one of"):
        TrainConfig(steps=10, schedule="step")
    with pytest.raises(ValueError, match="decay_per_epoch"):
        TrainConfig(steps=10, schedule="step_decay", decay_per_epoch=2.0)


def test_sgd_is_plain_sgd_on_the_step_decay_with_the_configs_clip(make_tiny_lm):
    model = make_tiny_lm()
    config = TrainConfig(steps=30, epochs=3, optimizer="sgd", schedule="step_decay",
                         peak_learning_rate=2.0, constant_epochs=1, decay_per_epoch=0.5,
                         global_clipnorm=0.1)
    optimizer = optimizer_for(model, config)
    assert type(optimizer) is keras.optimizers.SGD
    assert (optimizer.momentum, optimizer.global_clipnorm) == (0.0, 0.1)
    schedule = keras.optimizers.schedules.deserialize(optimizer.get_config()["learning_rate"])
    assert rates(schedule, [0, 10, 20]) == [2.0, 1.0, 0.5]
    # One update moves each weight by the rate times its clipped gradient.
    variables = model.trainable_variables
    gradients = [np.full(v.shape, 1.0, "float32") for v in variables]
    norm = np.sqrt(sum(g.size for g in gradients))
    before = [v.numpy() for v in variables]
    optimizer.apply_gradients(zip(gradients, variables))
    for old, variable in zip(before, variables):
        np.testing.assert_allclose(variable.numpy(), old - 2.0 * 0.1 / norm, atol=1e-6)


def test_the_default_optimizer_is_still_adamw(make_tiny_lm):
    optimizer = optimizer_for(make_tiny_lm(), TrainConfig(steps=10))
    assert type(optimizer) is keras.optimizers.AdamW
