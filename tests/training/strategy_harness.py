"""Trains a small model of a family under a `tf.distribute` strategy, in its own process.

The tests run this file as a script, because the devices a strategy spreads
over are fixed when TensorFlow initialises: splitting the CPU into logical
devices, or joining a `TF_CONFIG` cluster, must come before any TensorFlow
operation of the process.

    python strategy_harness.py mirrored --family gpt --out result.json
        Splits the CPU into two logical devices and trains the family's model
        twice from the same weights on the same data: on one device, then
        under `MirroredStrategy` over both. Writes both runs' per-step losses
        and the one-device run's gradient norms before clipping.

    TF_CONFIG=... python strategy_harness.py multi_worker --family gpt \
            --run-dir RUN --out worker.json
        One worker of a `MultiWorkerMirroredStrategy` cluster (the kind
        `strategy("auto")` picks from `TF_CONFIG`): trains into RUN and
        writes its per-step losses and whether it is the chief.

A family plugs in with an entry in `FAMILIES`: a builder of a small model and
its `(inputs, targets)` datasets, from kerazoo's own data pipeline.
"""

import argparse
import dataclasses
import json
import os
import pathlib
import sys
from typing import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

STEPS = 6
EPOCHS = 2
GLOBAL_BATCH_SIZE = 8
SEED = 11


@dataclasses.dataclass(frozen=True)
class FamilySetup:
    """How to train one family in these runs."""

    build: Callable  # () -> a built keras.Model.
    datasets: Callable  # () -> (train, validation) tf.data.Datasets of global batches.


def _gpt_setup():
    import numpy as np

    import kerazoo.data
    import kerazoo.models

    vocabulary, length = 32, 16

    def build():
        return kerazoo.models.build(
            "gpt", num_layers=2, num_heads=2, hidden_dim=32, intermediate_dim=64,
            max_sequence_length=length, vocabulary_size=vocabulary,
        )

    def datasets():
        # A noisy counting sequence: learnable, so the loss falls.
        rng = np.random.default_rng(SEED)
        tokens = (np.arange(4000) + rng.integers(0, 3, 4000)) % vocabulary
        return kerazoo.data.causal_lm_datasets_from_token_ids(
            tokens, length, GLOBAL_BATCH_SIZE, seed=SEED
        )

    return FamilySetup(build, datasets)


FAMILIES = {"gpt": _gpt_setup}


def _build(setup, strategy, weights=None, precision="float32"):
    import keras

    from kerazoo.training import precision as policy

    keras.utils.set_random_seed(SEED)
    with strategy.scope(), policy(precision):
        model = setup.build()
    if weights is not None:
        model.set_weights(weights)
    return model


def _config():
    from kerazoo.training import TrainConfig

    # No XLA: XLA's CPU code cannot read a variable of another logical CPU
    # device, which is how these tests stand in for several GPUs.
    return TrainConfig(steps=STEPS, epochs=EPOCHS, peak_learning_rate=1e-2, warmup_steps=1,
                       global_clipnorm=1.0, jit_compile=False)


def _train(model, setup, run_dir, callbacks=()):
    """The history of a run of `STEPS` steps."""
    from kerazoo.training import train

    train_ds, validation_ds = setup.datasets()
    return train(
        model, train_ds, validation_ds.take(2), run_dir, _config(), callbacks, verbose=0
    )


def _gradient_norm_recorder():
    """A callback that records each step's global gradient norm before clipping.

    Its `norms` (a variable of `STEPS` values) are what the optimizer receives,
    so they tell whether `global_clipnorm` acted on a step. For one device.
    """
    import keras
    import tensorflow as tf

    class GradientNorms(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            optimizer = self.model.optimizer
            self.norms = tf.Variable(tf.zeros([STEPS]), trainable=False)
            apply = optimizer.apply

            def apply_recording(grads, trainable_variables=None):
                grads = list(grads)
                step = tf.cast(optimizer.iterations, tf.int32)
                self.norms[step].assign(tf.linalg.global_norm(grads))
                return apply(grads, trainable_variables)

            optimizer.apply = apply_recording

    return GradientNorms()


def mirrored(setup, out):
    import tensorflow as tf

    (cpu,) = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )
    from kerazoo.training import strategy

    folder = pathlib.Path(out).parent
    single = _build(setup, strategy("default"))
    two = strategy("mirrored", devices=["/cpu:0", "/cpu:1"])
    single_history_start = single.get_weights()
    replicated = _build(setup, two, weights=single_history_start)
    gradient_norms = _gradient_norm_recorder()
    single_history = _train(single, setup, folder / "single", [gradient_norms])
    replicated_history = _train(replicated, setup, folder / "mirrored")
    weight_difference = max(
        float(abs(a - b).max())
        for a, b in zip(single.get_weights(), replicated.get_weights())
    )
    # Loss scaling across replicas: every replica must skip the same steps.
    half = _build(setup, two, weights=single_history_start, precision="mixed_float16")
    half_history = _train(half, setup, folder / "mirrored-float16")
    _write(out, {
        "overflow_seen_by": _overflow_seen_by(two),
        "replicas": two.num_replicas_in_sync,
        "single": single_history["steps"]["loss"],
        "mirrored": replicated_history["steps"]["loss"],
        "max_weight_difference": weight_difference,
        "global_clipnorm": _config().global_clipnorm,
        "single_gradient_norms": gradient_norms.norms.numpy().tolist(),
        "mirrored_float16": half_history["steps"]["loss"],
        "loss_scale": float(half.optimizer.dynamic_scale.numpy()),
    })


def _overflow_seen_by(strategy):
    """Which replicas' loss-scale optimizer sees an overflow only replica 1 has."""
    import keras
    import tensorflow as tf

    from kerazoo.training.strategy import sum_replica_gradients_first

    with strategy.scope():
        optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.AdamW())
    sum_replica_gradients_first(optimizer)

    def check():
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        gradient = tf.where(replica == 1, float("inf"), 1.0)
        return tf.logical_not(optimizer.check_finite([tf.fill([3], gradient)]))

    seen = strategy.run(tf.function(check))
    return [bool(v) for v in strategy.experimental_local_results(seen)]


def multi_worker(setup, run_dir, out):
    import tensorflow as tf

    from kerazoo.training import strategy

    # First, before TensorFlow runs anything: collectives need the cluster.
    cluster = strategy("auto")
    history = _train(_build(setup, cluster), setup, run_dir)
    _write(out, {
        "multi_worker": isinstance(cluster, tf.distribute.MultiWorkerMirroredStrategy),
        "replicas": cluster.num_replicas_in_sync,
        "chief": cluster.extended.should_checkpoint,
        "losses": history["steps"]["loss"],
    })


def _write(path, result):
    pathlib.Path(path).write_text(json.dumps(result), encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["mirrored", "multi_worker"])
    parser.add_argument("--family", choices=sorted(FAMILIES), default="gpt")
    parser.add_argument("--run-dir", default=None, help="run folder (multi_worker)")
    parser.add_argument("--out", required=True, help="JSON result file")
    args = parser.parse_args(argv)
    setup = FAMILIES[args.family]()
    if args.mode == "mirrored":
        mirrored(setup, args.out)
    else:
        multi_worker(setup, args.run_dir, args.out)


if __name__ == "__main__":
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
    main()
