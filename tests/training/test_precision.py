import math

import keras
import numpy as np
import pytest

import kerazoo.data
import kerazoo.models
from kerazoo.training import TrainConfig, precision, train


def tiny_gpt():
    return kerazoo.models.build(
        "gpt", num_layers=2, num_heads=2, hidden_dim=32, intermediate_dim=64,
        max_sequence_length=16, vocabulary_size=32,
    )


def counting_data():
    """A noisy counting sequence: easy to learn, so the loss falls within a few steps."""
    rng = np.random.default_rng(0)
    tokens = (np.arange(3000) + rng.integers(0, 2, 3000)) % 32
    return kerazoo.data.causal_lm_datasets_from_token_ids(tokens, 16, 8)


def test_precision_sets_the_policy_for_the_block_only():
    with precision("mixed_bfloat16") as policy:
        assert policy.name == "mixed_bfloat16"
        model = tiny_gpt()
    assert keras.config.dtype_policy().name == "float32"
    assert model.dtype_policy.name == "mixed_bfloat16"
    assert model.backbone.get_layer("final_layernorm").dtype_policy.name == "mixed_bfloat16"
    assert {v.dtype for v in model.weights} == {"float32"}
    assert keras.ops.convert_to_tensor(model(np.zeros((2, 5), "int32"))).dtype == "float32"


@pytest.mark.parametrize(
    "name, error, words",
    [
        ("float16", ValueError, "`precision` must be one of"),
        ("mixed-bf16", ValueError, "mixed_bfloat16"),
        (16, TypeError, "`precision` must be a str"),
    ],
)
def test_bad_precisions_are_named(name, error, words):
    with pytest.raises(error, match=words):
        with precision(name):
            pass
    assert keras.config.dtype_policy().name == "float32"


@pytest.mark.parametrize(
    "name, loss_scaled",
    [("mixed_float16", True), ("mixed_bfloat16", False)],
)
def test_gpt_trains_under_mixed_precision(tmp_path, name, loss_scaled):
    with precision(name):
        model = tiny_gpt()
    datasets = counting_data()
    history = train(
        model, datasets.train, datasets.validation.take(2), tmp_path,
        TrainConfig(steps=8, peak_learning_rate=1e-2, warmup_steps=1), verbose=0,
    )

    losses = history["steps"]["loss"]
    assert all(math.isfinite(loss) for loss in losses)
    assert losses[-1] < losses[0] - 0.3
    assert math.isfinite(history["epochs"]["val_loss"][-1])
    # Keras wraps the optimizer in loss scaling for float16 only; the
    # exclusions from weight decay live on the inner AdamW either way.
    wrapped = isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert wrapped == loss_scaled
    inner = model.optimizer.inner_optimizer if wrapped else model.optimizer
    assert isinstance(inner, keras.optimizers.AdamW)
    if wrapped:
        assert math.isfinite(float(model.optimizer.dynamic_scale.numpy()))
