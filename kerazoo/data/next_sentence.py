"""Next-sentence prediction pairs, as BERT's pretraining data makes them.

Text is read as BERT's pretraining input is written: one sentence a line, documents separated
by blank lines (a text without blank lines is one document). Each pair is `[CLS] A [SEP] B [SEP]`:
A is one or more consecutive sentences of a document; half of the time B is the sentences that
follow A in the same document (label 0, "is next"), otherwise B starts at a sentence drawn at
random from the whole corpus (label 1, "not next"). The labels are the original BERT's and Hugging
Face's `seq_relationship` head's. A fills about half of the `sequence_length - 3` token budget,
B the rest; a pair still too long is cut round-robin by keras-hub's `MultiSegmentPacker`. The
pairs are drawn once, from a seed, like BERT's pretraining files.
"""

from typing import NamedTuple

import numpy as np
import tensorflow as tf

from kerazoo.data.masked_lm import (
    MaskedLMDatasets,
    draw_fixed_masks,
    mask_packed,
    segment_packer,
)

IS_NEXT, NOT_NEXT = 0, 1


class NextSentencePairs(NamedTuple):
    """Segment pairs: `first` and `second` lists of int32 token-id arrays, `labels` (pairs,)."""

    first: list
    second: list
    labels: np.ndarray


def document_sentences(documents):
    """Each document's sentences: its non-blank lines, split into documents at blank lines.

    Args:
        documents: list of str (what `load_documents` returns).

    Returns:
        list of documents, each a list of str sentences (no empty document).
    """
    split = []
    for document in documents:
        current = []
        for line in document.splitlines():
            if line.strip():
                current.append(line.strip())
            elif current:
                split.append(current)
                current = []
        if current:
            split.append(current)
    return split


def _take(sentences, start, budget, stop=None):
    """Sentences from `start` while they fit in `budget` tokens (at least one; before `stop`)."""
    stop = len(sentences) if stop is None else stop
    end, length = start + 1, len(sentences[start])
    while end < stop and length + len(sentences[end]) <= budget:
        length += len(sentences[end])
        end += 1
    return end


