"""`tf.data` pipelines for causal language modelling (next-token prediction).

Text -> one int32 array of token ids -> nanoGPT's split (the first 90 % of
the tokens for training, the last 10 % for validation) -> windows of
`sequence_length + 1` tokens -> `(inputs, targets)` with the targets the
inputs shifted by one token.

Training windows start at every offset of the training tokens, in an order
that is a seeded permutation of all start offsets, drawn again for each pass
over them. The permutation comes from TensorFlow's stateless index shuffle,
so neither the windows nor their start offsets are ever materialized. The
training set repeats forever: train with `fit(..., steps_per_epoch=N)`.
Batch `k` depends only on the seed and `k`, so `train.skip(k)` continues
exactly where a run that stopped after `k` steps left off (`kerazoo.training
.train` resumes that way). Validation windows do not overlap and come in
order, once.

Both datasets yield global batches. Under `MultiWorkerMirroredStrategy` every
worker builds the same pipeline and keeps its replicas' share of each batch
(data sharding), so the workers together train on the batches one device
would.
"""

from typing import NamedTuple

import numpy as np
import tensorflow as tf

from kerazoo.data.corpus import load_documents, tokenize_documents

DEFAULT_SEED = 1337  # nanoGPT's.


class CausalLMDatasets(NamedTuple):
    """The training and validation datasets of one corpus.

    Both yield `(inputs, targets)`, each (batch_size, sequence_length) int32;
    `inputs` feeds a model's `token_ids` input directly.
    """

    train: tf.data.Dataset  # Infinite, shuffled.
    validation: tf.data.Dataset  # Finite, in order.


def causal_lm_datasets(
    source,
    tokenizer,
    sequence_length,
    batch_size,
    validation_fraction=0.1,
    seed=DEFAULT_SEED,
    *,
    data_dir=None,
    text_feature="text",
    progress=True,
):
    """Training and validation datasets for next-token prediction on a corpus.

    `batch_size` is the global batch size: under a `tf.distribute` strategy,
    `strategy.experimental_distribute_dataset` (which `fit` applies) splits
    each batch across the replicas.

    Args:
        source: a text file (`.txt`/`.gz`), a list of them, or
            `tfds:NAME[/CONFIG][:SPLIT]` (see `load_documents`).
        tokenizer: a kerazoo tokenizer.
        sequence_length: int > 0, tokens per example.
        batch_size: int > 0, examples per batch (global, see above).
        validation_fraction: float in (0, 1), the share of tokens, taken from
            the end, kept for validation.
        seed: int; the same seed gives the same batches.
        data_dir: where TFDS datasets are prepared (TFDS sources only).
        text_feature: str, the TFDS feature holding the text.
        progress: bool, show a progress bar while tokenizing.

    Returns:
        `CausalLMDatasets(train, validation)`, each yielding `(inputs,
        targets)` of shape (batch_size, sequence_length), int32.

    Example:
    ```python
    corpus = "data/tinyshakespeare.txt"
    tokenizer = CharTokenizer.from_corpus(read_text_file(corpus))
    train, validation = causal_lm_datasets(
        corpus, tokenizer, sequence_length=64, batch_size=32
    )
    model.fit(train, steps_per_epoch=500, validation_data=validation, epochs=10)
    ```
    """
    _check_arguments(sequence_length, batch_size, validation_fraction, seed)
    documents = load_documents(source, data_dir=data_dir, text_feature=text_feature)
    token_ids = tokenize_documents(documents, tokenizer, progress=progress)
    return causal_lm_datasets_from_token_ids(
        token_ids, sequence_length, batch_size, validation_fraction, seed
    )


def causal_lm_datasets_from_token_ids(
    token_ids,
    sequence_length,
    batch_size,
    validation_fraction=0.1,
    seed=DEFAULT_SEED,
    *,
    validation_token_ids=None,
):
    """`causal_lm_datasets` for a corpus that is already token ids.

    Args:
        token_ids: 1-D integer array-like, the whole corpus's ids in order.
        sequence_length, batch_size, validation_fraction, seed: see
            `causal_lm_datasets`.
        validation_token_ids: 1-D integer array-like or None. A corpus with
            its own validation split (the Penn Treebank): all of
            `token_ids` trains and these ids validate, and
            `validation_fraction` is unused. None: nanoGPT's split of
            `token_ids`.

    Returns:
        `CausalLMDatasets`.

    Raises:
        ValueError: If either split is too short: training needs at least
            `sequence_length + 1` tokens, validation enough for `batch_size`
            windows.
    """
    _check_arguments(sequence_length, batch_size, validation_fraction, seed)
    if validation_token_ids is None:
        train_ids, validation_ids = split_token_ids(token_ids, validation_fraction)
    else:
        # Checked as split_token_ids checks; nothing is taken from the end.
        train_ids = np.concatenate(split_token_ids(token_ids, 0.5))
        validation_ids = np.concatenate(split_token_ids(validation_token_ids, 0.5))
    window = sequence_length + 1
    if len(train_ids) < window:
        raise ValueError(
            f"The corpus is too short: its {len(train_ids)} training tokens (of "
            f"{len(train_ids) + len(validation_ids)}) make no window of "
            f"sequence_length + 1 = {window} tokens. Use a longer corpus or a "
            "smaller `sequence_length`."
        )
    validation_windows = (len(validation_ids) - 1) // sequence_length
    if validation_windows < batch_size:
        raise ValueError(
            f"The corpus is too short: its {len(validation_ids)} validation "
            f"tokens make {max(validation_windows, 0)} window(s) of "
            f"sequence_length={sequence_length}, fewer than one batch of "
            f"batch_size={batch_size}. Use a longer corpus, a larger "
            "`validation_fraction`, or a smaller `sequence_length` or `batch_size`."
        )
    return CausalLMDatasets(
        train=_train_dataset(train_ids, sequence_length, batch_size, seed),
        validation=_validation_dataset(validation_ids, sequence_length, batch_size),
    )


