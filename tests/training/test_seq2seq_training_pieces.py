import keras
import numpy as np
import pytest

from kerazoo.training import TrainConfig
from kerazoo.training.inverse_sqrt_schedule import InverseSqrtSchedule
from kerazoo.training.label_smoothing import LabelSmoothedCrossEntropy


def test_label_smoothing_matches_the_formula_and_ignores_padding():
    logits = np.random.default_rng(0).normal(size=(2, 3, 5)).astype("float32")
    labels = np.array([[1, 2, 0], [4, 0, 0]], "int32")
    weights = np.array([[1, 1, 0], [1, 0, 0]], "float32")
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    per_token = 0.9 * -np.take_along_axis(log_p, labels[..., None], -1)[..., 0] + 0.1 * -log_p.mean(-1)
    expected = (per_token * weights).sum() / weights.sum()
    loss = LabelSmoothedCrossEntropy(0.1)
    np.testing.assert_allclose(float(loss(labels, logits, sample_weight=weights)), expected,
                               rtol=1e-5)
    clone = keras.losses.deserialize(keras.losses.serialize(loss))
    assert clone.smoothing == 0.1


def test_label_smoothing_gradient_is_softmax_minus_the_smoothed_target():
    import tensorflow as tf

    logits = np.random.default_rng(1).normal(size=(2, 3, 5)).astype("float32")
    labels = np.array([[1, 2, 0], [4, 3, 0]], "int32")
    weights = np.array([[1, 1, 0], [1, 1, 1]], "float32")
    variable = tf.Variable(logits)
    with tf.GradientTape() as tape:
        loss = LabelSmoothedCrossEntropy(0.2)(labels, variable, sample_weight=weights)
    target = 0.8 * np.eye(5)[labels] + 0.2 / 5
    softmax = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = (softmax - target) * weights[..., None] / weights.sum()
    np.testing.assert_allclose(tape.gradient(loss, variable).numpy(), expected, atol=1e-6)


def test_inverse_sqrt_is_the_papers_schedule():
    d, warmup = 512, 4000
    schedule = TrainConfig(steps=10_000, schedule="inverse_sqrt", warmup_steps=warmup,
                           peak_learning_rate=d**-0.5 * warmup**-0.5,
                           min_learning_rate=0.0).learning_rate_schedule()
    assert isinstance(schedule, InverseSqrtSchedule)
    for step in (1, 100, 4000, 9000):
        paper = d**-0.5 * min(step**-0.5, step * warmup**-1.5)
        np.testing.assert_allclose(float(schedule(step - 1)), paper, rtol=1e-5)
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig(steps=10, schedule="linear")
