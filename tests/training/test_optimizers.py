import keras
import numpy as np
import pytest

from kerazoo.training.optimizers import build_optimizer, decays


def test_only_dense_kernels_decay(make_tiny_lm):
    model = make_tiny_lm()
    assert [v.path for v in model.trainable_variables if decays(v)] == [
        "logits/kernel"
    ]


def test_a_zero_gradient_step_shrinks_only_decayed_weights(make_tiny_lm):
    model = make_tiny_lm()
    # Non-zero values everywhere, so a decay of any weight would show.
    for variable in model.trainable_variables:
        variable.assign(np.full(variable.shape, 0.5, "float32"))
    learning_rate, weight_decay = 0.1, 0.2
    optimizer = build_optimizer(model, learning_rate, weight_decay=weight_decay)
    before = {v.path: v.numpy() for v in model.trainable_variables}

    # With zero gradients Adam's update is zero, so any change is weight decay.
    zeros = [np.zeros(v.shape, "float32") for v in model.trainable_variables]
    optimizer.apply_gradients(zip(zeros, model.trainable_variables))

    for variable in model.trainable_variables:
        expected = before[variable.path]
        if variable.path == "logits/kernel":
            expected = expected * (1 - learning_rate * weight_decay)
        np.testing.assert_allclose(variable.numpy(), expected, rtol=1e-6)


def test_hyperparameters_reach_adamw(make_tiny_lm):
    optimizer = build_optimizer(
        make_tiny_lm(), 1e-3, weight_decay=0.05, beta_2=0.99, global_clipnorm=None
    )
    assert isinstance(optimizer, keras.optimizers.AdamW)
    assert optimizer.weight_decay == 0.05
    assert optimizer.beta_2 == 0.99
    assert optimizer.global_clipnorm is None


def test_an_unbuilt_model_is_refused():
    model = keras.Sequential([keras.layers.Embedding(10, 4), keras.layers.Dense(10)])
    with pytest.raises(ValueError, match="must be built"):
        build_optimizer(model, 1e-3)


@pytest.mark.parametrize(
    "keywords, error, words",
    [
        ({"learning_rate": 0.0}, ValueError, "learning_rate"),
        ({"learning_rate": "fast"}, TypeError, "learning_rate"),
        ({"weight_decay": -0.1}, ValueError, "weight_decay"),
        ({"beta_1": 1.0}, ValueError, "beta_1"),
        ({"epsilon": 0.0}, ValueError, "epsilon"),
        ({"global_clipnorm": 0.0}, ValueError, "global_clipnorm"),
    ],
)
def test_bad_hyperparameters_are_named(make_tiny_lm, keywords, error, words):
    keywords = {"learning_rate": 1e-3, **keywords}
    with pytest.raises(error, match=words):
        build_optimizer(make_tiny_lm(), **keywords)
