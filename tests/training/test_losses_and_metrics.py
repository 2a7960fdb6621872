import keras
import numpy as np
import pytest

from kerazoo.training.compiling import compile_model
from kerazoo.training.losses import causal_lm_loss
from kerazoo.training.metrics import perplexity


def token_cross_entropies(targets, logits):
    """Per-token cross-entropy in float64 numpy, shape of `targets`."""
    logits = logits.astype("float64")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]


def random_batch(rng, batch=3, time=5, vocab=7):
    targets = rng.integers(0, vocab, (batch, time)).astype("int32")
    logits = rng.normal(size=(batch, time, vocab)).astype("float32")
    return targets, logits


def test_the_loss_is_the_mean_over_every_token():
    targets, logits = random_batch(np.random.default_rng(0))
    loss = causal_lm_loss()(targets, logits)
    expected = token_cross_entropies(targets, logits).mean()
    assert float(loss) == pytest.approx(expected, rel=1e-5)


def test_float16_logits_give_a_float32_loss():
    targets, logits = random_batch(np.random.default_rng(1))
    loss = causal_lm_loss()(targets, logits.astype("float16"))
    assert loss.dtype == "float32"
    expected = token_cross_entropies(targets, logits.astype("float16")).mean()
    assert float(loss) == pytest.approx(expected, rel=1e-5)


def test_perplexity_is_exp_of_the_token_mean_over_all_updates():
    rng = np.random.default_rng(2)
    first, second = random_batch(rng, batch=1), random_batch(rng, batch=4)
    metric = perplexity()
    metric.update_state(*first)
    metric.update_state(*second)
    all_tokens = np.concatenate(
        [token_cross_entropies(*first).ravel(), token_cross_entropies(*second).ravel()]
    )
    assert float(metric.result()) == pytest.approx(np.exp(all_tokens.mean()), rel=1e-5)


def test_evaluated_perplexity_equals_exp_of_the_loss(make_tiny_lm, make_dataset):
    model = make_tiny_lm()
    compile_model(model, keras.optimizers.AdamW(1e-3))
    results = model.evaluate(make_dataset(batches=3), return_dict=True, verbose=0)
    assert results["perplexity"] == pytest.approx(np.exp(results["loss"]), rel=1e-5)


def test_compile_settings_reach_the_model(make_tiny_lm):
    model = make_tiny_lm()
    compile_model(
        model, keras.optimizers.AdamW(1e-3), jit_compile=False, steps_per_execution=4
    )
    assert model.steps_per_execution == 4
    assert model.jit_compile is False


@pytest.mark.parametrize(
    "keywords, error, words",
    [
        ({"optimizer": "adamw"}, TypeError, "optimizer"),
        ({"jit_compile": "yes"}, TypeError, "jit_compile"),
        ({"steps_per_execution": 0}, ValueError, "steps_per_execution"),
    ],
)
def test_bad_compile_arguments_are_named(make_tiny_lm, keywords, error, words):
    keywords = {"optimizer": keras.optimizers.AdamW(1e-3), **keywords}
    with pytest.raises(error, match=words):
        compile_model(make_tiny_lm(), **keywords)
