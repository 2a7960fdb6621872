"""Choosing a `tf.distribute` strategy, and the batch size each replica gets.

Build the model and call `train` inside `strategy.scope()`; the datasets keep
the *global* batch size (the examples of one optimizer step, summed over every
replica of every worker), and `fit` splits each batch across the replicas. The
loss is a mean over the global batch, so the same global batch and learning
rate train the same way on one device or many. Scaling out by adding replicas
at a fixed per-replica batch grows the global batch; then scale the peak
learning rate with it (linearly for small batches, by the square root for
Adam-style optimizers at large ones) and keep the warmup.
"""

import json
import os

import keras
import tensorflow as tf

from kerazoo.utils.checks import check_int, check_type

KINDS = ("auto", "default", "mirrored", "multi_worker", "tpu")


def strategy(kind: str = "auto", devices=None) -> tf.distribute.Strategy:
    """The distribution strategy of kind `kind`.

    - `"auto"`: `"multi_worker"` when the `TF_CONFIG` environment variable
      describes a cluster, else `"mirrored"` when more than one GPU is
      visible, else `"default"`.
    - `"default"`: TensorFlow's default strategy: one device, no distribution.
    - `"mirrored"`: `tf.distribute.MirroredStrategy`, one replica per device
      of this machine with gradients all-reduced every step; on `devices`, or
      on every visible GPU (the CPU when there is none).
    - `"multi_worker"`: `tf.distribute.MultiWorkerMirroredStrategy`, one
      replica per GPU of every worker of the `TF_CONFIG` cluster. It must be
      created at program start, before TensorFlow runs any operation.
    - `"tpu"`: `tf.distribute.TPUStrategy` on the TPU named by the `TPU_NAME`
      environment variable, or this TPU VM's own TPU.

    Args:
        kind: One of `KINDS`. Defaults to `"auto"`.
        devices: Device names for `"mirrored"` (`["/gpu:0", "/gpu:1"]`), or
            `None` for every GPU. Only `"mirrored"` (and `"auto"` when it
            picks mirrored) takes devices.

    Returns:
        The strategy. Build models and compile inside its `scope()`.

    Raises:
        TypeError: If `kind` is not a string or `devices` not a list of them.
        ValueError: If `kind` is unknown, `devices` is given for a kind that
            does not take them, `TF_CONFIG` is missing or malformed for
            `"multi_worker"`, no TPU is found for `"tpu"`, or a strategy is
            already in scope for `"default"`.

    Example:

    >>> strategy("default").num_replicas_in_sync
    1
    """
    check_type("kind", kind, str, "a str")
    if kind not in KINDS:
        raise ValueError(f"`kind` must be one of {KINDS}, got {kind!r}.")
    if devices is not None:
        check_type("devices", devices, (list, tuple), "a list of device names")
        for device in devices:
            check_type("devices", device, str, "a list of device names")
    if kind == "auto":
        kind = auto_kind()
    if devices is not None and kind != "mirrored":
        raise ValueError(
            f"`devices`={list(devices)} only applies to kind 'mirrored', got "
            f"kind {kind!r}; leave `devices` as None."
        )
    if kind == "default":
        if tf.distribute.has_strategy():
            raise ValueError(
                "`kind`='default' asked for inside the scope of "
                f"{type(tf.distribute.get_strategy()).__name__}; call "
                "`strategy` outside any strategy scope."
            )
        return tf.distribute.get_strategy()
    if kind == "mirrored":
        return tf.distribute.MirroredStrategy(devices)
    if kind == "multi_worker":
        cluster_spec()  # Fails clearly instead of training as one worker.
        return tf.distribute.MultiWorkerMirroredStrategy()
    return _tpu_strategy()


def auto_kind() -> str:
    """The kind `strategy("auto")` picks on this machine, without creating it."""
    if os.environ.get("TF_CONFIG"):
        return "multi_worker"
    if len(tf.config.list_physical_devices("GPU")) > 1:
        return "mirrored"
    return "default"


def cluster_spec() -> dict:
    """The cluster of the `TF_CONFIG` environment variable, checked.

    `TF_CONFIG` is JSON: `{"cluster": {"worker": ["host:port", ...]},
    "task": {"type": "worker", "index": i}}`, the same cluster on every
    worker and each worker's own task.

    Returns:
        The `"cluster"` mapping: task type -> list of `"host:port"`.

    Raises:
        ValueError: If `TF_CONFIG` is missing, not JSON, or its cluster or
            task is malformed.
    """
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise ValueError(
            "Multi-worker training needs the TF_CONFIG environment variable, "
            'e.g. {"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
            '"task": {"type": "worker", "index": 0}}; it is not set.'
        )
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG must be JSON, got {text!r}: {error}.") from None
    cluster = config.get("cluster") if isinstance(config, dict) else None
    task = config.get("task") if isinstance(config, dict) else None
    if not (
        isinstance(cluster, dict)
        and cluster
        and all(isinstance(a, list) and a for a in cluster.values())
    ):
        raise ValueError(
            'TF_CONFIG must hold "cluster": a mapping from task type to a '
            f"non-empty list of host:port addresses, got {cluster!r}."
        )
    if not (
        isinstance(task, dict)
        and task.get("type") in cluster
        and isinstance(task.get("index"), int)
        and 0 <= task["index"] < len(cluster[task["type"]])
    ):
        raise ValueError(
            'TF_CONFIG must hold "task": {"type": T, "index": i} with T one of '
            f"{sorted(cluster)} and i an index into its addresses, got {task!r}."
        )
    return cluster


