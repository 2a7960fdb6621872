import numpy as np
import tensorflow as tf

from kerazoo.generation.sampling import apply_repetition_penalty, filter_top_k_top_p

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