def split_token_ids(token_ids, validation_fraction=0.1):
    """nanoGPT's split: the first `1 - validation_fraction` of the tokens train.

    Args:
        token_ids: 1-D integer array-like.
        validation_fraction: float in (0, 1).

    Returns:
        (train_ids, validation_ids), int32 NumPy arrays that together are
        `token_ids`; training has `int(n * (1 - validation_fraction))` ids.
    """
    _check_fraction(validation_fraction)
    token_ids = np.asarray(token_ids)
    if token_ids.ndim != 1:
        raise ValueError(
            f"`token_ids` must be 1-D. Received: token_ids of shape {token_ids.shape}."
        )
    if token_ids.size and not np.issubdtype(token_ids.dtype, np.integer):
        raise TypeError(
            f"`token_ids` must hold integers. Received: dtype {token_ids.dtype}."
        )
    limits = np.iinfo(np.int32)
    outside = token_ids[(token_ids < 0) | (token_ids > limits.max)]
    if outside.size:
        raise ValueError(
            f"`token_ids` must be in [0, {limits.max}] (int32 ids). Received: id "
            f"{int(outside[0])}."
        )
    token_ids = token_ids.astype(np.int32)
    train_size = int(len(token_ids) * (1 - validation_fraction))
    return token_ids[:train_size], token_ids[train_size:]


def _train_dataset(token_ids, sequence_length, batch_size, seed):
    num_starts = len(token_ids) - sequence_length
    token_ids = tf.constant(token_ids, tf.int32)
    last_start = tf.constant(num_starts - 1, tf.int64)
    seed = tf.constant(seed, tf.int64)

    def shuffled_starts(positions):  # positions: (batch,) int64, counting up.
        passes = positions // num_starts
        # The pass number is part of the seed, so each pass has a new order. The
        # raw op, because the `index_shuffle` wrapper mis-pads per-row seeds.
        seeds = tf.stack(
            [tf.fill(tf.shape(passes), seed), passes, tf.zeros_like(passes)], axis=1
        )  # (batch, 3)
        return tf.raw_ops.RandomIndexShuffle(
            index=positions % num_starts, seed=seeds, max_index=last_start, rounds=4
        )

    positions = tf.data.Dataset.counter().batch(batch_size, drop_remainder=True)
    starts = positions.map(shuffled_starts)
    return _windows(starts, token_ids, sequence_length)


def _validation_dataset(token_ids, sequence_length, batch_size, drop_remainder=True):
    num_windows = (len(token_ids) - 1) // sequence_length
    token_ids = tf.constant(token_ids, tf.int32)
    starts = tf.data.Dataset.range(0, num_windows * sequence_length, sequence_length)
    starts = starts.batch(batch_size, drop_remainder=drop_remainder)
    return _windows(starts, token_ids, sequence_length)


def causal_lm_evaluation_dataset(token_ids, sequence_length, batch_size):
    """Every non-overlapping window of a corpus, in order, once.

    Each token but the first is a target exactly once (up to the last
    `sequence_length` - 1 tokens, which fill no whole window), so the mean
    loss over this dataset is the corpus's loss per token.

    Args:
        token_ids: 1-D integer array-like, the corpus in order.
        sequence_length: int >= 1, tokens per window (the model's context).
        batch_size: int >= 1; the last batch may be smaller.

    Returns:
        A finite dataset of `(inputs, targets)`, each (batch, sequence_length)
        int32.

    Raises:
        ValueError: If the corpus holds no window of `sequence_length + 1`
            tokens.
    """
    _check_arguments(sequence_length, batch_size, 0.5, DEFAULT_SEED)
    token_ids = np.asarray(token_ids, np.int32)
    if len(token_ids) < sequence_length + 1:
        raise ValueError(
            f"The text is too short to evaluate: {len(token_ids)} tokens make no "
            f"window of sequence_length + 1 = {sequence_length + 1} tokens. Pass "
            "a longer text."
        )
    return _validation_dataset(token_ids, sequence_length, batch_size, drop_remainder=False)