def per_replica_batch_size(
    global_batch_size: int, strategy: tf.distribute.Strategy
) -> int:
    """The examples each replica gets from a global batch.

    Args:
        global_batch_size: Examples per optimizer step over all replicas, >= 1.
        strategy: The strategy training runs under.

    Returns:
        `global_batch_size // strategy.num_replicas_in_sync`.

    Raises:
        ValueError: If the replicas do not split the global batch evenly.

    Example:

    >>> per_replica_batch_size(12, tf.distribute.get_strategy())
    12
    """
    check_int("global_batch_size", global_batch_size, low=1)
    replicas = strategy.num_replicas_in_sync
    if global_batch_size % replicas:
        raise ValueError(
            f"`global_batch_size`={global_batch_size} must split evenly over "
            f"the {replicas} replicas of {type(strategy).__name__}; use a "
            f"multiple of {replicas}."
        )
    return global_batch_size // replicas


def _tpu_strategy() -> tf.distribute.TPUStrategy:
    name = os.environ.get("TPU_NAME", "local")
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=name)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError) as error:
        reason = str(error).strip().split(". ")[0].rstrip(".")
        raise ValueError(
            f"`kind`='tpu' found no TPU {name!r} ({reason}). Run on a TPU "
            "VM, or set TPU_NAME to the TPU's name; on GPUs or CPUs use "
            "'auto'."
        ) from None
    return tf.distribute.TPUStrategy(resolver)


def sum_replica_gradients_first(optimizer: keras.optimizers.Optimizer) -> None:
    """Makes `optimizer` sum the replicas' gradients before it uses them.

    Keras 3 (TensorFlow backend) clips each replica's share of the gradient
    by `global_clipnorm` and only then sums the shares across replicas, so
    with N replicas the clip acts on norms about N times smaller than the
    gradient's and distributed training departs from single-device training
    whenever clipping is active. A `LossScaleOptimizer` likewise checks each
    replica's share for overflow on its own, so replicas can disagree about
    skipping a step. After this call the optimizer sums the gradients first
    (one all-reduce, as before), then clips, and a loss-scale optimizer skips
    a step on every replica when any replica overflowed: N replicas train
    like one device on the same global batch.

    Call it on a compiled model's `optimizer`, inside the strategy's scope.
    It changes this optimizer object only, not its class, so saved models
    still hold keras' own optimizer.

    Args:
        optimizer: A keras optimizer, possibly a `LossScaleOptimizer`.

    Raises:
        TypeError: If `optimizer` is not a keras optimizer.
        RuntimeError: If this Keras version no longer has the all-reduce
            step this relies on.
    """
    check_type("optimizer", optimizer, keras.optimizers.Optimizer, "a keras optimizer")
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        _agree_on_overflow(optimizer)
        optimizer = optimizer.inner_optimizer
    if not hasattr(type(optimizer), "_all_reduce_sum_gradients"):
        raise RuntimeError(
            f"Keras {keras.__version__} optimizers no longer sum gradients in "
            "`_all_reduce_sum_gradients`; kerazoo's distributed training "
            "needs updating for it."
        )
    apply = optimizer.apply

    def apply_summed(grads, trainable_variables=None):
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            grads = list(grads)
            present = [i for i, g in enumerate(grads) if g is not None]
            summed = context.all_reduce(
                tf.distribute.ReduceOp.SUM, [grads[i] for i in present]
            )
            for i, g in zip(present, summed):
                grads[i] = g
        return apply(grads, trainable_variables)

    optimizer.apply = apply_summed
    # `apply_summed` has summed them already.
    optimizer._all_reduce_sum_gradients = lambda grads_and_vars: grads_and_vars


def _agree_on_overflow(optimizer: keras.optimizers.LossScaleOptimizer) -> None:
    check_finite = optimizer.check_finite

    def check_finite_everywhere(grads):
        finite = check_finite(grads)
        context = tf.distribute.get_replica_context()
        if context is None or context.num_replicas_in_sync == 1:
            return finite
        overflowed = tf.cast(tf.logical_not(finite), tf.float32)
        return context.all_reduce(tf.distribute.ReduceOp.SUM, overflowed) == 0

    optimizer.check_finite = check_finite_everywhere
