"""Translation pipelines: a joint WordPiece vocabulary, packing, teacher forcing, bucketing.

Every pair is tokenized once with one WordPiece vocabulary trained on both
sides of the training corpus (`train_joint_word_piece`). Sources are packed
as `tokens + [END]`; targets with keras-hub's `StartEndPacker` as
`[START] + tokens + [END]`, of which the decoder reads all but the last
token and predicts all but the first (teacher forcing: the decoder input is
the label shifted right). Pairs whose packed source or target would exceed
the model's lengths are dropped (length filtering). Batches hold pairs of
similar length (bucketing by the longer side, buckets `BUCKET_WIDTH` tokens
wide), and each side is padded only to its bucket's width, so batches carry
little padding and XLA sees a few shapes only.

Batches are `(inputs, labels, sample_weights)`: inputs the four int32
tensors of `TransformerEncoderDecoder`, labels (batch, target_time) int32,
sample weights 1.0 on real label tokens and 0.0 on padding.
"""

from typing import NamedTuple

import keras_hub
import numpy as np
import tensorflow as tf

from kerazoo.data.bucketing import with_batch_count
from kerazoo.data.ragged_tokens import tokenize_to_ragged
from kerazoo.data.word_piece import load_word_piece, train_word_piece

PAD, UNK, START, END = "[PAD]", "[UNK]", "[START]", "[END]"
RESERVED_TOKENS = (PAD, UNK, START, END)
BUCKET_WIDTH = 8


class TranslationDatasets(NamedTuple):
    """The pipelines of a run, and how many pairs length filtering dropped."""

    train: tf.data.Dataset
    validation: tf.data.Dataset | None
    dropped_long: int


def train_joint_word_piece(sources, targets, vocabulary_size):
    """One cased WordPiece vocabulary for both languages (keras-hub's trainer).

    Args:
        sources, targets: lists of str, the training sentences.
        vocabulary_size: int, the most tokens, `RESERVED_TOKENS` included.

    Returns:
        `kerazoo.data.WordPieceTokenizer` whose end token is `[END]`; its
        `[START]` id starts every target.
    """
    return train_word_piece(
        list(sources) + list(targets), vocabulary_size,
        reserved_tokens=RESERVED_TOKENS, oov_token=UNK, end_token=END,
    )


def load_joint_word_piece(path):
    """The tokenizer `train_joint_word_piece` makes, from its vocabulary file.

    Args:
        path: str, a one-token-per-line file holding `RESERVED_TOKENS` (as a
            run's `tokenizer/vocabulary.txt`, or the shipped
            `data/multi30k/wordpiece-8000.txt`).

    Raises:
        ValueError: If the file cannot be read, repeats a token or lacks a
            reserved token.
    """
    return load_word_piece(path, reserved_tokens=RESERVED_TOKENS, oov_token=UNK, end_token=END)


def start_token_id(tokenizer):
    """The id of `[START]` in a tokenizer from `train_joint_word_piece`."""
    return int(tokenizer.token_to_id(START))


def pack_sources(tokenizer, texts, max_source_length):
    """Encoder inputs of source sentences: `tokens + [END]`, right-padded.

    Works eagerly and in a graph (the exported translate signature).

    Args:
        tokenizer: from `train_joint_word_piece`.
        texts: (batch,) tf.string, or a list of str.
        max_source_length: int; longer sources keep their first tokens.

    Returns:
        dict of (batch, time) int32 `encoder_token_ids` and
        `encoder_padding_mask`, time the longest packed source.
    """
    return pack_source_ids(tokenizer, tokenize_to_ragged(tokenizer, texts), max_source_length)


def pack_source_ids(tokenizer, ids, max_source_length):
    """`pack_sources` of sources already tokenized: ids (batch, None) int32 ragged."""
    packer = keras_hub.layers.StartEndPacker(
        sequence_length=max_source_length, end_value=tokenizer.end_token_id,
        pad_value=0, return_padding_mask=True,
    )
    token_ids, mask = packer(ids)
    width = tf.reduce_max(tf.reduce_sum(tf.cast(mask, tf.int32), axis=1))
    return {"encoder_token_ids": token_ids[:, :width],
            "encoder_padding_mask": tf.cast(mask, tf.int32)[:, :width]}


def packed_source_lengths(tokenizer, texts):
    """(batch,) int numpy array: the length of each source packed as `tokens + [END]`.

    A source longer than the model's `max_source_length` is truncated by
    `pack_sources`; this finds which ones.

    Args:
        tokenizer: from `train_joint_word_piece`.
        texts: a list of str.
    """
    return tokenize_to_ragged(tokenizer, texts).row_lengths().numpy() + 1


def tidy_spacing(texts):
    """Undo WordPiece's spaces around punctuation: `"man ' s bike ."` -> `"man's bike."`.

    Args:
        texts: tf.string tensor (any shape) of detokenized text.
    """
    word = r"([\pL\pN])"
    texts = tf.strings.regex_replace(texts, word + r" (['’-]) " + word, r"\1\2\3")
    texts = tf.strings.regex_replace(texts, r" ([.,!?;:)\]'’])", r"\1")
    return tf.strings.regex_replace(texts, r"([(\[]) ", r"\1")


