"""Training any kerazoo model end to end, resumably: `train`."""

import contextlib
import os
import pathlib
import shutil
import tempfile
from typing import Iterator, Sequence

import keras
import tensorflow as tf

from kerazoo.training.backup import restore_backup
from kerazoo.training.callbacks import BACKUP_DIR, HISTORY_FILE, default_callbacks
from kerazoo.training.compiling import compile_model
from kerazoo.training.config import TrainConfig
from kerazoo.training.multi_worker import fit_across_workers
from kerazoo.training.nan_guard import NanGuard
from kerazoo.training.optimizers import optimizer_for
from kerazoo.training.run_guard import (
    FINISHED,
    describe_finished,
    record_finish,
    record_start,
    run_settings,
    run_state,
)
from kerazoo.training.run_history import RunHistory, read_history
from kerazoo.training.run_lock import run_lock
from kerazoo.training.strategy import per_replica_batch_size, sum_replica_gradients_first
from kerazoo.utils.checks import check_path, check_type


def train(
    model: keras.Model,
    train_ds: tf.data.Dataset,
    validation_ds: tf.data.Dataset | None,
    run_dir: str | os.PathLike,
    config: TrainConfig,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int | str = "auto",
    loss: keras.losses.Loss | None = None,
    metrics: Sequence[keras.metrics.Metric] | None = None,
    overwrite: bool = False,
    settings: dict | None = None,
    on_finish=None,
) -> dict:
    """Trains `model` for `config.steps` optimizer updates, resumably.

    Builds the optimizer `config` names on its schedule (`optimizer_for`;
    by default AdamW with the warmup-cosine schedule), compiles
    with the task's loss and metrics (`compile_model`; by default the
    token-mean cross-entropy and perplexity of a causal LM), and fits for `config.epochs` epochs of `config.steps_per_epoch` steps with
    keras progress bars and `default_callbacks(run_dir)`. `train_ds` is
    repeated, so one epoch need not be one pass over the data.

    A run folder holds one run (`run_guard`): `train` records its settings
    (the model's config, `config`, the datasets' element spec and
    `settings`) when it starts, and locks the folder while it trains, so a
    second process training into it is refused. Calling it again on a
    finished run with the same settings trains nothing and returns its
    history; on a run with other settings (more steps included) it refuses,
    naming them, unless `overwrite`, which clears the folder first.

    If an earlier call with the same `run_dir` was interrupted, this one
    resumes after the last finished epoch (see `EpochBackup`), with its
    weights and optimizer state, and skips the batches of `train_ds` those
    epochs consumed: when batch `k` of `train_ds` depends only on `k` (as in
    `causal_lm_datasets`), the resumed run trains on the same batches, and
    ends with the same weights, as a run that was never stopped. The history
    and learning curve carry on from there. Call it with the same model
    architecture and config.

    Under a `tf.distribute` strategy, build the model inside its scope; `train`
    may then be called inside that scope or outside any scope. The datasets
    yield global batches, which `fit` splits across the replicas, so their
    batch size must be a multiple of the number of replicas. With
    `MultiWorkerMirroredStrategy` every worker calls `train` with the same
    arguments; `run_dir` must be a folder every worker can read (a shared
    file system), since all of them resume from its backup. Only the chief
    writes there; the others write to a temporary folder that is removed at
    the end, and the history they return covers only the epochs of this call.

    Args:
        model: A built model. Its previous compile state is replaced.
        train_ds: Batches of `(inputs, targets)` or `(inputs, targets,
            sample_weights)`: `inputs` a tensor or a dict of tensors keyed by
            the model's input names (e.g. `token_ids`, `padding_mask`, int32),
            `targets` what `loss` compares the outputs with (for a causal LM,
            int token ids `(batch, time)`), `sample_weights` per-target
            weights (0 on padding).
        validation_ds: Finite batches like `train_ds`, evaluated in full after
            every epoch, or `None`.
        run_dir: The run folder; see `default_callbacks` for its contents.
        config: Steps, epochs and optimizer settings.
        callbacks: Extra callbacks, called after the default ones.
        verbose: Keras `fit` verbosity: `"auto"`, 0 (silent), 1 (progress
            bar) or 2 (one line per epoch). Defaults to `"auto"`.
        loss: The task's loss; None for the causal-LM loss.
        metrics: The task's metrics; None for perplexity with the causal-LM
            loss.
        overwrite: Replace a run with other settings in `run_dir`, its logs
            and checkpoints included.
        settings: JSON-serializable facts that also identify the run (the
            data source, the tokenizer, ...), compared like the rest.
        on_finish: called on the chief as `on_finish(history)` after the
            last epoch and before the run is marked finished, still holding
            the lock (to save the model and its tokenizer, say): a kill
            before it ends leaves a run that resumes, not a finished run
            missing its files.

    Returns:
        The whole run's history, as written to `run_dir/history.json`
        (layout in `run_history.empty_history`), including epochs finished
        before a resume.

    Raises:
        TypeError: If an argument has the wrong type, or a dataset does not
            yield `(inputs, targets[, sample_weights])` tuples of tensors.
        ValueError: If `model` is not built, was built outside the
            distribution strategy now in scope, a dataset's batch size does
            not split over the replicas, `run_dir` holds a run with other
            settings (without `overwrite`) or is being trained by another
            process, or the backup in `run_dir` was made with other steps per
            epoch.
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

    strategy = _strategy_of(model)
    _check_batch_size("train_ds", train_ds, strategy)
    if validation_ds is not None:
        _check_batch_size("validation_ds", validation_ds, strategy)
    chief = strategy.extended.should_checkpoint
    recorded = run_settings(model, config, train_ds, settings)
    with run_lock(run_dir) if chief else contextlib.nullcontext():
        state = run_state(run_dir, recorded, overwrite, clear=chief)
        if state == FINISHED:
            if verbose != 0:
                print(f"{describe_finished(run_dir)}: nothing to train.")
            return read_history(run_dir / HISTORY_FILE)
        if chief:
            record_start(run_dir, recorded)
        history = _fit(model, train_ds, validation_ds, run_dir, config, callbacks,
                       verbose, loss, metrics, strategy)
        if chief:
            if on_finish is not None:
                on_finish(history)
            record_finish(run_dir, recorded)
    return history


def _fit(model, train_ds, validation_ds, run_dir, config, callbacks, verbose, loss,
         metrics, strategy):
    """Compile and fit; resume from the backup; the run's whole history."""
    with strategy.scope(), _writable_run_dir(run_dir, strategy) as own_dir:
        optimizer = optimizer_for(model, config)
        compile_model(
            model,
            optimizer,
            loss=loss,
            metrics=metrics,
            jit_compile=config.jit_compile,
            steps_per_execution=config.steps_per_execution,
        )
        if strategy.num_replicas_in_sync > 1:
            sum_replica_gradients_first(model.optimizer)
        defaults = default_callbacks(own_dir, keep_checkpoints=config.keep_checkpoints)
        # Every worker resumes from the chief's backup.
        initial_epoch = restore_backup(
            model, run_dir / BACKUP_DIR, config.steps_per_epoch
        )
        if initial_epoch and verbose != 0:
            print(
                f"Resuming {run_dir} after epoch {initial_epoch} of "
                f"{config.epochs} (step {initial_epoch * config.steps_per_epoch})."
            )
        with fit_across_workers(model, strategy):
            model.fit(
                train_ds.repeat().skip(initial_epoch * config.steps_per_epoch),
                validation_data=validation_ds,
                initial_epoch=initial_epoch,
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


@contextlib.contextmanager
def _writable_run_dir(
    run_dir: pathlib.Path, strategy: tf.distribute.Strategy
) -> Iterator[pathlib.Path]:
    """`run_dir` on the chief; a temporary folder, removed after, elsewhere.

    Workers other than the chief run the same callbacks (saving can involve
    every worker), but their files would overwrite the chief's.
    """
    if strategy.extended.should_checkpoint:
        yield run_dir
        return
    own_dir = pathlib.Path(tempfile.mkdtemp(prefix="kerazoo-worker-"))
    try:
        yield own_dir
    finally:
        shutil.rmtree(own_dir, ignore_errors=True)


def _check_batch_size(name: str, dataset: tf.data.Dataset, strategy) -> None:
    batch_size = tf.nest.flatten(dataset.element_spec[0])[0].shape[0]
    if batch_size is not None and strategy.num_replicas_in_sync > 1:
        try:
            per_replica_batch_size(batch_size, strategy)
        except ValueError as error:
            raise ValueError(f"`{name}`: {error}") from None


def _check_dataset(name: str, dataset) -> None:
    check_type(name, dataset, tf.data.Dataset, "a tf.data.Dataset")
    spec = dataset.element_spec
    if not (
        isinstance(spec, tuple)
        and len(spec) in (2, 3)
        and all(isinstance(s, tf.TensorSpec) for s in tf.nest.flatten(spec))
    ):
        raise TypeError(
            f"`{name}` must yield (inputs, targets) or (inputs, targets, "
            "sample_weights) tuples, inputs a tensor or a dict of tensors; got "
            f"elements of spec {spec}."
        )
    inputs = tf.nest.flatten(spec[0])
    if not any(s.dtype.is_integer for s in inputs):
        raise TypeError(
            f"`{name}`: the inputs hold no integer tensor (token ids), got {spec[0]}. "
            "Tokenize the text first (kerazoo.data)."
        )
