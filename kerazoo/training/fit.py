"""Training a causal language model end to end: `train`."""

import os
from typing import Sequence

import keras
import tensorflow as tf

from kerazoo.training.callbacks import default_callbacks
from kerazoo.utils.checks import check_path, check_type
from kerazoo.training.compiling import compile_causal_lm
from kerazoo.training.config import TrainConfig
from kerazoo.training.nan_guard import NanGuard
from kerazoo.training.optimizers import build_optimizer
from kerazoo.training.run_history import RunHistory


def train(
    model: keras.Model,
    train_ds: tf.data.Dataset,
    validation_ds: tf.data.Dataset | None,
    run_dir: str | os.PathLike,
    config: TrainConfig,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int | str = "auto",
) -> dict:
    """Trains `model` for `config.steps` optimizer updates, resumably.

    Builds AdamW with the warmup-cosine schedule (`build_optimizer`), compiles
    with the token-mean cross-entropy and perplexity (`compile_causal_lm`),
    and fits for `config.epochs` epochs of `config.steps_per_epoch` steps with
    keras progress bars and `default_callbacks(run_dir)`. `train_ds` is
    repeated, so one epoch need not be one pass over the data.

    If an earlier call with the same `run_dir` was interrupted, this one
    resumes after the last finished epoch, with its weights and optimizer
    state; the history and learning curve carry on from there. Call it with
    the same model architecture and config.

    Under a `tf.distribute` strategy, build the model inside its scope; `train`
    may then be called inside that scope or outside any scope.

    Args:
        model: A built model mapping int32 `token_ids` `(batch, time)` to
            logits `(batch, time, vocab)`. Its previous compile state is
            replaced.
        train_ds: Batches of `(token_ids, targets)`, both int `(batch, time)`.
        validation_ds: Finite batches like `train_ds`, evaluated in full after
            every epoch, or `None`.
        run_dir: The run folder; see `default_callbacks` for its contents.
        config: Steps, epochs and optimizer settings.
        callbacks: Extra callbacks, called after the default ones.
        verbose: Keras `fit` verbosity: `"auto"`, 0 (silent), 1 (progress
            bar) or 2 (one line per epoch). Defaults to `"auto"`.

    Returns:
        The whole run's history, as written to `run_dir/history.json`
        (layout in `run_history.empty_history`), including epochs finished
        before a resume.

    Raises:
        TypeError: If an argument has the wrong type, or a dataset does not
            yield `(token_ids, targets)` pairs of integer tensors.
        ValueError: If `model` is not built, or was built outside the
            distribution strategy now in scope.
        FloatingPointError: If the training loss stopped being finite. The
            message names the optimizer step and the last good checkpoint.
    """
    check_type("model", model, keras.Model, "a keras.Model")
    _check_dataset("train_ds", train_ds)
    if validation_ds is not None:
        _check_dataset("validation_ds", validation_ds)
    run_dir = check_path("run_dir", run_dir)
    check_type("config", config, TrainConfig, "a TrainConfig")
    for callback in callbacks:
        check_type("callbacks", callback, keras.callbacks.Callback, "keras callbacks")

    with _strategy_of(model).scope():
        optimizer = build_optimizer(
            model,
            config.learning_rate_schedule(),
            weight_decay=config.weight_decay,
            beta_1=config.beta_1,
            beta_2=config.beta_2,
            global_clipnorm=config.global_clipnorm,
        )
        compile_causal_lm(
            model,
            optimizer,
            jit_compile=config.jit_compile,
            steps_per_execution=config.steps_per_execution,
        )
    defaults = default_callbacks(run_dir, keep_checkpoints=config.keep_checkpoints)
    # BackupAndRestore tells `fit` where to resume through this attribute and
    # keras never clears it, so a model trained again in the same process
    # would skip the epochs a previous resume skipped.
    model._initial_epoch = None
    model.fit(
        train_ds.repeat(),
        validation_data=validation_ds,
        epochs=config.epochs,
        steps_per_epoch=config.steps_per_epoch,
        callbacks=[*defaults, *callbacks],
        # The datasets are tf.data pipelines that shuffle themselves.
        shuffle=False,
        verbose=verbose,
    )
    (nan_guard,) = [c for c in defaults if isinstance(c, NanGuard)]
    if nan_guard.message is not None:
        raise FloatingPointError(nan_guard.message)
    (run_history,) = [c for c in defaults if isinstance(c, RunHistory)]
    return run_history.history


def _strategy_of(model: keras.Model) -> tf.distribute.Strategy:
    """The strategy to train `model` under: the one its variables belong to."""
    if not tf.distribute.has_strategy():
        return model.distribute_strategy
    in_scope = tf.distribute.get_strategy()
    foreign = [
        v.path
        for v in model.variables
        if not in_scope.extended.variable_created_in_scope(v.value)
    ]
    if foreign:
        raise ValueError(
            f"`model` {model.name!r} was not built under the distribution "
            f"strategy in scope ({type(in_scope).__name__}): variable "
            f"{foreign[0]!r} and {len(foreign) - 1} more were created outside "
            "it. Build the model inside `strategy.scope()`, or call `train` "
            "outside any strategy scope."
        )
    return in_scope


def _check_dataset(name: str, dataset) -> None:
    check_type(name, dataset, tf.data.Dataset, "a tf.data.Dataset")
    spec = dataset.element_spec
    if not (
        isinstance(spec, tuple)
        and len(spec) == 2
        and all(isinstance(s, tf.TensorSpec) and s.dtype.is_integer for s in spec)
    ):
        raise TypeError(
            f"`{name}` must yield (token_ids, targets) pairs of integer "
            f"tensors, got elements of spec {spec}."
        )
