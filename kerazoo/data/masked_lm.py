"""Masked-language-model pretraining data, as BERT's: packed segment pairs with 15% masked.

The token stream of a corpus is cut into windows of `sequence_length - 3` tokens; each window's
two halves are the segments A and B of `[CLS] A [SEP] B [SEP]` (keras-hub's
`MultiSegmentPacker`). keras-hub's `MaskedLMMaskGenerator` then selects 15% of the non-special
positions (rounded up: 10 of 61) and replaces 80% of those with `[MASK]`, 10% with a random token and keeps 10%. The
model predicts the original tokens at the selected positions only: the targets are `mask_ids`
and the sample weights `mask_weights` (0 where a row selected fewer than the most).
"""

import math
from typing import NamedTuple

import keras_hub
import numpy as np
import tensorflow as tf

MASK_RATE = 0.15


class MaskedLMDatasets(NamedTuple):
    train: tf.data.Dataset
    validation: tf.data.Dataset | None


def mask_selection_length(sequence_length):
    """The most positions masked in one row: 15% of `sequence_length`, rounded up."""
    return max(1, math.ceil(MASK_RATE * sequence_length))


def segment_pairs(token_ids, sequence_length):
    """(windows, sequence_length - 3) int32 windows of a token stream; partial tail dropped.

    Raises:
        ValueError: the stream is shorter than one window.
    """
    width = sequence_length - 3
    if width < 2:
        raise ValueError(f"`sequence_length` must be at least 5, got {sequence_length}.")
    count = len(token_ids) // width
    if count < 1:
        raise ValueError(
            f"The text has {len(token_ids)} tokens, fewer than one window of {width}; use more "
            "text or a shorter `--sequence-length`."
        )
    return np.asarray(token_ids[: count * width], np.int32).reshape(count, width)


def segment_packer(special_ids, sequence_length):
    """keras-hub's `MultiSegmentPacker`: `[CLS] A [SEP] B [SEP]`, cut round-robin, padded."""
    return keras_hub.layers.MultiSegmentPacker(
        sequence_length=sequence_length,
        start_value=special_ids["cls"],
        end_value=special_ids["sep"],
        pad_value=special_ids["pad"],
    )


def mask_packed(vocabulary_size, special_ids, sequence_length):
    """A function masking packed `(token_ids, segment_ids)` with keras-hub's
    `MaskedLMMaskGenerator` (15% selected; 80% `[MASK]`, 10% random, 10% kept); it returns
    `(inputs, mask_ids, mask_weights)` as `masked_lm_dataset` yields them."""
    generator = keras_hub.layers.MaskedLMMaskGenerator(
        vocabulary_size=vocabulary_size,
        mask_selection_rate=MASK_RATE,
        mask_selection_length=mask_selection_length(sequence_length),
        mask_token_id=special_ids["mask"],
        unselectable_token_ids=[special_ids["cls"], special_ids["sep"], special_ids["pad"]],
        mask_token_rate=0.8,
        random_token_rate=0.1,
    )

    def mask(token_ids, segment_ids):
        masked = generator(token_ids)
        inputs = {
            "token_ids": tf.cast(masked["token_ids"], tf.int32),
            "segment_ids": tf.cast(segment_ids, tf.int32),
            "padding_mask": tf.cast(token_ids != special_ids["pad"], tf.int32),
            "mask_positions": tf.cast(masked["mask_positions"], tf.int32),
        }
        return (inputs, tf.cast(masked["mask_ids"], tf.int32),
                tf.cast(masked["mask_weights"], tf.float32))

    return mask


def _masker(vocabulary_size, special_ids, sequence_length):
    packer = segment_packer(special_ids, sequence_length)
    mask_rows = mask_packed(vocabulary_size, special_ids, sequence_length)
    half = (sequence_length - 3) // 2

    def mask(windows):
        return mask_rows(*packer((windows[:, :half], windows[:, half:])))

    return mask


def _fixed_masks(windows, vocabulary_size, special_ids, sequence_length, rng):
    """One batch masked as `MaskedLMMaskGenerator` masks it, drawn from a NumPy generator.

    keras-hub's generator draws from TensorFlow's stateful random ops, whose seeds depend on
    the program that runs them, so masks drawn once for validation and evaluation come from
    here instead: the same windows and seed give the same masks in every process. As keras-hub
    (tf_text's `RandomItemSelector`), each row selects `ceil(15%)` of its real tokens.
    """
    rows, width = windows.shape
    half = (sequence_length - 3) // 2
    token_ids = np.full((rows, sequence_length), special_ids["pad"], np.int32)
    segment_ids = np.zeros((rows, sequence_length), np.int32)
    token_ids[:, 0] = special_ids["cls"]
    token_ids[:, 1:half + 1] = windows[:, :half]
    token_ids[:, half + 1] = special_ids["sep"]
    token_ids[:, half + 2:width + 2] = windows[:, half:]
    token_ids[:, width + 2] = special_ids["sep"]
    segment_ids[:, half + 2:width + 3] = 1
    selectable = np.r_[1:half + 1, half + 2:width + 2]
    return draw_fixed_masks(token_ids, segment_ids, [selectable] * rows, vocabulary_size,
                            special_ids, sequence_length, rng)


