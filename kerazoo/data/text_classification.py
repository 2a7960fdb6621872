"""Labelled sentences for text classification: TSV files in, length-bucketed batches out.

A file is GLUE's TSV layout (SST-2's `train.tsv`/`dev.tsv`): a header line naming a `sentence`
column and a `label` column, then one example a line, fields split by tabs. Batches are bucketed
by length: examples of similar length are batched together and padded only to the longest of
their batch, so short sentences do not pay for the longest one's positions.
"""

import pathlib
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from kerazoo.data.encoder_inputs import pack_example, ragged_tokenizer
from kerazoo.data.text_files import read_text_lines

SENTENCE_COLUMN = "sentence"
LABEL_COLUMN = "label"
# Packed lengths at which buckets split (each bucket is padded to its longest example).
BUCKET_BOUNDARIES = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384)


class LabelledSentences(NamedTuple):
    """Sentences and their labels as read from a file."""

    sentences: list
    labels: list  # str, as written in the file


def read_labelled_tsv(path):
    """The sentences and labels of a GLUE-style TSV file (see the module docstring).

    Trailing whitespace of each sentence is dropped (GLUE's files end each with a space).

    Raises:
        ValueError: the file is missing or not UTF-8, its header lacks a column, a line has too
            few fields, a sentence is empty, or there is no example.
    """
    lines = read_text_lines(path, argument="data")
    header = lines[0].rstrip("\r").split("\t")
    missing = [name for name in (SENTENCE_COLUMN, LABEL_COLUMN) if name not in header]
    if missing:
        raise ValueError(
            f"{str(path)!r} has the header {header}, without the column(s) {missing}: expected a "
            f"tab-separated file whose first line names `{SENTENCE_COLUMN}` and `{LABEL_COLUMN}` "
            "(GLUE's SST-2 layout)."
        )
    sentence_index, label_index = header.index(SENTENCE_COLUMN), header.index(LABEL_COLUMN)
    sentences, labels = [], []
    for number, line in enumerate(lines[1:], start=2):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < len(header):
            raise ValueError(
                f"{str(path)!r} line {number} has {len(fields)} tab-separated field(s); the "
                f"header names {len(header)}."
            )
        sentence = fields[sentence_index].rstrip()
        if not sentence.strip():
            raise ValueError(f"{str(path)!r} line {number} has an empty sentence.")
        sentences.append(sentence)
        labels.append(fields[label_index].strip())
    if not sentences:
        raise ValueError(f"{str(path)!r} holds no example after its header.")
    return LabelledSentences(sentences, labels)


def label_names_of(labels):
    """The classes of training labels, in order: numerically when all are integers."""
    names = sorted(set(labels))
    if all(name.lstrip("-").isdigit() for name in names):
        names = sorted(names, key=int)
    if len(names) < 2:
        raise ValueError(
            f"The training labels hold {len(names)} class(es) {names}; a classifier needs at "
            "least 2."
        )
    return names


def label_ids(labels, label_names, source="data"):
    """Each label's index in `label_names`.

    Raises:
        ValueError: a label is not one of `label_names` (names the unknown ones).
    """
    index = {name: i for i, name in enumerate(label_names)}
    unknown = sorted(set(labels) - set(index))
    if unknown:
        raise ValueError(
            f"{source} has label(s) {unknown[:10]} that the model does not know; its classes "
            f"are {list(label_names)}."
        )
    return np.array([index[label] for label in labels], np.int32)


def tokenize_sentences(sentences, tokenizer, batch_size=4096):
    """Token ids of each sentence (without special tokens), as a `tf.RaggedTensor`."""
    tokenize = ragged_tokenizer(tokenizer)  # Traced once for all the chunks.
    pieces = [tokenize(tf.constant(sentences[start:start + batch_size], tf.string))
              for start in range(0, len(sentences), batch_size)]
    return tf.concat(pieces, axis=0)


def classification_dataset(
    token_ids,
    labels,
    special_ids,
    sequence_length,
    batch_size,
    *,
    shuffle=False,
    seed=None,
    drop_remainder=False,
):
    """Length-bucketed batches of `(inputs, label ids)`.

    Args:
        token_ids: (examples, None) int `tf.RaggedTensor` from `tokenize_sentences`.
        labels: (examples,) int32 label ids.
        special_ids: `kerazoo.data.special_token_ids(tokenizer)`.
        sequence_length: int, the longest packed example; longer ones are cut.
        batch_size: int, examples per batch.
        shuffle: reshuffle the examples on every pass (training).
        seed: int, the shuffle's seed.
        drop_remainder: drop each bucket's last partial batch, so every batch has
            `batch_size` examples (training under a distribution strategy).

    Returns:
        A `tf.data.Dataset` of `({"token_ids", "segment_ids", "padding_mask"}, labels)`, each
        input (batch, time) int32, time the longest packed example of the batch.
    """
    dataset = tf.data.Dataset.from_tensor_slices((token_ids, tf.constant(labels, tf.int32)))
    if shuffle:
        dataset = dataset.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.map(
        lambda ids, label: (pack_example(ids, special_ids, sequence_length), label),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    boundaries = [b for b in BUCKET_BOUNDARIES if b < sequence_length]
    dataset = dataset.bucket_by_sequence_length(
        element_length_func=lambda inputs, label: tf.shape(inputs["token_ids"])[0],
        bucket_boundaries=[b + 1 for b in boundaries],
        bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
        padding_values=(
            {"token_ids": special_ids["pad"], "segment_ids": 0, "padding_mask": 0},
            0,
        ),
        drop_remainder=drop_remainder,
    )
    # The batch count is known, so Keras ends an evaluation pass without a warning.
    lengths = np.minimum(token_ids.row_lengths().numpy() + 2, sequence_length)
    buckets = np.searchsorted(np.array(boundaries), lengths, side="left")
    sizes = np.bincount(buckets, minlength=len(boundaries) + 1)
    batches = int(np.sum(sizes // batch_size if drop_remainder else -(-sizes // batch_size)))
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(batches))
    return dataset.prefetch(tf.data.AUTOTUNE)


def shipped_sst2(split):
    """The path of the shipped SST-2 split (`train` or `dev`), as `default_corpus` finds data.

    Raises:
        ValueError: it is not in `data/sst2/` of a source checkout nor where pip put it.
    """
    import sys

    name = f"{split}.tsv"
    candidates = [
        pathlib.Path("data") / "sst2" / name,
        pathlib.Path(__file__).resolve().parents[2] / "data" / "sst2" / name,
        pathlib.Path(sys.prefix) / "share" / "kerazoo" / "data" / "sst2" / name,
    ]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    raise ValueError(
        f"The shipped SST-2 {name} was not found (looked in {[str(c) for c in candidates]}). "
        "Pass `--data PATH` to a TSV file, or run from the kerazoo source folder."
    )
