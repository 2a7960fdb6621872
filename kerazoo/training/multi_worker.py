"""Keras `fit` on a `MultiWorkerMirroredStrategy` cluster of several workers.

Keras 3's TensorFlow trainer fails there in two places (keras-team/keras
issue 20585, open for Keras 3.15):

- before training, `fit` averages the first batch over all replicas to build
  the metrics symbolically, and across workers `strategy.reduce` does not
  take an `(inputs, targets)` tuple;
- after every step it averages the logged metrics over all replicas with
  `strategy.reduce("MEAN", value, axis=0)`, which fails on the scalars that
  `train_step` returns.

`fit_across_workers` patches one model for the duration of its `fit`: with
no strategy recorded on the model, keras reads the strategy in scope and
builds the metrics when the train step is first traced, and the step's logs
get an axis of length one to be averaged over. The logged values are the
same as on one worker: keras metrics already sum their state over replicas.
"""

import contextlib
from typing import Iterator

import keras
import tensorflow as tf


def spans_workers(strategy: tf.distribute.Strategy) -> bool:
    """Whether `strategy` is a `MultiWorkerMirroredStrategy` over >1 worker."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return False
    cluster = strategy.cluster_resolver.cluster_spec().as_dict()
    return sum(len(cluster.get(job, ())) for job in ("chief", "worker")) > 1


@contextlib.contextmanager
def fit_across_workers(
    model: keras.Model, strategy: tf.distribute.Strategy
) -> Iterator[None]:
    """Lets `model.fit` run under `strategy` when it spans several workers.

    Call `fit` inside `strategy.scope()` and inside this block. Under any
    other strategy the block changes nothing.

    Args:
        model: A compiled model built under `strategy`.
        strategy: The strategy `fit` runs under.
    """
    if not spans_workers(strategy):
        yield
        return
    recorded = model._distribute_strategy
    model._distribute_strategy = None
    model.train_step = _with_replica_axis(model.train_step)
    model.test_step = _with_replica_axis(model.test_step)
    try:
        yield
    finally:
        del model.train_step, model.test_step
        model._distribute_strategy = recorded


def _with_replica_axis(step):
    def step_with_axis(data):
        return tf.nest.map_structure(lambda value: tf.reshape(value, [1]), step(data))

    return step_with_axis