def translation_datasets(
    corpus, tokenizer, max_source_length, max_target_length, batch_size,
    validation=None, seed=0,
):
    """Training and validation batches of a parallel corpus (see the module docstring).

    Args:
        corpus: `ParallelCorpus` to train on.
        tokenizer: from `train_joint_word_piece`.
        max_source_length, max_target_length: the model's lengths.
        batch_size: pairs per batch.
        validation: `ParallelCorpus`, or None.
        seed: shuffling seed of the training pairs.

    Returns:
        `TranslationDatasets`: training batches (shuffled, finite: one pass,
        full batches only) and validation batches (in order, every pair).

    Raises:
        ValueError: if length filtering leaves no training pair.
    """
    train, dropped = _packed_pairs(corpus, tokenizer, max_source_length, max_target_length)
    if len(train[0]) == 0:
        raise ValueError(
            f"Every training pair is longer than max_source_length={max_source_length} "
            f"or max_target_length={max_target_length} tokens; raise them."
        )
    train_ds = _batches(train, batch_size, shuffle_seed=seed)
    validation_ds = None
    if validation is not None:
        pairs, _ = _packed_pairs(validation, tokenizer, max_source_length, max_target_length)
        validation_ds = _batches(pairs, batch_size) if len(pairs[0]) else None
    return TranslationDatasets(train_ds, validation_ds, dropped)


def _packed_pairs(corpus, tokenizer, max_source_length, max_target_length):
    """Packed (sources, targets) int32 arrays of the pairs that fit, and the dropped count."""
    sources = tokenize_to_ragged(tokenizer, corpus.sources)
    targets = tokenize_to_ragged(tokenizer, corpus.targets)
    fits = (sources.row_lengths() + 1 <= max_source_length) & (
        targets.row_lengths() + 1 <= max_target_length)
    sources = tf.ragged.boolean_mask(sources, fits)
    targets = tf.ragged.boolean_mask(targets, fits)
    end = tokenizer.end_token_id
    source_packer = keras_hub.layers.StartEndPacker(
        sequence_length=max_source_length, end_value=end, pad_value=0)
    target_packer = keras_hub.layers.StartEndPacker(
        sequence_length=max_target_length + 1, start_value=start_token_id(tokenizer),
        end_value=end, pad_value=0)
    kept = int(tf.reduce_sum(tf.cast(fits, tf.int32)))
    return (np.asarray(source_packer(sources)), np.asarray(target_packer(targets)),
            np.asarray(sources.row_lengths()) + 1, np.asarray(targets.row_lengths()) + 1
            ), len(corpus.sources) - kept


def _batches(pairs, batch_size, shuffle_seed=None):
    source, target, source_lengths, target_lengths = pairs
    dataset = tf.data.Dataset.from_tensor_slices((source, target, source_lengths, target_lengths))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(source), seed=shuffle_seed)

    def bucket(source, target, source_length, target_length):
        return tf.cast((tf.maximum(source_length, target_length) - 1) // BUCKET_WIDTH, tf.int64)

    drop_remainder = shuffle_seed is not None
    dataset = dataset.group_by_window(
        bucket,
        lambda _, window: window.batch(batch_size, drop_remainder=drop_remainder),
        window_size=batch_size,
    )
    buckets = (np.maximum(source_lengths, target_lengths) - 1) // BUCKET_WIDTH
    dataset = with_batch_count(dataset, buckets, batch_size, drop_remainder)
    return dataset.map(_trimmed, num_parallel_calls=tf.data.AUTOTUNE).prefetch(
        tf.data.AUTOTUNE)


def _trimmed(source, target, source_lengths, target_lengths):
    """One batch cut to its bucket's widths, split into inputs, labels and weights."""

    source_lengths = tf.cast(source_lengths, tf.int32)
    target_lengths = tf.cast(target_lengths, tf.int32)

    def width(lengths):
        return -(-tf.reduce_max(lengths) // BUCKET_WIDTH) * BUCKET_WIDTH

    def mask(lengths, width):
        return tf.cast(tf.range(width)[None, :] < lengths[:, None], tf.int32)

    source_width = tf.minimum(width(source_lengths), tf.shape(source)[1])
    target_width = tf.minimum(width(target_lengths), tf.shape(target)[1] - 1)
    source = source[:, :source_width]
    decoder_ids = target[:, :target_width]
    labels = target[:, 1: target_width + 1]
    decoder_mask = mask(target_lengths, target_width)
    inputs = {
        "encoder_token_ids": source,
        "encoder_padding_mask": mask(source_lengths, source_width),
        "decoder_token_ids": decoder_ids,
        "decoder_padding_mask": decoder_mask,
    }
    return inputs, labels, tf.cast(decoder_mask, tf.float32)
