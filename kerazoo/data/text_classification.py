"""Labelled sentences for text classification: TSV files in, length-bucketed batches out.

A file is GLUE's TSV layout (SST-2's `train.tsv`/`dev.tsv`): a header line naming a `sentence`
column and a `label` column, then one example a line, fields split by tabs. A header with
`sentence1` and `sentence2` columns instead (GLUE's RTE layout) makes every example a sentence
pair, packed as `[CLS] sentence1 [SEP] sentence2 [SEP]` with segment ids 0 then 1 (keras-hub's
`MultiSegmentPacker`, cutting the longer sentence first when a pair is too long). Batches are bucketed
by length: examples of similar length are batched together and padded only to the longest of
their batch, so short sentences do not pay for the longest one's positions.
"""

import functools
import pathlib
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from kerazoo.data.bucketing import bucket_by_length
from kerazoo.data.encoder_inputs import pack_example, pair_packer
from kerazoo.data.ragged_tokens import ragged_tokenizer
from kerazoo.data.text_files import read_text_lines

SENTENCE_COLUMN = "sentence"
PAIR_COLUMNS = ("sentence1", "sentence2")
LABEL_COLUMN = "label"


class LabelledSentences(NamedTuple):
    """Sentences and their labels as read from a file."""

    sentences: list
    labels: list  # str, as written in the file
    second_sentences: list | None = None  # the pairs' second sentences, or None


def read_labelled_tsv(path):
    """The sentences and labels of a GLUE-style TSV file (see the module docstring).

    Trailing whitespace of each sentence is dropped (GLUE's files end each with a space).

    Raises:
        ValueError: the file is missing or not UTF-8, its header lacks a column, a line has too
            few fields, a sentence is empty, or there is no example.
    """
    lines = read_text_lines(path, argument="data")
    header = lines[0].rstrip("\r").split("\t")
    text_columns = (PAIR_COLUMNS if all(name in header for name in PAIR_COLUMNS)
                    else (SENTENCE_COLUMN,))
    missing = [name for name in (*text_columns, LABEL_COLUMN) if name not in header]
    if missing:
        raise ValueError(
            f"{str(path)!r} has the header {header}, without the column(s) {missing}: expected a "
            f"tab-separated file whose first line names `{SENTENCE_COLUMN}` (or "
            f"`{PAIR_COLUMNS[0]}` and `{PAIR_COLUMNS[1]}` for sentence pairs) and "
            f"`{LABEL_COLUMN}` (GLUE's SST-2 and RTE layouts)."
        )
    text_indices = [header.index(name) for name in text_columns]
    label_index = header.index(LABEL_COLUMN)
    texts, labels = [[] for _ in text_columns], []
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
        for column, index in zip(texts, text_indices):
            sentence = fields[index].rstrip()
            if not sentence.strip():
                raise ValueError(f"{str(path)!r} line {number} has an empty sentence.")
            column.append(sentence)
        labels.append(fields[label_index].strip())
    if not labels:
        raise ValueError(f"{str(path)!r} holds no example after its header.")
    return LabelledSentences(texts[0], labels, texts[1] if len(texts) > 1 else None)


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


def tokenize_labelled(examples, tokenizer):
    """Token ids of `LabelledSentences`: a ragged tensor, or a pair of them for sentence pairs
    (what `classification_dataset` takes)."""
    first = tokenize_sentences(examples.sentences, tokenizer)
    if examples.second_sentences is None:
        return first
    return first, tokenize_sentences(examples.second_sentences, tokenizer)


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
        token_ids: (examples, None) int `tf.RaggedTensor` from `tokenize_sentences`, or a pair
            of them for sentence pairs (`tokenize_labelled`).
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
    if isinstance(token_ids, tuple):
        pack = pair_packer(special_ids, sequence_length)
        lengths = np.minimum(sum(ids.row_lengths().numpy() for ids in token_ids) + 3,
                             sequence_length)
    else:
        pack = functools.partial(pack_example, special_ids=special_ids,
                                 sequence_length=sequence_length)
        lengths = np.minimum(token_ids.row_lengths().numpy() + 2, sequence_length)
    dataset = dataset.map(lambda ids, label: (pack(ids), label),
                          num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    padding = ({"token_ids": special_ids["pad"], "segment_ids": 0, "padding_mask": 0}, 0)
    return bucket_by_length(dataset, lengths, sequence_length, batch_size, padding,
                            drop_remainder=drop_remainder)


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