class ContiguousBatches(NamedTuple):
    """Batches for truncated back-propagation through time (see
    `causal_lm_contiguous_batches`)."""

    dataset: tf.data.Dataset  # One pass, in order; `.repeat()` for more.
    steps_per_pass: int  # Batches in one pass over the corpus.


def causal_lm_contiguous_batches(token_ids, sequence_length, batch_size):
    """The corpus as `batch_size` parallel streams, cut into consecutive windows.

    The standard truncated-BPTT layout of recurrent language models on the
    Penn Treebank (Zaremba et al. 2014; TensorFlow's PTB tutorial's
    `ptb_producer`): the ids are cut into `batch_size` rows of equal length
    (the last `len % batch_size` ids are dropped); batch `k` holds columns
    `k * sequence_length ..` of every row as inputs and the next ids as
    targets. Row `r` of batch `k + 1` continues row `r` of batch `k`, so a
    model that carries its recurrent state from one batch to the next (and
    resets it when a pass starts, every `steps_per_pass` batches) reads
    each row as one long sequence: every id but the first of a row is a
    target exactly once per pass, with all of the row before it as context.

    Under a distribution strategy each replica keeps the same rows of every
    batch (the `DATA` auto-shard policy splits a batch by rows), so each
    replica's streams stay contiguous too.

    Args:
        token_ids: 1-D integer array-like, the corpus in order.
        sequence_length: int >= 1, the truncation length (columns per batch).
        batch_size: int >= 1, the number of streams (rows).

    Returns:
        `ContiguousBatches(dataset, steps_per_pass)`: `dataset` yields one
        pass of `(inputs, targets)`, each (batch_size, sequence_length)
        int32; `steps_per_pass` is `(len(token_ids) // batch_size - 1) //
        sequence_length`.

    Raises:
        ValueError: If the corpus is too short for one batch.

    Example:
    >>> batches = causal_lm_contiguous_batches(range(13), 2, 2)
    >>> batches.steps_per_pass
    2
    >>> [(x.numpy().tolist(), y.numpy().tolist()) for x, y in batches.dataset]
    [([[0, 1], [6, 7]], [[1, 2], [7, 8]]), ([[2, 3], [8, 9]], [[3, 4], [9, 10]])]
    """
    _check_arguments(sequence_length, batch_size, 0.5, DEFAULT_SEED)
    token_ids = np.concatenate(split_token_ids(token_ids, 0.5))
    row_length = len(token_ids) // batch_size
    steps = (row_length - 1) // sequence_length
    if steps < 1:
        raise ValueError(
            f"The corpus is too short: its {len(token_ids)} tokens make {batch_size} "
            f"streams of {row_length} tokens, too few for one window of "
            f"sequence_length + 1 = {sequence_length + 1}. Use a longer corpus or a "
            "smaller `batch_size` or `sequence_length`."
        )
    rows = token_ids[: batch_size * row_length].reshape(batch_size, row_length)
    width = steps * sequence_length
    inputs = rows[:, :width].reshape(batch_size, steps, sequence_length)
    targets = rows[:, 1 : width + 1].reshape(batch_size, steps, sequence_length)
    # (steps, batch, time): one element per batch, in order.
    dataset = tf.data.Dataset.from_tensor_slices(
        (inputs.transpose(1, 0, 2), targets.transpose(1, 0, 2))
    )
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA
    )
    return ContiguousBatches(dataset.with_options(options).prefetch(tf.data.AUTOTUNE), steps)


def _windows(starts, token_ids, sequence_length):
    """Maps batches of start offsets to (inputs, targets) batches."""
    offsets = tf.range(sequence_length + 1, dtype=tf.int64)

    def gather(batch_starts):  # (batch,)
        windows = tf.gather(token_ids, batch_starts[:, None] + offsets)  # (batch, time + 1)
        return windows[:, :-1], windows[:, 1:]

    windows = starts.map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    # There are no files to split between workers: each keeps its share of
    # every batch.
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA
    )
    return windows.with_options(options).prefetch(tf.data.AUTOTUNE)


def _check_arguments(sequence_length, batch_size, validation_fraction, seed):
    for name, value in (("sequence_length", sequence_length), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"`{name}` must be an int. Received: {name}={value!r}.")
        if value <= 0:
            raise ValueError(f"`{name}` must be a positive int. Received: {name}={value}.")
    _check_fraction(validation_fraction)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"`seed` must be an int. Received: seed={seed!r}.")


def _check_fraction(validation_fraction):
    if isinstance(validation_fraction, bool) or not isinstance(
        validation_fraction, (int, float, np.floating)
    ):
        raise TypeError(
            f"`validation_fraction` must be a float. Received: {validation_fraction!r}."
        )
    if not 0 < validation_fraction < 1:
        raise ValueError(
            "`validation_fraction` must be in (0, 1), exclusive. Received: "
            f"validation_fraction={validation_fraction}."
        )