def draw_fixed_masks(token_ids, segment_ids, selectable, vocabulary_size, special_ids,
                     sequence_length, rng):
    """Mask packed rows as `MaskedLMMaskGenerator` does, drawing from `rng`.

    Args:
        token_ids, segment_ids: (rows, sequence_length) int32 packed rows.
        selectable: per row, the positions that may be selected (its real, non-special tokens).

    Returns:
        `(inputs, targets, weights)` as `masked_lm_dataset` yields them.
    """
    rows = len(token_ids)
    padding_mask = (token_ids != special_ids["pad"]).astype(np.int32)
    length = mask_selection_length(sequence_length)
    positions = np.zeros((rows, length), np.int32)
    targets = np.zeros((rows, length), np.int32)
    weights = np.zeros((rows, length), np.float32)
    masked = token_ids.copy()
    for row in range(rows):
        count = min(length, math.ceil(MASK_RATE * len(selectable[row])))
        chosen = np.sort(rng.choice(selectable[row], size=count, replace=False))
        positions[row, :count] = chosen
        targets[row, :count] = token_ids[row, chosen]
        weights[row, :count] = 1.0
        kind = rng.random(count)
        masked[row, chosen[kind < 0.8]] = special_ids["mask"]
        random_ones = chosen[(kind >= 0.8) & (kind < 0.9)]
        masked[row, random_ones] = rng.integers(0, vocabulary_size, len(random_ones))
    inputs = {"token_ids": masked, "segment_ids": segment_ids, "padding_mask": padding_mask,
              "mask_positions": positions}
    return inputs, targets, weights


def masked_lm_dataset(windows, vocabulary_size, special_ids, sequence_length, batch_size, *,
                      shuffle=False, seed=None, drop_remainder=False, fixed_masks=False):
    """Batches of `(inputs, mask_ids, mask_weights)` from `segment_pairs` windows.

    Args:
        windows: (windows, sequence_length - 3) int32 from `segment_pairs`.
        vocabulary_size: int, the range of random replacement tokens.
        special_ids: `kerazoo.data.special_token_ids(tokenizer)`.
        sequence_length: int, the packed length.
        batch_size: int.
        shuffle: reshuffle the windows on every pass (training).
        seed: int seed of the shuffle, and of the masks when `fixed_masks`.
        drop_remainder: drop the last partial batch.
        fixed_masks: draw the masks once, from `seed` with NumPy (`_fixed_masks`), and reuse
            them on every pass and in every process (validation and evaluation, so their
            numbers are comparable); else keras-hub's generator draws new masks every pass.

    Returns:
        A `tf.data.Dataset` of `(inputs, targets, sample_weights)`: inputs a dict of int32
        `token_ids`, `segment_ids`, `padding_mask` (batch, sequence_length) and
        `mask_positions` (batch, masks); targets the original ids at those positions; weights 1
        for a real selection and 0 for a padded one.
    """
    dataset = tf.data.Dataset.from_tensor_slices(windows)
    if shuffle:
        dataset = dataset.shuffle(len(windows), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    mask = _masker(vocabulary_size, special_ids, sequence_length)
    if fixed_masks:
        batches = [_fixed_masks(np.asarray(batch), vocabulary_size, special_ids, sequence_length,
                                np.random.default_rng(0 if seed is None else seed + index))
                   for index, batch in enumerate(dataset.as_numpy_iterator())]
        return tf.data.Dataset.from_generator(
            lambda: iter(batches),
            output_signature=(
                {name: tf.TensorSpec([None, None], tf.int32) for name in
                 ("token_ids", "segment_ids", "padding_mask", "mask_positions")},
                tf.TensorSpec([None, None], tf.int32),
                tf.TensorSpec([None, None], tf.float32),
            ),
        ).apply(tf.data.experimental.assert_cardinality(len(batches)))
    return dataset.map(mask, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def masked_lm_datasets(token_ids, vocabulary_size, special_ids, sequence_length, batch_size,
                       seed=None, validation_fraction=0.1):
    """Training and validation batches of a token stream: the last windows validate.

    Returns:
        `MaskedLMDatasets(train, validation)` (validation None when there are too few windows
        for both).
    """
    windows = segment_pairs(token_ids, sequence_length)
    held_out = int(len(windows) * validation_fraction)
    if held_out < 1 or len(windows) - held_out < batch_size:
        held_out = 0
    train_windows = windows[: len(windows) - held_out]
    if len(train_windows) < batch_size:
        raise ValueError(
            f"The text gives {len(train_windows)} training windows of {sequence_length} tokens, "
            f"fewer than one batch of {batch_size}; use more text or a smaller batch."
        )
    train = masked_lm_dataset(train_windows, vocabulary_size, special_ids, sequence_length,
                              batch_size, shuffle=True, seed=seed, drop_remainder=True)
    validation = None
    if held_out:
        validation = masked_lm_dataset(windows[len(windows) - held_out:], vocabulary_size,
                                       special_ids, sequence_length, batch_size, seed=seed,
                                       fixed_masks=True)
    return MaskedLMDatasets(train, validation)
