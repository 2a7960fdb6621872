import numpy as np
import pytest
import tensorflow as tf

from kerazoo.generation.sampling import (
    SamplingSettings,
    apply_repetition_penalty,
    choose_next_token,
    filter_top_k_top_p,
)

LOGITS = np.log(np.array([[0.5, 0.25, 0.15, 0.1]], "float32"))


def kept(logits):
    return np.isfinite(np.asarray(logits))[0].tolist()


def test_top_k_keeps_the_k_largest():
    assert kept(filter_top_k_top_p(LOGITS, tf.constant(2), tf.constant(1.0))) == [True, True, False, False]


def test_top_p_keeps_the_smallest_set_reaching_p():
    assert kept(filter_top_k_top_p(LOGITS, tf.constant(0), tf.constant(0.7))) == [True, True, False, False]
    assert kept(filter_top_k_top_p(LOGITS, tf.constant(0), tf.constant(0.76))) == [True, True, True, False]
    assert kept(filter_top_k_top_p(LOGITS, tf.constant(0), tf.constant(0.1))) == [True, False, False, False]


def test_off_values_keep_everything():
    assert all(kept(filter_top_k_top_p(LOGITS, tf.constant(0), tf.constant(1.0))))


def test_repetition_penalty_divides_positive_and_multiplies_negative():
    logits = np.array([[2.0, -2.0, 2.0]], "float32")
    presence = np.array([[1.0, 1.0, 0.0]], "float32")
    out = np.asarray(apply_repetition_penalty(logits, presence, 2.0))
    np.testing.assert_allclose(out, [[1.0, -4.0, 2.0]])


def nucleus(row, top_k, top_p):
    """The tokens top-k then top-p keep in one row, computed plainly in numpy."""
    order = np.argsort(-row)
    if top_k:
        order = order[:top_k]
    probabilities = np.exp(row[order] - row[order].max())
    probabilities /= probabilities.sum()
    mass_before = np.cumsum(probabilities) - probabilities
    return set(order[mass_before < top_p].tolist())


def settings(**overrides):
    return SamplingSettings(**overrides).as_tensors()


# Rows with different shapes (peaked, flat, reversed), so one threshold for the
# whole batch would keep the wrong set in some row.
ROWS = np.array(
    [
        [4.0, 1.0, 0.5, 0.0, -1.0, -2.0],
        [0.0, 0.1, 0.2, 0.3, 0.4, 0.5],
        [-3.0, -2.0, 2.5, 2.4, -1.0, 0.7],
        [1.0, 3.0, 2.0, -5.0, 2.9, 0.0],
    ],
    "float32",
)


@pytest.mark.parametrize("top_k, top_p", [(0, 0.6), (0, 0.85), (3, 1.0), (2, 0.55), (4, 0.75)])
def test_each_row_keeps_exactly_its_own_nucleus(top_k, top_p):
    out = np.asarray(filter_top_k_top_p(ROWS, tf.constant(top_k), tf.constant(top_p)))
    kept_sets = [set(np.flatnonzero(np.isfinite(row)).tolist()) for row in out]
    expected = [nucleus(row, top_k, top_p) for row in ROWS]
    assert kept_sets == expected
    assert len({frozenset(s) for s in expected}) == len(ROWS), "each row keeps its own set"
    # Kept logits are unchanged; the filter does not renormalize.
    np.testing.assert_array_equal(out[np.isfinite(out)], ROWS[np.isfinite(out)])


def test_sampled_tokens_stay_inside_their_rows_nucleus():
    batch = np.repeat(ROWS, 200, axis=0)
    chosen = np.asarray(
        choose_next_token(batch, np.zeros_like(batch), settings(top_p=0.7, seed=3), tf.constant(0))
    )
    for row, token in zip(np.repeat(np.arange(len(ROWS)), 200), chosen):
        assert token in nucleus(ROWS[row], 0, 0.7)


def empirical_frequencies(logits, temperature, draws_per_seed=2000, seeds=5):
    """Token frequencies over `draws_per_seed * seeds` draws from one row of logits."""
    batch = np.repeat(logits[None], draws_per_seed, axis=0)
    counts = np.zeros(len(logits))
    for seed in range(seeds):
        chosen = choose_next_token(
            batch,
            np.zeros_like(batch),
            settings(temperature=temperature, seed=seed),
            tf.constant(0),
        )
        counts += np.bincount(np.asarray(chosen), minlength=len(logits))
    return counts / counts.sum()


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def test_temperature_samples_from_softmax_of_logits_over_t():
    logits = np.array([2.0, 1.0, 0.0, -1.0], "float32")
    frequencies = {t: empirical_frequencies(logits, t) for t in (0.5, 1.0, 2.0)}
    for t, observed in frequencies.items():
        # 10,000 draws: the standard error of each frequency is at most 0.005.
        np.testing.assert_allclose(observed, softmax(logits / t), atol=0.02)
    # T < 1 sharpens (more mass on the top token), T > 1 flattens.
    top = [frequencies[t][0] for t in (0.5, 1.0, 2.0)]
    assert top[0] > top[1] + 0.1 and top[1] > top[2] + 0.1
    assert frequencies[2.0][3] > frequencies[1.0][3] > frequencies[0.5][3]


@pytest.mark.parametrize("temperature", [0.05, 1.0, 20.0])
def test_greedy_ignores_temperature_and_seed(temperature):
    for seed in range(3):
        chosen = choose_next_token(
            ROWS,
            np.zeros_like(ROWS),
            settings(greedy=True, temperature=temperature, seed=seed),
            tf.constant(seed),
        )
        np.testing.assert_array_equal(np.asarray(chosen), ROWS.argmax(-1))


def test_greedy_takes_the_most_likely_token_after_the_repetition_penalty():
    logits = np.array([[3.0, 2.0, 0.0]], "float32")
    presence = np.array([[1.0, 0.0, 0.0]], "float32")
    chosen = choose_next_token(logits, presence, settings(greedy=True, repetition_penalty=2.0), 0)
    assert np.asarray(chosen).tolist() == [1]