def next_sentence_pairs(documents, sequence_length, rng):
    """Draw `[CLS] A [SEP] B [SEP]` pairs from tokenized documents (see the module docstring).

    Args:
        documents: list of documents, each a list of int token-id sequences (its sentences).
        sequence_length: int, the packed length, [CLS] and the two [SEP]s included.
        rng: a `np.random.Generator`, for the 50/50 choice and the random sentences.

    Returns:
        `NextSentencePairs`, in document order.

    Raises:
        ValueError: `sequence_length` is below 5, or no document has two sentences.
    """
    if sequence_length < 5:
        raise ValueError(f"`sequence_length` must be at least 5, got {sequence_length}.")
    budget = sequence_length - 3
    documents = [[np.asarray(s, np.int32) for s in document if len(s)] for document in documents]
    if not any(len(document) >= 2 for document in documents):
        raise ValueError(
            "Next-sentence pairs need a document of at least two sentences (non-blank lines "
            "between blank ones); the text has none."
        )
    starts = np.cumsum([0] + [len(document) for document in documents])
    first, second, labels = [], [], []
    for index, sentences in enumerate(documents):
        start = 0
        while start < len(sentences) - 1:
            end = _take(sentences, start, budget // 2, stop=len(sentences) - 1)
            a = np.concatenate(sentences[start:end])
            next_end = _take(sentences, end, budget - len(a))
            if rng.random() < 0.5:
                b, label = sentences[end:next_end], IS_NEXT
            else:
                drawn = _random_sentence(rng, starts, avoid=starts[index] + end)
                owner = np.searchsorted(starts, drawn, side="right") - 1
                b_start = drawn - starts[owner]
                b = documents[owner][b_start:_take(documents[owner], b_start, budget - len(a))]
                label = NOT_NEXT
            first.append(a)
            second.append(np.concatenate(b))
            labels.append(label)
            # Past the true next sentences whichever B was drawn: a random B consuming less
            # (as BERT's puts them back) would make "not next" pairs more frequent than half.
            start = next_end
    return NextSentencePairs(first, second, np.asarray(labels, np.int32))


def _random_sentence(rng, starts, avoid):
    """A corpus-wide sentence index other than `avoid` (the true next sentence)."""
    drawn = int(rng.integers(0, starts[-1] - 1))
    return drawn + 1 if drawn >= avoid else drawn


def ragged_segments(segments):
    """A list of int32 arrays as one (rows, None) `tf.RaggedTensor`."""
    lengths = np.asarray([len(segment) for segment in segments], np.int64)
    values = np.concatenate(segments) if segments else np.zeros([0], np.int32)
    return tf.RaggedTensor.from_row_lengths(values.astype(np.int32), lengths)


def next_sentence_dataset(pairs, vocabulary_size, special_ids, sequence_length, batch_size, *,
                          shuffle=False, seed=None, drop_remainder=False, fixed_masks=False):
    """Masked-LM batches of next-sentence pairs, with their labels.

    Args:
        pairs: `NextSentencePairs`.
        vocabulary_size, special_ids, sequence_length, batch_size, shuffle, seed,
            drop_remainder, fixed_masks: as `kerazoo.data.masked_lm_dataset`.

    Returns:
        A `tf.data.Dataset` of `(inputs, targets, sample_weights)`: inputs as
        `masked_lm_dataset`'s (segment ids 0 for `[CLS] A [SEP]`, 1 for `B [SEP]`), targets and
        weights dicts keyed by the model's outputs: `masked_lm` (the original ids at
        `mask_positions`; weights 1 for a real selection, 0 for a padded one) and
        `next_sentence` ((batch,) int32 labels, `IS_NEXT` or `NOT_NEXT`; weights 1).
    """
    packer = segment_packer(special_ids, sequence_length)
    dataset = tf.data.Dataset.from_tensor_slices(
        (ragged_segments(pairs.first), ragged_segments(pairs.second), pairs.labels))
    if shuffle:
        dataset = dataset.shuffle(len(pairs.labels), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)

    def pack(first, second, labels):
        token_ids, segment_ids = packer((first, second))
        return tf.cast(token_ids, tf.int32), tf.cast(segment_ids, tf.int32), labels

    def with_labels(masked, labels):
        inputs, mask_ids, mask_weights = masked
        return (inputs, {"masked_lm": mask_ids, "next_sentence": labels},
                {"masked_lm": mask_weights,
                 "next_sentence": tf.ones_like(labels, dtype=tf.float32)})

    if fixed_masks:
        batches = []
        for index, (token_ids, segment_ids, labels) in enumerate(
                dataset.map(pack).as_numpy_iterator()):
            special = np.isin(token_ids, [special_ids[k] for k in ("cls", "sep", "pad")])
            rng = np.random.default_rng((0 if seed is None else seed) + index)
            masked = draw_fixed_masks(token_ids, segment_ids,
                                      [np.flatnonzero(~row) for row in special],
                                      vocabulary_size, special_ids, sequence_length, rng)
            batches.append(with_labels(masked, labels))
        int_matrix = tf.TensorSpec([None, None], tf.int32)
        signature = (
            {name: int_matrix for name in
             ("token_ids", "segment_ids", "padding_mask", "mask_positions")},
            {"masked_lm": int_matrix, "next_sentence": tf.TensorSpec([None], tf.int32)},
            {"masked_lm": tf.TensorSpec([None, None], tf.float32),
             "next_sentence": tf.TensorSpec([None], tf.float32)},
        )
        return tf.data.Dataset.from_generator(
            lambda: iter(batches), output_signature=signature,
        ).apply(tf.data.experimental.assert_cardinality(len(batches)))
    mask = mask_packed(vocabulary_size, special_ids, sequence_length)

    def masked_pairs(first, second, labels):
        token_ids, segment_ids, labels = pack(first, second, labels)
        return with_labels(mask(token_ids, segment_ids), labels)

    return dataset.map(masked_pairs, num_parallel_calls=tf.data.AUTOTUNE).prefetch(
        tf.data.AUTOTUNE)


def next_sentence_datasets(documents, vocabulary_size, special_ids, sequence_length, batch_size,
                           seed=None, validation_fraction=0.1):
    """Training and validation batches of next-sentence pairs: the last pairs validate.

    Args:
        documents: tokenized documents, as `next_sentence_pairs` takes them.
        Others: as `kerazoo.data.masked_lm_datasets`.

    Returns:
        `MaskedLMDatasets(train, validation)` of `next_sentence_dataset` batches (validation
        None when there are too few pairs for both).

    Raises:
        ValueError: fewer training pairs than one batch.
    """
    pairs = next_sentence_pairs(documents, sequence_length,
                                np.random.default_rng(0 if seed is None else seed))
    count = len(pairs.labels)
    held_out = int(count * validation_fraction)
    if held_out < 1 or count - held_out < batch_size:
        held_out = 0
    if count - held_out < batch_size:
        raise ValueError(
            f"The text gives {count - held_out} next-sentence pairs of at most "
            f"{sequence_length} tokens, fewer than one batch of {batch_size}; use more text or a "
            "smaller batch."
        )
    cut = count - held_out
    train_pairs = NextSentencePairs(pairs.first[:cut], pairs.second[:cut], pairs.labels[:cut])
    train = next_sentence_dataset(train_pairs, vocabulary_size, special_ids, sequence_length,
                                  batch_size, shuffle=True, seed=seed, drop_remainder=True)
    validation = None
    if held_out:
        held = NextSentencePairs(pairs.first[cut:], pairs.second[cut:], pairs.labels[cut:])
        validation = next_sentence_dataset(held, vocabulary_size, special_ids, sequence_length,
                                           batch_size, seed=seed, fixed_masks=True)
    return MaskedLMDatasets(train, validation)
